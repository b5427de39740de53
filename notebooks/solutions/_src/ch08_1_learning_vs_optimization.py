"""Worked solutions to the exercises of notebooks/ch08_1_learning_vs_optimization (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 8.1 How learning differs from pure optimization
#
# Each exercise of `ch08_1_learning_vs_optimization.ipynb`, solved; the asserts compare pyoptim's runs
# with NumPy solutions, simulations with formulas, and held-out measurements with each other.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
SEED = 0
Xtr, Xho, ytr, yho = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:300], ytr[:300]
# early stopping needs a validation set of its own: half of the held-out digits, the rest for testing
Xval, yval, Xte, yte = Xho[: len(Xho) // 2], yho[: len(yho) // 2], Xho[len(Xho) // 2:], yho[len(yho) // 2:]
loss = nn.SoftmaxCrossEntropy()

# %% [markdown]
# ## Exercise 1: the width-64 model with early stopping
#
# Stopping at the epoch of the lowest validation loss (and restoring those weights) ends training
# before the model has fitted the training set as closely: the gap between held-out and training loss
# shrinks, but does not vanish (the restored model has still been fitted to its training set).

# %%
gap = {}
for name, callbacks in (("60 epochs", []), ("early stopping", [po.callbacks.EarlyStopping(patience=5)])):
    model = nn.Sequential(nn.Dense(64, 64, seed=1), nn.Tanh(), nn.Dense(64, 10, seed=2))
    po.fit(model, loss, po.optim.Adam(model.parameters(), lr=0.01), Xtr, ytr, epochs=60, batch_size=50,
           validation_data=(Xval, yval), callbacks=callbacks, progress=False, seed=SEED)
    gap[name] = po.evaluate(model, loss, Xte, yte)["loss"] - po.evaluate(model, loss, Xtr, ytr)["loss"]
    if callbacks:
        print(f"best epoch {callbacks[0].best_epoch}, stopped at {callbacks[0].stopped_epoch}")
print({k: round(v, 3) for k, v in gap.items()})
assert 0 < gap["early stopping"] < gap["60 epochs"]

# %% [markdown]
# ## Exercise 2: the squared error on separable data
#
# With targets t = ±1 the squared error ½ Σ (xᵀw − t)² is minimized by least squares, w = X⁺t.
# It penalizes scores *beyond* the target as much as short of it, so it never rewards a larger margin:
# gradient descent converges to a finite w (the logistic NLL's w grows without bound), and the least-
# squares separator need not classify every training point correctly, because it fits the targets'
# values, not their signs.

# %%
X, y = po.datasets.separable(n=200, d=2, margin=0.5, seed=SEED, dtype=np.float64)
t = 2.0 * y - 1.0
w_ls = np.linalg.lstsq(X, t, rcond=None)[0]
w = np.zeros(2)
opt = po.optim.SGD([w], lr=0.5)
norms = []
for _ in range(400):
    opt.step([X.T @ (X @ w - t) / len(t)])
    norms.append(np.linalg.norm(w))
assert np.allclose(w, w_ls, atol=1e-8)                           # GD finds the least-squares minimizer
assert abs(norms[-1] - norms[-50]) < 1e-9                        # and stops there: the norm is bounded
err_ls = np.mean(np.sign(X @ w_ls) != t)
margin = np.min(t * (X @ w_ls)) / np.linalg.norm(w_ls)
print(f"least squares: 0-1 training error {err_ls:.3f}, geometric margin {margin:.3f}, ‖w‖ = {norms[-1]:.3f}")
# the logistic NLL keeps growing ‖w‖ on the same data
f = po.functions.logistic_regression(X, y)
wl = np.zeros(2)
opt = po.optim.SGD([wl], lr=2.0)
lnorms = []
for _ in range(400):
    opt.step([f.grad(wl)])
    lnorms.append(np.linalg.norm(wl))
assert lnorms[-1] > lnorms[-50] > norms[-1]

# %% [markdown]
# ## Exercise 3: the finite-population correction
#
# Sampling m of n examples *without* replacement, the standard error of the minibatch mean is
# σ/√m · √((n − m)/(n − 1)): it reaches 0 at m = n, where the minibatch is the whole set. Simulated on
# n = 512 per-example "gradients" (one coordinate), 4000 minibatches per m:

# %%
n = 512
rng = np.random.default_rng(SEED)
g = rng.standard_normal(n) * 3.0 + 1.0
sigma = g.std()                                  # the population's σ (divisor n)
ms = np.array([1, 4, 16, 64, 128, 256, 384, 500, 512])
measured = np.array([np.std([g[rng.permutation(n)[:m]].mean() for _ in range(4000)]) for m in ms])
formula = sigma / np.sqrt(ms) * np.sqrt((n - ms) / (n - 1))
print(np.c_[ms, measured.round(4), formula.round(4)])
assert np.allclose(measured[:-1], formula[:-1], rtol=0.06) and measured[-1] < 1e-12 and formula[-1] == 0
fig = P.curves({"measured (4000 minibatches)": measured, "σ/√m · √((n − m)/(n − 1))": formula,
                "σ/√m (with replacement)": sigma / np.sqrt(ms)}, x=ms, xlabel="minibatch size m",
               ylabel="standard error", logy=True, styles={"σ/√m (with replacement)": ":"},
               title="Finite-population correction, n = 512")
fig

# %% [markdown]
# ## Exercise 4: m = 4 against the full batch, three seeds
#
# The width-64 network on the 300 digits for 30 epochs, each batch size at the best learning rate of
# a small grid (chosen on the validation half, reported on the test half). Whether the noisy small
# batches generalize better is an empirical question: the table answers it for this budget, seed by
# seed. The assert only checks what the comparison rests on: every run is evaluated on the same test
# set by `po.evaluate` and by an independent argmax count, and they agree.

# %%
def run(batch_size, lr, seed):
    model = nn.Sequential(nn.Dense(64, 64, seed=seed), nn.Tanh(), nn.Dense(64, 10, seed=seed + 1))
    po.fit(model, loss, po.optim.SGD(model.parameters(), lr=lr), Xtr, ytr, epochs=30, batch_size=batch_size,
           progress=False, seed=seed)
    val = po.evaluate(model, loss, Xval, yval)["accuracy"]
    test = po.evaluate(model, loss, Xte, yte)["accuracy"]
    assert np.isclose(test, np.mean(po.predict(model, Xte).argmax(axis=1) == yte))
    return val, test


grids = {4: (0.01, 0.05), None: (0.5, 2.0)}
table = {}
for bs, lrs in grids.items():
    for seed in (1, 2, 3):
        val, test, lr = max((run(bs, lr, seed) + (lr,) for lr in lrs), key=lambda r: r[0])   # by validation
        table[(bs or "full", seed)] = (lr, test)
for (bs, seed), (lr, test) in table.items():
    print(f"m = {bs}, seed {seed}: best ε = {lr}, test accuracy {test:.3f}")
mean = {bs: np.mean([v[1] for (b, _), v in table.items() if b == bs]) for bs in (4, "full")}
print({k: round(float(v), 3) for k, v in mean.items()})
assert all(0.5 < v[1] <= 1.0 for v in table.values())
