"""Twins of the line searches (csrc/linesearch.c; book 8.6): cubic interpolation, More-Thuente,
strong Wolfe (torch's), backtracking."""
import math

import numpy as np

__all__ = ["_so_cubic", "_mt_cubic", "_mt_step", "_mt_step_cases", "_more_thuente", "line_search"]


def _so_cubic(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clipped (torch's _cubic_interpolate)."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    with np.errstate(all="ignore"):
        d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
        d2sq = d1 * d1 - g1 * g2
        if d2sq >= 0 and np.isfinite(d2sq):
            d2 = np.sqrt(d2sq)
            if x1 <= x2:
                mp = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
            else:
                mp = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
            if np.isfinite(mp):
                return float(min(max(mp, lo), hi))
    return 0.5 * (lo + hi)


def _mt_cubic(a, fa, da, b, fb, db, clamp0=False):
    """theta and gamma of the cubic through (a, fa, da), (b, fb, db), scaled as in the paper."""
    theta = 3.0 * (fa - fb) / (b - a) + da + db
    sc = max(abs(theta), abs(da), abs(db))
    disc = (theta / sc) ** 2 - (da / sc) * (db / sc)
    gamma = sc * np.sqrt(max(disc, 0.0) if clamp0 else disc)
    return theta, (-gamma if b < a else gamma)


# lbfgsb._lb_dcstep is the same dcstep for csrc/lbfgsb.c; kept apart while the C keeps two (see there).
def _mt_step(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax):
    """Moré & Thuente's safeguarded step (MINPACK-2 dcstep): the new trial and the updated interval.
    In float64 with IEEE semantics (0/0 and sqrt(-1) are NaN, as in the C kernel)."""
    stx, fx, dx, sty, fy, dy, stp, fp, dp = map(np.float64, (stx, fx, dx, sty, fy, dy, stp, fp, dp))
    with np.errstate(all="ignore"):
        return _mt_step_cases(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax)


def _mt_step_cases(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax):
    cubic = _mt_cubic
    sgnd = dp * (dx / abs(dx))
    if fp > fx:                                    # case 1: a higher value, the minimum is bracketed
        theta, gamma = cubic(stx, fx, dx, stp, fp, dp)
        stpc = stx + ((gamma - dx) + theta) / (((gamma - dx) + gamma) + dp) * (stp - stx)
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
        stpf = stpc if abs(stpc - stx) < abs(stpq - stx) else stpc + (stpq - stpc) / 2.0
        brackt = True
    elif sgnd < 0.0:                               # case 2: the derivatives change sign
        theta, gamma = cubic(stp, fp, dp, stx, fx, dx)
        stpc = stp + ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dx) * (stx - stp)
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        brackt = True
    elif abs(dp) < abs(dx):                        # case 3: the derivative shrinks in magnitude
        theta, gamma = cubic(stp, fp, dp, stx, fx, dx, clamp0=True)
        r = ((gamma - dp) + theta) / ((gamma + (dx - dp)) + gamma)
        if r < 0.0 and gamma != 0.0:
            stpc = stp + r * (stx - stp)
        else:
            stpc = stpmax if stp > stx else stpmin
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        if brackt:
            stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            stpf = min(stp + 0.66 * (sty - stp), stpf) if stp > stx else max(stp + 0.66 * (sty - stp), stpf)
        else:
            stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
            stpf = max(stpmin, min(stpmax, stpf))
    elif brackt:                                   # case 4: cubic through stp and sty
        theta, gamma = cubic(stp, fp, dp, sty, fy, dy)
        stpf = stp + ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dy) * (sty - stp)
    else:
        stpf = stpmax if stp > stx else stpmin
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sgnd < 0.0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stpf, stx, fx, dx, sty, fy, dy, brackt


