"""Exact Hessian-vector products of a network's mean loss by the R-operator (book 8.2.1, 8.6.2).

The Hessian H of the training cost J(θ) is never formed. Pearlmutter's R-operator (Pearlmutter 1994,
"Fast exact multiplication by the Hessian") gives Hv for any direction v at the price of a few
gradients: write R{·} = d/dr (·)(θ + r v) at r = 0, push it through the forward pass (R{a} for every
activation a) and then through the backward pass (R{∂J/∂a}); the R of the parameter gradients is
R{∇θ J} = H v. Everything here is recomputed from the modules' public attributes in NumPy, so the
model is never touched: no ``.grad`` is written and no BatchNorm running statistic moves.

Supported modules: ``Dense``, ``ReLU``, ``Tanh``, ``Sigmoid``, ``BatchNorm`` (train mode with batch
statistics, eval mode with running statistics), ``Residual``, ``Sequential``, ``Dropout`` in eval mode
(identity); losses ``SoftmaxCrossEntropy`` (label smoothing too: it does not change H),
``MSELoss``, ``BinaryCrossEntropy`` (on logits). Other modules can be taught with
:func:`register_rop`.

Cost: one forward pass, one backward pass without parameter gradients, then per product one R-forward
and one R-backward pass (about 2 and 4 matrix products per Dense layer, fewer for the first layer,
whose input has no R). :class:`HessianOperator` caches the forward/backward so Lanczos pays only the
R passes per product.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from .._validation import check_float_dtype

__all__ = ["hvp", "hvp_fd", "hvp_fn", "gradient", "loss_and_gradient", "HessianOperator", "flatten",
           "unflatten", "register_rop", "register_loss_rop"]


# ---------------------------------------------------------------------------------------------------
# flat helpers
# ---------------------------------------------------------------------------------------------------

def _data(p):
    return p.data if hasattr(p, "data") and not isinstance(p, np.ndarray) else p


def flatten(arrays: Sequence) -> np.ndarray:
    """Concatenate arrays (or Parameters: their ``.data``) into one 1-D vector θ (C order), the book's
    single parameter vector of chapter 8.

    ``flatten(model.parameters())`` is the book's θ; :func:`unflatten` is its inverse.
    """
    parts = [np.ravel(np.asarray(_data(a))) for a in arrays]
    if not parts:
        return np.zeros(0)
    return np.concatenate(parts)


def unflatten(vec, like: Sequence) -> list[np.ndarray]:
    """Split a 1-D vector into arrays shaped like ``like`` (arrays or Parameters), in order.

    Raises ``ValueError`` when the vector's length is not the total size of ``like``.
    """
    vec = np.asarray(vec)
    shapes = [np.shape(_data(a)) for a in like]
    sizes = [math.prod(s) for s in shapes]
    if vec.ndim != 1 or vec.size != sum(sizes):
        raise ValueError(f"Invalid vec: shape {vec.shape!r} (expected a 1-D vector of length {sum(sizes)})")
    out, start = [], 0
    for s, k in zip(shapes, sizes):
        out.append(vec[start:start + k].reshape(s))
        start += k
    return out


def _acc(G, i, val):
    """G[i] += val, allocating on first use (a parameter used twice gets the sum, book 7.9)."""
    if G is None or i is None:
        return
    G[i] = val if G[i] is None else G[i] + val


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


# ---------------------------------------------------------------------------------------------------
# per-module rules: forward, backward, R-forward, R-backward
# ---------------------------------------------------------------------------------------------------

class _Ctx:
    """The parameter table: model.parameters() order, a cast copy of each value, slot by id."""

    def __init__(self, params, dtype, datas=None):
        self.params = list(params)
        self.index = {id(p): i for i, p in enumerate(self.params)}
        self.dtype = np.dtype(dtype)
        if datas is None:
            datas = [np.array(_data(p), dtype=self.dtype, copy=True) for p in self.params]
        self.data = datas

    def slot(self, p):
        if p is None:
            return None
        i = self.index.get(id(p))
        if i is None:
            raise ValueError("a parameter of a sub-module is not in model.parameters()")
        return i

    def value(self, i):
        return None if i is None else self.data[i]


class _Op:
    """Interface of a compiled module. ``need_gx``: whether anyone needs the input gradient."""

    need_gx = True

    def forward(self, x):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, gy, G):  # returns gx (or None when not needed); accumulates into G
        raise NotImplementedError

    def rforward(self, Rx, V):  # returns R{y}; Rx None means zero
        raise NotImplementedError

    def rbackward(self, Rgy, V, RG):  # returns R{gx}; accumulates R{∇θ} into RG
        raise NotImplementedError


class _Dense(_Op):
    # y = x W + b;  R{y} = R{x} W + x V_W + V_b
    # g_W = xᵀ g_y, g_b = Σ g_y, g_x = g_y Wᵀ
    # R{g_W} = R{x}ᵀ g_y + xᵀ R{g_y};  R{g_x} = R{g_y} Wᵀ + g_y V_Wᵀ
    def __init__(self, m, ctx):
        self.iw = ctx.slot(m.weight)
        self.ib = ctx.slot(getattr(m, "bias", None))
        self.W = ctx.value(self.iw)
        self.b = ctx.value(self.ib)

    def forward(self, x):
        self.x = x
        y = x @ self.W
        if self.b is not None:
            y += self.b
        return y

    def backward(self, gy, G):
        self.gy = gy
        if G is not None:
            _acc(G, self.iw, self.x.T @ gy)
            _acc(G, self.ib, gy.sum(axis=0))
        return gy @ self.W.T if self.need_gx else None

    def rforward(self, Rx, V):
        self.Rx = Rx
        Ry = self.x @ V[self.iw]
        if Rx is not None:
            Ry += Rx @ self.W
        if self.ib is not None:
            Ry += V[self.ib]
        return Ry

    def rbackward(self, Rgy, V, RG):
        RgW = self.x.T @ Rgy
        if self.Rx is not None:
            RgW += self.Rx.T @ self.gy
        _acc(RG, self.iw, RgW)
        _acc(RG, self.ib, Rgy.sum(axis=0))
        if not self.need_gx:
            return None
        Rgx = Rgy @ self.W.T
        Rgx += self.gy @ V[self.iw].T
        return Rgx


class _ReLU(_Op):
    # y = max(x, 0): f'' = 0 almost everywhere, so R{g_x} = 1[x>0] R{g_y}
    def __init__(self, m, ctx):
        pass

    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, gy, G):
        return gy * self.mask if self.need_gx else None

    def rforward(self, Rx, V):
        return None if Rx is None else Rx * self.mask

    def rbackward(self, Rgy, V, RG):
        return Rgy * self.mask if self.need_gx else None


class _Smooth(_Op):
    """Elementwise y = f(x) with f' and f'' expressed through y (tanh, sigmoid)."""

    def __init__(self, m, ctx):
        pass

    def forward(self, x):
        self.y = self._f(x)
        self.d1 = self._d1(self.y)
        return self.y

    def backward(self, gy, G):
        self.gy = gy
        return gy * self.d1 if self.need_gx else None

    def rforward(self, Rx, V):
        self.Ry = None if Rx is None else self.d1 * Rx
        self.Rx = Rx
        return self.Ry

    def rbackward(self, Rgy, V, RG):
        # g_x = f'(x) g_y  ->  R{g_x} = f'(x) R{g_y} + f''(x) R{x} g_y
        if not self.need_gx:
            return None
        Rgx = self.d1 * Rgy
        if self.Rx is not None:
            Rgx += self._d2(self.y) * self.Rx * self.gy
        return Rgx


