"""The user's objective as the C loop sees it: ``vg(x) -> (f, g)``, with SciPy's tolerance of user code.

Every call hands ``fun``/``jac``/``hess``/``hessp`` a fresh copy of x (a function that writes into its
argument cannot move the solver), appends ``args``, accepts a scalar objective in any of SciPy's forms
(float, NumPy scalar, one-element array) and counts evaluations the way SciPy's result reports them:
``nfev`` every call of ``fun`` (finite-difference ones included), ``njev`` every gradient, ``nhev``
every Hessian or Hessian-vector product.
"""
from __future__ import annotations

import numpy as np

from .._validation import check_real

FD_METHODS = ("2-point", "3-point", "cs")
_EPS = np.finfo(np.float64).eps
_DEFAULT_REL = {"2-point": _EPS ** 0.5, "3-point": _EPS ** (1 / 3), "cs": _EPS ** 0.5}


def scalar_value(v) -> float:
    """f as a float: a Python/NumPy real scalar or a one-element array; ValueError naming the shape otherwise."""
    if isinstance(v, (float, int, np.floating, np.integer)) and not isinstance(v, bool):
        return float(v)
    check_real("objective value returned by fun", v)
    a = np.asarray(v)
    if a.size != 1 or a.dtype.kind not in "biuf":
        raise ValueError("The user-provided objective function must return a scalar value; got "
                         f"{'an array of shape ' + str(a.shape) if a.size != 1 else 'a ' + str(a.dtype)} value")
    return float(a.reshape(()))


_RETURNED = {"the gradient of fun": "gradient returned by fun", "jac": "gradient (jac) returned by the callable",
             "hessp": "Hessian-vector product (hessp) returned by the callable"}


def _vector(v, n: int, what: str) -> np.ndarray:
    check_real(_RETURNED.get(what, f"{what} returned by the callable"), v)
    a = np.asarray(v, dtype=np.float64)
    if a.size != n or a.ndim > 1:
        raise ValueError(f"minimize(): {what} returned shape {a.shape}, expected ({n},)")
    return a.reshape(n)


def _mapper(workers):
    """SciPy's ``workers``: None or 1 -> map; a map-like callable as is; an int > 1 (or -1) -> a thread pool."""
    if workers is None or (isinstance(workers, (int, np.integer)) and workers == 1):
        return lambda f, it: list(map(f, it))
    if callable(workers):
        return lambda f, it: list(workers(f, it))
    if isinstance(workers, (int, np.integer)) and (workers > 1 or workers == -1):
        import concurrent.futures
        import os
        nw = os.cpu_count() or 1 if workers == -1 else int(workers)

        def pmap(f, it):
            with concurrent.futures.ThreadPoolExecutor(nw) as ex:
                return list(ex.map(f, it))
        return pmap
    raise ValueError(f"Invalid workers: {workers!r} (expected None, an integer >= 1 or -1, or a map-like callable)")


class _Call:
    """fun(x, *args) as a picklable object (multiprocessing pools pickle what they map)."""

    def __init__(self, fun, args):
        self.fun, self.args = fun, args

    def __call__(self, x):
        return self.fun(x, *self.args)


