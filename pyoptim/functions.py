"""Test objectives for chapter 8: value, gradient, Hessian and Hessian-vector product of each.

Every objective is an :class:`Objective` with

* ``fun(x)`` / ``__call__(x)`` -> float, ``grad(x)`` -> (n,), ``value_and_grad(x)`` -> (f, g)
  (scipy's ``jac=True`` convention, so ``po.minimize(obj.value_and_grad, obj.x0)`` works, and so does
  ``po.minimize(obj, obj.x0)``: an Objective passed as ``fun`` is recognised);
* ``hess(x)`` -> (n, n), ``hessp(x, p)`` -> (n,);
* ``x0`` (a standard starting point), ``xmin`` (a known minimizer, or None), ``fmin`` (its value, or
  None), ``n`` (the dimension).

Constructors: :func:`quadratic` (a chosen condition number, book 8.2.1 / 8.6), :func:`rosenbrock`
(2-D and extended n-D), :func:`beale`, :func:`saddle` (x² − y², book 8.2.3), :func:`cliff` (a steep wall,
book 8.2.4), :func:`bumpy` (a 1-D function with many local minima and its analytic Gaussian
smoothing, book 8.7.6), and the model objectives :func:`least_squares`, :func:`logistic_regression` and
:func:`softmax_regression` on data ``(X, y)`` with an optional L2 term.

The objectives whose value and gradient are computed in C (Rosenbrock, the quadratic and the three
model objectives) carry a ``_c_objective`` attribute; :func:`pyoptim.minimize` then runs the whole
iteration loop in C, with no Python per iteration (book 8.6 at the speed of a compiled solver).

Example
-------
>>> import pyoptim as po
>>> f = po.functions.rosenbrock(2)
>>> res = po.minimize(f, f.x0, method="bfgs")
>>> bool(abs(res.x - f.xmin).max() < 1e-4)
True
"""
from __future__ import annotations

import math

import numpy as np

from . import kernels
from ._validation import check_choice, check_finite

__all__ = ["Objective", "quadratic", "rosenbrock", "beale", "saddle", "cliff", "bumpy", "Bumpy",
           "least_squares", "logistic_regression", "softmax_regression"]


