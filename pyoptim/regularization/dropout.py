"""Dropout as an ensemble (book 7.12): Monte-Carlo mask averaging, the weight-scaling rule, and the
exact geometric-mean ensemble of softmax regression.

The layer is :class:`pyoptim.nn.Dropout` (masks from the C RNG). Dropout trains an exponentially large
ensemble of sub-networks sharing parameters; at test time the book gives three ways to predict:

1. :func:`mc_predict` -- average the predictions of k sampled masks (the arithmetic-mean ensemble,
   eq. 7.54; "10-20 masks are often sufficient");
2. the weight-scaling inference rule -- one pass with the weights out of each unit multiplied by its
   keep probability (eq. 7.66 ff.). With inverted dropout (the default, kept units scaled by 1/(1−p)
   during training) this is simply the network in eval mode; ``Dropout(inverted=False)`` keeps the
   book's form and scales by 1 − p in eval mode;
3. the renormalized geometric mean of all sub-networks (eq. 7.56-7.58): for softmax regression,
   ``geometric_mean_ensemble`` enumerates all 2ⁿ masks and equals the weight-scaling rule *exactly*
   (eq. 7.59-7.66; tested to 1e-12).
"""
from __future__ import annotations

import itertools

import numpy as np
from .._validation import check_choice, check_int

__all__ = ["mc_predict", "weight_scaling_predict", "geometric_mean_ensemble", "softmax"]


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum (no overflow)."""
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _dropout_modules(model):
    from ..nn import Dropout
    return [m for m in model.modules() if isinstance(m, Dropout)]


def mc_predict(model, X, k: int, output: str = "softmax", batch_size: int | None = None) -> np.ndarray:
    """Average the predictions of k dropout masks (book eq. 7.54, the arithmetic-mean ensemble).

    Only the Dropout layers are put in training mode (BatchNorm and the rest stay in eval mode); each
    pass draws a fresh mask (the layers' counters advance). ``output="softmax"`` averages class
    probabilities (what the book averages, p(y | x, μ)); ``"raw"`` averages the raw outputs. The
    model's modes are restored afterwards.
    """
    check_int("k", k, 1)
    check_choice("output", output, "softmax", "raw")
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        for d in _dropout_modules(model):
            object.__setattr__(d, "training", True)
        X = np.asarray(X)
        acc = None
        for _ in range(int(k)):
            out = np.asarray(model.forward(X), dtype=np.float64)
            if output == "softmax":
                out = softmax(out)
            acc = out if acc is None else acc + out
        return acc / k
    finally:
        for m, t in modes:
            object.__setattr__(m, "training", t)


def weight_scaling_predict(W, b, X, p: float) -> np.ndarray:
    """Softmax regression under the weight-scaling rule: softmax((1 − p)·X W + b) (book eq. 7.66)
    for a model trained with the book's (non-inverted) dropout of drop probability p on its inputs."""
    X = np.asarray(X, dtype=np.float64)
    return softmax((1.0 - p) * (X @ np.asarray(W, dtype=np.float64)) + np.asarray(b, dtype=np.float64))


def geometric_mean_ensemble(W, b, X, p: float = 0.5, inverted: bool = False) -> np.ndarray:
    """The renormalized geometric mean over *all* 2ⁿ input masks of softmax regression (book eq. 7.56-7.58).

        p̃(y | x) ∝ Π_d P(y | x, d)^{π(d)},   π(d) = Π_i (1−p)^{d_i} p^{1−d_i}

    renormalized over y. With p = 0.5 every mask has weight 2⁻ⁿ: the book's unweighted geometric mean.
    For general p the geometric mean is weighted by the masks' probabilities, and the book's
    derivation goes through unchanged with E[d] = 1 − p. Inputs of a sub-network are d ⊙ x, or
    d ⊙ x/(1 − p) with ``inverted=True``. Exhaustive: n = X.shape[1] must be small (≤ 16).
    """
    X = np.asarray(X, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n = X.shape[1]
    if n > 16:
        raise ValueError(f"Invalid X: {n} inputs (the exhaustive ensemble needs n <= 16)")
    if not 0.0 <= p < 1.0:
        raise ValueError(f"Invalid p: {p!r} (expected a probability in [0, 1))")
    scale = 1.0 / (1.0 - p) if inverted else 1.0
    log_mean = np.zeros((X.shape[0], W.shape[1]))
    for bits in itertools.product((0.0, 1.0), repeat=n):
        d = np.array(bits)
        k = d.sum()
        weight = (1.0 - p) ** k * p ** (n - k)
        if weight == 0.0:
            continue
        z = ((X * d) * scale) @ W + b
        logp = z - z.max(axis=1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
        log_mean += weight * logp
    return softmax(log_mean)
