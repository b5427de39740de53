"""Callbacks for :func:`pyoptim.fit` (book 7.8 early stopping, 8.3.1 schedules, 8.2.1 curvature monitoring).

The protocol: ``fit`` calls, on every callback in order,

* ``on_train_begin(trainer)`` once, where ``trainer`` is the running :class:`pyoptim.Trainer` with
  attributes ``model``, ``loss``, ``optimizer``, ``history`` (a :class:`pyoptim.History`), ``epoch``,
  ``step`` (optimizer steps taken), ``batch`` (the current ``(Xb, yb)``) and ``stop_training`` (set it
  to True to stop: ``fit`` checks it after every batch and every epoch);
* ``on_epoch_begin(epoch, logs)``;
* ``on_before_step(batch, logs)`` after the gradients are computed (and the regularizers' gradients
  added), before the non-finite check and ``optimizer.step()``: the place to inspect or change
  gradients (clipping, curvature monitors). ``logs["loss"]`` is the minibatch loss;
* ``on_batch_end(batch, logs)`` after each optimizer step (and constraints);
* ``on_epoch_end(epoch, logs)`` with the epoch's metrics (``loss``, ``accuracy``, ``val_loss``, ...);
  values a callback adds to ``logs`` here are recorded in the history too;
* ``on_train_end(logs)``.

A callback that keeps state across epochs implements ``state_dict()`` / ``load_state_dict()``:
``fit``'s checkpoints save it and ``fit(resume=...)`` restores it, so a resumed run is identical.

Subclass :class:`Callback` and override what you need; every hook defaults to doing nothing.
"""
from __future__ import annotations

from typing import Callable
from ._validation import check_choice, check_int

__all__ = ["Callback", "LambdaCallback", "LRSchedulerCallback"]


