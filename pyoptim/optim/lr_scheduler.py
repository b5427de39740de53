"""Learning-rate schedules (book 8.3.1) with torch.optim.lr_scheduler's names, arguments and numbers.

SGD needs a decreasing learning rate: the minibatch gradient's noise does not vanish at a minimum, so
a constant ε leaves the iterates wandering. The book's sufficient conditions are Σ ε_k = ∞ and
Σ ε_k² < ∞; in practice it decays ε linearly until step τ and then keeps it constant:

    ε_k = (1 - k/τ) ε_0 + (k/τ) ε_τ   for k <= τ,   ε_k = ε_τ afterwards,

which is ``LinearLR(opt, start_factor=1.0, end_factor=eps_tau / eps_0, total_iters=tau)``.

Every scheduler changes ``group["lr"]`` of each of the optimizer's parameter groups (an array lr, torch's
Tensor lr, is filled in place and the schedule computed in its dtype, as torch does). Call
``scheduler.step()`` after ``optimizer.step()`` (once per epoch or per step, as you choose);
``get_last_lr()`` returns the rates just set. The recurrences are torch's (each step multiplies the
current rate), so the values agree with torch to rounding; ``state_dict()`` / ``load_state_dict()``
save and restore the position.
"""
from __future__ import annotations

import math
import types
from typing import Any, Callable

import numpy as np

from .optimizer import check_hyper, set_hyper
from .._validation import check_int

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "ExponentialLR", "LinearLR", "CosineAnnealingLR",
           "ReduceLROnPlateau"]


def _copy_lr(lr):
    """An array lr copied (torch clones tensor lrs so base_lrs / last_lr never alias the group's)."""
    return lr.copy() if isinstance(lr, np.ndarray) else lr


def _check_optimizer(optimizer):
    if not hasattr(optimizer, "param_groups"):
        raise TypeError(f"Invalid optimizer: {type(optimizer).__name__} (expected a pyoptim.optim optimizer)")


class LRScheduler:
    """Base class: ``step()``, ``get_last_lr()``, ``state_dict()``, ``load_state_dict()``.

    Subclasses implement ``get_lr()`` (the chainable rule torch uses) and ``_get_closed_form_lr()``.
    ``last_epoch`` counts the ``step()`` calls (0 after construction, which sets the initial rates).
    """

    def __init__(self, optimizer, last_epoch: int = -1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", _copy_lr(group["lr"]))
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                                   "a scheduler with last_epoch >= 0")
        self.base_lrs = [_copy_lr(group["initial_lr"]) for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def _group_lrs(self) -> list[float]:
        return [_copy_lr(group["lr"]) for group in self.optimizer.param_groups]

    def step(self, epoch: int | None = None) -> None:
        """Advance one step (or jump to ``epoch`` with the closed form) and set each group's lr."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr") else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            set_hyper(group, "lr", lr)
        self._last_lr = self._group_lrs()

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per parameter group (copies of array lrs)."""
        return [_copy_lr(lr) for lr in self._last_lr]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (plain numbers and lists)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)