def _vec(x, n: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (n,):
        x = x.reshape(-1)
        if x.shape != (n,):
            raise ValueError(f"Invalid x: shape {np.shape(x)} (expected ({n},))")
    return x


class Objective:
    """Base class: subclasses implement ``_vg(x) -> (f, g)``, ``_hess(x)``, and optionally ``_hessp``.

    ``x`` is converted to a float64 vector of length ``n`` (scipy's convention: flat parameters).
    """

    name = "objective"
    _c_objective = None   # (kind, arrays...) for the C loop of pyoptim.minimize, or None

    def _c_value_and_grad(self, kernel, x, *args, **kw):
        """(f, g) from a C ``*_value_and_grad`` kernel, which returns f and writes g into a new array."""
        g = np.empty(self.n)
        f = kernel(g, x, *args, **kw)
        return f, g

    def __init__(self, n: int, x0, xmin=None, fmin=None):
        self.n = int(n)
        self.x0 = np.asarray(x0, dtype=np.float64).reshape(self.n)
        self.xmin = None if xmin is None else np.asarray(xmin, dtype=np.float64).reshape(self.n)
        self.fmin = None if fmin is None else float(fmin)

    # -- the protocol ------------------------------------------------------------------------------
    def value_and_grad(self, x) -> tuple[float, np.ndarray]:
        """(f(x), ∇f(x)): scipy's ``jac=True`` convention."""
        return self._vg(_vec(x, self.n))

    def fun(self, x) -> float:
        """The value f(x)."""
        return self._vg(_vec(x, self.n))[0]

    __call__ = fun

    def grad(self, x) -> np.ndarray:
        """The gradient ∇f(x), shape (n,)."""
        return self._vg(_vec(x, self.n))[1]

    def hess(self, x) -> np.ndarray:
        """The Hessian H(x) = ∇²f(x), shape (n, n)."""
        return self._hess(_vec(x, self.n))

    def hessp(self, x, p) -> np.ndarray:
        """The Hessian-vector product H(x) p, shape (n,) (without forming H when the objective can)."""
        return self._hessp(_vec(x, self.n), _vec(p, self.n))

    def _hessp(self, x, p):
        return self._hess(x) @ p

    def __repr__(self) -> str:
        return f"<pyoptim.functions.{self.name} n={self.n}>"


# ---- quadratic --------------------------------------------------------------------------------------

class Quadratic(Objective):
    """f(x) = ½ xᵀHx − bᵀx with H symmetric positive definite: ∇f = Hx − b, ∇²f = H, x* = H⁻¹b."""

    name = "quadratic"

    def __init__(self, H, b, x0=None):
        H = np.ascontiguousarray(H, dtype=np.float64)
        b = np.ascontiguousarray(b, dtype=np.float64)
        n = b.shape[0]
        if H.shape != (n, n):
            raise ValueError(f"Invalid H: shape {H.shape} (expected ({n}, {n}))")
        self.H, self.b = H, b
        try:
            xmin = np.linalg.solve(H, b)
            fmin = -0.5 * float(b @ xmin)
        except np.linalg.LinAlgError:
            xmin, fmin = None, None
        super().__init__(n, np.zeros(n) if x0 is None else x0, xmin, fmin)
        self._c_objective = ("quadratic", H, b)

    def _vg(self, x):
        return self._c_value_and_grad(kernels.quadratic_value_and_grad, x, self.H, self.b)

    def _hess(self, x):
        return self.H.copy()

    def _hessp(self, x, p):
        return self.H @ p


def quadratic(n: int = 2, cond: float = 10.0, seed=0, spectrum: str = "geometric") -> Quadratic:
    """An n-dimensional convex quadratic ½xᵀHx − bᵀx whose Hessian has condition number ``cond``.

    H = Q diag(λ) Qᵀ with eigenvalues λ from 1 to ``cond`` (book 8.2.1: gradient descent's rate depends
    on κ = λmax/λmin) and Q a random rotation (identity when n = 1). b is random, so x* = H⁻¹b is not
    the origin; ``x0`` lies at distance about √n from x*.

    Parameters
    ----------
    n : int, dimension (>= 1)
    cond : float, κ(H) >= 1
    seed : int or numpy.random.Generator
    spectrum : "geometric" (λ spaced geometrically: many small eigenvalues, the harder case for
        conjugate gradients in floating point, which then needs somewhat more than n iterations) or
        "linear" (evenly spaced).
    """
    if int(n) != n or n < 1:
        raise ValueError(f"Invalid n: {n!r} (expected an integer >= 1)")
    check_finite("cond", cond, 1)
    check_choice("spectrum", spectrum, "geometric", "linear")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = int(n)
    if n == 1:
        lam = np.array([1.0])
    else:
        lam = np.geomspace(1.0, cond, n) if spectrum == "geometric" else np.linspace(1.0, cond, n)
    if n > 1:
        Q, R = np.linalg.qr(rng.standard_normal((n, n)))
        Q = Q * np.sign(np.diag(R))
    else:
        Q = np.ones((1, 1))
    H = (Q * lam) @ Q.T
    H = 0.5 * (H + H.T)
    b = rng.standard_normal(n)
    obj = Quadratic(H, b)
    obj.x0 = obj.xmin + rng.standard_normal(n) if obj.xmin is not None else np.zeros(n)
    obj.cond = float(cond)
    obj.eigenvalues = lam
    return obj


# ---- Rosenbrock -------------------------------------------------------------------------------------

class Rosenbrock(Objective):
    """Extended Rosenbrock: f(x) = Σᵢ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², i = 0..n−2 (scipy.optimize.rosen).

    Minimum 0 at x = (1, ..., 1); standard start (−1.2, 1, −1.2, 1, ...). The curved valley makes it
    the classic test of line searches and quasi-Newton updates (book 8.6). The Hessian is tridiagonal.
    """

    name = "rosenbrock"

    def __init__(self, n: int = 2):
        if int(n) != n or n < 2:
            raise ValueError(f"Invalid n: {n!r} (expected an integer >= 2)")
        n = int(n)
        x0 = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
        super().__init__(n, x0, np.ones(n), 0.0)
        self._c_objective = ("rosenbrock",)

    def _vg(self, x):
        return self._c_value_and_grad(kernels.rosenbrock_value_and_grad, x)

    def _hess(self, x):
        n = self.n
        H = np.zeros((n, n))
        d = np.zeros(n)
        d[:-1] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
        d[1:] += 200.0
        off = -400.0 * x[:-1]
        H[np.arange(n), np.arange(n)] = d
        H[np.arange(n - 1), np.arange(1, n)] = off
        H[np.arange(1, n), np.arange(n - 1)] = off
        return H

    def _hessp(self, x, p):
        d = np.zeros(self.n)
        d[:-1] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
        d[1:] += 200.0
        off = -400.0 * x[:-1]
        hp = d * p
        hp[:-1] += off * p[1:]
        hp[1:] += off * p[:-1]
        return hp


def rosenbrock(n: int = 2) -> Rosenbrock:
    """Rosenbrock's banana function, extended to n >= 2 dimensions (see :class:`Rosenbrock`)."""
    return Rosenbrock(n)


# ---- Beale ------------------------------------------------------------------------------------------

class Beale(Objective):
    """Beale: f(x, y) = Σₖ (cₖ − x + x yᵏ)², c = (1.5, 2.25, 2.625); minimum 0 at (3, 0.5)."""

    name = "beale"
    _c = (1.5, 2.25, 2.625)

    def __init__(self):
        super().__init__(2, [1.0, 1.0], [3.0, 0.5], 0.0)

    def _vg(self, v):
        x, y = v
        f = 0.0
        g = np.zeros(2)
        for k, c in enumerate(self._c, start=1):
            r = c - x + x * y ** k
            f += r * r
            g[0] += 2.0 * r * (y ** k - 1.0)
            g[1] += 2.0 * r * (k * x * y ** (k - 1))
        return float(f), g

    def _hess(self, v):
        x, y = v
        H = np.zeros((2, 2))
        for k, c in enumerate(self._c, start=1):
            r = c - x + x * y ** k
            rx = y ** k - 1.0
            ry = k * x * y ** (k - 1)
            rxy = k * y ** (k - 1)
            ryy = k * (k - 1) * x * y ** (k - 2) if k >= 2 else 0.0
            H[0, 0] += 2.0 * rx * rx
            H[0, 1] += 2.0 * (rx * ry + r * rxy)
            H[1, 1] += 2.0 * (ry * ry + r * ryy)
        H[1, 0] = H[0, 1]
        return H


def beale() -> Beale:
    """Beale's function (2-D, minimum 0 at (3, 0.5), flat valleys and steep walls)."""
    return Beale()


# ---- saddle -----------------------------------------------------------------------------------------

class Saddle(Objective):
    """f(x, y) = x² − y²: a saddle point at the origin, unbounded below (book 8.2.3).

    Newton's method solves H d = −g exactly and jumps to the saddle in one step; gradient descent and
    saddle-free Newton (|H|) move away from it along y. ``xmin`` and ``fmin`` are None (no minimum);
    ``xsaddle`` is the origin.
    """

    name = "saddle"

    def __init__(self):
        super().__init__(2, [1.0, 0.01])
        self.xsaddle = np.zeros(2)

    def _vg(self, v):
        x, y = v
        return float(x * x - y * y), np.array([2.0 * x, -2.0 * y])

    def _hess(self, v):
        return np.array([[2.0, 0.0], [0.0, -2.0]])


def saddle() -> Saddle:
    """The saddle x² − y² (see :class:`Saddle`)."""
    return Saddle()


# ---- cliff ------------------------------------------------------------------------------------------

class Cliff(Objective):
    """A gentle bowl with a near-vertical wall (book 8.2.4, Fig. 8.3):

        f(x, y) = ½ a (x² + y²) + h · σ(k (x − c)),   σ(t) = 1 / (1 + e^{−t})

    For x well above c the point sits on a plateau of height h; at x = c the surface drops by h over a
    width of about 1/k, so the gradient there is about h·k/4 (62.5 with the defaults) against about 1
    elsewhere. A plain gradient step at the wall is catapulted far away; clipping the gradient norm
    bounds the step while keeping its direction. The minimum is (numerically) the origin.
    """

    name = "cliff"

    def __init__(self, a: float = 1.0, h: float = 5.0, k: float = 50.0, c: float = 1.0):
        self.a, self.h, self.k, self.c = float(a), float(h), float(k), float(c)
        super().__init__(2, [2.0, 1.0])
        # the sigmoid term's slope at the origin is ~h·k·e^{−kc}: the minimizer is the origin to
        # within that (2e-20 with the defaults); one Newton step on x makes it exact in double.
        x = 0.0
        for _ in range(3):
            s = self._sig(self.k * (x - self.c))
            g = self.a * x + self.h * self.k * s * (1 - s)
            hxx = self.a + self.h * self.k ** 2 * s * (1 - s) * (1 - 2 * s)
            x -= g / hxx
        self.xmin = np.array([x, 0.0])
        self.fmin = self.fun(self.xmin)

    @staticmethod
    def _sig(t):
        return 0.5 * (1.0 + math.tanh(0.5 * t))

    def _vg(self, v):
        x, y = v
        s = self._sig(self.k * (x - self.c))
        f = 0.5 * self.a * (x * x + y * y) + self.h * s
        g = np.array([self.a * x + self.h * self.k * s * (1.0 - s), self.a * y])
        return float(f), g

    def _hess(self, v):
        x, _ = v
        s = self._sig(self.k * (x - self.c))
        hxx = self.a + self.h * self.k ** 2 * s * (1.0 - s) * (1.0 - 2.0 * s)
        return np.array([[hxx, 0.0], [0.0, self.a]])


def cliff(a: float = 1.0, h: float = 5.0, k: float = 50.0, c: float = 1.0) -> Cliff:
    """A bowl with a cliff at x = c (see :class:`Cliff`)."""
    for name, v in (("a", a), ("h", h), ("k", k)):
        check_finite(name, v, 0, closed="neither")
    return Cliff(a, h, k, c)


# ---- bumpy 1-D and its Gaussian smoothing -----------------------------------------------------------

class Bumpy(Objective):
    """A 1-D function with many local minima (book 8.7.6, continuation methods):

        f(x) = a·x² + b·sin(ω·x + φ)

    and its Gaussian smoothing ``smoothed(σ)``: E_{ε~N(0,σ²)} f(x + ε), which is analytic,

        f_σ(x) = a·(x² + σ²) + b·e^{−ω²σ²/2}·sin(ω·x + φ),

    because E[sin(ω(x+ε)+φ)] = e^{−ω²σ²/2} sin(ωx+φ). For large σ the ripples vanish and f_σ is
    convex; continuation minimizes f_σ for a decreasing schedule of σ, each time starting from the
    previous minimizer, and tracks the global minimum. With the defaults (a=1, b=1, ω=10, φ=0.5,
    x0=2.3) gradient descent from x0 stops in a local minimum near x≈1.8, while continuation from
    σ=1 to 0 reaches the global one near x≈−0.2.
    """

    name = "bumpy"

    def __init__(self, a=1.0, b=1.0, omega=10.0, phi=0.5, x0=2.3, sigma=0.0):
        self.a, self.b, self.omega, self.phi, self.sigma = float(a), float(b), float(omega), float(phi), float(sigma)
        self._amp = self.b * math.exp(-0.5 * (self.omega * self.sigma) ** 2)
        super().__init__(1, [x0])
        self.xmin = np.array([self._global_min()])
        self.fmin = self.fun(self.xmin)

    def smoothed(self, sigma: float) -> "Bumpy":
        """The Gaussian-smoothed objective f_σ (σ >= 0), a new :class:`Bumpy` with the same x0."""
        check_finite("sigma", sigma, 0)
        return Bumpy(self.a, self.b, self.omega, self.phi, float(self.x0[0]), math.hypot(self.sigma, sigma))

    def _vg(self, v):
        x = float(v[0])
        t = self.omega * x + self.phi
        f = self.a * (x * x + self.sigma ** 2) + self._amp * math.sin(t)
        g = 2.0 * self.a * x + self._amp * self.omega * math.cos(t)
        return f, np.array([g])

    def _hess(self, v):
        x = float(v[0])
        return np.array([[2.0 * self.a - self._amp * self.omega ** 2 * math.sin(self.omega * x + self.phi)]])

    def _global_min(self) -> float:
        # the quadratic bounds the search: |x| <= sqrt(2|b|/a) + 1 contains every point below f(0)+|b|
        r = math.sqrt(2.0 * abs(self.b) / self.a) + 1.0 if self.a > 0 else 10.0
        xs = np.linspace(-r, r, 20001)
        fs = self.a * (xs ** 2 + self.sigma ** 2) + self._amp * np.sin(self.omega * xs + self.phi)
        x = float(xs[np.argmin(fs)])
        for _ in range(20):   # Newton polish
            t = self.omega * x + self.phi
            g = 2.0 * self.a * x + self._amp * self.omega * math.cos(t)
            h = 2.0 * self.a - self._amp * self.omega ** 2 * math.sin(t)
            if h <= 0:
                break
            x -= g / h
        return x


def bumpy(a: float = 1.0, b: float = 1.0, omega: float = 10.0, phi: float = 0.5, x0: float = 2.3) -> Bumpy:
    """The bumpy 1-D function a·x² + b·sin(ωx + φ) (see :class:`Bumpy`); ``.smoothed(sigma)``."""
    check_finite("a", a, 0, closed="neither")
    return Bumpy(a, b, omega, phi, x0)


# ---- model objectives: least squares, logistic and softmax regression --------------------------------

def _check_dataset(X, y, l2, y_kind):
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"Invalid X: shape {X.shape} (expected a 2-D array (N, D))")
    if not np.all(np.isfinite(X)):
        raise ValueError("Invalid X: contains NaN or inf (expected finite values)")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"Invalid y: shape {y.shape} (expected ({X.shape[0]},))")
    check_finite("l2", l2, 0)
    if y_kind == "int":
        if not np.issubdtype(y.dtype, np.integer):
            if not np.all(y == np.round(y)):
                raise ValueError("Invalid y: expected integer class labels")
        y = np.ascontiguousarray(y, dtype=np.int64)
    else:
        y = np.ascontiguousarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("Invalid y: contains NaN or inf (expected finite values)")
    return X, y, float(l2)


