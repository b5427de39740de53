"""The one train/eval mode context manager."""
from __future__ import annotations

__all__ = ["mode"]


class mode:
    """``with mode(model, training=False):`` puts every module of ``model`` in eval (or train) mode and
    restores each module's own mode afterwards, even when the block raises (a model whose sub-modules
    were in mixed modes gets them back as they were). Returns the model from ``__enter__``.

    Objects without ``modules()``/``train()`` (a plain callable) pass through unchanged.
    """

    def __init__(self, model, training: bool = False):
        self.model, self.training = model, training

    def __enter__(self):
        mods = list(self.model.modules()) if hasattr(self.model, "modules") else []
        self.saved = [(m, getattr(m, "training", True)) for m in mods]
        if hasattr(self.model, "train"):
            self.model.train(self.training)
        return self.model

    def __exit__(self, *exc):
        for m, t in self.saved:
            object.__setattr__(m, "training", t)
        return False
