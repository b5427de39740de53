"""Twins of the counter-based random stream (csrc/rng.c) and of dropout (csrc/dropout.c; book 7.12)."""
import numpy as np

__all__ = ["_M64", "_GOLDEN", "_RNG_BLOCK", "_RNG_LANES", "_mix64", "_rotl", "_rng_draws", "_keep_threshold", "_keep",
           "rng_uniform", "dropout_mask", "dropout_forward", "dropout_backward"]


_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_RNG_BLOCK, _RNG_LANES = 4096, 8


def _mix64(z):
    """SplitMix64's finalizer on uint64 arrays (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


def _rng_draws(n, seed, counter):
    """The first n 32-bit draws of stream (seed, counter), as csrc/rng.h documents: block b's key is
    mix(mix(mix(seed + G) + counter) + b); lane l starts from x = mix(key + l + 1) and takes four
    SplitMix64 outputs as its xoshiro256++ state; each step yields one 64-bit word per lane, whose low
    then high 32-bit halves are the next two draws."""
    nb = max(1, -(-n // _RNG_BLOCK))
    blocks = np.arange(nb, dtype=np.uint64)
    k = _mix64(np.array([seed], dtype=np.uint64) + _GOLDEN)
    k = _mix64(k + np.uint64(counter))
    key = _mix64(k + blocks)                                         # (nb,)
    x = _mix64(key[:, None] + np.arange(1, _RNG_LANES + 1, dtype=np.uint64)[None, :])   # (nb, L)
    s = []
    for _ in range(4):
        x = x + _GOLDEN
        s.append(_mix64(x))
    s0, s1, s2, s3 = s
    steps = _RNG_BLOCK // (2 * _RNG_LANES)
    words = np.empty((nb, steps, _RNG_LANES), dtype=np.uint64)
    for t in range(steps):
        words[:, t, :] = _rotl(s0 + s3, 23) + s0
        tt = s1 << np.uint64(17)
        s2 = s2 ^ s0
        s3 = s3 ^ s1
        s1 = s1 ^ s2
        s0 = s0 ^ s3
        s2 = s2 ^ tt
        s3 = _rotl(s3, 45)
    lo = (words & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    hi = (words >> np.uint64(32)).astype(np.uint32)
    return np.stack([lo, hi], axis=-1).reshape(-1)[:n]


def _keep_threshold(p):
    k = (1.0 - p) * 4294967296.0
    return 0 if not k > 0.0 else (4294967296 if k >= 4294967296.0 else int(k))


def _keep(n, p, seed, counter):
    thr = _keep_threshold(p)
    if thr >= 4294967296:
        return np.ones(n, dtype=bool)
    if thr == 0:
        return np.zeros(n, dtype=bool)
    return _rng_draws(n, seed, counter) < np.uint32(thr)


def rng_uniform(out, seed, counter):
    """Twin of :func:`pyoptim.kernels.rng_uniform`."""
    u = _rng_draws(out.size, seed, counter)
    if out.dtype == np.float32:
        out.reshape(-1)[...] = (u >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24)
    else:
        out.reshape(-1)[...] = u.astype(np.float64) * 2.0 ** -32


def dropout_mask(out, p, seed, counter):
    """Twin of :func:`pyoptim.kernels.dropout_mask`."""
    out.reshape(-1)[...] = _keep(out.size, p, seed, counter).astype(out.dtype)


def dropout_forward(x, out, p, seed, counter, *, inverted=True):
    """Twin of :func:`pyoptim.kernels.dropout_forward`: out = x * where(keep, scale, 0)."""
    dt = x.dtype.type
    scale = dt(1.0 / (1.0 - p)) if (inverted and p < 1.0) else dt(1.0)
    thr = _keep_threshold(p)
    if thr >= 4294967296:
        out[...] = x * scale
    elif thr == 0:
        out[...] = 0
    else:
        keep = _keep(x.size, p, seed, counter).reshape(x.shape)
        out[...] = x * np.where(keep, scale, dt(0))


def dropout_backward(grad_output, grad_input, p, seed, counter, *, inverted=True):
    """Twin of :func:`pyoptim.kernels.dropout_backward` (the forward mask applied to the gradient)."""
    dropout_forward(grad_output, grad_input, p, seed, counter, inverted=inverted)
