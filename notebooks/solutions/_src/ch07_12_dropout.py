"""Worked solutions to the exercises of notebooks/ch07_12_dropout (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 7.12 Dropout
#
# Each exercise of `ch07_12_dropout.ipynb`, solved; every assert compares an enumeration of all the
# sub-networks (or a measurement) with the formula or the pyoptim function it checks.

# %%
import itertools

import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
rng = np.random.default_rng(SEED)
n, k = 8, 3
W = rng.standard_normal((n, k))
b = rng.standard_normal(k)
Xq = rng.standard_normal((5, n))


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def geometric_mean(model, p):
    """The renormalized geometric mean over all 2ⁿ input masks, each weighted by its probability."""
    log_mean = 0.0
    for d in itertools.product([0.0, 1.0], repeat=n):
        d = np.array(d)
        prob = np.prod(np.where(d == 1.0, 1 - p, p))
        log_mean = log_mean + prob * log_softmax(model(Xq * d))
    return np.exp(log_softmax(log_mean))

# %% [markdown]
# ## Exercise 1: p = 0.2
#
# With keep probability 1 − p the masks are no longer equally likely; the geometric mean weights
# each by P(d) = Π (1 − p)^{dᵢ} p^{1 − dᵢ}. The log of each sub-model's softmax is linear in d up to a
# log-normalizer that does not depend on the class, so the weighted mean is
# softmax(E_d[Wᵀ(d ⊙ x)] + b) = softmax((1 − p)Wᵀx + b): weight scaling is still exact.

# %%
linear = lambda X: X @ W + b               # noqa: E731
geo = geometric_mean(linear, 0.2)
assert np.allclose(geo, R.geometric_mean_ensemble(W, b, Xq, p=0.2), atol=1e-12)
assert np.allclose(geo, R.weight_scaling_predict(W, b, Xq, p=0.2), atol=1e-12)      # exact
assert np.allclose(geo, np.exp(log_softmax(0.8 * Xq @ W + b)), atol=1e-12)
print("p = 0.2, largest |geometric mean − weight scaling|:",
      np.abs(geo - R.weight_scaling_predict(W, b, Xq, p=0.2)).max())

# %% [markdown]
# ## Exercise 2: a hidden tanh layer
#
# With softmax(tanh(Wᵀ₁(d ⊙ x)) W₂ + b) the logits are no longer linear in d, so
# E_d[tanh(·)] ≠ tanh(E_d[·]) and weight scaling (scale the inputs by 1 − p once) is only an
# approximation of the geometric mean. Measured over all 256 masks:

# %%
W1 = rng.standard_normal((n, 6))
W2 = rng.standard_normal((6, k))
hidden = lambda X: np.tanh(X @ W1) @ W2 + b          # noqa: E731
gaps = {}
for p in (0.2, 0.5):
    geo_h = geometric_mean(hidden, p)
    scaled = np.exp(log_softmax(hidden((1 - p) * Xq)))
    gaps[p] = np.abs(geo_h - scaled).max()
    lin_gap = np.abs(geometric_mean(linear, p) - np.exp(log_softmax(linear((1 - p) * Xq)))).max()
    print(f"p = {p}: gap with tanh {gaps[p]:.4f}, without (softmax regression) {lin_gap:.1e}")
    assert lin_gap < 1e-12 and gaps[p] > 1e-3           # exact without the tanh layer, not with it
assert gaps[0.5] > gaps[0.2]                            # more dropout, a larger gap

# %% [markdown]
# ## Exercise 3: dropout with max-norm at a higher learning rate
#
# Hinton et al. (2012) pair dropout with a max-norm constraint on each unit's incoming weights, which
# lets them use a high learning rate without the weights growing. The notebook's MLP with dropout
# p = 0.5, at ε = 0.3 instead of 0.1, with and without `MaxNorm(k, axis=0)` for k = 3 and k = 2: the
# constrained runs keep every column norm ≤ k (measured after every step), the unconstrained one grows
# past 3. Whether the test accuracy gains depends on k and on the seed (one seed here: compare the
# numbers, and repeat over seeds before concluding); at ε = 0.5 with momentum 0.9 every variant fails.

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:300], ytr[:300]
loss = nn.SoftmaxCrossEntropy()


class ColumnNorms(po.callbacks.Callback):
    def __init__(self):
        self.max_norm = []

    def on_batch_end(self, batch, logs):
        self.max_norm.append(max(np.linalg.norm(m.weight.data, axis=0).max()
                                 for m in self.trainer.model if isinstance(m, nn.Dense)))


acc, norms = {}, {}
runs = {"dropout": [], "dropout + MaxNorm(3)": [po.constraints.MaxNorm(3.0, axis=0)],
        "dropout + MaxNorm(2)": [po.constraints.MaxNorm(2.0, axis=0)]}
for name, cons in runs.items():
    net = nn.Sequential(nn.Dense(64, 256, seed=1), nn.ReLU(), nn.Dropout(0.5, seed=2), nn.Dense(256, 10, seed=3))
    cb = ColumnNorms()
    po.fit(net, loss, po.optim.SGD(net.parameters(), lr=0.3, momentum=0.9), Xtr, ytr, epochs=20, batch_size=30,
           constraints=cons, callbacks=[cb], progress=False, seed=SEED)
    acc[name] = po.evaluate(net, loss, Xte, yte)["accuracy"]
    norms[name] = cb.max_norm
print({k: round(v, 3) for k, v in acc.items()})
fig = P.curves(norms, xlabel="step", ylabel="largest column norm", logy=True,
               title="Dropout at ε = 0.3: max-norm keeps the weights bounded")
fig

# %%
assert max(norms["dropout + MaxNorm(3)"]) <= 3.0 * (1 + 1e-6) and max(norms["dropout + MaxNorm(2)"]) <= 2.0 * (1 + 1e-6)
assert max(norms["dropout"]) > 3.0
assert min(acc.values()) > 0.8                  # every run learns at this rate
