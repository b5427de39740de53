"""Twin of L-BFGS-B's loop (csrc/lbfgsb.c) and its steps.

Byrd, Lu, Nocedal & Zhu (1995), "A limited memory algorithm for bound constrained optimization", SIAM J. Sci.
Comput. 16(5); Morales & Nocedal (2011), "Remark on Algorithm 778", ACM TOMS 38(1). The same steps in the same
order as the C loop: generalized Cauchy point, direct primal subspace minimization, Morales-Nocedal backtrack,
More-Thuente line search (MINPACK-2 dcsrch/dcstep).
"""
import math

import numpy as np

from ._common import copy_out, report

__all__ = ["_lb_projgr", "_lb_solve", "_lb_middle", "_lb_inverse", "_lb_cauchy", "_lb_subspace", "_lb_dcstep",
           "_lb_dcsrch_start", "_lb_dcsrch", "_lbfgsb"]


def _lb_projgr(x, g, lo, hi):
    """max_i |P(x - g)_i - x_i| in L-BFGS-B's form (projgr): g_i cut at x_i - hi_i (g < 0), x_i - lo_i (g >= 0)."""
    pg = np.where(g < 0, np.maximum(x - hi, g), np.minimum(x - lo, g))
    return float(np.abs(pg).max()) if pg.size else 0.0


def _lb_solve(A, b):
    """Solve A u = b (b a vector or k x r columns) by Gaussian elimination with partial pivoting, the first
    largest pivot of each column (the C code's lb_solve); None if a pivot is 0 or not finite."""
    A, b = np.array(A, dtype=np.float64), np.array(b, dtype=np.float64)
    k = A.shape[0]
    for c in range(k):
        p = c + int(np.argmax(np.abs(A[c:, c])))
        if not abs(A[p, c]) > 0.0 or not math.isfinite(A[p, c]):
            return None
        if p != c:
            A[[c, p]], b[[c, p]] = A[[p, c]], b[[p, c]]
        fac = A[c + 1:, c] / A[c, c]
        A[c + 1:, c:] -= np.multiply.outer(fac, A[c, c:])
        b[c + 1:] -= np.multiply.outer(fac, b[c]) if b.ndim == 2 else fac * b[c]
    u = np.zeros_like(b)
    for c in range(k - 1, -1, -1):
        u[c] = (b[c] - A[c, c + 1:] @ u[c + 1:]) / A[c, c]
    return u


def _lb_middle(SY, SS, col, theta):
    """K = [[-D, L'], [L, theta S'S]] (the inverse of the middle matrix M of B = theta I - W M W')."""
    sy, ss = SY[:col, :col], SS[:col, :col]
    L = np.tril(sy, -1)
    return np.block([[-np.diag(np.diag(sy)), L.T], [L, theta * ss]])


def _lb_inverse(K):
    """M = K^-1 (None if K is singular)."""
    return _lb_solve(K, np.eye(K.shape[0]))


