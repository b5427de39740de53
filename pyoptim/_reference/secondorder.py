"""Twin of the solver loop behind :func:`pyoptim.minimize` (csrc/secondorder.c po_minimize) and its
gradient-norm helpers."""
import math

import numpy as np

from . import linesearch
from ._common import copy_out
from .linalg import bfgs_update, lbfgs_two_loop

__all__ = ["_so_maxabs", "_so_gnorm", "_so_unit_step", "_minimize"]


def _so_maxabs(v):
    """max|v_i| (secondorder.c so_maxabs); NaN propagates."""
    return float(np.abs(v).max())


def _so_gnorm(g, ord):
    """The gradient norm of the gtol test, |g|_ord (secondorder.c so_gnorm): inf max|g_i|, -inf min|g_i|,
    else (sum |g_i|^ord)^(1/ord) scaled by max|g_i| so that it neither overflows nor underflows."""
    if ord == math.inf:
        return _so_maxabs(g)
    if ord == -math.inf:
        return float(np.abs(g).min())
    mx = _so_maxabs(g)
    if not (mx > 0.0) or not math.isfinite(mx):
        return mx if ord > 0 else 0.0
    with np.errstate(all="ignore"):
        return mx * float(np.sum((np.abs(g) / mx) ** ord)) ** (1.0 / ord)


def _so_unit_step(v):
    """t with |t v|_2 = 1, |v|_2 scaled by max|v_i| (a huge v gives a tiny t, not 1/inf = 0)."""
    vm = _so_maxabs(v)
    with np.errstate(all="ignore"):
        return 1.0 / (vm * math.sqrt(float(np.sum((v / vm) * (v / vm)))))


