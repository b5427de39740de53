"""SGD, Adagrad, RMSprop, Adam and AdamW: torch.optim's classes on pyoptim's fused C kernels.

Each class validates its hyperparameters, keeps the per-parameter state as NumPy arrays and calls one
kernel of :mod:`pyoptim.kernels` per parameter per step (one pass over memory). The arithmetic follows
torch.optim's single-tensor implementation operation by operation, so float64 runs agree with
``torch.optim`` to rounding (the tests check 100 steps to 1e-12).
"""
from __future__ import annotations

import numpy as np

from .. import kernels
from .._internal.params import flat1, is_parameter
from .._validation import check_betas
from .optimizer import Optimizer, check_hyper, hyper_value

__all__ = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]


class SGD(Optimizer):
    r"""Stochastic gradient descent with momentum and Nesterov momentum (book 8.3.1-8.3.3).

    The update (torch.optim.SGD's form), with g the minibatch gradient:

    .. code-block:: text

        g' = (-g if maximize else g) + weight_decay * θ
        b  = g'                                  first step (the buffer starts as the gradient)
        b  = momentum * b + (1 - dampening) * g' afterwards
        d  = g' + momentum * b   if nesterov else b        (d = g' when momentum == 0)
        θ  = θ - lr * d

    Book notation: ε -> ``lr``, α (momentum) -> ``momentum``. Algorithm 8.1 is ``momentum=0``;
    Algorithm 8.2 (momentum) and 8.3 (Nesterov) are written in the book in *velocity* form,
    v <- αv - εg, θ <- θ + v. With a constant learning rate the two forms give the same iterates
    (v = -lr·b, change of variables); with a changing rate they differ: the book's velocity keeps the
    old rates in it, torch's buffer is rescaled by the current one. Torch's Nesterov form evaluates the
    gradient at the current parameters; its parameters are the book's interim point θ + αv (Sutskever
    et al. 2013). The book's own forms are :class:`pyoptim.optim.book.MomentumBook` and
    :class:`pyoptim.optim.book.NesterovBook`.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float or 1-element array (torch: Tensor lr), default 1e-3
        ε, the learning rate (>= 0).
    momentum : float, default 0
        α, the momentum factor (>= 0).
    dampening : float, default 0
        Scales the new gradient in the buffer by (1 - dampening).
    weight_decay : float, default 0
        Coupled L2 decay: adds ``weight_decay * θ`` to the gradient (book 7.1.1, α).
    nesterov : bool, default False
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    maximize : bool, default False (keyword-only)
        Ascend instead of descend.
    foreach, fused, differentiable : torch's implementation switches (keyword-only)
        Accepted for torch scripts: ``foreach``/``fused`` (None, True or False) change nothing, since
        pyoptim's update is always one fused C pass per parameter; ``capturable``/``differentiable``
        must be False (True raises NotImplementedError). See :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np, pyoptim as po
    >>> w = np.zeros(3)
    >>> opt = po.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> opt.step([np.ones(3)]); w
    array([-0.1, -0.1, -0.1])

    References
    ----------
    Goodfellow, Bengio & Courville (2016), Deep Learning, 8.3.1-8.3.3, Algorithms 8.1-8.3.
    Polyak (1964), heavy ball; Nesterov (1983); Sutskever, Martens, Dahl & Hinton (2013).
    """

    _array_state = ("momentum_buffer",)

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("momentum value", g["momentum"], lo=0.0, expected="momentum >= 0")
        check_hyper("dampening value", g["dampening"])
        check_hyper("weight_decay value", g["weight_decay"], lo=0.0, expected="weight_decay >= 0")
        if g["nesterov"] and (self._hp(g, "momentum") <= 0 or self._hp(g, "dampening") != 0):
            raise ValueError(f"Invalid nesterov: {g['nesterov']!r} (expected momentum > 0 and dampening == 0: "
                             "Nesterov momentum requires a momentum and zero dampening)")

    def _required_state(self, group):
        return ("momentum_buffer",) if self._hp(group, "momentum") != 0 else ()

    def _update(self, group, i, p, g):
        mom = self._hp(group, "momentum")
        buf, first = None, False
        if mom != 0:
            st = self._state_of(i)
            buf = st.get("momentum_buffer")
            if buf is None:
                buf = np.empty_like(p)
                first = True
        kernels.sgd_step(p, g, buf, lr=self._hp(group, "lr"), momentum=mom,
                       dampening=self._hp(group, "dampening"), weight_decay=self._hp(group, "weight_decay"),
                       nesterov=bool(group["nesterov"]), maximize=bool(group["maximize"]), first_step=first)
        if first:
            st["momentum_buffer"] = buf   # stored only once the kernel has filled it


