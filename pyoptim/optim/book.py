"""The book's own forms of the first-order algorithms (Goodfellow, Bengio & Courville 2016, ch. 8).

These classes follow Algorithms 8.2-8.7 line by line, in the book's notation, in plain NumPy. They
are for reading and for checking claims; the fast classes with torch's conventions are
:class:`~pyoptim.optim.SGD`, :class:`~pyoptim.optim.Adagrad`, :class:`~pyoptim.optim.RMSprop` and
:class:`~pyoptim.optim.Adam`. Where the two differ, each docstring says how and when it matters:

============================  ==========================================  =====================================
book                          here                                        torch form / difference
============================  ==========================================  =====================================
Alg. 8.2 momentum             ``MomentumBook(params, lr, alpha)``          ``SGD(momentum=alpha)``: equal iterates
                                                                          under a constant lr (v = -lr·b)
Alg. 8.3 Nesterov             ``NesterovBook(params, lr, alpha)``,         ``SGD(nesterov=True)``: torch's θ is
                              ``step(closure)``                            the book's interim point θ + αv
Alg. 8.4 AdaGrad              ``AdaGradBook(params, lr, eps)``             ``Adagrad``: the same update
Alg. 8.5 RMSProp              ``RMSPropBook(params, lr, rho, eps)``        ``RMSprop``: δ inside vs outside √
Alg. 8.6 RMSProp + Nesterov   ``RMSPropBook(..., alpha, nesterov=True)``   no torch equivalent
Alg. 8.7 Adam                 ``AdamBook(params, lr, rho1, rho2, eps)``    ``Adam``: the same update
============================  ==========================================  =====================================

Gradients are given as for every pyoptim optimizer (``step()`` reads Parameters' ``.grad``;
``step(grads)`` for plain arrays). The Nesterov forms need the gradient at the interim point θ + αv,
so their ``step`` takes a *closure*: the parameters are moved to θ + αv, ``closure()`` is called
(it computes the gradient there: fills ``.grad`` of Parameters and returns the loss, or, for plain
arrays, returns the list of gradients or ``(loss, grads)``), then the parameters are set to the new θ.
"""
from __future__ import annotations

import numpy as np

from .._internal.params import is_parameter
from .optimizer import Optimizer, check_hyper

__all__ = ["MomentumBook", "NesterovBook", "AdaGradBook", "RMSPropBook", "AdamBook"]


class _BookOptimizer(Optimizer):
    """Shared machinery: per-parameter NumPy updates, and the interim-point step of Nesterov forms."""

    _needs_closure = False

    def _nesterov(self, group) -> bool:
        return self._needs_closure

    def _velocity(self, i, p):
        st = self._zeros_state(i, p, "velocity", step=False)
        return st["velocity"]

    def step(self, grads=None):
        """One step. For the Nesterov forms ``grads`` must be a closure (see the module docstring)."""
        if not any(self._nesterov(g) for g in self.param_groups):
            return super().step(grads)
        if not callable(grads):
            raise TypeError(f"{type(self).__name__}.step(): the Nesterov form needs the gradient at the interim "
                            "point θ + αv: pass a closure that computes it (step(closure))")
        with self._step_lock():
            # 1. move each parameter of a Nesterov group to the interim point θ~ = θ + αv (book: "apply
            #    interim update"); parameters of other groups stay where they are. A parameter without a
            #    velocity yet (v = 0) stays put, and no state is created before the checks have passed.
            saved = []
            items = []
            i = 0
            for group in self.param_groups:
                for p in group["params"]:
                    self._check_state_before_step(i)   # all state checked before any parameter moves
                    items.append((group, i, p.data if is_parameter(p) else p, p))
                    i += 1
            for group, i, data, p in items:
                v = (dict.get(self.state, i) or {}).get("velocity")
                if self._nesterov(group) and v is not None \
                        and not (is_parameter(p) and not getattr(p, "requires_grad", True)):
                    saved.append((data, data.copy()))
                    data[...] = data + data.dtype.type(group["alpha"]) * v.reshape(data.shape)
            # 2. the gradient at θ~; 3. back to θ, then (all checked) the velocity and parameter updates
            try:
                loss, g = self._run_closure(grads)
                gl = self._collect_grads(g)
            finally:
                for data, theta in saved:
                    data[...] = theta
            for group in self.param_groups:
                self._validate_group(group)
            self._check_grads_before_step(gl)
            for group, i, data, _ in items:
                if gl[i] is not None:
                    self._update(group, i, data, gl[i])
            return loss


