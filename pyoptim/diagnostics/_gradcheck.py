"""Finite-difference gradient checks for models (book 6.5 practice; used throughout chapters 7-8)."""
from __future__ import annotations

import numpy as np

from ._curvature import loss_value
from ._hvp import flatten, unflatten

__all__ = ["check_gradient"]


def check_gradient(model, loss, X, y, n_checks: int | None = 20, eps: float = 1e-6, seed=0) -> float:
    """Compare the model's own backward pass (``model.backward``, accumulated into ``.grad``) with
    central differences (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε of the mean loss on (X, y), on ``n_checks``
    random coordinates (all when None). Returns the largest relative error
    |a − b| / max(1e-8, |a| + |b|). The model's ``.grad`` is overwritten; compute in float64.
    """
    if not (eps > 0):
        raise ValueError(f"Invalid eps: {eps!r} (expected a positive float)")
    params = model.parameters()
    model.zero_grad()
    out = model.forward(X)
    loss.forward(out, y)
    model.backward(loss.backward())
    analytic = flatten([p.grad for p in params]).astype(np.float64)
    theta = flatten(params).astype(np.float64)
    n = theta.size
    rng = np.random.default_rng(seed)
    idx = np.arange(n) if n_checks is None or n_checks >= n else rng.choice(n, n_checks, replace=False)
    worst = 0.0
    for i in idx:
        tp = theta.copy()
        tp[i] += eps
        tm = theta.copy()
        tm[i] -= eps
        fp = loss_value(model, loss, X, y, params_data=unflatten(tp, params))
        fm = loss_value(model, loss, X, y, params_data=unflatten(tm, params))
        num = (fp - fm) / (2 * eps)
        worst = max(worst, abs(num - analytic[i]) / max(1e-8, abs(num) + abs(analytic[i])))
    return worst