class Adagrad(Optimizer):
    r"""AdaGrad: per-coordinate rates scaled by the root of the summed squared gradients (book 8.5.1).

    The update (torch.optim.Adagrad's form), with t the step count (from 1):

    .. code-block:: text

        g'  = (-g if maximize else g) + weight_decay * θ
        clr = lr / (1 + (t - 1) * lr_decay)
        r   = r + g' ⊙ g'                        (r starts at initial_accumulator_value)
        θ   = θ - clr * g' / (sqrt(r) + eps)

    Book Algorithm 8.4: r <- r + g⊙g, Δθ = -ε/(δ + √r) ⊙ g, with ε -> ``lr``, δ -> ``eps``, r ->
    ``state["sum"]``. The same update as here; ``lr_decay`` and ``initial_accumulator_value`` are
    torch's additions (the book starts r at 0 and suggests δ ≈ 1e-7; torch's default eps is 1e-10).

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float or 1-element array (torch: Tensor lr), default 1e-2
        ε, the global learning rate.
    lr_decay : float, default 0
        Harmonic decay of the rate with the step count.
    weight_decay : float, default 0
        Coupled L2 decay added to the gradient.
    initial_accumulator_value : float, default 0
        The starting value of r.
    eps : float, default 1e-10
        δ, added to √r for numerical stability.
    maximize : bool, default False (keyword-only)
    foreach, fused, differentiable : torch's implementation switches (keyword-only)
        Accepted for torch scripts: ``foreach``/``fused`` (None, True or False) change nothing, since
        pyoptim's update is always one fused C pass per parameter; ``capturable``/``differentiable``
        must be False (True raises NotImplementedError). See :class:`Optimizer`.

    References
    ----------
    Duchi, Hazan & Singer (2011), Adaptive subgradient methods for online learning and stochastic
    optimization, JMLR. Goodfellow et al. (2016), 8.5.1, Algorithm 8.4.
    """

    _array_state = ("sum",)

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # torch creates Adagrad's state eagerly
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(group, self._slots[i], flat1(p.data if is_parameter(p) else p))
                i += 1

    def _init_state(self, group, i, p):
        st = self._state_of(i)
        st["step"] = 0
        st["sum"] = np.full(p.shape, self._hp(group, "initial_accumulator_value"), dtype=p.dtype)
        return st

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("lr_decay value", g["lr_decay"], lo=0.0, expected="lr_decay >= 0")
        check_hyper("weight_decay value", g["weight_decay"], lo=0.0, expected="weight_decay >= 0")
        check_hyper("initial_accumulator_value value", g["initial_accumulator_value"], lo=0.0,
                    expected="initial_accumulator_value >= 0")
        check_hyper("epsilon value", g["eps"], lo=0.0, expected="eps >= 0")

    def _required_state(self, group):
        return ("step", "sum")

    def _update(self, group, i, p, g):
        st = dict.get(self.state, i)
        if st is None or "sum" not in st:
            st = self._init_state(group, i, p)
        step = st["step"] + 1
        lr, lr_decay = group["lr"], self._hp(group, "lr_decay")
        if isinstance(lr, np.ndarray):
            # torch divides the tensor: clr = lr / (1 + (step - 1) * lr_decay) in the tensor's dtype
            lr, lr_decay = float(self._hp_num(group, "lr") / (1 + (step - 1) * lr_decay)), 0.0
        kernels.adagrad_step(p, g, st["sum"], lr=lr, lr_decay=lr_decay,
                           weight_decay=self._hp(group, "weight_decay"), eps=self._hp(group, "eps"),
                           step=float(step), maximize=bool(group["maximize"]))
        st["step"] = step


