"""Parameter-norm penalties and parameter tying (book 7.1, 7.9, 7.10) for :func:`pyoptim.fit`.

**regularizers or regularization?** This module holds the penalty *objects* that :func:`pyoptim.fit`
applies at every minibatch (Keras' ``regularizers``: ``L2``, ``L1``, ``Tying``, ``ActivityL1``), nothing
else. :mod:`pyoptim.regularization` holds the rest of chapter 7 as techniques and closed forms
(augmentation, noise, early stopping's equivalence with L2, ensembles, dropout inference, adversarial and
tangent methods); reprojection onto a norm ball is :mod:`pyoptim.constraints`.

The book regularizes by minimizing J̃(θ) = J(θ) + αΩ(θ) (eq. 7.1). A regularizer here is an object with
the protocol ``fit`` calls once per minibatch:

* ``penalty(model) -> float``: αΩ(θ), added to the reported batch loss;
* ``accumulate_grad(model)``: adds ∇θ αΩ(θ) into each Parameter's ``.grad`` (after the loss's backward
  pass, before the optimizer step);
* ``after_step(model, lr)``: a step applied after the optimizer's (the proximal step of ``L1(mode=
  "proximal")``; a no-op otherwise).

``model`` is a :class:`pyoptim.nn.Module`, or a list of :class:`pyoptim.nn.Parameter` or of NumPy arrays.
With plain arrays there is no ``.grad`` to accumulate into: use ``grad(arrays)``, which returns the
penalty's gradients as a list, or pass ``grads=`` to ``accumulate_grad``.

**Which parameters.** By default the norm penalties apply to the *weights* only, i.e. the Parameters
with ``ndim >= 2`` (Dense weights), not to biases or BatchNorm's γ/β: the book (7.1) explains that biases
need little data to fit and regularizing them can cause underfitting. Pass ``params="all"``, a predicate
``params=lambda name, p: ...`` or an explicit list of Parameters to change that. Frozen Parameters
(``requires_grad=False``) are always skipped. When ``model`` is itself a list, every element is used
unless ``params`` says otherwise.
"""
from __future__ import annotations

import numpy as np

from . import kernels
from ._internal.params import is_parameter, param_data
from ._validation import check_choice, check_finite, check_nonneg

__all__ = ["Regularizer", "L2", "L1", "Tying", "ActivityL1", "select_params"]


def select_params(target, params="weights") -> list:
    """The Parameters (or arrays) of ``target`` a penalty or constraint applies to.

    Parameters
    ----------
    target : Module, Parameter, ndarray or an iterable of Parameters/arrays
    params : "weights" (ndim >= 2; the default for a Module), "all", a predicate
        ``(name, param) -> bool``, or an explicit iterable of Parameters/arrays (used as is).
        ``None`` means "weights" for a Module and "all" for an explicit list.

    Returns a list whose items are Parameters (with ``.data`` and ``.grad``) or plain ndarrays,
    each once, frozen Parameters (``requires_grad=False``) removed.
    """
    if params is not None and not isinstance(params, str) and not callable(params):
        items = list(params)
        return _dedupe([p for p in items if getattr(p, "requires_grad", True)])
    if hasattr(target, "named_parameters"):
        named = list(target.named_parameters())
        if params is None:
            params = "weights"
    else:
        if is_parameter(target) or isinstance(target, np.ndarray):
            target = [target]
        named = [(getattr(p, "name", None) or f"param{i}", p) for i, p in enumerate(target)]
        if params is None:
            params = "all"
    if params == "weights":
        keep = [p for _, p in named if np.ndim(param_data(p)) >= 2]
    elif params == "all":
        keep = [p for _, p in named]
    elif callable(params):
        keep = [p for n, p in named if params(n, p)]
    else:
        raise ValueError(f"Invalid params: {params!r} (expected 'weights', 'all', a predicate or a list of Parameters)")
    return _dedupe([p for p in keep if getattr(p, "requires_grad", True)])


def _dedupe(items: list) -> list:
    seen, out = set(), []
    for p in items:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


def _lr_from(lr) -> float:
    if lr is None:
        raise ValueError("Invalid lr: None (L1(mode='proximal') needs the step size: an optimizer with "
                         "param_groups[0]['lr'], or after_step(model, lr) called with a number)")
    return check_finite("lr", lr, 0, coerce=True)