class Callback:
    """Base class for ``fit`` callbacks; every hook is a no-op by default."""

    trainer = None

    def on_train_begin(self, trainer) -> None:
        self.trainer = trainer

    def on_epoch_begin(self, epoch: int, logs: dict) -> None:
        pass

    def on_before_step(self, batch: int, logs: dict) -> None:
        pass

    def on_batch_end(self, batch: int, logs: dict) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, logs: dict) -> None:
        pass

    def state_dict(self) -> dict:
        """State to checkpoint (plain numbers, strings, arrays, nested dicts/lists); none by default."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class LambdaCallback(Callback):
    """A callback from plain functions, one per hook (Keras' ``LambdaCallback``).

    ``on_train_begin(trainer)``, ``on_epoch_begin(epoch, logs)``, ``on_before_step(batch, logs)``,
    ``on_batch_end(batch, logs)``, ``on_epoch_end(epoch, logs)``, ``on_train_end(logs)``; the
    trainer is also available as ``self.trainer``.

    Example
    -------
    >>> norms = []
    >>> cb = LambdaCallback(on_epoch_end=lambda e, logs: norms.append(logs["loss"]))
    """

    def __init__(self, on_train_begin: Callable | None = None, on_epoch_begin: Callable | None = None,
                 on_before_step: Callable | None = None, on_batch_end: Callable | None = None,
                 on_epoch_end: Callable | None = None, on_train_end: Callable | None = None):
        fns = dict(on_train_begin=on_train_begin, on_epoch_begin=on_epoch_begin, on_before_step=on_before_step,
                   on_batch_end=on_batch_end, on_epoch_end=on_epoch_end, on_train_end=on_train_end)
        for name, fn in fns.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"Invalid {name}: {fn!r} (expected a callable or None)")
        self._fns = fns

    def _call(self, hook: str, *args) -> None:
        """Call the function given for ``hook``, if any."""
        fn = self._fns[hook]
        if fn:
            fn(*args)

    def on_train_begin(self, trainer) -> None:
        self.trainer = trainer
        self._call("on_train_begin", trainer)

    def on_epoch_begin(self, epoch, logs) -> None:
        self._call("on_epoch_begin", epoch, logs)

    def on_before_step(self, batch, logs) -> None:
        self._call("on_before_step", batch, logs)

    def on_batch_end(self, batch, logs) -> None:
        self._call("on_batch_end", batch, logs)

    def on_epoch_end(self, epoch, logs) -> None:
        self._call("on_epoch_end", epoch, logs)

    def on_train_end(self, logs) -> None:
        self._call("on_train_end", logs)


class LRSchedulerCallback(Callback):
    """Step a ``pyoptim.optim.lr_scheduler`` scheduler from ``fit`` (book 8.3.1: the learning rate must
    decrease over time for SGD to converge).

    Parameters
    ----------
    scheduler : a scheduler with ``step()`` (``ReduceLROnPlateau``: ``step(metric)``)
    per : "epoch" | "batch"
        Step after every epoch (torch's usual placement) or after every optimizer step (the book's
        linear decay ε_k over τ *iterations*).
    monitor : str, optional
        The epoch log passed to ``scheduler.step(metric)`` (e.g. "val_loss" for ``ReduceLROnPlateau``);
        only with ``per="epoch"``.

    The scheduler's ``state_dict()`` (when it has one) is checkpointed with the run.
    """

    def __init__(self, scheduler, per: str = "epoch", monitor: str | None = None):
        if not callable(getattr(scheduler, "step", None)):
            raise TypeError(f"Invalid scheduler: {scheduler!r} (expected an object with step())")
        check_choice("per", per, "epoch", "batch")
        if monitor is not None and per != "epoch":
            raise ValueError(f"Invalid monitor: {monitor!r} (a monitored metric needs per='epoch')")
        self.scheduler, self.per, self.monitor = scheduler, per, monitor

    def on_batch_end(self, batch, logs) -> None:
        if self.per == "batch":
            self.scheduler.step()

    def on_epoch_end(self, epoch, logs) -> None:
        if self.per != "epoch":
            return
        if self.monitor is None:
            self.scheduler.step()
            return
        if self.monitor not in logs:
            raise KeyError(f"LRSchedulerCallback: monitor {self.monitor!r} is not in the epoch logs "
                           f"(available: {sorted(logs)}); pass validation_data for val_* metrics")
        self.scheduler.step(logs[self.monitor])

    def state_dict(self) -> dict:
        fn = getattr(self.scheduler, "state_dict", None)
        return {"scheduler": fn()} if callable(fn) else {}

    def load_state_dict(self, state: dict) -> None:
        fn = getattr(self.scheduler, "load_state_dict", None)
        if "scheduler" in state and callable(fn):
            fn(state["scheduler"])


# --- regularize: EarlyStopping ---


class EarlyStopping(Callback):
    """Stop training when a monitored metric stops improving, and restore the best parameters (book 7.8).

    The book's Algorithm 7.1: evaluate on a validation set after each epoch, remember the parameters
    θ* with the best validation score, and stop when it has not improved for ``patience`` epochs;
    return θ* (``restore_best=True`` copies the best ``state_dict`` back into the model when training
    ends). Early stopping is "an unobtrusive form of regularization": for a linear model with a
    quadratic loss and gradient descent, τ steps of rate ε from the origin behave like L2 weight decay
    with α ≈ 1/(τε) (book eq. 7.40-7.45; see :mod:`pyoptim.regularization.early_stopping`, which also
    has the book's two retraining strategies, Algorithms 7.2 and 7.3).

    Parameters
    ----------
    monitor : str, a key of the epoch logs ("val_loss", "val_accuracy", "loss", ...).
    patience : int >= 0. Epochs without improvement allowed before stopping, counted as Keras does:
        training stops at the end of the epoch where the number of consecutive epochs without
        improvement reaches max(patience, 1) (so patience=0 and 1 both stop at the first bad epoch;
        the book's p of Algorithm 7.1 is ``patience`` for p >= 1).
    min_delta : float >= 0, the smallest change that counts as an improvement.
    restore_best : bool, restore the best epoch's parameters (and buffers) at the end of training.
    mode : "min" (losses) or "max" (accuracies).

    Attributes
    ----------
    best : the best monitored value; ``best_epoch``: its epoch (from 0); ``stopped_epoch``: the epoch at
    whose end training was stopped (None if it ran to the end); ``wait``: current epochs without
    improvement.

    Example
    -------
    >>> import numpy as np, pyoptim as po
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((300, 8)).astype(np.float32), rng.integers(0, 3, 300)
    >>> Xv, yv = rng.standard_normal((100, 8)).astype(np.float32), rng.integers(0, 3, 100)
    >>> model = po.nn.Sequential(po.nn.Dense(8, 32, seed=0), po.nn.ReLU(), po.nn.Dense(32, 3, seed=1))
    >>> loss, opt = po.nn.SoftmaxCrossEntropy(), po.optim.Adam(model.parameters(), lr=0.01)
    >>> es = po.callbacks.EarlyStopping("val_loss", patience=5)
    >>> hist = po.fit(model, loss, opt, X, y, epochs=200, validation_data=(Xv, yv), callbacks=[es],
    ...               progress=False)
    >>> es.best_epoch, es.stopped_epoch   # random labels: the validation loss is best after epoch 0
    (0, 5)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 restore_best: bool = True, mode: str = "min"):
        if not isinstance(monitor, str):
            raise ValueError(f"Invalid monitor: {monitor!r} (expected a metric name such as 'val_loss')")
        check_int("patience", patience, 0, strict=True)
        try:
            md = float(min_delta)
        except (TypeError, ValueError):
            md = float("nan")
        if not md >= 0.0:
            raise ValueError(f"Invalid min_delta: {min_delta!r} (expected a number >= 0)")
        check_choice("mode", mode, "min", "max")
        self.monitor, self.patience, self.min_delta = monitor, patience, md
        self.restore_best, self.mode = bool(restore_best), mode
        self._reset()

    def _reset(self) -> None:
        self.best = float("inf") if self.mode == "min" else float("-inf")
        self.best_epoch = None
        self.stopped_epoch = None
        self.wait = 0
        self.best_state = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, trainer) -> None:
        super().on_train_begin(trainer)
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping: monitor {self.monitor!r} is not in the epoch logs "
                           f"(available: {sorted(logs)}); pass validation_data for val_* metrics")
        value = float(logs[self.monitor])
        if self._improved(value) or self.best_epoch is None and value == value:
            self.best, self.best_epoch, self.wait = value, int(epoch), 0
            if self.restore_best and self.trainer is not None:
                self.best_state = self.trainer.model.state_dict()
            return
        self.wait += 1
        if self.wait >= max(self.patience, 1):
            if self.stopped_epoch is None:
                self.stopped_epoch = int(epoch)
            if self.trainer is not None:
                self.trainer.stop_training = True

    def on_train_end(self, logs: dict) -> None:
        if self.restore_best and self.best_state is not None and self.trainer is not None:
            self.trainer.model.load_state_dict(self.best_state)

    def state_dict(self) -> dict:
        st = {"best": self.best, "best_epoch": -1 if self.best_epoch is None else self.best_epoch,
              "stopped_epoch": -1 if self.stopped_epoch is None else self.stopped_epoch, "wait": self.wait}
        if self.best_state is not None:
            st["best_state"] = dict(self.best_state)
        return st

    def load_state_dict(self, state: dict) -> None:
        self.best = float(state["best"])
        be, se = int(state["best_epoch"]), int(state["stopped_epoch"])
        self.best_epoch = None if be < 0 else be
        self.stopped_epoch = None if se < 0 else se
        self.wait = int(state["wait"])
        self.best_state = dict(state["best_state"]) if "best_state" in state else None

    def __repr__(self) -> str:
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best={self.restore_best}, mode={self.mode!r})")


__all__ += ["EarlyStopping"]