class Problem:
    """fun (+ jac) of SciPy's ``minimize`` as one ``vg(x) -> (f, g)`` callable, counting evaluations.

    jac: a callable ``jac(x, *args)``; True (fun returns (f, g)); one of ``FD_METHODS`` (relative step
    ``finite_diff_rel_step`` or SciPy's default); or None: a fun returning a (value, gradient) tuple is
    used as is, else forward differences with the absolute step ``eps`` (SciPy's legacy default).
    """

    def __init__(self, fun, args, jac, n, *, eps=None, rel_step=None, workers=None):
        if not callable(fun):
            raise TypeError(f"minimize(): fun must be callable, got {type(fun).__name__}")
        if not (jac is None or jac is True or jac is False or callable(jac) or jac in FD_METHODS):
            raise ValueError(f"Invalid jac: {jac!r} (expected a callable, True, None, '2-point', '3-point' or 'cs')")
        self.fun, self.args, self.n = fun, args, n
        self.jac = None if jac is False else jac
        self.mode = ("call" if callable(jac) else "pair" if jac is True else
                     jac if jac in FD_METHODS else None)   # None: decided by fun's first return
        self.abs_step = eps if jac is None or jac is False else None   # SciPy: eps only when jac is None
        self.rel_step = rel_step
        self.map = _mapper(workers)
        self.nfev = self.njev = self.nhev = 0
        self._cache: dict[bytes, np.ndarray] = {}   # x.tobytes() -> gradient, the last few evaluations
        self.box = None   # (lo, hi) under L-BFGS-B: forward-difference steps stay in the box

    # -- single evaluations -----------------------------------------------------------------------------
    def call_fun(self, x):
        self.nfev += 1
        return self.fun(np.array(x, copy=True), *self.args)

    def value(self, x) -> float:
        return scalar_value(self.call_fun(x))

    def vg(self, x):
        """(f, g) at x: the one callable the C loop calls."""
        x = np.asarray(x, dtype=np.float64)
        if self.mode == "pair" or self.mode is None:
            r = self.call_fun(x)
            if self.mode is None:
                self.mode = "pair" if isinstance(r, tuple) and len(r) == 2 else "2-point"
                if self.mode == "2-point":
                    f = scalar_value(r)
                    return self._remember(x, f, self.fd_grad(x, f))
            if not (isinstance(r, (tuple, list)) and len(r) == 2):
                raise TypeError(f"minimize(): with jac=True, fun must return (value, gradient), got {type(r).__name__}")
            self.njev += 1
            return self._remember(x, scalar_value(r[0]), _vector(r[1], self.n, "the gradient of fun"))
        f = self.value(x)
        if self.mode == "call":
            self.njev += 1
            return self._remember(x, f, _vector(self.jac(np.array(x, copy=True), *self.args), self.n, "jac"))
        return self._remember(x, f, self.fd_grad(x, f))

    def grad(self, x) -> np.ndarray:
        """The gradient alone (finite-difference Hessian products): cached, else one evaluation."""
        g = self._cache.get(np.asarray(x, dtype=np.float64).tobytes())
        return g if g is not None else self.grad_only(x)

    def grad_only(self, x) -> np.ndarray:
        """The gradient at x, calling only ``jac`` when it is a callable (no value needed)."""
        if self.mode == "call":
            self.njev += 1
            return _vector(self.jac(np.array(x, copy=True), *self.args), self.n, "jac")
        return self.vg(np.asarray(x, dtype=np.float64))[1]

    def _remember(self, x, f, g):
        if len(self._cache) >= 8:
            self._cache.pop(next(iter(self._cache)))
        self._cache[x.tobytes()] = g
        return f, g

    # -- finite differences (SciPy's approx_derivative steps) -------------------------------------------
    def fd_grad(self, x, f0) -> np.ndarray:
        """∂f/∂xᵢ ≈ (f(x + hᵢeᵢ) − f(x))/hᵢ, central (f(x + h) − f(x − h))/2h, or Im f(x + ihᵢeᵢ)/hᵢ."""
        kind = "2-point" if self.mode in (None, "pair", "2-point") else self.mode
        h = self._steps(x, kind)
        self.njev += 1
        n = self.n
        if kind == "cs":
            pts = [x + 1j * h[i] * np.eye(1, n, i)[0] for i in range(n)]
            vals = self._map(pts)
            return np.array([np.asarray(v).reshape(()).imag / h[i] for i, v in enumerate(vals)])
        e = np.eye(n)
        if kind == "2-point":
            vals = self._map([x + h[i] * e[i] for i in range(n)])
            return np.array([(scalar_value(v) - f0) / h[i] for i, v in enumerate(vals)])
        vals = self._map([x + s * h[i] * e[i] for i in range(n) for s in (1.0, -1.0)])
        return np.array([(scalar_value(vals[2 * i]) - scalar_value(vals[2 * i + 1])) / (2 * h[i])
                         for i in range(n)])

    def _map(self, points):
        """fun at each point, through ``workers`` (a picklable callable, for process pools)."""
        self.nfev += len(points)
        return self.map(_Call(self.fun, self.args), points)

    def _steps(self, x, kind) -> np.ndarray:
        sign = np.where(x >= 0, 1.0, -1.0)
        default = _DEFAULT_REL[kind] * sign * np.maximum(1.0, np.abs(x))
        if self.abs_step is not None:
            h = np.broadcast_to(np.asarray(self.abs_step, dtype=np.float64), x.shape).copy()
            h = np.where((x + h) - x == 0, default, h)
        elif self.rel_step is not None:
            h = np.asarray(self.rel_step, dtype=np.float64) * sign * np.maximum(1.0, np.abs(x))
            h = np.where((x + h) - x == 0, default, h)
        else:
            h = default
        if kind == "3-point":
            h = np.abs(h)
        elif kind == "2-point" and self.box is not None:
            h = _steps_in_box(x, h, *self.box)
        return (x + h) - x   # a step the floating-point grid represents exactly


