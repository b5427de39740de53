"""Dispatch for :func:`pyoptim.minimize`: the objective, the per-iteration monitor and the C loop."""
from __future__ import annotations

import inspect
import warnings

import numpy as np

from .. import kernels
from . import _problem
from ._options import c_settings


def check_bounds(bounds, n, method):
    """SciPy's rule: BFGS/CG/Newton-CG ignore bounds with a RuntimeWarning; infinite bounds are no bounds."""
    if bounds is None:
        return None
    msg = "The number of bounds is not compatible with the length of `x0`."
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        try:
            lo, hi = (np.broadcast_to(np.asarray(bounds.lb, float), (n,)),
                      np.broadcast_to(np.asarray(bounds.ub, float), (n,)))
        except ValueError:
            raise ValueError(msg) from None
    else:
        pairs = list(bounds)
        if len(pairs) == 1 and n > 1:   # SciPy broadcasts one (lo, hi) pair to every variable
            pairs = pairs * n
        if len(pairs) != n:
            raise ValueError(f"{msg} Invalid bounds: {len(pairs)} (lo, hi) pairs (expected {n})")
        lo = np.array([-np.inf if p[0] is None else p[0] for p in pairs], dtype=float)
        hi = np.array([np.inf if p[1] is None else p[1] for p in pairs], dtype=float)
    if np.any(np.isnan(lo)) or np.any(np.isnan(hi)):
        raise ValueError("Invalid bounds: NaN (expected numbers, or None / -inf / inf for no bound)")
    if np.any(lo > hi):
        raise ValueError("An upper bound is less than the corresponding lower bound. "
                         "Invalid bounds: a lower bound is greater than an upper bound")
    if method in ("bfgs", "cg", "newton-cg", "newton"):
        warnings.warn(f"Method {method} cannot handle bounds.", RuntimeWarning, stacklevel=4)
        return None
    if np.all(np.isinf(lo)) and np.all(np.isinf(hi)):
        return None
    if method in ("gd", "lbfgs"):   # projected gradient descent; L-BFGS-B
        return np.ascontiguousarray(lo), np.ascontiguousarray(hi)
    raise NotImplementedError(f"minimize(): finite bounds are not supported by method {method!r}; "
                              "method='lbfgs' runs L-BFGS-B, method='gd' projected gradient descent")


def callback_style(callback):
    """SciPy's rule: ``callback(intermediate_result=...)`` when that is its only parameter, else ``callback(xk)``."""
    try:
        return set(inspect.signature(callback).parameters) == {"intermediate_result"}
    except (TypeError, ValueError):
        return False


def _monitor(callback, x0, xtol, flags):
    """callback(xk, fk) for the C loop: the user's callback, and Newton-CG's step test sum|Δx| <= n·xtol."""
    if callback is None and xtol is None:
        return None
    import sys

    from ._api import OptimizeResult
    # SciPy's OptimizeResult when SciPy is loaded (SciPy's callers test isinstance), else pyoptim's
    OptimizeResult = getattr(sys.modules.get("scipy.optimize"), "OptimizeResult", OptimizeResult)  # noqa: N806
    new_style = callback is not None and callback_style(callback)
    prev = [np.array(x0, copy=True)]

    def cb(xk, fk):
        if callback is not None:
            try:
                if new_style:
                    callback(intermediate_result=OptimizeResult(x=np.array(xk, copy=True), fun=fk))
                else:
                    callback(np.array(xk, copy=True))
            except StopIteration:
                flags["stopped"] = True
                raise
        if xtol is not None:
            if np.abs(xk - prev[0]).sum() <= xk.size * xtol:
                flags["xtol"] = True
                raise StopIteration
            prev[0] = np.array(xk, copy=True)
    return cb


def run(fun, x, args, method, jac, hess, hessp, callback, o, box=None):
    """Run the C loop (or, with a box, projected gradient descent); returns (C outputs, Problem or None,
    flags, path list or None, state array)."""
    from .. import functions
    obj = None   # a pyoptim objective: the C loop evaluates it itself (C-backed ones without the GIL)
    if not args:
        if isinstance(fun, functions.Objective) and jac is None:
            obj = fun
        elif getattr(fun, "__func__", None) is functions.Objective.value_and_grad and jac in (None, True) and \
                isinstance(getattr(fun, "__self__", None), functions.Objective):
            obj = fun.__self__
    n = x.size
    pb, model = None, None
    if obj is not None:
        if obj.n != n:
            raise ValueError(f"Invalid x0: size {n} (expected {obj.n}, the dimension of {obj!r})")
        vg, model = obj.value_and_grad, obj._c_objective
        hessp_c = hessp or (obj.hessp if hess is None else None)
        hess = hess if hess is not None else obj.hess
        if method == "newton-cg" and hessp_c is None:
            hessp_c = lambda xx, p: np.asarray(hess(xx)) @ p  # noqa: E731
        hess_c = hess
    else:
        pb = _problem.Problem(fun, args, jac, n, eps=o["eps"], rel_step=o["finite_diff_rel_step"],
                              workers=o["workers"])
        vg = pb.vg
        hessp_c = _problem.hessp_for(pb, hess, hessp) if method == "newton-cg" else None
        if method == "newton" and hess is None:
            raise ValueError("minimize(): method 'newton' requires hess (a callable returning the (n, n) Hessian)")
        hess_c = _problem.hess_for(pb, hess) if method == "newton" else None
    flags = {"stopped": False, "xtol": False}
    if box is not None:
        x = np.clip(x, box[0], box[1])   # SciPy's rule: x0 is clipped into the box before fun sees it
    cb = _monitor(callback, x, o.get("xtol") if method == "newton-cg" else None, flags)
    path = [x.copy()] if (o["return_all"] or o["return_path"]) else None
    if box is not None and method == "lbfgs":
        if pb is not None:
            pb.box = box
        out, state = _lbfgsb(vg, x, box, o, cb, path)
        return out, pb, flags, path, state
    if box is not None:
        from ._projected import projected_gd
        return projected_gd(vg, x, box[0], box[1], o, cb, path), pb, flags, path, None
    state = None
    if method == "bfgs":
        state = np.empty((n, n))
    elif method == "lbfgs":
        state = np.empty((2 * (o["m"] or 10), n))
    extra = {}
    if method == "newton":   # Newton's factorizations: LAPACK, numpy.linalg or the own routines (_linalg.py)
        from . import _linalg
        o["linalg_used"] = _linalg.resolve(o["linalg"], n)
        extra["linalg"] = _linalg.argument(o["linalg_used"])
    out = kernels.minimize_loop(vg, x, hess=hess_c if method == "newton" else None,
                          hessp=hessp_c if method == "newton-cg" else None, callback=cb, model=model, path=path,
                          state_out=state, **c_settings(method, o), **extra)
    return out, pb, flags, path, state


def _lbfgsb(vg, x, box, o, cb, path):
    """L-BFGS-B (kernels.lbfgsb_loop) with SciPy's options: maxcor, gtol (on the projected gradient), ftol,
    maxiter, maxfun, maxls. Returns (the C loop's 9-tuple, state) with state the kept pairs (2m, n)."""
    state = np.empty((2 * o["m"], x.size))
    xs, f, g, nit, nfev, reason, nmem = kernels.lbfgsb_loop(
        vg, x, box[0], box[1], callback=cb, path=path, m=o["m"], pgtol=o["gtol"], ftol=o["ftol"],
        maxiter=o["maxiter"], maxfun=o["maxfev"], maxls=o["max_ls"], state_out=state)
    return (xs, f, g, nit, nfev, nfev, 0, reason, nmem), state
