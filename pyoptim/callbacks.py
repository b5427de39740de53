"""Callbacks for :func:`pyoptim.fit` (book 7.8 early stopping, 8.2.1 curvature monitoring, ...).

The protocol: ``fit`` calls, on every callback in order,

* ``on_train_begin(trainer)`` once, where ``trainer`` is the running :class:`pyoptim.Trainer`-like
  object with attributes ``model``, ``loss``, ``optimizer``, ``history`` (a :class:`pyoptim.History`),
  ``epoch``, ``step`` (global step count) and ``stop_training`` (set it to True to stop after the
  current batch's epoch ends; ``fit`` checks it after every batch and every epoch);
* ``on_epoch_begin(epoch, logs)``;
* ``on_batch_end(batch, logs)`` after each optimizer step, with ``logs["loss"]`` the batch loss;
* ``on_epoch_end(epoch, logs)`` with the epoch's metrics (``loss``, ``accuracy``, ``val_loss``, ...);
* ``on_train_end(logs)``.

Subclass :class:`Callback` and override what you need; every hook defaults to doing nothing.
"""
from __future__ import annotations

__all__ = ["Callback"]


class Callback:
    """Base class for ``fit`` callbacks; every hook is a no-op by default."""

    trainer = None

    def on_train_begin(self, trainer) -> None:
        self.trainer = trainer

    def on_epoch_begin(self, epoch: int, logs: dict) -> None:
        pass

    def on_batch_end(self, batch: int, logs: dict) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, logs: dict) -> None:
        pass