class _Tanh(_Smooth):
    _f = staticmethod(np.tanh)

    @staticmethod
    def _d1(y):
        return 1 - y * y

    @staticmethod
    def _d2(y):
        return -2 * y * (1 - y * y)


class _Sigmoid(_Smooth):
    @staticmethod
    def _f(x):
        # stable logistic: exp of a non-positive number only
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    @staticmethod
    def _d1(y):
        return y * (1 - y)

    @staticmethod
    def _d2(y):
        return y * (1 - y) * (1 - 2 * y)


class _Identity(_Op):
    """Dropout / GaussianNoise in eval mode (or with p = 0 / std = 0): the identity, or the weight-scaling
    rule x·(1 − p) of a non-inverted Dropout in eval mode (book 7.12). In training mode they are random,
    so there is no fixed Hessian to multiply by: call ``model.eval()`` first."""

    def __init__(self, m, ctx):
        p = float(getattr(m, "p", 0.0) or 0.0)
        std = float(getattr(m, "std", 0.0) or 0.0)
        if getattr(m, "training", False) and (p != 0.0 or std != 0.0):
            raise NotImplementedError(
                f"{type(m).__name__} in training mode is random: call model.eval() (or set p=0) before "
                "asking for Hessian-vector products")
        self.scale = None
        if not getattr(m, "training", False) and p != 0.0 and not getattr(m, "inverted", True):
            self.scale = 1.0 - p

    def _s(self, a):
        return a if (a is None or self.scale is None) else a * self.scale

    def forward(self, x):
        return self._s(x)

    def backward(self, gy, G):
        return self._s(gy) if self.need_gx else None

    def rforward(self, Rx, V):
        return self._s(Rx)

    def rbackward(self, Rgy, V, RG):
        return self._s(Rgy) if self.need_gx else None


