"""Parameter initialization (book 8.4), in place on an array or a :class:`~pyoptim.nn.Parameter`.

Layout and fans. pyoptim's Dense weight has shape (in_features, out_features) = (m, n) and computes
``x @ W``: column j holds output unit j's incoming weights. So, for a 2-D ``W`` of shape (m, n):

* ``fan_in = W.shape[0] = m`` (inputs per unit), ``fan_out = W.shape[1] = n`` (units fed by an input);
* for an array with more than 2 dimensions, ``fan_in = prod(shape[:-1])`` and ``fan_out = shape[-1]``.

This is the transpose of torch's Linear layout (out, in), so the same formula gives the same
distribution as torch.nn.init on ``Linear.weight`` (its fan_in is ``weight.shape[1]``).

Every function takes ``rng``: an int seed, a :class:`numpy.random.Generator`, or None (fresh entropy),
never the global NumPy state; fills in the array's own dtype; returns the array (or Parameter).

Book 8.4's normalized initialization (Glorot and Bengio 2010) is :func:`glorot_uniform_`,
W ~ U(-sqrt(6/(m+n)), sqrt(6/(m+n))), which keeps Var of activations and of back-propagated gradients
roughly equal across layers of a linear (or tanh) network: Var(W) = 2/(m+n). He et al. (2015) use
Var(W) = 2/m for ReLU. Saxe et al. (2013) recommend random orthogonal matrices with a gain; Martens
(2010) sparse initialization gives each unit exactly k non-zero incoming weights.

Aliases: ``xavier_uniform_ = glorot_uniform_``, ``xavier_normal_ = glorot_normal_``,
``kaiming_uniform_ = he_uniform_``, ``kaiming_normal_ = he_normal_``.
"""
from __future__ import annotations

import math

import numpy as np

from .._validation import check_choice, check_nonneg

__all__ = ["calculate_fans", "calculate_gain", "glorot_uniform_", "glorot_normal_", "he_uniform_",
           "he_normal_", "orthogonal_", "sparse_", "zeros_", "constant_", "output_bias_from_marginals",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]


