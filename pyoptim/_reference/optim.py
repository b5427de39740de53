"""Twins of the first-order updates (csrc/optim.c; book 8.3, 8.5): SGD, AdaGrad, RMSProp, Adam,
parameter averaging, the gradient norm and clipping."""
import numpy as np

from ._common import adam_moments, decayed, lerp

__all__ = ["sgd_step", "adagrad_step", "rmsprop_step", "adam_step", "average_update", "grad_norm", "scale_arrays",
           "clamp_arrays"]


def sgd_step(param, grad, momentum_buffer=None, *, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
             nesterov=False, maximize=False, first_step=False):
    """Twin of :func:`pyoptim.kernels.sgd_step`."""
    dt = param.dtype.type
    g = decayed(grad, param, weight_decay, maximize)
    if momentum != 0.0:
        if first_step:
            momentum_buffer[...] = g
        else:
            momentum_buffer[...] = dt(momentum) * momentum_buffer + dt(1.0 - dampening) * g
        d = g + dt(momentum) * momentum_buffer if nesterov else momentum_buffer
    else:
        d = g
    param[...] = param - dt(lr) * d


def adagrad_step(param, grad, state_sum, *, lr, lr_decay=0.0, weight_decay=0.0, eps=1e-10, step,
                 maximize=False):
    """Twin of :func:`pyoptim.kernels.adagrad_step` (book Alg. 8.4)."""
    dt = param.dtype.type
    clr = lr / (1.0 + (step - 1.0) * lr_decay)
    g = decayed(grad, param, weight_decay, maximize)
    state_sum[...] = state_sum + g * g
    std = np.sqrt(state_sum) + dt(eps)
    param[...] = param + (dt(-clr) * g) / std


def rmsprop_step(param, grad, square_avg, grad_avg=None, momentum_buffer=None, *, lr, alpha=0.99, eps=1e-8,
                 weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    """Twin of :func:`pyoptim.kernels.rmsprop_step` (book Alg. 8.5, torch's form)."""
    dt = param.dtype.type
    g = decayed(grad, param, weight_decay, maximize)
    square_avg[...] = square_avg * dt(alpha) + (dt(1.0 - alpha) * g) * g
    if centered:
        grad_avg[...] = lerp(grad_avg, g, dt(1.0 - alpha))
        den = np.sqrt(square_avg + (dt(-1) * grad_avg) * grad_avg) + dt(eps)
    else:
        den = np.sqrt(square_avg) + dt(eps)
    if momentum > 0:
        momentum_buffer[...] = momentum_buffer * dt(momentum) + g / den
        param[...] = param + dt(-lr) * momentum_buffer
    else:
        param[...] = param + (dt(-lr) * g) / den


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, lr, beta1=0.9, beta2=0.999, eps=1e-8,
              weight_decay=0.0, step, amsgrad=False, maximize=False, decoupled_weight_decay=False):
    """Twin of :func:`pyoptim.kernels.adam_step` (book Alg. 8.7; AdamW when decoupled).

    The operations are the kernel's (torch's), one for one and in the same order, so the two agree
    bit for bit, NaN for NaN, also where 0 * inf decides: the step factor -(lr / bc1) multiplies
    exp_avg BEFORE the division by den (lr = 0 with an infinite exp_avg gives NaN, as in torch), and
    den = sqrt(v) / sqrt(bc2) + eps (eps = 0 with v = 0 gives den = 0, so 0 / 0 = NaN where exp_avg = 0).
    The AMSGrad max propagates NaN (np.maximum, as torch.maximum).
    """
    dt = param.dtype.type
    bc1 = 1.0 - beta1 ** float(step)
    bc2 = 1.0 - beta2 ** float(step)
    step_size = lr / bc1
    bc2_sqrt = bc2 ** 0.5
    adam_moments(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay,
                 maximize=maximize, decoupled=decoupled_weight_decay)
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v = max_exp_avg_sq
    else:
        v = exp_avg_sq
    den = np.sqrt(v) / dt(bc2_sqrt) + dt(eps)
    param[...] = param + (dt(-step_size) * exp_avg) / den


def average_update(avg, param, /, *, weight):
    """Twin of :func:`pyoptim.kernels.average_update` (book 8.7.3)."""
    if weight == 1.0:
        avg[...] = param
    else:
        avg[...] = avg + avg.dtype.type(weight) * (param - avg)


def grad_norm(arrays, norm_type=2.0, /):
    """Twin of :func:`pyoptim.kernels.grad_norm`: the norm of all elements of all arrays together."""
    if not len(arrays):
        return 0.0
    flat = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
    if np.isinf(norm_type):
        # np.max over the per-array maxima, not Python's max(): NaN anywhere gives NaN (as the kernel)
        ms = np.array([np.max(np.abs(f)) if f.size else 0.0 for f in flat], dtype=np.float64)
        return float(np.max(ms))
    if norm_type == 2.0:
        return float(np.sqrt(sum(float(np.dot(f, f)) for f in flat)))
    total = np.float64(sum(float(np.sum(np.abs(f) ** norm_type)) for f in flat))
    with np.errstate(over="ignore"):   # beyond float64's range: inf, as the kernel (a Python float's ** raises)
        return float(total ** (1.0 / norm_type))


def scale_arrays(arrays, factor, /):
    """Twin of :func:`pyoptim.kernels.scale_arrays`: x <- x * factor, in place."""
    for a in arrays:
        a *= a.dtype.type(factor)


def clamp_arrays(arrays, clip_value, /):
    """Twin of :func:`pyoptim.kernels.clamp_arrays`: x <- min(max(x, -c), c), in place (NaN kept)."""
    for a in arrays:
        c = a.dtype.type(clip_value)
        np.clip(a, -c, c, out=a)