class LeastSquares(Objective):
    """f(w) = (1/2N) ‖Xw − y‖² + (l2/2) ‖w‖²  (w of length D; add a column of ones for a bias).

    ∇f = Xᵀ(Xw − y)/N + l2·w,  ∇²f = XᵀX/N + l2·I. Value and gradient in one C pass over X.
    """

    name = "least_squares"

    def __init__(self, X, y, l2=0.0):
        self.X, self.y, self.l2 = _check_dataset(X, y, l2, "float")
        N, D = self.X.shape
        A = self.X.T @ self.X / max(N, 1) + self.l2 * np.eye(D)
        rhs = self.X.T @ self.y / max(N, 1)
        try:
            xmin = np.linalg.lstsq(A, rhs, rcond=None)[0]
        except np.linalg.LinAlgError:  # pragma: no cover
            xmin = None
        super().__init__(D, np.zeros(D), xmin)
        if xmin is not None:
            self.fmin = self.fun(xmin)
        self._c_objective = ("least_squares", self.X, self.y, self.l2)

    def _vg(self, w):
        return self._c_value_and_grad(kernels.least_squares_value_and_grad, w, self.X, self.y, l2=self.l2)

    def _hess(self, w):
        N = max(self.X.shape[0], 1)
        return self.X.T @ self.X / N + self.l2 * np.eye(self.n)

    def _hessp(self, w, p):
        N = max(self.X.shape[0], 1)
        return self.X.T @ (self.X @ p) / N + self.l2 * p


