"""Second-order and line-search methods (book 8.6) behind one function, :func:`minimize`.

``minimize`` follows scipy.optimize.minimize's conventions (``jac=True`` means ``fun`` returns
``(value, gradient)``; ``jac`` may be a callable; ``callback(intermediate_result)`` may raise
``StopIteration``), so a SciPy user can switch by changing the import. The difference is underneath:
the iteration loop, the line search and every update run in C (``csrc/secondorder.c``,
``csrc/linesearch.c``); Python is entered only to evaluate ``fun`` (and ``hess``/``hessp``/``callback``).
When ``fun`` is one of :mod:`pyoptim.functions`' C-backed objectives (Rosenbrock, quadratics, least
squares, logistic and softmax regression), the whole solve runs in C without the GIL.

Also here: :func:`linear_cg` (linear conjugate gradients, book 8.6.2) and :func:`coordinate_descent`
(book 8.7.2).
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable

import numpy as np

from . import kernels

__all__ = ["minimize", "OptimizeResult", "linear_cg", "coordinate_descent", "METHODS", "MESSAGES"]

METHODS = {"gd": 0, "newton": 1, "newton-cg": 2, "cg": 3, "bfgs": 4, "lbfgs": 5}
LINE_SEARCHES = {"strong-wolfe": 0, "backtracking": 1, "more-thuente": 2}
_ALIASES = {"l-bfgs": "lbfgs", "l-bfgs-b": "lbfgs", "newtoncg": "newton-cg", "steepest": "gd",
            "gradient-descent": "gd"}

# status -> (success, message); the status numbers are csrc/so.h's PO_STOP_* codes
MESSAGES = {
    0: (True, "Optimization terminated successfully: the gradient max-norm is at most gtol."),
    1: (False, "Maximum number of iterations reached (maxiter)."),
    2: (False, "Maximum number of function evaluations reached (maxfev)."),
    3: (False, "Line search failed: no step along the search direction decreased the objective "
               "(the gradient may be inaccurate, or gtol is below what the precision allows)."),
    4: (False, "Non-finite objective or gradient (NaN or inf) at the starting point or in the Hessian."),
    5: (False, "The search direction is not a descent direction (g'd >= 0): the Hessian is not positive "
               "definite; use damping='auto' or saddle_free=True."),
    6: (False, "Stopped by callback (StopIteration)."),
    7: (True, "Optimization terminated successfully: the relative reduction of the objective is at most ftol."),
}


class OptimizeResult(dict):
    """The result of :func:`minimize`: a dict with attribute access (as scipy.optimize.OptimizeResult).

    Keys: ``x`` (solution), ``fun`` (value there), ``jac`` (gradient there), ``nit`` (iterations),
    ``nfev``, ``njev``, ``nhev`` (function, gradient and Hessian/Hessian-vector evaluations),
    ``success``, ``status`` (0 converged, 1 max iterations, 2 max evaluations, 3 line search failed,
    4 non-finite objective, 5 not a descent direction, 6 stopped by callback, 7 converged on ftol),
    ``message`` (why it stopped), ``method``, and ``path`` ((nit+1, n) iterates) when
    ``options={"return_path": True}``.
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(name) from e

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __repr__(self) -> str:
        if not self:
            return "OptimizeResult()"
        w = max(map(len, self.keys())) + 1
        lines = []
        for k, v in self.items():
            s = repr(v) if not isinstance(v, np.ndarray) or v.size <= 10 else f"array(shape={v.shape})"
            lines.append(f"{k.rjust(w)}: {s}")
        return "\n".join(lines)

    def __dir__(self):
        return list(self.keys()) + list(super().__dir__())


def _invalid(name, value, expected):
    return ValueError(f"Invalid {name}: {value!r} (expected {expected})")


def _number(opts, name, default, lo=0.0, hi=math.inf, lo_open=False):
    v = opts.pop(name, default)
    try:
        fv = float(v)
    except (TypeError, ValueError):
        raise _invalid(name, v, f"a number in {'(' if lo_open else '['}{lo}, {hi}]") from None
    if not (fv > lo if lo_open else fv >= lo) or not fv <= hi or math.isnan(fv):
        raise _invalid(name, v, f"a number in {'(' if lo_open else '['}{lo}, {hi}]")
    return fv


