"""Polyak and exponential averaging of the iterates (book 8.7.3), as an optimizer wrapper."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import kernels
from .._internal.params import flat1, is_parameter
from .optimizer import Optimizer, check_hyper
from .._validation import check_choice, check_int

__all__ = ["Averaged"]


class Averaged:
    r"""Wrap an optimizer and keep a running average of its iterates (Polyak averaging, book 8.7.3).

    .. code-block:: text

        polyak:  θ̄_t = (1/(t - start)) Σ_{k=start+1..t} θ_k      (θ̄ <- θ̄ + (θ_t - θ̄)/(count + 1))
        ema:     θ̄_t = decay * θ̄_{t-1} + (1 - decay) * θ_t      (θ̄ starts at the first included θ)

    where θ_k is the iterate after the optimizer's k-th step (``avg.step()`` counts them). Iterates from
    steps ``start+1`` on are averaged, so ``start`` skips the early, far-from-the-optimum part of the
    trajectory. The book: averaging the points visited by gradient descent, θ̂^(t) = (1/t) Σ θ^(i),
    has strong guarantees on convex problems (Polyak & Juditsky 1992); for non-convex networks the
    exponential form α θ̂^(t-1) + (1-α) θ^(t) (α -> ``decay``) forgets the distant past.
    Under SGD noise the average sits closer to the minimum than the last iterate.

    ``Averaged`` wraps an *optimizer* over arrays or Parameters and averages after every step, from
    ``start`` on; :class:`pyoptim.optim.swa_utils.AveragedModel` is torch's API for the same averages
    of a *model* (a copy of a ``pyoptim.nn`` Module, updated when you call ``update_parameters``, with
    ``SWALR`` and ``update_bn`` for the BatchNorm statistics). Updated after each step, the two give the
    same Polyak average (``AveragedModel``'s default) and the same EMA
    (``multi_avg_fn=get_ema_multi_avg_fn(decay)``).

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer; it keeps stepping the live parameters.
    mode : {"polyak", "ema"}, default "polyak"
    decay : float in [0, 1), default 0.999
        α of the exponential average (mode "ema").
    start : int >= 0, default 0
        The number of steps before averaging begins.

    Attributes and methods
    ----------------------
    ``step(grads=None)`` steps the optimizer and folds the new iterate into the average;
    ``averaged()`` returns copies of the averaged parameters (arrays, in params order; the live values
    while nothing has been averaged yet); ``swap()`` exchanges averaged and live parameters in place
    (call it again to swap back; ``fit`` evaluates validation data between two swaps);
    ``param_groups``, ``state``, ``zero_grad`` pass through; ``state_dict`` includes the averages.

    References
    ----------
    Polyak & Juditsky (1992), Acceleration of stochastic approximation by averaging, SIAM J. Control
    Optim. Goodfellow et al. (2016), 8.7.3. torch.optim.swa_utils.AveragedModel.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "polyak", decay: float = 0.999, start: int = 0):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"Invalid optimizer: {type(optimizer).__name__} (expected a pyoptim.optim.Optimizer)")
        check_choice("mode", mode, "polyak", "ema")
        check_hyper("decay", decay, lo=0.0, hi=1.0, hi_open=True, expected="0 <= decay < 1")
        check_int("start", start, 0)
        self.optimizer = optimizer
        self.mode = mode
        self.decay = float(decay)
        self.start = int(start)
        self.n_steps = 0
        self.n_averaged = 0
        self.swapped = False
        self._avg: list[np.ndarray] | None = None

    # -- pass-through ------------------------------------------------------------------------------
    @property
    def param_groups(self):
        return self.optimizer.param_groups

    @property
    def state(self):
        return self.optimizer.state

    @property
    def defaults(self):
        return self.optimizer.defaults

    def zero_grad(self, set_to_none: bool = False) -> None:
        self.optimizer.zero_grad(set_to_none)

    def _arrays(self) -> list[np.ndarray]:
        return [p.data if is_parameter(p) else p for p in self.optimizer._params]

    # -- stepping ----------------------------------------------------------------------------------
    def step(self, grads=None):
        """Step the wrapped optimizer, then fold the new iterate into the average; returns its result."""
        with self.optimizer._step_lock():   # the wrapped optimizer's (re-entrant) lock: one step at a time
            if self.swapped:
                raise RuntimeError("Averaged.step(): the averaged parameters are swapped in; call swap() again "
                                   "before stepping")
            loss = self.optimizer.step(grads)
            self.n_steps += 1
            if self.n_steps > self.start:
                self.update_average()
            return loss

    def update_average(self) -> None:
        """Fold the current parameters into the average (``step`` calls this)."""
        arrays = self._arrays()
        if self._avg is None:
            self._avg = [np.empty_like(a) for a in arrays]
        w = 1.0 / (self.n_averaged + 1) if self.mode == "polyak" else 1.0 - self.decay
        if self.n_averaged == 0:
            w = 1.0
        for avg, a in zip(self._avg, arrays):
            kernels.average_update(flat1(avg), flat1(a), weight=w)
        self.n_averaged += 1

    def averaged(self) -> list[np.ndarray]:
        """Copies of the averaged parameters, in params order (the live values before any averaging)."""
        if self.swapped:
            return [a.copy() for a in self._arrays()]
        if self._avg is None:
            return [a.copy() for a in self._arrays()]
        return [a.copy() for a in self._avg]

    def swap(self) -> None:
        """Exchange the averaged and the live parameters in place (bit-exact; call twice to undo)."""
        if self._avg is None:
            return
        for avg, a in zip(self._avg, self._arrays()):
            tmp = a.copy()
            a[...] = avg
            avg[...] = tmp
        self.swapped = not self.swapped

    # -- serialization -----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``{"optimizer": optimizer.state_dict(), "averaged": {mode, decay, start, n_steps, n_averaged,
        swapped, averages: [arrays] or None}}``."""
        return {"optimizer": self.optimizer.state_dict(),
                "averaged": {"mode": self.mode, "decay": self.decay, "start": self.start,
                             "n_steps": self.n_steps, "n_averaged": self.n_averaged, "swapped": self.swapped,
                             "averages": None if self._avg is None else [a.copy() for a in self._avg]}}

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Load a ``state_dict()``; everything is checked before anything changes."""
        if not isinstance(state_dict, Mapping) or "optimizer" not in state_dict or "averaged" not in state_dict:
            raise ValueError("Averaged.load_state_dict(): expected a dict with keys 'optimizer' and 'averaged'")
        a = state_dict["averaged"]
        arrays = self._arrays()
        avgs = a.get("averages")
        if avgs is not None:
            if len(avgs) != len(arrays):
                raise ValueError(f"Averaged.load_state_dict(): {len(avgs)} averages for {len(arrays)} parameters")
            new = []
            for i, (v, p) in enumerate(zip(avgs, arrays)):
                v = np.asarray(v)
                if v.shape != p.shape or v.dtype != p.dtype:
                    raise ValueError(f"Averaged.load_state_dict(): average {i} has shape {v.shape} and dtype "
                                     f"{v.dtype}, expected {p.shape} and {p.dtype}")
                new.append(np.array(v, order="C", copy=True))
        else:
            new = None
        if a.get("mode") not in ("polyak", "ema"):
            raise ValueError(f"Invalid mode: {a.get('mode')!r} (expected 'polyak' or 'ema')")
        self.optimizer.load_state_dict(state_dict["optimizer"])  # validates before changing anything
        self.mode = a["mode"]
        self.decay = float(a["decay"])
        self.start = int(a["start"])
        self.n_steps = int(a["n_steps"])
        self.n_averaged = int(a["n_averaged"])
        self.swapped = bool(a.get("swapped", False))
        self._avg = new

    def __repr__(self) -> str:
        return (f"Averaged(mode={self.mode!r}, decay={self.decay}, start={self.start}, "
                f"n_averaged={self.n_averaged}, optimizer={type(self.optimizer).__name__})")
