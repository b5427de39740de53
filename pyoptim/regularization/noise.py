"""Noise robustness (book 7.5) and label smoothing (7.5.1).

* Input noise: :class:`pyoptim.nn.GaussianNoise` as the first layer, or ``augment=PixelNoise(σ)``. For
  linear regression, Gaussian input noise of variance σ² equals, in expectation, an L2 penalty: with
  ŷ = xᵀw, E_ε[(( x + ε)ᵀw − y)²] = (xᵀw − y)² + σ²‖w‖² (Bishop 1995; tested exactly and by Monte-Carlo).
* Weight noise: :class:`WeightNoise`, an objective for :func:`pyoptim.fit` that perturbs the weights by
  ε_W ~ N(0, ηI) before each gradient computation and restores them afterwards (book eq. 7.30-7.33;
  Jim, Giles, Horne 1996; Graves 2011). For small η and a least-squares loss,
  E[(ŷ(x; W + ε_W) − y)²] ≈ (ŷ − y)² + η‖∇_W ŷ(x)‖² -- exactly so when ŷ is linear in W, and to first
  order in η at a point where ŷ = y for a nonlinear ŷ (the extra term η(ŷ − y)tr ∇²_W ŷ vanishes):
  weight noise pushes towards regions where the output is insensitive to small weight changes.
* Label smoothing: ``pyoptim.nn.SoftmaxCrossEntropy(label_smoothing=ε_torch)`` follows torch's convention,
  target (1 − ε_torch)·onehot + ε_torch/k. The book's form (7.5.1) replaces the 1 by 1 − ε and every 0 by
  ε/(k − 1). They are the same targets when ε_torch = ε·k/(k − 1): use :func:`book_to_torch_smoothing`.
  :func:`smooth_targets` builds either form.
"""
from __future__ import annotations

import numpy as np

from .._internal.params import param_data
from ..regularizers import select_params
from ._objective import default_objective
from .._validation import check_finite

__all__ = ["WeightNoise", "smooth_targets", "book_to_torch_smoothing", "torch_to_book_smoothing"]


class WeightNoise:
    """Objective for ``fit(objective=...)``: compute the loss and gradients at W + ε, ε ~ N(0, ηI) (book 7.5).

    Each call draws fresh noise (``default_rng([seed, call])``) for the selected parameters (weights,
    ndim >= 2, by default; ``params="all"`` includes biases), adds it, runs ``base`` (default: forward,
    loss, backward), then restores the exact original values. The gradient is therefore that of
    J(W + ε), a stochastic estimate of ∇E_ε[J(W + ε)]: the book's regularized objective (eq. 7.31).

    Parameters
    ----------
    eta : float >= 0, the noise variance η (standard deviation √η).
    seed : int; params : see :func:`pyoptim.regularizers.select_params`; base : the wrapped objective.
    """

    def __init__(self, eta: float, seed: int = 0, params="weights", base=None):
        v = check_finite("eta", eta, 0, coerce=True)
        self.eta, self.seed, self.params = v, int(seed), params
        self.base = base or default_objective
        self.calls = 0

    def __call__(self, model, loss, Xb, yb) -> float:
        rng = np.random.default_rng([self.seed, self.calls])
        self.calls += 1
        targets = [param_data(p) for p in select_params(model, self.params)]
        saved = [w.copy() for w in targets]
        sd = np.sqrt(self.eta)
        try:
            for w in targets:
                w += (rng.standard_normal(w.shape) * sd).astype(w.dtype, copy=False)
            return float(self.base(model, loss, Xb, yb))
        finally:
            for w, s in zip(targets, saved):
                w[...] = s


def smooth_targets(y, k: int, eps: float, form: str = "book") -> np.ndarray:
    """Smoothed one-hot targets for integer labels y in [0, k).

    form="book" (7.5.1): 1 − ε for the true class, ε/(k − 1) for each other class.
    form="torch": (1 − ε)·onehot + ε/k (torch.nn.CrossEntropyLoss(label_smoothing=ε)).
    """
    y = np.asarray(y)
    k = int(k)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"Invalid eps: {eps!r} (expected a number in [0, 1])")
    onehot = np.eye(k)[y]
    if form == "book":
        return onehot * (1.0 - eps) + (1.0 - onehot) * (eps / (k - 1))
    if form == "torch":
        return onehot * (1.0 - eps) + eps / k
    raise ValueError(f"Invalid form: {form!r} (expected 'book' or 'torch')")


def book_to_torch_smoothing(eps: float, k: int) -> float:
    """ε_torch = ε·k/(k − 1): the ``label_smoothing`` giving the book's targets (1 − ε, ε/(k − 1))."""
    return eps * k / (k - 1)


def torch_to_book_smoothing(eps_torch: float, k: int) -> float:
    """ε = ε_torch·(k − 1)/k, the inverse of :func:`book_to_torch_smoothing`."""
    return eps_torch * (k - 1) / k
