"""Layers: Sequential, Dense, ReLU, Tanh, Sigmoid, Residual, BatchNorm (book 6.3, 6.5, 8.7.1, 8.7.5).

Conventions, the same for every layer:

* inputs are 2-D batches ``(B, D)`` (one example per row); a model computes in the dtype of its
  parameters (float32 by default, float64 for gradient checks);
* **input casting (decided)**: a float input of the *other* float dtype is cast to the parameter dtype
  (inputs are never written in place, so a cast copy is harmless); a non-contiguous float input is
  copied to C order; integer, boolean, complex and object inputs raise ``TypeError`` (a network
  computes on floats: convert explicitly with ``x.astype(np.float32)``); a wrong number of dimensions or
  a wrong width raises ``ValueError`` saying what was expected and what came;
* ``forward(x)`` caches what ``backward`` needs as plain attributes (``_x``, ``_y``, ...), never as
  buffers; ``backward(grad_output)`` returns dL/dx and ACCUMULATES parameter gradients into
  ``.grad`` (call ``zero_grad()`` between steps). Frozen parameters (``requires_grad=False``) receive
  no gradient;
* matrix products use NumPy's matmul (BLAS); activations, bias gradients and batch normalization are
  fused C kernels from :mod:`pyoptim.kernels` (GIL released, OpenMP for large arrays, deterministic).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from .. import kernels
from . import init as _init
from ._module import Module, Parameter
from .._validation import check_int

__all__ = ["Sequential", "Dense", "ReLU", "Tanh", "Sigmoid", "Residual", "BatchNorm"]

_FLOATS = (np.float32, np.float64)


def _float_dtype(dtype, who: str) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in _FLOATS:
        raise ValueError(f"Invalid dtype: {dtype!r} (expected np.float32 or np.float64) in {who}")
    return dt


def _as_input(x, dtype, who: str, width: int | None = None, ndim: int = 2) -> np.ndarray:
    """Validate a layer input: a real float array of `ndim` dims (and `width` columns), cast to `dtype`
    (None: keep its own float dtype), C-contiguous."""
    a = x if isinstance(x, np.ndarray) else np.asarray(x)
    if a.dtype.kind != "f" or a.dtype not in _FLOATS:
        raise TypeError(f"{who}: expected a float32 or float64 input array, got dtype {a.dtype} "
                        f"(convert explicitly, e.g. x.astype(np.float32))")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{who}: expected a {ndim}-D input (batch, features), got shape {a.shape}"
                         + (" (use x.reshape(1, -1) for a single example)" if a.ndim == 1 else ""))
    if width is not None and a.shape[-1] != width:
        raise ValueError(f"{who}: expected input with {width} features (shape (B, {width})), "
                         f"got shape {a.shape}")
    if dtype is not None and a.dtype != dtype:
        a = a.astype(dtype)
    return np.ascontiguousarray(a)


def _as_grad(g, like: np.ndarray, who: str) -> np.ndarray:
    """Validate an upstream gradient: same shape as the cached forward output, cast to its dtype."""
    a = g if isinstance(g, np.ndarray) else np.asarray(g)
    if a.dtype.kind != "f" or a.dtype not in _FLOATS:
        raise TypeError(f"{who}.backward: expected a float gradient, got dtype {a.dtype}")
    if a.shape != like.shape:
        raise ValueError(f"{who}.backward: expected grad_output of shape {like.shape} (the forward output), "
                         f"got {a.shape}")
    if a.dtype != like.dtype:
        a = a.astype(like.dtype)
    return np.ascontiguousarray(a)


def _need_forward(mod: Module, attr: str):
    v = getattr(mod, attr, None)
    if v is None:
        raise RuntimeError(f"{type(mod).__name__}.backward called before forward")
    return v


# ---- containers ---------------------------------------------------------------------------------------

class Sequential(Module):
    """A chain of modules: ``forward`` runs them in order, ``backward`` in reverse (the chain rule,
    book 6.5.2).

    Indexable (``model[0]``, ``model[1:]`` gives a Sequential sharing the same modules), ``len``,
    iterable, and ``append(module)``. Sub-modules are registered under the names "0", "1", ... so
    ``state_dict`` keys read ``"0.weight"``, ``"2.running_mean"``, as in torch.

    Example
    -------
    >>> model = Sequential(Dense(64, 32, seed=0), ReLU(), Dense(32, 10, seed=1))
    >>> logits = model(np.zeros((5, 64), np.float32))
    >>> logits.shape
    (5, 10)
    """

    def __init__(self, *modules: Module):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "Sequential":
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: expected a Module, got {type(module).__name__}")
        setattr(self, str(len(self._modules)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __getitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return Sequential(*mods[idx])
        return mods[idx]

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def backward(self, grad_output):
        g = grad_output
        for m in reversed(list(self._modules.values())):
            g = m.backward(g)
        return g

    def backward_params(self, grad_output) -> None:
        """Backward through the layers that lead to a trainable parameter only: the first layer that
        owns one gets ``backward_params``, the parameter-free layers in front of it are not visited."""
        mods = list(self._modules.values())
        first = next((i for i, m in enumerate(mods) if m.has_trainable()), None)
        if first is None:
            return
        g = grad_output
        for m in reversed(mods[first + 1:]):
            g = m.backward(g)
        mods[first].backward_params(g)


class Residual(Module):
    """A skip connection around ``module``: y = x + module(x) (book 8.7.5; He et al. 2016).

    ``backward`` adds the identity path: dL/dx = dL/dy + module.backward(dL/dy), so the gradient reaches
    early layers through the shortcut even when ``module``'s Jacobian is small. ``module`` must keep the
    shape of its input.
    """

    def __init__(self, module: Module):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"Residual: expected a Module, got {type(module).__name__}")
        self.module = module

    def forward(self, x):
        y = self.module(x)
        xa = np.asarray(x)
        if y.shape != xa.shape:
            raise ValueError(f"Residual: the wrapped module maps shape {xa.shape} to {y.shape}; "
                             "a residual block needs the same shape")
        return y + xa.astype(y.dtype, copy=False)

    def backward(self, grad_output):
        g = np.asarray(grad_output)
        return g + self.module.backward(g)


# ---- Dense --------------------------------------------------------------------------------------------

class Dense(Module):
    """Fully connected (affine) layer: y = x @ weight + bias (book 6.1, 6.5.7).

    Parameters
    ----------
    in_features, out_features : int
        Widths m (fan_in) and n (fan_out). ``weight`` has shape (in_features, out_features): each
        column holds one output unit's incoming weights (the transpose of torch.nn.Linear's layout;
        the numbers agree with ``Linear.weight.T``). ``bias`` has shape (out_features,).
    bias : bool
        Whether to add a bias (initialised to zero, book 8.4).
    init : str
        "glorot_uniform" (default: the book's normalized initialization U(-sqrt(6/(m+n)), sqrt(6/(m+n)))),
        "glorot_normal", "he_uniform", "he_normal", "orthogonal", "zeros". See :mod:`pyoptim.nn.init`.
    seed : int, numpy.random.Generator or None
        Randomness of the initialization (None: fresh entropy).
    dtype : np.float32 (default) or np.float64
        The dtype the layer computes in; float inputs of the other dtype are cast to it.

    Backward: dW += x^T g, db += sum_rows(g) (the C kernel ``bias_grad``), returns g W^T.
    """

    _INITS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "orthogonal", "zeros")

    def __init__(self, in_features: int, out_features: int, bias: bool = True, init: str = "glorot_uniform",
                 seed=None, dtype=np.float32):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            check_int(name, v, 1)
        if init not in self._INITS:
            raise ValueError(f"Invalid init: {init!r} (expected one of {', '.join(self._INITS)})")
        dt = _float_dtype(dtype, "Dense")
        self.in_features, self.out_features, self.init = int(in_features), int(out_features), init
        w = np.empty((self.in_features, self.out_features), dtype=dt)
        getattr(_init, init + "_")(w, rng=seed) if init != "zeros" else _init.zeros_(w)
        self.weight = Parameter(w)
        self.bias = Parameter(np.zeros(self.out_features, dtype=dt)) if bias else None
        self._x = None

    @property
    def dtype(self) -> np.dtype:
        return self.weight.data.dtype

    def forward(self, x):
        x = _as_input(x, self.weight.data.dtype, "Dense", self.in_features)
        self._x = x
        y = np.matmul(x, self.weight.data)
        if self.bias is not None:
            y += self.bias.data
        return y

    def backward(self, grad_output):
        g = self._accumulate(grad_output)
        return np.matmul(g, self.weight.data.T)

    def backward_params(self, grad_output) -> None:
        """dL/dW and dL/db only: skips the (B, in) product g W' that ``backward`` returns."""
        self._accumulate(grad_output)

    def _accumulate(self, grad_output):
        """W.grad += x'g, b.grad += sum of g's rows; returns g (checked)."""
        x = _need_forward(self, "_x")
        g = _as_grad(grad_output, _Shape(x.shape[0], self.out_features, x.dtype), "Dense")
        if self.weight.requires_grad:
            self.weight.grad += np.matmul(x.T, g)
        if self.bias is not None and self.bias.requires_grad:
            kernels.bias_grad(self.bias.grad, g)
        return g

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, dtype={self.weight.data.dtype}")


class _Shape:
    """A shape/dtype stand-in for _as_grad (avoids allocating an array just to compare shapes)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, rows, cols, dtype):
        self.shape, self.dtype = (rows, cols), dtype


# ---- activations --------------------------------------------------------------------------------------

class _Activation(Module):
    """Elementwise activation through the C kernels; backward uses the cached output y = f(x)."""

    kind = ""

    def __init__(self):
        super().__init__()
        self._y = None

    def forward(self, x):
        x = _as_input(x, None, type(self).__name__, ndim=None)
        y = kernels.activation_forward(x, kind=self.kind)
        self._y = y
        return y

    def backward(self, grad_output):
        y = _need_forward(self, "_y")
        g = _as_grad(grad_output, y, type(self).__name__)
        return kernels.activation_backward(g, y, kind=self.kind)


class ReLU(_Activation):
    """Rectified linear unit, g(z) = max(0, z) (book 6.3.1). Its derivative is taken as 0 at z = 0 (torch)."""

    kind = "relu"


class Tanh(_Activation):
    """Hyperbolic tangent, g(z) = tanh(z) (book 6.3.2); derivative 1 - tanh(z)^2."""

    kind = "tanh"


class Sigmoid(_Activation):
    """Logistic sigmoid, g(z) = 1 / (1 + exp(-z)) (book 6.3.2); derivative s(z)(1 - s(z)).

    For a binary output use raw logits with :class:`BinaryCrossEntropy` instead (stable, book 6.2.2.2).
    """

    kind = "sigmoid"


# ---- BatchNorm ----------------------------------------------------------------------------------------

class BatchNorm(Module):
    """Batch normalization of a (B, D) input over the batch (book 8.7.1; Ioffe and Szegedy 2015).

    Training mode (``model.train()``): with the batch mean mu and biased variance var of each feature,

        y = weight * (x - mu) / sqrt(var + eps) + bias        (the book's gamma H' + beta)

    and the running estimates move as torch.nn.BatchNorm1d's:
    ``running_mean <- (1 - momentum) running_mean + momentum mu``,
    ``running_var <- (1 - momentum) running_var + momentum var B / (B - 1)`` (unbiased). The backward
    pass differentiates through mu and var. Eval mode (``model.eval()``) normalizes with the running
    estimates instead (constants in the backward pass). Book gamma -> ``weight`` (init 1), beta ->
    ``bias`` (init 0), delta -> ``eps``.

    Parameters
    ----------
    num_features : int
        D, the width of the input.
    momentum : float in [0, 1] or None
        Weight of the new batch in the running estimates (torch's convention: 0.1, i.e. the book's
        decay 0.9). None gives the cumulative average (momentum = 1 / num_batches_tracked), as torch.
    eps : float > 0
        Added to the variance (the book's delta).
    dtype : np.float32 (default) or np.float64

    State: Parameters ``weight``, ``bias``; buffers ``running_mean`` (zeros), ``running_var`` (ones),
    ``num_batches_tracked`` (a 0-d int64 array); all are in ``state_dict``.

    Raises
    ------
    ValueError in training mode for a batch of fewer than 2 rows (no variance), as torch.
    """

    def __init__(self, num_features: int, momentum: float | None = 0.1, eps: float = 1e-5, dtype=np.float32):
        super().__init__()
        check_int("num_features", num_features, 1)
        if momentum is not None and not (0.0 <= momentum <= 1.0):
            raise ValueError(f"Invalid momentum: {momentum!r} (expected a value in [0, 1] or None)")
        if not (eps > 0.0 and np.isfinite(eps)):
            raise ValueError(f"Invalid eps: {eps!r} (expected a finite value > 0)")
        dt = _float_dtype(dtype, "BatchNorm")
        self.num_features, self.momentum, self.eps = int(num_features), momentum, float(eps)
        self.weight = Parameter(np.ones(self.num_features, dtype=dt))
        self.bias = Parameter(np.zeros(self.num_features, dtype=dt))
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dt))
        self.register_buffer("running_var", np.ones(self.num_features, dtype=dt))
        self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        self._x = self._mean = self._invstd = None
        self._fwd_training = True

    @property
    def dtype(self) -> np.dtype:
        return self.weight.data.dtype

    def reset_running_stats(self) -> None:
        """running_mean <- 0, running_var <- 1, num_batches_tracked <- 0, in place (torch's method; used
        by ``pyoptim.optim.swa_utils.update_bn``)."""
        self.running_mean.fill(0)
        self.running_var.fill(1)
        self.num_batches_tracked[...] = 0

    def forward(self, x):
        x = _as_input(x, self.weight.data.dtype, "BatchNorm", self.num_features)
        if self.training and x.shape[0] < 2:
            raise ValueError(f"BatchNorm: training mode needs more than 1 example per batch to estimate a "
                             f"variance, got input of shape {x.shape} (use model.eval() to predict one)")
        D = self.num_features
        out = np.empty_like(x)
        mean = np.empty(D, x.dtype)
        invstd = np.empty(D, x.dtype)
        momentum = self.momentum
        if self.training:
            self.num_batches_tracked += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        kernels.batchnorm_forward(x, self.weight.data, self.bias.data, out, mean, invstd, self.running_mean,
                                self.running_var, training=self.training, momentum=float(momentum or 0.0),
                                eps=self.eps)
        self._x, self._mean, self._invstd, self._fwd_training = x, mean, invstd, self.training
        return out

    def backward(self, grad_output):
        x = _need_forward(self, "_x")
        g = _as_grad(grad_output, x, "BatchNorm")
        dx = np.empty_like(x)
        kernels.batchnorm_backward(g, x, self.weight.data, self._mean, self._invstd, dx,
                                 self.weight.grad if self.weight.requires_grad else None,
                                 self.bias.grad if self.bias.requires_grad else None,
                                 training=self._fwd_training)
        return dx

    def extra_repr(self) -> str:
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}, dtype={self.weight.data.dtype}"