class RMSprop(Optimizer):
    r"""RMSProp: the gradient divided by a running root mean square of recent gradients (book 8.5.2).

    The update (torch.optim.RMSprop's form):

    .. code-block:: text

        g' = (-g if maximize else g) + weight_decay * θ
        r  = alpha * r + (1 - alpha) * g' ⊙ g'
        centered:  a = alpha * a + (1 - alpha) * g';   den = sqrt(r - a ⊙ a) + eps
        otherwise:                                     den = sqrt(r) + eps
        momentum > 0:  b = momentum * b + g' / den;  θ = θ - lr * b
        otherwise:     θ = θ - lr * g' / den

    Book Algorithm 8.5: r <- ρr + (1-ρ) g⊙g, Δθ = -ε/√(δ + r) ⊙ g, with ε -> ``lr``, ρ -> ``alpha``,
    δ -> ``eps``. Two differences: the book puts δ *inside* the square root (torch adds eps outside,
    after the root: the two agree when r ≫ δ, and differ most while r is still small); and the book's
    momentum variant (Algorithm 8.6) uses Nesterov momentum with the gradient at the interim point,
    where torch's ``momentum`` is heavy-ball momentum on the scaled gradient. The book's forms are
    :class:`pyoptim.optim.book.RMSPropBook` (``nesterov=False`` / ``True``). ``centered`` (Graves 2013)
    divides by an estimate of the standard deviation instead of the root mean square.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float or 1-element array (torch: Tensor lr), default 1e-2
    alpha : float, default 0.99
        ρ, the decay rate of the squared-gradient average, in [0, 1].
    eps : float, default 1e-8
        δ.
    weight_decay : float, default 0
    momentum : float, default 0
    centered : bool, default False
    maximize : bool, default False
    foreach, capturable, differentiable : torch's implementation switches (keyword-only)
        Accepted for torch scripts: ``foreach``/``fused`` (None, True or False) change nothing, since
        pyoptim's update is always one fused C pass per parameter; ``capturable``/``differentiable``
        must be False (True raises NotImplementedError). See :class:`Optimizer`.

    References
    ----------
    Hinton, Srivastava & Swersky (2012), Neural Networks for Machine Learning, lecture 6e.
    Graves (2013), Generating sequences with recurrent neural networks (centered form).
    Goodfellow et al. (2016), 8.5.2, Algorithms 8.5 and 8.6.
    """

    _array_state = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("epsilon value", g["eps"], lo=0.0, expected="eps >= 0")
        check_hyper("momentum value", g["momentum"], lo=0.0, expected="momentum >= 0")
        check_hyper("weight_decay value", g["weight_decay"], lo=0.0, expected="weight_decay >= 0")
        check_hyper("alpha value", g["alpha"], lo=0.0, hi=1.0, expected="0 <= alpha <= 1")

    def _required_state(self, group):
        need = ["step", "square_avg"]
        if self._hp(group, "momentum") > 0:
            need.append("momentum_buffer")
        if group["centered"]:
            need.append("grad_avg")
        return tuple(need)

    def _update(self, group, i, p, g):
        st = self._zeros_state(i, p, "square_avg")
        mom = self._hp(group, "momentum")
        if mom > 0 and "momentum_buffer" not in st:
            st["momentum_buffer"] = np.zeros_like(p)
        if group["centered"] and "grad_avg" not in st:
            st["grad_avg"] = np.zeros_like(p)
        st["step"] = st["step"] + 1
        kernels.rmsprop_step(p, g, st["square_avg"], st.get("grad_avg") if group["centered"] else None,
                           st.get("momentum_buffer") if mom > 0 else None,
                           lr=self._hp(group, "lr"), alpha=self._hp(group, "alpha"), eps=self._hp(group, "eps"),
                           weight_decay=self._hp(group, "weight_decay"), momentum=mom,
                           centered=bool(group["centered"]), maximize=bool(group["maximize"]))


