"""Source of notebooks/ch07_12_dropout.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.12 Dropout
#
# *Deep Learning*, section 7.12 (eq. 7.52–7.66). Dropout trains the ensemble of all sub-networks
# obtained by removing units, sharing their parameters; at test time the weight-scaling rule
# approximates the ensemble's (geometric-mean) prediction in one pass, and is exact for softmax
# regression.
#
# | book | pyoptim |
# |---|---|
# | masks μ, probability of *including* a unit | `po.nn.Dropout(p, seed)`: p is the probability of *dropping* (torch's convention), keep = 1 − p |
# | inverted dropout (scale by 1/(1 − p) in training) | `Dropout(p, inverted=True)` (default) |
# | the book's form + weight-scaling inference (eq. 7.66) | `Dropout(p, inverted=False)`; `po.regularization.weight_scaling_predict` |
# | arithmetic-mean ensemble (eq. 7.54) | `po.regularization.mc_predict(model, X, k)` |
# | renormalized geometric mean over all 2ⁿ masks (eq. 7.56–7.58) | `po.regularization.geometric_mean_ensemble` |

# %%
import itertools

import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0

# %% [markdown]
# ## Masks
#
# In training every unit is kept independently with probability 1 − p. NumPy: `rng.random(shape) >= p`.
# pyoptim draws its masks in C from a seeded counter-based stream (the same masks for the same seed,
# whatever the number of threads):

# %%
drop = nn.Dropout(p=0.5, seed=SEED)
masks = drop.mask((12, 40), counter=0)
fig = P.dropout_masks(masks, p=0.5)
fig

# %%
big = nn.Dropout(p=0.3, seed=SEED).mask((1000, 1000), counter=0)
keep = big.mean()
se = np.sqrt(0.7 * 0.3 / big.size)
print(f"keep rate {keep:.5f}, expected 0.7 ± {se:.5f}")
assert abs(keep - 0.7) < 5 * se                               # mask keep rate matches 1 − p

# inverted dropout keeps the expected activation: E[x ⊙ m/(1 − p)] = x
x = np.full((1, 50_000), 2.0, dtype=np.float32)
layer = nn.Dropout(p=0.3, seed=1)
layer.train()
y = layer(x)
assert set(np.unique(y)) <= {0.0, np.float32(2.0 / 0.7)} and abs(y.mean() - 2.0) < 0.05
layer.eval()
assert np.array_equal(layer(x), x)                             # identity at test time

# %% [markdown]
# With sliders for p (ipywidgets):

# %%
P.interactive_dropout(40, 12, p=0.5, seed=SEED)

# %% [markdown]
# ## Weight scaling = the geometric-mean ensemble, for softmax regression
#
# A softmax-regression model P(y | x) = softmax(Wᵀx + b) with dropout on its n inputs defines 2ⁿ
# sub-models, one per mask d. The ensemble's renormalized geometric mean (eq. 7.56–7.58),
# p̃(y | x) ∝ (Π_d P(y | x, d))^(1/2ⁿ) for p = 0.5, equals softmax((1 − p)Wᵀx + b) exactly: the
# weight-scaling rule. In NumPy, by enumerating all 2ⁿ masks:

# %%
rng = np.random.default_rng(SEED)
n, k = 8, 3
W = rng.standard_normal((n, k))
b = rng.standard_normal(k)
Xq = rng.standard_normal((5, n))


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


log_mean = np.zeros((5, k))
for d in itertools.product([0.0, 1.0], repeat=n):        # all 2ⁿ = 256 sub-networks
    log_mean += log_softmax((Xq * np.array(d)) @ W + b) / 2 ** n
geo = np.exp(log_softmax(log_mean))                      # renormalized geometric mean

assert np.allclose(geo, R.geometric_mean_ensemble(W, b, Xq, p=0.5), atol=1e-12)
assert np.allclose(geo, R.weight_scaling_predict(W, b, Xq, p=0.5), atol=1e-12)     # exact
print(np.round(geo[:2], 4))

# %% [markdown]
# ## Dropout on the digits
#
# An MLP on 300 training digits, with and without dropout on its hidden layer. At test time the
# (inverted) dropout layer is the identity; Monte-Carlo averaging over k masks (`mc_predict`) is the
# arithmetic-mean ensemble of eq. 7.54, which approaches the one-pass prediction as k grows.

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:300], ytr[:300]
loss = nn.SoftmaxCrossEntropy()
acc, models = {}, {}
for name, p in (("no dropout", 0.0), ("dropout p = 0.5", 0.5)):
    layers = [nn.Dense(64, 256, seed=1), nn.ReLU()] + ([nn.Dropout(p, seed=2)] if p else []) + [nn.Dense(256, 10, seed=3)]
    models[name] = nn.Sequential(*layers)
    po.fit(models[name], loss, po.optim.SGD(models[name].parameters(), lr=0.1, momentum=0.9), Xtr, ytr,
           epochs=40, batch_size=30, progress=False, seed=SEED)
    acc[name] = po.evaluate(models[name], loss, Xte, yte)["accuracy"]
net = models["dropout p = 0.5"]
probs = {kk: R.mc_predict(net, Xte, k=kk) for kk in (1, 4, 32)}
for kk, pr in probs.items():
    acc[f"MC average, k = {kk}"] = float(np.mean(pr.argmax(axis=1) == yte))
fig = P.bars(acc, ylabel="test accuracy", title="Dropout on 300 digits", fmt="{:.3f}")
fig.axes[0].set_ylim(0.7, 1.0)
fig

# %%
one_pass = R.softmax(po.predict(net, Xte))
gaps = {kk: np.abs(pr - one_pass).mean() for kk, pr in probs.items()}
print("mean |MC average − one-pass weight scaling| by k:", {kk: round(float(g), 4) for kk, g in gaps.items()})
assert gaps[32] < gaps[1]                       # the MC ensemble approaches the weight-scaling prediction
assert acc["dropout p = 0.5"] > 0.85

# %% [markdown]
# Does dropout *beat* no dropout on held-out data? Over three seeds, with an even smaller training set
# (100 digits) and a wider net (1024 hidden units), dropout with p = 0.5 is ahead on every seed, but
# only by a fraction of a point (under one point in the runs we made), too little to assert. The
# benefit Srivastava et al. (2014) report needs large networks trained long on larger data (MNIST with
# thousands of units, hundreds of epochs, max-norm constraints). Here the 64-pixel digits are easy and
# a one-hidden-layer net trained by SGD already generalizes about as well as 100 examples allow: once
# the training examples are fitted the cross-entropy gradient vanishes and the weights stop growing,
# so there is little overfitting left for dropout to remove. What does hold, and is asserted: p = 0.5
# costs nothing (within one point on every seed), while p = 0.8 drops so many units that the net
# underfits: p is a hyperparameter with a sweet spot, not "the more the better".

# %%
# a smaller training set and a wider net, three seeds, p ∈ {0 (none), 0.5, 0.8}
Xs, ys = Xtr[:100], ytr[:100]          # the first 100 of the 300 training digits
seed_acc = {p: [] for p in (0.0, 0.5, 0.8)}
for p in seed_acc:
    for s in (1, 2, 3):
        layers = [nn.Dense(64, 1024, seed=10 * s), nn.ReLU()] + ([nn.Dropout(p, seed=10 * s + 1)] if p else [])
        m = nn.Sequential(*layers, nn.Dense(1024, 10, seed=10 * s + 2))
        po.fit(m, loss, po.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), Xs, ys, epochs=80, batch_size=20,
               progress=False, seed=s)
        seed_acc[p].append(po.evaluate(m, loss, Xte, yte)["accuracy"])
seed_acc = {p: np.array(a) for p, a in seed_acc.items()}
for p, a in seed_acc.items():
    print(f"p = {p}: test accuracy per seed {np.round(a, 4)}, mean {a.mean():.4f}")
fig = P.bars({("no dropout" if p == 0 else f"dropout p = {p}"): a.mean() for p, a in seed_acc.items()},
             ylabel="test accuracy", title="100 digits, 1024 hidden units (mean of 3 seeds)", fmt="{:.3f}")
fig.axes[0].set_ylim(0.6, 1.0)
fig

# %%
assert np.all(seed_acc[0.5] > seed_acc[0.0] - 0.01)              # p = 0.5 never costs more than a point
assert seed_acc[0.8].mean() < seed_acc[0.0].mean() - 0.03        # p = 0.8: too much noise, the net underfits

# %% [markdown]
# ## Exercises
#
# 1. Repeat the geometric-mean check with p = 0.2 (use `geometric_mean_ensemble(W, b, X, p=0.2)`; the
#    masks are then weighted by their probabilities). Is weight scaling still exact?
# 2. Add a hidden layer with tanh to the softmax model. Is weight scaling still exactly the geometric
#    mean? Measure the gap.
# 3. Combine dropout with `po.constraints.MaxNorm(3.0)` as Hinton et al. (2012) did, at a higher rate.
