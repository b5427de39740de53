"""Worked solutions to the exercises of notebooks/ch07_1-3_norm_penalties (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 7.1–7.3 Parameter norm penalties
#
# Each exercise of `ch07_1-3_norm_penalties.ipynb`, solved; the asserts compare pyoptim's figures and
# training runs with closed forms solved here in NumPy.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0

# %% [markdown]
# ## Exercise 1: a rotated H
#
# w̃ = (H + αI)⁻¹Hw* scales the component of w* along eigenvector i by λᵢ/(λᵢ + α). The two components
# are shrunk by *different* factors, so w̃ leaves the line through 0 and w* whenever w* has components
# along both eigenvectors: it is pulled towards the eigenvector of the larger eigenvalue (the
# high-curvature direction, which is kept). Rotating H turns that direction, and w̃ turns with it.

# %%
theta = np.deg2rad(30)
Q = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
Hr = Q @ np.diag([0.6, 5.0]) @ Q.T
w_star = np.array([2.0, 1.0])
inter = P.interactive_l2(Hr, w_star, alpha=1.0)
for alpha in (0.5, 1.0, 5.0):                        # positions of the α slider
    inter.update(alpha=alpha)
    drawn = next(l for l in inter.fig.axes[0].lines if l.get_label().startswith("$\\tilde w$")).get_xydata()[0]
    w_t = np.linalg.solve(Hr + alpha * np.eye(2), Hr @ w_star)
    np.testing.assert_allclose(drawn, w_t, rtol=1e-12)
    cross = w_t[0] * w_star[1] - w_t[1] * w_star[0]  # 0 iff w̃ is on the line through 0 and w*
    print(f"α = {alpha}: w̃ = {w_t.round(3)}, cross(w̃, w*) = {cross:.3f}")
    assert abs(cross) > 0.05
# the notebook's diagonal H = diag(0.6, 5) leaves the line too (w* = (2, 1) is not an eigenvector):
# w̃ lies on the segment from 0 to w* exactly when w* is along an eigenvector of H (or H ∝ I)
w_d = np.linalg.solve(np.diag([0.6, 5.0]) + np.eye(2), np.diag([0.6, 5.0]) @ w_star)
assert abs(w_d[0] * w_star[1] - w_d[1] * w_star[0]) > 0.05
v = Q[:, 1] * 2.0                                    # w* along an eigenvector of Hr
w_t = np.linalg.solve(Hr + np.eye(2), Hr @ v)
assert abs(w_t[0] * v[1] - w_t[1] * v[0]) < 1e-12 and np.allclose(w_t, 5.0 / 6.0 * v)
inter.update(alpha=1.0)
inter.fig

# %% [markdown]
# ## Exercise 2: L1 by subgradient descent
#
# The subgradient of α|w| is α·sign(w): a step of constant size εα towards 0 that overshoots it. A weight
# whose solution is 0 keeps jumping across 0 and is almost never exactly 0; the proximal step
# (soft thresholding) sets it to exactly 0. The small weights end within about εα of 0.

# %%
w_star6 = np.array([2.0, -1.2, 0.8, 0.4, -0.25, 0.1])
h = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0])
exact = np.sign(w_star6) * np.maximum(np.abs(w_star6) - 0.5 / h, 0.0)     # eq. 7.22
zeros = exact == 0.0


def train(mode):
    lin = nn.Sequential(nn.Dense(6, 1, bias=False, init="zeros", dtype=np.float64))
    w = lin[0].weight
    l1 = po.regularizers.L1(alpha=0.5, mode=mode)
    opt = po.optim.SGD(lin.parameters(), lr=0.2)
    for _ in range(300):
        lin.zero_grad()
        w.grad[:, 0] = h * (w.data[:, 0] - w_star6)
        if mode == "subgradient":
            w.grad[:, 0] += l1.grad(lin)[0][:, 0]
        opt.step()
        if mode == "proximal":
            l1.after_step(lin, lr=0.2)
    return w.data[:, 0].copy()


sub, prox = train("subgradient"), train("proximal")
print("subgradient:", sub.round(4), "\nproximal:   ", prox.round(4), "\nexact:      ", exact.round(4))
assert np.all(prox[zeros] == 0.0) and np.allclose(prox, exact, atol=1e-10)
assert not np.any(sub[zeros] == 0.0)                          # never exactly zero
assert np.all(np.abs(sub[zeros]) <= 0.2 * 0.5 * np.max(h) + 1e-12)   # but within a step of it
assert np.allclose(sub[~zeros], exact[~zeros], atol=0.2 * 0.5)

# %% [markdown]
# ## Exercise 3: Adam(weight_decay) against AdamW(weight_decay) on ridge regression
#
# `Adam(weight_decay=λ)` adds λw to the gradient: its fixed point solves ∇J(w) + λw = 0, the
# L2-penalized problem, i.e. ridge regression (XᵀX + (λN/2)I)⁻¹Xᵀy for this loss. `AdamW` decays the
# weights outside the adaptive scaling: its fixed point solves ŝ/√r̂ = −λw, a different problem (the
# penalty is rescaled per coordinate by Adam's √r̂). Both are run on the notebook's regression, full
# batch, with a decaying rate so they settle.

# %%
X, y = po.datasets.linear_regression(n=100, d=5, noise=0.5, seed=SEED, dtype=np.float64)
y = y.reshape(-1)
N = len(X)
w_ridge = np.linalg.solve(X.T @ X + 0.3 * N / 2 * np.eye(5), X.T @ y)
found = {}
for cls in (po.optim.Adam, po.optim.AdamW):
    w = np.zeros(5)
    opt = cls([w], lr=0.05, weight_decay=0.3)
    sched = po.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 / (1.0 + k / 200.0))
    for _ in range(6000):
        opt.step([2.0 / N * X.T @ (X @ w - y)])
        sched.step()
    found[cls.__name__] = w
    ridge_grad = 2.0 / N * X.T @ (X @ w - y) + 0.3 * w       # the L2-penalized problem's gradient
    print(f"{cls.__name__}: |w − ridge| = {np.abs(w - w_ridge).max():.1e}, |∇(J + λ/2‖w‖²)| = "
          f"{np.linalg.norm(ridge_grad):.1e}")
assert np.allclose(found["Adam"], w_ridge, atol=1e-8)
assert np.abs(found["AdamW"] - w_ridge).max() > 0.05
