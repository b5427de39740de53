"""What :func:`pyoptim.fit` records: :class:`History`."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np


# ------------------------------------------------------------------------------------------------------
# History
# ------------------------------------------------------------------------------------------------------
class History:
    """What :func:`fit` records: per-epoch metrics, like Keras' ``History``.

    Attributes
    ----------
    history : dict[str, list[float]]
        One list per metric, one entry per epoch: ``loss`` (training loss incl. penalties), ``accuracy``
        (classification), ``val_loss``, ``val_accuracy`` (with ``validation_data``), ``lr`` (the first
        parameter group's learning rate during the epoch's last step, i.e. before epoch-end callbacks
        such as schedulers change it), ``skipped_batches`` (with
        ``on_nonfinite="skip_batch"``) and whatever callbacks add to the epoch logs.
    epoch : list[int]
        The epoch index (from 0) of each entry.
    meta : dict
        Run-level facts: ``skipped_batches`` (total), ``nonfinite`` (where a non-finite value stopped
        training), ``best_epoch`` / ``stopped_epoch`` (set by early stopping), ``steps``.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.meta: dict[str, Any] = {}

    def append(self, epoch: int, logs: dict) -> None:
        """Record one epoch's scalar logs (missing metrics are padded with NaN to keep lists aligned)."""
        self.epoch.append(int(epoch))
        n = len(self.epoch)
        for key, value in logs.items():
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                continue
            lst = self.history.setdefault(key, [])
            lst.extend([math.nan] * (n - 1 - len(lst)))
            lst.append(float(value))
        for lst in self.history.values():
            lst.extend([math.nan] * (n - len(lst)))

    def _update_last(self, logs: dict) -> None:
        """Overwrite the last epoch's entries with ``logs`` (new keys padded with NaN before)."""
        n = len(self.epoch)
        for key, value in logs.items():
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                continue
            lst = self.history.setdefault(key, [])
            lst.extend([math.nan] * (n - len(lst)))
            lst[-1] = float(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    @property
    def skipped_batches(self) -> int:
        """Total number of minibatches skipped because of a non-finite loss or gradient."""
        return int(self.meta.get("skipped_batches", 0))

    @property
    def best_epoch(self) -> int | None:
        """The epoch early stopping chose (``meta["best_epoch"]``), or None."""
        return self.meta.get("best_epoch")

    def state_dict(self) -> dict:
        return {"history": {k: list(v) for k, v in self.history.items()}, "epoch": list(self.epoch),
                "meta": dict(self.meta)}

    def load_state_dict(self, state: dict) -> None:
        self.history = {str(k): [float(x) for x in v] for k, v in state["history"].items()}
        self.epoch = [int(e) for e in state["epoch"]]
        self.meta = dict(state.get("meta", {}))

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch)}, last={last})"

    def plot(self, metrics: Sequence[str] | None = None, figsize=None, title: str | None = None):
        """Plot the loss and metric curves, training against validation; returns the matplotlib Figure.

        One panel per metric family (``loss``, then ``accuracy`` and any other metric), the training
        curve solid and the ``val_`` curve dashed. When early stopping recorded a best epoch
        (``meta["best_epoch"]``) it is marked with a vertical line (book Fig. 7.3). Epochs are numbered
        from 0 everywhere in pyoptim (``History.epoch``, ``EarlyStopping.best_epoch`` and
        ``stopped_epoch``, :func:`pyoptim.plot.loss_curves`, the tour's tables), so the line stands at
        ``best_epoch`` itself. matplotlib is imported here (``pip install "pyoptim-dlbook[tour]"``).
        """
        from .. import plot as P   # raises an ImportError naming the extra when matplotlib is missing

        if metrics is None:
            skip = {"lr", "skipped_batches"}
            metrics = [k for k in self.history if not k.startswith("val_") and k not in skip]
            metrics += [k[4:] for k in self.history if k.startswith("val_") and k[4:] not in self.history]
            if "loss" in metrics:
                metrics = ["loss"] + [m for m in metrics if m != "loss"]
        metrics = list(metrics) or ["loss"]
        fig, axes = P.figure(figsize or (4.5 * len(metrics), 3.4), 1, len(metrics))
        axes = np.atleast_2d(axes)
        x = np.asarray(self.epoch)
        best = self.best_epoch
        for ax, name in zip(axes[0], metrics):
            for key, style, label in ((name, "-", "train"), ("val_" + name, "--", "validation")):
                if key in self.history:
                    ax.plot(x, self.history[key], style, marker="o" if len(x) < 30 else None,
                            markersize=3, label=f"{label} {name}")
            if best is not None:
                ax.axvline(int(best), color="gray", linestyle=":", label=f"best epoch ({int(best)})")
            ax.set_xlabel("epoch (from 0)")
            ax.set_ylabel(name)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        if title:
            fig.suptitle(title)
        return fig