def _integer(opts, name, default, lo=0):
    v = opts.pop(name, default)
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
        raise _invalid(name, v, f"an integer >= {lo}")
    return int(v)


def _fd_value_and_grad(fun, kind, counter):
    """Wrap fun(x) -> f into (f, g) with finite differences (scipy's '2-point' / '3-point' steps)."""
    eps = np.finfo(float).eps
    h_rel = eps ** 0.5 if kind == "2-point" else eps ** (1 / 3)

    def vg(x):
        f0 = float(fun(x))
        counter[0] += 1
        g = np.empty_like(x)
        for i in range(x.size):
            h = h_rel * max(1.0, abs(x[i]))
            xp = x.copy()
            xp[i] += h
            h = xp[i] - x[i]
            if kind == "2-point":
                g[i] = (float(fun(xp)) - f0) / h
                counter[0] += 1
            else:
                xm = x.copy()
                xm[i] -= h
                g[i] = (float(fun(xp)) - float(fun(xm))) / (2 * h)
                counter[0] += 2
        return f0, g
    return vg


def minimize(fun: Callable, x0, method: str = "lbfgs", jac: Any = True, hess: Callable | None = None,
             hessp: Callable | None = None, tol: float | None = None, callback: Callable | None = None,
             options: dict | None = None) -> OptimizeResult:
    """Minimize a smooth function of n variables with a line-search method of book 8.6.

    Every method builds a search direction d, then a line search (C, shared) picks a step t along it
    so that x ← x + t·d satisfies the strong Wolfe conditions (or Armijo's, when backtracking):

    ========== ========================================================================== ==========
    method     direction d                                                                 book
    ========== ========================================================================== ==========
    "gd"       −g (steepest descent)                                                       8.3, 4.3
    "newton"   −(H + λI)⁻¹g by Cholesky; λ raised until H + λI is positive definite         8.6.1
               (Nocedal & Wright Alg. 3.3); ``saddle_free``: −|H|⁻¹g with |H| = V|Λ|Vᵀ     8.2.3
    "newton-cg" truncated linear CG on H d = −g with ``hessp``, stopped on negative            8.6.2
               curvature (Hessian-free; N&W Alg. 7.1)
    "cg"       −g + β d_prev, β Fletcher–Reeves (``beta="fr"``) or Polak–Ribière+ ("pr+"),    8.6.2
               restarted with −g every n iterations
    "bfgs"     −H⁻¹g with the dense inverse-Hessian BFGS update, H₀ = (sᵀy / yᵀy) I        8.6.3
    "lbfgs"    −H⁻¹g by the two-loop recursion on the last m pairs (s, y); memory O(mn)     8.6.3
    ========== ========================================================================== ==========

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, gradient)`` when ``jac=True`` (scipy's convention), else ``fun(x) -> value``.
        x is a 1-D float64 array (x0 flattened). A :mod:`pyoptim.functions` objective may be passed
        as is (``minimize(f, f.x0)``); the C-backed ones then run entirely in C.
    x0 : array_like
        The starting point (finite).
    method : {"lbfgs", "bfgs", "cg", "newton-cg", "newton", "gd"}
        Case-insensitive; "l-bfgs-b" is accepted for "lbfgs" (no bounds).
    jac : True, callable, "2-point", "3-point", False or None
        True: fun returns (f, g). A callable: ``jac(x) -> g``. Otherwise the gradient is estimated by
        forward ("2-point", also for False/None) or central ("3-point") differences.
    hess : callable, optional
        ``hess(x) -> (n, n)`` array; required by "newton" (unless fun is a pyoptim objective).
    hessp : callable, optional
        ``hessp(x, p) -> (n,)``, the product H(x)p, for "newton-cg"; derived from ``hess`` if only that
        is given, else estimated by central differences of the gradient.
    tol : float, optional
        Sets ``gtol`` (the tolerance on max|g|) unless ``options`` gives one.
    callback : callable, optional
        Called after each iteration as ``callback(intermediate_result)`` (an OptimizeResult with ``x``
        and ``fun``) when its parameter is named ``intermediate_result`` (scipy's rule), else as
        ``callback(x)``. Raising ``StopIteration`` stops the solve (status 6).
    options : dict, optional
        ``gtol`` (1e-5), ``ftol`` (0: off; stop when (f_prev − f) ≤ ftol·max(|f_prev|, |f|, 1)),
        ``maxiter`` (max(1000, 200n)), ``maxfev`` (10·maxiter), ``m`` (L-BFGS memory, 10),
        ``beta`` ("pr+" or "fr"), ``restart`` (CG restart period, n), ``line_search``
        ("strong-wolfe": N&W Algorithms 3.5-3.6 as in torch.optim.LBFGS; "more-thuente": Moré &
        Thuente 1994, MINPACK-2's dcsrch as in scipy's BFGS and L-BFGS-B; or "backtracking"), ``c1``
        (1e-4), ``c2`` (0.9; 0.1 for "cg"), ``max_ls`` (25 evaluations per line search), ``xtol``
        ("more-thuente": the relative bracket width at which it stops, 1e-14), ``init_step`` (BFGS and
        L-BFGS: "unit", t = 1 with a first step of unit length t = 1/‖g‖₂; or "quadratic", scipy BFGS's
        t = min(1, 1.01·2(f_prev − f)/(−g'd))), ``h0`` (BFGS: "scaled", H₀ = (y's/y'y)I before the
        first update, N&W eq. 6.20; or "identity" as scipy), ``damping`` ("auto", or λ ≥ 0 to solve (H + λI)d = −g as is:
        ``damping=0`` is the book's plain Newton step, attracted to saddle points), ``saddle_free``
        (False), ``cg_maxiter`` (Newton-CG inner iterations, 20n), ``return_path`` (False).

    Returns
    -------
    OptimizeResult
        ``x, fun, jac, nit, nfev, njev, nhev, success, status, message`` (and ``path``).

    Raises
    ------
    ValueError for a non-finite or empty x0, an unknown method or option, a gradient or Hessian of the
    wrong shape; TypeError for a fun that does not return (value, gradient) with jac=True. An exception
    raised by fun (or jac, hess, hessp, callback) propagates unchanged.

    Examples
    --------
    >>> import pyoptim as po
    >>> f = po.functions.rosenbrock(2)
    >>> res = po.minimize(f.value_and_grad, f.x0, method="bfgs")
    >>> res.success, bool(abs(res.x - 1).max() < 1e-4)
    (True, True)

    References
    ----------
    Goodfellow, Bengio, Courville (2016), Deep Learning, 8.6. Nocedal & Wright (2006), Numerical
    Optimization, 2nd ed., Algorithms 3.3, 3.5-3.6, 5.2, 6.1, 7.1, 7.4. Dauphin et al. (2014),
    Identifying and attacking the saddle point problem.

    How it differs from the book: the book's Newton (Algorithm 8.8) takes the full step θ − H⁻¹g; here
    every method uses a line search, so "newton" with ``damping=0`` still moves to the stationary point
    of the local quadratic model when that decreases f (and so reaches saddles, as the book warns).
    """
    from . import functions as _functions

    if not isinstance(method, str) or method.lower().replace("_", "-") not in {**METHODS, **_ALIASES}:
        raise _invalid("method", method, f"one of {sorted(METHODS)}")
    method = method.lower().replace("_", "-")
    method = _ALIASES.get(method, method)

    x = np.array(x0, dtype=np.float64).reshape(-1)
    if x.size == 0:
        raise _invalid("x0", x0, "a non-empty array")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"Invalid x0: contains NaN or inf (expected finite values), got {x0!r}")
    n = x.size

    # ---- the objective -------------------------------------------------------------------------------
    obj = None
    if isinstance(fun, _functions.Objective):
        obj = fun
    elif getattr(fun, "__func__", None) is _functions.Objective.value_and_grad and \
            isinstance(getattr(fun, "__self__", None), _functions.Objective):
        obj = fun.__self__
    if not callable(fun):
        raise TypeError(f"minimize(): fun must be callable, got {type(fun).__name__}")
    model = None
    counter = None
    jac_fn = None
    if obj is not None:
        if obj.n != n:
            raise ValueError(f"Invalid x0: size {n} (expected {obj.n}, the dimension of {obj!r})")
        vg = obj.value_and_grad
        model = obj._c_objective
        if hessp is None and hess is None:
            hessp = obj.hessp
        if hess is None:
            hess = obj.hess
    elif jac is True:
        vg = fun
    elif callable(jac):
        vg, jac_fn = fun, jac
    elif jac in (False, None, "2-point", "3-point", "cs"):
        counter = [0]
        vg = _fd_value_and_grad(fun, "3-point" if jac == "3-point" else "2-point", counter)
    else:
        raise _invalid("jac", jac, "True, a callable, '2-point', '3-point', False or None")

    # ---- options ---------------------------------------------------------------------------------------
    opts = dict(options or {})
    if tol is not None:
        if not (isinstance(tol, (int, float, np.floating)) and tol >= 0):
            raise _invalid("tol", tol, "a number >= 0")
        opts.setdefault("gtol", float(tol))
    gtol = _number(opts, "gtol", 1e-5)
    ftol = _number(opts, "ftol", 0.0)
    maxiter = _integer(opts, "maxiter", max(1000, 200 * n))
    maxfev = _integer(opts, "maxfev", 10 * max(maxiter, 1), lo=1)
    m = _integer(opts, "m", 10, lo=1)
    beta = opts.pop("beta", "pr+")
    if beta not in ("fr", "pr+"):
        raise _invalid("beta", beta, "'fr' or 'pr+'")
    restart = _integer(opts, "restart", 0)
    ls = opts.pop("line_search", "strong-wolfe")
    if ls not in LINE_SEARCHES:
        raise _invalid("line_search", ls, "'strong-wolfe', 'more-thuente' or 'backtracking'")
    xtol = _number(opts, "xtol", 1e-14)
    init_step = opts.pop("init_step", "unit")
    if init_step not in ("unit", "quadratic"):
        raise _invalid("init_step", init_step, "'unit' or 'quadratic'")
    h0 = opts.pop("h0", "scaled")
    if h0 not in ("scaled", "identity"):
        raise _invalid("h0", h0, "'scaled' or 'identity'")
    c1 = _number(opts, "c1", 1e-4, 0.0, 1.0, lo_open=True)
    c2 = _number(opts, "c2", 0.1 if method == "cg" else 0.9, c1, 1.0, lo_open=True)
    max_ls = _integer(opts, "max_ls", 25, lo=1)
    tolerance_change = _number(opts, "tolerance_change", 1e-9 if method != "gd" else 1e-12)
    damping = opts.pop("damping", "auto")
    if isinstance(damping, str):
        if damping != "auto":
            raise _invalid("damping", damping, "'auto' or a number >= 0")
        damping_v = -1.0
    else:
        damping_v = _number({"damping": damping}, "damping", 0.0)
    saddle_free = bool(opts.pop("saddle_free", False))
    cg_maxiter = _integer(opts, "cg_maxiter", 0)
    return_path = bool(opts.pop("return_path", False))
    if opts:
        raise ValueError(f"Invalid options: {sorted(opts)} (expected keys among gtol, ftol, maxiter, maxfev, m, "
                         "beta, restart, line_search, c1, c2, max_ls, tolerance_change, xtol, init_step, h0, "
                         "damping, saddle_free, cg_maxiter, return_path)")

    if method == "newton" and hess is None:
        raise ValueError("minimize(): method 'newton' requires hess (a callable returning the (n, n) Hessian)")
    if hess is not None and not callable(hess):
        raise TypeError(f"minimize(): hess must be callable, got {type(hess).__name__}")
    if method == "newton-cg" and hessp is None:
        if hess is not None:
            hfun = hess
            hessp = lambda xx, p: np.asarray(hfun(xx)) @ p  # noqa: E731
        else:
            g_of = (lambda xx: vg(xx)[1]) if jac_fn is None else jac_fn

            def hessp(xx, p):   # central differences of the gradient along p
                h = np.finfo(float).eps ** (1 / 3) * max(1.0, float(np.abs(xx).max())) / max(float(np.abs(p).max()), 1e-300)
                return (np.asarray(g_of(xx + h * p)) - np.asarray(g_of(xx - h * p))) / (2 * h)

    # ---- callback --------------------------------------------------------------------------------------
    cb = None
    if callback is not None:
        if not callable(callback):
            raise TypeError(f"minimize(): callback must be callable, got {type(callback).__name__}")
        try:
            new_style = "intermediate_result" in inspect.signature(callback).parameters
        except (TypeError, ValueError):
            new_style = False
        if new_style:
            def cb(xk, fk):
                callback(intermediate_result=OptimizeResult(x=xk, fun=fk))
        else:
            def cb(xk, fk):
                callback(xk)

    path = [x.copy()] if return_path else None
    out = kernels._minimize(
        vg, x, jac=jac_fn, hess=hess if method == "newton" else None,
        hessp=hessp if method == "newton-cg" else None, callback=cb, model=model, path=path,
        method=METHODS[method], gtol=gtol, ftol=ftol, maxiter=maxiter, maxfev=maxfev, m=m,
        beta=0 if beta == "fr" else 1, restart=restart, damping=damping_v, saddle_free=saddle_free,
        cg_maxiter=cg_maxiter, line_search=LINE_SEARCHES[ls], c1=c1, c2=c2, max_ls=max_ls,
        tolerance_change=tolerance_change, xtol=xtol,
        init_step=0 if init_step == "unit" else 1, h0_scaled=h0 == "scaled")
    xs, f, g, nit, nfev, njev, nhev, status = out
    success, message = MESSAGES[status]
    res = OptimizeResult(x=xs, fun=f, jac=g, nit=nit, nfev=counter[0] if counter else nfev,
                         njev=njev, nhev=nhev, success=success, status=status, message=message, method=method)
    if return_path:
        res["path"] = np.array(path)
    return res


