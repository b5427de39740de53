"""Norm penalties as constrained optimization, by reprojection (book 7.2).

Instead of a penalty αΩ(θ), the book's explicit constraint Ω(θ) ≤ k is enforced by taking an ordinary
gradient step and then projecting θ back to the nearest point of the feasible set (eq. 7.27 and the text
after it). ``fit`` calls ``constraint.apply(model)`` after every optimizer step (and after the
regularizers' ``after_step``). Each projection is a C kernel of :mod:`pyoptim.kernels` and leaves
parameters already inside the set bit-identical.

By default a constraint applies to the *weights* (Parameters with ndim >= 2), not to biases; ``params``
accepts "all", a predicate ``(name, param) -> bool`` or an explicit list (see
:func:`pyoptim.regularizers.select_params`). ``apply`` also accepts a list of Parameters or of arrays.
"""
from __future__ import annotations

import numpy as np

from . import kernels
from ._validation import check_nonneg, check_not_masked
from ._internal.params import param_data
from .regularizers import select_params

__all__ = ["Constraint", "MaxNorm", "L2Ball", "L1Ball"]


class Constraint:
    """Base class: ``apply(model)`` projects the selected parameters in place."""

    params = None

    def targets(self, model) -> list:
        return select_params(model, self.params)

    def apply(self, model) -> None:
        for w in self._checked_targets(model):
            self.project(w)

    def _checked_targets(self, model) -> list:
        """The target arrays, every one checked before any is projected (all or nothing)."""
        ws = [param_data(p) for p in self.targets(model)]
        for i, w in enumerate(ws):
            self._check_target(i, w)
        return ws

    def _check_target(self, i: int, w) -> None:
        """A target must be a plain, writeable, C-contiguous float32/float64 array (projected in place)."""
        name = f"{type(self).__name__} target {i}"
        check_not_masked(name, w)
        if not isinstance(w, np.ndarray):
            raise TypeError(f"Invalid {name}: {type(w).__name__} (expected a numpy.ndarray)")
        if w.dtype not in (np.float32, np.float64):
            raise TypeError(f"Invalid {name}: dtype {w.dtype} (expected float32 or float64)")
        if not (w.flags.c_contiguous and w.flags.writeable):
            raise ValueError(f"Invalid {name}: not a writeable C-contiguous array (projected in place, never copied)")

    def project(self, w: np.ndarray) -> None:
        raise NotImplementedError

    def __call__(self, model) -> None:
        self.apply(model)


class MaxNorm(Constraint):
    """Max-norm constraint (book 7.2; Srebro & Shraibman 2005; Hinton et al. 2012, used with dropout).

    Constrains the norm of each *column* of a weight matrix, the incoming weight vector of each unit:
    for a Dense weight of shape (in_features, out_features) the norm runs over ``axis=0`` (the
    default), so ``W[:, j]`` is unit j's in-weights, as in Keras's ``MaxNorm(axis=0)``. After each step,
    every column with ‖W[:, j]‖₂ > max_value is rescaled to norm max_value; other columns are untouched
    (bit-identical). The book recommends constraining columns rather than the whole matrix, so that no
    single hidden unit gets very large weights. C kernel: :func:`pyoptim.kernels.max_norm`.

    Parameters
    ----------
    max_value : float >= 0, the book's k.
    axis : int, the axis the norm runs over (0 = columns of an (in, out) weight).
    params : which parameters (default: weights, ndim >= 2).
    """

    def __init__(self, max_value: float, axis: int = 0, params=None):
        self.max_value = check_nonneg("max_value", max_value)
        if not isinstance(axis, (int, np.integer)):
            raise ValueError(f"Invalid axis: {axis!r} (expected an integer)")
        self.axis = int(axis)
        self.params = params
        self.last_rescaled = 0

    def apply(self, model) -> None:
        ws = self._checked_targets(model)
        self.last_rescaled = 0
        for w in ws:
            self.project(w)

    def _check_target(self, i: int, w) -> None:
        super()._check_target(i, w)
        if not -w.ndim <= self.axis < w.ndim:
            raise ValueError(f"Invalid axis: {self.axis} for MaxNorm target {i} of shape {w.shape} "
                             f"(expected an integer in [{-w.ndim}, {w.ndim - 1}])")

    def project(self, w: np.ndarray) -> None:
        self.last_rescaled += kernels.max_norm(w, max_value=self.max_value, axis=self.axis)

    def __repr__(self) -> str:
        return f"MaxNorm(max_value={self.max_value}, axis={self.axis})"


class _Ball(Constraint):
    """Projection of each selected parameter onto a norm ball of ``radius`` by the C kernel ``_kernel``."""

    _kernel = ""

    def __init__(self, radius: float, params=None):
        self.radius = check_nonneg("radius", radius)
        self.params = params

    def project(self, w: np.ndarray) -> None:
        getattr(kernels, self._kernel)(w, radius=self.radius)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(radius={self.radius})"


class L2Ball(_Ball):
    """Projection of each selected parameter onto the L2 ball ‖w‖₂ ≤ radius (book 7.2).

    w ← w·radius/‖w‖₂ when ‖w‖₂ > radius (the Euclidean projection); otherwise untouched.
    C kernel: :func:`pyoptim.kernels.l2_ball_project`.
    """

    _kernel = "l2_ball_project"


class L1Ball(_Ball):
    """Projection of each selected parameter onto the L1 ball ‖w‖₁ ≤ radius (book 7.2).

    The Euclidean projection of Duchi, Shalev-Shwartz, Singer & Chandra (2008): a soft threshold
    sign(w)·max(|w| − θ, 0) with θ chosen (by a sort) so that the result has L1 norm exactly radius;
    parameters already inside are untouched. Like the L1 penalty it produces exact zeros.
    C kernel: :func:`pyoptim.kernels.l1_ball_project`.
    """

    _kernel = "l1_ball_project"
