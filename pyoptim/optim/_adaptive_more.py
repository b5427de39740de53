"""Adadelta, Adamax, NAdam and RAdam: torch.optim's classes on pyoptim's fused C kernels.

Each class validates its hyperparameters, keeps the per-parameter state as NumPy arrays under torch's
state names and calls one kernel of :mod:`pyoptim.kernels` per parameter per step (one pass over
memory). The arithmetic follows torch.optim's single-tensor implementation operation by operation, so
float64 runs agree with ``torch.optim`` to rounding (the tests check 100 steps to 1e-10).

torch's ``foreach`` is accepted and ignored (every pyoptim update is already one fused pass per
parameter); ``capturable=True`` and ``differentiable=True`` (CUDA graphs, autograd through the step)
have no meaning for NumPy arrays and raise ``NotImplementedError``. The three are kept in each
parameter group, as torch keeps them, so ``state_dict()`` has torch's layout.
"""
from __future__ import annotations

import numpy as np

from .. import kernels
from .._validation import check_betas
from ._extra_common import check_not_captured
from .optimizer import Optimizer, check_hyper

__all__ = ["Adadelta", "Adamax", "NAdam", "RAdam"]


def _check_common(g: dict) -> None:
    check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
    check_hyper("epsilon value", g["eps"], lo=0.0, expected="eps >= 0")
    check_hyper("weight_decay value", g["weight_decay"], lo=0.0, expected="weight_decay >= 0")
    check_not_captured(g)


class Adadelta(Optimizer):
    r"""Adadelta: RMSProp whose learning rate is the RMS of the recent updates (book 8.5.4).

    The update (torch.optim.Adadelta's form), with g the minibatch gradient:

    .. code-block:: text

        g' = (-g if maximize else g) + weight_decay * θ
        r  = rho * r + (1 - rho) * g' ⊙ g'                     state["square_avg"]
        Δ  = sqrt(u + eps) / sqrt(r + eps) ⊙ g'
        u  = rho * u + (1 - rho) * Δ ⊙ Δ                       state["acc_delta"]
        θ  = θ - lr * Δ

    Book notation: r is RMSProp's accumulator (Algorithm 8.5, ρ -> ``rho``, δ -> ``eps``, inside the
    root as in the book); where RMSProp multiplies by a global rate ε, Adadelta multiplies by
    √(u + δ), the root mean square of the previous updates, so the step has the units of θ and the
    method needs no learning rate (Zeiler's Algorithm 1 is ``lr=1``, torch's default). Book 8.5.4
    names AdaDelta among the adaptive algorithms in active use, without giving its rule.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1.0
        A factor on the update (1 in the paper).
    rho : float, default 0.9
        ρ, the decay rate of both running averages, in [0, 1].
    eps : float, default 1e-6
        δ, inside both square roots.
    weight_decay : float, default 0
        Coupled L2 decay added to the gradient (book 7.1.1).
    foreach : bool or None, default None
        Accepted for torch compatibility; pyoptim's update is always one fused pass.
    capturable, differentiable : bool, default False (keyword-only)
        Must be False (NotImplementedError otherwise).
    maximize : bool, default False (keyword-only)

    Raises
    ------
    ValueError
        A hyperparameter out of range, named as torch names it ("Invalid rho value: ...").

    Examples
    --------
    >>> import numpy as np, pyoptim as po
    >>> w = np.zeros(2)
    >>> opt = po.optim.Adadelta([w])
    >>> opt.step([np.array([1.0, -1.0])])
    >>> sorted(opt.state[0])
    ['acc_delta', 'square_avg', 'step']

    References
    ----------
    Zeiler (2012), ADADELTA: an adaptive learning rate method, arXiv:1212.5701.
    Goodfellow, Bengio & Courville (2016), Deep Learning, 8.5.2 (Algorithm 8.5) and 8.5.4.
    """

    _array_state = ("square_avg", "acc_delta")

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0,
                 foreach: bool | None = None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("rho value", g["rho"], lo=0.0, hi=1.0, expected="0 <= rho <= 1")
        check_hyper("epsilon value", g["eps"], lo=0.0, expected="eps >= 0")
        check_hyper("weight_decay value", g["weight_decay"], lo=0.0, expected="weight_decay >= 0")
        check_not_captured(g)

    def _required_state(self, group):
        return ("step", "square_avg", "acc_delta")

    def _update(self, group, i, p, g):
        st = self._zeros_state(i, p, "square_avg", "acc_delta")
        kernels.adadelta_step(p, g, st["square_avg"], st["acc_delta"], lr=group["lr"], rho=group["rho"],
                              eps=group["eps"], weight_decay=group["weight_decay"],
                              maximize=bool(group["maximize"]))
        st["step"] = st["step"] + 1


