"""Losses: SoftmaxCrossEntropy, MSELoss, BinaryCrossEntropy (book 6.2.2, 7.5.1, 8.1.2).

Protocol: ``loss.forward(output, target) -> float`` (the batch mean, torch's reduction='mean'),
``loss.backward() -> dL/doutput`` (an array shaped like ``output``, in its dtype). ``loss(output,
target)`` calls forward. The value and the gradient come from one fused, numerically stable C pass
(:mod:`pyoptim.kernels`), so ``backward`` costs nothing extra.

These are surrogate losses (book 8.1.2): we minimize them because the 0-1 loss has no useful gradient;
:mod:`pyoptim.nn.metrics` reports the 0-1 error and accuracy beside them.
"""
from __future__ import annotations

import numpy as np

from .. import kernels
from .._validation import check_not_masked

__all__ = ["Loss", "SoftmaxCrossEntropy", "MSELoss", "BinaryCrossEntropy"]

_FLOATS = (np.float32, np.float64)


def _as_output(x, who: str, ndim: int | None = None) -> np.ndarray:
    check_not_masked(f"output of {who}", x)
    a = x if isinstance(x, np.ndarray) else np.asarray(x)
    if a.dtype not in _FLOATS or a.dtype.kind != "f":
        raise TypeError(f"{who}: expected float32 or float64 model outputs, got dtype {a.dtype}")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{who}: expected {ndim}-D outputs, got shape {a.shape}")
    return np.ascontiguousarray(a)


def _match_target(t, out: np.ndarray, who: str) -> np.ndarray:
    """A real target with out's shape (a (B,) target for (B, 1) outputs is accepted), in out's dtype."""
    check_not_masked(f"target of {who}", t)
    t = t if isinstance(t, np.ndarray) else np.asarray(t)
    if t.dtype.kind not in "fiub":
        raise TypeError(f"{who}: expected a real numeric target, got dtype {t.dtype}")
    if t.shape != out.shape:
        if out.ndim == 2 and out.shape[1] == 1 and t.shape == (out.shape[0],):
            t = t.reshape(out.shape)
        else:
            raise ValueError(f"{who}: target has shape {t.shape} but the output has shape {out.shape} "
                             "(they must match; no broadcasting)")
    return np.ascontiguousarray(t, dtype=out.dtype)


