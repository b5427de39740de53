"""pyoptim's second-order solvers: :func:`pyoptim.minimize` and friends, one file per stage: ``_api``
(the public functions :func:`minimize`, :func:`linear_cg`, :func:`coordinate_descent` and the result
class), ``_options`` (argument normalization), ``_problem`` (the user's functions as the C loop calls
them), ``_dispatch`` (the C loop), ``_result`` (SciPy's result fields, messages and report), ``_scipy``
(:func:`pyoptim.scipy_method`).

The package is private so that ``pyoptim.minimize`` is the function, never a module; the public names
are re-exported by ``pyoptim`` itself."""
from ._api import (LINE_SEARCHES, MESSAGES, METHODS, LbfgsInvHessProduct, OptimizeResult, OptimizeWarning,
                   coordinate_descent, linear_cg, minimize)
from ._linalg import describe as newton_linalg   # which factorizations Newton uses (for show_config)
from ._scipy import scipy_method

__all__ = ["minimize", "OptimizeResult", "OptimizeWarning", "LbfgsInvHessProduct", "linear_cg",
           "coordinate_descent", "scipy_method", "METHODS", "MESSAGES", "LINE_SEARCHES"]
