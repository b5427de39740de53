"""Closed forms of the book's norm-penalty analysis (7.1) and under-constrained problems (7.3).

These are the exact answers the regularizers of :mod:`pyoptim.regularizers` are tested against:

* :func:`l2_quadratic_minimum` -- book eq. 7.13, w̃ = Q(Λ + αI)⁻¹ΛQᵀw*;
* :func:`ridge` -- book eq. 7.17, w = (XᵀX + αI)⁻¹Xᵀy;
* :func:`l1_diagonal_minimum` -- book eq. 7.22, w̃ᵢ = sign(w*ᵢ)·max(|w*ᵢ| − α/Hᵢᵢ, 0);
* :func:`ridge_pseudo_inverse` -- book eq. 7.29, X⁺ = lim_{α→0} (XᵀX + αI)⁻¹Xᵀ;
* :func:`logistic_weight_path` -- book 7.3: on separable data unregularized logistic regression has no
  minimum (the weights grow without bound); an L2 penalty makes the problem well posed.
"""
from __future__ import annotations

import numpy as np

__all__ = ["l2_quadratic_minimum", "l2_shrinkage_factors", "ridge", "l1_diagonal_minimum",
           "ridge_pseudo_inverse", "logistic_weight_path"]


def _alpha(alpha) -> float:
    a = float(alpha)
    if not (np.isfinite(a) and a >= 0):
        raise ValueError(f"Invalid alpha: {alpha!r} (expected a finite number >= 0)")
    return a


def l2_shrinkage_factors(eigvals, alpha: float) -> np.ndarray:
    """λᵢ/(λᵢ + α): how L2 weight decay scales w* along each Hessian eigenvector (book eq. 7.13)."""
    lam = np.asarray(eigvals, dtype=np.float64)
    return lam / (lam + _alpha(alpha))


def l2_quadratic_minimum(H, w_star, alpha: float) -> np.ndarray:
    """The minimum of J(w) = ½(w − w*)ᵀH(w − w*) + (α/2)‖w‖² (book 7.1.1, eq. 7.10-7.13).

    With H = QΛQᵀ (symmetric positive semi-definite), w̃ = Q(Λ + αI)⁻¹ΛQᵀw*: components of w* along
    directions of large curvature (λᵢ ≫ α) are kept, those along small curvature (λᵢ ≪ α) shrink to 0.
    """
    H = np.asarray(H, dtype=np.float64)
    w_star = np.asarray(w_star, dtype=np.float64)
    lam, Q = np.linalg.eigh(H)
    return Q @ (l2_shrinkage_factors(lam, alpha) * (Q.T @ w_star))


def ridge(X, y, alpha: float) -> np.ndarray:
    """Ridge regression (book eq. 7.17): w = (XᵀX + αI)⁻¹Xᵀy, the minimum of ½‖Xw − y‖² + (α/2)‖w‖²."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    A = X.T @ X + _alpha(alpha) * np.eye(X.shape[1])
    return np.linalg.solve(A, X.T @ y)


def l1_diagonal_minimum(H_diag, w_star, alpha: float) -> np.ndarray:
    """The minimum of ½Σᵢ Hᵢᵢ(wᵢ − w*ᵢ)² + α‖w‖₁ (book 7.1.2, eq. 7.22), for Hᵢᵢ > 0:

        w̃ᵢ = sign(w*ᵢ)·max(|w*ᵢ| − α/Hᵢᵢ, 0)

    Components with |w*ᵢ| ≤ α/Hᵢᵢ are exactly zero: L1 regularization gives sparse solutions.
    """
    h = np.asarray(H_diag, dtype=np.float64)
    if np.any(h <= 0):
        raise ValueError("Invalid H_diag: expected positive diagonal entries")
    w = np.asarray(w_star, dtype=np.float64)
    return np.sign(w) * np.maximum(np.abs(w) - _alpha(alpha) / h, 0.0)


def ridge_pseudo_inverse(X, alpha: float) -> np.ndarray:
    """(XᵀX + αI)⁻¹Xᵀ, computed stably through the SVD X = USVᵀ as V diag(sᵢ/(sᵢ² + α)) Uᵀ (book 7.3).

    As α → 0 each factor sᵢ/(sᵢ² + α) tends to 1/sᵢ for sᵢ > 0 and stays 0 for sᵢ = 0, which is the
    Moore-Penrose pseudo-inverse X⁺ (book eq. 7.29): the pseudo-inverse *is* the limit of ridge
    regression, so it "stabilizes under-determined problems using regularization". ``alpha=0`` returns
    the limit itself (singular values below a relative 1e-15·s_max count as zero).
    """
    X = np.asarray(X, dtype=np.float64)
    a = _alpha(alpha)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    if a == 0.0:
        tol = (s.max() if s.size else 0.0) * max(X.shape) * np.finfo(np.float64).eps
        f = np.where(s > tol, 1.0 / np.where(s > tol, s, 1.0), 0.0)
    else:
        f = s / (s * s + a)
    return (Vt.T * f) @ U.T


def logistic_weight_path(X, y, l2: float = 0.0, lr: float = 0.5, steps: int = 1000, record_every: int = 1):
    """Full-batch gradient descent on logistic regression; returns (w, norms) with ‖w‖ along the way.

    J(w) = mean log(1 + exp(−ỹ xᵀw)) + (l2/2)‖w‖², ỹ = 2y − 1 ∈ {−1, 1}. On linearly separable data and
    l2 = 0 the loss has no minimizer: it keeps falling as w grows along a separating direction, so ‖w‖
    grows without bound (logarithmically in the number of steps). With l2 > 0 the objective is strongly
    convex and w converges (book 7.3, which motivates weight decay for under-determined problems).
    """
    X = np.asarray(X, dtype=np.float64)
    s = 2.0 * np.asarray(y, dtype=np.float64) - 1.0
    w = np.zeros(X.shape[1])
    norms = []
    for k in range(int(steps)):
        m = s * (X @ w)
        # d/dm log(1 + e^-m) = -1/(1 + e^m), computed without overflow
        sig = np.exp(-np.logaddexp(0.0, m))
        g = -(X.T @ (s * sig)) / len(X) + l2 * w
        w = w - lr * g
        if (k + 1) % record_every == 0:
            norms.append(float(np.linalg.norm(w)))
    return w, np.array(norms)