class Adam(Optimizer):
    r"""Adam: bias-corrected first and second moment estimates (book 8.5.3, Algorithm 8.7).

    The update (torch.optim.Adam's form), with t the step count (from 1):

    .. code-block:: text

        decoupled_weight_decay:  θ = θ * (1 - lr * weight_decay)      (AdamW)
        g' = (-g if maximize else g)  (+ weight_decay * θ when coupled)
        s  = beta1 * s + (1 - beta1) * g'
        r  = beta2 * r + (1 - beta2) * g' ⊙ g'
        amsgrad:  r_max = max(r_max, r), used in place of r
        θ  = θ - lr * (s / (1 - beta1^t)) / (sqrt(r / (1 - beta2^t)) + eps)

    Book Algorithm 8.7 with ε -> ``lr``, ρ1/ρ2 -> ``betas``, δ -> ``eps``, s -> ``state["exp_avg"]``,
    r -> ``state["exp_avg_sq"]``. It is the same update: ŝ = s/(1-ρ1^t), r̂ = r/(1-ρ2^t),
    Δθ = -ε ŝ/(√r̂ + δ); torch computes √r̂ as √r/√(1-ρ2^t). Differences from the book are the
    additions: weight decay (coupled L2, or decoupled as in AdamW), AMSGrad, maximize.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float or 1-element array (torch: Tensor lr), default 1e-3
    betas : (float, float), default (0.9, 0.999)
        (ρ1, ρ2), each in [0, 1).
    eps : float, default 1e-8
        δ.
    weight_decay : float, default 0
    amsgrad : bool, default False
        Use the running maximum of r (Reddi, Kale & Kumar 2018).
    maximize : bool, default False (keyword-only)
    decoupled_weight_decay : bool, default False (keyword-only)
        Shrink θ directly by lr·weight_decay (AdamW) instead of adding weight_decay·θ to the gradient.
    foreach, fused, capturable, differentiable : torch's implementation switches (keyword-only)
        Accepted for torch scripts: ``foreach``/``fused`` (None, True or False) change nothing, since
        pyoptim's update is always one fused C pass per parameter; ``capturable``/``differentiable``
        must be False (True raises NotImplementedError). See :class:`Optimizer`.

    References
    ----------
    Kingma & Ba (2015), Adam: a method for stochastic optimization, ICLR.
    Loshchilov & Hutter (2019), Decoupled weight decay regularization, ICLR.
    Goodfellow et al. (2016), 8.5.3, Algorithm 8.7.
    """

    _array_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False):
        # torch refuses tensor lr/betas with foreach=True (its foreach kernels take Python floats); a script
        # passing that fails in torch, so it fails here too, with torch's ValueError
        if foreach and not capturable:
            if isinstance(lr, np.ndarray):
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True "
                                 "(Invalid lr: an array with foreach=True; pass foreach=None or a float lr)")
            for k in (0, 1):
                if isinstance(betas, (tuple, list)) and len(betas) == 2 and isinstance(betas[k], np.ndarray):
                    raise ValueError(f"betas[{k}] as a Tensor is not supported for capturable=False and "
                                     "foreach=True (pass foreach=None or float betas)")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("epsilon value", g["eps"], lo=0.0, expected="eps >= 0")
        check_betas(g["betas"], same_kind=True)
        check_hyper("weight_decay value", g["weight_decay"], lo=0.0, expected="weight_decay >= 0")

    def _required_state(self, group):
        return ("step", "exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())

    def _update(self, group, i, p, g):
        st = self._zeros_state(i, p, "exp_avg", "exp_avg_sq")
        if group["amsgrad"] and "max_exp_avg_sq" not in st:
            st["max_exp_avg_sq"] = np.zeros_like(p)
        step = st["step"] + 1
        beta1, beta2 = (hyper_value(b) for b in group["betas"])
        lr, wd = self._hp(group, "lr"), self._hp(group, "weight_decay")
        decoupled = bool(group["decoupled_weight_decay"])
        if isinstance(group["lr"], np.ndarray):
            # torch computes with the tensor: step_size = lr / (1 - beta1^t) and the decoupled factor
            # 1 - lr * weight_decay keep the tensor's dtype (float32 for torch.tensor(1e-3))
            lr_num = self._hp_num(group, "lr")
            if decoupled and wd != 0:
                p *= float(1 - lr_num * wd)
                wd = 0.0
            bc1 = 1 - beta1 ** step
            lr = float(lr_num / bc1) * bc1   # the kernel's lr / bc1 is then torch's step_size (to 1 ulp)
        kernels.adam_step(p, g, st["exp_avg"], st["exp_avg_sq"],
                        st["max_exp_avg_sq"] if group["amsgrad"] else None,
                        lr=lr, beta1=beta1, beta2=beta2, eps=self._hp(group, "eps"),
                        weight_decay=wd, step=float(step),
                        amsgrad=bool(group["amsgrad"]),
                        maximize=bool(group["maximize"]),
                        decoupled_weight_decay=decoupled)
        st["step"] = step


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019; book 8.5.3 and 7.1.1).

    Exactly :class:`Adam` with ``decoupled_weight_decay=True``: each step first shrinks the parameters,
    θ <- θ(1 - lr·weight_decay), then takes the Adam step on the plain gradient. With coupled decay
    (Adam's ``weight_decay``) the decay term weight_decay·θ is divided by √r̂ like the gradient, so
    parameters with large gradients are decayed less; decoupling makes the decay uniform, as SGD's
    weight decay is. The book's Algorithm 8.7 has no weight decay; its L2 regularization (7.1.1) is the
    coupled form.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float or 1-element array (torch: Tensor lr), default 1e-3
        ε.
    betas : (float, float), default (0.9, 0.999)
        (ρ1, ρ2).
    eps : float, default 1e-8
        δ.
    weight_decay : float, default 1e-2
        The decoupled decay rate (multiplied by lr, as torch does).
    amsgrad : bool, default False
    maximize : bool, default False (keyword-only)
    foreach, fused, capturable, differentiable : torch's implementation switches (keyword-only)
        Accepted for torch scripts: ``foreach``/``fused`` (None, True or False) change nothing, since
        pyoptim's update is always one fused C pass per parameter; ``capturable``/``differentiable``
        must be False (True raises NotImplementedError). See :class:`Optimizer`.

    References
    ----------
    Loshchilov & Hutter (2019), Decoupled weight decay regularization, ICLR.
    Kingma & Ba (2015). Goodfellow et al. (2016), 8.5.3, Algorithm 8.7.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
