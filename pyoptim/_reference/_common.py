"""Helpers several twins share, each once. Public names: the twins' modules import them (a module never
imports another's underscore names); the package keeps the old private names (_decayed, _lerp,
_so_copy_out) as aliases."""
import numpy as np


def decayed(grad, param, weight_decay, maximize):
    """g' = (-g if maximize else g) + weight_decay * param, the decay term skipped when weight_decay == 0
    (as torch and the kernels: 0 * inf would make g' NaN where param is infinite)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + param.dtype.type(weight_decay) * param
    return g


def lerp(a, b, w):
    """torch's lerp (scalar weight w, already in the arrays' dtype): a + w (b - a) if w < 0.5 else
    b - (b - a)(1 - w)."""
    one = type(w)(1)
    return a + w * (b - a) if w < 0.5 else b - (b - a) * (one - w)


def copy_out(obj, n, square, what):
    """A user function's result as float64 of shape (n,) or (n, n); bind_secondorder_bridge.h's po_bridge_copy_out."""
    try:
        a = np.array(obj, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"minimize(): {what} must return an array of floats, got {type(obj).__name__}") from None
    if a.shape != ((n, n) if square else (n,)):
        want = f"({n}, {n})" if square else f"({n},)"
        raise ValueError(f"minimize(): {what} returned shape {a.shape}, expected {want}")
    return a


def adam_moments(param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, weight_decay, maximize, decoupled):
    """The first half of an Adam step, shared by Adam, NAdam and RAdam (torch's order): the decay, decoupled
    (AdamW: param <- param (1 - lr weight_decay)) or coupled (g' = g + weight_decay param), then the moments
    m <- lerp(m, g', 1 - beta1), v <- beta2 v + (1 - beta2) g'^2, in place. Returns g'."""
    dt = param.dtype.type
    if weight_decay != 0 and decoupled:
        param[...] = param * dt(1.0 - lr * weight_decay)
        weight_decay = 0.0
    g = decayed(grad, param, weight_decay, maximize)
    exp_avg[...] = lerp(exp_avg, g, dt(1.0 - beta1))
    exp_avg_sq[...] = exp_avg_sq * dt(beta2) + (dt(1.0 - beta2) * g) * g
    return g


def report(path, callback, x, f):
    """The loops' end-of-iteration step (secondorder.c and lbfgsb.c: pb->progress): append a copy of x to path,
    call callback(copy of x, f). True when the callback raised StopIteration (the loop stops, reason 6).

    pyoptim/_minimize/_projected.py ends its iterations with the same few lines; they stay apart on
    purpose: the twins are the NumPy backend at the bottom of the package and its test oracle, so they
    import nothing of pyoptim (and only pyoptim.kernels may import them)."""
    if path is not None:
        path.append(x.copy())
    if callback is not None:
        try:
            callback(x.copy(), f)
        except StopIteration:
            return True
    return False