def _more_thuente(ev, f, g, gtd, t, c1, c2, xtol, max_ls):
    """Moré & Thuente (1994) / MINPACK-2 dcsrch; returns (t, f, g, nfev, outcome)."""
    xtrapl, xtrapu, stpmin, stpmax = 1.1, 4.0, 0.0, 1e100
    gtest = c1 * gtd
    bt, bf, bg = 0.0, f, g
    stp = min(t, stpmax)
    width, width1, stmin, stmax = stpmax - stpmin, 2.0 * (stpmax - stpmin), 0.0, stp + xtrapu * stp
    stbad = math.inf
    stx, fx, dx, sty, fy, dy, brackt = 0.0, f, gtd, 0.0, f, gtd, False
    stage, done, nfev = 1, False, 0
    while nfev < max_ls + 1:
        fn, gn, gtdn = ev(stp)
        nfev += 1
        if not np.isfinite(fn):                    # too long a step: stay below it, step back halfway
            stbad = min(stbad, stp)
            stp = stx + 0.5 * (stbad - stx)
            if not stp - stx > xtol * stp:
                break
            continue
        if fn < bf:
            bt, bf, bg = stp, fn, gn
        ftest = f + stp * gtest
        if stage == 1 and fn <= ftest and gtdn >= 0.0:
            stage = 2
        if fn <= ftest and abs(gtdn) <= c2 * -gtd:
            bt, bf, bg, done = stp, fn, gn, True
            break
        if brackt and (stp <= stmin or stp >= stmax or stmax - stmin <= xtol * stmax):
            break
        if stp == stpmax and fn <= ftest and gtdn <= gtest:
            break
        if stage == 1 and fn <= fx and fn > ftest:   # step on psi(t) = f(t) - t c1 f'(0)
            stp, stx, fx, dx, sty, fy, dy, brackt = _mt_step(
                stx, fx - stx * gtest, dx - gtest, sty, fy - sty * gtest, dy - gtest,
                stp, fn - stp * gtest, gtdn - gtest, brackt, stmin, stmax)
            fx, dx, fy, dy = fx + stx * gtest, dx + gtest, fy + sty * gtest, dy + gtest
        else:
            stp, stx, fx, dx, sty, fy, dy, brackt = _mt_step(stx, fx, dx, sty, fy, dy, stp, fn, gtdn,
                                                             brackt, stmin, stmax)
        if brackt:
            if abs(sty - stx) >= 0.66 * width1:
                stp = stx + 0.5 * (sty - stx)
            width1, width = width, abs(sty - stx)
            stmin, stmax = min(stx, sty), max(stx, sty)
        else:
            stmin, stmax = stp + xtrapl * (stp - stx), stp + xtrapu * (stp - stx)
        if not math.isfinite(stp):
            break
        stp = min(max(stp, stpmin), stpmax)
        if stp >= stbad:
            stp = stx + 0.5 * (stbad - stx)
        if brackt and (stp <= stmin or stp >= stmax or stmax - stmin <= xtol * stmax):
            break
    return bt, bf, bg, nfev, 0 if done else (1 if bf < f else 2)


def line_search(fun, x, d, f, g, *, t=1.0, kind="strong-wolfe", c1=1e-4, c2=0.9, tolerance_change=1e-9,
                max_ls=25, xtol=1e-14):
    """Twin of :func:`pyoptim.kernels.line_search` (torch.optim.LBFGS's _strong_wolfe + NaN handling;
    Moré-Thuente as MINPACK-2's dcsrch)."""
    gtd = float(g @ d)
    if not gtd < 0:
        raise ValueError("line_search(): d is not a descent direction")

    ev = _ls_evaluator(fun, x, d)
    if kind == "more-thuente":
        tb, fb, gb, nfev, outcome = _more_thuente(ev, float(f), g, gtd, t, c1, c2, xtol, max_ls)
        return tb, fb, x + tb * d, np.array(gb, dtype=np.float64), nfev, outcome
    if kind == "backtracking":
        return _backtracking(ev, x, d, f, g, gtd, t, c1, tolerance_change, max_ls)
    return _strong_wolfe(ev, x, d, f, g, gtd, t, c1, c2, tolerance_change, max_ls)


def _ls_evaluator(fun, x, d):
    """t -> (f, g, g'd) at x + t d; a non-finite f or slope reads as f = inf, slope NaN (a step too long)."""
    def ev(t):
        xt = x + t * d
        ft, gt = fun(xt)
        ft = float(ft)
        gt = np.asarray(gt, dtype=np.float64)
        with np.errstate(all="ignore"):
            s = float(gt @ d)
        if not (np.isfinite(ft) and np.isfinite(s)):
            ft, s = np.inf, np.nan
        return ft, gt, s
    return ev


