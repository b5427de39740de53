"""The step-indexed schedules: LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR,
ExponentialLR, PolynomialLR, CosineAnnealingLR, and ReduceLROnPlateau (torch's rules and recurrences)."""
from __future__ import annotations

import math
import types
from bisect import bisect_right
from collections import Counter
from typing import Callable

from ..._validation import check_choice, check_int
from ..optimizer import check_hyper
from ._base import LRScheduler, check_optimizer, param_groups_val_list, set_hyper

__all__ = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
           "PolynomialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]


def _lambdas(optimizer, lr_lambda) -> list:
    """One callable per parameter group (a single one is shared), checked callable."""
    check_optimizer(optimizer)
    if not isinstance(lr_lambda, (list, tuple)):
        fns = [lr_lambda] * len(optimizer.param_groups)
    else:
        if len(lr_lambda) != len(optimizer.param_groups):
            raise ValueError(f"Invalid lr_lambda: {len(lr_lambda)} functions (expected "
                             f"{len(optimizer.param_groups)}, one per parameter group)")
        fns = list(lr_lambda)
    for f in fns:
        if not callable(f):
            raise TypeError(f"Invalid lr_lambda: {f!r} (expected a callable)")
    return fns


class _LambdaState:
    """state_dict without the functions: a callable object's ``__dict__`` is saved, a plain function or
    lambda is saved as None (torch's rule; code is never serialized)."""

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


class LambdaLR(_LambdaState, LRScheduler):
    """lr_k = base_lr * lr_lambda(k): any schedule given as a function of the step count.

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables (one per parameter group)
    last_epoch : int, default -1

    Raises
    ------
    ValueError for a list of the wrong length; TypeError for a non-callable.
    """

    def __init__(self, optimizer, lr_lambda: Callable[[int], float] | list, last_epoch: int = -1):
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * lmbda(self.last_epoch) for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaState, LRScheduler):
    """lr_k = lr_{k-1} * lr_lambda(k): multiply the current rate by a factor each step (chainable).

    ``MultiplicativeLR(opt, lambda k: 0.95)`` decays by 5% per step, the same numbers as
    ``ExponentialLR(opt, gamma=0.95)``; the factor may depend on the step k.

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables (one per parameter group), k -> factor
    last_epoch : int, default -1

    Raises
    ------
    ValueError for a list of the wrong length; TypeError for a non-callable (as torch).
    """

    def __init__(self, optimizer, lr_lambda: Callable[[int], float] | list, last_epoch: int = -1):
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        return [group["lr"] * lmbda(self.last_epoch)
                for lmbda, group in zip(self.lr_lambdas, self.optimizer.param_groups)]


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


class MultiStepLR(LRScheduler):
    """lr_k = base_lr * gamma ** (number of milestones <= k): multiply by gamma at each milestone.

    A milestone listed n times multiplies by gamma ** n there (torch keeps them in a Counter).

    Parameters
    ----------
    optimizer : Optimizer
    milestones : iterable of int (step indices, meant to be increasing)
    gamma : float, default 0.1
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._group_lrs()
        return [group["lr"] * self.gamma ** self.milestones[self.last_epoch] for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs]

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)   # a plain dict after a checkpoint round trip


class ConstantLR(LRScheduler):
    """lr_k = base_lr * factor for k < total_iters, then base_lr (a constant warm-up factor).

    Chainable: at step 0 the current rate is multiplied by ``factor``, at ``total_iters`` divided by it.

    Parameters
    ----------
    optimizer : Optimizer
    factor : float in [0, 1], default 1/3
    total_iters : int, default 5
    last_epoch : int, default -1

    Raises
    ------
    ValueError for a factor outside [0, 1] (as torch).
    """

    def __init__(self, optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1):
        if factor > 1.0 or factor < 0:
            raise ValueError(f"Invalid factor: {factor!r} (expected 0 <= factor <= 1)")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return self._group_lrs()
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base_lr in self.base_lrs]


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


class PolynomialLR(LRScheduler):
    """lr_k = base_lr * (1 - min(k, total_iters) / total_iters) ** power: polynomial decay to 0.

    Chainable: each step multiplies the current rate by ((1 - k/T) / (1 - (k-1)/T)) ** power until
    k = total_iters, then leaves it.

    Parameters
    ----------
    optimizer : Optimizer
    total_iters : int, default 5
    power : float, default 1.0 (linear decay)
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1):
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._group_lrs()
        decay_factor = ((1.0 - self.last_epoch / self.total_iters)
                        / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [group["lr"] * decay_factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
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
        check_optimizer(optimizer)
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
        self._last_lr = param_groups_val_list(optimizer, "lr")
        check_choice("mode", mode, "min", "max")
        check_choice("threshold_mode", threshold_mode, "rel", "abs")
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