# Long on purpose: BLNZ 1995 Algorithm CP transcribed whole (as csrc/lbfgsb_model.c lb_cauchy), segment by segment.
def _lb_cauchy(x, g, lo, hi, fixed, W, M, theta):
    """The generalized Cauchy point (BLNZ 1995 Algorithm CP): the first local minimizer of the quadratic model
    m(z) = g'(z - x) + (z - x)'B(z - x)/2, B = theta I - W M W', along the projected path x(t) = P(x - t g).
    Breakpoints t_i = (x_i - hi_i)/g_i (g_i < 0), (x_i - lo_i)/g_i (g_i > 0); on each segment
    f' = g'd + d'B(z - x) and f'' = d'Bd, updated as a breakpoint fixes z_b (f' += dt f'' + g_b^2 + theta g_b z_b
    - g_b w_b'Mc, f'' -= theta g_b^2 + 2 g_b w_b'Mp + g_b^2 w_b'Mw_b; p = W'd, c = W'(z - x)).
    Returns (xcp, c, free mask at xcp)."""
    n = x.size
    eps = np.finfo(np.float64).eps
    hasl, hasu = np.isfinite(lo), np.isfinite(hi)
    free = np.zeros(n, bool)   # iwhere <= 0
    d = np.zeros(n)
    brk = []   # (t_i, i) in the order found
    for i in range(n):
        if fixed[i]:
            continue
        gi = g[i]
        atl = hasl[i] and x[i] - lo[i] <= 0.0
        atu = hasu[i] and hi[i] - x[i] <= 0.0
        if (atl and -gi <= 0.0) or (atu and -gi >= 0.0):
            continue   # at a bound, pushed out: stays there
        free[i] = True
        d[i] = -gi
        if hasl[i] and -gi < 0.0:
            brk.append(((x[i] - lo[i]) / gi, i))
        elif hasu[i] and -gi > 0.0:
            brk.append(((hi[i] - x[i]) / -gi, i))
    xcp = x.copy()
    k = W.shape[1]
    c = np.zeros(k)
    if not np.any(d != 0.0):
        return xcp, c, free
    p = W.T @ d
    f1 = -float(d @ d)
    f2 = -theta * f1
    f2_org = f2
    if k:
        f2 -= float(p @ (M @ p))
    dtm = -f1 / f2
    tsum = 0.0
    nbreak = len(brk)
    # breakpoints in increasing t (ties by order found, as a stable sort)
    order = sorted(range(nbreak), key=lambda j: brk[j][0])
    tj = 0.0
    nleft = nbreak
    for j in order:
        tj0 = tj
        tj, b = brk[j]
        dt = tj - tj0
        if dtm < dt:
            break
        tsum += dt
        nleft -= 1
        db = d[b]
        d[b] = 0.0
        zb = (hi[b] if db > 0 else lo[b]) - x[b]
        xcp[b] = hi[b] if db > 0 else lo[b]
        free[b] = False
        if nleft == 0 and nbreak == n:   # every variable fixed at a bound
            dtm = dt
            if k:
                c += dtm * p
            return xcp, c, free
        f1 = f1 + dt * f2 + db * db - theta * db * zb
        f2 = f2 - theta * db * db
        if k:
            c += dt * p
            wb = W[b]
            v = M @ wb
            f1 += db * float(c @ v)
            f2 += 2.0 * db * float(p @ v) - db * db * float(wb @ v)
            p = p - db * wb
        f2 = max(eps * f2_org, f2)
        dtm = -f1 / f2
    else:
        if nbreak and not np.any(d != 0.0):   # all breakpoints passed and nothing left to move
            dtm = 0.0
    dtm = max(dtm, 0.0)
    tsum += dtm
    xcp += tsum * d
    if k:
        c += dtm * p
    return xcp, c, free


def _lb_subspace(x, g, xcp, c, free, lo, hi, W, M, K, theta):
    """Direct primal subspace minimization (BLNZ 1995 section 5.1) over the free variables F at xcp, then
    Morales & Nocedal's (2011) projection or backtrack. The reduced gradient r = Z'(g + theta(xcp - x) - W M c)
    and the Newton step du = -B_F^-1 r by Sherman-Morrison-Woodbury with B_F = theta I - W_F M W_F':
        du = -(r/theta + W_F u/theta^2),   (K - W_F'W_F/theta) u = W_F' r   (K = M^-1).
    xhat = xcp + Z du is projected onto the box; if that point z has (z - x)'g > 0 the step is instead cut
    at the first bound along du: z = xcp + alpha du, alpha = max{a <= 1 : xcp + a du feasible}.
    Returns z, or None when the small system is singular."""
    F = np.flatnonzero(free)
    WF = W[F]
    r = g[F] + theta * (xcp[F] - x[F]) - WF @ (M @ c)
    u = _lb_solve(K - (WF.T @ WF) / theta, WF.T @ r)
    if u is None:
        return None
    du = -(r / theta + (WF @ u) / (theta * theta))
    z = xcp.copy()
    zF = np.minimum(np.maximum(xcp[F] + du, lo[F]), hi[F])
    z[F] = xcp[F] + du
    hit = np.any((zF == lo[F]) | (zF == hi[F]))
    z[F] = zF
    if not hit or float((z - x) @ g) <= 0.0:
        return z
    alpha, ibd = 1.0, -1
    for j, i in enumerate(F):
        dk = du[j]
        t1 = alpha
        if dk < 0.0 and np.isfinite(lo[i]):
            t2 = lo[i] - xcp[i]
            t1 = 0.0 if t2 >= 0.0 else (t2 / dk if dk * alpha < t2 else t1)
        elif dk > 0.0 and np.isfinite(hi[i]):
            t2 = hi[i] - xcp[i]
            t1 = 0.0 if t2 <= 0.0 else (t2 / dk if dk * alpha > t2 else t1)
        if t1 < alpha:
            alpha, ibd = t1, j
    z = xcp.copy()
    if alpha < 1.0:
        i = F[ibd]
        z[i] = hi[i] if du[ibd] > 0 else lo[i]
        du[ibd] = 0.0
    z[F] += alpha * du   # the bound-hitting component moves by 0
    return z