class LambdaLR(LRScheduler):
    """lr_k = base_lr * lr_lambda(k): any schedule given as a function of the step count.

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables (one per parameter group)
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, lr_lambda: Callable[[int], float] | list, last_epoch: int = -1):
        _check_optimizer(optimizer)
        if not isinstance(lr_lambda, (list, tuple)):
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        else:
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"Invalid lr_lambda: {len(lr_lambda)} functions (expected "
                                 f"{len(optimizer.param_groups)}, one per parameter group)")
            self.lr_lambdas = list(lr_lambda)
        for f in self.lr_lambdas:
            if not callable(f):
                raise TypeError(f"Invalid lr_lambda: {f!r} (expected a callable)")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * lmbda(self.last_epoch) for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        sd = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        sd["lr_lambdas"] = [None if isinstance(f, types.FunctionType) else dict(f.__dict__) for f in self.lr_lambdas]
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        fns = state_dict.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        self.__dict__.update(state_dict)
        for f, d in zip(self.lr_lambdas, fns):
            if d is not None:
                f.__dict__.update(d)


class StepLR(LRScheduler):
    """lr_k = base_lr * gamma ** (k // step_size): multiply by gamma every step_size steps.

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int >= 1
    gamma : float, default 0.1
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        self.step_size = check_int("step_size", step_size, 1)
        self.gamma = check_hyper("gamma", gamma, lo=0.0, expected="gamma >= 0")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr_k = base_lr * gamma ** k.

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = check_hyper("gamma", gamma, lo=0.0, expected="gamma >= 0")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    r"""Linear change of the factor from ``start_factor`` to ``end_factor`` over ``total_iters`` steps,
    then constant: lr_k = base_lr * (s + (e - s) * min(k, total_iters) / total_iters).

    The book's schedule (8.3.1), ε_k = (1 - k/τ) ε_0 + (k/τ) ε_τ until τ, then ε_τ, is
    ``LinearLR(opt, start_factor=1.0, end_factor=eps_tau / eps_0, total_iters=tau)`` with the
    optimizer's lr = ε_0. (The book suggests τ of a few hundred passes through the data and ε_τ about
    1% of ε_0.)

    Parameters
    ----------
    optimizer : Optimizer
    start_factor : float in (0, 1], default 1/3
    end_factor : float in [0, 1], default 1.0
    total_iters : int, default 5
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5,
                 last_epoch: int = -1):
        self.start_factor = check_hyper("start_factor", start_factor, lo=0.0, hi=1.0, lo_open=True,
                                        expected="0 < start_factor <= 1")
        self.end_factor = check_hyper("end_factor", end_factor, lo=0.0, hi=1.0, expected="0 <= end_factor <= 1")
        self.total_iters = check_int("total_iters", total_iters, 1)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._group_lrs()
        return [group["lr"] * (1.0 + (self.end_factor - self.start_factor)
                               / (self.total_iters * self.start_factor
                                  + (self.last_epoch - 1) * (self.end_factor - self.start_factor)))
                for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor)
                           * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing: lr_k = eta_min + (base_lr - eta_min) (1 + cos(π k / T_max)) / 2 (Loshchilov &
    Hutter 2017, SGDR without restarts); past T_max the cosine continues (the rate rises again), as
    in torch.

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int >= 1
    eta_min : float, default 0
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        self.T_max = check_int("T_max", T_max, 1)
        self.eta_min = check_hyper("eta_min", eta_min, lo=0.0, expected="eta_min >= 0")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        if self._step_count == 1 and self.last_epoch > 0:
            return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
                    for base_lr in self.base_lrs]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [group["lr"] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                    for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups)]
        return [(1 + math.cos(math.pi * self.last_epoch / self.T_max))
                / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
                * (group["lr"] - self.eta_min) + self.eta_min
                for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a monitored metric stops improving for ``patience`` steps.

    ``step(metric)`` takes the metric (e.g. the validation loss). Improvement means
    ``metric < best * (1 - threshold)`` (mode "min", threshold_mode "rel"), ``metric < best - threshold``
    ("abs"), and the mirror images for mode "max". After a reduction, ``cooldown`` steps pass before
    counting bad steps again; the rate never goes below ``min_lr``, and changes smaller than ``eps`` are
    skipped. torch.optim.lr_scheduler.ReduceLROnPlateau's rules.

    Parameters
    ----------
    optimizer : Optimizer
    mode : {"min", "max"}, default "min"
    factor : float in [0, 1), default 0.1
    patience : int, default 10
    threshold : float, default 1e-4
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int, default 0
    min_lr : float or list of floats, default 0
    eps : float, default 1e-8
    """

    def __init__(self, optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0, min_lr=0, eps: float = 1e-8):
        _check_optimizer(optimizer)
        self.factor = check_hyper("factor", factor, lo=0.0, hi=1.0, hi_open=True, expected="0 <= factor < 1")
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"Invalid min_lr: {len(min_lr)} values (expected {len(optimizer.param_groups)}, "
                                 "one per parameter group)")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = check_int("patience", patience, 0)
        self.cooldown = check_int("cooldown", cooldown, 0)
        self.eps = check_hyper("eps", eps, lo=0.0, expected="eps >= 0")
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        if mode not in ("min", "max"):
            raise ValueError(f"Invalid mode: {mode!r} (expected 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"Invalid threshold_mode: {threshold_mode!r} (expected 'rel' or 'abs')")
        self.mode = mode
        self.threshold = check_hyper("threshold", threshold, lo=0.0, expected="threshold >= 0")
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self._reset()

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a, best):
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record one value of the monitored metric; reduce the rates after ``patience`` bad steps."""
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._group_lrs()

    def _reduce_lr(self):
        if len(self.optimizer.param_groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError("The number of param groups in the optimizer differs from when "
                                   "ReduceLROnPlateau was initialized; update min_lrs")
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for i, group in enumerate(self.optimizer.param_groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                set_hyper(group, "lr", new_lr)