class _AdamFamily(Optimizer):
    """What Adamax, NAdam and RAdam share: the checks of lr, eps, weight_decay and betas; a step count and
    the two moment arrays named by ``_array_state``; one fused ``kernels.<_kernel>`` call per parameter."""

    _kernel = ""   # the name of the kernels.* step function

    def _validate_group(self, g):
        _check_common(g)
        check_betas(g["betas"])

    def _required_state(self, group):
        return ("step",) + self._array_state

    def _fused_step(self, group, st, p, g, step: int, **extra) -> None:
        """The kernel's update of ``p`` and the moments in ``st``, this being step ``step`` (from 1)."""
        beta1, beta2 = group["betas"]
        m, v = self._array_state
        getattr(kernels, self._kernel)(p, g, st[m], st[v], lr=group["lr"], beta1=beta1, beta2=beta2,
                                       eps=group["eps"], weight_decay=group["weight_decay"], step=float(step),
                                       maximize=bool(group["maximize"]), **extra)


class Adamax(_AdamFamily):
    r"""Adamax: Adam with an infinity-norm second moment (Kingma & Ba 2015, section 7.1).

    The update (torch.optim.Adamax's form), with t the step count (from 1):

    .. code-block:: text

        g' = (-g if maximize else g) + weight_decay * θ
        s  = beta1 * s + (1 - beta1) * g'                       state["exp_avg"]
        u  = max(beta2 * u, |g'| + eps)                         state["exp_inf"]
        θ  = θ - (lr / (1 - beta1^t)) * s / u

    Book Algorithm 8.7 (Adam) with ε -> ``lr``, ρ1/ρ2 -> ``betas``, s -> ``exp_avg``; the second
    moment r and its root are replaced by u, an exponentially weighted maximum of |g| (the limit of the
    L^p norm of the past gradients as p -> ∞), which needs no bias correction. torch adds ``eps`` inside
    the maximum (the paper has no ε), which also keeps u > 0.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 2e-3
    betas : (float, float), default (0.9, 0.999)
        (ρ1, ρ2), each in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0
        Coupled L2 decay added to the gradient.
    foreach : bool or None, default None
        Accepted for torch compatibility; pyoptim's update is always one fused pass.
    maximize : bool, default False (keyword-only)
    differentiable, capturable : bool, default False (keyword-only)
        Must be False (NotImplementedError otherwise).

    Examples
    --------
    >>> import numpy as np, pyoptim as po
    >>> w = np.zeros(2)
    >>> opt = po.optim.Adamax([w], lr=0.1)
    >>> opt.step([np.array([1.0, -4.0])]); w          # first step: lr * sign(g), whatever |g|
    array([-0.1,  0.1])

    References
    ----------
    Kingma & Ba (2015), Adam: a method for stochastic optimization, ICLR, section 7.1 (Algorithm 2).
    Goodfellow et al. (2016), 8.5.3, Algorithm 8.7.
    """

    _array_state = ("exp_avg", "exp_inf")
    _kernel = "adamax_step"

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group, i, p, g):
        st = self._zeros_state(i, p, *self._array_state)
        step = st["step"] + 1
        self._fused_step(group, st, p, g, step)
        st["step"] = step


def _nadam_mu(beta1: float, step: int, momentum_decay: float) -> float:
    """torch's momentum schedule: mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay))."""
    return beta1 * (1.0 - 0.5 * (0.96 ** (float(step) * momentum_decay)))


