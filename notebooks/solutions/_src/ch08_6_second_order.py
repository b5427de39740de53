"""Worked solutions to the exercises of notebooks/ch08_6_second_order (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 8.6 Approximate second-order methods
#
# Each exercise of `ch08_6_second_order.ipynb`, solved; the asserts compare pyoptim's runs with a
# Hessian and gradient written out by hand, and with the known minimizer.

# %%
import numpy as np
import pyoptim as po

P = po.plot
rb = po.functions.rosenbrock()


def f_np(x):                                   # Rosenbrock written out: (1 − x)² + 100 (y − x²)²
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def g_np(x):
    return np.array([-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200 * (x[1] - x[0] ** 2)])


def h_np(x):
    return np.array([[1200 * x[0] ** 2 - 400 * x[1] + 2, -400 * x[0]], [-400 * x[0], 200.0]])


for p in ([-1.2, 1.0], [0.0, 2.0], [0.3, -0.7]):
    p = np.array(p)
    assert np.isclose(rb(p), f_np(p)) and np.allclose(rb.grad(p), g_np(p))

# %% [markdown]
# ## Exercise 1: when does the plain Newton step go uphill?
#
# The Newton direction d = −H⁻¹g has slope gᵀd = −gᵀH⁻¹g along the way. When H is positive definite
# that is negative: downhill. When H has a negative eigenvalue (on Rosenbrock where
# ∂²f/∂x² = 1200x² − 400y + 2 < 0, i.e. y > 3x² + 1/200) gᵀd *can* be positive: the plain Newton step
# then heads for the saddle of the local quadratic model, uphill. From (−1.2, 1) H is positive
# definite. At (0, 2) H is indefinite, but g points almost along the positive-curvature direction y,
# so the direction is still downhill; just above the parabola, at (0, 0.02), it is uphill.
# pyoptim's `damping="auto"` adds αI until H + αI is positive definite, so its direction is always
# downhill; both settings reach (1, 1) from both starts (a line search guards the plain step).

# %%
runs = {}
for start in ([-1.2, 1.0], [0.0, 2.0]):
    for damping in (0.0, "auto"):
        r = po.minimize(rb, np.array(start), method="newton",
                        options={"damping": damping, "return_path": True, "maxiter": 100})
        runs[(tuple(start), damping)] = r
        assert r.success and np.allclose(r.x, [1.0, 1.0], atol=1e-6)
        print(f"start {start}, damping {damping!r}: {r.nit} iterations")


def newton_direction(x):
    return -np.linalg.solve(h_np(x), g_np(x))


def uphill(x):
    return g_np(x) @ newton_direction(x) > 0


assert np.linalg.eigvalsh(h_np([-1.2, 1.0])).min() > 0 and not uphill(np.array([-1.2, 1.0]))
assert np.linalg.eigvalsh(h_np([0.0, 2.0])).min() < 0 and not uphill(np.array([0.0, 2.0]))
x_up = np.array([0.0, 0.02])
assert np.linalg.eigvalsh(h_np(x_up)).min() < 0 and uphill(x_up)
# independently of the slope formula: a small step along d raises f
assert f_np(x_up + 1e-4 * newton_direction(x_up)) > f_np(x_up)
# on a grid: an uphill plain-Newton direction only where H has a negative eigenvalue
grid = [np.array([a, b]) for a in np.linspace(-1.5, 1.5, 31) for b in np.linspace(-0.5, 2.5, 31)]
ups = [x for x in grid if uphill(x)]
assert ups and all(np.linalg.eigvalsh(h_np(x)).min() < 0 for x in ups)
print(f"{len(ups)} of {len(grid)} grid points have an uphill Newton direction, all where H is indefinite")
fig = P.contour_paths(rb, {f"{s}, damping={d}": r.path for (s, d), r in runs.items()}, xlim=(-1.5, 1.5),
                      ylim=(-0.5, 2.5), minimum=[1, 1], title="Newton on Rosenbrock: plain and damped")
fig

# %% [markdown]
# ## Exercise 2: nonlinear CG, Fletcher–Reeves against Polak–Ribière+
#
# On the 10-dimensional Rosenbrock function, PR+ needs far fewer iterations: β_PR = gₖᵀ(gₖ − gₖ₋₁)/‖gₖ₋₁‖²
# drops to about 0 when consecutive gradients are alike (a restart), while FR's ‖gₖ‖²/‖gₖ₋₁‖² stays near 1
# and keeps a bad old direction after a short step (Nocedal & Wright, §5.2).

# %%
r10 = po.functions.rosenbrock(10)
cg = {b: po.minimize(r10, r10.x0, method="cg", options={"beta": b, "maxiter": 20000}) for b in ("fr", "pr+")}
for b, r in cg.items():
    print(f"beta={b}: {r.nit} iterations, {r.nfev} evaluations, f = {r.fun:.1e}")
    assert r.success and np.allclose(r.x, np.ones(10), atol=1e-4)
assert cg["pr+"].nit < cg["fr"].nit

# %% [markdown]
# ## Exercise 3: the memory of L-BFGS
#
# More pairs (s, y) give a better inverse-Hessian model and fewer iterations, with diminishing returns:
# m = 10 and m = 30 need about the same number here, m = 1 far more. Each run is checked against the
# minimizer (1, …, 1) and against SciPy's L-BFGS-B with the same memory (an independent implementation).

# %%
from scipy.optimize import minimize as sp_minimize   # noqa: E402

nit = {}
for m in (1, 3, 10, 30):
    r = po.minimize(r10, r10.x0, method="lbfgs", options={"m": m, "maxiter": 5000})
    ref = sp_minimize(r10, r10.x0, jac=r10.grad, method="L-BFGS-B", options={"maxcor": m, "maxiter": 5000})
    nit[m] = r.nit
    print(f"m = {m:2d}: {r.nit} iterations (SciPy: {ref.nit})")
    assert r.success and np.allclose(r.x, np.ones(10), atol=1e-3) and np.allclose(ref.x, r.x, atol=1e-3)
assert nit[1] > nit[10] and nit[3] > nit[10]
fig = P.bars({f"m = {m}": n for m, n in nit.items()}, ylabel="iterations", fmt="{:.0f}",
             title="L-BFGS on Rosenbrock(10): memory")
fig
