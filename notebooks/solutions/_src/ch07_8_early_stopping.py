"""Worked solutions to the exercises of notebooks/ch07_8_early_stopping (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 7.8 Early stopping
#
# Each exercise of `ch07_8_early_stopping.ipynb`, solved; the asserts compare training runs with each
# other, step counts with a callback's own count, and closed forms with NumPy loops.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
loss = nn.SoftmaxCrossEntropy()

# %% [markdown]
# ## Exercise 1: L2 instead of early stopping
#
# The notebook's network (100 training digits, 256 ReLU units, Adam ε = 0.01), trained for a fixed
# 60 epochs with `po.regularizers.L2(α)` for a few α, against the early-stopped run. Too small an α
# does little; too large an α underfits; in between the final validation loss is lower than without
# a penalty, and on this seed even lower than the early-stopped one, without watching a validation set
# while training (but α itself has to be chosen on one).

# %%
Xtr, Xval, ytr, yval = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:100], ytr[:100]


def net():
    return nn.Sequential(nn.Dense(64, 256, seed=1), nn.ReLU(), nn.Dense(256, 10, seed=2))


final = {}
curves = {}
for alpha in (0.0, 1e-3, 1e-2, 1e-1):
    m = net()
    h = po.fit(m, loss, po.optim.Adam(m.parameters(), lr=0.01), Xtr, ytr, epochs=60, batch_size=25,
               validation_data=(Xval, yval), regularizers=[po.regularizers.L2(alpha)] if alpha else [],
               progress=False, seed=SEED)
    curves[f"L2, α = {alpha:g}"] = h.history["val_loss"]
    final[alpha] = po.evaluate(m, loss, Xval, yval)["loss"]
    assert np.isclose(final[alpha], h.history["val_loss"][-1], rtol=1e-4)   # the history is the evaluation
m = net()
stopper = po.callbacks.EarlyStopping(monitor="val_loss", patience=20, restore_best=True)
h = po.fit(m, loss, po.optim.Adam(m.parameters(), lr=0.01), Xtr, ytr, epochs=60, batch_size=25,
           validation_data=(Xval, yval), callbacks=[stopper], progress=False, seed=SEED)
es = po.evaluate(m, loss, Xval, yval)["loss"]
best_alpha = min((a for a in final if a > 0), key=final.get)
print({f"α = {a:g}": round(v, 3) for a, v in final.items()}, f"early stopping: {es:.3f}; best α = {best_alpha:g}")
fig = P.curves(curves, x=np.arange(1, 61), xlabel="epoch", ylabel="validation loss",
               title="L2 in place of early stopping")
fig.axes[0].axhline(es, color="black", ls=":", label="early stopping (restored)")
fig.axes[0].legend(fontsize=8)
fig

# %%
assert final[best_alpha] < final[0.0]             # the best penalty beats no regularization at 60 epochs
assert es < final[0.0]                            # and so does early stopping

# %% [markdown]
# ## Exercise 2: retraining for the same number of *updates*
#
# Algorithm 7.2 retrains on all the labelled data for i* *epochs*; with a quarter more data each epoch
# has more minibatches, so the retrained model takes more updates than the early-stopped one did. The
# other reading retrains for the same number of parameter *updates*. Both on the notebook's three
# labelled sets; the number of updates is counted by a callback, independently of the epoch arithmetic.

# %%
Xpool, Xtest, ypool, ytest = po.datasets.load_digits(test_size=0.5, seed=SEED)


class CountSteps(po.callbacks.Callback):
    def __init__(self):
        self.n = 0

    def on_batch_end(self, batch, logs):
        self.n += 1


acc = {"same epochs (Algorithm 7.2)": [], "same updates": []}
for s in (0, 1, 2):
    X, y = Xpool[150 * s:150 * (s + 1)], ypool[150 * s:150 * (s + 1)]
    make_model = lambda: nn.Sequential(nn.Dense(64, 256, seed=s + 1), nn.ReLU(), nn.Dense(256, 10, seed=s + 2))  # noqa: E731
    make_opt = lambda m: po.optim.Adam(m.parameters(), lr=0.01)  # noqa: E731
    m72, info = R.retrain_same_steps(make_model, loss, make_opt, X, y, validation_fraction=0.25, max_epochs=150,
                                     patience=20, batch_size=25, seed=s)
    tr, _ = info["split"]
    per_epoch_first = int(np.ceil(len(tr) / 25))
    per_epoch_all = int(np.ceil(len(y) / 25))
    updates = info["best_epochs"] * per_epoch_first             # what the early-stopped run took
    m_same = make_model()
    counter = CountSteps()
    po.fit(m_same, loss, make_opt(m_same), X, y, epochs=int(np.ceil(updates / per_epoch_all)), batch_size=25,
           callbacks=[counter], progress=False, seed=s)
    assert abs(counter.n - updates) < per_epoch_all               # the same number of updates, to an epoch
    acc["same epochs (Algorithm 7.2)"].append(po.evaluate(m72, loss, Xtest, ytest)["accuracy"])
    acc["same updates"].append(po.evaluate(m_same, loss, Xtest, ytest)["accuracy"])
print({k: np.round(v, 3).tolist() for k, v in acc.items()})
fig = P.bars({f"{k}\n(mean of 3 sets)": float(np.mean(v)) for k, v in acc.items()}, ylabel="test accuracy",
             title="Retraining on all the labelled data")
fig.axes[0].set_ylim(0.7, 1.0)
fig

# %%
assert all(a > 0.75 for v in acc.values() for a in v)      # both readings learn the task on every set

# %% [markdown]
# ## Exercise 3: double τ, halve ε
#
# The early-stopping factors are 1 − (1 − ελ)^τ. For small ελ, (1 − ελ)^τ ≈ e^{−ελτ}: they depend on
# the product ετ only, which doubling τ and halving ε keeps, and so does the equivalent α = 1/(τε).
# The curves barely move; they differ where ελ is not small (the largest λ), where both are ≈ 1.

# %%
rng = np.random.default_rng(SEED)
Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
lam = np.array([0.01, 0.05, 0.3, 1.0, 5.0, 40.0])
H = Q @ np.diag(lam) @ Q.T
w_star = rng.standard_normal(6)
w = np.zeros(6)                                   # NumPy: 2τ steps of ε/2 from 0
for _ in range(200):
    w -= 0.005 * H @ (w - w_star)
assert np.allclose(Q.T @ w, R.gd_factors(lam, 0.005, 200) * (Q.T @ w_star))
lams = np.geomspace(1e-3, 1e2, 200)
a, b = R.gd_factors(lams, 0.01, 100), R.gd_factors(lams, 0.005, 200)
print(f"largest change of the kept fraction: {np.abs(a - b).max():.4f}")
assert np.abs(a - b).max() < 0.01 and R.equivalent_alpha(0.01, 100) == R.equivalent_alpha(0.005, 200)
assert np.allclose(b, 1 - np.exp(-0.01 * 100 * lams), atol=0.01)
fig = P.curves({"τ = 100, ε = 0.01": a, "τ = 200, ε = 0.005": b}, x=lams, xlabel="eigenvalue λ of H",
               ylabel="fraction of w* kept", logx=True, styles={"τ = 200, ε = 0.005": "--"},
               title="Only ετ matters")
fig
