"""Gradient oracles for demonstrations: exact, noisy, biased and minibatch gradients (book 8.2.6, 8.1.3).

Section 8.2.6 ("inexact gradients"): most algorithms assume the exact gradient or Hessian, but in
practice we only have noisy or even biased estimates. These wrappers turn an exact gradient into such
an oracle so an optimizer can be run against each and compared. Every oracle is callable as
``oracle(x) -> g`` and counts its calls in ``.calls``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from .._validation import check_finite

__all__ = ["NoisyOracle", "BiasedOracle", "MinibatchOracle"]


def _grad_of(grad_fn):
    if hasattr(grad_fn, "grad") and callable(grad_fn.grad):
        return grad_fn.grad
    if not callable(grad_fn):
        raise ValueError(f"Invalid grad_fn: {grad_fn!r} (expected a callable or an objective with .grad)")
    return grad_fn


class NoisyOracle:
    """g̃(x) = ∇f(x) + σ ξ, ξ ~ N(0, I) fresh at every call: unbiased, variance σ² per coordinate.

    Parameters: ``grad_fn`` (callable x -> ∇f(x), or a :mod:`pyoptim.functions` objective),
    ``sigma`` (σ >= 0), ``seed`` (int or numpy Generator).
    """

    def __init__(self, grad_fn: Callable, sigma: float, seed=None):
        check_finite("sigma", sigma, 0)
        self.grad_fn = _grad_of(grad_fn)
        self.sigma = float(sigma)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.calls = 0

    def __call__(self, x) -> np.ndarray:
        self.calls += 1
        g = np.asarray(self.grad_fn(x), dtype=np.float64)
        return g + self.sigma * self.rng.standard_normal(g.shape)


class BiasedOracle:
    """g̃(x) = ∇f(x) + b: a systematic error (``bias`` a constant vector, a scalar, or a callable
    x -> b(x)). Unlike noise, averaging does not remove it: gradient descent then converges to a point
    where ∇f = −b, not to the minimum."""

    def __init__(self, grad_fn: Callable, bias):
        self.grad_fn = _grad_of(grad_fn)
        if not callable(bias):
            b = np.asarray(bias, dtype=np.float64)
            if not np.all(np.isfinite(b)):
                raise ValueError(f"Invalid bias: {bias!r} (expected finite values)")
        self.bias = bias
        self.calls = 0

    def __call__(self, x) -> np.ndarray:
        self.calls += 1
        g = np.asarray(self.grad_fn(x), dtype=np.float64)
        b = self.bias(x) if callable(self.bias) else self.bias
        return g + np.asarray(b, dtype=np.float64)


class MinibatchOracle:
    """The minibatch gradient (book 8.1.3): ĝ(x) = ∇ of the mean loss on m examples drawn without
    replacement from (X, y) at each call; unbiased for the full-data gradient, with standard error
    falling like σ/√m (times the finite-population factor √((n − m)/(n − 1))).

    ``grad_fn(x, Xb, yb)`` returns the gradient of the mean loss on the batch (Xb, yb). ``full(x)``
    returns the full-data gradient (batch = everything).
    """

    def __init__(self, grad_fn: Callable, X, y, batch_size: int, seed=None):
        n = len(X)
        if len(y) != n:
            raise ValueError(f"Invalid y: {len(y)} rows (expected {n}, as X)")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= n:
            raise ValueError(f"Invalid batch_size: {batch_size!r} (expected an integer in 1..{n})")
        self.grad_fn, self.X, self.y, self.batch_size = grad_fn, X, y, int(batch_size)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.calls = 0

    def __call__(self, x) -> np.ndarray:
        self.calls += 1
        idx = self.rng.choice(len(self.X), size=self.batch_size, replace=False)
        return np.asarray(self.grad_fn(x, self.X[idx], self.y[idx]), dtype=np.float64)

    def full(self, x) -> np.ndarray:
        return np.asarray(self.grad_fn(x, self.X, self.y), dtype=np.float64)
