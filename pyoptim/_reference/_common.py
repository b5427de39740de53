"""Helpers the twins share (each exists once)."""
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