class _BatchNorm(_Op):
    """Batch normalization (book 8.7.1). Train mode: batch mean μ and biased variance σ² over the batch
    (and any spatial axes), x̂ = (x − μ)/√(σ² + eps), y = γ x̂ + β; the R-op differentiates through μ
    and σ² (they depend on θ through x). Eval mode: running statistics, so the layer is affine in x.
    """

    def __init__(self, m, ctx):
        self.ig = ctx.slot(getattr(m, "weight", None))
        self.ib = ctx.slot(getattr(m, "bias", None))
        self.gamma = ctx.value(self.ig)
        self.beta = ctx.value(self.ib)
        self.eps = float(m.eps)
        self.training = bool(m.training)
        if not self.training:
            self.rm = np.asarray(m.running_mean, dtype=ctx.dtype)
            self.rv = np.asarray(m.running_var, dtype=ctx.dtype)

    def _shape(self, x):
        self.axes = (0,) + tuple(range(2, x.ndim))
        self.bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        self.count = x.size // x.shape[1]

    def _b(self, a):
        return None if a is None else a.reshape(self.bshape)

    def _mean(self, a):
        return a.mean(axis=self.axes, keepdims=True)

    def forward(self, x):
        self._shape(x)
        if self.training:
            mu = self._mean(x)
            self.xc = x - mu
            var = self._mean(self.xc * self.xc)
        else:
            self.xc = x - self._b(self.rm)
            var = self._b(self.rv)
        self.s = 1.0 / np.sqrt(var + self.eps)
        self.xhat = self.xc * self.s
        y = self.xhat if self.gamma is None else self.xhat * self._b(self.gamma)
        if self.beta is not None:
            y = y + self._b(self.beta)
        return y

    def backward(self, gy, G):
        self.gy = gy
        if G is not None:
            _acc(G, self.ig, (gy * self.xhat).sum(axis=self.axes))
            _acc(G, self.ib, gy.sum(axis=self.axes))
        if not self.need_gx:
            return None
        gxh = gy if self.gamma is None else gy * self._b(self.gamma)
        self.gxh = gxh
        if not self.training:
            return gxh * self.s
        self.m1 = self._mean(gxh)
        self.m2 = self._mean(gxh * self.xhat)
        return self.s * (gxh - self.m1 - self.xhat * self.m2)

    def rforward(self, Rx, V):
        Vg = None if self.ig is None else self._b(V[self.ig])
        if Rx is None:
            self.Rxh = None
        elif self.training:
            # R{μ} = mean R{x};  R{σ²} = 2 mean((x−μ) R{x});  R{s} = −½ s³ R{σ²}
            Rxc = Rx - self._mean(Rx)
            self.Rs = -self.s ** 3 * self._mean(self.xc * Rx)
            self.Rxh = Rxc * self.s + self.xc * self.Rs
        else:
            self.Rxh = Rx * self.s
        Ry = None
        if self.Rxh is not None:
            Ry = self.Rxh if self.gamma is None else self.Rxh * self._b(self.gamma)
        if Vg is not None:
            Ry = _add(Ry, self.xhat * Vg)
        if self.ib is not None:
            Ry = _add(Ry, np.broadcast_to(self._b(V[self.ib]), self.xhat.shape))
        return Ry

    def rbackward(self, Rgy, V, RG):
        gy = self.gy
        Rg_gamma = (Rgy * self.xhat).sum(axis=self.axes)
        if self.Rxh is not None:
            Rg_gamma += (gy * self.Rxh).sum(axis=self.axes)
        _acc(RG, self.ig, Rg_gamma)
        _acc(RG, self.ib, Rgy.sum(axis=self.axes))
        if not self.need_gx:
            return None
        Rgxh = Rgy if self.gamma is None else Rgy * self._b(self.gamma)
        if self.ig is not None:
            Rgxh = Rgxh + gy * self._b(V[self.ig])
        if not self.training:
            return Rgxh * self.s
        # g_x = s (ĝ − mean ĝ − x̂ mean(ĝ x̂)), with ĝ = γ g_y
        Rm1 = self._mean(Rgxh)
        Rm2 = self._mean(Rgxh * self.xhat)
        inner = Rgxh - Rm1 - self.xhat * Rm2
        if self.Rxh is not None:
            Rm2 = self._mean(self.gxh * self.Rxh)
            inner = inner - self.Rxh * self.m2 - self.xhat * Rm2
            out = self.s * inner + self.Rs * (self.gxh - self.m1 - self.xhat * self.m2)
        else:
            out = self.s * inner
        return out


