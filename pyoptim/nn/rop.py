"""The R-operator of every ``pyoptim.nn`` layer and loss, beside the layers (book 8.2.1, 8.6.2).

Pearlmutter's R-operator (1994, "Fast exact multiplication by the Hessian"): R{·} = d/dr (·)(θ + r v) at
r = 0. Each layer's rule is a small object with four passes: ``forward(x)``, ``backward(gy, G)``
(accumulates parameter gradients into ``G``), ``rforward(Rx, V)`` and ``rbackward(Rgy, V, RG)``
(accumulates R{∇θ} = H v into ``RG``). :func:`pyoptim.diagnostics.hvp` and
:class:`pyoptim.diagnostics.HessianOperator` compile a model into these rules and run them.

The rules are keyed **by class** (:data:`RULES`, :data:`CONTAINERS`, :data:`LOSS_RULES`); a subclass uses
its nearest registered base. A new layer gets its rule here, next to its forward and backward, and a test
checks that every layer ``pyoptim.nn`` exports has one. :func:`register_rop` teaches a user's own module
class (a name string is still accepted, for a class pyoptim cannot import, and matched by class name
after every registered class of the same MRO step).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._internal.params import param_data
from ._dropout import Dropout
from ._layers import BatchNorm, Dense, ReLU, Residual, Sequential, Sigmoid, Tanh
from ._losses import BinaryCrossEntropy, MSELoss, SoftmaxCrossEntropy
from ._noise import GaussianNoise

__all__ = ["ROp", "ROpContext", "RULES", "CONTAINERS", "LOSS_RULES", "register_rop", "register_loss_rop",
           "compile_module", "compile_loss", "rule_for", "as_input", "loss_value"]


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

class ROpContext:
    """The parameter table: model.parameters() order, a cast copy of each value, slot by id."""

    def __init__(self, params, dtype, datas=None):
        self.params = list(params)
        self.index = {id(p): i for i, p in enumerate(self.params)}
        self.dtype = np.dtype(dtype)
        if datas is None:
            datas = [np.array(param_data(p), dtype=self.dtype, copy=True) for p in self.params]
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


class ROp:
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


class DenseROp(ROp):
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


class ReLUROp(ROp):
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


class SmoothROp(ROp):
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


class TanhROp(SmoothROp):
    _f = staticmethod(np.tanh)

    @staticmethod
    def _d1(y):
        return 1 - y * y

    @staticmethod
    def _d2(y):
        return -2 * y * (1 - y * y)


class SigmoidROp(SmoothROp):
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


class IdentityROp(ROp):
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


class BatchNormROp(ROp):
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


class SequentialROp(ROp):
    def __init__(self, m, ctx, need_gx):
        self.ops = []
        for i, child in enumerate(list(m)):
            self.ops.append(compile_module(child, ctx, need_gx if i == 0 else True))

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


class ResidualROp(ROp):
    # y = x + f(x):  R{y} = R{x} + R{f};  g_x = g_y + f.backward(g_y)
    def __init__(self, m, ctx, need_gx):
        self.f = compile_module(m.module, ctx, need_gx)

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


#: leaf rules: module class -> factory(module, ctx) returning an :class:`ROp`
RULES: dict[type, Callable] = {
    Dense: DenseROp, ReLU: ReLUROp, Tanh: TanhROp, Sigmoid: SigmoidROp, BatchNorm: BatchNormROp,
    Dropout: IdentityROp, GaussianNoise: IdentityROp,
}
#: containers: module class -> factory(module, ctx, need_gx) (they compile their children)
CONTAINERS: dict[type, Callable] = {Sequential: SequentialROp, Residual: ResidualROp}
#: rules registered by class *name* (a class pyoptim cannot import: torch-style names, a user's class
#: given as a string); consulted after the class tables at each step of the MRO
_BY_NAME: dict[str, Callable] = {
    "Linear": DenseROp, "BatchNorm1d": BatchNormROp, "Identity": IdentityROp,
}


def register_rop(cls_or_name, factory: Callable) -> None:
    """Teach :func:`pyoptim.diagnostics.hvp` a new module type.

    ``factory(module, ctx) -> op`` where ``op`` has ``forward(x)``, ``backward(gy, G)``,
    ``rforward(Rx, V)`` and ``rbackward(Rgy, V, RG)`` and an attribute ``need_gx`` (set by the caller);
    see :class:`DenseROp` in ``pyoptim/nn/rop.py`` for a complete example. ``cls_or_name`` is the
    module class (a string names a class by ``__name__``, for one that cannot be imported here).
    """
    if isinstance(cls_or_name, str):
        _BY_NAME[cls_or_name] = factory
    else:
        RULES[cls_or_name] = factory


def rule_for(cls: type):
    """``(kind, factory)`` for a module class: kind "container" or "leaf"; ``(None, None)`` if none."""
    for c in cls.__mro__:
        if c in CONTAINERS:
            return "container", CONTAINERS[c]
        if c in RULES:
            return "leaf", RULES[c]
        if c.__name__ in _BY_NAME:
            return "leaf", _BY_NAME[c.__name__]
    return None, None


def compile_module(m, ctx, need_gx):
    """The R-operator program of module ``m`` (children compiled recursively)."""
    kind, factory = rule_for(type(m))
    if kind is None:
        supported = sorted({c.__name__ for c in (*RULES, *CONTAINERS)} | set(_BY_NAME))
        raise TypeError(
            f"hvp: no R-operator rule for module {type(m).__name__!r}; supported: "
            f"{supported} (add one with pyoptim.diagnostics.register_rop, or "
            "use pyoptim.diagnostics.hvp_fd)")
    op = factory(m, ctx, need_gx) if kind == "container" else factory(m, ctx)
    op.need_gx = need_gx
    return op


# ---------------------------------------------------------------------------------------------------
# losses: value, gradient w.r.t. the output, and R{gradient} = (∂²L/∂o²) R{o}
# ---------------------------------------------------------------------------------------------------

class SoftmaxCEROp:
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


class MSEROp:
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


class BCEROp:
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


#: loss rules: loss class -> factory(loss)
LOSS_RULES: dict[type, Callable] = {
    SoftmaxCrossEntropy: SoftmaxCEROp, MSELoss: MSEROp, BinaryCrossEntropy: BCEROp,
}
_LOSSES_BY_NAME: dict[str, Callable] = {"CrossEntropyLoss": SoftmaxCEROp, "BCEWithLogitsLoss": BCEROp}


def register_loss_rop(cls_or_name, factory: Callable) -> None:
    """Teach :func:`pyoptim.diagnostics.hvp` a new loss: ``factory(loss)`` returns an object with
    ``forward(o, t) -> float``, ``backward() -> ∂L/∂o`` and ``rbackward(Ro) -> (∂²L/∂o²) Ro``."""
    if isinstance(cls_or_name, str):
        _LOSSES_BY_NAME[cls_or_name] = factory
    else:
        LOSS_RULES[cls_or_name] = factory


def compile_loss(loss):
    """The R-operator rule of ``loss`` (by class, nearest registered base first)."""
    for cls in type(loss).__mro__:
        if cls in LOSS_RULES:
            return LOSS_RULES[cls](loss)
        if cls.__name__ in _LOSSES_BY_NAME:
            return _LOSSES_BY_NAME[cls.__name__](loss)
    supported = sorted({c.__name__ for c in LOSS_RULES} | set(_LOSSES_BY_NAME))
    raise TypeError(f"hvp: no rule for loss {type(loss).__name__!r}; supported: {supported} "
                    "(add one with pyoptim.diagnostics.register_loss_rop)")


# ---------------------------------------------------------------------------------------------------
# a side-effect-free forward pass (the loss J(θ) at any θ, without touching the model)
# ---------------------------------------------------------------------------------------------------

def as_input(X, dtype):
    X = np.asarray(X)
    if np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer):
        X = X.astype(dtype, copy=False)
    return X


def loss_value(model, loss, X, y, dtype=np.float64, params_data=None) -> float:
    """J(θ): the mean loss on (X, y) by a side-effect-free forward pass (BatchNorm in train mode uses
    batch statistics and does not update its running ones); ``params_data`` replaces θ if given."""
    params = model.parameters()
    datas = None if params_data is None else [np.asarray(d, dtype=dtype) for d in params_data]
    ctx = ROpContext(params, dtype, datas)
    out = compile_module(model, ctx, need_gx=False).forward(as_input(X, ctx.dtype))
    return compile_loss(loss).forward(out, y)
