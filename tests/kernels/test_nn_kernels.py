"""The nn C kernels (activations, bias gradient, losses, batch normalization) against their NumPy twins
in pyoptim._reference, in float32 and float64, at sizes including 0 and 1; thread-count determinism;
the float32 polynomial exp; and a table of bad inputs, each raising a clear error."""
import numpy as np
import pytest

from pyoptim import _reference as ref
from pyoptim import kernels as K
from refcount import refcounts_unchanged
from threads import same_bits_for_thread_counts

DTYPES = [np.float32, np.float64]
KINDS = ["relu", "tanh", "sigmoid"]


def tol(dt):
    return dict(rtol=2e-6, atol=1e-7) if dt == np.float32 else dict(rtol=1e-13, atol=1e-15)


# ---- activations --------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [0, 1, 7, 1000, 70000])
def test_activation_matches_twin(dt, kind, n, rng):
    x = (rng.standard_normal(n) * 4).astype(dt)
    x[: min(n, 3)] = [0.0, -0.0, 1e-3][: min(n, 3)]
    y = K.activation_forward(x, kind=kind)
    yr = ref.activation_forward(x, kind=kind)
    assert y.dtype == dt and y.shape == x.shape
    np.testing.assert_allclose(y, yr, **tol(dt))
    dy = rng.standard_normal(n).astype(dt)
    dx = K.activation_backward(dy, y, kind=kind)
    np.testing.assert_allclose(dx, ref.activation_backward(dy, y, kind=kind), **tol(dt))


@pytest.mark.parametrize("dt", DTYPES)
def test_activation_formulas_and_in_place(dt):
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0], dt)
    np.testing.assert_array_equal(K.activation_forward(x, kind="relu"), np.maximum(x, 0))
    np.testing.assert_allclose(K.activation_forward(x, kind="sigmoid"), 1 / (1 + np.exp(-x.astype(float))),
                               rtol=1e-6)
    y = K.activation_forward(x, kind="tanh")
    dy = np.ones_like(x)
    np.testing.assert_allclose(K.activation_backward(dy, y, kind="tanh"), 1 - np.tanh(x.astype(float)) ** 2,
                               rtol=1e-6, atol=1e-7)
    # relu' at 0 is 0 (torch)
    assert K.activation_backward(dy, K.activation_forward(x, kind="relu"), kind="relu")[2] == 0
    # exact aliasing: out is x
    z = x.copy()
    out = K.activation_forward(z, z, kind="tanh")
    assert out is z
    np.testing.assert_array_equal(z, y)


def test_float32_exp_tanh_sigmoid_accuracy():
    """The vectorized float32 polynomial exp (in sigmoid/tanh) across the float range, against float64."""
    x = np.concatenate([np.linspace(-110, 100, 200001), [-np.inf, np.inf, 0.0, -0.0, 1e-30, -1e-30]])
    x32 = x.astype(np.float32)
    x64 = x32.astype(np.float64)
    sig = K.activation_forward(x32, kind="sigmoid").astype(np.float64)
    with np.errstate(over="ignore"):
        sig_ref = 1 / (1 + np.exp(-x64))
    np.testing.assert_allclose(sig, sig_ref, rtol=3e-7, atol=1e-45)
    th = K.activation_forward(x32, kind="tanh").astype(np.float64)
    np.testing.assert_allclose(th, np.tanh(x64), rtol=3e-7, atol=1e-45)
    nan = K.activation_forward(np.array([np.nan], np.float32), kind="sigmoid")
    assert np.isnan(nan).all()
    assert np.isnan(K.activation_forward(np.array([np.nan], np.float32), kind="tanh")).all()
    assert np.isnan(K.activation_forward(np.array([np.nan], np.float32), kind="relu")).all()


def _cephes_tanhf(x):
    """csrc/nn_math.h's float32 tanh written in NumPy float32 arithmetic (every operation rounded to
    float32, no fused multiply-add), with the general exp: the exp's clamps to [-104, 89] and its 2^n
    applied in two halves, and no cap on 2|x|. The kernel caps 2|x| at 20 and uses a shorter exp."""
    f = np.float32
    with np.errstate(all="ignore"):
        ax = np.abs(x)
        y = np.clip(f(2) * ax, f(-104), f(89))
        t = y * f(1.44269504088896341) + f(12582912.0)
        n = t - f(12582912.0)
        r = y - n * f(0.693359375)
        r = r + n * f(2.12194440e-4)
        z = r * r
        p = f(1.9875691500e-4)
        for c in (1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1):
            p = p * r + f(c)
        e = p * z + r + f(1)
        ni = np.nan_to_num(n).astype(np.int32)
        n1 = (ni / 2).astype(np.int32)      # C's truncating division
        pow2 = lambda k: ((k + 127).astype(np.uint32) << 23).view(np.float32)  # noqa: E731
        e = e * pow2(n1) * pow2(ni - n1)
        big = f(1) - f(2) / (e + f(1))
        big = np.where(x < 0, -big, big)
        z = x * x
        q = f(-5.70498872745e-3)
        for c in (2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1):
            q = q * z + f(c)
        small = q * z * x + x
        return np.copysign(np.where(ax < f(0.625), small, big), x)


