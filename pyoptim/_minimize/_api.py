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

import math
import warnings
from typing import Any, Callable

import numpy as np

from .. import kernels
from . import _dispatch, _result
from .._validation import check_finite, check_int, check_real

__all__ = ["minimize", "OptimizeResult", "OptimizeWarning", "LbfgsInvHessProduct", "linear_cg", "coordinate_descent",
           "METHODS", "MESSAGES", "LINE_SEARCHES"]

from ._options import LINE_SEARCHES, METHODS, canonical_method, normalize_options
from ._result import MESSAGES, LbfgsInvHessProduct, OptimizeWarning

class OptimizeResult(dict):
    """The result of :func:`minimize`: a dict with attribute access (as scipy.optimize.OptimizeResult).

    Keys: ``x`` (solution), ``fun`` (value there), ``jac`` (gradient there), ``nit`` (iterations),
    ``nfev``, ``njev``, ``nhev`` (function, gradient and Hessian/Hessian-vector evaluations),
    ``success``, ``status`` and ``message`` (SciPy's codes for its methods; for "gd" and "newton": 0
    converged, 1 max iterations, 2 max evaluations, 3 line search failed, 4 non-finite objective, 5 not a
    descent direction, 7 converged on ftol, 8 unbounded below; 99 stopped by callback), ``method``,
    ``hess_inv`` (BFGS, L-BFGS), ``allvecs`` (``return_all``) and ``path`` ((nit+1, n) iterates) when
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


def minimize(fun: Callable, x0, args=(), method: str | None = None, jac: Any = None, hess: Any = None,
             hessp: Callable | None = None, bounds=None, tol: float | None = None, callback: Callable | None = None,
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

    The call is scipy.optimize.minimize's: its arguments, defaults, option names and result fields, for
    SciPy's "BFGS", "CG", "Newton-CG" and "L-BFGS-B" (unbounded) and pyoptim's "gd" and "newton", so a
    SciPy call behaves as in SciPy. pyoptim adds: a ``fun`` returning ``(value, gradient)`` is
    recognised when ``jac`` is None; its own options below; an objective passed as is.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> value`` (a float, NumPy scalar or one-element array), or
        ``-> (value, gradient)`` with ``jac=True`` (or a tuple with ``jac=None``). x is a fresh 1-D
        float64 copy at each call. A :mod:`pyoptim.functions` objective may be passed as is
        (``minimize(f, f.x0)``); the C-backed ones then run entirely in C, without the GIL.
    x0 : array_like, shape (n,) or scalar
        The starting point (finite).
    args : tuple
        Extra arguments of fun, jac, hess and hessp.
    method : str, optional
        "bfgs", "cg", "newton-cg", "lbfgs", "gd", "newton"; SciPy's "BFGS", "CG", "Newton-CG",
        "L-BFGS-B" (case-insensitive). None: "lbfgs" with bounds, else "bfgs" (SciPy's choice).
    jac : callable, True, "2-point", "3-point", "cs" or None
        ``jac(x, *args) -> (n,)``; True: fun returns (f, g); a finite-difference scheme with the
        relative step ``finite_diff_rel_step`` (SciPy's default: √ε, ∛ε); None: forward differences with
        the absolute step ``eps`` (SciPy's legacy rule), unless fun returns a (value, gradient) tuple.
    hess : callable, "2-point", "3-point", "cs" or a HessianUpdateStrategy, optional
        Newton-CG and Newton: ``hess(x, *args)`` returns a dense array, a scipy.sparse matrix or a
        LinearOperator (evaluated once per iterate); a scheme: finite differences of the gradient along
        each CG direction; a scipy.optimize.HessianUpdateStrategy (BFGS(), SR1()) updated each iterate.
    hessp : callable, optional
        ``hessp(x, p, *args) -> H(x) p`` for Newton-CG. With neither hess nor hessp, central
        differences of the gradient.
    bounds : scipy.optimize.Bounds or sequence of (lo, hi), optional
        Infinite bounds are no bounds. "gd" runs projected gradient descent, x ← P(x − t g) with
        P(z) = min(max(z, lo), hi) (book 7.2; x0 is projected first; gtol applies to the projected
        gradient P(x − g) − x). "lbfgs" with finite bounds runs L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995;
        csrc/lbfgsb.c): the generalized Cauchy point along P(x − t g), subspace minimization over the
        free variables, a line search inside the box; x0 is clipped into the box, gtol applies to
        max|P(x − g) − x|, forward differences step inward at a bound (as SciPy). BFGS, CG and
        Newton-CG ignore bounds with a RuntimeWarning (as SciPy). NaN bounds or lo > hi: ValueError.
    tol : float, optional
        SciPy's rule: ``gtol`` for BFGS, CG, gd, Newton; ``gtol`` and ``ftol`` for L-BFGS; ``xtol`` for
        Newton-CG; unless ``options`` gives them.
    callback : callable, optional
        ``callback(intermediate_result)`` (an OptimizeResult with ``x`` and ``fun``) when that is its
        only parameter (SciPy's rule), else ``callback(xk)``, after each iteration. Raising
        ``StopIteration`` ends the run: status 99, "`callback` raised `StopIteration`.".
    options : dict, optional
        SciPy's: ``maxiter`` (200n; L-BFGS 15000; an integer-valued count, as SciPy accepts),
        ``gtol`` (1e-5, on ‖g‖ of order ``norm``, default inf), ``disp`` (print SciPy's report;
        OptimizeWarning on failure), ``return_all`` (``allvecs``), ``eps``, ``finite_diff_rel_step``,
        ``workers`` (a map-like callable or a thread count for finite differences), ``c1`` (1e-4),
        ``c2`` (0.9; CG 0.4); BFGS ``xrtol`` (stop when ‖Δx‖₂ ≤ xrtol(xrtol + ‖x‖₂)) and ``hess_inv0``;
        Newton-CG ``xtol`` (stop when Σ|Δxᵢ| ≤ n·xtol); L-BFGS ``maxcor`` (10), ``maxfun`` (15000),
        ``maxls`` (20), ``ftol`` (2.2e-9: stop when (f_prev − f) ≤ ftol·max(|f_prev|, |f|, 1)).
        pyoptim's: ``line_search`` ("strong-wolfe": N&W Algorithms 3.5-3.6 as in torch.optim.LBFGS;
        "more-thuente": MINPACK-2's dcsrch as behind SciPy's BFGS; "backtracking"), ``max_ls`` (25),
        ``ls_xtol`` (More-Thuente's relative bracket width, 1e-14; the ``xtol`` of pyoptim 0.1),
        ``tolerance_change`` (1e-9), ``maxfev`` (no limit; L-BFGS: ``maxfun``), ``ftol`` (0 except
        L-BFGS), ``m`` (= maxcor), ``beta`` (CG: "pr+" or "fr"), ``restart`` (CG period, n),
        ``init_step`` ("unit": t = 1, first step of unit length; "quadratic": SciPy BFGS's
        t = min(1, 1.01·2(f_prev − f)/(−g'd))), ``h0`` (BFGS: "scaled" H₀ = (y's/y'y)I, N&W 6.20, or
        "identity"), ``damping`` (Newton: "auto", or λ ≥ 0 to solve (H + λI)d = −g as is: ``damping=0``
        is the book's plain Newton step, attracted to saddle points), ``saddle_free`` (False), ``linalg``
        (Newton's factorizations: "auto", "lapack" SciPy's LAPACK, "numpy" numpy.linalg, "own" the C
        core's routines; "auto" takes LAPACK when SciPy is installed; pyoptim.show_config() says which),
        ``cg_maxiter`` (Newton-CG inner iterations, 20n), ``return_path`` (``path``). Unknown options
        warn (OptimizeWarning), as SciPy.

    Returns
    -------
    OptimizeResult
        ``x, fun, jac, nit, nfev, njev, nhev, success, status, message`` and ``hess_inv`` (BFGS: the
        dense inverse-Hessian approximation; L-BFGS: an :class:`LbfgsInvHessProduct`), ``allvecs``
        with ``return_all``, ``path`` with ``return_path``. nfev counts every call of fun (finite
        differences included), njev every gradient (also those inside finite-difference Hessian
        products). status as SciPy's method: BFGS/CG/Newton-CG 0 success, 1 maxiter, 2 precision loss
        (the line search found no decrease; or f = -inf, unbounded below), 3 NaN; L-BFGS 0
        convergence, 1 a limit, 2 abnormal; 99 StopIteration; "gd"/"newton" pyoptim's codes
        (:data:`MESSAGES`).

    Raises
    ------
    ValueError for a non-finite, empty or 2-D x0, an unknown method, an invalid option, a non-scalar
    objective (naming its shape), a gradient or Hessian of the wrong shape, ``hess_inv0`` not positive
    definite; TypeError for a fun that does not return (value, gradient) with jac=True. An exception
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
    How it differs from SciPy: the C loop and its line searches are pyoptim's (strong Wolfe by default),
    so trajectories and counts differ; BFGS starts from H₀ = (y's/y'y)I; a trial point where f is NaN
    or +inf is a step too long, never accepted; f = −inf ends the run at that point.
    """
    x = _start_point(x0)
    method = canonical_method(method, bounds)
    args = args if isinstance(args, tuple) else (args,)
    _check_unused(method, hess, hessp)
    if callback is not None and not callable(callback):
        raise TypeError(f"minimize(): callback must be callable, got {type(callback).__name__}")
    o = normalize_options(method, x.size, tol, options)
    box = _dispatch.check_bounds(bounds, x.size, method)
    if box is not None and method == "lbfgs":   # variables fixed by lo = hi: SciPy's removal
        from ._fixed import solve_fixed
        res = solve_fixed(minimize, fun, x, args, jac, box, callback, tol, options, hess, hessp)
        if res is not None:
            return res
    out, pb, flags, path, state = _dispatch.run(fun, x, args, method, jac, hess, hessp, callback, o, box)
    return _result.assemble(method, o, out, pb, flags, path, state)


def _start_point(x0) -> np.ndarray:
    """x0 as a float64 vector (a scalar becomes one element; more than one dimension is an error, as SciPy)."""
    check_real("x0", x0)
    x = np.atleast_1d(np.array(x0, dtype=np.float64))
    if x.ndim != 1:
        raise ValueError(f"'x0' must only have one dimension. Invalid x0: shape {x.shape} (expected (n,))")
    if x.size == 0:
        raise _invalid("x0", x0, "a non-empty array")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"Invalid x0: contains NaN or inf (expected finite values), got {x0!r}")
    return x


def _check_unused(method, hess, hessp):
    """SciPy's RuntimeWarnings for second-order information a method does not use."""
    if hess is not None and method not in ("newton-cg", "newton"):
        warnings.warn(f"Method {method} does not use Hessian information (hess).", RuntimeWarning, stacklevel=3)
    if hessp is not None and method != "newton-cg":
        warnings.warn(f"Method {method} does not use Hessian-vector product information (hessp).",
                      RuntimeWarning, stacklevel=3)


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
    check_int("maxiter", maxiter, 0)
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
    check_finite("l1", l1, 0)
    check_int("maxiter", maxiter, 0)
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
