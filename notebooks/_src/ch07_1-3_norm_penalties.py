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
# | explicit constraints, reprojection (7.2) | `po.constraints.MaxNorm(k, axis=0)`, `L2Ball`, `L1Ball` in `po.fit(..., constraints=[...])`; a box: `po.kernels.project_box`, `po.minimize(method="gd", bounds=...)` |
# | generalized Lagrangian, KKT, α for a given k (eq. 7.25–7.27) | `po.regularization.l2_ball_minimum`, `lagrangian_descent_ascent` |
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
# the factor kept along each eigenvector, read off the solved w̃ (no formula for it used here)
assert np.allclose((Q.T @ np.linalg.solve(H + alpha * np.eye(4), H @ w_star)) / (Q.T @ w_star),
                   R.l2_shrinkage_factors(lam, alpha))
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


def penalty_at(v):
    """pyoptim's penalty Ω evaluated with the weights set to v."""
    saved = W.copy()
    W[...] = v
    try:
        return reg.penalty(model)
    finally:
        W[...] = saved


def central_differences(fun, v, h=1e-5):
    g = np.zeros_like(v)
    for i in np.ndindex(v.shape):
        e = np.zeros_like(v)
        e[i] = h
        g[i] = (fun(v + e) - fun(v - e)) / (2 * h)
    return g


w_ridge = np.linalg.solve(X.T @ X + 0.3 * len(X) / 2 * np.eye(5), X.T @ y)
# ridge by least squares on the augmented system [X; √c I] w ≈ [y; 0] (an SVD, no normal equations)
w_aug = np.linalg.lstsq(np.vstack([X, np.sqrt(0.3 * len(X) / 2) * np.eye(5)]), np.vstack([y, np.zeros((5, 1))]),
                        rcond=None)[0]
# the penalty: zero at w = 0, and the ridge solution is a stationary point of (1/N)‖Xw − y‖² + L2.penalty(w)
assert penalty_at(np.zeros_like(W)) == 0.0 and np.allclose(central_differences(lambda v: np.mean((X @ v - y) ** 2) + penalty_at(v), w_aug), 0, atol=1e-7)
# its gradient: L2.grad against central differences of L2.penalty
assert np.allclose(reg.grad(model)[0], central_differences(penalty_at, W.copy()), rtol=1e-7, atol=1e-10)

po.fit(model, nn.MSELoss(), po.optim.SGD(model.parameters(), lr=0.2), X, y, epochs=400, batch_size=None,
       regularizers=[reg], progress=False, seed=SEED)
assert np.allclose(R.ridge(X, y, 0.3 * len(X) / 2), w_aug, rtol=1e-10, atol=1e-12)
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


# optimality of l1_diagonal_minimum's answer for ½Σ Hᵢᵢ(wᵢ − w*ᵢ)² + α‖w‖₁ (subgradients, α = 0.5):
# where wᵢ ≠ 0, Hᵢᵢ(wᵢ − w*ᵢ) + α·sign(wᵢ) = 0; where wᵢ = 0, |Hᵢᵢ w*ᵢ| ≤ α
w_l1 = R.l1_diagonal_minimum(h, w_star, 0.5)
nz = w_l1 != 0
assert np.allclose(h[nz] * (w_l1[nz] - w_star[nz]) + 0.5 * np.sign(w_l1[nz]), 0, atol=1e-12) and np.all(np.abs(h[~nz] * w_star[~nz]) <= 0.5) and 0 < nz.sum() < 6
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
# ### The generalized Lagrangian: which α belongs to a constraint size k?
#
# The book writes the constraint Ω(θ) ≤ k as a *generalized Lagrangian* (eq. 7.25)
#
# L(θ, α; X, y) = J(θ; X, y) + α(Ω(θ) − k),  θ* = argmin_θ max_{α ≥ 0} L(θ, α).
#
# The solution satisfies the KKT (Karush–Kuhn–Tucker) conditions: stationarity ∇J(θ*) + α*∇Ω(θ*) = 0,
# dual feasibility α* ≥ 0, primal feasibility Ω(θ*) ≤ k, and complementary slackness α*(Ω(θ*) − k) = 0
# (either the constraint is tight, or α* = 0). With α fixed at α*, minimizing L is minimizing the
# penalized cost J + α*Ω: **every k corresponds to one penalty strength α\***.
#
# *"k를 모르므로 α를 사용해서 constrained region의 크기를 조절한다?"* Yes. With a penalty we choose α and
# never see k; the k it implies is Ω(θ̃(α)), which shrinks as α grows. Conversely, when k is what we
# know, α can be *found*: gradient descent on θ and ascent on α of L, raising α while Ω(θ) > k and
# lowering it while Ω(θ) < k (`po.regularization.lagrangian_descent_ascent`).
#
# On the quadratic J(w) = ½(w − w*)ᵀH(w − w*) with Ω(w) = ½‖w‖², three independent computations of the
# constrained minimum: the closed form (bisection on α in H's eigenbasis, `l2_ball_minimum`), the
# descent–ascent iteration (started from α = 0 and from α = 10), and plain projected gradient descent (a step, then reprojection onto the
# ball with the C kernel `kernels.l2_ball_project`, which never sees α).

