"""pyoptim.minimize against scipy.optimize.minimize (and torch.optim.LBFGS), side by side in one run.

Problems: extended Rosenbrock n = 2, 100, 1000 from the standard start, and L2-regularised logistic
regression on 10,000 x 100 synthetic data. For each solver pair: iterations, function evaluations,
final max|g|, final f, median wall time, the time ratio scipy / pyoptim, and "reach": how many
evaluations pyoptim needed to first reach scipy's final objective (within 1e-8 * max(1, |f|)).

pyoptim is timed twice: with the C objective (pyoptim.functions, the whole loop in C) and with the same
objective called through Python (``lambda x: f.value_and_grad(x)``, as scipy calls it). scipy always
gets the C-backed value_and_grad, so the objective costs the same on both sides and the difference is
the driver. BLAS is limited to one thread (threadpoolctl) so small BLAS calls inside scipy do not
spin up threads on a loaded machine.

A second table widens the evaluation count comparison to 28 problems: eleven of Moré, Garbow & Hillstrom
(1981), extended Rosenbrock n = 2, 10, 50 from the standard start and three random starts each, Beale,
quadratics with condition numbers 1e2 and 1e4, and two more logistic regressions. For each: the
evaluations pyoptim's BFGS / L-BFGS need to reach the final objective of scipy's BFGS / L-BFGS-B, the
number of problems where that is no more than scipy's, and the geometric mean of the ratio.

A third table runs L-BFGS-B with bounds (pyoptim.minimize(method="L-BFGS-B", bounds=...), csrc/lbfgsb.c)
against scipy's on 18 bounded Moré-Garbow-Hillstrom problems (bounds active at the solution, as in Moré &
Toraldo's and Gay's test sets) and three larger bounded problems: iterations, evaluations, final f, median
wall time, the ratios, and whether the active sets agree (``--bounded-only`` runs just this table).

A fourth table (``newton_table``) times ``minimize(method="newton")`` with each provider of its
factorizations (option ``linalg``: SciPy's LAPACK capsules, numpy.linalg, the own C routines) against
``scipy.optimize.minimize(method="trust-exact")`` at n = 100, 400, 1000, on a convex problem
(f = x'Ax/2 - b'x + sum log cosh x_i, eig(A) in [0.1, 100]) and a nonconvex one (f = x'Ax/2 - b'x + sum x_i^4/4,
eig(A) in [-1, 2], started near the saddle at 0 so Newton's Hessian needs the shift of N&W Alg. 3.3).
Both solvers get the same Python value_and_grad and hess; per-iteration time = total / nit. The own
routines at n = 1000 run 3 iterations only (marked *): their per-iteration time is what is compared.

Measured here (``--newton-only``; one BLAS thread, a shared 2-core machine; ms per iteration, ratio =
trust-exact / pyoptim per iteration, > 1 means pyoptim's Newton iteration is faster):

    problem     n    lapack   numpy     own   trust-exact   ratio lapack  numpy   own
    convex     100     0.15    0.16    0.21        2.42          16.6    14.9   11.3
    convex     400     8.89   11.95   53.89       29.93           3.4     2.5   0.56
    convex    1000    101.8   124.2  1266.9*      241.6           2.4     2.0   0.19
    nonconvex  100     1.80    4.77    2.71       17.10           9.5     3.6    6.3
    nonconvex  400    26.64   33.72  127.62      113.07           4.2     3.4   0.89
    nonconvex 1000    445.4   885.6  1169.5*     1449.4           3.3     1.6   1.24

(totals at n = 1000: convex 0.61 s Newton/LAPACK against 2.66 s trust-exact, nonconvex 10.7 s against 81 s.)
The nonconvex rows pay for N&W Alg. 3.3's failed Cholesky attempts (each shift a new factorization);
trust-exact pays several factorizations per iteration too, and takes about twice the iterations.

Run: ``python benchmarks/bench_secondorder.py [--quick] [--bounded-only] [--newton-only]``.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import pyoptim as po
from pyoptim import functions as F

PAIRS = [("bfgs", "BFGS"), ("lbfgs", "L-BFGS-B"), ("cg", "CG"), ("newton-cg", "Newton-CG")]


def median_time(fn, repeats):
    ts, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), out


def evals_to_reach(vg, x0, method, target, hessp=None):
    """Evaluations of ``vg`` pyoptim's ``method`` needs until f <= target (None if never)."""
    fs = []

    def fun(x):
        f, g = vg(x)
        fs.append(f)
        return f, g
    po.minimize(fun, x0, method=method, hessp=hessp if method == "newton-cg" else None,
                options={"maxiter": 100000, "maxfun" if method == "lbfgs" else "maxfev": 10**6})
    return next((i + 1 for i, f in enumerate(fs) if f <= target), None)