class Regularizer:
    """Base class: ``penalty``, ``accumulate_grad``, ``after_step`` (all neutral by default)."""

    params = None

    def _targets(self, model) -> list:
        return select_params(model, self.params)

    def penalty(self, model) -> float:
        return 0.0

    def grad(self, model) -> list:
        """The penalty's gradient for each selected parameter, as a list of new arrays."""
        return [np.zeros_like(param_data(p)) for p in self._targets(model)]

    def accumulate_grad(self, model, grads=None) -> None:
        """Add the penalty's gradient into each selected Parameter's ``.grad`` (or into ``grads``, a
        list of arrays matching the selected parameters, for plain arrays)."""
        targets = self._targets(model)
        gs = self.grad(model)
        if grads is None:
            for p, g in zip(targets, gs):
                if not is_parameter(p):
                    raise TypeError("accumulate_grad: plain arrays have no .grad; pass grads=[...] or use grad()")
                p.grad += g.astype(p.grad.dtype, copy=False)
        else:
            grads = list(grads)
            if len(grads) != len(targets):
                raise ValueError(f"accumulate_grad: got {len(grads)} gradients for {len(targets)} parameters")
            for buf, g in zip(grads, gs):
                buf += g.astype(buf.dtype, copy=False)

    def after_step(self, model, lr: float) -> None:
        pass


class L2(Regularizer):
    """L2 parameter regularization, "weight decay" (book 7.1.1, eq. 7.2-7.5).

    Adds αΩ(w) = (α/2)·‖w‖₂² to the loss, whose gradient α·w is added to each weight's gradient: the
    book's update w ← (1 − εα)w − ε∇J(w) (eq. 7.5) and the same as ``torch.optim.SGD(weight_decay=
    alpha)`` (coupled decay). For Adam, coupled decay is *not* AdamW's decoupled decay (Loshchilov &
    Hutter 2019): use ``pyoptim.optim.AdamW`` for that.

    Applies to the weights (Parameters with ndim >= 2), not the biases, unless ``params`` says
    otherwise (see the module docstring).

    On a quadratic J with Hessian H = QΛQᵀ and minimum w*, the regularized minimum is
    w̃ = Q(Λ + αI)⁻¹ΛQᵀw* (eq. 7.13): the component along eigenvector i is scaled by λᵢ/(λᵢ + α).
    For linear regression this is ridge regression, w = (XᵀX + αI)⁻¹Xᵀy (eq. 7.17).

    Parameters
    ----------
    alpha : float >= 0, the book's α.
    params : see :func:`select_params` (default: weights only).

    Example
    -------
    >>> import numpy as np, pyoptim as po
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((300, 8)).astype(np.float32), rng.integers(0, 3, 300)
    >>> Xv, yv = rng.standard_normal((100, 8)).astype(np.float32), rng.integers(0, 3, 100)
    >>> model = po.nn.Sequential(po.nn.Dense(8, 32, seed=0), po.nn.ReLU(), po.nn.Dense(32, 3, seed=1))
    >>> loss, opt = po.nn.SoftmaxCrossEntropy(), po.optim.Adam(model.parameters(), lr=0.01)
    >>> hist = po.fit(model, loss, opt, X, y, regularizers=[po.regularizers.L2(1e-4)], epochs=2,
    ...               progress=False)
    >>> len(hist.history["loss"])
    2
    """

    def __init__(self, alpha: float, params=None):
        self.alpha = check_nonneg("alpha", alpha)
        self.params = params

    def penalty(self, model) -> float:
        s = 0.0
        for p in self._targets(model):
            d = param_data(p)
            s += float(np.vdot(d, d))
        return 0.5 * self.alpha * s

    def grad(self, model) -> list:
        return [param_data(p) * param_data(p).dtype.type(self.alpha) for p in self._targets(model)]

    def __repr__(self) -> str:
        return f"L2(alpha={self.alpha})"


