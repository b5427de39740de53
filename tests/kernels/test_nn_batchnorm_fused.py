"""Batch normalization's one-pass kernels (csrc/batchnorm_tmpl.h): blocked Welford/Chan statistics in the
forward pass, the backward's two reductions fused in one pass. Checked against a long-double two-pass
reference (including a large mean offset, where sum x^2 - (sum x)^2 / B would cancel), against the NumPy
twin and torch's native_batch_norm kernels, with row counts that exercise the 4-row blocks and their
leftovers, and bit-identical at 1 and 2 threads on inputs of at least kernels.PAR_GRAIN elements."""
import numpy as np
import pytest

from pyoptim import _reference as ref
from pyoptim import kernels as K
from threads import same_bits_for_thread_counts

LD = np.longdouble


def _forward(x, momentum=0.1, eps=1e-5, training=True):
    B, D = x.shape
    dt = x.dtype
    w = np.linspace(0.5, 1.5, D).astype(dt)
    b = np.linspace(-1, 1, D).astype(dt)
    out, m, s = np.empty_like(x), np.empty(D, dt), np.empty(D, dt)
    rm, rv = np.zeros(D, dt), np.ones(D, dt)
    K.batchnorm_forward(x, w, b, out, m, s, rm, rv, training=training, momentum=momentum, eps=eps)
    return out, m, s, rm, rv, w, b


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("B", [2, 3, 4, 5, 7, 8, 9, 257, 1031])
def test_statistics_against_long_double_two_pass(dt, B, rng):
    """Every row count mod 4 (full blocks, leftovers, both), with a mean offset of 1e4 standard deviations."""
    D = 37
    x = (rng.standard_normal((B, D)) + 1e4).astype(dt)
    out, m, s, rm, rv, w, b = _forward(x, momentum=0.25, eps=1e-3)
    xl = x.astype(LD)
    mu = xl.mean(axis=0)
    var = ((xl - mu) ** 2).mean(axis=0)                  # two passes in long double
    # float64: the data's own rounding (ulp(1e4) = 1.8e-12 against unit deviations) bounds the variance to
    # ~1e-12 relative for any double-precision method; sum x^2 - (sum x)^2 / B would be off by ~1e-8
    rt, rv_t = (1e-6, 1e-6) if dt == np.float32 else (1e-13, 1e-10)
    np.testing.assert_allclose(m.astype(LD), mu, rtol=rt)
    np.testing.assert_allclose(s.astype(LD), 1 / np.sqrt(var + LD(1e-3)), rtol=rv_t)
    np.testing.assert_allclose(rm.astype(LD), 0.25 * mu, rtol=rt)
    np.testing.assert_allclose(rv.astype(LD), 0.75 + 0.25 * var * B / (B - 1), rtol=rv_t)
    # y = gamma (x - mu) invstd + beta, in the kernel's own saved statistics
    expect = (x - m) * s * w + b
    np.testing.assert_allclose(out, expect, rtol=1e-6 if dt == np.float32 else 1e-14, atol=1e-6 if dt == np.float32
                               else 1e-13)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_constant_columns_have_zero_variance(dt):
    x = np.tile(np.array([3.0, -7.5, 1e6], dt), (11, 1))
    out, m, s, rm, rv, w, b = _forward(x, eps=1e-5)
    np.testing.assert_array_equal(m, x[0])
    np.testing.assert_allclose(s, 1 / np.sqrt(dt(1e-5)), rtol=1e-6)
    np.testing.assert_array_equal(out, np.broadcast_to(b, x.shape))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4096, 100), (1030, 300)])
def test_matches_twin_and_torch(dt, shape, rng):
    torch = pytest.importorskip("torch")
    B, D = shape
    x = (rng.standard_normal(shape) * 3 + 2).astype(dt)
    dy = rng.standard_normal(shape).astype(dt)
    out, m, s, rm, rv, w, b = _forward(x)
    outs_r = [np.empty_like(x), np.empty(D, dt), np.empty(D, dt), np.zeros(D, dt), np.ones(D, dt)]
    ref.batchnorm_forward(x, w, b, *outs_r, training=True, momentum=0.1, eps=1e-5)
    t = dict(rtol=1e-5, atol=1e-5) if dt == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for a, r in zip((out, m, s, rm, rv), outs_r):
        np.testing.assert_allclose(a, r, **t)
    dx, gw, gb = np.empty_like(x), np.zeros(D, dt), np.zeros(D, dt)
    K.batchnorm_backward(dy, x, w, m, s, dx, gw, gb, training=True)
    dx_r, gw_r, gb_r = np.empty_like(x), np.zeros(D, dt), np.zeros(D, dt)
    ref.batchnorm_backward(dy, x, w, m, s, dx_r, gw_r, gb_r, training=True)
    for a, r in zip((dx, gw, gb), (dx_r, gw_r, gb_r)):
        np.testing.assert_allclose(a, r, **t)
    # torch's own kernels (the ones under nn.BatchNorm1d), from the same input
    aten = torch.ops.aten
    tx, tdy = torch.from_numpy(x), torch.from_numpy(dy)
    tw, tb = torch.from_numpy(w), torch.from_numpy(b)
    trm, trv = torch.zeros(D, dtype=tx.dtype), torch.ones(D, dtype=tx.dtype)
    tout, tsm, tsi = aten.native_batch_norm(tx, tw, tb, trm, trv, True, 0.1, 1e-5)
    tdx, tgw, tgb = aten.native_batch_norm_backward(tdy, tx, tw, trm, trv, tsm, tsi, True, 1e-5,
                                                    [True, True, True])
    tt = dict(rtol=1e-4, atol=1e-5) if dt == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for a, r in zip((out, m, s, rm, rv, dx), (tout, tsm, tsi, trm, trv, tdx)):
        np.testing.assert_allclose(a, r.numpy(), **tt)
    # the parameter gradients are sums over B rows: torch adds them in float32 for float32 input (ours in
    # double), so its error grows like sqrt(B) * eps * |terms|
    ts = dict(rtol=1e-4, atol=1e-3) if dt == np.float32 else dict(rtol=1e-10, atol=1e-11)
    for a, r in zip((gw, gb), (tgw, tgb)):
        np.testing.assert_allclose(a, r.numpy(), **ts)