def wide_problems():
    """The 28 problems of the second table: (name, value_and_grad, x0)."""
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _mgh import PROBLEMS
    probs = [(name, *make()) for name, make in PROBLEMS.items()]
    rng = np.random.default_rng(1)
    for n in (2, 10, 50):
        ob = F.rosenbrock(n)
        for s in range(4):
            probs.append((f"rosenbrock{n}.{s}", ob.value_and_grad, ob.x0 + rng.uniform(-1, 1, n) if s else ob.x0))
    ob = F.beale()
    probs.append(("beale", ob.value_and_grad, ob.x0))
    for c in (1e2, 1e4):
        ob = F.quadratic(100, cond=c)
        probs.append((f"quadratic cond {c:.0e}", ob.value_and_grad, ob.x0))
    for s in (1, 2):
        ob = logistic_problem(seed=s, N=2000, D=50)
        probs.append((f"logreg 2000x50 #{s}", ob.value_and_grad, ob.x0))
    return probs


def wide_table(so):
    """Evaluations to reach scipy's final objective on the 28 problems of wide_problems()."""
    probs = wide_problems()
    print("\nfunction evaluations to reach scipy's final objective (within 1e-8 max(1, |f|)); "
          "a problem scipy ends on a higher f counts pyoptim's evaluations to that value")
    hdr = f"{'problem':<22}{'BFGS':>7}{'pyoptim':>9}{'L-BFGS-B':>10}{'pyoptim':>9}"
    print(hdr)
    print("-" * len(hdr))
    wins = {"bfgs": 0, "lbfgs": 0}
    logs = {"bfgs": 0.0, "lbfgs": 0.0}
    for name, vg, x0 in probs:
        cells = []
        for pm, sm in (("bfgs", "BFGS"), ("lbfgs", "L-BFGS-B")):
            sopts = {"maxiter": 100000} if sm == "BFGS" else {"maxiter": 100000, "maxfun": 10**6}
            rs = so.minimize(vg, x0, jac=True, method=sm, options=sopts)
            reach = evals_to_reach(vg, x0, pm, rs.fun + 1e-8 * max(1.0, abs(rs.fun)))
            # pyoptim stopping (gtol) before scipy's value is reached: charge it 10x scipy's count
            charged = reach if reach is not None else 10 * rs.nfev
            wins[pm] += charged <= rs.nfev
            logs[pm] += np.log(charged / rs.nfev)
            cells += [rs.nfev, "-" if reach is None else reach]
        print(f"{name:<22}{cells[0]:>7}{cells[1]:>9}{cells[2]:>10}{cells[3]:>9}", flush=True)
    k = len(probs)
    print(f"pyoptim needs no more evaluations than scipy on: BFGS {wins['bfgs']}/{k}, L-BFGS {wins['lbfgs']}/{k}")
    print(f"geometric mean of pyoptim/scipy evaluations:     BFGS {np.exp(logs['bfgs'] / k):.3f}, "
          f"L-BFGS {np.exp(logs['lbfgs'] / k):.3f}")


def bounded_problems():
    """The bounded table's problems: (name, value_and_grad, x0, lo, hi). The 18 bounded MGH problems of
    _mgh.bounded_problems (bounds placed from scipy's unconstrained BFGS minimizer), then three larger ones
    where the driver's own cost shows: extended Rosenbrock n = 1000 and 10000 in [-0.5, 0.5] boxes on every
    other variable, and logistic regression 10000 x 100 with nonnegative weights."""
    import os
    import sys

    import scipy.optimize as so
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _mgh import bounded_problems as mgh_bounded
    probs = mgh_bounded(lambda vg, x0: so.minimize(vg, x0, jac=True, method="BFGS", options={"gtol": 1e-9}).x)
    for n in (1000, 10000):
        ob = F.rosenbrock(n)
        lo, hi = np.full(n, -np.inf), np.full(n, np.inf)
        lo[::2], hi[::2] = -0.5, 0.5
        probs.append((f"rosen{n}/box", ob.value_and_grad, ob.x0, lo, hi))
    ob = logistic_problem()
    probs.append(("logreg10000x100/w>=0", ob.value_and_grad, ob.x0, np.zeros(ob.n), np.full(ob.n, np.inf)))
    return probs