class _Sequential(_Op):
    def __init__(self, m, ctx, need_gx):
        self.ops = []
        for i, child in enumerate(list(m)):
            self.ops.append(_compile(child, ctx, need_gx if i == 0 else True))

    def forward(self, x):
        for op in self.ops:
            x = op.forward(x)
        return x

    def backward(self, gy, G):
        for op in reversed(self.ops):
            gy = op.backward(gy, G)
        return gy

    def rforward(self, Rx, V):
        for op in self.ops:
            Rx = op.rforward(Rx, V)
        return Rx

    def rbackward(self, Rgy, V, RG):
        for op in reversed(self.ops):
            Rgy = op.rbackward(Rgy, V, RG)
        return Rgy


class _Residual(_Op):
    # y = x + f(x):  R{y} = R{x} + R{f};  g_x = g_y + f.backward(g_y)
    def __init__(self, m, ctx, need_gx):
        self.f = _compile(m.module, ctx, need_gx)

    def forward(self, x):
        return x + self.f.forward(x)

    def backward(self, gy, G):
        gf = self.f.backward(gy, G)
        return gy + gf if self.need_gx else None

    def rforward(self, Rx, V):
        return _add(Rx, self.f.rforward(Rx, V))

    def rbackward(self, Rgy, V, RG):
        Rgf = self.f.rbackward(Rgy, V, RG)
        return Rgy + Rgf if self.need_gx else None


_RULES: dict[str, Callable] = {
    "Dense": _Dense, "Linear": _Dense, "ReLU": _ReLU, "Tanh": _Tanh, "Sigmoid": _Sigmoid,
    "BatchNorm": _BatchNorm, "BatchNorm1d": _BatchNorm, "Dropout": _Identity, "Identity": _Identity,
    "GaussianNoise": _Identity,
}
_CONTAINERS = {"Sequential": _Sequential, "Residual": _Residual}


def register_rop(cls_or_name, factory: Callable) -> None:
    """Teach :func:`hvp` a new module type.

    ``factory(module, ctx) -> op`` where ``op`` has ``forward(x)``, ``backward(gy, G)``,
    ``rforward(Rx, V)`` and ``rbackward(Rgy, V, RG)`` and an attribute ``need_gx`` (set by the caller);
    see the built-in ``_Dense`` rule in ``pyoptim/diagnostics/_hvp.py`` for a complete example.
    """
    name = cls_or_name if isinstance(cls_or_name, str) else cls_or_name.__name__
    _RULES[name] = factory


def _compile(m, ctx, need_gx):
    for cls in type(m).__mro__:
        name = cls.__name__
        if name in _CONTAINERS:
            op = _CONTAINERS[name](m, ctx, need_gx)
            break
        if name in _RULES:
            op = _RULES[name](m, ctx)
            break
    else:
        raise TypeError(
            f"hvp: no R-operator rule for module {type(m).__name__!r}; supported: "
            f"{sorted(set(_RULES) | set(_CONTAINERS))} (add one with pyoptim.diagnostics.register_rop, or "
            "use pyoptim.diagnostics.hvp_fd)")
    op.need_gx = need_gx
    return op


