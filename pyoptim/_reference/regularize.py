"""Twins of the proximal steps and norm constraints (csrc/regularize.c; book 7.1, 7.2)."""
import numpy as np

__all__ = ["prox_l1", "_seqsum", "_blocksumsq", "max_norm", "l2_ball_project", "l1_ball_project"]


def prox_l1(param, *, threshold):
    """Twin of :func:`pyoptim.kernels.prox_l1`: w <- sign(w) max(|w| - t, 0)."""
    with np.errstate(over="ignore"):   # a threshold beyond float32's range is inf, as the C cast gives
        t = param.dtype.type(threshold)
    a = np.abs(param) - t
    param[...] = np.where(a <= 0, param.dtype.type(0), np.copysign(a, param))


def _seqsum(a, axis=None):
    """A left-to-right sum in float64 (np.cumsum is sequential), as the C loops add."""
    if axis is None:
        a = a.reshape(-1)
        return np.cumsum(a)[-1] if a.size else 0.0
    if a.shape[axis] == 0:
        return a.sum(axis=axis, keepdims=True)
    return np.take(np.cumsum(a, axis=axis), [-1], axis=axis)


def _blocksumsq(x, block=4096):
    """po_sumsq: squares summed serially in fixed blocks of 4096, then the block sums in order."""
    a = x.astype(np.float64).reshape(-1)
    sums = [_seqsum(a[i:i + block] * a[i:i + block]) for i in range(0, a.size, block)]
    return _seqsum(np.array(sums)) if sums else 0.0


def max_norm(param, *, max_value, axis=0):
    """Twin of :func:`pyoptim.kernels.max_norm`; returns the number of rescaled fibres.

    Squares summed in the parameter's dtype over blocks of 32 rows (in order), block sums added in
    float64 (in order), as the kernel does."""
    sq = np.moveaxis(param * param, axis, 0)
    acc = np.zeros(sq.shape[1:], dtype=np.float64)
    for b0 in range(0, sq.shape[0], 32):
        acc = acc + np.cumsum(sq[b0:b0 + 32], axis=0, dtype=param.dtype)[-1].astype(np.float64)
    nrm = np.expand_dims(np.sqrt(acc), axis)
    over = nrm > max_value
    f = np.where(over, max_value / np.where(over, nrm, 1.0), 1.0).astype(param.dtype)
    param[...] = np.where(over, param * f, param)
    return int(np.count_nonzero(over))


def l2_ball_project(param, *, radius):
    """Twin of :func:`pyoptim.kernels.l2_ball_project`."""
    nrm = np.sqrt(_blocksumsq(param))
    if nrm > radius:
        param[...] = param * param.dtype.type(radius / nrm)


def l1_ball_project(param, *, radius):
    """Twin of :func:`pyoptim.kernels.l1_ball_project` (Duchi et al. 2008)."""
    a = np.abs(param.astype(np.float64)).reshape(-1)
    if not np.all(np.isfinite(a)):
        raise FloatingPointError("l1_ball_project(): a non-finite value (NaN or inf) was found")
    with np.errstate(over="ignore", invalid="ignore"):   # an L1 norm beyond 1.8e308 is inf, as in C
        if a.size == 0 or np.cumsum(a)[-1] <= radius:
            return
        if radius <= 0:
            param[...] = 0
            return
        u = np.sort(a)[::-1]
        cs = np.cumsum(u)
        j = np.arange(1, u.size + 1)
        ok = np.nonzero(u[1:] - (cs[1:] - radius) / j[1:] > 0)[0]
        rho = int(ok[-1]) + 1 if ok.size else 0       # j = 0 always qualifies (exactly: u0 - (u0 - r) = r > 0)
        theta = (cs[rho] - radius) / (rho + 1)
    prox_l1(param, threshold=theta)