# %%
H2 = np.array([[3.0, 0.8], [0.8, 0.5]])
w_opt = np.array([2.0, 1.5])
k = 0.5                                           # Ω(w) = ½‖w‖² ≤ k, a ball of radius √(2k) = 1
J = lambda w: 0.5 * (w - w_opt) @ H2 @ (w - w_opt)
grad_J = lambda w: H2 @ (w - w_opt)

w_cf, alpha_cf = R.l2_ball_minimum(H2, w_opt, k)                              # closed form + bisection
lag = R.lagrangian_descent_ascent(grad_J, np.zeros(2), k, lr=0.1, alpha_lr=0.5, steps=400)
w_pg = np.zeros(2)                                                             # projected gradient descent
pg_path = [w_pg.copy()]
for _ in range(400):
    w_pg = w_pg - 0.1 * grad_J(w_pg)
    po.kernels.l2_ball_project(w_pg, radius=np.sqrt(2 * k))
    pg_path.append(w_pg.copy())

fig, axes = P.figure(figsize=(11, 4.8), ncols=2)
P.contour_paths(J, {"descent–ascent on L(θ, α)": lag["theta"], "projected gradient descent": np.array(pg_path)},
                xlim=(-1.5, 2.5), ylim=(-1.5, 2.0), minimum=w_opt, ax=axes[0],
                title="Constrained minimum on the ball ½‖w‖² ≤ k")
t = np.linspace(0, 2 * np.pi, 200)
axes[0].plot(np.sqrt(2 * k) * np.cos(t), np.sqrt(2 * k) * np.sin(t), color="black", lw=1.2, label="Ω(w) = k")
axes[0].plot(*w_cf, "kx", ms=10, mew=2, label="closed form")
axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)   # under the panel: off the paths
lag_hi = R.lagrangian_descent_ascent(grad_J, np.zeros(2), k, lr=0.1, alpha_lr=0.5, steps=400, alpha0=10.0)
P.curves({"α_t from α₀ = 0": lag["alpha"][:100], "Ω(θ_t) from α₀ = 0": lag["omega"][:100],
          "α_t from α₀ = 10": lag_hi["alpha"][:100], "Ω(θ_t) from α₀ = 10": lag_hi["omega"][:100]},
         ax=axes[1], xlabel="step", ylabel="value", title="α rises while Ω > k, falls while Ω < k")
axes[1].axhline(k, color="black", ls=":", lw=1, label="k")
axes[1].axhline(alpha_cf, color="0.4", ls="--", lw=1, label="α* (closed form)")
axes[1].legend()
fig

# %% [markdown]
# All three agree, and the KKT conditions hold at the solution. The descent–ascent α settles at the
# closed form's α*, and the *penalty* with that α (the ridge-type minimum of eq. 7.13, computed by
# `l2_quadratic_minimum`, which knows nothing of k) lands on the constrained solution.

# %%
w_lag, alpha_lag = lag["theta"][-1], lag["alpha"][-1]
np.testing.assert_allclose(w_lag, w_cf, atol=1e-8)
np.testing.assert_allclose(w_pg, w_cf, atol=1e-8)
np.testing.assert_allclose(alpha_lag, alpha_cf, rtol=1e-6)
np.testing.assert_allclose(lag_hi["alpha"][-1], alpha_cf, rtol=1e-6)                # from above too
np.testing.assert_allclose(R.l2_quadratic_minimum(H2, w_opt, alpha_cf), w_cf, atol=1e-10)   # penalty α* = constraint k
stationarity = grad_J(w_cf) + alpha_cf * w_cf                                  # ∇J + α∇Ω, with ∇Ω(w) = w
print(f"α* = {alpha_cf:.4f}; ‖∇J + α*∇Ω‖ = {np.linalg.norm(stationarity):.1e}; "
      f"α*(Ω − k) = {alpha_cf * (0.5 * w_cf @ w_cf - k):.1e}")
assert alpha_cf > 0 and np.linalg.norm(stationarity) < 1e-10                     # KKT: stationarity, α ≥ 0
assert abs(alpha_cf * (0.5 * w_cf @ w_cf - k)) < 1e-10                            # complementary slackness
# a looser constraint (w* inside the ball) is inactive: α* = 0 and the iteration's α dies out too
loose = R.lagrangian_descent_ascent(grad_J, np.zeros(2), 5.0, lr=0.1, alpha_lr=0.5, steps=1500)
assert R.l2_ball_minimum(H2, w_opt, 5.0)[1] == 0.0 and loose["alpha"][-1] == 0.0
np.testing.assert_allclose(loose["theta"][-1], w_opt, atol=1e-8)

# %% [markdown]
# Each α has its k, and the map is monotone: the larger the penalty, the smaller the region. Below,
# k(α) = Ω(θ̃(α)) from the penalized solutions, and the α that descent–ascent finds for three values of k
# (different computations) on the same curve.

