"""Bagging and other ensemble methods (book 7.11; Breiman 1994).

If k models make errors εᵢ with E[εᵢ²] = v and E[εᵢεⱼ] = c (i ≠ j), the average prediction's expected
squared error is (book eq. 7.50)

    E[((1/k) Σᵢ εᵢ)²] = v/k + (k − 1)c/k,

v when the errors are perfectly correlated (c = v) and v/k when they are uncorrelated (c = 0).
:class:`Bagging` trains k models on k bootstrap resamples of the data (each drawn with replacement, the
same size as the original, so each misses about 1/e ≈ 37% of the examples) and averages them.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from .._validation import check_choice, check_int

__all__ = ["ensemble_expected_error", "Bagging"]


def ensemble_expected_error(v: float, c: float, k: int) -> float:
    """v/k + (k − 1)c/k: the expected squared error of the mean of k errors with variance v and
    covariance c (book eq. 7.50)."""
    k = int(k)
    if k < 1:
        raise ValueError(f"Invalid k: {k!r} (expected an int >= 1)")
    return v / k + (k - 1) * c / k


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class Bagging:
    """Bootstrap aggregating (book 7.11): k models, each trained on its own bootstrap resample.

    Parameters
    ----------
    make_model : callable ``(i) -> Module`` or ``() -> Module`` building a fresh model (seed it by i for
        different initializations too).
    k : int >= 1, number of members.
    seed : int, seeds the bootstrap draws (member i uses ``default_rng([seed, i])``).

    ``fit(loss, make_optimizer, X, y, **fit_kwargs)`` trains each member with :func:`pyoptim.fit` on
    its resample; ``predict(X, combine="mean"|"softmax")`` averages the members' outputs (``softmax``
    averages class probabilities, the book's ensemble of eq. 7.52); ``members`` holds the models and
    ``indices`` the bootstrap index arrays.
    """

    def __init__(self, make_model: Callable, k: int, seed: int = 0):
        check_int("k", k, 1)
        if not callable(make_model):
            raise ValueError(f"Invalid make_model: {make_model!r} (expected a callable returning a Module)")
        self.make_model, self.k, self.seed = make_model, int(k), seed
        self.members: list = []
        self.indices: list = []
        self.histories: list = []

    def _build(self, i: int):
        try:
            return self.make_model(i)
        except TypeError:
            return self.make_model()

    def bootstrap(self, n: int, i: int) -> np.ndarray:
        """The bootstrap indices of member i: n draws with replacement from range(n)."""
        return np.random.default_rng([int(self.seed), int(i)]).integers(0, n, size=n)

    def fit(self, loss, make_optimizer: Callable, X, y, **fit_kwargs) -> "Bagging":
        from ..training import fit

        fit_kwargs.setdefault("progress", False)
        self.members, self.indices, self.histories = [], [], []
        for i in range(self.k):
            idx = self.bootstrap(len(X), i)
            model = self._build(i)
            h = fit(model, loss, make_optimizer(model), X[idx], y[idx], **fit_kwargs)
            self.members.append(model)
            self.indices.append(idx)
            self.histories.append(h)
        return self

    def member_predictions(self, X) -> list:
        from ..training import predict
        return [predict(m, X) for m in self.members]

    def predict(self, X, combine: str = "mean") -> np.ndarray:
        if not self.members:
            raise RuntimeError("Bagging.predict: call fit first")
        check_choice("combine", combine, "mean", "softmax")
        outs = self.member_predictions(X)
        if combine == "softmax":
            outs = [_softmax(o) for o in outs]
        return np.mean(outs, axis=0)
