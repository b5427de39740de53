"""A pytest plugin for SciPy's own optimize tests: scipy.optimize.minimize with method "BFGS", "CG",
"Newton-CG" or "L-BFGS-B" (or None, which SciPy resolves to BFGS / L-BFGS-B) runs pyoptim.minimize.

Loaded by tests/minimize/test_minimize_scipy_suite.py in a subprocess (``-p tests._support._scipy_route``)."""
import numpy as np

ROUTED = {"bfgs", "cg", "newton-cg", "l-bfgs-b"}


def pytest_configure(config):
    import scipy.optimize
    import scipy.optimize._minimize as sm

    import pyoptim

    original = sm.minimize

    def minimize(fun, x0, args=(), method=None, jac=None, hess=None, hessp=None, bounds=None, constraints=(),
                 tol=None, callback=None, options=None):
        name = method.lower() if isinstance(method, str) else method
        if name is None and not constraints:
            name = "l-bfgs-b" if bounds is not None else "bfgs"
        if name not in ROUTED:   # L-BFGS-B with finite bounds runs pyoptim's L-BFGS-B too
            return original(fun, x0, args=args, method=method, jac=jac, hess=hess, hessp=hessp, bounds=bounds,
                            constraints=constraints, tol=tol, callback=callback, options=options)
        res = pyoptim.minimize(fun, x0, args=args, method=name, jac=jac, hess=hess, hessp=hessp, bounds=bounds,
                               tol=tol, callback=callback, options=options)
        return scipy.optimize.OptimizeResult(res)

    scipy.optimize.minimize = sm.minimize = minimize

