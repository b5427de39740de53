"""The vectorized activations of csrc/vecmath.h: float64 tanh and sigmoid within their documented ulp bound
of a high-precision reference (80-bit long double on a wide sweep, 40-digit mpmath on a smaller one) over
tails, +-0, subnormals, +-inf, NaN and the saturation points; the float32 sigmoid bit-identical to the
Cephes-exp form it replaces; and every activation bit-identical at 1 and 2 threads on arrays of at least
kernels.PAR_GRAIN elements."""
import numpy as np
import pytest

import pyoptim
from pyoptim import _reference as ref
from pyoptim import kernels as K

pytestmark = pytest.mark.c_only

ULP_BOUND = 3.0          # csrc/vecmath.h: po_vm_tanh, po_vm_sigmoid <= 3 ulp
LD = np.longdouble
HAVE_LD = np.finfo(LD).nmant >= 63   # x86 80-bit long double (a 64-bit mantissa)


def _ulp64(r):
    """The float64 ulp at the exact value r (a long double or mpmath number's float): 2^(e - 53) for
    |r| in [2^(e-1), 2^e), never below the subnormal spacing 2^-1074."""
    r = np.abs(np.asarray(r, LD))
    _, e = np.frexp(r)
    u = np.ldexp(LD(1), e.astype(np.int64) - 53)
    return np.maximum(u, LD(2.0) ** -1074)


def _sweep():
    """Finite float64 inputs over the whole range of both functions, with the special points."""
    rng = np.random.default_rng(7)
    mag = 10.0 ** rng.uniform(-320, 3, 60000)              # subnormal ... 1000
    x = np.concatenate([
        mag * rng.choice([-1.0, 1.0], mag.size),
        np.linspace(-40, 40, 80001),
        np.linspace(-760, -700, 20001),                    # sigmoid: subnormal outputs and underflow
        [0.625, -0.625, 19.06, 19.07, 20.0, -20.0, 36.7, 36.8, -36.8, 37.5, 708.39, -708.39, -708.4, -709.0,
         -744.4, -745.13, -745.14, -746.0, -750.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300,
         np.nextafter(0.0, 1.0), 0.5 * np.log(3.0), np.log(2.0) / 2],
    ])
    return x


@pytest.mark.skipif(not HAVE_LD, reason="needs an 80-bit long double reference")
@pytest.mark.parametrize("kind", ["tanh", "sigmoid"])
def test_float64_within_ulp_bound_of_long_double(kind):
    x = _sweep()
    got = K.activation_forward(x, kind=kind)
    xl = x.astype(LD)
    with np.errstate(over="ignore", under="ignore"):
        r = np.tanh(xl) if kind == "tanh" else LD(1) / (LD(1) + np.exp(-xl))
    err = np.abs(got.astype(LD) - r) / _ulp64(r)
    worst = int(np.argmax(err))
    assert err[worst] <= ULP_BOUND, (kind, x[worst], got[worst], r[worst], err[worst])
    # and the twin (np.tanh / np.exp, glibc) sits inside the same bound of the reference, so comparing the
    # kernel with its twin within 2 * ULP_BOUND is the right C-vs-twin test
    twin = ref.activation_forward(x, kind=kind)
    errt = np.abs(twin.astype(LD) - r) / _ulp64(r)
    assert errt.max() <= ULP_BOUND
    assert (np.abs(got.astype(LD) - twin.astype(LD)) / _ulp64(r)).max() <= 2 * ULP_BOUND


@pytest.mark.parametrize("kind", ["tanh", "sigmoid"])
def test_float64_within_ulp_bound_of_mpmath(kind):
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-1, 1, 1500) * 10.0 ** rng.uniform(-12, 2.9, 1500),
                        [0.3, -0.3, 0.6, 1.1, -1.1, 2.5, -7.0, 18.0, 19.5, -720.0, -745.0]])
    got = K.activation_forward(x, kind=kind)
    with mpmath.workdps(40):
        f = mpmath.tanh if kind == "tanh" else (lambda v: 1 / (1 + mpmath.exp(-v)))
        for xi, gi in zip(x, got):
            r = f(mpmath.mpf(float(xi)))
            m, e = mpmath.frexp(r)
            ulp = max(mpmath.ldexp(1, int(e) - 53), mpmath.ldexp(1, -1074))
            assert abs(mpmath.mpf(float(gi)) - r) / ulp <= ULP_BOUND, (kind, xi, gi)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_special_values(dt):
    tiny = np.finfo(dt).smallest_subnormal
    x = np.array([0.0, -0.0, tiny, -tiny, np.inf, -np.inf, np.nan, 1e4, -1e4], dt)
    th = K.activation_forward(x, kind="tanh")
    sg = K.activation_forward(x, kind="sigmoid")
    # tanh: odd, keeps the sign of zero, tanh(x) = x for subnormal x, +-1 at +-inf and far out
    assert np.signbit(th[0]) == 0 and th[0] == 0 and np.signbit(th[1]) == 1 and th[1] == 0
    assert th[2] == tiny and th[3] == -tiny
    np.testing.assert_array_equal(th[[4, 5, 7, 8]], dt([1, -1, 1, -1]))
    assert np.isnan(th[6])
    # sigmoid: 1/2 at +-0 and subnormals, 1 and 0 at +-inf and far out, NaN propagates
    np.testing.assert_array_equal(sg[[0, 1, 2, 3]], dt(0.5))
    np.testing.assert_array_equal(sg[[4, 5, 7, 8]], dt([1, 0, 1, 0]))
    assert np.isnan(sg[6])