@pytest.mark.c_only
def test_float32_tanh_is_bit_identical_to_the_uncapped_cephes_form(rng):
    """Capping 2|x| at 20 and the shorter exp change no bit (also checked offline on every 7th float32
    bit pattern): 2^20 random bit patterns plus the region where the cap starts to act."""
    bits = rng.integers(0, 2 ** 32, 2 ** 20, dtype=np.uint64).astype(np.uint32)
    x = np.concatenate([bits.view(np.float32), np.linspace(-12, 12, 200001, dtype=np.float32),
                        np.float32([0.0, -0.0, 0.625, -0.625, 9.0, 10.0, np.inf, -np.inf])])
    x = x[~np.isnan(x)]
    got = K.activation_forward(x, kind="tanh")
    np.testing.assert_array_equal(got.view(np.uint32), _cephes_tanhf(x).view(np.uint32))


def test_float32_exp_accuracy_through_softmax():
    """softmax of [0, t]: p1 = exp(t) / (1 + exp(t)) exercises exp(t - max) over [-75, 0] (the gradient
    p / B stays a normal float32; sigmoid above covers the subnormal range)."""
    t = np.linspace(-75, 0, 20001).astype(np.float32)
    z = np.stack([np.zeros_like(t), t], axis=1)
    g = np.empty_like(z)
    K.softmax_cross_entropy(z, np.zeros(len(t), np.int64), g)
    p1 = g[:, 1] * len(t)
    expect = np.exp(t.astype(np.float64)) / (1 + np.exp(t.astype(np.float64)))
    np.testing.assert_allclose(p1, expect, rtol=2e-6, atol=0)


# ---- bias gradient ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (1, 1), (1, 5), (7, 3), (300, 130), (4096, 9)])
def test_bias_grad_matches_twin(dt, shape, rng):
    dy = rng.standard_normal(shape).astype(dt)
    db = rng.standard_normal(shape[1]).astype(dt)
    db_ref = db.copy()
    K.bias_grad(db, dy)
    ref.bias_grad(db_ref, dy)
    np.testing.assert_allclose(db, db_ref, rtol=1e-5 if dt == np.float32 else 1e-12, atol=1e-5)


# ---- losses -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape", [(0, 3), (1, 1), (1, 4), (5, 3), (64, 1000)])
@pytest.mark.parametrize("eps", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("ldt", [np.int64, np.int32])
def test_softmax_cross_entropy_matches_twin(dt, shape, eps, ldt, rng):
    B, C = shape
    z = (rng.standard_normal(shape) * 5).astype(dt)
    y = rng.integers(0, C, B).astype(ldt)
    g, gr = np.empty_like(z), np.empty_like(z)
    rl, rlr = np.empty(B, dt), np.empty(B, dt)
    loss = K.softmax_cross_entropy(z, y, g, rl, label_smoothing=eps)
    loss_r = ref.softmax_cross_entropy(z, y, gr, rlr, label_smoothing=eps)
    if B == 0:
        assert np.isnan(loss) and np.isnan(loss_r)
        return
    t = dict(rtol=2e-5, atol=1e-6) if dt == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(loss, loss_r, **t)
    np.testing.assert_allclose(g, gr, **t)
    np.testing.assert_allclose(rl, rlr, **t)
    assert K.softmax_cross_entropy(z, y, label_smoothing=eps) == loss   # forward only: same value


def test_softmax_cross_entropy_formula_and_stability():
    z = np.array([[1000.0, 0.0, -1000.0], [2.0, 1.0, 0.1]])
    y = np.array([0, 2])
    g = np.empty_like(z)
    loss = K.softmax_cross_entropy(z, y, g)
    lse1 = np.log(np.exp(2.0) + np.exp(1.0) + np.exp(0.1))
    np.testing.assert_allclose(loss, (0.0 + (lse1 - 0.1)) / 2, rtol=1e-14)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    onehot = np.eye(3)[y]
    np.testing.assert_allclose(g, (p - onehot) / 2, rtol=1e-13, atol=1e-300)
    # smoothing: target (1 - eps) onehot + eps / K, loss = -sum t log p
    eps = 0.2
    loss = K.softmax_cross_entropy(z[1:], y[1:], g[1:], label_smoothing=eps)
    t = (1 - eps) * onehot[1] + eps / 3
    np.testing.assert_allclose(loss, -(t * np.log(p[1])).sum(), rtol=1e-13)
    np.testing.assert_allclose(g[1], p[1] - t, rtol=1e-13)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 7, 5000, 70001])
