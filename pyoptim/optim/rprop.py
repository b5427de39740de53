"""Rprop: resilient backpropagation (Riedmiller & Braun 1993), torch.optim.Rprop on a fused C kernel."""
from __future__ import annotations

import numpy as np

from .. import kernels
from ._extra_common import check_not_captured
from .optimizer import Optimizer, check_hyper

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop: a per-weight step size adapted from the signs of successive gradients (full-batch method).

    The update (torch.optim.Rprop's form, the iRprop- variant), elementwise:

    .. code-block:: text

        g' = -g if maximize else g
        s  = sign(g' * prev)
        Δ  = clamp(Δ * (etaplus if s > 0 else etaminus if s < 0 else 1), step_size_min, step_size_max)
        g' = 0 where s < 0                        (after a sign change: no step, and forget the sign)
        θ  = θ - sign(g') * Δ
        prev = g'

    Δ -> ``state["step_size"]`` (starts at ``lr``), prev -> ``state["prev"]``. Only the sign of the
    gradient is used, never its size: this is the sign-based relative of the book's adaptive-rate
    methods (8.5: one learning rate per parameter, grown while the gradient keeps its sign and shrunk
    when it flips, as the delta-bar-delta rule of 8.5 does). Rprop is meant for full-batch gradients;
    with minibatch noise the signs flip at random and the step sizes collapse (why RMSProp was made).
    ``torch.sign`` gives 0 for NaN, so a NaN gradient leaves the weight unchanged (as in torch).

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1e-2
        The initial step size Δ (>= 0).
    etas : (float, float), default (0.5, 1.2)
        (etaminus, etaplus): the factors Δ is multiplied by after a sign flip / a kept sign;
        0 < etaminus < 1 < etaplus.
    step_sizes : (float, float), default (1e-6, 50)
        The smallest and largest step size.
    capturable, foreach, maximize, differentiable : keyword-only, as torch (``foreach`` is accepted and
        ignored: the update is always one fused pass; ``capturable``/``differentiable`` must be False)

    State
    -----
    ``step`` (int), ``prev`` (array), ``step_size`` (array).

    Raises
    ------
    ValueError for lr < 0 ("Invalid learning rate") or etas outside 0 < etaminus < 1 < etaplus
    ("Invalid eta values").

    References
    ----------
    Riedmiller & Braun (1993), A direct adaptive method for faster backpropagation learning: the RPROP
    algorithm, IEEE ICNN. Igel & Hüsken (2000), Improving the Rprop learning algorithm (iRprop-).
    Goodfellow et al. (2016), 8.5 (algorithms with adaptive learning rates; delta-bar-delta).
    """

    _array_state = ("prev", "step_size")

    def __init__(self, params, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False):
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        etas = g["etas"]
        if not isinstance(etas, (tuple, list)) or len(etas) != 2:
            raise ValueError(f"Invalid eta values: {etas!r} (expected a pair (etaminus, etaplus))")
        em = check_hyper("eta values", etas[0], expected="a real number")
        ep = check_hyper("eta values", etas[1], expected="a real number")
        if not 0.0 < em < 1.0 < ep:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]} (expected 0 < etaminus < 1 < etaplus)")
        ss = g["step_sizes"]
        if not isinstance(ss, (tuple, list)) or len(ss) != 2:
            raise ValueError(f"Invalid step_sizes: {ss!r} (expected a pair (step_size_min, step_size_max))")
        check_hyper("step_sizes[0]", ss[0], expected="a real number")
        check_hyper("step_sizes[1]", ss[1], expected="a real number")
        check_not_captured(g)

    def _required_state(self, group):
        return ("step", "prev", "step_size")

    def _update(self, group, i, p, g):
        st = self._state_of(i)
        if "prev" not in st:
            st["step"] = 0
            st["prev"] = np.zeros_like(p)
            st["step_size"] = np.full_like(p, float(group["lr"]))
        st["step"] = st["step"] + 1
        em, ep = group["etas"]
        smin, smax = group["step_sizes"]
        kernels.rprop_step(p, g, st["prev"], st["step_size"], etaminus=float(em), etaplus=float(ep),
                           step_size_min=float(smin), step_size_max=float(smax), maximize=bool(group["maximize"]))