def _lb_gamma(theta, da, db, *, negate, floor0=False):
    """gamma of dcstep's cubic step: s sqrt((theta/s)^2 - (da/s)(db/s)), s = max(|theta|, |da|, |db|) (the
    scaling keeps the square from overflowing; the radicand floored at 0 with floor0), negated if negate."""
    s = max(abs(theta), abs(da), abs(db))
    rad = (theta / s) ** 2 - (da / s) * (db / s)
    gamma = s * math.sqrt(max(0.0, rad) if floor0 else rad)
    return -gamma if negate else gamma


# The same dcstep as linesearch._mt_step, kept apart as the C keeps lb_dcstep apart from linesearch.c's mt_step:
# each twin follows its own kernel (sign(dx) by copysign here, dx/|dx| there, so dx = 0 differs; Python floats
# here, NumPy float64 with IEEE NaN there). Merge them when the C kernels share one dcstep.
def _lb_dcstep(st, stp, fp, dp, stpmin, stpmax):
    """MINPACK-2 dcstep (More & Thuente 1994): the safeguarded cubic/quadratic trial step; updates the
    interval ends (stx, fx, dx), (sty, fy, dy) and brackt in the dict st; returns the new step."""
    stx, fx, dx, sty, fy, dy, brackt = st["stx"], st["fx"], st["dx"], st["sty"], st["fy"], st["dy"], st["brackt"]
    sgnd = dp * math.copysign(1.0, dx)
    if fp > fx:
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _lb_gamma(theta, dx, dp, negate=stp < stx)
        p = (gamma - dx) + theta
        q = ((gamma - dx) + gamma) + dp
        stpc = stx + (p / q) * (stp - stx)
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
        stpf = stpc if abs(stpc - stx) < abs(stpq - stx) else stpc + (stpq - stpc) / 2.0
        brackt = True
    elif sgnd < 0.0:
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _lb_gamma(theta, dx, dp, negate=stp > stx)
        p = (gamma - dp) + theta
        q = ((gamma - dp) + gamma) + dx
        stpc = stp + (p / q) * (stx - stp)
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        brackt = True
    elif abs(dp) < abs(dx):
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _lb_gamma(theta, dx, dp, negate=stp > stx, floor0=True)
        p = (gamma - dp) + theta
        q = (gamma + (dx - dp)) + gamma
        r = p / q
        if r < 0.0 and gamma != 0.0:
            stpc = stp + r * (stx - stp)
        elif stp > stx:
            stpc = stpmax
        else:
            stpc = stpmin
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        if brackt:
            stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            if stp > stx:
                stpf = min(stp + 0.66 * (sty - stp), stpf)
            else:
                stpf = max(stp + 0.66 * (sty - stp), stpf)
        else:
            stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
            stpf = max(stpmin, min(stpmax, stpf))
    else:
        if brackt:
            theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp
            gamma = _lb_gamma(theta, dy, dp, negate=stp > sty)
            p = (gamma - dp) + theta
            q = ((gamma - dp) + gamma) + dy
            stpf = stp + (p / q) * (sty - stp)
        elif stp > stx:
            stpf = stpmax
        else:
            stpf = stpmin
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sgnd < 0.0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    st.update(stx=stx, fx=fx, dx=dx, sty=sty, fy=fy, dy=dy, brackt=brackt)
    return stpf


def _lb_dcsrch_start(f, g, stp, stpmax, ftol, gtol, xtol):
    """dcsrch's START: the state of a More-Thuente search from (f, g'd) at step 0 (stpmin = 0)."""
    return dict(brackt=False, stage=1, finit=f, ginit=g, gtest=ftol * g, width=stpmax, width1=2.0 * stpmax,
                stx=0.0, fx=f, dx=g, sty=0.0, fy=f, dy=g, stmin=0.0, stmax=stp + 4.0 * stp,
                ftol=ftol, gtol=gtol, xtol=xtol, stpmax=stpmax)


