"""Worked solutions to the exercises of notebooks/ch08_7_strategies (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 8.7 Optimization strategies and meta-algorithms
#
# Each exercise of `ch08_7_strategies.ipynb`, solved; the asserts compare pyoptim with NumPy
# recursions written out here, or two training runs with each other.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
S = po.strategies
SEED = 0

# %% [markdown]
# ## Exercise 1: exponential averaging, decay 0.99
#
# On the notebook's noisy quadratic (200 chains, constant ε = 0.05, averaging from step 100), the
# exponential average θ̄ ← 0.99 θ̄ + 0.01 θ remembers about (1 + 0.99)/(1 − 0.99) ≈ 200 iterates, the
# Polyak average all 900: at the end the Polyak average is closer to the minimum. On a convex problem
# whose minimum does not move that is what we want. On a non-convex network the early iterates lie in
# another region of parameter space, and averaging them in pulls θ̄ off the current basin; the
# exponential average forgets them.

# %%
Hq = np.diag([1.0, 3.0])


def run(mode):
    theta = np.tile([2.0, -2.0], (200, 1))
    avg = po.optim.Averaged(po.optim.SGD([theta], lr=0.05), mode=mode, decay=0.99, start=100)
    noise = np.random.default_rng(SEED)
    f = []
    for _ in range(1000):
        avg.step([theta @ Hq + noise.standard_normal(theta.shape)])
        f.append(0.5 * np.mean(avg.averaged()[0] ** 2 @ np.diag(Hq)))
    return np.array(f), avg.averaged()[0]


f_polyak, _ = run("polyak")
f_ema, ema_po = run("ema")

# the exponential average written out (it starts at the first included iterate)
theta = np.tile([2.0, -2.0], (200, 1))
opt = po.optim.SGD([theta], lr=0.05)
noise = np.random.default_rng(SEED)
ema = None
for k in range(1000):
    opt.step([theta @ Hq + noise.standard_normal(theta.shape)])
    if k >= 100:
        ema = theta.copy() if ema is None else 0.99 * ema + 0.01 * theta
assert np.allclose(ema, ema_po, rtol=1e-10, atol=1e-12)
print(f"at the end: Polyak {f_polyak[-50:].mean():.5f}, EMA(0.99) {f_ema[-50:].mean():.5f}")
assert f_polyak[-50:].mean() < 0.5 * f_ema[-50:].mean()
fig = P.curves({"Polyak average": f_polyak, "exponential average, decay 0.99": f_ema}, xlabel="step",
               ylabel="E f(θ̄) − f*", logy=True, title="Polyak against exponential averaging")
fig

# %% [markdown]
# ## Exercise 2: continuation with two stages, σ = 1 then 0
#
# The first stage descends the heavily blurred f₁, which is nearly convex; the second descends f from
# where the first ended. It finds the global minimum exactly when the minimizer of f₁ lies in the
# basin of f's global minimum. We check pyoptim's answer against that prediction, computed
# independently: the minimizer of the analytic f₁ on a fine grid, then plain gradient descent on f
# (NumPy, central differences) from there.

# %%
f = po.functions.bumpy()
a_, b_, w_, phi = f.a, f.b, f.omega, f.phi
xs = np.linspace(-3, 3, 60001)
f1 = a_ * (xs ** 2 + 1.0) + b_ * np.exp(-w_ ** 2 / 2) * np.sin(w_ * xs + phi)
x = xs[np.argmin(f1)]
fx = lambda x: a_ * x ** 2 + b_ * np.sin(w_ * x + phi)       # noqa: E731
for _ in range(20000):
    x -= 0.005 * (fx(x + 1e-6) - fx(x - 1e-6)) / 2e-6
two = S.continuation(f, sigmas=(1.0, 0.0), inner="gd", lr=0.005, steps=500)
print(f"two stages: x = {two.x[0]:.4f}, f = {two.fun:.4f}; predicted x = {x:.4f}; "
      f"global minimum x = {f.xmin[0]:.4f}, f = {f.fmin:.4f}")
assert abs(two.x[0] - x) < 1e-3
found_global = abs(two.x[0] - f.xmin[0]) < 1e-3
print("finds the global minimum:", found_global)
assert found_global == (abs(x - f.xmin[0]) < 1e-3)
fig = P.continuation(f, {1.0: f.smoothed(1.0)}, xlim=(-3, 3), path=two.path[:, 0],
                     points={"two stages end": float(two.x[0]), "start x₀": float(f.x0[0])})
fig

# %% [markdown]
# ## Exercise 3: ReLU instead of sigmoid in the batch-norm experiment
#
# One might expect ReLU, whose gradient does not shrink through active units, to make batch
# normalization unnecessary. Measured (same data, seeds and budget as the notebook): at ε = 0.5 the
# plain ReLU network does not train either, and batch normalization still lowers the final training
# loss more than tenfold. The culprit is the rate: without normalization ε = 0.5 is too large for
# this 6-layer ReLU net (a run at ε = 0.05 trains), while batch normalization makes each layer's scale
# independent of the weights' scale and so tolerates the high rate (Ioffe & Szegedy, 2015, §3.3).

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
loss = nn.SoftmaxCrossEntropy()


def deep(bn_layers, act, seed=1):
    layers, width = [], 64
    for i in range(5):
        layers += [nn.Dense(width, 64, seed=seed + i)] + ([nn.BatchNorm(64)] if bn_layers else []) + [act()]
    return nn.Sequential(*layers, nn.Dense(64, 10, seed=seed + 9))


final = {}
curves = {}
for act in (nn.Sigmoid, nn.ReLU):
    for use_bn in (False, True):
        model = deep(use_bn, act)
        hist = po.fit(model, loss, po.optim.SGD(model.parameters(), lr=0.5), Xtr, ytr, epochs=8, batch_size=32,
                      progress=False, seed=SEED)
        name = f"{act.__name__}{', batch norm' if use_bn else ''}"
        curves[name] = hist.history["loss"]
        final[name] = hist.history["loss"][-1]
model = deep(False, nn.ReLU)
hist = po.fit(model, loss, po.optim.SGD(model.parameters(), lr=0.05), Xtr, ytr, epochs=8, batch_size=32,
              progress=False, seed=SEED)
curves["ReLU, ε = 0.05"] = hist.history["loss"]
final["ReLU, ε = 0.05"] = hist.history["loss"][-1]
print({k: round(float(v), 3) for k, v in final.items()})
fig = P.curves(curves, x=np.arange(1, 9), xlabel="epoch", ylabel="training loss", logy=True,
               title="Batch norm with sigmoid and with ReLU (ε = 0.5 unless named)")
fig

# %%
ratio_sigmoid = final["Sigmoid"] / final["Sigmoid, batch norm"]
ratio_relu = final["ReLU"] / final["ReLU, batch norm"]
print(f"loss without / with batch norm: sigmoid {ratio_sigmoid:.1f}, ReLU {ratio_relu:.1f}")
assert ratio_sigmoid > 10 and ratio_relu > 10             # batch norm still matters with ReLU at ε = 0.5
assert final["ReLU, ε = 0.05"] < 0.5 * final["ReLU"]     # the plain ReLU net trains at a smaller rate

# %% [markdown]
# ## The exercise in 8.7.4: pretraining without freezing, or fine-tuning longer
#
# With `freeze=False` every stage keeps training the earlier blocks too; with more fine-tuning epochs
# the whole network gets more joint training. Both are compared with training from scratch for the
# same total number of epochs (one seed: compare the numbers, and repeat over seeds before concluding).

# %%
Xtr8, Xte8, ytr8, yte8 = po.datasets.load_digits(test_size=0.3, seed=SEED)
pre = {}
for name, kw in (("frozen, fine-tune 2", dict(freeze=True, fine_tune_epochs=2)),
                 ("not frozen, fine-tune 2", dict(freeze=False, fine_tune_epochs=2)),
                 ("frozen, fine-tune 8", dict(freeze=True, fine_tune_epochs=8))):
    model, _ = S.greedy_layerwise_pretrain([64, 64, 64], Xtr8, ytr8, epochs_per_layer=3, progress=False, seed=SEED, **kw)
    pre[name] = (model, po.evaluate(model, loss, Xte8, yte8)["accuracy"])
for epochs in (11, 17):
    scratch = nn.Sequential(nn.Dense(64, 64, seed=SEED), nn.ReLU(), nn.Dense(64, 64, seed=SEED + 1), nn.ReLU(),
                            nn.Dense(64, 64, seed=SEED + 2), nn.ReLU(), nn.Dense(64, 10, seed=SEED + 3))
    po.fit(scratch, loss, po.optim.SGD(scratch.parameters(), lr=0.1, momentum=0.9), Xtr8, ytr8, epochs=epochs,
           batch_size=32, progress=False, seed=SEED)
    pre[f"from scratch, {epochs} epochs"] = (scratch, po.evaluate(scratch, loss, Xte8, yte8)["accuracy"])
for name, (_, a) in pre.items():
    print(f"{name}: test accuracy {a:.3f}")
fig = P.bars({name.replace(", ", "\n"): a for name, (_, a) in pre.items()}, ylabel="test accuracy",
             title="Pretraining variants against training from scratch")
fig

# %%
# freeze=False really trains the first block in later stages: its weights end elsewhere
w_frozen = pre["frozen, fine-tune 2"][0].parameters()[0].data
w_free = pre["not frozen, fine-tune 2"][0].parameters()[0].data
assert not np.allclose(w_frozen, w_free)
assert all(a > 0.8 for _, a in pre.values())
