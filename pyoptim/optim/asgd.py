"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky 1992), torch.optim.ASGD on a fused C kernel."""
from __future__ import annotations

import numpy as np

from .. import kernels
from ._extra_common import check_not_captured, to_f32
from .optimizer import Optimizer, check_hyper

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged SGD: SGD with a decaying rate and a running (Polyak) average of the iterates (book 8.7.3).

    The update (torch.optim.ASGD's form), with t the step count (from 1) and η_t, μ_t the values kept in
    the state from the previous step (η_1 = lr, μ_1 = 1):

    .. code-block:: text

        g' = (-g if maximize else g) + weight_decay * θ
        θ  = θ * (1 - lambd * η_t)                    (a decay toward 0)
        θ  = θ - η_t * g'
        ax = ax + μ_t * (θ - ax)        (ax = θ while μ_t == 1)
        η_{t+1} = lr / (1 + lambd * lr * t) ** alpha
        μ_{t+1} = 1 / max(1, t - t0)

    Book 8.7.3 (Polyak averaging): the average θ̂^(t) = (1/t) Σ θ^(i) of the iterates of a decaying-rate
    SGD converges faster than the last iterate for convex problems; ``state["ax"]`` is that average
    over the steps after ``t0`` (μ = 1/(t - t0) makes ax the arithmetic mean of the iterates since t0;
    before t0, ax just follows θ). ε_k (the book's rate) -> η; the decay schedule
    η_t = lr/(1 + λ·lr·t)^α (Bottou 2012) with λ -> ``lambd``, α -> ``alpha``. The averaged
    parameters are read from ``optimizer.state[p]["ax"]``; the optimizer itself keeps stepping θ.
    :class:`pyoptim.optim.Averaged` averages any optimizer's iterates the same way.

    Differences from torch: none in the numbers. Torch keeps ``eta`` and ``mu`` as 0-d tensors of its
    default dtype, so under the default float32 they are rounded to float32 each step; pyoptim keeps them
    as Python floats rounded the same way (so the steps agree with torch's default; a torch run under
    ``torch.set_default_dtype(torch.float64)`` keeps them unrounded and differs by that rounding).
    ``foreach`` is accepted and ignored (the update is always one fused pass); ``capturable`` and
    ``differentiable`` must be False.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1e-2
        The initial rate (>= 0).
    lambd : float, default 1e-4
        λ, the decay term.
    alpha : float, default 0.75
        α, the power of the rate decay.
    t0 : float, default 1e6
        The step after which averaging starts.
    weight_decay : float, default 0
        Coupled L2 decay (book 7.1.1), >= 0.
    foreach, maximize, differentiable, capturable : as torch

    State
    -----
    ``step`` (int), ``eta`` (float), ``mu`` (float), ``ax`` (array, the average).

    Raises
    ------
    ValueError for lr < 0 or weight_decay < 0 ("Invalid learning rate", "Invalid weight_decay value").

    References
    ----------
    Polyak & Juditsky (1992), Acceleration of stochastic approximation by averaging, SIAM J. Control Optim.
    Bottou (2012), Stochastic gradient descent tricks (the η schedule).
    Goodfellow et al. (2016), 8.7.3 (Polyak averaging).
    """

    _array_state = ("ax",)

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("weight_decay value", g["weight_decay"], lo=0.0, expected="weight_decay >= 0")
        check_hyper("lambd value", g["lambd"], expected="a real number")
        check_hyper("alpha value", g["alpha"], expected="a real number")
        check_hyper("t0 value", g["t0"], expected="a real number")
        check_not_captured(g)

    def _required_state(self, group):
        return ("step", "eta", "mu", "ax")

    def _update(self, group, i, p, g):
        st = self._state_of(i)
        lr = float(group["lr"])
        if "ax" not in st:
            st["step"] = 0
            st["eta"] = to_f32(lr)
            st["mu"] = 1.0
            st["ax"] = np.zeros_like(p)
        step = st["step"] + 1
        kernels.asgd_step(p, g, st["ax"], eta=float(st["eta"]), lambd=float(group["lambd"]), mu=float(st["mu"]),
                          weight_decay=float(group["weight_decay"]), maximize=bool(group["maximize"]))
        lambd, alpha, t0 = float(group["lambd"]), float(group["alpha"]), float(group["t0"])
        st["step"] = step
        st["eta"] = to_f32(lr / ((1 + lambd * lr * step) ** alpha))
        st["mu"] = to_f32(1 / max(1, step - t0))