def _lb_dcsrch(st, f, g, stp):
    """One dcsrch call after evaluating (f, g'd) at stp: (new stp, 0 = evaluate there, 1 = converged,
    2 = a warning stop: rounding, xtol, stp = stpmax or stpmin)."""
    ftest = st["finit"] + stp * st["gtest"]
    if st["stage"] == 1 and f <= ftest and g >= 0.0:
        st["stage"] = 2
    task = 0
    if st["brackt"] and (stp <= st["stmin"] or stp >= st["stmax"]):
        task = 2
    if st["brackt"] and st["stmax"] - st["stmin"] <= st["xtol"] * st["stmax"]:
        task = 2
    if stp == st["stpmax"] and f <= ftest and g <= st["gtest"]:
        task = 2
    if stp == 0.0 and (f > ftest or g >= st["gtest"]):
        task = 2
    if f <= ftest and abs(g) <= st["gtol"] * (-st["ginit"]):
        task = 1
    if task:
        return stp, task
    gtest = st["gtest"]
    if st["stage"] == 1 and f <= st["fx"] and f > ftest:
        # the modified function psi(t) = f(t) - f(0) - ftol t f'(0) while in stage 1
        for a, b in (("fx", "stx"), ("fy", "sty")):
            st[a] -= st[b] * gtest
        st["dx"] -= gtest
        st["dy"] -= gtest
        stp = _lb_dcstep(st, stp, f - stp * gtest, g - gtest, st["stmin"], st["stmax"])
        for a, b in (("fx", "stx"), ("fy", "sty")):
            st[a] += st[b] * gtest
        st["dx"] += gtest
        st["dy"] += gtest
    else:
        stp = _lb_dcstep(st, stp, f, g, st["stmin"], st["stmax"])
    if st["brackt"]:
        if abs(st["sty"] - st["stx"]) >= 0.66 * st["width1"]:
            stp = st["stx"] + 0.5 * (st["sty"] - st["stx"])
        st["width1"] = st["width"]
        st["width"] = abs(st["sty"] - st["stx"])
        st["stmin"], st["stmax"] = min(st["stx"], st["sty"]), max(st["stx"], st["sty"])
    else:
        st["stmin"] = stp + 1.1 * (stp - st["stx"])
        st["stmax"] = stp + 4.0 * (stp - st["stx"])
    stp = min(max(stp, 0.0), st["stpmax"])
    if (st["brackt"] and (stp <= st["stmin"] or stp >= st["stmax"])) or \
            (st["brackt"] and st["stmax"] - st["stmin"] <= st["xtol"] * st["stmax"]):
        stp = st["stx"]
    return stp, 0


def _lb_check_args(x0, lo, hi, path, m, pgtol, ftol, maxiter, maxfun, maxls, state_out):
    """The C binding's checks of _lbfgsb's arguments (bind_lbfgsb.h); returns x0, lo, hi as arrays."""
    x0 = np.asarray(x0)
    if not isinstance(x0, np.ndarray) or x0.dtype != np.float64 or x0.ndim != 1:
        raise ValueError("_lbfgsb(): x0 must be a 1-D float64 array")
    n = x0.size
    lo, hi = np.asarray(lo), np.asarray(hi)
    for name, a in (("lo", lo), ("hi", hi)):
        if a.dtype != np.float64 or a.shape != (n,):
            raise ValueError(f"_lbfgsb(): {name} must be a float64 array of shape ({n},)")
    if np.any(np.isnan(lo)) or np.any(np.isnan(hi)) or np.any(lo > hi):
        raise ValueError("_lbfgsb(): invalid bounds: NaN, or lo > hi")
    if n == 0 or m < 1 or maxls < 1 or maxfun < 1 or maxiter < 0 or not pgtol >= 0 or not ftol >= 0:
        raise ValueError("minimize(): an argument is outside its valid range")
    if state_out is not None and (not isinstance(state_out, np.ndarray) or state_out.dtype != np.float64 or
                                  state_out.shape != (2 * m, n) or not state_out.flags.writeable):
        raise ValueError(f"_lbfgsb(): state_out must be a writable float64 array of shape ({2 * m}, {n})")
    if path is not None and not isinstance(path, list):
        raise TypeError("_lbfgsb(): path must be a list or None")
    return x0, lo, hi