# %%
alphas = np.geomspace(1e-2, 1e2, 60)
k_of_alpha = np.array([0.5 * np.sum(R.l2_quadratic_minimum(H2, w_opt, a) ** 2) for a in alphas])
found = {kk: R.lagrangian_descent_ascent(grad_J, np.zeros(2), kk, lr=0.1, alpha_lr=0.5, steps=5000)["alpha"][-1]
         for kk in (0.1, 0.5, 1.5)}
fig, ax = P.figure(figsize=(5.5, 3.8))
ax.loglog(alphas, k_of_alpha, label="k(α) = Ω(θ̃(α)) of the penalized minimum")
ax.loglog(list(found.values()), list(found.keys()), "o", label="α found by descent–ascent for k")
ax.set_xlabel("penalty strength α")
ax.set_ylabel("constraint size k")
ax.set_title("Each penalty α is a constraint Ω ≤ k(α)")
ax.legend(fontsize=8)
fig

# %%
assert np.all(np.diff(k_of_alpha) < 0)                                  # larger α, smaller region
for kk, a in found.items():                                             # the found α lies on the curve
    np.testing.assert_allclose(0.5 * np.sum(R.l2_quadratic_minimum(H2, w_opt, a) ** 2), kk, rtol=1e-6)

# %% [markdown]
# ### What explicit constraints buy
#
# *"explicit constraints 라는 것은 k값을 알고 있다는 의미?"* Yes: an explicit constraint is used when we
# know (or choose) k directly, e.g. "no unit's incoming weight vector longer than 3" (Hinton et al.,
# 2012), and then we reproject after each step instead of searching for α. The book gives two more
# reasons to prefer it:
#
# 1. **A penalty pulls towards the origin even where the constraint is satisfied.** Inside the region
#    the projection does nothing, so a point that already satisfies Ω ≤ k is left where the data puts
#    it; a penalty with any α > 0 keeps shrinking it, and in non-convex training can push units into
#    "dead" small-weight configurations.
# 2. **Stability at high learning rates**: reprojection bounds the weights whatever the step does
#    (the max-norm run above), where a penalty only adds a restoring force that a large rate can
#    overwhelm.
#
# Point 1 on the quadratic, with k large enough that w* is inside the ball:

# %%
k_big = 5.0
w_proj = np.zeros(2)
for _ in range(1500):
    w_proj = w_proj - 0.1 * grad_J(w_proj)
    po.kernels.l2_ball_project(w_proj, radius=np.sqrt(2 * k_big))
w_pen = R.l2_quadratic_minimum(H2, w_opt, 0.1)
print(f"w* = {w_opt}, projected descent → {w_proj.round(6)}, penalty α = 0.1 → {w_pen.round(4)}")
np.testing.assert_allclose(w_proj, np.linalg.solve(H2, H2 @ w_opt), atol=1e-8)   # the data's minimum, untouched
assert np.linalg.norm(w_pen) < np.linalg.norm(w_opt) - 0.05                       # the penalty shrinks it anyway

# %% [markdown]
# ### A box: projected gradient descent
#
# The simplest explicit constraint is a box, lo ≤ w ≤ hi: its reprojection P(w) = min(max(w, lo), hi)
# is the closest point of the box. Projected gradient descent takes the step, then reprojects,
# w ← P(w − t∇J(w)); at the constrained minimum the gradient vanishes on the free coordinates and
# points out of the box on the active ones (the KKT conditions the book's generalized Lagrangian
# expresses). Plain NumPy on Rosenbrock with the box [−1.5, 0.5] × [−0.5, 1.5] (the unconstrained
# minimum (1, 1) lies outside), then `po.minimize(method="gd", bounds=...)`:

# %%
rb = po.functions.rosenbrock(2)
lo, hi = np.array([-1.5, -0.5]), np.array([0.5, 1.5])
w = np.array([-1.2, 1.0])
for _ in range(20000):                                      # fixed step, small enough for this box
    w = np.clip(w - 1e-3 * rb.grad(w), lo, hi)
res = po.minimize(rb.value_and_grad, rb.x0, method="gd", bounds=list(zip(lo, hi)),
                  options={"return_path": True, "gtol": 1e-8, "maxiter": 100000})
print(f"NumPy: w = {w}, pyoptim: x = {res.x} in {res.nit} iterations ({res.message})")
fig = P.contour_paths(rb, {"projected gd": res.path}, (-1.6, 1.2), (-0.6, 1.6), np.geomspace(0.05, 500, 14),
                      minimum=rb.xmin, markers=False, title="Projected gradient descent in a box (7.2)")
fig.axes[0].plot(*np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]], [lo[0], lo[1]]]).T,
                 color="black", lw=1, ls="--", label="the box")
fig.axes[0].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))   # beside: the box fills the panel
fig.set_figwidth(8.0)
fig

# %%
np.testing.assert_allclose(res.x, w, atol=1e-4)             # the same constrained minimum
assert res.x[0] == hi[0]                                    # the bound w₁ ≤ 0.5 is active there
g = rb.grad(res.x)
assert g[0] < 0 and abs(g[1]) < 1e-6                        # ∇J points out of the box; zero on the free w₂

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
