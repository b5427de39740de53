"""Twin of the solver loop behind :func:`pyoptim.minimize` (csrc/secondorder.c po_minimize) and its
gradient-norm helpers."""
import math

import numpy as np

from . import linesearch
from ._common import copy_out, report
from .linalg import bfgs_update, lbfgs_two_loop

__all__ = ["_so_maxabs", "_so_gnorm", "_so_unit_step", "_minimize"]

GD, NEWTON, NEWTON_CG, CG, BFGS, LBFGS = range(6)   # _minimize's method codes (csrc/so.h PO_M_*)


def _so_maxabs(v):
    """max|v_i| (secondorder.c po_min_maxabs); NaN propagates."""
    return float(np.abs(v).max())


def _so_gnorm(g, ord):
    """The gradient norm of the gtol test, |g|_ord (secondorder.c po_min_gnorm): inf max|g_i|, -inf min|g_i|,
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
    """t with |t v|_2 = 1 (secondorder.c po_min_unit_step), |v|_2 scaled by max|v_i| (a huge v gives a tiny t, not
    1/inf = 0)."""
    vm = _so_maxabs(v)
    with np.errstate(all="ignore"):
        return 1.0 / (vm * math.sqrt(float(np.sum((v / vm) * (v / vm)))))


def _so_check_args(x0, method, m, hess, hessp, hess_inv0, state_out, path):
    """The C binding's checks of _minimize's arguments; returns x0 as an array, m >= 1 and a copy of
    hess_inv0 (or None)."""
    x0 = np.asarray(x0)
    if x0.dtype != np.float64 or x0.ndim != 1:
        raise ValueError("_minimize(): x0 must be a 1-D float64 array")
    n = x0.size
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
    return x0, m, hess_inv0


def _so_evaluator(fun, jac, n):
    """x -> (f, g) from the user's fun (and jac), checked as the C bridge checks them (a real f, g of shape
    (n,)); with jac None, fun returns (f, g)."""
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
    return evaluate


def _so_newton_dir(H, g, saddle_free, damping):
    """Newton's direction d = -H^-1 g (secondorder.c po_min_newton_dir): saddle-free (|eigenvalues|), fixed damping
    H + lambda I, or the smallest shift tau that makes H + tau I positive definite (N&W Algorithm 3.3)."""
    n = g.size
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


def _so_truncated_cg(hessp, x, g, gg, cg_maxiter):
    """Newton-CG's direction (secondorder.c po_min_truncated_cg; N&W Algorithm 7.1): truncated CG on B p = -g with
    B p from hessp, at most cg_maxiter products, stopped at |r| <= min(0.5, sqrt|g|) |g| or at negative
    curvature (steepest descent if at the first product). gg = g'g. Returns (p, number of Hessian-vector
    products)."""
    n = g.size
    nhev = 0
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
    return z, nhev


def _so_initial_step(method, init_step, fresh, have_h0, f, f_old, gtd, d, g):
    """The line search's first trial step t along d (secondorder.c po_min_initial_step) (gtd = g'd < 0): for gd and
    CG (and quasi-Newton with init_step 1) scipy's choice, the step at which a quadratic with the last decrease
    would bottom out; for quasi-Newton without memory |t d|_2 = 1; else 1."""
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
    elif quasi_newton and fresh and not (method == BFGS and have_h0):
        t = _so_unit_step(g)   # no memory yet: |t d|_2 = 1
    else:
        t = 1.0
    return t


def _so_spy(evaluate, f, gtol, norm):
    """The line search's evaluations through the rounding-floor spy (secondorder.c po_min_spy_eval, po_min_search):
    it keeps the first point with f = -inf (unbounded below) and, among the points with f within 16 eps |f| of
    the start, the one of smallest gradient norm. Returns (the spy's record, the spying evaluate)."""
    eps = np.finfo(np.float64).eps
    spy = {"f0": f, "tol": 16.0 * eps * abs(f), "gbest": np.inf, "best": None, "unbounded": None}

    def spy_eval(xt):
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
    return spy, spy_eval


class _QuasiNewtonMemory:
    """BFGS's inverse Hessian H or L-BFGS's ring of m pairs (s, y) (secondorder.c po_min_ws: po_min_reset,
    po_min_qn_dir, po_min_update_memory, po_min_write_state), and what state_out
    reports: the pairs or H after the last update (a later reset keeps them)."""

    def __init__(self, method, m, n, hess_inv0, h0_scaled):
        self.method, self.m, self.n, self.hess_inv0, self.h0_scaled = method, m, n, hess_inv0, h0_scaled
        self.S, self.Y, self.rho = np.zeros((m, n)), np.zeros((m, n)), np.zeros(m)
        self.newest = self.count = 0
        self.Hm, self.have_H = None, False
        self.out_count, self.out_H = 0, False

    def reset(self):
        """Forget the memory: the next direction is H0's (steepest descent, or -hess_inv0 g)."""
        self.have_H, self.count = False, 0

    def direction(self, g):
        """d = -H g (BFGS) or L-BFGS's two-loop recursion with gamma = s'y / y'y of the newest pair."""
        if self.method == BFGS:
            if not self.have_H:
                return -(self.hess_inv0 @ g) if self.hess_inv0 is not None else -g
            return -(self.Hm @ g)
        if self.count == 0:
            return -g
        S, Y, newest = self.S, self.Y, self.newest
        gamma = float(S[newest] @ Y[newest]) / float(Y[newest] @ Y[newest])
        d = np.empty(self.n)
        lbfgs_two_loop(d, g, S, Y, self.rho, newest=newest, count=self.count, gamma=gamma)
        return d

    def update(self, s, y, ys, yy):
        """Take the pair s = x - x_prev, y = g - g_prev (ys = y's, yy = y'y)."""
        if self.method == LBFGS:
            self.newest = 0 if self.count == 0 else (self.newest + 1) % self.m
            self.S[self.newest], self.Y[self.newest], self.rho[self.newest] = s, y, 1.0 / ys
            self.count = min(self.count + 1, self.m)
            self.out_count = self.count
        else:
            if not self.have_H:   # N&W (6.20): H0 = (y's / y'y) I before the first update (or I, or hess_inv0)
                self.Hm = self.hess_inv0.copy() if self.hess_inv0 is not None else \
                    (ys / yy if self.h0_scaled else 1.0) * np.eye(self.n)
                self.have_H = True
            bfgs_update(self.Hm, s, y)
            self.out_H = True

    def write(self, state_out):
        """Write state_out (BFGS: H, or H0 if never updated; L-BFGS: the pairs, oldest first); the count."""
        if self.method == BFGS:
            # the last updated inverse Hessian (H0 if it was never updated)
            state_out[...] = self.Hm if self.out_H else \
                (self.hess_inv0 if self.hess_inv0 is not None else np.eye(self.n))
            return int(self.out_H)
        if self.method == LBFGS:
            m, oc = self.m, self.out_count
            for j in range(oc):   # the ring, oldest pair first
                k = (self.newest + m - (oc - 1 - j)) % m
                state_out[j], state_out[m + j] = self.S[k], self.Y[k]
            return oc
        return 0


# Long on purpose: one loop whose stopping reasons, resets and counters read top to bottom in po_minimize's
# order (csrc/secondorder.c po_minimize, whose helpers mirror these); directions, steps and memory are helpers.
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
    x0, m, hess_inv0 = _so_check_args(x0, method, m, hess, hessp, hess_inv0, state_out, path)
    n = x0.size
    kind = ("strong-wolfe", "backtracking", "more-thuente")[line_search]
    eps = np.finfo(np.float64).eps
    norm = float(norm)

    evaluate = _so_evaluator(fun, jac, n)
    mem = _QuasiNewtonMemory(method, m, n, hess_inv0, h0_scaled)

    def finish(x, f, g, nit, nfev, nhev, reason):
        """secondorder.c's done: label: write state_out, count the memory (as in C: only when state_out is
        given)."""
        nmem = mem.write(state_out) if state_out is not None else 0
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
                d = _so_newton_dir(H, g, saddle_free, damping)
            except np.linalg.LinAlgError:
                return finish(x, f, g, nit, nfev, nhev, 5)
        elif method == NEWTON_CG:
            d, nhv = _so_truncated_cg(hessp, x, g, gg, cg_maxiter)
            nhev += nhv
        elif method == CG:
            if fresh or since_restart >= restart:
                d, since_restart = -g, 0
            else:   # FR: g'g / g_prev'g_prev;  PR+: max(0, g'(g - g_prev) / g_prev'g_prev)
                b = gg / gg_prev if beta == 0 else max(0.0, (gg - float(g @ gp)) / gg_prev)
                d = -g + b * d
        elif method in (BFGS, LBFGS):
            d = mem.direction(g)
        else:
            raise ValueError("minimize(): an argument is outside its valid range")
        gtd = float(g @ d)
        if not gtd < 0.0:
            if not fresh and method in (CG, BFGS, LBFGS):
                fresh = True   # reset the memory, restart from steepest descent
                mem.reset()
                continue
            reason = 5
            break
        # ---- initial trial step ----
        t = _so_initial_step(method, init_step, fresh, hess_inv0 is not None, f, f_old, gtd, d, g)
        if not t > 0.0 or not math.isfinite(t) or not math.isfinite(gtd):
            reason = 3   # the slope or the step is out of floating-point range: no search possible
            break
        # ---- line search, through the rounding-floor spy (secondorder.c po_min_search) ----
        xp, gp = x.copy(), g.copy()
        ls_max = min(max_ls, max(maxfev - nfev - 1, 0))
        spy, spy_eval = _so_spy(evaluate, f, gtol, norm)
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
            report(path, callback, x, f)
            reason = 0
            break
        if outcome == 2:
            x, g = xp, gp
            if not fresh and method in (CG, BFGS, LBFGS):
                fresh = True
                mem.reset()
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
                mem.update(s, y, ys, yy)
                fresh = False
        elif method == CG:
            gg_prev, since_restart, fresh = gg, since_restart + 1, False
        if report(path, callback, x, f):
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