@pytest.mark.c_only
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4096, 100), (1001, 1000), (300001, 1)])
def test_bit_identical_at_1_and_2_threads(dt, shape, rng):
    x = (rng.standard_normal(shape) * 2 + 0.5).astype(dt)
    dy = rng.standard_normal(shape).astype(dt)
    assert x.size >= K.PAR_GRAIN

    def run():
        out, m, s, rm, rv, w, b = _forward(x)
        dx, gw, gb = np.empty_like(x), np.zeros(shape[1], dt), np.zeros(shape[1], dt)
        K.batchnorm_backward(dy, x, w, m, s, dx, gw, gb, training=True)
        ev = np.empty_like(x)
        K.batchnorm_forward(x, w, b, ev, m.copy(), s.copy(), rm, rv, training=False)
        dxe = np.empty_like(x)
        K.batchnorm_backward(dy, x, w, m, s, dxe, training=False)
        return out, m, s, rm, rv, dx, gw, gb, ev, dxe

    same_bits_for_thread_counts(run)


def test_backward_gradient_by_central_differences(rng):
    """dL/dx, dL/dgamma, dL/dbeta of L = sum(dy * y) against central differences (float64, training)."""
    B, D = 9, 3
    x = rng.standard_normal((B, D))
    dy = rng.standard_normal((B, D))
    w, b = rng.standard_normal(D), rng.standard_normal(D)

    def loss(xx, ww, bb):
        out, m, s = np.empty_like(xx), np.empty(D), np.empty(D)
        K.batchnorm_forward(xx, ww, bb, out, m, s, training=True)
        return float((dy * out).sum()), m, s

    _, m, s = loss(x, w, b)
    dx, gw, gb = np.empty_like(x), np.zeros(D), np.zeros(D)
    K.batchnorm_backward(dy, x, w, m, s, dx, gw, gb, training=True)
    h = 1e-6
    num = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        num[idx] = (loss(xp, w, b)[0] - loss(xm, w, b)[0]) / (2 * h)
    np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-7)
    for j in range(D):
        e = np.eye(D)[j] * h
        np.testing.assert_allclose(gw[j], (loss(x, w + e, b)[0] - loss(x, w - e, b)[0]) / (2 * h), rtol=1e-6)
        np.testing.assert_allclose(gb[j], (loss(x, w, b + e)[0] - loss(x, w, b - e)[0]) / (2 * h), rtol=1e-6)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("B", [2, 5, 9])
def test_nonfinite_columns_match_the_twin(dt, B, rng):
    """inf and NaN in a column give the two-pass (sum, centred squares) results of the twin: inf + finite has
    mean inf (Welford's running update alone would make it NaN through inf - inf)."""
    D = 6
    x = rng.standard_normal((B, D)).astype(dt)
    x[0, 0] = np.inf
    x[B - 1, 1] = -np.inf
    x[1, 2] = np.nan
    x[0, 3], x[1, 3] = np.inf, -np.inf
    got = [np.empty_like(x), np.empty(D, dt), np.empty(D, dt)]
    exp = [np.empty_like(x), np.empty(D, dt), np.empty(D, dt)]
    w, b = np.ones(D, dt), np.zeros(D, dt)
    with np.errstate(all="ignore"):
        K.batchnorm_forward(x, w, b, *got)
        ref.batchnorm_forward(x, w, b, *exp)
    assert got[1][0] == np.inf and got[1][1] == -np.inf and np.isnan(got[1][2]) and np.isnan(got[1][3])
    for a, r in zip(got, exp):
        np.testing.assert_allclose(a, r, rtol=1e-5 if dt == np.float32 else 1e-12, atol=1e-6)