class Loss:
    """Base class: ``forward(output, target) -> float`` and ``backward() -> gradient``."""

    def __init__(self):
        self._grad = None

    def __call__(self, output, target) -> float:
        return self.forward(output, target)

    def forward(self, output, target) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        """dL/doutput of the last forward call (L the batch mean)."""
        if self._grad is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._grad

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class SoftmaxCrossEntropy(Loss):
    """Softmax cross-entropy of integer class labels (the multinoulli negative log-likelihood, book
    6.2.2.3), with optional label smoothing (book 7.5.1); torch.nn.CrossEntropyLoss's numbers.

    For logits z (B, K) and labels y (B,):

        p = softmax(z),  t = (1 - eps) onehot(y) + eps / K
        L = (1/B) sum_i -sum_k t_ik log p_ik       (log p computed as z - logsumexp(z): stable)
        dL/dz = (p - t) / B

    Label smoothing. This is torch's convention, ``label_smoothing=eps``: the true class gets
    1 - eps + eps/K and every class eps/K. The book (7.5.1) writes the targets as 1 - e' for the true
    class and e'/(K - 1) for each other class; the two agree when **eps = e' K / (K - 1)** (and
    e' = eps (K - 1) / K). Smoothing keeps the softmax from pursuing hard 0/1 targets with ever larger
    weights.

    Parameters
    ----------
    label_smoothing : float in [0, 1]

    ``forward(logits, labels)``: logits float32/float64 (B, K); labels an integer array (B,) (int64 or
    int32 are passed through; other integer dtypes are converted) with values in [0, K), else ValueError
    naming the first bad label. Float labels raise TypeError. A float target of shape (B, K) is taken as
    class probabilities (torch's soft targets; computed in NumPy, smoothing applied to them too).
    """

    def __init__(self, label_smoothing: float = 0.0):
        super().__init__()
        if not (0.0 <= label_smoothing <= 1.0):
            raise ValueError(f"Invalid label_smoothing: {label_smoothing!r} (expected a value in [0, 1])")
        self.label_smoothing = float(label_smoothing)

    def forward(self, output, target) -> float:
        z = _as_output(output, "SoftmaxCrossEntropy", ndim=2)
        check_not_masked("target of SoftmaxCrossEntropy", target)
        y = target if isinstance(target, np.ndarray) else np.asarray(target)
        if y.dtype.kind == "f" and y.ndim == 2:
            return self._soft(z, y)
        if y.dtype.kind not in "iu":
            raise TypeError(f"SoftmaxCrossEntropy: expected integer class labels (B,), got dtype {y.dtype} "
                            "(use y.astype(np.int64); float targets must be class probabilities of shape (B, K))")
        if y.ndim != 1 or y.shape[0] != z.shape[0]:
            raise ValueError(f"SoftmaxCrossEntropy: expected labels of shape ({z.shape[0]},) for logits of "
                             f"shape {z.shape}, got {y.shape}")
        if not (y.dtype == np.int64 or y.dtype == np.int32):
            if y.dtype.kind == "u" and y.size and y.max() > np.iinfo(np.int64).max:
                raise ValueError(f"SoftmaxCrossEntropy: label {y.max()} is outside [0, {z.shape[1]})")
            y = y.astype(np.int64)
        y = np.ascontiguousarray(y)
        grad = np.empty_like(z)
        loss = kernels.softmax_cross_entropy(z, y, grad, label_smoothing=self.label_smoothing)
        self._grad = grad
        return loss

    def _soft(self, z, t):
        if t.shape != z.shape:
            raise ValueError(f"SoftmaxCrossEntropy: probability targets must have the logits' shape {z.shape}, "
                             f"got {t.shape}")
        B, K = z.shape
        t = t.astype(z.dtype)
        if self.label_smoothing:
            t = (1 - self.label_smoothing) * t + self.label_smoothing / K
        m = z.max(axis=1, keepdims=True)
        lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
        logp = z - lse
        loss = float(-(t * logp).sum(dtype=np.float64) / B) if B else float("nan")
        p = np.exp(logp)
        self._grad = ((p * t.sum(axis=1, keepdims=True) - t) / B).astype(z.dtype)
        return loss

    def extra_repr(self) -> str:
        return f"label_smoothing={self.label_smoothing}" if self.label_smoothing else ""


class MSELoss(Loss):
    """Mean squared error, L = mean((output - target)^2) over all elements (torch's reduction='mean');
    dL/doutput = 2 (output - target) / n, n = output.size. The Gaussian negative log-likelihood up to
    constants (book 6.2.2.1).

    The target must have the output's shape (a (B,) target for (B, 1) outputs is accepted and
    reshaped: torch would silently broadcast it to (B, B)); it is cast to the output's dtype.
    """

    def forward(self, output, target) -> float:
        o = _as_output(output, "MSELoss")
        t = _match_target(target, o, "MSELoss")
        grad = np.empty_like(o)
        loss = kernels.mse_loss(o, t, grad)
        self._grad = grad
        return loss


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy on LOGITS (torch's binary_cross_entropy_with_logits; book 6.2.2.2):

        L = mean( max(z, 0) - z y + log1p(exp(-|z|)) )   (= -y log s(z) - (1 - y) log(1 - s(z)))
        dL/dz = (sigmoid(z) - y) / n

    stable for any z (never log(0)), which is why the model outputs logits and no Sigmoid layer.
    Targets in [0, 1] (0/1 labels, integer or bool, are converted), with the logits' shape (a (B,)
    target for (B, 1) logits is accepted).
    """

    def forward(self, output, target) -> float:
        z = _as_output(output, "BinaryCrossEntropy")
        t0 = target if isinstance(target, np.ndarray) else np.asarray(target)
        t = _match_target(t0, z, "BinaryCrossEntropy")
        if t.size and not (t.min() >= 0 and t.max() <= 1):   # NaN fails both comparisons
            what = "binary labels 0/1" if t0.dtype.kind in "iub" else "targets in [0, 1] (probabilities)"
            raise ValueError(f"BinaryCrossEntropy: expected {what}, got values in [{t0.min()}, {t0.max()}]")
        grad = np.empty_like(z)
        loss = kernels.bce_with_logits(z, t, grad)
        self._grad = grad
        return loss
