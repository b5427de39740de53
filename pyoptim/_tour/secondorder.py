"""Tour part: Newton, conjugate gradients, BFGS and L-BFGS (book 8.6) on standard problems, with
scipy.optimize side by side when it is installed, and a figure of the paths on 2-D problems."""
from __future__ import annotations

import time

import numpy as np

import pyoptim as po
from pyoptim import functions as F

_SCIPY = {"bfgs": "BFGS", "lbfgs": "L-BFGS-B", "cg": "CG", "newton-cg": "Newton-CG"}


def _time(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run(args) -> None:
    quick = bool(getattr(args, "quick", False))
    problems = [("quadratic n=2 cond=50", F.quadratic(2, 50.0, seed=0)), ("Rosenbrock n=2", F.rosenbrock(2)),
                ("Beale", F.beale()), ("Rosenbrock n=100", F.rosenbrock(100))]
    if not quick:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((2000, 20))
        y = (X @ rng.standard_normal(20) + rng.standard_normal(2000) > 0).astype(float)
        problems.append(("logistic 2000x20", F.logistic_regression(X, y, l2=1e-3)))
    try:
        import scipy.optimize as so
    except ImportError:
        so = None
        print("(scipy not installed: pyoptim only; pip install scipy for the comparison)")
    methods = ["gd", "newton", "newton-cg", "cg", "bfgs", "lbfgs"]
    print(f"{'problem':<24}{'method':<11}{'nit':>7}{'nfev':>7}{'f':>12}{'time':>10}"
          + (f"{'scipy nit':>11}{'nfev':>7}{'f':>12}{'time':>10}" if so else ""))
    paths = {}   # the 2-D runs' iterates, drawn in the figure: its step counts are the table's nit
    newton_rosen100 = None
    for pname, f in problems:
        for m in methods:
            if m == "gd" and f.n > 2:
                continue
            opts = {"maxiter": 20000, "maxfev": 100000, "return_path": f.n == 2}
            r, t = _time(lambda: po.minimize(f, f.x0, method=m, options=opts))
            if f.n == 2:
                paths.setdefault(pname, {})[m] = r.path
            if pname == "Rosenbrock n=100" and m == "newton":
                newton_rosen100 = r
            line = f"{pname:<24}{m:<11}{r.nit:>7}{r.nfev:>7}{r.fun:>12.4e}{t * 1e3:>8.2f}ms"
            if so is not None and m in _SCIPY:
                hessp = f.hessp if m == "newton-cg" else None
                s, ts = _time(lambda: so.minimize(f.value_and_grad, f.x0, jac=True, method=_SCIPY[m], hessp=hessp))
                line += f"{s.nit:>11}{s.nfev:>7}{s.fun:>12.4e}{ts * 1e3:>8.2f}ms"
            print(line)
    if newton_rosen100 is not None and newton_rosen100.fun > 1.0:
        x = newton_rosen100.x
        print(f"\nNewton on Rosenbrock n=100 stops at f = {newton_rosen100.fun:.4f} with ‖g‖ = "
              f"{np.linalg.norm(F.rosenbrock(100).grad(x)):.1e}: a true local minimum near x = (−1, 1, …, 1) "
              f"(x₁ = {x[0]:.3f}), which the extended Rosenbrock function has for n ≥ 4. Newton goes where "
              "the local quadratic model points; the other methods take other paths from the same start "
              "and reach the global minimum 0 (book 8.2.7: local steps, global outcome).")
    # book 8.2.3 in one line each
    s = F.saddle()
    plain = po.minimize(s, s.x0, method="newton", options={"damping": 0.0})
    free = po.minimize(s, s.x0, method="newton", options={"saddle_free": True, "maxiter": 5})
    print(f"\nsaddle x²−y² from {s.x0}: plain Newton stops at {plain.x} (the saddle); "
          f"saddle-free Newton reaches y = {free.x[1]:.3g}, f = {free.fun:.3g} after 5 steps.")
    q = F.quadratic(50, 100.0, seed=0, spectrum="linear")
    cg = po.linear_cg(q.H, q.b, tol=1e-8)
    print(f"linear CG on a 50-d SPD system (κ = 100): {cg.nit} iterations to a relative residual of 1e-8.")

    out = getattr(args, "out", None)
    if not out:
        return
    try:
        from pyoptim import plot as P
        P.matplotlib_module()
    except ImportError:
        print('(matplotlib not installed: no figure; pip install "pyoptim-dlbook[tour]")')
        return
    from . import figures
    # one panel per method (on Rosenbrock all four follow the curved valley, on top of each other in one
    # panel), a row per problem, one key for the start/end/minimum markers under both rows
    fig, _ = P.figure((12.4, 7.4), 0)     # translated when drawn (--lang ko)
    rows = fig.subfigures(2, 1, hspace=0.04)
    quad, rosen = problems[0][1], problems[1][1]
    lo, hi = np.minimum(quad.x0, quad.xmin) - 0.3, np.maximum(quad.x0, quad.xmin) + 0.3
    for row, (pname, f), xlim, ylim, levels, key in (
            (rows[0], problems[0], (lo[0], hi[0]), (lo[1], hi[1]), None, False),
            (rows[1], problems[1], (-1.6, 1.6), (-0.6, 1.6), np.geomspace(0.05, 500, 14), True)):
        shown = {m: paths[pname][m] for m in ("gd", "cg", "newton", "bfgs")}
        P.path_panels(f, shown, xlim, ylim, levels, fig=row, minimum=f.xmin, ncols=4, key=key, resolution=80,
                      title=f"{pname}: the runs of the table above")
    fig.suptitle("Book 8.6: gradient descent zig-zags; CG, BFGS and Newton use curvature")
    figures.save(fig, args, "secondorder_paths")