def test_mse_and_bce_match_twins(dt, n, rng):
    o = rng.standard_normal(n).astype(dt) * 3
    t = rng.standard_normal(n).astype(dt)
    p = rng.random(n).astype(dt)
    for name, args in (("mse_loss", (o, t)), ("bce_with_logits", (o, p))):
        g, gr = np.empty_like(o), np.empty_like(o)
        v = getattr(K, name)(*args, g)
        vr = getattr(ref, name)(*args, gr)
        if n == 0:
            assert np.isnan(v) and np.isnan(vr)
            continue
        np.testing.assert_allclose(v, vr, rtol=1e-6 if dt == np.float32 else 1e-12)
        np.testing.assert_allclose(g, gr, **tol(dt))
        assert getattr(K, name)(*args) == v


def test_bce_is_stable_for_huge_logits():
    z = np.array([800.0, -800.0, 0.0])
    y = np.array([1.0, 0.0, 1.0])
    g = np.empty_like(z)
    loss = K.bce_with_logits(z, y, g)
    np.testing.assert_allclose(loss, np.log(2) / 3, rtol=1e-14)
    np.testing.assert_allclose(g, [0.0, 0.0, -0.5 / 3], atol=1e-300)
    z2 = np.array([800.0, -800.0])
    y2 = np.array([0.0, 1.0])                # confidently wrong: loss = |z|
    np.testing.assert_allclose(K.bce_with_logits(z2, y2), 800.0, rtol=1e-14)


# ---- batch normalization ------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape,training", [(s, t) for s in [(2, 1), (5, 3), (1, 4), (0, 3), (3, 0), (300, 130),
                                                                (4096, 9)]
                                              for t in (True, False) if not (t and s[0] < 2)])
def test_batchnorm_matches_twin(dt, shape, training, rng):
    """Training needs B >= 2 (see the bad-input table); eval takes any B, including 0 and 1."""
    B, D = shape
    x = (rng.standard_normal(shape) * 2 + 1).astype(dt)
    w, b = rng.standard_normal(D).astype(dt), rng.standard_normal(D).astype(dt)
    rm, rv = rng.standard_normal(D).astype(dt), rng.random(D).astype(dt) + 0.5
    outs = [np.empty_like(x), np.empty(D, dt), np.empty(D, dt), rm.copy(), rv.copy()]
    outs_r = [np.empty_like(x), np.empty(D, dt), np.empty(D, dt), rm.copy(), rv.copy()]
    K.batchnorm_forward(x, w, b, *outs, training=training, momentum=0.3, eps=1e-3)
    ref.batchnorm_forward(x, w, b, *outs_r, training=training, momentum=0.3, eps=1e-3)
    t = dict(rtol=1e-5, atol=1e-5) if dt == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for a, r in zip(outs, outs_r):
        np.testing.assert_allclose(a, r, **t)
    dy = rng.standard_normal(shape).astype(dt)
    gw, gb = rng.standard_normal(D).astype(dt), rng.standard_normal(D).astype(dt)
    res = [np.empty_like(x), gw.copy(), gb.copy()]
    res_r = [np.empty_like(x), gw.copy(), gb.copy()]
    K.batchnorm_backward(dy, x, w, outs[1], outs[2], *res, training=training)
    ref.batchnorm_backward(dy, x, w, outs[1], outs[2], *res_r, training=training)
    for a, r in zip(res, res_r):
        np.testing.assert_allclose(a, r, **t)