def bounded_table(so, repeats=5):
    """L-BFGS-B with bounds: pyoptim (C loop, csrc/lbfgsb.c) against scipy's, side by side; both call the
    same value_and_grad through Python, so the time difference is the driver."""
    probs = bounded_problems()
    print("\nL-BFGS-B with bounds (default options; both call the same Python value_and_grad): "
          "nfev ratio = pyoptim / scipy, time ratio = scipy / pyoptim (> 1: pyoptim faster)")
    hdr = (f"{'problem':<22}{'nit':>6}{'nfev':>6}{'f':>13}{'t':>10}{'scipy nit':>10}{'nfev':>6}{'f':>13}"
           f"{'t':>10}{'nfev ratio':>11}{'time ratio':>11}{'|dx|':>9}{'active':>8}")
    print(hdr)
    print("-" * len(hdr))
    tot = {"nfev": 0, "s_nfev": 0, "t": 0.0, "t_s": 0.0}
    logs = []
    for name, vg, x0, lo, hi in probs:
        b = so.Bounds(lo, hi)
        reps = 1 if x0.size >= 10000 else repeats
        t_p, r = median_time(lambda: po.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=b), reps)
        t_s, rs = median_time(lambda: so.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=b), reps)
        act = [tuple(np.flatnonzero((z == lo) | (z == hi))) for z in (r.x, rs.x)]
        same = "same" if act[0] == act[1] else "DIFF"
        dx = float(np.abs(r.x - rs.x).max())
        tot["nfev"] += r.nfev
        tot["s_nfev"] += rs.nfev
        tot["t"] += t_p
        tot["t_s"] += t_s
        logs.append(np.log(t_s / t_p))
        print(f"{name:<22}{r.nit:>6}{r.nfev:>6}{r.fun:>13.5e}{t_p * 1e3:>8.2f}ms{rs.nit:>10}{rs.nfev:>6}"
              f"{rs.fun:>13.5e}{t_s * 1e3:>8.2f}ms{r.nfev / rs.nfev:>11.3f}{t_s / t_p:>11.2f}{dx:>9.1e}"
              f"{same:>8}", flush=True)
    print(f"total nfev: pyoptim {tot['nfev']}, scipy {tot['s_nfev']} (ratio {tot['nfev'] / tot['s_nfev']:.3f}); "
          f"total time: pyoptim {tot['t'] * 1e3:.1f} ms, scipy {tot['t_s'] * 1e3:.1f} ms "
          f"(scipy / pyoptim {tot['t_s'] / tot['t']:.2f}); geometric mean of the time ratios "
          f"{np.exp(np.mean(logs)):.2f}")