def _target(tensor) -> np.ndarray:
    """The ndarray to fill: a Parameter's .data or the array itself (float, writeable)."""
    arr = getattr(tensor, "data", tensor) if not isinstance(tensor, np.ndarray) else tensor
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"init: expected a numpy.ndarray or a Parameter, got {type(tensor).__name__}")
    if arr.dtype.kind != "f":
        raise TypeError(f"init: expected a float array, got dtype {arr.dtype}")
    if not arr.flags.writeable:
        raise ValueError("init: the array is read-only (initializers work in place)")
    return arr


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def calculate_fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of this shape in pyoptim's (in, out) layout; needs >= 2 dims."""
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(f"Invalid shape: {shape!r} (expected a weight with at least 2 dimensions; "
                         "fan_in and fan_out are undefined for a vector such as a bias)")
    return int(np.prod(shape[:-1])), int(shape[-1])


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain: 1 for linear/sigmoid, 5/3 for tanh, sqrt(2) for relu,
    sqrt(2 / (1 + a^2)) for leaky_relu with slope a (default 0.01)."""
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + a * a))
    raise ValueError(f"Invalid nonlinearity: {nonlinearity!r} (expected linear, sigmoid, tanh, relu or leaky_relu)")


def _fill(tensor, values: np.ndarray):
    arr = _target(tensor)
    arr[...] = values.reshape(arr.shape)
    return tensor


def _check_gain(gain) -> float:
    """A scale factor: a finite number >= 0 (TypeError for a non-number, as torch)."""
    return check_nonneg("gain", gain, type_error=True)


def glorot_uniform_(tensor, gain: float = 1.0, rng=None):
    """W ~ U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)): Var(W) = gain^2 * 2 / (fan_in + fan_out).

    The book's normalized initialization (eq. 8.23, Glorot and Bengio 2010) with gain 1.
    torch: ``xavier_uniform_``.
    """
    arr = _target(tensor)
    fi, fo = calculate_fans(arr.shape)
    a = _check_gain(gain) * math.sqrt(6.0 / (fi + fo))
    return _fill(tensor, _rng(rng).uniform(-a, a, arr.shape))


def glorot_normal_(tensor, gain: float = 1.0, rng=None):
    """W ~ N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)). torch: ``xavier_normal_``."""
    arr = _target(tensor)
    fi, fo = calculate_fans(arr.shape)
    std = _check_gain(gain) * math.sqrt(2.0 / (fi + fo))
    return _fill(tensor, _rng(rng).normal(0.0, std, arr.shape))


def _he_std(arr, a, mode, nonlinearity):
    check_choice("mode", mode, "fan_in", "fan_out")
    fi, fo = calculate_fans(arr.shape)
    fan = fi if mode == "fan_in" else fo
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def he_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu", rng=None):
    """W ~ U(-b, b), b = gain * sqrt(3 / fan): Var(W) = gain^2 / fan = 2 / fan_in for ReLU (He et al. 2015).

    ``mode="fan_in"`` keeps the forward variance, ``"fan_out"`` the backward one. torch:
    ``kaiming_uniform_`` (whose default nonlinearity is leaky_relu with a = sqrt(5) for Linear's reset;
    here the default is plain ReLU, gain sqrt(2)).
    """
    arr = _target(tensor)
    b = math.sqrt(3.0) * _he_std(arr, a, mode, nonlinearity)
    return _fill(tensor, _rng(rng).uniform(-b, b, arr.shape))


def he_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu", rng=None):
    """W ~ N(0, std^2), std = gain / sqrt(fan): Var(W) = 2 / fan_in for ReLU. torch: ``kaiming_normal_``."""
    arr = _target(tensor)
    std = _he_std(arr, a, mode, nonlinearity)
    return _fill(tensor, _rng(rng).normal(0.0, std, arr.shape))


def orthogonal_(tensor, gain: float = 1.0, rng=None):
    """A random (semi-)orthogonal matrix times ``gain`` (Saxe et al. 2013; book 8.4).

    Drawn as torch.nn.init.orthogonal_ does: the QR factorization of a Gaussian matrix, with the signs
    of R's diagonal moved into Q (so Q is Haar-distributed). For a weight of shape (m, n):
    if m >= n the columns are orthonormal, W^T W = gain^2 I_n; otherwise the rows are, W W^T = gain^2 I_m.
    Arrays with more than 2 dims are flattened to (prod(shape[:-1]), shape[-1]).
    """
    arr = _target(tensor)
    gain = _check_gain(gain)
    if arr.ndim < 2:
        raise ValueError(f"Invalid shape: {arr.shape!r} (orthogonal_ needs at least 2 dimensions)")
    rows, cols = int(np.prod(arr.shape[:-1])), arr.shape[-1]
    if arr.size == 0:
        return tensor
    g = _rng(rng).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(g)
    d = np.sign(np.diag(r))
    d[d == 0] = 1.0
    q = q * d
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q)


def sparse_(tensor, k: int = 15, std: float = 1.0, rng=None):
    """Sparse initialization (Martens 2010; book 8.4): each unit gets exactly ``k`` non-zero incoming
    weights, drawn from N(0, std^2), at random positions; the rest are 0.

    With the (in, out) layout a unit is a COLUMN: every column of W has exactly k non-zeros (Martens used
    k = 15 with unit Gaussians). Unlike a dense init whose scale shrinks with fan_in, the total input of
    a unit does not shrink as the layer widens. torch's ``sparse_(tensor, sparsity, std=0.01)`` instead
    zeros a fraction of each column of the (out, in) weight.
    """
    arr = _target(tensor)
    if arr.ndim != 2:
        raise ValueError(f"Invalid shape: {arr.shape!r} (sparse_ needs a 2-D weight (in, out))")
    fan_in, n_units = arr.shape
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= fan_in:
        raise ValueError(f"Invalid k: {k!r} (expected an integer in [0, fan_in = {fan_in}])")
    if not std > 0:
        raise ValueError(f"Invalid std: {std!r} (expected a value > 0)")
    gen = _rng(rng)
    w = np.zeros((fan_in, n_units))
    for j in range(n_units):
        rows = gen.choice(fan_in, size=int(k), replace=False)
        v = gen.normal(0.0, std, int(k))
        v[v == 0] = std          # exactly k non-zeros, even in the measure-zero case
        w[rows, j] = v
    return _fill(tensor, w)


def zeros_(tensor):
    """Fill with 0 (biases, book 8.4; never for weights of hidden units: it does not break symmetry)."""
    _target(tensor)[...] = 0
    return tensor


def constant_(tensor, val: float):
    """Fill with ``val`` (e.g. a ReLU bias of 0.1 so units start active, book 8.4)."""
    _target(tensor)[...] = val
    return tensor


def output_bias_from_marginals(bias, y, num_classes: int | None = None, smoothing: float = 0.0):
    """Set a softmax output layer's bias to the log of the marginal class frequencies (book 8.4).

    With zero weights the model then predicts softmax(b) = c, the class marginals of the training
    labels: b_k = log c_k, c_k = (count_k + smoothing) / (n + smoothing K). A class absent from ``y``
    has no finite log: pass ``smoothing > 0`` (e.g. 1, Laplace) in that case. With ``num_classes=1``
    (a single sigmoid output) b = log(p / (1 - p)), p the frequency of label 1.

    Parameters
    ----------
    bias : ndarray or Parameter of shape (num_classes,)
    y : integer labels (n,)
    num_classes : K (default: bias.shape[0])
    smoothing : float >= 0, added to every count
    """
    arr = _target(bias)
    K = arr.shape[0] if num_classes is None else int(num_classes)
    if arr.shape != (K,):
        raise ValueError(f"output_bias_from_marginals: bias has shape {arr.shape}, expected ({K},)")
    if not smoothing >= 0:
        raise ValueError(f"Invalid smoothing: {smoothing!r} (expected a value >= 0)")
    y = np.asarray(y).ravel()
    if y.dtype.kind not in "iub" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise TypeError(f"output_bias_from_marginals: expected integer labels, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if K == 1:
        if y.size and (y.min() < 0 or y.max() > 1):
            raise ValueError("output_bias_from_marginals: binary labels must be 0 or 1")
        p = (y.sum() + smoothing) / (y.size + 2 * smoothing)
        if not 0 < p < 1:
            raise ValueError(f"output_bias_from_marginals: the positive frequency is {p}; its log-odds is "
                             "infinite (pass smoothing > 0)")
        arr[...] = math.log(p / (1 - p))
        return bias
    if y.size and (y.min() < 0 or y.max() >= K):
        bad = y[(y < 0) | (y >= K)][0]
        raise ValueError(f"output_bias_from_marginals: label {bad} is outside [0, {K})")
    counts = np.bincount(y, minlength=K).astype(np.float64) + smoothing
    if np.any(counts == 0):
        missing = np.flatnonzero(counts == 0).tolist()
        raise ValueError(f"output_bias_from_marginals: classes {missing} never occur in y; log(0) = -inf "
                         "(pass smoothing > 0)")
    arr[...] = np.log(counts / counts.sum())
    return bias


xavier_uniform_ = glorot_uniform_
xavier_normal_ = glorot_normal_
kaiming_uniform_ = he_uniform_
kaiming_normal_ = he_normal_
