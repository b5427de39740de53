"""Source of notebooks/ch07_1-3_norm_penalties.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.1–7.3 Parameter norm penalties, constraints, under-constrained problems
#
# *Deep Learning*, sections 7.1 (L2 and L1 penalties), 7.2 (norm penalties as constrained
# optimization) and 7.3 (regularization and under-constrained problems). Each idea: words, plain
# NumPy, the pyoptim call, a figure, and an `assert` of the book's claim.
#
# | book | pyoptim |
# |---|---|
# | L2, weight decay αΩ(w) = (α/2)‖w‖² (eq. 7.2–7.5) | `po.regularizers.L2(alpha)` in `po.fit(..., regularizers=[...])`; `po.optim.AdamW` (decoupled) |
# | w̃ = Q(Λ + αI)⁻¹ΛQᵀw* (eq. 7.13), ridge (eq. 7.17) | `po.regularization.l2_quadratic_minimum`, `l2_shrinkage_factors`, `ridge` |
# | L1 (eq. 7.18–7.24), soft threshold (eq. 7.22) | `po.regularizers.L1(alpha, mode="subgradient" \| "proximal")`, `po.regularization.l1_diagonal_minimum` |
# | explicit constraints, reprojection (7.2) | `po.constraints.MaxNorm(k, axis=0)`, `L2Ball`, `L1Ball` in `po.fit(..., constraints=[...])` |
# | pseudo-inverse as the limit of ridge (eq. 7.29) | `po.regularization.ridge_pseudo_inverse(X, alpha)` |
# | unbounded logistic weights on separable data | `po.regularization.logistic_weight_path` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0

# %% [markdown]
# ## 7.1.1 L2 parameter regularization
#
# Near a minimum w* the cost is approximately J(w) = ½(w − w*)ᵀH(w − w*). Adding (α/2)‖w‖² moves the
# minimum to w̃ = (H + αI)⁻¹Hw*. With H = QΛQᵀ: w̃ = Q(Λ + αI)⁻¹ΛQᵀw*, so the component of w* along
# eigenvector i is scaled by λᵢ/(λᵢ + α). Directions of low curvature (λᵢ ≪ α) are shrunk to zero,
# directions of high curvature are kept. In NumPy:

# %%
rng = np.random.default_rng(SEED)
Q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
lam = np.array([0.1, 1.0, 5.0, 50.0])
H = Q @ np.diag(lam) @ Q.T
w_star = rng.standard_normal(4)
alpha = 1.0

w_tilde_np = Q @ np.diag(lam / (lam + alpha)) @ Q.T @ w_star
w_tilde_po = R.l2_quadratic_minimum(H, w_star, alpha)
assert np.allclose(w_tilde_np, np.linalg.solve(H + alpha * np.eye(4), H @ w_star))
assert np.allclose(w_tilde_po, w_tilde_np)
assert np.allclose(R.l2_shrinkage_factors(lam, alpha), lam / (lam + alpha))
print("shrinkage factors λ/(λ+α):", np.round(lam / (lam + alpha), 3))

# %% [markdown]
# Book Fig. 7.1 in two dimensions: the contours of J (solid) and of the penalty (dashed) touch at w̃.
# The weak direction (horizontal, small λ) is pulled towards 0 much more than the strong one.

# %%
H2 = np.diag([0.6, 5.0])
fig = P.l2_picture(H2, np.array([2.0, 1.0]), alpha=1.0)
fig

# %% [markdown]
# With sliders for α (ipywidgets); without them, the static figure:

# %%
P.interactive_l2(H2, np.array([2.0, 1.0]), alpha=1.0)

# %% [markdown]
# In training, `po.regularizers.L2(alpha)` adds (α/2)‖W‖² to the loss and αW to each weight's gradient
# (the weights only, not the biases). For linear regression with the mean squared error
# (1/N)‖Xw − y‖² + (α/2)‖w‖², the minimum is ridge regression (XᵀX + (αN/2) I)⁻¹Xᵀy (eq. 7.17 with the
# constants of this loss):

# %%
X, y = po.datasets.linear_regression(n=100, d=5, noise=0.5, seed=SEED, dtype=np.float64)
y = y.reshape(-1, 1)
model = nn.Sequential(nn.Dense(5, 1, bias=False, seed=1, dtype=np.float64))
reg = po.regularizers.L2(alpha=0.3)
W = model[0].weight.data
assert np.isclose(reg.penalty(model), 0.3 / 2 * np.sum(W ** 2))          # the penalty
assert np.allclose(reg.grad(model)[0], 0.3 * W)                            # its gradient, αw

po.fit(model, nn.MSELoss(), po.optim.SGD(model.parameters(), lr=0.2), X, y, epochs=400, batch_size=None,
       regularizers=[reg], progress=False, seed=SEED)
w_ridge = np.linalg.solve(X.T @ X + 0.3 * len(X) / 2 * np.eye(5), X.T @ y)
assert np.allclose(R.ridge(X, y, 0.3 * len(X) / 2), w_ridge)
print("trained:", model[0].weight.data.ravel().round(5), "\nridge:  ", w_ridge.ravel().round(5))
assert np.allclose(model[0].weight.data, w_ridge, atol=1e-8)

# %% [markdown]
# ## 7.1.2 L1 regularization
#
# With α‖w‖₁ and a diagonal Hessian, the minimum has a closed form (eq. 7.22):
# wᵢ = sign(w*ᵢ)·max(|w*ᵢ| − α/Hᵢᵢ, 0). Weights whose |w*ᵢ| is below α/Hᵢᵢ become **exactly** zero:
# L1 gives sparse solutions, L2 never does.

# %%
w_star = np.array([2.0, -1.2, 0.8, 0.4, -0.25, 0.1])
h = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0])


def soft_threshold(w_star, h, alpha):
    return np.sign(w_star) * np.maximum(np.abs(w_star) - alpha / h, 0.0)


assert np.allclose(R.l1_diagonal_minimum(h, w_star, 0.5), soft_threshold(w_star, h, 0.5))
alphas = np.geomspace(1e-3, 3, 80)
path = np.array([R.l1_diagonal_minimum(h, w_star, a) for a in alphas])
fig = P.l1_path(alphas, path, names=[f"w{i + 1}* = {w:g}" for i, w in enumerate(w_star)])
fig

# %% [markdown]
# `po.regularizers.L1(alpha, mode="proximal")` reaches that solution by training: a gradient step on J,
# then the soft threshold with lr·α (ISTA). Below the "model" is one weight matrix w and
# J = ½Σ Hᵢᵢ(wᵢ − w*ᵢ)², whose gradient we write into `.grad` ourselves.

# %%
lin = nn.Sequential(nn.Dense(6, 1, bias=False, init="zeros", dtype=np.float64))
w = lin[0].weight
l1 = po.regularizers.L1(alpha=0.5, mode="proximal")
opt = po.optim.SGD(lin.parameters(), lr=0.2)
for step in range(300):
    lin.zero_grad()
    w.grad[:, 0] = h * (w.data[:, 0] - w_star)
    opt.step()
    l1.after_step(lin, lr=0.2)
print("proximal L1:", w.data[:, 0].round(6))
assert np.allclose(w.data[:, 0], soft_threshold(w_star, h, 0.5), atol=1e-10)
zeros = np.abs(w_star) <= 0.5 / h
assert np.all(w.data[zeros, 0] == 0.0) and zeros.sum() >= 2                # exact zeros

# %%
P.interactive_l1(w_star, h, alpha=0.5)

# %% [markdown]
# ## 7.2 Norm penalties as constrained optimization
#
# Instead of a penalty, constrain Ω(w) ≤ k and reproject after each step. Hinton et al. (2012)
# constrain each *column* (a unit's incoming weights) rather than the whole matrix:
# `MaxNorm(k, axis=0)`. Here an MLP trained on the digits at a high rate, with and without it:

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)


class ColumnNorms(po.callbacks.Callback):
    def __init__(self):
        self.max_norm = []

    def on_batch_end(self, batch, logs):
        self.max_norm.append(max(np.linalg.norm(m.weight.data, axis=0).max()
                                 for m in self.trainer.model if isinstance(m, nn.Dense)))


norms = {}
for name, constraints in (("no constraint", []), ("MaxNorm(2.0)", [po.constraints.MaxNorm(2.0, axis=0)])):
    net = nn.Sequential(nn.Dense(64, 64, seed=1), nn.ReLU(), nn.Dense(64, 10, seed=2))
    cb = ColumnNorms()
    po.fit(net, nn.SoftmaxCrossEntropy(), po.optim.SGD(net.parameters(), lr=0.5, momentum=0.9), Xtr, ytr,
           epochs=3, batch_size=32, constraints=constraints, callbacks=[cb], progress=False, seed=SEED)
    norms[name] = cb.max_norm
fig = P.curves(norms, xlabel="step", ylabel="largest column norm ‖W[:, j]‖",
               title="Max-norm constraint, applied after every step")
fig

# %%
assert max(norms["MaxNorm(2.0)"]) <= 2.0 * (1 + 1e-6)      # after every step, every column norm ≤ k
assert max(norms["no constraint"]) > 2.0

# %% [markdown]
# ## 7.3 Regularization and under-constrained problems
#
# Logistic regression on linearly separable data has no minimizer: scaling a separating w up always
# lowers the loss, so gradient descent lets ‖w‖ grow forever (slowly, like log t). Weight decay makes
# the problem well posed and w converges. Plain NumPy first, then pyoptim's helper:

# %%
Xs, ys = po.datasets.separable(n=100, d=2, margin=0.5, seed=SEED, dtype=np.float64)
yt = 2 * ys - 1


def gd_norms(l2, steps=3000, lr=0.5):
    w, out = np.zeros(2), []
    for _ in range(steps):
        s = 1 / (1 + np.exp(yt * (Xs @ w)))                 # σ(−ỹ xᵀw)
        w -= lr * (-(Xs.T @ (yt * s)) / len(yt) + l2 * w)
        out.append(np.linalg.norm(w))
    return np.array(out)


curves = {"no penalty": gd_norms(0.0), "L2, α = 0.01": gd_norms(0.01)}
w_po, norms_po = R.logistic_weight_path(Xs, ys, l2=0.0, lr=0.5, steps=3000)
assert np.allclose(norms_po[-1], curves["no penalty"][-1], rtol=1e-6)
fig = P.curves(curves, x=np.arange(1, 3001), xlabel="gradient step", ylabel="‖w‖", logx=True,
               title="Separable data: ‖w‖ grows without a penalty")
fig

# %%
free, decay = curves["no penalty"], curves["L2, α = 0.01"]
assert free[-1] > free[1499] + 0.3 * np.log(2)              # still growing (about log t)
assert abs(decay[-1] - decay[-300]) < 1e-6 * decay[-1]      # converged

# %% [markdown]
# The Moore-Penrose pseudo-inverse is the limit of ridge regression as α → 0 (eq. 7.29): for an
# under-determined X (more features than examples) X⁺ = lim (XᵀX + αI)⁻¹Xᵀ.

# %%
Xu = np.random.default_rng(SEED).standard_normal((5, 12))
for a in (1e-2, 1e-5, 1e-8):
    print(f"α = {a:g}: ‖(XᵀX + αI)⁻¹Xᵀ − X⁺‖ = {np.linalg.norm(R.ridge_pseudo_inverse(Xu, a) - np.linalg.pinv(Xu)):.2e}")
assert np.allclose(R.ridge_pseudo_inverse(Xu, 1e-10), np.linalg.pinv(Xu), atol=1e-7)

# %% [markdown]
# ## Exercises
#
# 1. In `interactive_l2`, rotate H (use `Q @ np.diag([0.6, 5.0]) @ Q.T`). Is w̃ still on the segment
#    between 0 and w*? Why not?
# 2. Train the L1 example with `mode="subgradient"`. Are the small weights exactly zero? Why?
# 3. Use `po.optim.AdamW(weight_decay=...)` and `po.optim.Adam(weight_decay=...)` on the ridge problem.
#    Which one solves the L2-regularized problem?
