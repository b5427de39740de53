"""The cyclical schedules: CosineAnnealingWarmRestarts (SGDR), CyclicLR (CLR) and OneCycleLR (1cycle).

These are closed forms of the step count, not recurrences, and CyclicLR and OneCycleLR also cycle the
momentum (SGD's ``momentum``, RMSprop's ``momentum``, or β1 of Adam-type optimizers' ``betas``)
inversely to the rate: a large step is taken with less momentum. The formulas, the validation and the
order of the floating-point operations are torch.optim.lr_scheduler's, so the rates agree bit for bit.
"""
from __future__ import annotations

import math
import types
from typing import Callable

from ._base import LRScheduler, check_optimizer, format_param, set_hyper
from ..._validation import check_choice

__all__ = ["CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"]


def _momentum_key(optimizer) -> bool:
    """True when the optimizer's momentum is β1 of ``betas``; ValueError when it has neither."""
    defaults = getattr(optimizer, "defaults", {})
    if "momentum" not in defaults and "betas" not in defaults:
        raise ValueError(f"Invalid cycle_momentum: True, but {type(optimizer).__name__} has neither 'momentum' "
                         "nor 'betas' (expected an optimizer with momentum or beta1, or cycle_momentum=False)")
    return "betas" in defaults


def _set_momentum(group: dict, use_beta1: bool, momentum) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        set_hyper(group, "momentum", momentum)


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""SGDR: cosine annealing from base_lr to eta_min over T_i steps, then a warm restart.

    .. code-block:: text

        lr = eta_min + (base_lr - eta_min) (1 + cos(π T_cur / T_i)) / 2

    T_cur counts the steps since the last restart; the first period is T_0 and each next one is T_mult
    times longer. ``step(epoch)`` accepts a fractional epoch (per-batch stepping, as torch).

    Parameters
    ----------
    optimizer : Optimizer
    T_0 : int >= 1
    T_mult : int >= 1, default 1
    eta_min : float, default 0
    last_epoch : int, default -1

    Raises
    ------
    ValueError for a T_0 or T_mult that is not such an integer, a non-numeric eta_min, or a negative
    epoch (as torch).

    Reference: Loshchilov & Hutter (2017), SGDR: Stochastic gradient descent with warm restarts.
    """

    def __init__(self, optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1):
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Invalid T_0: {T_0!r} (expected a positive integer)")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Invalid T_mult: {T_mult!r} (expected an integer >= 1)")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Invalid eta_min: {eta_min!r} of type {type(eta_min).__name__} (expected a float or int)")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base_lr in self.base_lrs]

    def step(self, epoch=None) -> None:
        """Advance one step, or go to ``epoch`` (may be fractional: e.g. ``epoch + i / iters``)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Invalid epoch: {epoch!r} (expected a value >= 0)")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log((epoch / self.T_0 * (self.T_mult - 1) + 1), self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            set_hyper(group, "lr", lr)
        self._last_lr = self._group_lrs()