# ---- linear conjugate gradients (book 8.6.2) ---------------------------------------------------------

def linear_cg(A, b, x0=None, tol: float = 1e-10, maxiter: int | None = None, *, callback=None,
              return_path: bool = False) -> OptimizeResult:
    """Solve A x = b for symmetric positive definite A by linear conjugate gradients (book 8.6.2).

    Equivalently, minimize the quadratic ½xᵀAx − bᵀx. Each step (N&W Algorithm 5.2, the C kernel
    :func:`pyoptim.kernels.cg_step`) moves along a direction conjugate to all previous ones
    (pᵢᵀApⱼ = 0), so in exact arithmetic CG finishes in at most n iterations:

        α = rᵀr / pᵀAp,  x ← x + αp,  r ← r − αAp,  β = r'ᵀr' / rᵀr,  p ← r' + βp

    Parameters
    ----------
    A : ndarray (n, n) or callable
        The matrix, or a matvec ``A(p) -> A @ p`` (Hessian-free use: a Hessian-vector product).
    b : array_like (n,)
    x0 : array_like (n,), optional (zeros)
    tol : float
        Stop when ‖r‖ ≤ tol · ‖b‖ (relative residual).
    maxiter : int, optional (10 n)
    callback : callable(x), optional, called after each iteration
    return_path : bool
        Keep every iterate in ``result.path`` ((nit+1, n)).

    Returns
    -------
    OptimizeResult with ``x``, ``nit``, ``residual`` (‖b − Ax‖), ``success``, ``status`` (0 converged,
    1 max iterations), ``message``, and ``path`` when asked.

    Raises
    ------
    numpy.linalg.LinAlgError when a direction has pᵀAp ≤ 0 (A is not positive definite).
    """
    b = np.array(b, dtype=np.float64).reshape(-1)
    n = b.size
    if callable(A):
        matvec = lambda p: np.asarray(A(p), dtype=np.float64).reshape(-1)  # noqa: E731
    else:
        Am = np.asarray(A, dtype=np.float64)
        if Am.shape != (n, n):
            raise ValueError(f"Invalid A: shape {Am.shape} (expected ({n}, {n}))")
        matvec = Am.__matmul__
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=np.float64).reshape(-1)
    if x.shape != (n,):
        raise ValueError(f"Invalid x0: shape {np.shape(x0)} (expected ({n},))")
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(x))):
        raise ValueError("Invalid b or x0: contains NaN or inf (expected finite values)")
    if not (tol >= 0):
        raise _invalid("tol", tol, "a number >= 0")
    maxiter = 10 * max(n, 1) if maxiter is None else maxiter
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 0:
        raise _invalid("maxiter", maxiter, "an integer >= 0")
    r = b - matvec(x)
    p = r.copy()
    rr = float(r @ r)
    bn = float(np.sqrt(b @ b))
    path = [x.copy()] if return_path else None
    k = 0
    while math.sqrt(rr) > tol * bn and k < maxiter and rr > 0:
        Ap = np.ascontiguousarray(matvec(p), dtype=np.float64)
        if Ap.shape != (n,):
            raise ValueError(f"linear_cg(): A(p) returned shape {Ap.shape}, expected ({n},)")
        rr = kernels.cg_step(x, r, p, Ap, rr)
        k += 1
        if path is not None:
            path.append(x.copy())
        if callback is not None:
            callback(x.copy())
    ok = math.sqrt(rr) <= tol * bn or rr == 0
    res = OptimizeResult(x=x, nit=k, residual=float(np.linalg.norm(b - matvec(x))), success=ok,
                         status=0 if ok else 1,
                         message="Converged: the relative residual is at most tol." if ok else
                         "Maximum number of iterations reached (maxiter).")
    if path is not None:
        res["path"] = np.array(path)
    return res


