"""SciPy's treatment of variables fixed by their bounds (lo_i = hi_i) under L-BFGS-B.

Finite differences cannot step inside a zero-width box, so, as scipy.optimize.minimize does, a run that
needs them (``jac`` None, False or a finite-difference scheme) solves for the free variables only: ``fun``,
``jac`` and ``callback`` see full-length vectors with the fixed values filled in, and the result's
``x`` gets them back (its ``jac`` is NaN there). When every variable is fixed, nothing is solved: the
result is x = lo with one evaluation and SciPy's message.
"""
from __future__ import annotations

import numpy as np

from . import _problem
from ._dispatch import callback_style

ALL_FIXED = "All independent variables were fixed by bounds."


def _expand(z, fixed, xfix):
    x = np.empty(fixed.size, dtype=np.result_type(z, np.float64))
    x[fixed] = xfix
    x[~fixed] = z
    return x


class _ReducedFun:
    """fun on the free variables (a class, not a closure: picklable for process-pool ``workers``)."""

    def __init__(self, fun, fixed, xfix):
        self.fun, self.fixed, self.xfix = fun, fixed, xfix

    def __call__(self, z, *args):
        r = self.fun(_expand(z, self.fixed, self.xfix), *args)
        if isinstance(r, tuple) and len(r) == 2:   # pyoptim's superset: (value, gradient) with jac=None
            return r[0], np.asarray(r[1])[~self.fixed]
        return r


def _reduced_callback(callback, fixed, xfix):
    if callback is None:
        return None
    if callback_style(callback):
        def cb(intermediate_result):
            intermediate_result["x"] = _expand(intermediate_result["x"], fixed, xfix)
            return callback(intermediate_result=intermediate_result)
        return cb
    return lambda xk: callback(_expand(xk, fixed, xfix))


def solve_fixed(minimize, fun, x, args, jac, box, callback, tol, options, hess, hessp):
    """The result when some variable is fixed and the run needs finite differences (or all are fixed);
    None when the run proceeds as is."""
    from ._api import OptimizeResult
    lo, hi = box
    fixed = lo == hi
    if not fixed.any():
        return None
    if fixed.all():
        r = fun(lo.copy(), *args)
        f, g = (r if isinstance(r, tuple) and len(r) == 2 else (r, None))
        res = OptimizeResult(x=lo.copy(), fun=_problem.scalar_value(f), success=True, status=0, message=ALL_FIXED,
                             nit=0, nfev=1, njev=0, nhev=0)
        if g is not None:
            res["jac"] = np.asarray(g, dtype=np.float64)
        return res
    if callable(jac) or jac is True:
        return None   # analytic gradients: L-BFGS-B keeps the fixed variables where they are
    xfix = lo[fixed]
    res = minimize(_ReducedFun(fun, fixed, xfix), x[~fixed], args=args, method="lbfgs", jac=jac, hess=hess,
                   hessp=hessp, bounds=list(zip(lo[~fixed], hi[~fixed])), tol=tol,
                   callback=_reduced_callback(callback, fixed, xfix), options=options)
    res["x"] = _expand(res["x"], fixed, xfix)
    res["jac"] = _expand(res["jac"], fixed, np.nan)
    for key in ("allvecs", "path"):
        if key in res:
            vs = [_expand(v, fixed, xfix) for v in res[key]]
            res[key] = vs if key == "allvecs" else np.array(vs)
    return res