def test_float64_saturation_points():
    """tanh reaches 1 exactly where the correctly rounded value does (near 19.06; the kernel caps 2|x| at
    40, beyond which tanh is 1 anyway) and sigmoid's tail goes through the subnormals to 0 at -745.14."""
    x = np.linspace(17.5, 21.0, 35001)
    got = K.activation_forward(x, kind="tanh")
    with np.errstate(all="ignore"):
        expect = np.tanh(x.astype(LD)).astype(np.float64)
    # monotone, within the bound of the reference there, and exactly 1 from where the reference is 1 (19.06;
    # the kernel may reach 1 a little earlier, where 1 is within the bound: 1 - tanh(18.5) = 1.7e-16)
    assert (np.diff(got) >= 0).all()
    assert (np.abs(got - expect) <= ULP_BOUND * 2.0 ** -53).all()
    assert (got[expect == 1.0] == 1.0).all() and expect[-1] == 1.0
    assert (got[x < 18.0] < 1.0).all() if (x < 18.0).any() else True
    assert K.activation_forward(np.array([18.0, 19.1, 20.0, 40.0, 1e300]), kind="tanh").tolist() == [
        float(np.tanh(LD(18.0))), 1.0, 1.0, 1.0, 1.0]
    xs = np.linspace(-746.0, -700.0, 46001)
    s = K.activation_forward(xs, kind="sigmoid")
    assert (np.diff(s) >= 0).all()
    assert s[0] == 0.0 and s[-1] > 0
    sub = (s > 0) & (s < np.finfo(np.float64).tiny)
    assert sub.any()                                 # gradual underflow: subnormal outputs exist
    assert K.activation_forward(np.array([-745.2, -745.0]), kind="sigmoid").tolist()[0] == 0.0


def _cephes_sigmoidf(x):
    """csrc/nn_math.h's po_nn_sigmoidf in NumPy float32 arithmetic (each operation rounded to float32,
    no fused multiply-add): the Cephes exp of -|x| clamped at -104, 2^n in two halves, 1/(1+e) or
    e/(1+e). The kernel now uses vecmath.h's po_vm_sigmoidf, which should give the same bits."""
    f = np.float32
    with np.errstate(all="ignore"):
        y = -np.abs(x)
        y = np.where(y < f(-104), f(-104), y)
        y = np.where(np.isnan(y), f(0), y)
        t = y * f(1.44269504088896341) + f(12582912.0)
        n = t - f(12582912.0)
        r = y - n * f(0.693359375)
        r = r + n * f(2.12194440e-4)
        z = r * r
        p = f(1.9875691500e-4)
        for c in (1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1):
            p = p * r + f(c)
        m = p * z + r + f(1)
        ni = n.astype(np.int32)
        n1 = (ni / 2).astype(np.int32)                 # C's truncating division
        pow2 = lambda k: ((k + 127).astype(np.uint32) << 23).view(np.float32)  # noqa: E731
        e = m * pow2(n1) * pow2(ni - n1)
        q = f(1) / (f(1) + e)
        s = np.where(x >= 0, q, e * q)
        return np.where(np.isnan(x), x, s).astype(np.float32)


def test_float32_sigmoid_bits_unchanged(rng):
    bits = rng.integers(0, 2 ** 32, 2 ** 20, dtype=np.uint64).astype(np.uint32)
    x = np.concatenate([bits.view(np.float32), np.linspace(-110, 110, 200001, dtype=np.float32),
                        np.float32([0.0, -0.0, 1e-45, -1e-45, 87.0, -87.0, 103.9, -103.9, -104.0, -104.1,
                                    np.inf, -np.inf])])
    x = x[~np.isnan(x)]
    got = K.activation_forward(x, kind="sigmoid")
    np.testing.assert_array_equal(got.view(np.uint32), _cephes_sigmoidf(x).view(np.uint32))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["relu", "tanh", "sigmoid"])
def test_activations_bit_identical_at_1_and_2_threads(dt, kind, rng):
    n = 2 * K.PAR_GRAIN + 12345
    x = (rng.standard_normal(n) * 6).astype(dt)
    dy = rng.standard_normal(n).astype(dt)
    old = pyoptim.get_num_threads()
    runs = []
    try:
        for nt in (1, 2):
            pyoptim.set_num_threads(nt)
            y = K.activation_forward(x, kind=kind)
            runs.append((y, K.activation_backward(dy, y, kind=kind)))
    finally:
        pyoptim.set_num_threads(old)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))
    # the large array also agrees with the twin within the bound
    twin = ref.activation_forward(x, kind=kind)
    if dt == np.float64:
        np.testing.assert_allclose(runs[0][0], twin, rtol=2 * ULP_BOUND * 2.0 ** -52, atol=0)
    else:
        np.testing.assert_allclose(runs[0][0], twin, rtol=3e-7, atol=1e-38)


def test_float64_backward_uses_the_saved_output(rng):
    """The backward formulas against the forward's exact derivative (long double), through the saved output."""
    x = rng.uniform(-6, 6, 5000)
    dy = rng.standard_normal(5000)
    xl = x.astype(LD)
    for kind, deriv in (("tanh", lambda v: 1 - np.tanh(v) ** 2),
                        ("sigmoid", lambda v: np.exp(-v) / (1 + np.exp(-v)) ** 2)):
        y = K.activation_forward(x, kind=kind)
        dx = K.activation_backward(dy, y, kind=kind)
        np.testing.assert_allclose(dx, (dy.astype(LD) * deriv(xl)).astype(np.float64), rtol=1e-9, atol=1e-15)
