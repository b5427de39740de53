"""Sparse representations: an L1 penalty on activations (book 7.10)."""
from __future__ import annotations

import numpy as np

from ..nn import Module
from .._validation import check_finite

__all__ = ["ActivityL1"]


class ActivityL1(Module):
    """Identity layer that adds the representation penalty αΩ(h) = α‖h‖₁ (book 7.10, eq. 7.47).

    Place it after the layer whose output h should be sparse (``Sequential(Dense, ReLU, ActivityL1(α),
    ...)``). Forward returns h unchanged and records the penalty α·(1/B)Σ_b‖h_b‖₁ -- averaged over the
    batch of B examples like the loss -- in ``last_penalty``; backward adds its (sub)gradient
    α·sign(h)/B to the incoming gradient. It is also a regularizer for :func:`pyoptim.fit`: pass it in
    ``regularizers=[...]`` too and its ``penalty`` is added to the reported loss (its gradient is already
    in the backward pass, so ``accumulate_grad`` does nothing). Representational sparsity, not parameter
    sparsity: many *activations* become exactly zero (with a ReLU before it).
    """

    def __init__(self, alpha: float):
        super().__init__()
        a = check_finite("alpha", alpha, 0, coerce=True)
        self.alpha = a
        self.last_penalty = 0.0
        self._h = None

    def forward(self, x):
        x = np.asarray(x)
        self._h = x
        B = x.shape[0] if x.ndim > 1 else 1
        self.last_penalty = self.alpha * float(np.abs(x).sum(dtype=np.float64)) / B if self.training else 0.0
        return x

    def backward(self, grad_output):
        if not self.training or self._h is None:
            return grad_output
        h = self._h
        B = h.shape[0] if h.ndim > 1 else 1
        return grad_output + np.sign(h).astype(h.dtype, copy=False) * h.dtype.type(self.alpha / B)

    # the regularizer protocol of fit
    def penalty(self, model=None) -> float:
        return self.last_penalty

    def accumulate_grad(self, model=None, grads=None) -> None:
        pass

    def after_step(self, model=None, lr=None) -> None:
        pass

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"
