"""Worked solutions to the exercises of notebooks/ch07_4-7_noise_augmentation_multitask (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 7.4–7.7 Augmentation, noise, multi-task learning
#
# Each exercise of `ch07_4-7_noise_augmentation_multitask.ipynb`, solved; the asserts compare a
# Monte-Carlo average with a derived formula, or models with independent re-computations.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
loss = nn.SoftmaxCrossEntropy()
X300, y300 = Xtr[:300], ytr[:300]
X_shift = R.shift_images(Xte, np.zeros(len(Xte)), np.random.default_rng(SEED).choice([-1, 1], len(Xte)))

# %% [markdown]
# ## Exercise 1: noise on the hidden units against noise on the inputs
#
# `nn.GaussianNoise(0.1)` after the hidden layer perturbs the learned features while training and is
# the identity at evaluation; `PixelNoise(0.1)` perturbs the inputs (an augmentation). Both on the
# notebook's 300 digits; the accuracies are reported on clean and on shifted test digits (one seed:
# compare, and repeat over seeds before concluding which is better).

# %%
acc = {}
nets = {}
for name in ("no noise", "hidden noise", "input noise"):
    layers = [nn.Dense(64, 64, seed=1), nn.ReLU()] + ([nn.GaussianNoise(0.1, seed=3)] if name == "hidden noise" else [])
    net = nn.Sequential(*layers, nn.Dense(64, 10, seed=2))
    po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.01), X300, y300, epochs=30, batch_size=30,
           augment=R.PixelNoise(0.1) if name == "input noise" else None, progress=False, seed=SEED)
    nets[name] = net
    acc[f"{name}\nclean"] = po.evaluate(net, loss, Xte, yte)["accuracy"]
    acc[f"{name}\nshifted"] = po.evaluate(net, loss, X_shift, yte)["accuracy"]
print({k.replace("\n", " "): round(v, 3) for k, v in acc.items()})
fig = P.bars(acc, ylabel="test accuracy", title="Noise on hidden units vs inputs")
fig.axes[0].set_ylim(0.3, 1.0)
fig

# %%
# at evaluation the noise layer is the identity: the same network without it predicts the same
net = nets["hidden noise"]
without = nn.Sequential(net[0], net[1], net[3])
np.testing.assert_allclose(po.predict(net, Xte), po.predict(without, Xte), rtol=1e-6)
# and in training mode it does add N(0, 0.1²) noise: its sample std, measured on zeros
noise = nn.GaussianNoise(0.1, seed=7)
noise.train()
sample = noise(np.zeros((2000, 64), dtype=np.float32))
assert abs(sample.std() - 0.1) < 0.005 and abs(sample.mean()) < 0.005
assert all(v > 0.8 for k, v in acc.items() if k.endswith("clean"))

# %% [markdown]
# ## Exercise 2: digit and parity, 100 labels
#
# A shared trunk with two heads, the digit (10 classes) and its parity (2 classes), trained with
# `MultiTaskObjective([loss, loss])` on targets `np.stack([y, y % 2], 1)`, against the digit head alone.
# The parity is a function of the digit, so it brings no new information; whether the extra gradient
# helps the shared features is measured over three seeds (it need not).

# %%
results = {"digit only": [], "digit + parity": []}
for seed in (1, 2, 3):
    for name in results:
        trunk = nn.Sequential(nn.Dense(64, 32, seed=seed), nn.Tanh())
        head = nn.Dense(32, 10, seed=seed + 10)
        if name == "digit only":
            clf = nn.Sequential(trunk, head)
            po.fit(clf, loss, po.optim.Adam(clf.parameters(), lr=0.01), Xtr[:100], ytr[:100], epochs=150,
                   batch_size=None, progress=False, seed=seed)
        else:
            mt = R.MultiTask(trunk, [head, nn.Dense(32, 2, seed=seed + 20)])
            obj = R.MultiTaskObjective([loss, loss], int_tasks=(0, 1))
            po.fit(mt, None, po.optim.Adam(mt.parameters(), lr=0.01), Xtr[:100], np.stack([ytr[:100], ytr[:100] % 2], 1),
                   epochs=150, batch_size=None, objective=obj, progress=False, seed=seed)
            clf = nn.Sequential(trunk, head)
            # the parity head learned its task: checked by an argmax count of its own outputs
            parity = mt.forward(Xte.astype(np.float32))[1].argmax(axis=1)
            assert np.mean(parity == yte % 2) > 0.75
        results[name].append(po.evaluate(clf, loss, Xte, yte)["accuracy"])
print({k: np.round(v, 3).tolist() for k, v in results.items()})
print({k: round(float(np.mean(v)), 3) for k, v in results.items()})
assert all(a > 0.6 for v in results.values() for a in v)

# %% [markdown]
# ## Exercise 3: the input-noise identity
#
# With ε ~ N(0, σ²I) independent of x:
# ((x + ε)ᵀw − y)² = (xᵀw − y)² + 2(xᵀw − y)εᵀw + (εᵀw)². Taking the expectation, the middle term
# vanishes (E ε = 0) and E(εᵀw)² = wᵀE[εεᵀ]w = σ²‖w‖²: **E = (xᵀw − y)² + σ²‖w‖²**, an L2 penalty of
# strength σ² on the weights (book eq. 7.31 for linear regression). Checked term by term by Monte Carlo:

# %%
rng = np.random.default_rng(SEED)
x, w, y = rng.standard_normal(5), rng.standard_normal(5), 0.7
sigma = 0.3
eps = sigma * rng.standard_normal((200_000, 5))
lhs = ((x + eps) @ w - y) ** 2
cross = 2 * (x @ w - y) * (eps @ w)
quad = (eps @ w) ** 2
se = lhs.std() / np.sqrt(len(lhs))
print(f"E[((x+ε)ᵀw − y)²] = {lhs.mean():.4f} ± {se:.4f}, (xᵀw − y)² + σ²‖w‖² = {(x @ w - y) ** 2 + sigma ** 2 * w @ w:.4f}")
assert abs(lhs.mean() - ((x @ w - y) ** 2 + sigma ** 2 * w @ w)) < 4 * se
assert abs(cross.mean()) < 4 * cross.std() / np.sqrt(len(cross))                 # the cross term averages out
assert abs(quad.mean() - sigma ** 2 * w @ w) < 4 * quad.std() / np.sqrt(len(quad))
