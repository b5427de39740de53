"""Long-term dependencies: repeated multiplication by one matrix (book 8.2.5, eqs. 8.13-8.14).

A recurrence h_t = W h_{t−1} (no input, no nonlinearity) gives h_t = Wᵗ h₀, and with the
eigendecomposition W = V diag(λ) V⁻¹, Wᵗ = V diag(λ)ᵗ V⁻¹: any component of h₀ along an eigenvector
with |λ| < 1 vanishes and along one with |λ| > 1 explodes, at rate |λ|ᵗ. Backpropagation through
time multiplies the gradient by Wᵀ at each step, so gradients vanish or explode the same way.
"""
from __future__ import annotations

import numpy as np
from .._validation import check_int

__all__ = ["matrix_power_eig", "power_norms", "bptt_gradient_norms", "spectral_radius"]


def _square(W):
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"Invalid W: shape {W.shape!r} (expected a square matrix)")
    return W


def matrix_power_eig(W, t: float) -> np.ndarray:
    """Wᵗ = V diag(λ)ᵗ V⁻¹ through the eigendecomposition (book eq. 8.14).

    W must be diagonalizable (V invertible); complex eigenvalues of a real W come in conjugate pairs,
    so the result is real up to rounding and is returned real. ``t`` may be any real number when all
    eigenvalues are non-zero (integer t: compare ``numpy.linalg.matrix_power``).
    """
    W = _square(W)
    lam, V = np.linalg.eig(W)
    if np.linalg.cond(V) > 1e12:
        raise ValueError("Invalid W: not (numerically) diagonalizable (expected an invertible eigenvector matrix)")
    P = (V * lam.astype(complex) ** t) @ np.linalg.inv(V)
    if np.isrealobj(W):
        return P.real
    return P


def spectral_radius(W) -> float:
    """ρ(W) = max |λᵢ|: ‖Wᵗx‖ grows like ρᵗ for a generic x."""
    return float(np.abs(np.linalg.eigvals(_square(W))).max())


def power_norms(W, x, T: int) -> np.ndarray:
    """‖Wᵗ x‖ for t = 0..T (forward signal through T steps of h_t = W h_{t−1}), by repeated products."""
    W = _square(W)
    T = check_int("T", T, 0)
    h = np.asarray(x, dtype=np.result_type(W, np.float64)).reshape(W.shape[0])
    out = np.empty(T + 1)
    out[0] = np.linalg.norm(h)
    for t in range(1, T + 1):
        h = W @ h
        out[t] = np.linalg.norm(h)
    return out


def bptt_gradient_norms(W, g, T: int) -> np.ndarray:
    """‖(Wᵀ)ᵗ g‖ for t = 0..T: the norm of ∂J/∂h_{T−t} when ∂J/∂h_T = g in the linear recurrence
    h_t = W h_{t−1} (backpropagation through time multiplies by Wᵀ once per step, book 8.2.5)."""
    return power_norms(_square(W).T, g, T)
