"""Guard rails a student will hit in :func:`pyoptim.fit` (issue 13, a teacher's kit): a warning when the
optimizer holds none of the model's parameters (training would not change the model), and a warning when
the training loss grows by orders of magnitude (divergence), naming the learning rate."""
from __future__ import annotations

import warnings
from collections.abc import Mapping

from .._internal.params import param_data
from .checks import current_lr

__all__ = ["DivergenceWarning", "DivergenceWatch", "warn_if_optimizer_misses_model"]


class DivergenceWarning(RuntimeWarning):
    """The training loss grew by orders of magnitude during :func:`pyoptim.fit`: the learning rate is
    most likely too large (book 4.3 and 8.1.3: a step beyond the curvature's stable range)."""


def _held(optimizer) -> list | None:
    """The parameters (or arrays) an optimizer holds, through wrappers (``Averaged``); None if unknown."""
    seen = 0
    while not isinstance(getattr(optimizer, "param_groups", None), (list, tuple)) and seen < 8:
        inner = getattr(optimizer, "optimizer", None)
        if inner is None:
            return None
        optimizer, seen = inner, seen + 1
    held = []
    for g in getattr(optimizer, "param_groups", None) or ():
        for q in (g.get("params", ()) if isinstance(g, Mapping) else ()):
            held.append(q[1] if isinstance(q, tuple) and len(q) == 2 else q)   # named parameters
    return held


def warn_if_optimizer_misses_model(model, optimizer, stacklevel: int = 5) -> bool:
    """Warn (UserWarning) when ``optimizer`` holds none of ``model.parameters()`` (compared by identity, of
    the Parameter or of its array): the usual slip of building the optimizer on another model, or on a
    model rebuilt since. Returns whether it warned."""
    mine = list(model.parameters())
    held = _held(optimizer)
    if not mine or held is None:
        return False
    ids = {id(p) for p in mine} | {id(param_data(p)) for p in mine}
    if any(id(q) in ids or id(param_data(q)) in ids for q in held):
        return False
    warnings.warn(f"fit: the optimizer holds none of the model's {len(mine)} parameters, so training cannot "
                  f"change the model (was it built on another model, or before the model was rebuilt?): "
                  f"build it on this model's parameters, e.g. {type(optimizer).__name__}(model.parameters(), "
                  f"...)", UserWarning, stacklevel=stacklevel)
    return True


class DivergenceWatch:
    """Watches the minibatch losses of one fit: a :class:`DivergenceWarning`, once, when a loss exceeds
    ``factor`` (1000: three orders of magnitude) times the first positive minibatch loss of the run."""

    factor = 1e3

    def __init__(self, optimizer, stacklevel: int = 6):
        self.optimizer, self.stacklevel = optimizer, stacklevel
        self.first: float | None = None
        self.warned = False

    def observe(self, value: float, epoch: int, batch: int, step: int) -> bool:
        """Note one finite minibatch loss; returns whether it warned now."""
        if self.warned:
            return False
        if self.first is None:
            if value > 0.0:
                self.first = value
            return False
        if not value > self.factor * self.first:
            return False
        self.warned = True
        lr = current_lr(self.optimizer)
        lr_text = f"lr={lr:g}" if lr is not None else "the step size"
        warnings.warn(DivergenceWarning(
            f"fit: the training loss grew from {self.first:.4g} (first minibatch) to {value:.4g} at epoch "
            f"{epoch} (from 0), batch {batch}, step {step}, more than {self.factor:g} times: training is "
            f"diverging; the learning rate {lr_text} is most likely too large (lower it, e.g. 10x)"),
            stacklevel=self.stacklevel)
        return True
