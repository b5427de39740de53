"""The Hessian's spectrum: extreme eigenvalues, condition number, negative curvature (book 8.2.1-8.2.3).

Ill-conditioning (8.2.1) is the ratio of the largest to the smallest eigenvalue of H; saddle points
(8.2.3) show up as negative eigenvalues. For a network H is only available as products Hv
(:class:`~pyoptim.diagnostics.HessianOperator`), which is exactly what the Lanczos method needs:
k products build a k×k tridiagonal matrix T whose eigenvalues (Ritz values) approach the extreme
eigenvalues of H first (Lanczos 1950; Golub & Van Loan, *Matrix Computations*, ch. 10). Full
reorthogonalization keeps the Krylov basis orthogonal in floating point (cheap for the small k used
here). Stochastic Lanczos quadrature (Golub & Meurant 1994; Ghorbani, Krishnan & Xiao 2019) turns a
few Lanczos runs from random starts into an estimate of the whole spectral density, hence of the
fraction of negative eigenvalues.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..callbacks import Callback
from ._hvp import HessianOperator
from .._validation import check_choice, check_int

__all__ = ["lanczos", "lanczos_eigs", "power_iteration", "slq_density", "negative_fraction", "full_hessian",
           "hessian_spectrum", "condition_number", "Spectrum", "SpectrumMonitor"]


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def lanczos(matvec: Callable, n: int, m: int, v0=None, seed=0, reorth: bool = True):
    """m steps of the symmetric Lanczos process on an n×n operator (book 8.2.1 tools).

    Builds an orthonormal basis Q = [q₁..q_m] of the Krylov space span{v₀, Hv₀, ..., H^{m−1}v₀} and the
    tridiagonal T = QᵀHQ (diagonal ``alpha``, off-diagonal ``beta``). With ``reorth`` each new vector
    is orthogonalized against all previous ones twice (classical Gram-Schmidt, "twice is enough"),
    so T's eigenvalues are trustworthy; stops early (returns fewer steps) on an invariant subspace.

    Returns ``(alpha, beta, Q)`` with Q of shape (n, steps).
    """
    n = check_int("n", n, 1)
    m = min(check_int("m", m, 1), n)
    rng = _rng(seed)
    q = rng.standard_normal(n) if v0 is None else np.array(v0, dtype=np.float64).reshape(n)
    nq = np.linalg.norm(q)
    if nq == 0:
        raise ValueError("Invalid v0: the zero vector (expected a non-zero start)")
    Q = np.zeros((n, m))
    Q[:, 0] = q / nq
    alpha, beta = np.zeros(m), np.zeros(max(m - 1, 0))
    for j in range(m):
        w = np.asarray(matvec(Q[:, j]), dtype=np.float64).reshape(n)
        alpha[j] = Q[:, j] @ w
        if reorth:
            for _ in range(2):
                w -= Q[:, :j + 1] @ (Q[:, :j + 1].T @ w)
        else:
            w -= alpha[j] * Q[:, j]
            if j > 0:
                w -= beta[j - 1] * Q[:, j - 1]
        if j == m - 1:
            break
        b = np.linalg.norm(w)
        scale = max(abs(alpha[:j + 1]).max(), 1e-300)
        if b <= 1e-12 * scale:  # invariant subspace: the Ritz values are exact eigenvalues
            return alpha[:j + 1], beta[:j], Q[:, :j + 1]
        beta[j] = b
        Q[:, j + 1] = w / b
    return alpha, beta, Q


def _tridiag_eigh(alpha, beta):
    T = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    return np.linalg.eigh(T)


def lanczos_eigs(matvec: Callable, n: int, k: int = 1, which: str = "both", m: int | None = None, seed=0):
    """The k largest and/or smallest eigenvalues of a symmetric operator by Lanczos with full
    reorthogonalization (Ritz values of m = min(n, max(2k + 20, 30)) steps by default).

    ``which``: "LA" (largest algebraic), "SA" (smallest), "both" -> (largest k descending, smallest k
    ascending). With m = n the result is exact up to rounding.
    """
    k = check_int("k", k, 1)
    check_choice("which", which, "LA", "SA", "both")
    m = min(n, max(2 * k + 20, 30)) if m is None else min(check_int("m", m, 1), n)
    alpha, beta, _ = lanczos(matvec, n, m, seed=seed)
    theta = np.linalg.eigvalsh(np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1))
    top = theta[::-1][:k]
    bottom = theta[:k]
    if which == "LA":
        return top
    if which == "SA":
        return bottom
    return top, bottom


def power_iteration(matvec: Callable, n: int, iters: int = 200, tol: float = 1e-8, seed=0, shift: float = 0.0):
    """The eigenvalue of largest magnitude of (H − shift·I) by power iteration, plus the shift back.

    The fallback when Lanczos is not wanted: converges at rate |λ₂/λ₁| per step. For the smallest
    eigenvalue of H call it again with ``shift`` = the largest one (H − λ_max I is negative
    semi-definite, so its dominant eigenvalue is λ_min − λ_max). Returns ``(eigenvalue, vector)``.
    """
    n = check_int("n", n, 1)
    iters = check_int("iters", iters, 1)
    v = _rng(seed).standard_normal(n)
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(iters):
        w = np.asarray(matvec(v), dtype=np.float64) - shift * v
        lam_new = float(v @ w)
        nw = np.linalg.norm(w)
        if nw == 0:
            return shift, v
        v = w / nw
        if abs(lam_new - lam) <= tol * max(1.0, abs(lam_new)):
            lam = lam_new
            break
        lam = lam_new
    return lam + shift, v


def slq_density(matvec: Callable, n: int, m: int = 30, n_vectors: int = 5, seed=0):
    """Stochastic Lanczos quadrature: the spectral density as weighted nodes.

    For Rademacher vectors v (E[vvᵀ] = I), vᵀ f(H) v / n ≈ Σⱼ τⱼ² f(θⱼ) with θⱼ, τⱼ the eigenvalues
    and first eigenvector components of the Lanczos T started at v (Gauss quadrature). Averaging over
    vectors gives nodes and weights (summing to 1) of the density φ(λ) = (1/n) Σᵢ δ(λ − λᵢ).
    Returns ``(nodes, weights)``.
    """
    n_vectors = check_int("n_vectors", n_vectors, 1)
    rng = _rng(seed)
    nodes, weights = [], []
    for _ in range(n_vectors):
        v = rng.choice([-1.0, 1.0], size=n)
        alpha, beta, _ = lanczos(matvec, n, min(m, n), v0=v, seed=rng)
        theta, S = _tridiag_eigh(alpha, beta)
        nodes.append(theta)
        weights.append(S[0, :] ** 2 / n_vectors)
    return np.concatenate(nodes), np.concatenate(weights)


#: What counts as a negative eigenvalue among *exact* eigenvalues: below −EXACT_NEGATIVE_RTOL·max|λ|
#: (rounding level). :func:`hessian_spectrum` and :func:`pyoptim.plot.hessian_spectrum` both use it,
#: so the count a figure shows is ``negative_fraction * n``.
EXACT_NEGATIVE_RTOL = 1e-8


def negative_fraction(eigenvalues=None, *, nodes=None, weights=None, tol: float = 0.0) -> float:
    """The fraction of eigenvalues below −tol: exact from a list of eigenvalues, or estimated from
    SLQ (nodes, weights). Near a saddle point this is > 0 (book 8.2.3)."""
    if eigenvalues is not None:
        ev = np.asarray(eigenvalues)
        return float(np.mean(ev < -tol)) if ev.size else 0.0
    return float(np.sum(np.asarray(weights)[np.asarray(nodes) < -tol]))


def condition_number(eigenvalues) -> float:
    """κ(H) = max|λ| / min|λ| (book 8.2.1, eq. 4.2's ratio for the Hessian); inf when an eigenvalue is 0."""
    a = np.abs(np.asarray(eigenvalues, dtype=np.float64))
    if a.size == 0:
        raise ValueError("Invalid eigenvalues: empty (expected at least one)")
    mn = a.min()
    return float(np.inf) if mn == 0 else float(a.max() / mn)


def full_hessian(model_or_op, loss=None, X=None, y=None, dtype=np.float64, symmetrize: bool = True) -> np.ndarray:
    """The whole Hessian (n×n), assembled column by column from n exact products H eᵢ (small models only).

    Accepts a model with (loss, X, y), a :class:`HessianOperator`, or a matvec callable with ``n=``
    given as ``loss``. The exact H is symmetric; rounding is removed by ½(H + Hᵀ) when ``symmetrize``.
    """
    if isinstance(model_or_op, HessianOperator):
        op = model_or_op
        mv, n = op.matvec_flat, op.n
    elif callable(model_or_op) and not hasattr(model_or_op, "parameters"):
        mv, n = model_or_op, int(loss)
    else:
        op = HessianOperator(model_or_op, loss, X, y, dtype=dtype, compute_grad=False)
        mv, n = op.matvec_flat, op.n
    if n > 20000:
        raise ValueError(f"Invalid model: {n} parameters (expected <= 20000 for a dense Hessian; use hessian_spectrum)")
    H = np.empty((n, n))
    e = np.zeros(n)
    for i in range(n):
        e[i] = 1.0
        H[:, i] = mv(e)
        e[i] = 0.0
    return 0.5 * (H + H.T) if symmetrize else H


@dataclass
class Spectrum:
    """What :func:`hessian_spectrum` found. ``top`` (descending) and ``bottom`` (ascending) are the k
    extreme eigenvalues; ``condition`` = λ_max/λ_min when λ_min > 0, else inf (the quadratic model has
    no minimum along the bottom eigenvector, book 8.2.3); ``negative_fraction`` the fraction of
    eigenvalues < −tol (exact for method="full", SLQ estimate otherwise); ``eigenvalues`` all of them
    (method="full" only)."""

    top: np.ndarray
    bottom: np.ndarray
    condition: float
    negative_fraction: float
    n: int
    method: str
    eigenvalues: np.ndarray | None = None
    density: tuple | None = field(default=None, repr=False)


def hessian_spectrum(model, loss=None, X=None, y=None, k: int = 5, method: str = "auto", m: int | None = None,
                     n_vectors: int = 5, tol: float | None = None, seed=0, dtype=np.float64) -> Spectrum:
    """Extreme eigenvalues, condition number and negative-curvature fraction of the loss Hessian
    (book 8.2.1 ill-conditioning, 8.2.3 saddle points).

    ``model`` is a pyoptim.nn model (with ``loss, X, y``) or a ready :class:`HessianOperator`.
    ``method``: "full" (assemble H from n products, then ``numpy.linalg.eigvalsh``: exact, n ≲ 2000),
    "lanczos" (Lanczos with full reorthogonalization for the extremes + SLQ for the negative fraction),
    "power" (power iteration for λ_max, then on H − λ_max I for λ_min; k = 1), or "auto" (full when
    n <= 500). ``tol`` decides what counts as negative: default 1e-8·max|λ| for exact eigenvalues and
    1e-3·max|λ| for the SLQ estimate (its nodes cannot resolve the sign of the near-zero cluster that
    network Hessians have).
    """
    k = check_int("k", k, 1)
    check_choice("method", method, "auto", "full", "lanczos", "power")
    op = model if isinstance(model, HessianOperator) else HessianOperator(model, loss, X, y, dtype=dtype,
                                                                         compute_grad=False)
    n = op.n
    if method == "auto":
        method = "full" if n <= 500 else "lanczos"
    ev = dens = None
    if method == "full":
        ev = np.linalg.eigvalsh(full_hessian(op))
        top, bottom = ev[::-1][:k], ev[:k]
    elif method == "lanczos":
        top, bottom = lanczos_eigs(op.matvec_flat, n, k, "both", m=m, seed=seed)
    else:
        lmax, _ = power_iteration(op.matvec_flat, n, seed=seed)
        lmin, _ = power_iteration(op.matvec_flat, n, seed=seed, shift=lmax)
        top, bottom = np.array([lmax]), np.array([lmin])
    scale = max(abs(top[0]), abs(bottom[0]))
    # what counts as negative: rounding level for exact eigenvalues; for SLQ, whose quadrature nodes
    # cannot resolve the sign of the (often huge) cluster of near-zero eigenvalues, 1e-3·max|λ|
    tol_ = (EXACT_NEGATIVE_RTOL if ev is not None else 1e-3) * scale if tol is None else float(tol)
    if ev is not None:
        frac = negative_fraction(ev, tol=tol_)
    elif bottom[0] >= -tol_:
        frac = 0.0
    else:
        nodes, weights = slq_density(op.matvec_flat, n, m=min(n, m or 30), n_vectors=n_vectors, seed=seed)
        dens = (nodes, weights)
        frac = negative_fraction(nodes=nodes, weights=weights, tol=tol_)
    cond = float(top[0] / bottom[0]) if bottom[0] > 0 else float("inf")
    return Spectrum(np.asarray(top), np.asarray(bottom), cond, frac, n, method, ev, dens)


class SpectrumMonitor(Callback):
    """A ``fit`` callback that tracks the Hessian's extreme eigenvalues during training (book 8.2.1).

    Every ``every`` optimizer steps (after the step, in ``on_batch_end``) it computes
    :func:`hessian_spectrum` on (X, y) if given, else on the current batch, and appends to
    ``history`` the lists ``step``, ``epoch``, ``top`` (λ_max), ``bottom`` (λ_min), ``condition`` and
    ``negative_fraction``.
    """

    def __init__(self, every: int = 100, X=None, y=None, k: int = 1, method: str = "lanczos", m: int | None = 20,
                 n_vectors: int = 2, seed=0):
        self.every = check_int("every", every, 1)
        self.X, self.y = X, y
        self.k, self.method, self.m, self.n_vectors, self.seed = k, method, m, n_vectors, seed
        self.history = {key: [] for key in ("step", "epoch", "top", "bottom", "condition", "negative_fraction")}
        self._count = 0

    def on_before_step(self, batch, logs):
        pass

    def on_batch_end(self, batch, logs):
        self._count += 1
        if (self._count - 1) % self.every:
            return
        tr = self.trainer
        X, y = (self.X, self.y) if self.X is not None else tr.batch
        s = hessian_spectrum(tr.model, tr.loss, X, y, k=self.k, method=self.method, m=self.m,
                             n_vectors=self.n_vectors, seed=self.seed)
        h = self.history
        h["step"].append(int(getattr(tr, "step", self._count)))
        h["epoch"].append(int(getattr(tr, "epoch", 0)))
        h["top"].append(float(s.top[0]))
        h["bottom"].append(float(s.bottom[0]))
        h["condition"].append(s.condition)
        h["negative_fraction"].append(s.negative_fraction)

    def plot(self, ax=None):
        """λ_max and λ_min of the Hessian over training (log-scale magnitude of λ_max, and λ_min on a
        linear axis). Needs matplotlib (``pip install "pyoptim-dlbook[tour]"``)."""
        from .. import plot as P   # raises an ImportError naming the extra when matplotlib is missing
        h = self.history
        if ax is None:
            fig, ax = P.figure((6, 3.8))
        else:
            fig = ax.figure
        ax.plot(h["step"], h["top"], "o-", ms=3, label="λ_max")
        ax.plot(h["step"], h["bottom"], "s-", ms=3, label="λ_min")
        ax.axhline(0.0, color="k", lw=0.5)
        ax.set_xlabel("training step")
        ax.set_ylabel("Hessian eigenvalue")
        ax.set_title("extreme curvature during training (book 8.2.1, 8.2.3)")
        ax.legend()
        return fig