class LogisticRegression(Objective):
    """Binary logistic regression, y ∈ {0, 1}:

        f(w) = (1/N) Σᵢ [log(1 + e^{zᵢ}) − yᵢ zᵢ] + (l2/2) ‖w‖²,   z = Xw

    ∇f = Xᵀ(σ(z) − y)/N + l2·w,  ∇²f = Xᵀ diag(σ(z)(1 − σ(z))) X / N + l2·I.
    Value and gradient in one fused C pass over the rows of X (the log-sum-exp is computed stably).
    """

    name = "logistic_regression"

    def __init__(self, X, y, l2=0.0):
        self.X, self.y, self.l2 = _check_dataset(X, y, l2, "float")
        if not np.all((self.y == 0) | (self.y == 1)):
            raise ValueError("Invalid y: expected labels in {0, 1}")
        super().__init__(self.X.shape[1], np.zeros(self.X.shape[1]))
        self._c_objective = ("logistic", self.X, self.y, self.l2)

    def _vg(self, w):
        return self._c_value_and_grad(kernels.logistic_value_and_grad, w, self.X, self.y, l2=self.l2)

    def _sig(self, w):
        z = self.X @ w
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    def _hess(self, w):
        s = self._sig(w)
        N = max(self.X.shape[0], 1)
        return (self.X.T * (s * (1 - s))) @ self.X / N + self.l2 * np.eye(self.n)

    def _hessp(self, w, p):
        s = self._sig(w)
        N = max(self.X.shape[0], 1)
        return self.X.T @ ((s * (1 - s)) * (self.X @ p)) / N + self.l2 * p