# ---- coordinate descent (book 8.7.2) -----------------------------------------------------------------

def coordinate_descent(A, b, x0=None, *, l1: float = 0.0, maxiter: int = 1000, tol: float = 1e-10,
                       callback=None, return_path: bool = False) -> OptimizeResult:
    """Exact cyclic coordinate descent on f(x) = ½xᵀAx − bᵀx + l1·‖x‖₁ (book 8.7.2).

    Each coordinate is set in turn to its exact minimizer with the others fixed (the C kernel
    :func:`pyoptim.kernels.coordinate_descent_sweep`):

        xᵢ ← S(bᵢ − Σ_{j≠i} Aᵢⱼxⱼ, l1) / Aᵢᵢ,     S(z, λ) = sign(z)·max(|z| − λ, 0)

    With l1 = 0 this minimizes the quadratic (Gauss–Seidel); with l1 > 0 it solves the lasso
    (1/2N)‖Xw − y‖² + l1‖w‖₁ when A = XᵀX/N and b = Xᵀy/N. The book's example: on
    f(x) = (x₁ − x₂)² + α(x₁² + x₂²) (A = [[2+2α, −2], [−2, 2+2α]], b = 0) each sweep contracts the
    error only by about 1/(1+α)², so progress is slow for small α: the variables are strongly coupled.

    Parameters
    ----------
    A : ndarray (n, n), symmetric with a positive diagonal (positive semidefinite for convergence)
    b : array_like (n,)
    x0 : array_like (n,), optional (zeros)
    l1 : float >= 0, the L1 weight
    maxiter : int, number of sweeps (one sweep updates every coordinate once)
    tol : float, stop when a sweep changes no coordinate by more than tol
    callback : callable(x), optional, after each sweep
    return_path : bool
        ``result.path``: x0 and the iterate after every single-coordinate update (the staircase).

    Returns
    -------
    OptimizeResult with ``x``, ``fun`` (f(x)), ``nit`` (sweeps), ``success``, ``status``, ``message``,
    and ``path`` when asked.
    """
    Am = np.ascontiguousarray(A, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64).reshape(-1)
    n = b.size
    if Am.shape != (n, n):
        raise ValueError(f"Invalid A: shape {Am.shape} (expected ({n}, {n}))")
    if not np.all(np.diag(Am) > 0):
        raise ValueError("Invalid A: the diagonal must be positive (each coordinate problem must be strictly convex)")
    if not (l1 >= 0 and math.isfinite(l1)):
        raise _invalid("l1", l1, "a finite number >= 0")
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 0:
        raise _invalid("maxiter", maxiter, "an integer >= 0")
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=np.float64).reshape(-1)
    if x.shape != (n,) or not np.all(np.isfinite(x)):
        raise ValueError(f"Invalid x0: {x0!r} (expected {n} finite values)")
    paths = [x[None, :].copy()] if return_path else None
    buf = np.empty((n, n)) if return_path else None
    k, change = 0, math.inf
    while k < maxiter:
        change = kernels.coordinate_descent_sweep(x, Am, b, l1=l1, path=buf)
        k += 1
        if paths is not None:
            paths.append(buf.copy())
        if callback is not None:
            callback(x.copy())
        if change <= tol:
            break
    f = float(0.5 * x @ Am @ x - b @ x + l1 * np.abs(x).sum())
    ok = change <= tol
    res = OptimizeResult(x=x, fun=f, nit=k, success=ok, status=0 if ok else 1,
                         message="Converged: the last sweep moved no coordinate by more than tol." if ok
                         else "Maximum number of sweeps reached (maxiter).")
    if paths is not None:
        res["path"] = np.concatenate(paths)
    return res
