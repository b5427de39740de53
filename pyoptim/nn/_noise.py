"""Additive Gaussian noise on inputs or hidden units (book 7.4, 7.5; Sietsma & Dow 1991)."""
from __future__ import annotations

import numpy as np

from .._validation import check_seed
from ._module import Module

__all__ = ["GaussianNoise"]


class GaussianNoise(Module):
    """Add N(0, std²) noise in training; identity in evaluation (book 7.4 noise injection, 7.5).

        y = x + std·z,   z ~ N(0, I)    (training);      y = x    (eval)

    On the inputs of a linear regression, noise of variance σ² equals, in expectation, an L2 penalty
    σ²‖w‖² on the weights (Bishop 1995; book 7.5; tested in tests/regularization/test_reg_noise.py). Applied to hidden
    units it is a form of the noise robustness that dropout generalizes. The gradient is the identity
    (the noise does not depend on x).

    Parameters
    ----------
    std : float >= 0, the noise standard deviation σ.
    seed : int or None. The noise of the k-th training call is drawn from
        ``numpy.random.default_rng([seed, k])`` (reproducible, and resumable: ``counter`` is a buffer).
    """

    def __init__(self, std: float, seed: int | None = None):
        super().__init__()
        try:
            s = float(std)
        except (TypeError, ValueError):
            raise ValueError(f"Invalid std: {std!r} (expected a finite number >= 0)") from None
        if not (np.isfinite(s) and s >= 0):
            raise ValueError(f"Invalid std: {std!r} (expected a finite number >= 0)")
        self.std = s
        self.seed = check_seed(seed)
        self.register_buffer("counter", 0)

    def forward(self, x):
        x = np.asarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float64)
        if not self.training or self.std == 0.0:
            return x
        c = int(self.counter)
        self.register_buffer("counter", c + 1)
        rng = np.random.default_rng([self.seed, c])
        z = rng.standard_normal(x.shape, dtype=x.dtype)
        return x + x.dtype.type(self.std) * z

    def backward(self, grad_output):
        return grad_output

    def extra_repr(self) -> str:
        return f"std={self.std}"
