"""Finite-difference gradient checks for models (book 6.5 practice; used throughout chapters 7-8): the
name :func:`check_gradient`, a thin alias of pyoptim's one checker :func:`pyoptim.nn.check_gradients`."""
from __future__ import annotations

from ..nn.gradcheck import check_gradients

__all__ = ["check_gradient"]


def check_gradient(model, loss, X, y, n_checks: int | None = 20, eps: float = 1e-6, seed=0) -> float:
    """Compare the model's own backward pass (``model.backward``, accumulated into ``.grad``) with
    central differences (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε of the mean loss on (X, y), on ``n_checks``
    random coordinates (all when None). Returns the largest relative error
    |a − b| / max(1e-8, |a| + |b|). The model's ``.grad`` is overwritten; compute in float64.

    The same as ``pyoptim.nn.check_gradients(model, X, y, loss=loss, max_elements=n_checks, eps=eps,
    seed=seed)``.
    """
    if not (eps > 0):
        raise ValueError(f"Invalid eps: {eps!r} (expected a positive float)")
    return check_gradients(model, X, y, loss=loss, eps=eps, seed=seed, max_elements=n_checks)
