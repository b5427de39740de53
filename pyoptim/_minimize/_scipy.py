"""pyoptim's methods as a custom ``method=`` of scipy.optimize.minimize."""
from __future__ import annotations

import sys

from ._options import canonical_method


def scipy_method(name: str):
    """A callable that scipy.optimize.minimize accepts as ``method=``, running pyoptim's ``name``.

    ``scipy.optimize.minimize(fun, x0, method=pyoptim.scipy_method("lbfgs"), jac=..., options=...)``
    keeps SciPy's pre-processing (``jac=True`` split into value and gradient, ``tol`` passed as an
    option) and solves with :func:`pyoptim.minimize`; the result is a scipy.optimize.OptimizeResult with
    SciPy's fields for that method.

    Parameters
    ----------
    name : str
        "bfgs", "cg", "newton-cg", "lbfgs" (or "gd", "newton"; SciPy's spellings "BFGS", "L-BFGS-B", ...).

    Raises
    ------
    ValueError for an unknown name; the returned callable raises ValueError when given constraints.
    """
    method = canonical_method(name, None)

    def pyoptim_method(fun, x0, args=(), jac=None, hess=None, hessp=None, bounds=None, constraints=(),
                       callback=None, **options):
        from ._api import minimize
        if constraints:
            raise ValueError(f"pyoptim's {method!r} does not handle constraints")
        tol = options.pop("tol", None)
        res = minimize(fun, x0, args=args, method=method, jac=jac, hess=hess, hessp=hessp, bounds=bounds,
                       tol=tol, callback=callback, options=options)
        so = sys.modules.get("scipy.optimize")
        return so.OptimizeResult(res) if so is not None else res

    pyoptim_method.__name__ = pyoptim_method.__qualname__ = f"pyoptim_{method.replace('-', '_')}"
    pyoptim_method.__doc__ = f"pyoptim.minimize(..., method={method!r}) for scipy.optimize.minimize's method=."
    return pyoptim_method
