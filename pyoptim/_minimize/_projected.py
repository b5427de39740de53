"""Projected gradient descent on a box (book 7.2, explicit constraints; minimize(method="gd", bounds=...)).

    x ← P(x − t g),   P(z) = min(max(z, lo), hi)   (kernels.project_box)

with t from an Armijo search along the projection arc (Bertsekas 1976): halve t until
f(P(x − t g)) ≤ f(x) + c1 gᵀ(P(x − t g) − x). The first trial moves no coordinate by more than 1
(t = 1/max|g|); each later search starts from the Barzilai–Borwein step t = sᵀs / sᵀy of the last
step (s = Δx, y = Δg; Birgin, Martínez & Raydan 2000's spectral projected gradient, with a monotone
search), or 2t when sᵀy ≤ 0. Both are invariant to scaling f. It stops when
the projected gradient P(x − g) − x (zero exactly at a KKT point of the box problem) has
norm ≤ gtol, and returns the C loop's tuple (x, f, g, nit, nfev, njev, nhev, reason, nmem).
"""
from __future__ import annotations

import math

import numpy as np

from .. import kernels


def _norm(v, order):
    return float(np.abs(v).max()) if order == math.inf else float(np.linalg.norm(v, order))


def projected_gd(vg, x0, lo, hi, o, cb, path):
    """The loop; ``cb(x, f)`` raises StopIteration to stop (reason 6), as the C loop's callback."""
    x = np.array(x0, dtype=np.float64)
    kernels.project_box(x, lo, hi)
    f, g = vg(x.copy())
    g = np.asarray(g, dtype=np.float64)
    nfev, nit, reason, t = 1, 0, None, None
    if path is not None:
        path[0] = x.copy()
    if not (math.isfinite(f) and np.all(np.isfinite(g))):
        reason = 4
    while reason is None:
        pg = x - g
        kernels.project_box(pg, lo, hi)
        pg -= x
        if _norm(pg, o["norm"]) <= o["gtol"]:
            reason = 0
            break
        if nit >= o["maxiter"]:
            reason = 1
            break
        if nfev >= o["maxfev"]:
            reason = 2
            break
        if t is None:
            t = 1.0 / float(np.abs(g).max())
        for _ in range(min(o["max_ls"], o["maxfev"] - nfev)):
            xt = x - t * g
            kernels.project_box(xt, lo, hi)
            ft, gt = vg(xt.copy())
            nfev += 1
            if ft == -math.inf:
                x, f, g, reason = xt, ft, np.asarray(gt, dtype=np.float64), 8
                nit += 1
                break
            if (math.isfinite(ft) and np.all(np.isfinite(gt)) and ft <= f + o["c1"] * float(g @ (xt - x))
                    and not np.array_equal(xt, x)):
                break
            t *= 0.5
        else:
            reason = 2 if nfev >= o["maxfev"] else 3
            break
        if reason is not None:
            break
        gt = np.asarray(gt, dtype=np.float64)
        sk, yk = xt - x, gt - g
        sy = float(sk @ yk)
        t = float(sk @ sk) / sy if sy > 0 else 2.0 * t   # Barzilai-Borwein step s's/s'y for the next search
        f_prev, x, f, g = f, xt, ft, gt
        nit += 1
        if path is not None:
            path.append(x.copy())
        if cb is not None:
            try:
                cb(x.copy(), f)
            except StopIteration:
                reason = 6
                break
        if o["ftol"] > 0 and f_prev - f <= o["ftol"] * max(abs(f_prev), abs(f), 1.0):
            reason = 7
    return x, float(f), g, nit, nfev, nfev, 0, reason, 0