# ---------------------------------------------------------------------------------------------------
# losses: value, gradient w.r.t. the output, and R{gradient} = (∂²L/∂o²) R{o}
# ---------------------------------------------------------------------------------------------------

class _SoftmaxCE:
    """L = mean_n −Σ_k q_nk log p_nk, p = softmax(o), q = (1−ε) onehot + ε/K (torch's smoothing).
    g_o = (p − q)/N;  R{g_o} = (p ⊙ R{o} − p (pᵀR{o}))/N: the Hessian does not depend on q."""

    def __init__(self, loss):
        self.eps = float(getattr(loss, "label_smoothing", 0.0) or 0.0)

    def forward(self, o, t):
        o = np.asarray(o)
        N, K = o.shape
        z = o - o.max(axis=1, keepdims=True)
        e = np.exp(z)
        se = e.sum(axis=1, keepdims=True)
        self.p = e / se
        logp = z - np.log(se)
        t = np.asarray(t)
        if t.ndim == 2 and t.shape == o.shape and np.issubdtype(t.dtype, np.floating):
            q = t.astype(o.dtype)
        else:
            t = t.reshape(-1).astype(np.intp)
            q = np.zeros_like(o)
            q[np.arange(N), t] = 1.0
        if self.eps:
            q = (1.0 - self.eps) * q + self.eps / K
        self.q, self.N = q, N
        return float(-(q * logp).sum() / N)

    def backward(self):
        return (self.p - self.q) / self.N

    def rbackward(self, Ro):
        p = self.p
        return (p * Ro - p * (p * Ro).sum(axis=1, keepdims=True)) / self.N


def _target_like(t, o):
    t = np.asarray(t, dtype=o.dtype)
    if t.shape != o.shape and t.size == o.size:
        t = t.reshape(o.shape)
    return t


class _MSE:
    """L = mean over all elements of (o − t)² (torch's MSELoss); g_o = 2(o − t)/M; R{g_o} = 2R{o}/M."""

    def __init__(self, loss):
        pass

    def forward(self, o, t):
        t = _target_like(t, o)
        self.r = o - t
        self.M = o.size
        return float((self.r * self.r).sum() / self.M)

    def backward(self):
        return 2.0 * self.r / self.M

    def rbackward(self, Ro):
        return 2.0 * Ro / self.M


class _BCE:
    """L = mean(softplus(o) − t·o) on logits; g_o = (σ(o) − t)/M; R{g_o} = σ(1−σ) R{o}/M."""

    def __init__(self, loss):
        pass

    def forward(self, o, t):
        t = _target_like(t, o)
        self.M = o.size
        e = np.exp(-np.abs(o))
        self.s = np.where(o >= 0, 1 / (1 + e), e / (1 + e))
        self.t = t
        return float((np.maximum(o, 0) - t * o + np.log1p(e)).sum() / self.M)

    def backward(self):
        return (self.s - self.t) / self.M

    def rbackward(self, Ro):
        return self.s * (1 - self.s) * Ro / self.M


_LOSSES: dict[str, Callable] = {
    "SoftmaxCrossEntropy": _SoftmaxCE, "CrossEntropyLoss": _SoftmaxCE, "MSELoss": _MSE,
    "BinaryCrossEntropy": _BCE, "BCEWithLogitsLoss": _BCE,
}


def register_loss_rop(cls_or_name, factory: Callable) -> None:
    """Teach :func:`hvp` a new loss: ``factory(loss)`` returns an object with ``forward(o, t) -> float``,
    ``backward() -> ∂L/∂o`` and ``rbackward(Ro) -> (∂²L/∂o²) Ro``."""
    name = cls_or_name if isinstance(cls_or_name, str) else cls_or_name.__name__
    _LOSSES[name] = factory


def _compile_loss(loss):
    for cls in type(loss).__mro__:
        if cls.__name__ in _LOSSES:
            return _LOSSES[cls.__name__](loss)
    raise TypeError(f"hvp: no rule for loss {type(loss).__name__!r}; supported: {sorted(_LOSSES)} "
                    "(add one with pyoptim.diagnostics.register_loss_rop)")


