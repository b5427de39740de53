"""One batch's forward pass, loss and parameter gradients: the step fit and the regularization
objectives share."""
from __future__ import annotations

__all__ = ["forward_backward"]


def forward_backward(model, loss, Xb, yb):
    """One batch's forward pass, loss and parameter gradients (accumulated into ``.grad``); returns
    ``(batch loss, model output)``. The data needs no gradient, so a model with ``backward_params``
    (every pyoptim Module) skips it, as torch does for inputs that do not require grad."""
    out = model.forward(Xb)
    value = loss.forward(out, yb)
    getattr(model, "backward_params", model.backward)(loss.backward())
    return value, out