class MomentumBook(_BookOptimizer):
    r"""SGD with momentum in the book's velocity form (Algorithm 8.2).

    .. code-block:: text

        v <- α v - ε g          (α -> alpha, ε -> lr)
        θ <- θ + v

    Relation to :class:`~pyoptim.optim.SGD` (``momentum=alpha``, torch's form b <- αb + g,
    θ <- θ - ε b): substituting v = -ε b gives the same iterates as long as ε is constant. When ε
    changes between steps they differ: here the velocity carries the old rates (v = -Σ α^(k-j) ε_j g_j),
    in torch's form every past gradient is rescaled by the current rate (-ε_k Σ α^(k-j) g_j).
    Under a constant gradient the step size tends to ε‖g‖/(1 - α) (book 8.3.2): the "terminal
    velocity", 1/(1 - α) times plain SGD's (10x for α = 0.9).

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1e-2
        ε.
    alpha : float in [0, 1), default 0.9
        α, the momentum parameter (book: 0.5, 0.9, 0.99 common).

    References
    ----------
    Polyak (1964), Some methods of speeding up the convergence of iteration methods.
    Goodfellow et al. (2016), 8.3.2, Algorithm 8.2.
    """

    _array_state = ("velocity",)

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.9):
        super().__init__(params, dict(lr=lr, alpha=alpha))

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("alpha value", g["alpha"], lo=0.0, hi=1.0, hi_open=True, expected="0 <= alpha < 1")

    def _required_state(self, group):
        return ("velocity",)

    def _update(self, group, i, p, g):
        dt = p.dtype.type
        v = self._velocity(i, p)
        v[...] = dt(group["alpha"]) * v - dt(group["lr"]) * g
        p[...] = p + v


class NesterovBook(MomentumBook):
    r"""SGD with Nesterov momentum in the book's form (Algorithm 8.3): the gradient at the interim point.

    .. code-block:: text

        θ~ <- θ + α v                         (interim point)
        g  <- ∇ L(θ~)                          (``closure()`` computes it, at θ~)
        v  <- α v - ε g
        θ  <- θ + v

    ``step(closure)``: the parameters hold θ~ while ``closure()`` runs, and θ afterwards.
    Relation to :class:`~pyoptim.optim.SGD` (``momentum=alpha, nesterov=True``), which needs only the
    gradient at its own parameters: torch's parameters are the book's interim point, φ = θ + αv. With
    a constant ε the two produce the same sequence φ_k = θ_k + α v_k (Sutskever et al. 2013); with a
    changing ε they differ as for :class:`MomentumBook`.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1e-2
        ε.
    alpha : float in [0, 1), default 0.9
        α.

    References
    ----------
    Nesterov (1983); Sutskever, Martens, Dahl & Hinton (2013), On the importance of initialization and
    momentum in deep learning. Goodfellow et al. (2016), 8.3.3, Algorithm 8.3.
    """

    _needs_closure = True


class AdaGradBook(_BookOptimizer):
    r"""AdaGrad as written in the book (Algorithm 8.4).

    .. code-block:: text

        r <- r + g ⊙ g
        Δθ <- -ε / (δ + √r) ⊙ g          (ε -> lr, δ -> eps)
        θ <- θ + Δθ

    The same update as :class:`~pyoptim.optim.Adagrad` with ``lr_decay=0``, ``weight_decay=0``,
    ``initial_accumulator_value=0``; the book suggests δ = 1e-7 (torch's default eps is 1e-10).

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1e-2
        ε.
    eps : float, default 1e-7
        δ.

    References
    ----------
    Duchi, Hazan & Singer (2011). Goodfellow et al. (2016), 8.5.1, Algorithm 8.4.
    """

    _array_state = ("sum",)

    def __init__(self, params, lr: float = 1e-2, eps: float = 1e-7):
        super().__init__(params, dict(lr=lr, eps=eps))

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("epsilon value", g["eps"], lo=0.0, expected="eps >= 0")

    def _required_state(self, group):
        return ("sum",)

    def _update(self, group, i, p, g):
        dt = p.dtype.type
        st = self._zeros_state(i, p, "sum", step=False)
        r = st["sum"]
        r[...] = r + g * g
        p[...] = p - (dt(group["lr"]) / (dt(group["eps"]) + np.sqrt(r))) * g