# ---------------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------------

def _as_input(X, dtype):
    X = np.asarray(X)
    if np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer):
        X = X.astype(dtype, copy=False)
    return X


class HessianOperator:
    """The Hessian H = ∇²_θ J(θ) of the mean loss on (X, y) at the model's current parameters, as an
    operator (book 8.2.1, 8.6.2): ``H @ v`` / ``H.matvec(vectors)`` without ever forming H.

    The forward pass and the backward pass (gradients with respect to activations) are done once, in
    the constructor, and cached; each product then costs one R-forward and one R-backward pass
    (Pearlmutter 1994). The parameters are copied, so the operator keeps describing the point where
    it was built even if the model trains on.

    Parameters
    ----------
    model, loss : a pyoptim.nn model and loss (see the module docstring for what is supported).
    X, y : the batch; J is the mean loss on it (BatchNorm in train mode uses its batch statistics).
    dtype : computation dtype, float64 by default (``None``: the parameters' dtype).
    compute_grad : also compute ∇θ J (``.grad``, ``.grad_flat``).

    Attributes
    ----------
    value : J(θ) on the batch.  n : the number of parameters.  shapes : their shapes.
    grad : list of arrays (when ``compute_grad``).
    """

    def __init__(self, model, loss, X, y, dtype=np.float64, compute_grad: bool = True, _datas=None):
        dt = check_float_dtype(dtype, allow_none=True)
        params = model.parameters()
        if dt is None:
            dt = np.result_type(*[p.data.dtype for p in params]) if params else np.dtype(np.float64)
        self.params = params
        self.dtype = dt
        ctx = _Ctx(params, dt, _datas)
        self._ctx = ctx
        self._root = _compile(model, ctx, need_gx=False)
        self._loss = _compile_loss(loss)
        out = self._root.forward(_as_input(X, dt))
        self.value = self._loss.forward(out, y)
        G = [None] * len(params) if compute_grad else None
        self._root.backward(self._loss.backward(), G)
        self.grad = None if G is None else self._fill(G)
        self.shapes = [p.data.shape for p in params]
        self.n = int(sum(p.data.size for p in params))

    def _fill(self, G):
        return [np.zeros(p.data.shape, self.dtype) if g is None else np.asarray(g, self.dtype).reshape(p.data.shape)
                for g, p in zip(G, self.params)]

    @property
    def shape(self):
        return (self.n, self.n)

    @property
    def grad_flat(self) -> np.ndarray:
        if self.grad is None:
            raise ValueError("HessianOperator was built with compute_grad=False")
        return flatten(self.grad)

    def matvec(self, vectors: Sequence) -> list[np.ndarray]:
        """H v for v given per parameter (a list like ``model.parameters()``); returns such a list."""
        if len(vectors) != len(self.params):
            raise ValueError(f"Invalid vectors: {len(vectors)} arrays (expected {len(self.params)}, one per parameter)")
        V = []
        for v, p in zip(vectors, self.params):
            v = np.asarray(_data(v), dtype=self.dtype)
            if v.shape != p.data.shape:
                raise ValueError(f"Invalid vectors: an array of shape {v.shape} (expected {p.data.shape})")
            V.append(v)
        Ro = self._root.rforward(None, V)
        if Ro is None:  # a model without parameters
            return self._fill([None] * len(V))
        RG = [None] * len(V)
        self._root.rbackward(self._loss.rbackward(Ro), V, RG)
        return self._fill(RG)

    def matvec_flat(self, v) -> np.ndarray:
        """H v on flat vectors (length ``n``)."""
        return flatten(self.matvec(unflatten(np.asarray(v, dtype=self.dtype), self.params)))

    def __matmul__(self, v):
        return self.matvec_flat(v)

    def quadratic_form(self, vectors) -> float:
        """vᵀ H v (for v = g: the book's gᵀHg, eq. 8.10)."""
        Hv = self.matvec(vectors)
        return float(sum(np.vdot(np.asarray(_data(v), self.dtype), h) for v, h in zip(vectors, Hv)))


