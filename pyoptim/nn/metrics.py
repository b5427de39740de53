"""Metrics beside the surrogate losses (book 8.1.2): accuracy and the 0-1 error.

Training minimizes a surrogate (the negative log-likelihood) because the 0-1 loss is piecewise constant
and has no useful gradient; these report what we actually care about. The book's observation: on
separable data the training 0-1 error can reach 0 while the log-likelihood keeps improving (the
classes are pushed further apart, the margin grows).

Both functions accept
* multiclass logits (B, K) with K >= 2 and integer labels (B,): the prediction is argmax_k z_ik;
* binary logits (B,) or (B, 1) and 0/1 labels (B,) or (B, 1): the prediction is [z > 0]
  (a logit of 0 is probability 1/2; ties go to class 0).
"""
from __future__ import annotations

import numpy as np

__all__ = ["predict_classes", "accuracy", "zero_one_error"]


def predict_classes(logits) -> np.ndarray:
    """Predicted class indices (int64, shape (B,)) from multiclass or binary logits."""
    z = np.asarray(logits)
    if z.dtype.kind not in "fiu":
        raise TypeError(f"predict_classes: expected real logits, got dtype {z.dtype}")
    if z.ndim == 1 or (z.ndim == 2 and z.shape[1] == 1):
        return (z.reshape(-1) > 0).astype(np.int64)
    if z.ndim != 2:
        raise ValueError(f"predict_classes: expected logits of shape (B, K), (B, 1) or (B,), got {z.shape}")
    return np.argmax(z, axis=1).astype(np.int64)


def _labels(y, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(-1)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"expected labels of shape ({n},), got {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(y == np.round(y)):
            raise ValueError("expected integer class labels (or 0/1 floats), got non-integer values")
    elif y.dtype.kind not in "iub":
        raise TypeError(f"expected integer labels, got dtype {y.dtype}")
    return y.astype(np.int64)


def accuracy(logits, y) -> float:
    """Fraction of examples whose predicted class equals the label (NaN for an empty batch)."""
    pred = predict_classes(logits)
    y = _labels(y, pred.shape[0])
    return float(np.mean(pred == y)) if pred.size else float("nan")


def zero_one_error(logits, y) -> float:
    """The 0-1 loss averaged over the batch, 1 - accuracy (book 8.1.2)."""
    return 1.0 - accuracy(logits, y)