class CyclicLR(LRScheduler):
    r"""Cyclical learning rate (CLR): the rate goes up and down between base_lr and max_lr.

    With c = floor(1 + k / (up + down)) the cycle number and x = 1 + k / (up + down) - c in [0, 1):

    .. code-block:: text

        f  = x / r                 if x <= r  (r = up / (up + down))
           = (x - 1) / (r - 1)     otherwise
        lr = base_lr + (max_lr - base_lr) f s        momentum = max_momentum - (max_momentum - base_momentum) f s

    s = scale_fn(c) ("cycle") or scale_fn(k) ("iterations"): 1 ("triangular"), 1 / 2^(c-1)
    ("triangular2"), gamma^k ("exp_range"). Step it after every batch.

    Parameters
    ----------
    optimizer : Optimizer
    base_lr, max_lr : float or list (one per group)
    step_size_up : int, default 2000
    step_size_down : int or None (= step_size_up)
    mode : {"triangular", "triangular2", "exp_range"}, default "triangular" (ignored with scale_fn)
    gamma : float, default 1.0 (exp_range)
    scale_fn : callable x -> [0, 1] or None
    scale_mode : {"cycle", "iterations"}, default "cycle" (used with scale_fn)
    cycle_momentum : bool, default True (needs an optimizer with ``momentum`` or ``betas``)
    base_momentum, max_momentum : float or list, default 0.8 and 0.9
    last_epoch : int, default -1 (counts batches)

    Raises
    ------
    TypeError for a non-optimizer; ValueError for an unknown mode without scale_fn, a list of the
    wrong length, or cycle_momentum on an optimizer without momentum (as torch).

    Reference: Smith (2017), Cyclical learning rates for training neural networks.
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up: int = 2000, step_size_down: int | None = None,
                 mode: str = "triangular", gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None,
                 scale_mode: str = "cycle", cycle_momentum: bool = True, base_momentum=0.8, max_momentum=0.9,
                 last_epoch: int = -1):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = format_param("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                set_hyper(group, "lr", lr)
        self.max_lrs = format_param("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"Invalid mode: {mode!r} (expected 'triangular', 'triangular2' or 'exp_range', "
                             "or a scale_fn)")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_key(optimizer)
            self.base_momentums = format_param("base_momentum", optimizer, base_momentum)
            self.max_momentums = format_param("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for m_momentum, b_momentum, group in zip(self.max_momentums, self.base_momentums,
                                                         optimizer.param_groups):
                    _set_momentum(group, self.use_beta1, m_momentum)
                    group["max_momentum"] = m_momentum
                    group["base_momentum"] = b_momentum
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        # the built-in policies are chosen by name (nothing callable is kept in the state)
        if self._scale_fn_custom is None:
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x) -> float:
        """The amplitude scale at x (the cycle number or the iteration, per ``scale_mode``)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        lrs = []
        for base_lr, max_lr in zip(self.base_lrs, self.max_lrs):
            base_height = (max_lr - base_lr) * scale_factor
            lrs.append(base_lr + base_height * self.scale_fn(at))
        if self.cycle_momentum:
            for base_momentum, max_momentum, group in zip(self.base_momentums, self.max_momentums,
                                                          self.optimizer.param_groups):
                base_height = (max_momentum - base_momentum) * scale_factor
                _set_momentum(group, self.use_beta1, max_momentum - base_height * self.scale_fn(at))
        return lrs

    def state_dict(self):
        """The attributes; a custom ``scale_fn`` is saved as its ``__dict__`` if it is a callable object,
        as None if it is a function or lambda (torch's rule)."""
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, types.FunctionType):
            state["_scale_fn_custom"] = dict(fn.__dict__)
        return state

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        fn = state_dict.pop("_scale_fn_custom", None)
        super().load_state_dict(state_dict)
        if fn is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(fn)
        self._init_scale_fn()


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy: warm up from max_lr/div_factor to max_lr, then anneal far below the start.

    Phases (pct = the fraction of the phase done, ``anneal`` cosine or linear from start to end):

    .. code-block:: text

        two-phase (default, fastai):  initial_lr -> max_lr over pct_start of the steps, then max_lr -> min_lr
        three_phase=True (the paper): initial_lr -> max_lr -> initial_lr (symmetric), then -> min_lr
        initial_lr = max_lr / div_factor,   min_lr = initial_lr / final_div_factor

    and the momentum (or β1) runs inversely, max_momentum -> base_momentum -> max_momentum. The number
    of steps is ``total_steps``, or ``epochs * steps_per_epoch``; stepping past it raises. Step it
    after every batch. Not chainable (it writes the rate from its closed form).

    Parameters
    ----------
    optimizer : Optimizer
    max_lr : float or list
    total_steps : int or None; epochs, steps_per_epoch : int or None
    pct_start : float in [0, 1], default 0.3
    anneal_strategy : {"cos", "linear"}, default "cos"
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list, default 0.85 and 0.95
    div_factor : float, default 25; final_div_factor : float, default 1e4
    three_phase : bool, default False
    last_epoch : int, default -1 (counts batches)

    Raises
    ------
    TypeError for a non-optimizer; ValueError for non-positive or non-int step counts, neither
    total_steps nor epochs and steps_per_epoch, a pct_start that is not a float in [0, 1], an unknown
    anneal_strategy, cycle_momentum without momentum, and a step past the total (as torch).

    Reference: Smith & Topin (2017), Super-convergence: very fast training of neural networks using
    large learning rates.
    """

    def __init__(self, optimizer, max_lr, total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum=0.85, max_momentum=0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False, last_epoch: int = -1):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise ValueError(f"Invalid total_steps: {total_steps!r} (expected a positive integer)")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Invalid epochs: {epochs!r} (expected a positive integer)")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Invalid steps_per_epoch: {steps_per_epoch!r} (expected a positive integer)")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("Invalid total_steps: None (expected total_steps, or both epochs and steps_per_epoch)")
        if three_phase:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Invalid pct_start: {pct_start!r} (expected a float between 0 and 1)")
        check_choice("anneal_strategy", anneal_strategy, "cos", "linear")
        self._anneal_func_type = anneal_strategy
        max_lrs = format_param("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for idx, group in enumerate(optimizer.param_groups):
                group["initial_lr"] = max_lrs[idx] / div_factor
                group["max_lr"] = max_lrs[idx]
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_key(optimizer)
            max_momentums = format_param("max_momentum", optimizer, max_momentum)
            base_momentums = format_param("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for m_momentum, b_momentum, group in zip(max_momentums, base_momentums, optimizer.param_groups):
                    _set_momentum(group, self.use_beta1, m_momentum)
                    group["max_momentum"] = m_momentum
                    group["base_momentum"] = b_momentum
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _annealing_cos(start, end, pct):
        """Cosine from start (pct = 0) to end (pct = 1)."""
        cos_out = math.cos(math.pi * pct) + 1
        return end + (start - end) / 2.0 * cos_out

    @staticmethod
    def _annealing_linear(start, end, pct):
        """Linear from start (pct = 0) to end (pct = 1)."""
        return (end - start) * pct + start

    def _anneal_func(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return self._annealing_cos(start, end, pct)
        return self._annealing_linear(start, end, pct)

    def get_lr(self):
        lrs = []
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(f"Tried to step {step_num} times. The specified number of total steps is "
                             f"{self.total_steps}")
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    computed_lr = self._anneal_func(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        computed_momentum = self._anneal_func(group[phase["start_momentum"]],
                                                              group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(computed_lr)
            if self.cycle_momentum:
                _set_momentum(group, self.use_beta1, computed_momentum)
        return lrs
