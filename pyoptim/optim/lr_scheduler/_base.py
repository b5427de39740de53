"""The scheduler base class and the helpers every scheduler shares (torch.optim.lr_scheduler's).

A scheduler owns no learning rate: it reads and writes ``group["lr"]`` of its optimizer's parameter
groups. ``step()`` advances ``last_epoch`` by one and sets each group's rate to ``get_lr()``, which for
most schedulers is *recursive* (chainable): it multiplies the rate currently in the group, so two
schedulers stepping one optimizer compose (their factors multiply), exactly as in torch. ``step(epoch)``
jumps to ``epoch`` with the closed form ``_get_closed_form_lr()`` where a scheduler has one.

A rate stored as a 0-d array (torch's tensor learning rate) is written in place, never replaced, and
``base_lrs`` / ``get_last_lr()`` hold copies, as torch's schedulers do with tensors.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..optimizer import set_hyper

__all__ = ["LRScheduler"]


def check_optimizer(optimizer) -> None:
    if not hasattr(optimizer, "param_groups"):
        raise TypeError(f"Invalid optimizer: {type(optimizer).__name__} (expected a pyoptim.optim optimizer)")


def _copy(v):
    return np.array(v, copy=True) if isinstance(v, np.ndarray) else v


def format_param(name: str, optimizer, param) -> list:
    """One value per parameter group: a scalar is repeated, a list/tuple must have one per group."""
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError(f"Invalid {name}: {len(param)} values (expected {len(optimizer.param_groups)}, "
                             "one per parameter group)")
    else:
        param = [param] * len(optimizer.param_groups)
    return [_copy(p) for p in param]


def param_groups_val_list(optimizer, key: str) -> list:
    """``[group[key] for group in optimizer.param_groups]``, arrays copied (never aliased)."""
    return [_copy(group[key]) for group in optimizer.param_groups]


class LRScheduler:
    """Base class: ``step()``, ``get_last_lr()``, ``state_dict()``, ``load_state_dict()``.

    Subclasses implement ``get_lr()`` (the chainable rule torch uses) and, where one exists,
    ``_get_closed_form_lr()``. ``last_epoch`` counts the ``step()`` calls (0 after construction,
    which sets the initial rates and remembers each group's starting rate as ``group["initial_lr"]``).

    Parameters
    ----------
    optimizer : Optimizer
    last_epoch : int, default -1
        -1 starts a new schedule; a value >= 0 resumes one and needs ``group["initial_lr"]`` in every
        group (KeyError otherwise, as torch).

    Call ``scheduler.step()`` after ``optimizer.step()``. Unlike torch, pyoptim does not warn about
    the call order or about the deprecated ``step(epoch)`` argument.
    """

    _is_initial: bool = False

    def __init__(self, optimizer, last_epoch: int = -1):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", _copy(group["lr"]))
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                                   "a scheduler with last_epoch >= 0")
        self.base_lrs = param_groups_val_list(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Reset the step count and take the first step (which sets the rates for epoch 0)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        raise NotImplementedError

    def _group_lrs(self) -> list:
        return param_groups_val_list(self.optimizer, "lr")

    def step(self, epoch: int | None = None) -> None:
        """Advance one step (or jump to ``epoch`` with the closed form) and set each group's lr."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr") else self.get_lr()
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise ValueError(f"{type(self).__name__}: {len(values)} learning rates for {len(groups)} parameter "
                             "groups (a group was added after the scheduler was created)")
        for group, lr in zip(groups, values):
            set_hyper(group, "lr", lr)
        self._last_lr = self._group_lrs()

    def get_last_lr(self) -> list:
        """The learning rates set by the last ``step()``, one per parameter group (a new list)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (plain numbers, strings, lists and dicts)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by ``state_dict()`` (load the optimizer's state too)."""
        self.__dict__.update(state_dict)