def _lb_evaluator(fun, n):
    """x -> (f, g) from the user's fun(x) -> (f, g), checked as the C bridge checks it (a real f, g of shape (n,))."""
    def evaluate(xx):
        r = fun(xx.copy())
        if not isinstance(r, (tuple, list)) or len(r) != 2:
            raise TypeError("minimize(): with jac=True, fun must return (value, gradient)")
        try:
            fv = float(r[0])
        except (TypeError, ValueError):
            raise TypeError(f"minimize(): fun must return a real number as the value, got {type(r[0]).__name__}") \
                from None
        return fv, copy_out(r[1], n, False, "the gradient of fun")
    return evaluate


def _lb_first_step(x, d, lo, hi, nit, cnstnd, boxed):
    """The search's bound stpmax and first trial stp: stpmax 1 on the first iteration of a constrained problem,
    else the largest t <= 1e10 with x + t d in the box; stp 1/|d|_2 on the first iteration of a problem not
    boxed on every side, else 1; both capped at stpmax."""
    stpmax = 1e10
    if cnstnd and nit == 0:
        stpmax = 1.0
    elif cnstnd:   # the largest t <= 1e10 with x + t d in the box
        down, up = (d < 0) & np.isfinite(lo), (d > 0) & np.isfinite(hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            ts = np.maximum(np.concatenate([(lo - x)[down] / d[down], (hi - x)[up] / d[up]]), 0.0)
        if ts.size:
            stpmax = min(stpmax, float(ts.min()))
    dnorm = math.sqrt(float(d @ d))
    stp = min(1.0 / dnorm, stpmax) if (nit == 0 and not boxed) else 1.0
    return stpmax, min(stp, stpmax)


def _lb_line_search(evaluate, z, xold, d, f, gd, stp, stpmax, maxls):
    """The projected line search: More-Thuente (dcsrch) on phi(t) = f(xold + t d), 0 < t <= stpmax, at most
    maxls evaluations. Returns (ok, stp, x, f, g, nls) with (x, f, g) the last accepted trial (the starting
    point if none); f = -inf ends the search at once (the caller stops, reason 8)."""
    x, g = xold, None
    st = _lb_dcsrch_start(f, gd, stp, stpmax, 1e-3, 0.9, 0.1)
    nls = 0
    while True:
        if nls >= maxls:
            return False, stp, x, f, g, nls
        xt = z.copy() if stp == 1.0 else stp * d + xold
        ft, gt = evaluate(xt)
        nls += 1
        if ft == -math.inf:
            return True, stp, xt, ft, gt, nls
        gdt = float(gt @ d)
        if not (math.isfinite(ft) and math.isfinite(gdt)):
            # a step too long: halve toward the best point so far, never accept it
            st["brackt"] = True
            st["sty"], st["fy"], st["dy"] = stp, math.inf, math.inf
            st["stmax"] = stp
            stp = st["stx"] + 0.5 * (stp - st["stx"])
            continue
        x, f, g = xt, ft, gt
        stp, task = _lb_dcsrch(st, ft, gdt, stp)
        if task:
            return True, stp, x, f, g, nls


def _lb_remember(S, Y, SY, SS, col, s, y, dr):
    """Append the pair (s, y) to the memory, oldest first, dropping the oldest when all m rows are used; keep
    SY = S'Y and SS = S'S up to date (dr = s'y). Returns the new count col."""
    m = S.shape[0]
    if col == m:
        S[:-1], Y[:-1] = S[1:].copy(), Y[1:].copy()
        SY[:-1, :-1], SS[:-1, :-1] = SY[1:, 1:].copy(), SS[1:, 1:].copy()
        col -= 1
    S[col], Y[col] = s, y
    SY[col, :col] = Y[:col] @ s   # s_new' y_j (row: the newest s)
    SY[:col, col] = S[:col] @ y   # s_i' y_new
    SS[col, :col] = SS[:col, col] = S[:col] @ s
    SS[col, col] = float(s @ s)
    SY[col, col] = dr
    return col + 1


# About 80 lines of loop: po_lbfgsb's iteration in its order (Cauchy point, subspace step, line search,
# stopping tests, memory), each step a helper above; split further, the order would no longer read at a glance.
def _lbfgsb(fun, x0, lo, hi, *, callback=None, path=None, m=10, pgtol=1e-05, ftol=2.220446049250313e-09,
            maxiter=15000, maxfun=15000, maxls=20, state_out=None):
    """Twin of the C L-BFGS-B loop (csrc/lbfgsb.c po_lbfgsb): minimize fun over the box lo <= x <= hi.

    ``fun(x) -> (f, g)``; ``lo``/``hi`` float64 (n,) with -inf/+inf for no bound; x0 is projected onto
    the box first. ``callback(x, f)`` after each iteration (StopIteration stops: reason 6); ``path`` a list
    that receives every iterate. Stops (reason, csrc/so.h PO_STOP_*): 0 max_i |P(x - g)_i - x_i| <= pgtol,
    7 (f_prev - f) <= ftol max(|f_prev|, |f|, 1), 1 maxiter iterations, 2 more than maxfun evaluations
    (both checked after an iteration, as SciPy), 3 the line search failed with an empty memory, 4 f or g
    non-finite at x0, 8 f = -inf. ``state_out`` (2m, n): s rows 0..nmem-1, y rows m..m+nmem-1, oldest first.
    Returns (x, f, g, nit, nfev, reason, nmem)."""
    x0, lo, hi = _lb_check_args(x0, lo, hi, path, m, pgtol, ftol, maxiter, maxfun, maxls, state_out)
    n = x0.size
    eps = np.finfo(np.float64).eps
    evaluate = _lb_evaluator(fun, n)
    fixed = np.isfinite(lo) & np.isfinite(hi) & (hi - lo <= 0.0)
    boxed = bool(np.all(np.isfinite(lo) & np.isfinite(hi)))
    cnstnd = bool(np.any(np.isfinite(lo) | np.isfinite(hi)))
    x = np.minimum(np.maximum(x0, lo), hi)
    S, Y = np.zeros((m, n)), np.zeros((m, n))   # oldest pair first
    SY, SS = np.zeros((m, m)), np.zeros((m, m))
    col, theta = 0, 1.0
    M = K = None
    nit = 0
    f, g = evaluate(x)
    nfev = 1

    def finish(reason):
        if state_out is not None:
            state_out[:col], state_out[m:m + col] = S[:col], Y[:col]
        return x, f, g, nit, nfev, reason, col if state_out is not None else 0

    if not (math.isfinite(f) and np.all(np.isfinite(g))):
        return finish(4)
    if _lb_projgr(x, g, lo, hi) <= pgtol:
        return finish(0)

    def W_of():
        return np.hstack([Y[:col].T, theta * S[:col].T]) if col else np.zeros((n, 0))

    while True:
        W = W_of()
        Mm = M if col else np.zeros((0, 0))
        z, c, free = _lb_cauchy(x, g, lo, hi, fixed, W, Mm, theta)
        if col and np.any(free):
            zs = _lb_subspace(x, g, z, c, free, lo, hi, W, Mm, K, theta)
            if zs is None:   # singular: forget the memory and start again from this x
                col, theta = 0, 1.0
                continue
            z = zs
        d = z - x
        # ---- the projected line search: More-Thuente on phi(t) = f(x + t d), 0 < t <= stpmax ----
        gd = float(g @ d)
        ok = gd < 0.0
        fold, xold, gold = f, x, g
        if ok:
            stpmax, stp = _lb_first_step(x, d, lo, hi, nit, cnstnd, boxed)
            ok = stp > 0.0
        if ok:
            ok, stp, x, f, g, nls = _lb_line_search(evaluate, z, xold, d, f, gd, stp, stpmax, maxls)
            nfev += nls
            if f == -math.inf:
                nit += 1
                return finish(8)
        if not ok:
            x, f, g = xold, fold, gold
            if col == 0:
                return finish(3)
            col, theta = 0, 1.0   # refresh the memory and restart from steepest descent at x
            continue
        nit += 1
        if report(path, callback, x, f):
            return finish(6)
        if nit >= maxiter:
            return finish(1)
        if nfev > maxfun:
            return finish(2)
        if _lb_projgr(x, g, lo, hi) <= pgtol:
            return finish(0)
        if (fold - f) <= ftol * max(abs(fold), abs(f), 1.0):
            return finish(7)
        # ---- the memory: s = x - x_prev = stp d, y = g - g_prev; skip when s'y <= eps (-g_prev's) ----
        s, y = x - xold, g - gold
        dr = float((g @ d - gd) * stp)
        if not dr > eps * (-gd * stp):
            continue
        col = _lb_remember(S, Y, SY, SS, col, s, y, dr)
        theta = float(y @ y) / dr
        K = _lb_middle(SY, SS, col, theta)
        M = _lb_inverse(K)
        if M is None:
            col, theta = 0, 1.0