def test_batchnorm_formula():
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    w, b = np.array([2.0, 1.0]), np.array([0.5, -1.0])
    out, m, s = np.empty_like(x), np.empty(2), np.empty(2)
    rm, rv = np.zeros(2), np.ones(2)
    K.batchnorm_forward(x, w, b, out, m, s, rm, rv, training=True, momentum=0.1, eps=1e-5)
    mu, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(out, w * (x - mu) / np.sqrt(var + 1e-5) + b, rtol=1e-14)
    np.testing.assert_allclose(rm, 0.1 * mu, rtol=1e-14)
    np.testing.assert_allclose(rv, 0.9 + 0.1 * x.var(0, ddof=1), rtol=1e-14)


# ---- determinism across thread counts -----------------------------------------------------------------

@pytest.mark.c_only
def test_results_identical_for_any_thread_count(rng):
    z = rng.standard_normal((512, 300)).astype(np.float32)
    y = rng.integers(0, 300, 512)
    x = rng.standard_normal((512, 300)).astype(np.float32)

    def run():
        g = np.empty_like(z)
        loss = K.softmax_cross_entropy(z, y, g, label_smoothing=0.1)
        a = K.activation_forward(x, kind="tanh")
        db = np.zeros(300, np.float32)
        K.bias_grad(db, x)
        out, m, s = np.empty_like(x), np.empty(300, np.float32), np.empty(300, np.float32)
        K.batchnorm_forward(x, np.ones(300, np.float32), np.zeros(300, np.float32), out, m, s)
        dx = np.empty_like(x)
        K.batchnorm_backward(z, x, np.ones(300, np.float32), m, s, dx)
        mse = K.mse_loss(x, z)
        return loss, g, a, db, out, dx, mse

    same_bits_for_thread_counts(run, counts=(1, 2, 3))


# ---- bad inputs ---------------------------------------------------------------------------------------

def _f(*shape, dt=np.float64):
    return np.zeros(shape, dt)


def _ro(a):
    a.flags.writeable = False
    return a


_x = _f(4, 3)
_big = _f(10)
BAD = [
    # (kernel call, exception, message fragment)
    (lambda: K.activation_forward([1.0, 2.0]), TypeError, "numpy.ndarray"),
    (lambda: K.activation_forward(np.zeros(3, np.int64)), TypeError, "float32 or float64"),
    (lambda: K.activation_forward(_f(3), kind="softplus"), ValueError, "kind"),
    (lambda: K.activation_forward(_f(3), _f(4)), ValueError, "shape"),
    (lambda: K.activation_forward(_f(3), _f(3, dt=np.float32)), TypeError, "mixed dtypes"),
    (lambda: K.activation_forward(_f(3), _ro(_f(3))), ValueError, "read-only"),
    (lambda: K.activation_forward(_f(4, 4)[:, ::2].copy(), _f(4, 4)[:, ::2]), ValueError, "C-contiguous"),
    (lambda: K.activation_forward(_big[:8], _big[2:]), ValueError, "overlap"),
    (lambda: K.activation_forward(_f(3).astype(">f8")), TypeError, "byte order"),
    (lambda: K.activation_backward(_f(3), _f(4)), ValueError, "shape"),
    (lambda: K.activation_backward(_f(3), _f(3), _ro(_f(3))), ValueError, "read-only"),
    (lambda: K.bias_grad(_f(3), _f(3)), ValueError, "2-D"),
    (lambda: K.bias_grad(_f(4), _x), ValueError, r"shape \(3,\)"),
    (lambda: K.bias_grad(_ro(_f(3)), _x), ValueError, "read-only"),
    (lambda: K.bias_grad(_f(3, dt=np.float32), _x), TypeError, "mixed dtypes"),
    (lambda: K.softmax_cross_entropy(_x, np.array([0, 1, 3, 2])), ValueError, r"labels\[2\] = 3 is outside \[0, 3\)"),
    (lambda: K.softmax_cross_entropy(_x, np.array([0, -1, 0, 0])), ValueError, r"labels\[1\] = -1"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros(4)), TypeError, "int64 or int32"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros(4, np.uint8)), TypeError, "int64 or int32"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros(3, np.int64)), ValueError, r"shape \(4,\)"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros((4, 1), np.int64)), ValueError, "labels"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros(4, np.int64).astype(">i8")), TypeError, "byte order"),
    (lambda: K.softmax_cross_entropy(_f(4), np.zeros(4, np.int64)), ValueError, "2-D"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros(4, np.int64), _ro(_f(4, 3))), ValueError, "read-only"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros(4, np.int64), _x), ValueError, "share memory"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros(4, np.int64), None, _f(3)), ValueError, "row_loss"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros(4, np.int64), label_smoothing=1.5), ValueError,
     "label_smoothing"),
    (lambda: K.softmax_cross_entropy(_x, np.zeros(4, np.int64), label_smoothing=float("nan")), ValueError,
     "label_smoothing"),
    (lambda: K.mse_loss(_f(3), _f(4)), ValueError, "shape"),
    (lambda: K.mse_loss(_f(3), _f(3, dt=np.float32)), TypeError, "mixed"),
    (lambda: K.mse_loss(_f(3), _f(3), _ro(_f(3))), ValueError, "read-only"),
    (lambda: K.bce_with_logits(_f(3), _f(3), _ro(_f(3))), ValueError, "read-only"),
    (lambda: K.bce_with_logits(_big[:5], _f(5), _big[3:8]), ValueError, "share memory"),
    (lambda: K.batchnorm_forward(_f(1, 3), _f(3), _f(3), _f(1, 3), _f(3), _f(3)), ValueError, "more than 1"),
    (lambda: K.batchnorm_forward(_x, _f(3), _f(3), _f(4, 3), _f(3), _f(3), training=False), ValueError,
     "running_mean"),
    (lambda: K.batchnorm_forward(_x, _f(4), _f(3), _f(4, 3), _f(3), _f(3)), ValueError, "weight"),
    (lambda: K.batchnorm_forward(_x, _f(3), _f(3), _ro(_f(4, 3)), _f(3), _f(3)), ValueError, "read-only"),
    (lambda: K.batchnorm_forward(_x, _f(3), _f(3), _f(4, 3), _f(3), _f(3), eps=0.0), ValueError, "eps"),
    (lambda: K.batchnorm_forward(_x, _f(3), _f(3), _f(4, 3), _f(3), _f(3), momentum=2.0), ValueError, "momentum"),
    (lambda: K.batchnorm_forward(_x, _f(3), _f(3), _x, _f(3), _f(3)), ValueError, "share memory"),
    (lambda: K.batchnorm_forward(_x, _f(3), _f(3), _f(4, 3), _f(3), _f(3), _f(3)), ValueError, "together"),
    (lambda: K.batchnorm_backward(_x, _f(4, 4), _f(3), _f(3), _f(3)), ValueError, "shape"),
    (lambda: K.batchnorm_backward(_x, _x.copy(), _f(3), _f(3), _f(3), _ro(_f(4, 3))), ValueError, "read-only"),
    (lambda: K.batchnorm_backward(_x, _x.copy(), _f(3), _f(3), _f(3), None, _f(2)), ValueError, "grad_weight"),
]


