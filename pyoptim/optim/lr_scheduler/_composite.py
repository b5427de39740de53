"""Schedulers made of schedulers: SequentialLR (one after another) and ChainedScheduler (all at once).

Both follow torch: the schedulers given must already be built on the same optimizer; SequentialLR
hands over at each milestone by restarting the next scheduler from ``initial_lr`` (its closed form at
epoch 0), ChainedScheduler steps every scheduler each step, so their chainable factors multiply.
Their ``state_dict()`` nests the state of each scheduler.
"""
from __future__ import annotations

from bisect import bisect_right

from ._base import LRScheduler, param_groups_val_list, set_hyper
from ._basic import ReduceLROnPlateau

__all__ = ["SequentialLR", "ChainedScheduler"]


def _check_schedulers(who: str, schedulers, optimizer) -> None:
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"Invalid schedulers[{i}]: {type(s).__name__} (expected a scheduler with an "
                            "'optimizer' attribute)")
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f"Invalid schedulers[{i}]: {who} does not support ReduceLROnPlateau (its step() "
                             "needs the metric)")
        if optimizer != s.optimizer:
            raise ValueError(f"Invalid schedulers[{i}]: {type(s).__name__} steps another optimizer ({who} "
                             "expects all schedulers to belong to the same optimizer)")


class _NestedState:
    """state_dict/load_state_dict that nest the wrapped schedulers' states under ``"_schedulers"``."""

    def state_dict(self):
        sd = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        sd["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        subs = state_dict.pop("_schedulers")
        self.__dict__.update(state_dict)
        for s, sd in zip(self._schedulers, subs):
            s.load_state_dict(sd)


class SequentialLR(_NestedState, LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` (restarted at its epoch 0), ...

    Example: a warm-up then a decay,
    ``SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), ExponentialLR(opt, 0.9)], milestones=[5])``.

    Parameters
    ----------
    optimizer : Optimizer
    schedulers : list of schedulers (at least one, all on ``optimizer``; not ReduceLROnPlateau)
    milestones : list of int (one fewer than schedulers)
    last_epoch : int, default -1

    Raises
    ------
    ValueError for no schedulers, a ReduceLROnPlateau, another optimizer or a wrong number of
    milestones; TypeError for an object that is not a scheduler (as torch).
    """

    def __init__(self, optimizer, schedulers: list, milestones: list, last_epoch: int = -1):
        if len(schedulers) < 1:
            raise ValueError("Invalid schedulers: an empty list (SequentialLR expects at least one scheduler)")
        _check_schedulers("SequentialLR", schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"Invalid milestones: {len(milestones)} values for {len(schedulers)} schedulers "
                             "(expected one fewer milestone than schedulers)")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # back to the initial rates, and undo the first step every scheduler took when it was built
        for group in self.optimizer.param_groups:
            set_hyper(group, "lr", group["initial_lr"])
        self.recursive_undo()
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def recursive_undo(self, sched=None) -> None:
        """Decrement ``last_epoch`` of every (nested) scheduler: undo the step each took when built."""
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self.recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Step the scheduler whose turn it is (restarting it at epoch 0 on its milestone)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_NestedState, LRScheduler):
    """Step several chainable schedulers together: each ``step()`` calls every scheduler's ``step()``
    in order, so their multiplicative factors compose (e.g. ConstantLR warm-up times ExponentialLR).

    Parameters
    ----------
    schedulers : sequence of schedulers (at least one, on one optimizer; not ReduceLROnPlateau)
    optimizer : Optimizer, optional (default: that of ``schedulers[0]``)

    Raises
    ------
    ValueError for no schedulers, a ReduceLROnPlateau or schedulers on different optimizers; TypeError
    for an object that is not a scheduler (as torch).
    """

    def __init__(self, schedulers, optimizer=None):
        if len(schedulers) < 1:
            raise ValueError("Invalid schedulers: an empty list (ChainedScheduler expects at least one scheduler)")
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = param_groups_val_list(self._schedulers[-1].optimizer, "lr")

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = param_groups_val_list(self._schedulers[-1].optimizer, "lr")