class L1(Regularizer):
    """L1 parameter regularization (book 7.1.2, eq. 7.18-7.24): αΩ(w) = α·‖w‖₁.

    Two ways to minimize J(w) + α‖w‖₁:

    * ``mode="subgradient"`` (the book's eq. 7.19): adds α·sign(w) to the gradient. Weights oscillate
      around zero and are rarely exactly zero.
    * ``mode="proximal"``: the gradient step is taken on J alone, then the proximal operator of
      lr·α‖w‖₁, the soft threshold w ← sign(w)·max(|w| − lr·α, 0) (C kernel
      :func:`pyoptim.kernels.prox_l1`), is applied after the optimizer's step (ISTA; Beck & Teboulle
      2009). It produces exact zeros. With a diagonal Hessian the fixed point is the book's
      w̃ᵢ = sign(w*ᵢ)·max(|w*ᵢ| − α/Hᵢᵢ, 0) (eq. 7.22). The threshold uses
      ``optimizer.param_groups[0]["lr"]`` as ``fit`` passes it; with adaptive optimizers (Adam) the
      step is not a plain gradient step and the result is a heuristic, not the exact proximal method.

    ``penalty`` reports α‖w‖₁ in both modes. Applies to weights (ndim >= 2), not biases, by default.

    Parameters
    ----------
    alpha : float >= 0
    mode : "subgradient" | "proximal"
    params : see :func:`select_params`.
    """

    def __init__(self, alpha: float, mode: str = "subgradient", params=None):
        self.alpha = check_nonneg("alpha", alpha)
        check_choice("mode", mode, "subgradient", "proximal")
        self.mode = mode
        self.params = params

    def penalty(self, model) -> float:
        return self.alpha * sum(float(np.abs(param_data(p)).sum(dtype=np.float64)) for p in self._targets(model))

    def grad(self, model) -> list:
        if self.mode == "proximal":
            return [np.zeros_like(param_data(p)) for p in self._targets(model)]
        return [np.sign(param_data(p)) * param_data(p).dtype.type(self.alpha) for p in self._targets(model)]

    def accumulate_grad(self, model, grads=None) -> None:
        if self.mode == "proximal":
            return
        super().accumulate_grad(model, grads)

    def after_step(self, model, lr: float) -> None:
        if self.mode != "proximal":
            return
        t = _lr_from(lr) * self.alpha
        for p in self._targets(model):
            kernels.prox_l1(param_data(p), threshold=t)

    def __repr__(self) -> str:
        return f"L1(alpha={self.alpha}, mode={self.mode!r})"


class Tying(Regularizer):
    """Parameter tying (book 7.9, eq. 7.28): penalty α·‖w⁽ᴬ⁾ − w⁽ᴮ⁾‖₂² between two same-shaped parameters.

    Encourages two models (or two layers) to have close parameters without forcing them equal (that
    would be parameter *sharing*: use one Parameter in two places, whose gradient is then the sum of
    both uses). Gradient: 2α(w⁽ᴬ⁾ − w⁽ᴮ⁾) for A and its negative for B. The ``model`` argument of the
    protocol is ignored: the two Parameters are given here.
    """

    def __init__(self, param_a, param_b, alpha: float):
        self.alpha = check_nonneg("alpha", alpha)
        if np.shape(param_data(param_a)) != np.shape(param_data(param_b)):
            raise ValueError(f"Invalid param_b: shape {np.shape(param_data(param_b))} (expected the shape of param_a, "
                             f"{np.shape(param_data(param_a))})")
        self.param_a, self.param_b = param_a, param_b

    def _targets(self, model) -> list:
        return [self.param_a, self.param_b]

    def penalty(self, model=None) -> float:
        d = param_data(self.param_a).astype(np.float64) - param_data(self.param_b)
        return self.alpha * float(np.vdot(d, d))

    def grad(self, model=None) -> list:
        d = param_data(self.param_a) - param_data(self.param_b)
        g = d * d.dtype.type(2.0 * self.alpha)
        return [g, -g]

    def accumulate_grad(self, model=None, grads=None) -> None:
        super().accumulate_grad(model, grads)

    def __repr__(self) -> str:
        return f"Tying(alpha={self.alpha})"


def __getattr__(name):  # ActivityL1 lives with the other modules in pyoptim.regularization
    if name == "ActivityL1":
        from .regularization.activity import ActivityL1
        return ActivityL1
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