def _minimize(fun, x0, *, jac=None, hess=None, hessp=None, callback=None, model=None, path=None, method=5,
              gtol=1e-5, ftol=0.0, maxiter=1000, maxfev=10000, m=10, beta=1, restart=0, damping=-1.0,
              saddle_free=False, cg_maxiter=0, line_search=0, c1=1e-4, c2=0.9, max_ls=25,
              tolerance_change=1e-9, xtol=1e-14, init_step=0, h0_scaled=True, norm=math.inf, xrtol=0.0,
              hess_inv0=None, state_out=None, linalg=None):
    """Twin of the C iteration loop behind :func:`pyoptim.minimize` (csrc/secondorder.c po_minimize: the
    same methods, initial steps, memory updates, resets and stopping reasons, in the same order).

    ``norm``: the order of the gradient norm in the gtol test; ``xrtol``: stop when
    |x - x_prev|_2 <= xrtol (xrtol + |x|_2); ``hess_inv0``: BFGS's initial inverse Hessian (n, n);
    ``state_out``: written with BFGS's final inverse Hessian (n, n), or L-BFGS's pairs (2m, n): s rows
    0..nmem-1, y rows m..m+nmem-1, oldest first. ``linalg``: accepted for the C loop's signature; the twin
    always factors with numpy.linalg (the C loop's "numpy" provider).
    Returns (x, f, g, nit, nfev, njev, nhev, reason, nmem) with reason a PO_STOP_* code (csrc/so.h)."""
    x0 = np.asarray(x0)
    if x0.dtype != np.float64 or x0.ndim != 1:
        raise ValueError("_minimize(): x0 must be a 1-D float64 array")
    n = x0.size
    GD, NEWTON, NEWTON_CG, CG, BFGS, LBFGS = range(6)
    m = max(int(m), 1)
    if hess_inv0 is not None:
        hess_inv0 = np.asarray(hess_inv0)
        if hess_inv0.dtype != np.float64 or hess_inv0.shape != (n, n):
            raise ValueError(f"_minimize(): hess_inv0 must be a float64 array of shape ({n}, {n})")
        hess_inv0 = hess_inv0.copy()
    if state_out is not None:
        rows = 2 * m if method == LBFGS else n
        if not isinstance(state_out, np.ndarray) or state_out.dtype != np.float64 or \
                state_out.shape != (rows, n) or not state_out.flags.writeable:
            raise ValueError(f"_minimize(): state_out must be a writable float64 array of shape ({rows}, {n})")
    if path is not None and not isinstance(path, list):
        raise TypeError("_minimize(): path must be a list or None")
    if n == 0 or (method == NEWTON and hess is None) or (method == NEWTON_CG and hessp is None):
        raise ValueError("minimize(): an argument is outside its valid range")
    kind = ("strong-wolfe", "backtracking", "more-thuente")[line_search]
    eps = np.finfo(np.float64).eps
    norm = float(norm)

    def evaluate(x):
        r = fun(x.copy())
        if jac is None:
            if not isinstance(r, (tuple, list)):
                raise TypeError("minimize(): with jac=True, fun must return (value, gradient), "
                                f"got {type(r).__name__}")
            if len(r) != 2:
                raise TypeError("minimize(): with jac=True, fun must return (value, gradient)")
            fv, gv = r
        else:
            fv, gv = r, jac(x.copy())
        try:
            fv = float(fv)
        except (TypeError, ValueError):
            raise TypeError(f"minimize(): fun must return a real number as the value, got {type(fv).__name__}") \
                from None
        return fv, copy_out(gv, n, False, "the gradient of fun" if jac is None else "jac")

    def progress(k, x, f, g):
        """0 to go on, 1 when the callback raised StopIteration (so_progress)."""
        if path is not None:
            path.append(x.copy())
        if callback is not None:
            try:
                callback(x.copy(), f)
            except StopIteration:
                return 1
        return 0

    def newton_dir(H, g):
        if saddle_free:   # book 8.2.3, Dauphin et al. 2014: d = -V |Lambda|^-1 V' g, |lambda| floored at delta
            w, V = np.linalg.eigh(0.5 * (H + H.T))
            delta = max(damping if damping > 0 else 0.0, 1e-8 * max(float(np.abs(w).max()), 1e-300))
            return -(V @ ((V.T @ g) / np.maximum(np.abs(w), delta)))
        Hs = np.tril(H) + np.tril(H, -1).T

        def chol_solve(shift):
            L = np.linalg.cholesky(Hs + shift * np.eye(n))
            return np.linalg.solve(L.T, np.linalg.solve(L, -g))
        if damping >= 0.0:   # fixed lambda: Cholesky when positive definite, else LU
            try:
                return chol_solve(damping)
            except np.linalg.LinAlgError:
                return np.linalg.solve(H + damping * np.eye(n), -g)
        mind = float(np.diag(H).min())   # N&W Algorithm 3.3, beta = 1e-3
        tau = 0.0 if mind > 0 else -mind + 1e-3
        for _ in range(200):
            try:
                return chol_solve(tau)
            except np.linalg.LinAlgError:
                tau = max(2.0 * tau, 1e-3)
        raise np.linalg.LinAlgError("not positive definite")

    S, Y, rho = np.zeros((m, n)), np.zeros((m, n)), np.zeros(m)
    newest = count = 0
    Hm, have_H = None, False
    out_count, out_H = 0, False   # state_out: pairs after the last update (a later reset keeps them)

    def finish(x, f, g, nit, nfev, nhev, reason):
        """secondorder.c's done: label: write state_out, count the memory."""
        nmem = 0   # as in C: counted only when state_out is given
        if state_out is not None and method == BFGS:
            # the last updated inverse Hessian (H0 if it was never updated)
            state_out[...] = Hm if out_H else (hess_inv0 if hess_inv0 is not None else np.eye(n))
            nmem = int(out_H)
        elif state_out is not None and method == LBFGS:
            for j in range(out_count):   # the ring, oldest pair first
                k = (newest + m - (out_count - 1 - j)) % m
                state_out[j], state_out[m + j] = S[k], Y[k]
            nmem = out_count
        return x, f, g, nit, nfev, nfev, nhev, reason, nmem

    x = x0.copy()
    nit = nhev = 0
    f, g = evaluate(x)
    nfev = 1
    if not (np.isfinite(f) and np.isfinite(g).all()):
        return finish(x, f, g, nit, nfev, nhev, 4)
    since_restart, gg_prev, f_old = 0, 0.0, f + 0.5 * math.sqrt(float(g @ g))
    fresh = True
    restart = restart if restart > 0 else n
    cg_maxiter = cg_maxiter if cg_maxiter > 0 else 20 * n
    d = np.zeros(n)
    while True:
        if _so_gnorm(g, norm) <= gtol:   # NaN never converges
            reason = 0
            break
        if nit >= maxiter:
            reason = 1
            break
        if nfev >= maxfev:
            reason = 2
            break
        # ---- search direction ----
        gg = float(g @ g)
        if method == GD:
            d = -g
        elif method == NEWTON:
            H = copy_out(hess(x.copy()), n, True, "hess")
            nhev += 1
            if not np.isfinite(H).all():
                return finish(x, f, g, nit, nfev, nhev, 4)
            try:
                d = newton_dir(H, g)
            except np.linalg.LinAlgError:
                return finish(x, f, g, nit, nfev, nhev, 5)
        elif method == NEWTON_CG:   # N&W Algorithm 7.1: truncated CG on B p = -g
            gn = math.sqrt(gg)
            tol = min(0.5, math.sqrt(gn)) * gn
            z, r, pp, rr = np.zeros(n), g.copy(), -g, gg
            for j in range(cg_maxiter):
                Bp = copy_out(hessp(x.copy(), pp.copy()), n, False, "hessp")
                nhev += 1
                curv = float(pp @ Bp)
                if not curv > 0.0:   # negative curvature: stop (steepest descent if at j = 0)
                    if j == 0:
                        z = -g
                    break
                a = rr / curv
                z, r = z + a * pp, r + a * Bp
                rn = float(r @ r)
                if math.sqrt(rn) <= tol:
                    break
                pp, rr = -r + (rn / rr) * pp, rn
            d = z
        elif method == CG:
            if fresh or since_restart >= restart:
                d, since_restart = -g, 0
            else:   # FR: g'g / g_prev'g_prev;  PR+: max(0, g'(g - g_prev) / g_prev'g_prev)
                b = gg / gg_prev if beta == 0 else max(0.0, (gg - float(g @ gp)) / gg_prev)
                d = -g + b * d
        elif method == BFGS:
            if not have_H:
                d = -(hess_inv0 @ g) if hess_inv0 is not None else -g
            else:
                d = -(Hm @ g)
        elif method == LBFGS:
            if count == 0:
                d = -g
            else:
                gamma = float(S[newest] @ Y[newest]) / float(Y[newest] @ Y[newest])
                d = np.empty(n)
                lbfgs_two_loop(d, g, S, Y, rho, newest=newest, count=count, gamma=gamma)
        else:
            raise ValueError("minimize(): an argument is outside its valid range")
        gtd = float(g @ d)
        if not gtd < 0.0:
            if not fresh and method in (CG, BFGS, LBFGS):
                fresh, have_H, count = True, False, 0   # reset the memory, restart from steepest descent
                continue
            reason = 5
            break
        # ---- initial trial step ----
        quasi_newton = method in (BFGS, LBFGS)
        if method in (GD, CG) or (quasi_newton and init_step == 1):
            # scipy's choice: the step at which a quadratic with the last decrease would bottom out
            with np.errstate(all="ignore"):
                t = 1.01 * 2.0 * (f - f_old) / gtd
            if quasi_newton:
                if not t > 0.0 or t > 1.0:
                    t = 1.0   # a quasi-Newton step has a natural unit length
            elif not t > 0.0 or not math.isfinite(t):
                t = _so_unit_step(d)   # gd and CG: no cap at 1 (scaling f), else |t d|_2 = 1
        elif quasi_newton and fresh and not (method == BFGS and hess_inv0 is not None):
            t = _so_unit_step(g)   # no memory yet: |t d|_2 = 1
        else:
            t = 1.0
        if not t > 0.0 or not math.isfinite(t) or not math.isfinite(gtd):
            reason = 3   # the slope or the step is out of floating-point range: no search possible
            break
        # ---- line search, through the rounding-floor spy (secondorder.c so_spy_eval) ----
        xp, gp = x.copy(), g.copy()
        ls_max = min(max_ls, max(maxfev - nfev - 1, 0))
        spy = {"f0": f, "tol": 16.0 * eps * abs(f), "gbest": np.inf, "best": None, "unbounded": None}

        def spy_eval(xt, spy=spy):
            ft, gt = evaluate(xt)
            if ft == -math.inf and spy["unbounded"] is None:
                # f = -inf: the objective is unbounded below; the line search would take it for a step too long
                spy["unbounded"] = (np.array(xt, dtype=np.float64), gt.copy())
                return ft, gt
            if spy["unbounded"] is None and gtol > 0.0 and abs(ft - spy["f0"]) <= spy["tol"]:
                mg = _so_gnorm(gt, norm)
                if mg < spy["gbest"]:
                    spy["gbest"], spy["best"] = mg, (np.array(xt, dtype=np.float64), gt.copy(), ft)
            return ft, gt
        t, fnew, xnew, gnew, ls_nfev, outcome = linesearch.line_search(
            spy_eval, xp, d, f, gp, t=t, kind=kind, c1=c1, c2=c2, tolerance_change=tolerance_change,
            max_ls=ls_max, xtol=xtol)
        nfev += ls_nfev
        if spy["unbounded"] is not None:
            x, g = spy["unbounded"]
            f = -math.inf
            nit += 1
            reason = 8
            break
        if outcome == 2 and spy["best"] is not None and spy["gbest"] <= gtol:
            x, g, f = spy["best"]   # at the rounding floor: as low as f(x) to rounding, gradient meets gtol
            nit += 1
            progress(nit, x, f, g)
            reason = 0
            break
        if outcome == 2:
            x, g = xp, gp
            if not fresh and method in (CG, BFGS, LBFGS):
                fresh, have_H, count = True, False, 0
                continue
            reason = 2 if nfev >= maxfev else 3
            break
        x, g = np.array(xnew, dtype=np.float64), np.array(gnew, dtype=np.float64)
        f_old, fprev, f = f, f, float(fnew)
        nit += 1
        # ---- update the memory: s = x - x_prev, y = g - g_prev ----
        if method in (LBFGS, BFGS):
            s, y = x - xp, g - gp
            ys, yy, ss = float(y @ s), float(y @ y), float(s @ s)
            # keep the pair when y's > eps |y| |s|: a test on the angle, invariant to scaling f
            if ys > eps * math.sqrt(yy) * math.sqrt(ss) and math.isfinite(ys) and yy > 0 and math.isfinite(yy):
                if method == LBFGS:
                    newest = 0 if count == 0 else (newest + 1) % m
                    S[newest], Y[newest], rho[newest] = s, y, 1.0 / ys
                    count = min(count + 1, m)
                    out_count = count
                else:
                    if not have_H:   # N&W (6.20): H0 = (y's / y'y) I before the first update (or I, or hess_inv0)
                        Hm = hess_inv0.copy() if hess_inv0 is not None else \
                            (ys / yy if h0_scaled else 1.0) * np.eye(n)
                        have_H = True
                    bfgs_update(Hm, s, y)
                    out_H = True
                fresh = False
        elif method == CG:
            gg_prev, since_restart, fresh = gg, since_restart + 1, False
        if progress(nit, x, f, g):
            reason = 6
            break
        if xrtol > 0:   # scipy's BFGS xrtol: |x - x_prev|_2 <= xrtol (xrtol + |x|_2)
            dx = x - xp
            if math.sqrt(float(dx @ dx)) <= xrtol * (xrtol + math.sqrt(float(x @ x))):
                reason = 0
                break
        if ftol > 0 and (fprev - f) <= ftol * max(abs(fprev), abs(f), 1.0):
            reason = 0 if _so_gnorm(g, norm) <= gtol else 7
            break
    return finish(x, f, g, nit, nfev, nhev, reason)