class SoftmaxRegression(Objective):
    """Multinomial logistic regression with K classes; W of shape (D, K) flattened row-major:

        f(W) = (1/N) Σᵢ [logsumexp(zᵢ) − zᵢ,yᵢ] + (l2/2) ‖W‖²,   Z = XW

    ∇f = Xᵀ(softmax(Z) − onehot(y))/N + l2·W. Value and gradient in one C pass over the rows of X.
    """

    name = "softmax_regression"

    def __init__(self, X, y, l2=0.0, n_classes=None):
        self.X, self.y, self.l2 = _check_dataset(X, y, l2, "int")
        K = int(n_classes) if n_classes is not None else (int(self.y.max()) + 1 if self.y.size else 1)
        if self.y.size and (self.y.min() < 0 or self.y.max() >= K):
            raise ValueError(f"Invalid y: labels must lie in [0, {K})")
        self.n_classes = K
        super().__init__(self.X.shape[1] * K, np.zeros(self.X.shape[1] * K))
        self._c_objective = ("softmax", self.X, self.y, self.l2, K)

    def _vg(self, w):
        return self._c_value_and_grad(kernels.softmax_value_and_grad, w, self.X, self.y, l2=self.l2,
                                      n_classes=self.n_classes)

    def _probs(self, w):
        Z = self.X @ w.reshape(self.X.shape[1], self.n_classes)
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        return P / P.sum(axis=1, keepdims=True)

    def _hessp(self, w, p):
        D, K = self.X.shape[1], self.n_classes
        N = max(self.X.shape[0], 1)
        P = self._probs(w)
        V = self.X @ p.reshape(D, K)
        R = P * V - P * (P * V).sum(axis=1, keepdims=True)
        return (self.X.T @ R).reshape(-1) / N + self.l2 * p

    def _hess(self, w):
        n = self.n
        H = np.empty((n, n))
        eye = np.eye(n)
        for j in range(n):
            H[:, j] = self._hessp(w, eye[j])
        return 0.5 * (H + H.T)


def least_squares(X, y, l2: float = 0.0) -> LeastSquares:
    """Linear least squares (1/2N)‖Xw − y‖² + (l2/2)‖w‖² on data (X, y) (see :class:`LeastSquares`)."""
    return LeastSquares(X, y, l2)


def logistic_regression(X, y, l2: float = 0.0) -> LogisticRegression:
    """Mean logistic loss on (X, y ∈ {0,1}) plus (l2/2)‖w‖² (see :class:`LogisticRegression`)."""
    return LogisticRegression(X, y, l2)


def softmax_regression(X, y, l2: float = 0.0, n_classes: int | None = None) -> SoftmaxRegression:
    """Mean softmax cross-entropy on (X, integer labels y) plus (l2/2)‖W‖² (see :class:`SoftmaxRegression`)."""
    return SoftmaxRegression(X, y, l2, n_classes)
