"""The progress display of :func:`pyoptim.fit`."""
from __future__ import annotations

import sys


# ------------------------------------------------------------------------------------------------------
# progress display
# ------------------------------------------------------------------------------------------------------
class Progress:
    """tqdm (notebook-aware through ``tqdm.auto``) when installed, else one line per epoch on stderr."""

    def __init__(self, enabled: bool, total: int | None, initial: int, epochs: int):
        self.bar = None
        self.enabled = enabled
        self.epochs = epochs
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, initial=initial, unit="batch", dynamic_ncols=True, leave=True)

    def set_epoch(self, epoch: int) -> None:
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}", refresh=False)

    def update(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def end_epoch(self, epoch: int, logs: dict) -> None:
        if not self.enabled:
            return
        shown = {k: v for k, v in logs.items() if isinstance(v, float) and k != "lr"}
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in shown.items()})
        else:
            text = " - ".join(f"{k}: {v:.4g}" for k, v in shown.items())
            print(f"epoch {epoch + 1}/{self.epochs} - {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
