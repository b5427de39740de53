"""Adversarial examples and adversarial training (book 7.13; Szegedy et al. 2014, Goodfellow et al. 2014b).

The fast gradient sign method: x̃ = x + ε·sign(∇ₓJ(θ; x, y)). A linear-ish model is very sensitive to
such a small max-norm perturbation (its output moves by ε‖w‖₁); training on a mix of clean and
adversarial examples makes the function locally more constant around the training points.
"""
from __future__ import annotations

import numpy as np

from .._internal.modes import mode
from ._objective import input_gradient
from .._validation import check_finite

__all__ = ["fgsm", "AdversarialObjective"]


def fgsm(model, loss, X, y, eps: float, clip: tuple | None = None, training: bool = False) -> np.ndarray:
    """Fast gradient sign method: X + eps·sign(∇ₓJ), the input gradient from the model's backward pass.

    The model runs in eval mode (``training=False``, dropout off) unless told otherwise; its modes and
    parameter gradients are left unchanged. ``clip=(lo, hi)`` clips the result to the input range.
    """
    e = check_finite("eps", eps, 0, coerce=True)
    X = np.asarray(X)
    with mode(model, training):
        _, g = input_gradient(model, loss, X, y)
    out = X + X.dtype.type(e) * np.sign(g).astype(X.dtype, copy=False)
    if clip is not None:
        out = np.clip(out, clip[0], clip[1])
    return out


class AdversarialObjective:
    """Adversarial training as a ``fit`` objective (book 7.13; Goodfellow, Shlens, Szegedy 2014b):

        J̃(θ) = (1 − weight)·J(θ; x, y) + weight·J(θ; x + ε·sign(∇ₓJ(θ; x, y)), y)

    The adversarial batch is generated from the current parameters at every step (in the model's current
    mode). Both terms' gradients are accumulated into ``.grad``; the returned value is J̃.

    Parameters
    ----------
    eps : float >= 0, the max-norm size of the perturbation (input units).
    weight : float in [0, 1], the adversarial term's weight (0.5 in Goodfellow et al.).
    clip : optional (lo, hi) input range.
    """

    def __init__(self, eps: float, weight: float = 0.5, clip: tuple | None = None):
        e, w = float(eps), float(weight)
        if not (np.isfinite(e) and e >= 0):
            raise ValueError(f"Invalid eps: {eps!r} (expected a finite number >= 0)")
        if not 0.0 <= w <= 1.0:
            raise ValueError(f"Invalid weight: {weight!r} (expected a number in [0, 1])")
        self.eps, self.weight, self.clip = e, w, clip

    def __call__(self, model, loss, Xb, yb) -> float:
        Xb = np.asarray(Xb)
        _, g = input_gradient(model, loss, Xb, yb)
        Xa = Xb + Xb.dtype.type(self.eps) * np.sign(g).astype(Xb.dtype, copy=False)
        if self.clip is not None:
            Xa = np.clip(Xa, self.clip[0], self.clip[1])
        total = 0.0
        for X_, w in ((Xb, 1.0 - self.weight), (Xa, self.weight)):
            if w == 0.0:
                continue
            out = model.forward(X_)
            v = loss.forward(out, yb)
            gout = np.asarray(loss.backward())
            model.backward(gout * gout.dtype.type(w))
            total += w * float(v)
        return total