class NAdam(_AdamFamily):
    r"""NAdam: Adam with Nesterov momentum (Dozat 2016; book 8.3.3 and 8.5.3).

    The update (torch.optim.NAdam's form), with t the step count (from 1):

    .. code-block:: text

        decoupled_weight_decay:  θ = θ * (1 - lr * weight_decay)
        g'  = (-g if maximize else g)  (+ weight_decay * θ when coupled)
        μ_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))       the momentum schedule
        Π_t = μ_1 μ_2 ... μ_t                                      state["mu_product"]
        s   = beta1 * s + (1 - beta1) * g'                          state["exp_avg"]
        r   = beta2 * r + (1 - beta2) * g' ⊙ g'                     state["exp_avg_sq"]
        d   = sqrt(r / (1 - beta2^t)) + eps
        θ   = θ - lr * (1 - μ_t) / (1 - Π_t) * g' / d  -  lr * μ_{t+1} / (1 - Π_t μ_{t+1}) * s / d

    Book: Adam's update (Algorithm 8.7, ε -> ``lr``, ρ1/ρ2 -> ``betas``, δ -> ``eps``) with the idea of
    Nesterov momentum (8.3.3, Algorithm 8.3): evaluate the step where the momentum is about to take the
    parameters. Dozat writes Nesterov's look-ahead as "apply the next step's momentum now": the
    bias-corrected first moment of step t+1 (weight μ_{t+1}) plus the new gradient's own share
    (weight 1 - μ_t), each bias-corrected by the product of the μ's instead of 1 - ρ1^t. The schedule
    μ_t (Dozat's, ``momentum_decay`` = 0.004) warms the momentum up from beta1/2 towards beta1.

    torch keeps ``mu_product`` as a float32 scalar tensor (its default scalar dtype), so Π_t is rounded
    to float32 after every product; pyoptim rounds it the same way, which is what makes the float64
    iterates agree with torch's to rounding (with Π_t in double they differ by ~1e-8 after 30 steps).

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 2e-3
    betas : (float, float), default (0.9, 0.999)
        (ρ1, ρ2), each in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0
    momentum_decay : float, default 4e-3
        ψ in μ_t = β1 (1 - 0.5 · 0.96^(tψ)), >= 0.
    decoupled_weight_decay : bool, default False
        Shrink θ directly by lr·weight_decay (as AdamW; torch's "NAdamW") instead of adding
        weight_decay·θ to the gradient.
    foreach : bool or None, default None (keyword-only)
        Accepted for torch compatibility; pyoptim's update is always one fused pass.
    maximize : bool, default False (keyword-only)
    capturable, differentiable : bool, default False (keyword-only)
        Must be False (NotImplementedError otherwise).

    Examples
    --------
    >>> import numpy as np, pyoptim as po
    >>> w = np.zeros(2)
    >>> opt = po.optim.NAdam([w], lr=0.1)
    >>> opt.step([np.array([1.0, -4.0])]); opt.state[0]["mu_product"]    # μ_1 = 0.9 (1 - 0.5 · 0.96^0.004)
    0.4500734806060791

    References
    ----------
    Dozat (2016), Incorporating Nesterov momentum into Adam, ICLR workshop.
    Sutskever, Martens, Dahl & Hinton (2013). Goodfellow et al. (2016), 8.3.3, 8.5.3, Algorithms 8.3, 8.7.
    """

    _array_state = ("exp_avg", "exp_avg_sq")
    _kernel = "nadam_step"

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False,
                 *, foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        super()._validate_group(g)
        check_hyper("momentum_decay value", g["momentum_decay"], lo=0.0, expected="momentum_decay >= 0")

    def _required_state(self, group):
        return ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def load_state_dict(self, state_dict):
        for k, st in dict(state_dict.get("state", {})).items():
            mp = st.get("mu_product", 1.0) if hasattr(st, "get") else 1.0
            mp = mp.item() if isinstance(mp, np.ndarray) and mp.ndim == 0 else mp
            check_hyper(f"state 'mu_product' of parameter {k}", mp, lo=0.0, hi=1.0, expected="0 <= mu_product <= 1")
        super().load_state_dict(state_dict)

    def _update(self, group, i, p, g):
        st = self._state_of(i)
        if "exp_avg" not in st:
            st["step"] = 0
            st["mu_product"] = 1.0
            st["exp_avg"] = np.zeros_like(p)
            st["exp_avg_sq"] = np.zeros_like(p)
        step = st["step"] + 1
        mu = _nadam_mu(group["betas"][0], step, group["momentum_decay"])
        # torch: mu_product *= mu on a float32 scalar tensor (the product rounded to float32)
        mu_product = float(np.float32(st["mu_product"]) * np.float32(mu))
        self._fused_step(group, st, p, g, step, momentum_decay=group["momentum_decay"], mu_product=mu_product,
                         decoupled_weight_decay=bool(group["decoupled_weight_decay"]))
        st["step"] = step
        st["mu_product"] = mu_product