def _steps_in_box(x, h, lo, hi):
    """SciPy's one-sided rule (approx_derivative with bounds): a step x + h leaving the box is reversed when
    -h fits; when neither fits, the step is the distance to the farther bound."""
    lower, upper = x - lo, hi - x
    out = (x + h < lo) | (x + h > hi)
    fits = np.abs(h) <= np.maximum(lower, upper)
    h = np.where(out & fits, -h, h)
    h = np.where(~fits & (upper >= lower), upper, h)
    return np.where(~fits & (upper < lower), -lower, h)


# ---- second derivatives for "newton-cg" and "newton" ------------------------------------------------

def _apply(H, p):
    """H @ p for a dense array, a scipy.sparse matrix or a LinearOperator (anything with matvec/dot)."""
    if hasattr(H, "matvec"):
        return H.matvec(p)
    if hasattr(H, "dot") and not isinstance(H, np.ndarray):
        return H.dot(p)
    check_real("Hessian returned by the callable", H)
    return np.asarray(H, dtype=np.float64) @ p


def _dense(H, n):
    if hasattr(H, "toarray"):
        H = H.toarray()
    elif hasattr(H, "matmat"):
        H = H.matmat(np.eye(n))
    check_real("Hessian returned by the callable", H)
    return np.asarray(H, dtype=np.float64)


def hessp_for(pb: Problem, hess, hessp):
    """``hessp(x, p) -> H(x) p`` for the C loop, from SciPy's hess/hessp arguments (nhev/njev counted).

    hessp callable: called as is. hess callable (dense, sparse or LinearOperator result): evaluated once
    per new x and applied. hess a HessianUpdateStrategy (SciPy's BFGS/SR1): updated with (s, y) each new
    x and applied. hess "2-point"/"3-point"/"cs" or nothing: finite differences of the gradient along p,
    (g(x + hp) − g(x))/h, (g(x + hp) − g(x − hp))/2h (the default) or Im g(x + ihp)/h.
    """
    n, args = pb.n, pb.args
    if hessp is not None:
        if not callable(hessp):
            raise TypeError(f"minimize(): hessp must be callable, got {type(hessp).__name__}")

        def hp(x, p):
            pb.nhev += 1
            return _vector(hessp(np.array(x, copy=True), np.array(p, copy=True), *args), n, "hessp")
        return hp
    last = {"x": None, "H": None}
    if callable(hess) and not hasattr(hess, "initialize"):
        def hp(x, p):
            if last["x"] is None or not np.array_equal(last["x"], x):
                pb.nhev += 1
                last["x"], last["H"] = np.array(x, copy=True), hess(np.array(x, copy=True), *args)
            return _vector(_apply(last["H"], p), n, "hess(x) @ p")
        return hp
    if hess is not None and hasattr(hess, "initialize") and hasattr(hess, "update"):
        hess.initialize(n, "hess")

        def hp(x, p):
            if last["x"] is None or not np.array_equal(last["x"], x):
                g = pb.grad(x)
                if last["x"] is not None:
                    hess.update(x - last["x"], g - last["H"])
                last["x"], last["H"] = np.array(x, copy=True), g
            return _vector(hess.dot(p), n, "the Hessian update strategy's dot")
        return hp
    kind = hess if hess in FD_METHODS else "3-point"
    if hess is not None and hess not in FD_METHODS:
        raise ValueError(f"Invalid hess: {hess!r} (expected a callable, a HessianUpdateStrategy, "
                         "'2-point', '3-point' or 'cs')")

    def hp(x, p):
        pn = float(np.abs(p).max())
        if pn == 0.0:
            return np.zeros(n)
        h = _DEFAULT_REL["2-point" if kind == "cs" else kind] * max(1.0, float(np.abs(x).max())) / pn
        if kind == "cs":
            if pb.mode != "call":
                raise ValueError("hess='cs' needs jac to be a callable that accepts complex x")
            pb.njev += 1
            return np.asarray(pb.jac(x + 1j * h * p, *args)).reshape(n).imag / h
        if kind == "2-point":
            return (pb.grad_only(x + h * p) - pb.grad(x)) / h
        return (pb.grad_only(x + h * p) - pb.grad_only(x - h * p)) / (2 * h)
    return hp


def hess_for(pb: Problem, hess):
    """``hess(x) -> (n, n)`` dense for method "newton" (a sparse or LinearOperator result densified)."""
    if not callable(hess):
        raise TypeError(f"minimize(): method 'newton' needs hess as a callable, got {type(hess).__name__}")

    def h(x):
        pb.nhev += 1
        return _dense(hess(np.array(x, copy=True), *pb.args), pb.n)
    return h