class RMSPropBook(_BookOptimizer):
    r"""RMSProp as written in the book: Algorithm 8.5, or 8.6 with Nesterov momentum.

    .. code-block:: text

        Algorithm 8.5 (nesterov=False):           Algorithm 8.6 (nesterov=True):
                                                  θ~ <- θ + α v;  g <- ∇L(θ~)  (closure)
        r <- ρ r + (1 - ρ) g ⊙ g                  r <- ρ r + (1 - ρ) g ⊙ g
        θ <- θ - ε / √(δ + r) ⊙ g                 v <- α v - ε / √(δ + r) ⊙ g;  θ <- θ + v

    ε -> ``lr``, ρ -> ``rho``, δ -> ``eps``, α -> ``alpha`` (the momentum; note torch's RMSprop calls
    ρ "alpha"). Differences from :class:`~pyoptim.optim.RMSprop`: δ is inside the square root here
    (torch adds eps after the root), which changes the first steps, while r is not yet ≫ δ; the book's
    Algorithm 8.6 writes 1/√r without δ (``eps=0`` gives that literally; a zero gradient then divides
    0 by 0); and torch's ``momentum`` is heavy-ball momentum on the scaled gradient, not Nesterov.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1e-3
        ε.
    rho : float in [0, 1), default 0.9
        ρ, the decay rate.
    eps : float, default 1e-6
        δ (the book's suggestion, 10⁻⁶).
    alpha : float in [0, 1), default 0.9
        α, the Nesterov momentum (used only when ``nesterov=True``).
    nesterov : bool, default False
        Algorithm 8.6; ``step`` then takes a closure.

    References
    ----------
    Hinton, Srivastava & Swersky (2012), lecture 6e. Goodfellow et al. (2016), 8.5.2, Algorithms 8.5, 8.6.
    """

    _array_state = ("square_avg", "velocity")

    def __init__(self, params, lr: float = 1e-3, rho: float = 0.9, eps: float = 1e-6, alpha: float = 0.9,
                 nesterov: bool = False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, alpha=alpha, nesterov=nesterov))

    def _nesterov(self, group) -> bool:
        return bool(group["nesterov"])

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("rho value", g["rho"], lo=0.0, hi=1.0, hi_open=True, expected="0 <= rho < 1")
        check_hyper("epsilon value", g["eps"], lo=0.0, expected="eps >= 0")
        check_hyper("alpha value", g["alpha"], lo=0.0, hi=1.0, hi_open=True, expected="0 <= alpha < 1")

    def _required_state(self, group):
        return ("square_avg", "velocity") if group["nesterov"] else ("square_avg",)

    def _update(self, group, i, p, g):
        dt = p.dtype.type
        st = self._zeros_state(i, p, "square_avg", step=False)
        r = st["square_avg"]
        rho = dt(group["rho"])
        r[...] = rho * r + (dt(1) - rho) * g * g
        scaled = dt(group["lr"]) / np.sqrt(dt(group["eps"]) + r) * g
        if group["nesterov"]:
            v = self._velocity(i, p)
            v[...] = dt(group["alpha"]) * v - scaled
            p[...] = p + v
        else:
            p[...] = p - scaled


class AdamBook(_BookOptimizer):
    r"""Adam as written in the book (Algorithm 8.7).

    .. code-block:: text

        t <- t + 1
        s <- ρ1 s + (1 - ρ1) g                 (first moment)
        r <- ρ2 r + (1 - ρ2) g ⊙ g             (second moment)
        ŝ <- s / (1 - ρ1^t);  r̂ <- r / (1 - ρ2^t)
        Δθ = -ε ŝ / (√r̂ + δ);  θ <- θ + Δθ

    ε -> ``lr``, ρ1/ρ2 -> ``rho1``/``rho2`` (torch: ``betas``), δ -> ``eps``. The same update as
    :class:`~pyoptim.optim.Adam` without weight decay; torch computes √r̂ as √r / √(1 - ρ2^t) and
    folds 1/(1 - ρ1^t) into the step size, which differs only in rounding.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1e-3
        ε (the book suggests 0.001).
    rho1, rho2 : float in [0, 1), default 0.9 and 0.999
    eps : float, default 1e-8
        δ.

    References
    ----------
    Kingma & Ba (2015). Goodfellow et al. (2016), 8.5.3, Algorithm 8.7.
    """

    _array_state = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr: float = 1e-3, rho1: float = 0.9, rho2: float = 0.999, eps: float = 1e-8):
        super().__init__(params, dict(lr=lr, rho1=rho1, rho2=rho2, eps=eps))

    def _validate_group(self, g):
        check_hyper("learning rate", g["lr"], lo=0.0, expected="lr >= 0")
        check_hyper("rho1 value", g["rho1"], lo=0.0, hi=1.0, hi_open=True, expected="0 <= rho1 < 1")
        check_hyper("rho2 value", g["rho2"], lo=0.0, hi=1.0, hi_open=True, expected="0 <= rho2 < 1")
        check_hyper("epsilon value", g["eps"], lo=0.0, expected="eps >= 0")

    def _required_state(self, group):
        return ("step", "exp_avg", "exp_avg_sq")

    def _update(self, group, i, p, g):
        dt = p.dtype.type
        st = self._zeros_state(i, p, "exp_avg", "exp_avg_sq")
        st["step"] += 1
        t = st["step"]
        rho1, rho2 = group["rho1"], group["rho2"]
        s, r = st["exp_avg"], st["exp_avg_sq"]
        s[...] = dt(rho1) * s + dt(1.0 - rho1) * g
        r[...] = dt(rho2) * r + dt(1.0 - rho2) * g * g
        s_hat = s / dt(1.0 - rho1 ** t)
        r_hat = r / dt(1.0 - rho2 ** t)
        p[...] = p - dt(group["lr"]) * s_hat / (np.sqrt(r_hat) + dt(group["eps"]))
