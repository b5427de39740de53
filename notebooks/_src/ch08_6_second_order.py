"""Source of notebooks/ch08_6_second_order.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.6 Approximate second-order methods
#
# *Deep Learning*, section 8.6: Newton's method (8.6.1, Algorithm 8.8), conjugate gradients (8.6.2,
# Algorithm 8.9), BFGS and L-BFGS (8.6.3). Each: the idea, NumPy, pyoptim, a figure, an `assert`.
#
# | book | pyoptim |
# |---|---|
# | Newton θ ← θ − H⁻¹g, regularized H + αI | `po.minimize(f, x0, method="newton", options={"damping": α})` |
# | saddle-free Newton (\|H\|) | `options={"saddle_free": True}` (notebook 8.2) |
# | linear CG (Hessian-free with Hessian-vector products) | `po.linear_cg(A_or_matvec, b)`, `method="newton-cg"` |
# | nonlinear CG, Fletcher–Reeves / Polak–Ribière | `method="cg", options={"beta": "fr" \| "pr+"}` |
# | BFGS, L-BFGS (memory m) | `method="bfgs"`, `method="lbfgs", options={"m": 10}` |
# | the iterates, for pictures | `options={"return_path": True}` → `result.path` |

# %%
import numpy as np
import pyoptim as po

P = po.plot
SEED = 0

# %% [markdown]
# ## 8.6.1 Newton's method
#
# Newton's method jumps to the minimum of the local quadratic model: θ* = θ₀ − H⁻¹∇J(θ₀) (eq. 8.27).
# On a quadratic the model is exact, so **one** step lands on the minimum, whatever the conditioning:

# %%
f = po.functions.quadratic(n=10, cond=1000.0, seed=SEED)
x0 = f.x0
x1 = x0 - np.linalg.solve(f.hess(x0), f.grad(x0))          # NumPy: one Newton step
assert np.allclose(x1, f.xmin, atol=1e-10)
res = po.minimize(f, x0, method="newton")
print(f"pyoptim newton: {res.nit} iteration(s), |x − x*| = {np.abs(res.x - f.xmin).max():.1e}")
assert res.nit == 1 and np.allclose(res.x, f.xmin, atol=1e-10)

# %% [markdown]
# On a non-quadratic function Newton needs a few steps, gradient descent many. Rosenbrock's banana:

# %%
rb = po.functions.rosenbrock(2)
paths = {m: po.minimize(rb, rb.x0, method=m, options={"return_path": True, "maxiter": 200 if m == "gd" else 100}).path
         for m in ("gd", "newton", "bfgs")}
# one panel per method: all three follow the same curved valley, on top of each other in one panel
fig = P.path_panels(rb, {"gradient descent + line search": paths["gd"], "Newton": paths["newton"],
                         "BFGS": paths["bfgs"]}, xlim=(-1.6, 1.6), ylim=(-0.6, 1.6), levels=np.geomspace(0.05, 500, 14),
                    minimum=rb.xmin, title="Rosenbrock from (−1.2, 1)")
fig

# %% [markdown]
# ## 8.6.2 Conjugate gradients
#
# Steepest descent with an exact line search makes every new direction orthogonal to the previous
# one: a zig-zag. Conjugate gradients choose directions conjugate with respect to H (dᵢᵀHdⱼ = 0), and
# on an n-dimensional quadratic reach the minimum in at most n steps. Linear CG in NumPy:

# %%
def cg_numpy(A, b, iters):
    x = np.zeros(len(b))
    r = b - A @ x
    p = r.copy()
    path = [x.copy()]
    for _ in range(iters):
        Ap = A @ p
        a = (r @ r) / (p @ Ap)
        x = x + a * p
        r_new = r - a * Ap
        p = r_new + (r_new @ r_new) / (r @ r) * p
        r = r_new
        path.append(x.copy())
    return np.array(path)


n = 20
q = po.functions.quadratic(n=n, cond=10.0, seed=SEED)
A, b = q.H, q.b
mine = cg_numpy(A, b, n)
res = po.linear_cg(A, b, tol=1e-8, return_path=True)       # stop at ‖r‖ ≤ 1e-8‖b‖
print(f"pyoptim linear_cg: {res.nit} iterations for n = {n}, residual {res.residual:.1e}")
assert res.nit <= n and np.allclose(res.x, np.linalg.solve(A, b), atol=1e-8)        # at most n iterations
assert np.allclose(res.path, mine[: len(res.path)], atol=1e-8)                      # the same iterates
assert np.linalg.norm(A @ mine[n] - b) < 1e-8 * np.linalg.norm(b)

# %% [markdown]
# "At most n steps" holds in exact arithmetic. In floating point, rounding slowly destroys the
# conjugacy of the directions; with a larger condition number CG needs a few more than n steps:

# %%
resid = {}
for cond in (10.0, 100.0, 1000.0):
    qc = po.functions.quadratic(n=n, cond=cond, seed=SEED)
    rc = po.linear_cg(qc.H, qc.b, tol=1e-10, return_path=True)
    resid[f"κ = {cond:g} ({rc.nit} iterations)"] = [np.linalg.norm(qc.b - qc.H @ x) / np.linalg.norm(qc.b)
                                                   for x in rc.path]
fig = P.curves(resid, xlabel="iteration", ylabel="relative residual ‖b − Ax‖/‖b‖", logy=True,
               title=f"Linear CG, n = {n}")
fig.axes[0].axvline(n, color="black", ls=":", lw=1)
fig

# %% [markdown]
# Hessian-free: CG never needs H itself, only products Hv, e.g. from `po.diagnostics.hvp` for a
# network. Here a matvec callable:

# %%
res_free = po.linear_cg(lambda v: A @ v, b, tol=1e-8)
assert np.allclose(res_free.x, res.x)

# %% [markdown]
# The zig-zag, on a 2-D quadratic (condition number 10): steepest descent with a line search vs
# nonlinear CG (which, with an exact line search, is linear CG here: two steps).

# %%
q2 = po.functions.quadratic(n=2, cond=10.0, seed=3)
gd_path = po.minimize(q2, q2.x0, method="gd", options={"return_path": True, "maxiter": 30}).path
cg_path = po.minimize(q2, q2.x0, method="cg", options={"return_path": True}).path
lo = np.minimum(gd_path.min(0), q2.xmin) - 0.5
hi = np.maximum(gd_path.max(0), q2.xmin) + 0.5
fig = P.contour_paths(q2, {"steepest descent": gd_path, "conjugate gradients": cg_path}, xlim=(lo[0], hi[0]),
                      ylim=(lo[1], hi[1]), minimum=q2.xmin, title="Steepest descent zig-zags, CG does not")
fig

# %%
assert len(cg_path) - 1 <= 3 and np.allclose(cg_path[-1], q2.xmin, atol=1e-5)
assert len(gd_path) - 1 > 5

# %% [markdown]
# ## 8.6.3 BFGS and L-BFGS
#
# BFGS builds an approximation of H⁻¹ from the changes of the gradient, s = Δθ and y = Δg; L-BFGS
# keeps only the last m pairs (memory O(mn) instead of O(n²)). Near the optimum the convergence is
# *superlinear*: the ratio ‖g_{k+1}‖/‖g_k‖ tends to 0, while gradient descent's stays near a constant.

# %%
norms = {}
for m in ("gd", "cg", "bfgs", "lbfgs", "newton"):
    r = po.minimize(rb, rb.x0, method=m, options={"return_path": True, "gtol": 1e-10, "maxiter": 80})
    norms[m] = np.array([np.linalg.norm(rb.grad(x)) for x in r.path])
fig = P.curves(norms, xlabel="iteration k", ylabel="‖∇f(θ_k)‖", logy=True,
               title="Gradient norm on Rosenbrock, every method")
fig

# %%
ratios = norms["bfgs"][-5:] / norms["bfgs"][-6:-1]
print("BFGS ‖g_{k+1}‖/‖g_k‖ at the end:", np.round(ratios, 4))
assert np.all(ratios < 0.1)                                          # superlinear
gd_ratios = norms["gd"][-20:] / norms["gd"][-21:-1]
assert np.median(gd_ratios) > 0.5 and norms["gd"][-1] > 1e-3        # GD: linear at best, far from done

# %% [markdown]
# ## Line searches: how far to go along d
#
# Every method above chooses a direction d and then a step α along it. A line search looks for an α
# with *sufficient decrease* f(θ + αd) ≤ f(θ) + c₁α∇f'd and, for the strong Wolfe conditions, a small
# enough slope |∇f(θ + αd)'d| ≤ c₂|∇f'd|. pyoptim has three, all in C and shared by every method:
# `"strong-wolfe"` (Nocedal & Wright Algorithms 3.5–3.6, torch.optim.LBFGS's), `"more-thuente"`
# (Moré & Thuente 1994, the one behind scipy's BFGS and L-BFGS-B) and `"backtracking"` (Armijo only).
# Below, φ(α) = −α/(α² + 2), the first test function of Moré & Thuente's paper, with the trial steps
# each search evaluates from α₀ = 0.001.

# %%
K = po.kernels


def phi(x):
    a = x[0]
    return -a / (a * a + 2.0), np.array([(a * a - 2.0) / (a * a + 2.0) ** 2])


trials, found = {}, {}
for kind in ("strong-wolfe", "more-thuente", "backtracking"):
    seen = []

    def rec(x):
        seen.append(float(x[0]))
        return phi(x)
    f0, g0 = phi(np.zeros(1))
    out = K.line_search(rec, np.zeros(1), np.ones(1), f0, g0, t=1e-3, kind=kind, c1=1e-3, c2=0.1)
    trials[kind], found[kind] = seen, out
fig, ax = P.figure((6.5, 3.8))
with P.style():
    a = np.geomspace(1e-4, 30, 400)
    ax.plot(a, [phi([v])[0] for v in a], color="0.4", lw=1.5, label="φ(α)")
    for i, (kind, seen) in enumerate(trials.items()):
        line, = ax.plot(seen, [phi([v])[0] for v in seen], "o--", ms=5, lw=0.8, alpha=0.85,
                        label=f"{kind}: {len(seen)} evaluation(s), α = {found[kind][0]:.3g}")
        ax.plot(found[kind][0], phi([found[kind][0]])[0], "*", ms=14, color=line.get_color())
    ax.set_xscale("log")
    ax.set_xlabel("α (log scale)")
    ax.set_ylabel("φ(α)")
    ax.set_title("Trial steps of three line searches on Moré & Thuente's φ₁ (★ accepted)")
    ax.legend(fontsize=8, loc="lower left")
fig

# %% [markdown]
# Backtracking stops at the first α that decreases f enough, here α₀ itself: a tiny step passes the
# Armijo test. The curvature condition is what rules such steps out, which is why quasi-Newton methods,
# whose updates learn from s = αd and y = Δ∇f, use a Wolfe search.

# %%
t_mt, f_mt, _, g_mt, nfev_mt, outcome = found["more-thuente"]
assert outcome == 0 and nfev_mt == 6 and round(t_mt, 1) == 1.4          # the paper's Table I
assert f_mt <= f0 + 1e-3 * t_mt * g0[0] and abs(g_mt[0]) <= 0.1 * abs(g0[0])
t_bt, f_bt = found["backtracking"][:2]
assert f_bt <= f0 + 1e-3 * t_bt * g0[0]                                  # Armijo only

# %% [markdown]
# The line search is half of a method's cost. With scipy's settings (`line_search="more-thuente"`,
# `init_step="quadratic"`, `h0="identity"`) pyoptim's BFGS evaluates exactly the points scipy's BFGS
# evaluates. On this one problem those settings need fewer evaluations than pyoptim's defaults (strong
# Wolfe, a unit first step, H₀ scaled by y's/y'y); over the 32 problems of
# `benchmarks/bench_secondorder.py` the defaults need fewer in geometric mean (see benchmarks/README.md).

# %%
evals = {}
for name, opts in {"strong Wolfe (default)": {}, "Moré–Thuente": {"line_search": "more-thuente"},
                   "scipy's BFGS settings": {"line_search": "more-thuente", "init_step": "quadratic",
                                             "h0": "identity"},
                   "backtracking": {"line_search": "backtracking"}}.items():
    evals[name] = po.minimize(rb, rb.x0, method="bfgs", options={**opts, "maxiter": 5000}).nfev
fig = P.bars(evals, ylabel="evaluations of f and ∇f", fmt="{:.0f}",
             title="BFGS on Rosenbrock from (−1.2, 1), by line search")
fig

# %%
assert max(evals.values()) < 200

# %% [markdown]
# ## Exercises
#
# 1. Run `method="newton"` with `damping=0` and with the default `"auto"` from (−1.2, 1) and from
#    (0, 2) on Rosenbrock. When does the plain Newton step go uphill?
# 2. Compare `method="cg"` with `beta="fr"` and `beta="pr+"` on `po.functions.rosenbrock(10)`.
# 3. For `lbfgs`, vary the memory m in {1, 3, 10, 30}. How many iterations does each need?