@pytest.mark.c_only
@pytest.mark.parametrize("call,exc,msg", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_inputs_raise_clearly(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


def test_bad_label_leaves_outputs_untouched():
    z = np.zeros((3, 2))
    g = np.full((3, 2), 7.0)
    with pytest.raises(ValueError, match="labels"):
        K.softmax_cross_entropy(z, np.array([0, 1, 2]), g)
    assert (g == 7.0).all()


# ---- reference leaks (slow pass) ----------------------------------------------------------------------

@pytest.mark.slow
def test_wrappers_do_not_leak_references(rng):
    """Compare reference counts before and after a loop (never absolute counts), errors included."""
    z = rng.standard_normal((8, 5))
    y = rng.integers(0, 5, 8)
    g = np.empty_like(z)
    x = rng.standard_normal((8, 5))
    w, b = np.ones(5), np.zeros(5)
    out, m, s, rm, rv = np.empty_like(x), np.empty(5), np.empty(5), np.zeros(5), np.ones(5)
    bad_y = np.full(8, 9)
    arrays = [z, y, g, x, w, b, out, m, s, rm, rv, bad_y]

    def once():
        K.softmax_cross_entropy(z, y, g, label_smoothing=0.1)
        K.activation_backward(z, K.activation_forward(x, kind="tanh"), kind="tanh")
        K.activation_forward(x, out, kind="relu")
        K.bias_grad(b, x)
        K.mse_loss(x, z, g)
        K.bce_with_logits(x, z)
        K.batchnorm_forward(x, w, b, out, m, s, rm, rv)
        K.batchnorm_backward(z, x, w, m, s, g, w.copy(), b)
        for bad in (lambda: K.softmax_cross_entropy(z, bad_y), lambda: K.activation_forward(x, x[:, :2]),
                    lambda: K.batchnorm_forward(x, w, b, out, m, s, training=False)):
            try:
                bad()
            except (ValueError, TypeError):
                pass

    once()
    with refcounts_unchanged(*arrays):
        for _ in range(2000):
            once()
