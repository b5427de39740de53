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
assert np.all(val[stopper.best_epoch + 1:] >= val[stopper.best_epoch])              # no later improvement
# the best parameters were restored: the model's validation loss is the best one seen
assert np.isclose(po.evaluate(model, loss, Xval, yval)["loss"], val.min(), rtol=1e-4)

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
assert np.isclose(alpha, 1 / (tau * eps))
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

# %% [markdown]
# ## Exercises
#
# 1. Rerun the first experiment with `po.regularizers.L2(alpha)` instead of early stopping, for a few
#    α. Which α gives the best validation loss? Compare with the early-stopped one.
# 2. Try `po.regularization.retrain_same_steps` (Algorithm 7.2) and `continue_until_loss`
#    (Algorithm 7.3). Which uses the validation data better?
# 3. Double τ in the second experiment and halve ε: do the curves change? Why?