class RAdam(_AdamFamily):
    r"""RAdam: Adam with its adaptive rate switched on only once its variance is defined (Liu et al. 2020).

    The update (torch.optim.RAdam's form), with t the step count (from 1):

    .. code-block:: text

        decoupled_weight_decay:  θ = θ * (1 - lr * weight_decay)
        g'  = (-g if maximize else g)  (+ weight_decay * θ when coupled)
        s   = beta1 * s + (1 - beta1) * g'                          state["exp_avg"]
        r   = beta2 * r + (1 - beta2) * g' ⊙ g'                     state["exp_avg_sq"]
        ρ∞  = 2 / (1 - beta2) - 1,   ρ_t = ρ∞ - 2 t beta2^t / (1 - beta2^t)
        ρ_t > 5:   rect = sqrt((ρ_t - 4)(ρ_t - 2) ρ∞ / ((ρ∞ - 4)(ρ∞ - 2) ρ_t))
                   θ = θ - lr * s / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(r) + eps) * rect
        otherwise: θ = θ - lr * s / (1 - beta1^t)

    Book: Algorithm 8.7 (Adam; ε -> ``lr``, ρ1/ρ2 -> ``betas``, δ -> ``eps``). In Adam's first steps r̂
    averages a handful of squared gradients, so the adaptive rate 1/√r̂ has a large (for t <= 4
    unbounded) variance; practitioners answer with a learning-rate warm-up. RAdam computes ρ_t, the
    length of the simple moving average r̂ approximates, takes bias-corrected momentum steps (SGD with
    momentum, book 8.3.2) while ρ_t <= 5, and afterwards scales Adam's step by ``rect``, the ratio of
    the variance at ρ_t to its limit: a warm-up derived from the variance instead of tuned.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
        (ρ1, ρ2), each in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0
    decoupled_weight_decay : bool, default False
        Shrink θ directly by lr·weight_decay (as AdamW) instead of adding weight_decay·θ to the gradient.
    foreach : bool or None, default None (keyword-only)
        Accepted for torch compatibility; pyoptim's update is always one fused pass.
    maximize : bool, default False (keyword-only)
    capturable, differentiable : bool, default False (keyword-only)
        Must be False (NotImplementedError otherwise).

    Examples
    --------
    >>> import numpy as np, pyoptim as po
    >>> w = np.zeros(2)
    >>> opt = po.optim.RAdam([w], lr=0.1)
    >>> opt.step([np.array([1.0, -4.0])]); w          # ρ_1 = 1 <= 5: a momentum step, -lr * g
    array([-0.1,  0.4])

    References
    ----------
    Liu, Jiang, He, Chen, Liu, Gao & Han (2020), On the variance of the adaptive learning rate and
    beyond, ICLR. Goodfellow et al. (2016), 8.5.3, Algorithm 8.7.
    """

    _array_state = ("exp_avg", "exp_avg_sq")
    _kernel = "radam_step"

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, i, p, g):
        st = self._zeros_state(i, p, *self._array_state)
        step = st["step"] + 1
        self._fused_step(group, st, p, g, step, decoupled_weight_decay=bool(group["decoupled_weight_decay"]))
        st["step"] = step
