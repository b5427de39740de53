"""Closed forms of the book's norm-penalty analysis (7.1) and under-constrained problems (7.3).

These are the exact answers the regularizers of :mod:`pyoptim.regularizers` are tested against:

* :func:`l2_quadratic_minimum` -- book eq. 7.13, w̃ = Q(Λ + αI)⁻¹ΛQᵀw*;
* :func:`ridge` -- book eq. 7.17, w = (XᵀX + αI)⁻¹Xᵀy;
* :func:`l1_diagonal_minimum` -- book eq. 7.22, w̃ᵢ = sign(w*ᵢ)·max(|w*ᵢ| − α/Hᵢᵢ, 0);
* :func:`ridge_pseudo_inverse` -- book eq. 7.29, X⁺ = lim_{α→0} (XᵀX + αI)⁻¹Xᵀ;
* :func:`l2_ball_minimum` -- book 7.2: the minimum of the quadratic J over the ball Ω(w) = ½‖w‖² ≤ k, and
  the KKT multiplier α* of the generalized Lagrangian (eq. 7.25-7.27);
* :func:`lagrangian_descent_ascent` -- book 7.2: descent on θ and projected ascent on α of
  L(θ, α) = J(θ) + α(Ω(θ) − k), the procedure that finds α when only k is known;
* :func:`logistic_weight_path` -- book 7.3: on separable data unregularized logistic regression has no
  minimum (the weights grow without bound); an L2 penalty makes the problem well posed.
"""
from __future__ import annotations

import numpy as np
from .._validation import check_finite, check_int

__all__ = ["l2_quadratic_minimum", "l2_shrinkage_factors", "ridge", "l1_diagonal_minimum",
           "ridge_pseudo_inverse", "logistic_weight_path", "l2_ball_minimum", "lagrangian_descent_ascent"]


def _alpha(alpha) -> float:
    a = check_finite("alpha", alpha, 0, coerce=True)
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


def l2_ball_minimum(H, w_star, k: float, *, tol: float = 1e-13) -> tuple[np.ndarray, float]:
    """The minimum of J(w) = ½(w − w*)ᵀH(w − w*) subject to Ω(w) = ½‖w‖² ≤ k, and its multiplier
    (book 7.2, eq. 7.25-7.27).

    The generalized Lagrangian is L(w, α) = J(w) + α(Ω(w) − k). Its KKT conditions: stationarity
    H(w − w*) + αw = 0, so w = w̃(α) = (H + αI)⁻¹Hw* (the L2-penalized minimum, eq. 7.10); α ≥ 0;
    Ω(w) ≤ k; complementary slackness α(Ω(w) − k) = 0. If Ω(w*) ≤ k the constraint is inactive: α* = 0
    and w = w*. Otherwise α* > 0 is the unique root of ½‖w̃(α)‖² = k, found here by bisection in the
    eigenbasis of H (‖w̃(α)‖ falls monotonically as α grows), so every constraint size k corresponds
    to one penalty strength α* and the penalized problem with α* has the constrained solution.

    Returns ``(w, alpha)``. H symmetric positive semi-definite (positive definite if w* has components
    in H's null space and the constraint is active).
    """
    H = np.asarray(H, dtype=np.float64)
    w_star = np.asarray(w_star, dtype=np.float64)
    k = check_finite("k", k, 0, closed="neither", coerce=True)
    lam, Q = np.linalg.eigh(H)
    c = Q.T @ w_star

    def omega(alpha):
        return 0.5 * float(np.sum((lam / (lam + alpha) * c) ** 2))

    if omega(0.0) <= k:
        return w_star.copy(), 0.0
    lo, hi = 0.0, max(float(lam.max()), 1.0)
    while omega(hi) > k:
        hi *= 2.0
    while hi - lo > tol * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if omega(mid) > k else (lo, mid)
    alpha = 0.5 * (lo + hi)
    return Q @ (lam / (lam + alpha) * c), alpha


def lagrangian_descent_ascent(grad, theta0, k: float, *, lr: float, alpha_lr: float, steps: int,
                              alpha0: float = 0.0) -> dict:
    """Find the constrained minimum of J subject to Ω(θ) = ½‖θ‖² ≤ k when only k is known (book 7.2).

    The book: "we can ... increase α whenever Ω(θ) > k and decrease α whenever Ω(θ) < k". One step of
    gradient descent on θ and of projected gradient *ascent* on α of L(θ, α) = J(θ) + α(Ω(θ) − k):

        θ ← θ − ε(∇J(θ) + αθ),        α ← max(0, α + η(Ω(θ) − k))        (ε -> ``lr``, η -> ``alpha_lr``)

    ``grad(theta)`` returns ∇J. Returns a dict of arrays ``theta`` (steps+1, n), ``alpha`` (steps+1,)
    and ``omega`` (steps+1,) = Ω(θ_t). At a saddle point of L (the KKT point) θ is the constrained
    minimum and α the multiplier: compare with :func:`l2_ball_minimum` on a quadratic.
    The θ step is gradient descent on J + (α/2)‖θ‖²: it is stable while ε(λ_max(∇²J) + α) < 2.
    """
    for name, v in (("lr", lr), ("alpha_lr", alpha_lr)):
        check_finite(name, v, 0, closed="neither")
    check_finite("k", k, 0, closed="neither")
    check_finite("alpha0", alpha0, 0)
    check_int("steps", steps, 0)
    theta = np.array(theta0, dtype=np.float64)
    alpha = float(alpha0)
    thetas, alphas, omegas = [theta.copy()], [alpha], [0.5 * float(theta @ theta)]
    for _ in range(int(steps)):
        theta = theta - lr * (np.asarray(grad(theta), dtype=np.float64) + alpha * theta)
        om = 0.5 * float(theta @ theta)
        alpha = max(0.0, alpha + alpha_lr * (om - k))
        thetas.append(theta.copy())
        alphas.append(alpha)
        omegas.append(om)
    return {"theta": np.array(thetas), "alpha": np.array(alphas), "omega": np.array(omegas)}