def hvp(model, loss, X, y, vectors: Sequence, dtype=np.float64) -> list[np.ndarray]:
    """Exact Hessian-vector product H v of the mean loss on (X, y) (book 8.2.1; Pearlmutter 1994).

    H = ∇²_θ J(θ), J the mean of ``loss`` over the batch, θ = ``model.parameters()``; v given as a list
    of arrays like ``model.parameters()`` (arrays or Parameters). Returns a list of ``dtype`` arrays of
    the same shapes. Exact up to rounding (checked against central differences of the gradient).
    Computed by the R-operator from the modules' public attributes: the model is not modified.

    Example
    -------
    >>> Hv = po.diagnostics.hvp(model, loss, X, y, [p.grad for p in model.parameters()])
    """
    return HessianOperator(model, loss, X, y, dtype=dtype, compute_grad=False).matvec(vectors)


def loss_and_gradient(model, loss, X, y, dtype=np.float64, params_data=None) -> tuple[float, list[np.ndarray]]:
    """(J(θ), ∇θ J) of the mean loss on (X, y) (back-propagation, book 6.5; the g of 8.2.1), computed
    without touching the model's ``.grad`` or buffers; ``params_data`` optionally replaces the
    parameter values (a list like parameters())."""
    dt = check_float_dtype(dtype, allow_none=True) or np.result_type(*[p.data.dtype for p in model.parameters()])
    datas = None
    if params_data is not None:
        datas = [np.asarray(_data(d), dtype=dt) for d in params_data]
    op = HessianOperator(model, loss, X, y, dtype=dt, compute_grad=True, _datas=datas)
    return op.value, op.grad


def gradient(model, loss, X, y, dtype=np.float64) -> list[np.ndarray]:
    """∇θ J of the mean loss on (X, y), one array per parameter (the model is not modified; book 8.2.1's g)."""
    return loss_and_gradient(model, loss, X, y, dtype=dtype)[1]


def hvp_fd(model, loss, X, y, vectors: Sequence, eps: float | None = None, dtype=np.float64) -> list[np.ndarray]:
    """Central-difference Hessian-vector product (∇J(θ + εv) − ∇J(θ − εv)) / (2ε): two gradients,
    error O(ε²) plus rounding O(u/ε); the check and the cheap baseline for :func:`hvp`."""
    params = model.parameters()
    dt = check_float_dtype(dtype, allow_none=True) or np.result_type(*[p.data.dtype for p in params])
    V = [np.asarray(_data(v), dtype=dt) for v in vectors]
    th = [np.asarray(p.data, dtype=dt) for p in params]
    if eps is None:
        vn = np.sqrt(sum(float(np.vdot(v, v)) for v in V)) or 1.0
        tn = np.sqrt(sum(float(np.vdot(t, t)) for t in th))
        eps = np.cbrt(np.finfo(dt).eps) * max(1.0, tn) / vn
    gp = loss_and_gradient(model, loss, X, y, dt, [t + eps * v for t, v in zip(th, V)])[1]
    gm = loss_and_gradient(model, loss, X, y, dt, [t - eps * v for t, v in zip(th, V)])[1]
    return [(a - b) / (2 * eps) for a, b in zip(gp, gm)]


def hvp_fn(grad_fn, x, v, eps: float | None = None) -> np.ndarray:
    """H v for a plain function of a vector x (book 8.2.1).

    ``grad_fn`` is either an objective of :mod:`pyoptim.functions` (anything with ``hessp(x, p)``:
    used, exact) or with ``grad``, or a callable x -> ∇f(x): then central differences
    (∇f(x + εv) − ∇f(x − εv)) / (2ε), with ε = u^(1/3)·max(1, ‖x‖)/‖v‖ by default (u the unit
    roundoff), which balances the O(ε²) truncation error against rounding.
    """
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    if hasattr(grad_fn, "hessp") and eps is None:
        return np.asarray(grad_fn.hessp(x, v), dtype=float)
    g = grad_fn.grad if hasattr(grad_fn, "grad") else grad_fn
    vn = float(np.linalg.norm(v))
    if vn == 0.0:
        return np.zeros_like(x)
    if eps is None:
        eps = np.cbrt(np.finfo(float).eps) * max(1.0, float(np.linalg.norm(x))) / vn
    elif not eps > 0:
        raise ValueError(f"Invalid eps: {eps!r} (expected a positive float)")
    return (np.asarray(g(x + eps * v), float) - np.asarray(g(x - eps * v), float)) / (2 * eps)
