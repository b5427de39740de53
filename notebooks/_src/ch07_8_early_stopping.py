"""Source of notebooks/ch07_8_early_stopping.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.8 Early stopping
#
# *Deep Learning*, section 7.8 (Algorithms 7.1–7.3, Fig. 7.3, eq. 7.40–7.45). Keep the parameters with
# the best validation error seen so far and stop when it has not improved for a while: the most used
# regularizer in deep learning, and, for a quadratic cost, equivalent to L2 weight decay.
#
# | book | pyoptim |
# |---|---|
# | Algorithm 7.1 (patience p, return the best θ) | `po.callbacks.EarlyStopping(monitor="val_loss", patience=p, restore_best=True)` |
# | Fig. 7.3, training and validation curves | `po.plot.loss_curves(history, mark_epoch=early_stopping)` |
# | Algorithms 7.2 / 7.3 (retraining on all data) | `po.regularization.retrain_same_steps`, `continue_until_loss` |
# | τ steps of rate ε ≈ L2 with α ≈ 1/(τε) (eq. 7.45) | `po.regularization.gd_factors`, `gd_from_zero`, `equivalent_alpha` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0

# %% [markdown]
# ## Algorithm 7.1: early stopping
#
# A wide MLP on only 100 training digits overfits: the training loss keeps falling, the validation
# loss turns up. Plain NumPy bookkeeping of the algorithm would be: after each epoch, if the validation
# loss improved, copy the parameters and reset a counter, else increment it and stop at p. pyoptim's
# callback does exactly that and restores the best parameters at the end.

# %%
Xtr, Xval, ytr, yval = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:100], ytr[:100]
loss = nn.SoftmaxCrossEntropy()
model = nn.Sequential(nn.Dense(64, 256, seed=1), nn.ReLU(), nn.Dense(256, 10, seed=2))
stopper = po.callbacks.EarlyStopping(monitor="val_loss", patience=20, restore_best=True)
hist = po.fit(model, loss, po.optim.Adam(model.parameters(), lr=0.01), Xtr, ytr, epochs=150, batch_size=25,
              validation_data=(Xval, yval), callbacks=[stopper], progress=False, seed=SEED)
print(f"best epoch {stopper.best_epoch}, stopped at the end of epoch {stopper.stopped_epoch}")
fig = P.loss_curves(hist, metrics=["loss", "val_loss"], mark_epoch=stopper,
                    title="Early stopping (book Fig. 7.3)")
fig

# %%
val = np.asarray(hist.history["val_loss"])
assert stopper.stopped_epoch is not None and stopper.stopped_epoch < 149           # it stopped early
assert stopper.best_epoch == int(np.argmin(val))                                   # at the best epoch
# Algorithm 7.1's stopping rule replayed in NumPy on the recorded validation losses: the epoch at
# which 20 epochs in a row have not improved on the best so far
best_v, wait_v, stop_v = np.inf, 0, None
for i_v, v_v in enumerate(val):
    best_v, wait_v = (v_v, 0) if v_v < best_v else (best_v, wait_v + 1)
    if wait_v == 20:
        stop_v = i_v
        break
assert stopper.stopped_epoch == stop_v == len(val) - 1                             # it stopped by the rule
# the best parameters were restored: the model's validation loss is the best one seen
assert np.isclose(po.evaluate(model, loss, Xval, yval)["loss"], val.min(), rtol=1e-4)

# %% [markdown]
# ## Algorithms 7.2 and 7.3: using the validation data too
#
# Early stopping holds out part of the labelled data to decide when to stop; those examples never
# train the model. The book gives two ways to get them back:
#
# * **Algorithm 7.2** reruns training from scratch on *all* the data for the number of epochs i* that
#   early stopping found best (`retrain_same_steps`);
# * **Algorithm 7.3** keeps the early-stopped parameters and continues training on all the data until
#   the validation loss falls below the training loss at the stopping point (`continue_until_loss`).
#
# Three labelled sets of 150 digits (a quarter held out for validation), each model tested on the same
# 899 unseen digits:

# %%
Xpool, Xtest, ypool, ytest = po.datasets.load_digits(test_size=0.5, seed=SEED)

acc = {"Algorithm 7.1 (75% of the data)": [], "Algorithm 7.2 (retrain on all)": [],
       "Algorithm 7.3 (continue on all)": []}
for s in (0, 1, 2):
    X, y = Xpool[150 * s:150 * (s + 1)], ypool[150 * s:150 * (s + 1)]
    make_model = lambda: nn.Sequential(nn.Dense(64, 256, seed=s + 1), nn.ReLU(), nn.Dense(256, 10, seed=s + 2))  # noqa: E731
    make_opt = lambda m: po.optim.Adam(m.parameters(), lr=0.01)  # noqa: E731
    kw = dict(validation_fraction=0.25, max_epochs=150, patience=20, batch_size=25, seed=s)
    m72, info72 = R.retrain_same_steps(make_model, loss, make_opt, X, y, **kw)
    m73, info73 = R.continue_until_loss(make_model, loss, make_opt, X, y, extra_epochs=100, **kw)
    tr, va = info72["split"]                      # Algorithm 7.1 alone, on the same split
    assert np.array_equal(va, info73["split"][1])
    m71 = make_model()
    es71 = po.callbacks.EarlyStopping(monitor="val_loss", patience=20)
    po.fit(m71, loss, make_opt(m71), X[tr], y[tr], epochs=150, batch_size=25, validation_data=(X[va], y[va]),
           callbacks=[es71], seed=s, progress=False)
    target71 = po.evaluate(m71, loss, X[tr], y[tr])["loss"]   # the training loss at 7.1's best point
    # 7.3 stops on the target recomputed from our own 7.1 run, and its validation loss is below it
    assert np.isclose(info73["target"], target71, rtol=1e-9) and po.evaluate(m73, loss, X[va], y[va])["loss"] <= target71
    assert len(info72["history"].history["loss"]) == es71.best_epoch + 1    # 7.2 retrains for 7.1's i* epochs
    for name, m in zip(acc, (m71, m72, m73)):
        acc[name].append(po.evaluate(m, loss, Xtest, ytest)["accuracy"])

fig, ax = P.figure(figsize=(6.5, 3.8))
for k_, (name, vals) in enumerate(acc.items()):
    ax.bar(np.arange(3) + 0.27 * (k_ - 1), vals, width=0.27, label=name)
ax.set_xticks(range(3), [f"labelled set {s}" for s in range(3)])
ax.set_ylim(0.75, 0.95)
ax.set_ylabel("test accuracy")
ax.set_title("Retraining with the validation data")
ax.legend(fontsize=8, loc="upper left")
fig

# %%
a71, a72, a73 = (np.array(v) for v in acc.values())
print({k: np.round(v, 3).tolist() for k, v in acc.items()})
assert np.all(a72 > a71)                # 7.2 beat early stopping alone on every labelled set
assert a73.mean() > a71.mean()          # 7.3 on average (on one set it lost 0.6 points: the book's caveat,
                                        # its target may be reached early or never)

# %% [markdown]
# ## Early stopping as L2 regularization (eq. 7.40–7.45)
#
# On J(w) = ½(w − w*)ᵀH(w − w*), gradient descent from w⁽⁰⁾ = 0 with rate ε gives after τ steps, along
# eigenvector i of H, the fraction 1 − (1 − ελᵢ)^τ of w*ᵢ. L2 with coefficient α gives λᵢ/(λᵢ + α).
# The two match when α ≈ 1/(τε): the number of steps plays the role of an inverse weight decay.

# %%
rng = np.random.default_rng(SEED)
Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
lam = np.array([0.01, 0.05, 0.3, 1.0, 5.0, 40.0])
H = Q @ np.diag(lam) @ Q.T
w_star = rng.standard_normal(6)
eps, tau = 0.01, 100

w = np.zeros(6)                                   # NumPy: τ gradient steps from 0
for _ in range(tau):
    w -= eps * H @ (w - w_star)
assert np.allclose(R.gd_from_zero(H, w_star, eps, tau), w)
assert np.allclose(Q.T @ w, R.gd_factors(lam, eps, tau) * (Q.T @ w_star))   # per-eigenvector fractions

alpha = R.equivalent_alpha(eps, tau)
lams = np.geomspace(1e-3, 1e2, 200)
fig = P.curves({f"early stopping, τ = {tau}, ε = {eps}": R.gd_factors(lams, eps, tau),
                f"L2, α = 1/(τε) = {alpha:g}": R.l2_shrinkage_factors(lams, alpha)},
               x=lams, xlabel="eigenvalue λ of H", ylabel="fraction of w* kept", logx=True,
               title="Kept fraction: 1 − (1 − ελ)^τ  vs  λ/(λ + α)")
fig

# %%
gd, l2 = R.gd_factors(lams, eps, tau), R.l2_shrinkage_factors(lams, alpha)
print(f"largest gap between the two: {np.abs(gd - l2).max():.3f}")
# with ελ small, 1 − (1 − ελ)^τ ≈ 1 − e^(−x) and λ/(λ + α) = x/(1 + x) for x = λτε: they are never
# more than max_x (1 − e^(−x) − x/(1 + x)) ≈ 0.2 apart (at λ ≈ 2.5α), and agree at both ends
x = np.geomspace(1e-3, 1e3, 10_000)
bound = np.max(1 - np.exp(-x) - x / (1 + x))
assert np.abs(gd - l2).max() <= bound + 0.01
small = lams < 0.1 * alpha
assert np.allclose(gd[small], l2[small], rtol=0.1)               # nearly exact where λ ≪ α ...
assert np.all(np.abs(gd - l2)[lams > 20 * alpha] < 0.05)         # ... and where λ ≫ α
# the α that best matches early stopping, found by a search, is of the order of 1/(τε)
grid = np.geomspace(1e-2, 1e2, 4001)
alpha_fit = grid[np.argmin([np.abs(gd - lams / (lams + a)).max() for a in grid])]
print(f"best-fitting α = {alpha_fit:.3f}, 1/(τε) = {alpha:g}")
assert 0.25 < alpha_fit * tau * eps < 2.0

# %% [markdown]
# ## Exercises
#
# 1. Rerun the first experiment with `po.regularizers.L2(alpha)` instead of early stopping, for a few
#    α. Which α gives the best validation loss? Compare with the early-stopped one.
# 2. Algorithm 7.2 retrains for the same number of *epochs* on a larger set, i.e. more parameter
#    updates. Retrain for the same number of *updates* instead (the book's other reading): which
#    generalizes better here?
# 3. Double τ in the second experiment and halve ε: do the curves change? Why?
