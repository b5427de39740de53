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

from typing import Sequence

import numpy as np

from .._internal.params import flatten, param_data, unflatten
from ..nn.rop import ROpContext, as_input, compile_loss, compile_module, register_loss_rop, register_rop
from .._validation import check_float_dtype

__all__ = ["hvp", "hvp_fd", "hvp_fn", "gradient", "loss_and_gradient", "HessianOperator", "flatten",
           "unflatten", "register_rop", "register_loss_rop"]


# ---------------------------------------------------------------------------------------------------
# flat helpers
# ---------------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------------

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
        ctx = ROpContext(params, dt, _datas)
        self._ctx = ctx
        self._root = compile_module(model, ctx, need_gx=False)
        self._loss = compile_loss(loss)
        out = self._root.forward(as_input(X, dt))
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
            v = np.asarray(param_data(v), dtype=self.dtype)
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
        return float(sum(np.vdot(np.asarray(param_data(v), self.dtype), h) for v, h in zip(vectors, Hv)))


def hvp(model, loss, X, y, vectors: Sequence, dtype=np.float64) -> list[np.ndarray]:
    """Exact Hessian-vector product H v of the mean loss on (X, y) (book 8.2.1; Pearlmutter 1994).

    H = ∇²_θ J(θ), J the mean of ``loss`` over the batch, θ = ``model.parameters()``; v given as a list
    of arrays like ``model.parameters()`` (arrays or Parameters). Returns a list of ``dtype`` arrays of
    the same shapes. Exact up to rounding (checked against central differences of the gradient).
    Computed by the R-operator from the modules' public attributes: the model is not modified.

    Example
    -------
    >>> import numpy as np, pyoptim as po
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((300, 8)).astype(np.float32), rng.integers(0, 3, 300)
    >>> Xv, yv = rng.standard_normal((100, 8)).astype(np.float32), rng.integers(0, 3, 100)
    >>> model = po.nn.Sequential(po.nn.Dense(8, 32, seed=0), po.nn.ReLU(), po.nn.Dense(32, 3, seed=1))
    >>> loss, opt = po.nn.SoftmaxCrossEntropy(), po.optim.Adam(model.parameters(), lr=0.01)
    >>> Hv = po.diagnostics.hvp(model, loss, X, y, [np.ones_like(p.data) for p in model.parameters()])
    >>> [v.shape for v in Hv]
    [(8, 32), (32,), (32, 3), (3,)]
    """
    return HessianOperator(model, loss, X, y, dtype=dtype, compute_grad=False).matvec(vectors)


def loss_and_gradient(model, loss, X, y, dtype=np.float64, params_data=None) -> tuple[float, list[np.ndarray]]:
    """(J(θ), ∇θ J) of the mean loss on (X, y) (back-propagation, book 6.5; the g of 8.2.1), computed
    without touching the model's ``.grad`` or buffers; ``params_data`` optionally replaces the
    parameter values (a list like parameters())."""
    dt = check_float_dtype(dtype, allow_none=True) or np.result_type(*[p.data.dtype for p in model.parameters()])
    datas = None
    if params_data is not None:
        datas = [np.asarray(param_data(d), dtype=dt) for d in params_data]
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
    V = [np.asarray(param_data(v), dtype=dt) for v in vectors]
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
