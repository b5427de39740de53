"""Twins of ASGD, Rprop, Adafactor, Muon (csrc/optim_extra.c)."""
import numpy as np

from ._common import decayed

__all__ = ["_lerp_abs", "_sign", "asgd_step", "rprop_step", "adafactor_step", "muon_momentum", "muon_apply"]


def _lerp_abs(a, b, w):
    """torch's lerp with a scalar weight w (already in the arrays' dtype): a + w (b - a) if |w| < 0.5
    else b - (b - a)(1 - w)."""
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (type(w)(1) - w)


def _sign(x):
    """torch.sign: (0 < x) - (x < 0), so 0 for NaN (np.sign gives NaN)."""
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


def asgd_step(param, grad, ax, *, eta, lambd=1e-4, mu=1.0, weight_decay=0.0, maximize=False):
    """Twin of :func:`pyoptim.kernels.asgd_step` (Polyak & Juditsky 1992; book 8.7.3)."""
    dt = param.dtype.type
    g = decayed(grad, param, weight_decay, maximize)
    p = param * dt(1.0 - lambd * eta)
    p = p + dt(-eta) * g
    param[...] = p
    if mu != 1.0:
        ax[...] = ax + (p - ax) * dt(mu)
    else:
        ax[...] = p


def rprop_step(param, grad, prev, step_size, *, etaminus=0.5, etaplus=1.2, step_size_min=1e-6,
               step_size_max=50.0, maximize=False):
    """Twin of :func:`pyoptim.kernels.rprop_step` (Riedmiller & Braun 1993)."""
    dt = param.dtype.type
    g = -grad if maximize else grad
    s = _sign(g * prev)
    f = np.where(s > 0, dt(etaplus), np.where(s < 0, dt(etaminus), dt(1)))
    st = step_size * f
    st = np.where(st < dt(step_size_min), dt(step_size_min), st)
    st = np.where(st > dt(step_size_max), dt(step_size_max), st)
    step_size[...] = st
    gz = np.where(f == dt(etaminus), dt(0), g)
    param[...] = param + (dt(-1) * _sign(gz)) * st
    prev[...] = gz


def adafactor_step(param, grad, row_var=None, col_var=None, variance=None, *, lr, beta2_decay=-0.8, eps1=None,
                   eps2=1e-3, d=1.0, weight_decay=0.0, step, maximize=False):
    """Twin of :func:`pyoptim.kernels.adafactor_step` (Shazeer & Stern 2018).

    Sums of squares in float64 by NumPy (another order than the kernel's lanes: equal to rounding)."""
    dt = param.dtype.type
    if eps1 is None:
        eps1 = float(np.finfo(param.dtype).eps)
    n = param.size
    if n == 0:
        return
    g = -grad if maximize else grad
    t = float(step)
    w = dt(t ** beta2_decay)
    rho = min(lr, 1 / t ** 0.5)
    pn = float(dt(np.sqrt(np.sum(np.square(param, dtype=np.float64)))))
    alpha = max(eps2, pn / n ** 0.5) * rho
    e1sq = dt(eps1 * eps1)
    if param.ndim >= 2:
        m, c = param.shape[-2], param.shape[-1]
        nr = np.sqrt(np.sum(np.square(g, dtype=np.float64), axis=-1, keepdims=True)).astype(param.dtype)
        row_var[...] = _lerp_abs(row_var, (nr * nr) / dt(c), w)
        nc = np.sqrt(np.sum(np.square(g, dtype=np.float64), axis=-2, keepdims=True)).astype(param.dtype)
        col_var[...] = _lerp_abs(col_var, (nc * nc) / dt(m), w)
        rm = np.sum(row_var, axis=-2, keepdims=True, dtype=np.float64).astype(param.dtype) / dt(m)
        rm = np.where(rm < dt(eps1), dt(eps1), rm)
        v = (row_var * col_var) / rm
    else:
        variance[...] = _lerp_abs(variance, g * g, w)
        v = variance
    v = np.where(v < e1sq, e1sq, v)
    u = (dt(1) / np.sqrt(v)) * g
    un = float(dt(np.sqrt(np.sum(np.square(u, dtype=np.float64)))))
    denom = max(1.0, un / (n ** 0.5 * d))
    if weight_decay != 0:
        param[...] = param * dt(1.0 - lr * weight_decay)
    param[...] = param + dt(-alpha / denom) * u


def muon_momentum(grad, momentum_buffer, out, *, momentum, nesterov=True):
    """Twin of :func:`pyoptim.kernels.muon_momentum`."""
    dt = grad.dtype.type
    momentum_buffer[...] = _lerp_abs(momentum_buffer, grad, dt(1.0 - momentum))
    out[...] = _lerp_abs(grad, momentum_buffer, dt(momentum)) if nesterov else momentum_buffer


def muon_apply(param, update, *, lr, weight_decay=0.1, adjusted_lr):
    """Twin of :func:`pyoptim.kernels.muon_apply`."""
    dt = param.dtype.type
    p = param * dt(1.0 - lr * weight_decay)
    param[...] = p + dt(-adjusted_lr) * update