def logistic_problem(seed=0, N=10000, D=100, l2=1e-4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    w = rng.standard_normal(D) / np.sqrt(D)
    y = (X @ w + 0.5 * rng.standard_normal(N) > 0).astype(float)
    return F.logistic_regression(X, y, l2=l2)


def newton_problem(kind, n, seed=0):
    """(value_and_grad, hess, x0) of the convex or nonconvex problem of the Newton table."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    if kind == "convex":
        A = (Q * np.logspace(-1, 2, n)) @ Q.T
        A = 0.5 * (A + A.T)
        b = rng.standard_normal(n)

        def vg(x):
            return 0.5 * x @ A @ x - b @ x + np.sum(np.logaddexp(x, -x)), A @ x - b + np.tanh(x)

        def hess(x):
            H = A.copy()
            H[np.diag_indices(n)] += 1.0 - np.tanh(x) ** 2
            return H
        return vg, hess, np.full(n, 3.0)
    A = (Q * np.linspace(-1.0, 2.0, n)) @ Q.T
    A = 0.5 * (A + A.T)
    b = 0.1 * rng.standard_normal(n)

    def vg(x):
        return 0.5 * x @ A @ x - b @ x + 0.25 * np.sum(x ** 4), A @ x - b + x ** 3

    def hess(x):
        H = A.copy()
        H[np.diag_indices(n)] += 3.0 * x ** 2
        return H
    return vg, hess, 0.01 * rng.standard_normal(n)


def newton_table(so, quick=False, sizes=(100, 400, 1000)):
    """minimize(method="newton") per factorization provider against scipy's trust-exact."""
    from pyoptim._minimize import _linalg
    providers = ["lapack", "numpy", "own"] if _linalg.lapack_available() else ["numpy", "own"]
    print("\nNewton (pyoptim, per linalg provider) against scipy trust-exact; ms per iteration (total ms, nit); "
          "ratio = trust-exact / pyoptim per iteration (> 1: pyoptim faster)")
    hdr = f"{'problem':<10}{'n':>6}" + "".join(f"{p:>24}" for p in providers) + f"{'trust-exact':>24}" + \
        "".join(f"{'ratio ' + p:>14}" for p in providers)
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for kind in ("convex", "nonconvex"):
        for n in sizes:
            vg, hess, x0 = newton_problem(kind, n)
            reps = 1 if (n >= 400 or quick) else 3
            cells, per = [], {}
            for p in providers:
                capped = p == "own" and n >= 1000
                opts = {"linalg": p, "maxiter": 3 if capped else 10000}
                t, r = median_time(lambda: po.minimize(vg, x0, jac=True, hess=hess, method="newton", options=opts),
                                   reps)
                per[p] = t / max(r.nit, 1)
                cells.append(f"{per[p] * 1e3:9.2f} ({t * 1e3:7.0f},{r.nit:>3}){'*' if capped else ' '}")
            t_s, r_s = median_time(lambda: so.minimize(vg, x0, jac=True, hess=hess, method="trust-exact"), reps)
            per_s = t_s / max(r_s.nit, 1)
            row = dict(problem=kind, n=n, trust_exact_ms=per_s * 1e3, **{f"{p}_ms": per[p] * 1e3 for p in providers})
            rows.append(row)
            print(f"{kind:<10}{n:>6}" + "".join(f"{c:>24}" for c in cells) +
                  f"{per_s * 1e3:9.2f} ({t_s * 1e3:7.0f},{r_s.nit:>3}) " +
                  "".join(f"{per_s / per[p]:>14.2f}" for p in providers), flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the n = 1000 dense BFGS runs, fewer repeats")
    ap.add_argument("--newton-only", action="store_true", help="only the Newton / trust-exact table")
    ap.add_argument("--threads", type=int, default=1,
                    help="pyoptim OpenMP threads for the model objectives (default 1: on a loaded 2-core machine "
                         "two threads can be much slower; BLAS is limited to 1 thread as well)")
    ap.add_argument("--bounded-only", action="store_true", help="only the L-BFGS-B table with bounds")
    args = ap.parse_args(argv)
    po.set_num_threads(args.threads)
    try:
        import scipy
        import scipy.optimize as so
    except ImportError:
        raise SystemExit('this benchmark compares with scipy: pip install scipy')
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=1, user_api="blas")
    except ImportError:   # pragma: no cover
        limiter = None

    if args.bounded_only:
        bounded_table(so, repeats=3 if args.quick else 5)
        return []
    if args.newton_only:
        rows = newton_table(so, args.quick)
        if limiter is not None:
            limiter.restore_original_limits()
        return rows
    problems = [("rosen n=2", F.rosenbrock(2)), ("rosen n=100", F.rosenbrock(100)),
                ("rosen n=1000", F.rosenbrock(1000)), ("logreg 10000x100", logistic_problem())]
    print(f"pyoptim {po.__version__}, scipy {scipy.__version__}, numpy {np.__version__}; "
          f"pyoptim threads {po.get_num_threads()}; times are medians")
    hdr = (f"{'problem':<17}{'method':<11}{'nit':>6}{'nfev':>7}{'reach':>7}{'max|g|':>10}{'f':>12}"
           f"{'t C obj':>10}{'t py obj':>10}{'scipy':>8}{'nit':>6}{'nfev':>7}{'max|g|':>10}{'f':>12}"
           f"{'t scipy':>10}{'ratio C':>9}{'ratio py':>9}")
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for pname, obj in problems:
        n = obj.n
        for pm, sm in PAIRS:
            if n >= 1000 and pm == "bfgs" and args.quick:
                continue
            big = n >= 1000 or obj.name == "logistic_regression"
            reps = 1 if (big and pm in ("bfgs", "cg")) or args.quick else (3 if big else 7)
            hessp = obj.hessp if pm == "newton-cg" else None
            opts = {"maxiter": 100000, "maxfun" if pm == "lbfgs" else "maxfev": 10**6}
            t_c, r_c = median_time(lambda: po.minimize(obj, obj.x0, method=pm, options=opts), reps)
            vg = obj.value_and_grad
            t_py, r_py = median_time(lambda: po.minimize(lambda x: vg(x), obj.x0, method=pm, hessp=hessp,
                                                         options=opts), reps)
            sopts = {"maxiter": 100000} if sm != "L-BFGS-B" else {"maxiter": 100000, "maxfun": 10**6}
            t_s, r_s = median_time(lambda: so.minimize(vg, obj.x0, jac=True, method=sm, hessp=hessp,
                                                       options=sopts), reps)
            target = r_s.fun + 1e-8 * max(1.0, abs(r_s.fun))
            reach = evals_to_reach(obj.value_and_grad, obj.x0, pm, target, hessp)
            gs = np.abs(obj.grad(r_s.x)).max()
            row = dict(problem=pname, method=pm, nit=r_c.nit, nfev=r_c.nfev, reach=reach,
                       g=np.abs(r_c.jac).max(), f=r_c.fun, t_c=t_c, t_py=t_py, s_method=sm, s_nit=r_s.nit,
                       s_nfev=r_s.nfev, s_g=gs, s_f=r_s.fun, t_s=t_s)
            rows.append(row)
            print(f"{pname:<17}{pm:<11}{r_c.nit:>6}{r_c.nfev:>7}{str(reach):>7}{row['g']:>10.1e}{r_c.fun:>12.4e}"
                  f"{t_c * 1e3:>8.2f}ms{t_py * 1e3:>8.2f}ms{sm:>8}{r_s.nit:>6}{r_s.nfev:>7}{gs:>10.1e}"
                  f"{r_s.fun:>12.4e}{t_s * 1e3:>8.2f}ms{t_s / t_c:>9.1f}{t_s / t_py:>9.1f}", flush=True)

    # torch.optim.LBFGS on the same logistic regression (full batch, strong Wolfe)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        obj = problems[-1][1]
        Xt, yt = torch.tensor(obj.X), torch.tensor(obj.y)
        l2 = obj.l2

        def run_torch():
            w = torch.zeros(obj.n, dtype=torch.float64, requires_grad=True)
            opt = torch.optim.LBFGS([w], lr=1, max_iter=100000, max_eval=10**6, tolerance_grad=1e-5,
                                    tolerance_change=0.0, history_size=10, line_search_fn="strong_wolfe")

            def closure():
                opt.zero_grad()
                loss = torch.nn.functional.binary_cross_entropy_with_logits(Xt @ w, yt) + 0.5 * l2 * (w * w).sum()
                loss.backward()
                return loss
            opt.step(closure)
            return w.detach().numpy(), opt.state[w]
        t_t, (w_t, st) = median_time(run_torch, 3)

        def run_po():
            w = np.zeros(obj.n)
            opt = po.optim.LBFGS([w], lr=1, max_iter=100000, max_eval=10**6, tolerance_grad=1e-5,
                                 tolerance_change=0.0, history_size=10, line_search_fn="strong_wolfe")
            opt.step(lambda: (lambda v, g: (v, [g]))(*obj.value_and_grad(w)))
            return w, opt.state[0]
        t_p, (w_p, st_p) = median_time(run_po, 3)
        t_m, r_m = median_time(lambda: po.minimize(obj, obj.x0, method="lbfgs", options={"gtol": 1e-5}), 3)
        print("\nlogistic regression 10000x100, L-BFGS (m=10, strong Wolfe, max|g| <= 1e-5):")
        print(f"  torch.optim.LBFGS          nit {st['n_iter']:>4} nfev {st['func_evals']:>4} "
              f"f {obj(w_t):.10e}  {t_t * 1e3:8.2f} ms")
        print(f"  pyoptim.optim.LBFGS        nit {st_p['n_iter']:>4} nfev {st_p['func_evals']:>4} "
              f"f {obj(w_p):.10e}  {t_p * 1e3:8.2f} ms  (torch / pyoptim {t_t / t_p:.1f}x)")
        print(f"  pyoptim.minimize (C loop)  nit {r_m.nit:>4} nfev {r_m.nfev:>4} f {r_m.fun:.10e}  "
              f"{t_m * 1e3:8.2f} ms  (torch / pyoptim {t_t / t_m:.1f}x)")
    wide_table(so)
    bounded_table(so, repeats=3 if args.quick else 5)
    newton_table(so, args.quick)
    if limiter is not None:
        limiter.restore_original_limits()
    return rows


if __name__ == "__main__":
    main()