def _backtracking(ev, x, d, f, g, gtd, t, c1, tolerance_change, max_ls):
    """Armijo backtracking: t <- the minimizer of the quadratic through f, f'(0), f(t), kept in
    [0.1 t, 0.5 t], until f(x + t d) <= f + c1 t g'd."""
    dnorm = float(np.abs(d).max())
    nfev = 0
    while True:
        fn, gn, _ = ev(t)
        nfev += 1
        if fn <= f + c1 * t * gtd:
            return t, fn, x + t * d, gn, nfev, 0
        if nfev > max_ls or t * dnorm < tolerance_change:
            return 0.0, f, x.copy(), g.copy(), nfev, 2
        with np.errstate(all="ignore"):
            tq = -gtd * t * t / (2.0 * (fn - f - gtd * t)) if np.isfinite(fn) else 0.5 * t
        if not np.isfinite(tq):
            tq = 0.5 * t
        t = min(max(tq, 0.1 * t), 0.5 * t)


def _strong_wolfe(ev, x, d, f, g, gtd, t, c1, c2, tolerance_change, max_ls):
    """torch.optim.LBFGS's _strong_wolfe: bracket a step meeting the strong Wolfe conditions, then zoom in
    by safeguarded cubic interpolation."""
    dnorm = float(np.abs(d).max())
    fn, gn, gtdn = ev(t)
    nfev = 1
    tp, fp, gp, gtdp = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    b, bf, bg, bgtd = [0.0, t], [f, fn], [g, gn], [gtd, gtdn]
    while ls_iter < max_ls:
        if fn > f + c1 * t * gtd or (ls_iter > 1 and fn >= fp):
            b, bf, bg, bgtd = [tp, t], [fp, fn], [gp, gn], [gtdp, gtdn]
            break
        if abs(gtdn) <= -c2 * gtd:
            b, bf, bg = [t], [fn], [gn]
            done = True
            break
        if gtdn >= 0:
            b, bf, bg, bgtd = [tp, t], [fp, fn], [gp, gn], [gtdp, gtdn]
            break
        lo, hi, tmp = t + 0.01 * (t - tp), t * 10.0, t
        t = _so_cubic(tp, fp, gtdp, t, fn, gtdn, bounds=(lo, hi))
        tp, fp, gp, gtdp = tmp, fn, gn, gtdn
        fn, gn, gtdn = ev(t)
        nfev += 1
        ls_iter += 1
    if ls_iter == max_ls:
        b, bf, bg = [0.0, t], [f, fn], [g, gn]
    # zoom (N&W Alg. 3.6; in C its own function, linesearch.c po_ls_zoom)
    insuf = False
    low, high = (0, 1) if len(bf) == 1 or bf[0] <= bf[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(b[1] - b[0]) * dnorm < tolerance_change:
            break
        t = _so_cubic(b[0], bf[0], bgtd[0], b[1], bf[1], bgtd[1])
        bmax, bmin = max(b), min(b)
        eps = 0.1 * (bmax - bmin)
        if min(bmax - t, t - bmin) < eps:
            if insuf or t >= bmax or t <= bmin:
                t = bmax - eps if abs(t - bmax) < abs(t - bmin) else bmin + eps
                insuf = False
            else:
                insuf = True
        else:
            insuf = False
        fn, gn, gtdn = ev(t)
        nfev += 1
        ls_iter += 1
        if fn > f + c1 * t * gtd or fn >= bf[low]:
            b[high], bf[high], bg[high], bgtd[high] = t, fn, gn, gtdn
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtdn) <= -c2 * gtd:
                done = True
            elif gtdn * (b[high] - b[low]) >= 0:
                b[high], bf[high], bg[high], bgtd[high] = b[low], bf[low], bg[low], bgtd[low]
            b[low], bf[low], bg[low], bgtd[low] = t, fn, gn, gtdn
    t = b[low]
    outcome = 0 if done else (1 if bf[low] < f else 2)
    return t, bf[low], x + t * d, np.array(bg[low], dtype=np.float64), nfev, outcome
