"""Gradient clipping by global norm and by value (book 8.2.4), torch.nn.utils semantics.

Cliffs in the cost surface produce huge gradients; a full step along one throws the parameters far
away. Clipping by norm rescales the whole gradient when its norm exceeds a threshold (Pascanu,
Mikolov & Bengio 2013): the step is bounded and its *direction is unchanged*. Clipping by value clips
each coordinate separately (Mikolov 2012), which bounds the step too but changes the direction.
The norm is one C call over the whole list (deterministic blocked sums in double).
"""
from __future__ import annotations

import math

import numpy as np

from .. import kernels
from .._validation import check_not_masked
from .._internal.params import is_parameter
from .optimizer import check_hyper

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads_of(params_or_grads) -> list[np.ndarray]:
    """Gradient arrays from Parameters (``.grad``, frozen ones skipped) or from arrays (themselves).
    The C calls check every array (dtype, layout, writeable) before changing any: all or nothing."""
    if isinstance(params_or_grads, np.ndarray) or is_parameter(params_or_grads):
        params_or_grads = [params_or_grads]
    out = []
    for i, x in enumerate(params_or_grads):
        if is_parameter(x):
            if getattr(x, "requires_grad", True) and x.grad is not None:
                check_not_masked(f"params_or_grads[{i}].grad", x.grad)
                out.append(x.grad)
        elif isinstance(x, np.ndarray):
            check_not_masked(f"params_or_grads[{i}]", x)
            out.append(x)
        else:
            raise TypeError(f"Invalid params_or_grads[{i}]: {type(x).__name__} (expected a pyoptim.nn.Parameter "
                            "or a numpy.ndarray)")
    return out


def clip_grad_norm_(params_or_grads, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> float:
    r"""Rescale gradients in place so that their joint norm is at most ``max_norm`` (book 8.2.4).

    .. code-block:: text

        total = ‖(g_1, ..., g_k)‖_p                       (all gradients as one vector)
        g_i  <- g_i * min(1, max_norm / (total + 1e-6))

    The book's rule "if ‖g‖ > v: g <- g v / ‖g‖" (Pascanu et al. 2013), with v -> ``max_norm``; the
    1e-6 is torch's guard against dividing by zero. The direction of the update is unchanged.

    Parameters
    ----------
    params_or_grads : Parameter, array, or iterable of them
        Parameters contribute their ``.grad`` (frozen ones are skipped); arrays are the gradients
        themselves (float32 or float64, C-contiguous, writeable).
    max_norm : float
        v, the largest allowed norm.
    norm_type : float, default 2.0
        p of the p-norm; ``float("inf")`` for the max-norm.
    error_if_nonfinite : bool, default False
        Raise RuntimeError when the total norm is NaN or infinite (else the gradients are scaled by the
        non-finite factor, as torch does).
    foreach : ignored
        Accepted for torch compatibility: the whole list is always handled in one C call.

    Returns
    -------
    float
        The total norm of the gradients before clipping.

    References
    ----------
    Pascanu, Mikolov & Bengio (2013), On the difficulty of training recurrent neural networks.
    Goodfellow et al. (2016), 8.2.4 and 10.11.1. torch.nn.utils.clip_grad_norm_.
    """
    max_norm = check_hyper("max_norm", max_norm)
    norm_type = check_hyper("norm_type", norm_type, lo=0.0, lo_open=True, expected="a value > 0 or inf")
    grads = _grads_of(params_or_grads)
    if not grads:
        return 0.0
    total = kernels.grad_norm(grads, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           "so it cannot be clipped. To disable this error and scale the gradients by the "
                           "non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = max_norm / (total + 1e-6)
    if not coef < 1.0 and not math.isnan(coef):
        return total  # torch multiplies by the clamped factor 1.0: nothing changes
    kernels.scale_arrays(grads, coef)
    return total


def clip_grad_value_(params_or_grads, clip_value: float, foreach=None) -> None:
    r"""Clip every gradient coordinate in place to [-clip_value, clip_value] (book 8.2.4).

    .. code-block:: text

        g <- min(max(g, -clip_value), clip_value)     elementwise; NaN stays NaN

    Clipping by value (Mikolov 2012) bounds each coordinate, and so the step, but unlike
    :func:`clip_grad_norm_` it changes the direction of the gradient.

    Parameters
    ----------
    params_or_grads : Parameter, array, or iterable of them (as in :func:`clip_grad_norm_`)
    clip_value : float >= 0
    foreach : ignored (torch compatibility)

    References
    ----------
    Mikolov (2012), Statistical language models based on neural networks. Goodfellow et al. (2016),
    8.2.4. torch.nn.utils.clip_grad_value_.
    """
    clip_value = check_hyper("clip_value", clip_value, lo=0.0, expected="clip_value >= 0")
    grads = _grads_of(params_or_grads)
    if grads:
        kernels.clamp_arrays(grads, clip_value)
