"""Dropout (book 7.12; Srivastava, Hinton, Krizhevsky, Sutskever, Salakhutdinov 2014).

The mask and the apply are one fused C pass (:func:`pyoptim.kernels.dropout_forward`) over a
counter-based random stream: the layer holds a ``seed`` and a call ``counter``; the mask of a forward
pass depends only on (seed, counter, size), never on the thread count, and the backward pass regenerates
it instead of storing it. The counter is part of ``state_dict`` so a resumed run continues the stream.
"""
from __future__ import annotations

import numpy as np

from .. import kernels
from ._module import Module
from .._validation import Interval, Real, check, check_seed

__all__ = ["Dropout"]


class _DefaultP(float):
    """The default p (0.5, torch's), a distinct object so that Dropout can tell "p not given" from p=0.5
    when keep_prob is given; it reads and prints as 0.5."""

    def __repr__(self) -> str:
        return "0.5"


_DEFAULT_P = _DefaultP(0.5)
_PROBABILITY = Interval(Real, 0, 1, closed="both", coerce=True)


class Dropout(Module):
    """Randomly zero units during training (book 7.12, Srivastava et al. 2014).

    Training: each element is kept with probability 1 − p (the book's "probability of including a
    unit", e.g. 0.8 for inputs and 0.5 for hidden units, is 1 − p here) and, with ``inverted=True``
    (the default, torch's convention), scaled by 1/(1 − p):

        y = x ⊙ m / (1 − p),   m ~ Bernoulli(1 − p) elementwise,

    so the expected activation is unchanged and evaluation is the identity. With ``inverted=False``
    training computes y = x ⊙ m (the book's form) and evaluation applies the **weight-scaling inference
    rule** (book 7.12, eq. 7.66 ff.; Hinton et al. 2012): y = (1 − p)·x, equivalent to multiplying the
    next layer's weights by the keep probability. Both give the same network at test time; for a
    softmax-regression layer it is exactly the renormalized geometric mean of the 2ⁿ sub-networks
    (see :func:`pyoptim.regularization.geometric_mean_ensemble`). Monte-Carlo averaging over sampled
    masks is :func:`pyoptim.regularization.mc_predict`.

    **p or keep_prob.** The book speaks of the probability of *including* a unit, the keep probability
    (0.8 for inputs, 0.5 for hidden units in its examples); torch's ``p`` (and this class's first argument)
    is the probability of *dropping* one: p = 1 − keep_prob. ``Dropout(keep_prob=0.8)`` is the book's
    reading of ``Dropout(p=0.2)``; give one of the two, not both.

    Parameters
    ----------
    p : float in [0, 1], the probability of *dropping* an element (torch's ``p``; default 0.5).
    keep_prob : float in [0, 1], keyword only: the book's probability of *keeping* an element; sets
        p = 1 − keep_prob. ValueError when given together with p.
    seed : int in [0, 2**64) or None (fresh OS entropy). The mask of the k-th training forward call
        is the stream (seed, counter=k) of :func:`pyoptim.kernels.dropout_mask`.
    inverted : bool, see above.

    Example
    -------
    >>> import pyoptim as po
    >>> net = po.nn.Sequential(po.nn.Dense(64, 128), po.nn.ReLU(), po.nn.Dropout(0.5, seed=0), po.nn.Dense(128, 10))
    >>> net[2]
    Dropout(p=0.5)
    """

    def __init__(self, p: float = _DEFAULT_P, seed: int | None = None, inverted: bool = True, *,
                 keep_prob: float | None = None):
        super().__init__()
        if keep_prob is not None:
            if p is not _DEFAULT_P:
                raise ValueError(f"Invalid p, keep_prob: {p!r}, {keep_prob!r} (expected one of them, not both: "
                                 "keep_prob = 1 − p)")
            kp = check("keep_prob", keep_prob, _PROBABILITY, expected="a probability in [0, 1]")
            pf = 1.0 - kp
        else:
            pf = check("p", p, _PROBABILITY, expected="a probability in [0, 1]")
        self.p = pf
        self.seed = check_seed(seed)
        self.inverted = bool(inverted)
        self.register_buffer("counter", 0)
        self._last = None   # (counter, training) of the last forward

    def forward(self, x):
        x = np.ascontiguousarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float64)
        if not self.training or self.p == 0.0:
            self._last = (None, False)
            if self.training or self.inverted:
                return x
            return x * x.dtype.type(1.0 - self.p)   # weight-scaling rule (book 7.12)
        c = int(self.counter)
        self.register_buffer("counter", c + 1)
        self._last = (c, True)
        out = np.empty_like(x)
        kernels.dropout_forward(x, out, self.p, self.seed, c, inverted=self.inverted)
        return out

    def backward(self, grad_output):
        if self._last is None:
            raise RuntimeError("Dropout.backward called before forward")
        g = np.ascontiguousarray(grad_output)
        c, trained = self._last
        if not trained:
            if self.training or self.inverted or self.p == 0.0:
                return g
            return g * g.dtype.type(1.0 - self.p)
        out = np.empty_like(g)
        kernels.dropout_backward(g, out, self.p, self.seed, c, inverted=self.inverted)
        return out

    def mask(self, shape, counter: int | None = None, dtype=np.float32) -> np.ndarray:
        """The keep mask (0/1) of training call ``counter`` (default: the last one) for ``shape``."""
        if counter is None:
            counter = int(self.counter) - 1
            if counter < 0:
                raise RuntimeError("Dropout.mask: no training forward pass yet; pass counter=")
        out = np.empty(shape, dtype=dtype)
        kernels.dropout_mask(out, self.p, self.seed, int(counter))
        return out

    @property
    def keep_prob(self) -> float:
        """The book's probability of including a unit: 1 − p."""
        return 1.0 - self.p

    def extra_repr(self) -> str:
        return f"p={self.p}" + ("" if self.inverted else ", inverted=False")
