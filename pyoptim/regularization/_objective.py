"""Shared pieces of the custom ``fit`` objectives: the default objective, gradient snapshots."""
from __future__ import annotations

import numpy as np

from .._internal.steps import forward_backward


def default_objective(model, loss, Xb, yb) -> float:
    """fit's default: forward, loss, backward (accumulating parameter gradients); the batch loss."""
    return float(forward_backward(model, loss, Xb, yb)[0])


def input_gradient(model, loss, X, y) -> tuple[float, np.ndarray]:
    """(J, ∇ₓJ) for the batch loss J = loss(model(X), y), from the model's own backward pass.

    Parameter gradients are left exactly as they were (they are saved and restored), so this can run
    inside a training objective.
    """
    params = model.parameters()
    saved = [p.grad.copy() for p in params]
    out = model.forward(X)
    value = loss.forward(out, y)
    gx = model.backward(loss.backward())
    for p, g in zip(params, saved):
        p.grad[...] = g
    return float(value), np.asarray(gx)
