"""The vectorized activations of csrc/vecmath.h, on both of its paths: the fused multiply-add path (taken
in this process when the CPU has AVX2 and FMA) and the portable path (PYOPTIM_NO_FMA=1, run in a
subprocess, since the switch is read once per process).

float64 tanh and sigmoid within their documented ulp bound of a high-precision reference (80-bit long
double on a wide sweep, 40-digit mpmath on a smaller one) over tails, +-0, subnormals, +-inf, NaN and the
saturation points; the float32 sigmoid bit-identical on the portable path to the Cephes-exp form it
replaces; every activation bit-identical at 1 and 2 threads on arrays of at least kernels.PAR_GRAIN
elements on both paths; the C kernels against their NumPy twins within the bound."""
import os
import subprocess
import sys

import numpy as np
import pytest

import pyoptim
from pyoptim import _reference as ref
from pyoptim import kernels as K

pytestmark = pytest.mark.c_only

ULP_BOUND = 3.0          # csrc/vecmath.h: po_vm_tanh, po_vm_sigmoid <= 3 ulp
LD = np.longdouble
HAVE_LD = np.finfo(LD).nmant >= 63   # x86 80-bit long double (a 64-bit mantissa)
PATHS = ["default", "portable"]


# ---- inputs (deterministic, shared with the subprocess) --------------------------------------------------

def _sweep():
    """Finite and special float64 inputs over the whole range of both functions."""
    rng = np.random.default_rng(7)
    mag = 10.0 ** rng.uniform(-320, 3, 60000)              # subnormal ... 1000
    return np.concatenate([
        mag * rng.choice([-1.0, 1.0], mag.size),
        np.linspace(-40, 40, 80001),
        np.linspace(-760, -700, 20001),                    # sigmoid: subnormal outputs and underflow
        np.linspace(17.5, 21.0, 35001),                    # tanh: where it reaches 1
        [0.625, -0.625, 19.06, 19.07, 20.0, -20.0, 36.7, 36.8, -36.8, 37.5, 708.39, -708.39, -708.4, -709.0,
         -744.4, -745.13, -745.14, -746.0, -750.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300,
         0.5 * np.log(3.0), np.log(2.0) / 2],
    ])


def _mp_points():
    rng = np.random.default_rng(11)
    return np.concatenate([rng.uniform(-1, 1, 1500) * 10.0 ** rng.uniform(-12, 2.9, 1500),
                           [0.3, -0.3, 0.6, 1.1, -1.1, 2.5, -7.0, 18.0, 19.5, -720.0, -745.0]])


def _specials(dt):
    tiny = np.finfo(dt).smallest_subnormal
    return np.array([0.0, -0.0, tiny, -tiny, np.inf, -np.inf, np.nan, 1e4, -1e4], dt)


def _f32_patterns():
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2 ** 32, 2 ** 20, dtype=np.uint64).astype(np.uint32)
    x = np.concatenate([bits.view(np.float32), np.linspace(-110, 110, 200001, dtype=np.float32),
                        np.float32([0.0, -0.0, 1e-45, -1e-45, 87.0, -87.0, 103.9, -103.9, -104.0, -104.1,
                                    np.inf, -np.inf])])
    return x[~np.isnan(x)]


def _big(dt):
    rng = np.random.default_rng(3)
    return (rng.standard_normal(2 * K.PAR_GRAIN + 12345) * 6).astype(dt)


def _inputs():
    """name -> (x, kind): every array the tests evaluate on both paths."""
    out = {"sweep_tanh": (_sweep(), "tanh"), "sweep_sigmoid": (_sweep(), "sigmoid"),
           "mp_tanh": (_mp_points(), "tanh"), "mp_sigmoid": (_mp_points(), "sigmoid"),
           "f32_sigmoid": (_f32_patterns(), "sigmoid")}
    for dt in (np.float32, np.float64):
        for kind in ("relu", "tanh", "sigmoid"):
            out[f"special_{kind}_{np.dtype(dt).name}"] = (_specials(dt), kind)
            out[f"big_{kind}_{np.dtype(dt).name}"] = (_big(dt), kind)
    return out


_CHILD = r"""
import sys, numpy as np, pyoptim
from pyoptim import kernels as K
d = np.load(sys.argv[1])
res = {}
for name in d.files:
    if name.endswith("__kind"):
        continue
    kind = str(d[name + "__kind"])
    for nt in (1, 2):
        pyoptim.set_num_threads(nt)
        y = K.activation_forward(d[name], kind=kind)
        res[f"{name}__{nt}"] = y
        res[f"{name}__bwd{nt}"] = K.activation_backward(np.ones_like(y), y, kind=kind)
np.savez(sys.argv[2], **res)
"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """path -> name -> (forward at 1 thread, at 2 threads, backward at 1, at 2)."""
    inputs = _inputs()
    tmp = tmp_path_factory.mktemp("vecmath")
    np.savez(tmp / "in.npz", **{k: v[0] for k, v in inputs.items()},
             **{k + "__kind": np.array(v[1]) for k, v in inputs.items()})
    env = dict(os.environ, PYOPTIM_NO_FMA="1", OMP_NUM_THREADS="2")
    root = os.path.dirname(os.path.dirname(os.path.abspath(pyoptim.__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    subprocess.run([sys.executable, "-c", _CHILD, str(tmp / "in.npz"), str(tmp / "out.npz")], env=env,
                   check=True, timeout=600)
    child = np.load(tmp / "out.npz")
    res = {"portable": {}, "default": {}}
    old = pyoptim.get_num_threads()
    try:
        for name, (x, kind) in inputs.items():
            res["portable"][name] = tuple(child[f"{name}__{s}"] for s in ("1", "2", "bwd1", "bwd2"))
            got = []
            for nt in (1, 2):
                pyoptim.set_num_threads(nt)
                y = K.activation_forward(x, kind=kind)
                got.append(y)
                got.append(K.activation_backward(np.ones_like(y), y, kind=kind))
            res["default"][name] = (got[0], got[2], got[1], got[3])
    finally:
        pyoptim.set_num_threads(old)
    return res


# ---- accuracy ------------------------------------------------------------------------------------------

def _ulp64(r):
    """The float64 ulp at the exact value r: 2^(e - 53) for |r| in [2^(e-1), 2^e), at least 2^-1074."""
    r = np.abs(np.asarray(r, LD))
    _, e = np.frexp(r)
    return np.maximum(np.ldexp(LD(1), e.astype(np.int64) - 53), LD(2.0) ** -1074)


def _ld_ref(x, kind):
    xl = x.astype(LD)
    with np.errstate(over="ignore", under="ignore"):
        return np.tanh(xl) if kind == "tanh" else LD(1) / (LD(1) + np.exp(-xl))


@pytest.mark.skipif(not HAVE_LD, reason="needs an 80-bit long double reference")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", ["tanh", "sigmoid"])
def test_float64_within_ulp_bound_of_long_double(outputs, path, kind):
    x, _ = _inputs()[f"sweep_{kind}"]
    got = outputs[path][f"sweep_{kind}"][0]
    r = _ld_ref(x, kind)
    err = np.abs(got.astype(LD) - r) / _ulp64(r)
    worst = int(np.argmax(err))
    assert err[worst] <= ULP_BOUND, (kind, x[worst], got[worst], r[worst], err[worst])
    # the twin (np.tanh / np.exp, glibc) sits inside the same bound, so the C-vs-twin comparison within
    # 2 * ULP_BOUND ulp is the right one
    twin = ref.activation_forward(x, kind=kind)
    assert (np.abs(twin.astype(LD) - r) / _ulp64(r)).max() <= ULP_BOUND
    assert (np.abs(got.astype(LD) - twin.astype(LD)) / _ulp64(r)).max() <= 2 * ULP_BOUND


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", ["tanh", "sigmoid"])
def test_float64_within_ulp_bound_of_mpmath(outputs, path, kind):
    mpmath = pytest.importorskip("mpmath")
    x = _mp_points()
    got = outputs[path][f"mp_{kind}"][0]
    with mpmath.workdps(40):
        f = mpmath.tanh if kind == "tanh" else (lambda v: 1 / (1 + mpmath.exp(-v)))
        for xi, gi in zip(x, got):
            r = f(mpmath.mpf(float(xi)))
            _, e = mpmath.frexp(r)
            ulp = max(mpmath.ldexp(1, int(e) - 53), mpmath.ldexp(1, -1074))
            assert abs(mpmath.mpf(float(gi)) - r) / ulp <= ULP_BOUND, (kind, xi, gi)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_special_values(outputs, path, dt):
    name = np.dtype(dt).name
    tiny = np.finfo(dt).smallest_subnormal
    th = outputs[path][f"special_tanh_{name}"][0]
    sg = outputs[path][f"special_sigmoid_{name}"][0]
    # inputs: 0, -0, tiny, -tiny, inf, -inf, nan, 1e4, -1e4
    # tanh: odd, keeps the sign of zero, tanh(x) = x for subnormal x, +-1 at +-inf and far out
    assert th[0] == 0 and not np.signbit(th[0]) and th[1] == 0 and np.signbit(th[1])
    assert th[2] == tiny and th[3] == -tiny
    np.testing.assert_array_equal(th[[4, 5, 7, 8]], dt([1, -1, 1, -1]))
    assert np.isnan(th[6])
    # sigmoid: 1/2 at +-0 and subnormals, 1 and 0 at +-inf and far out, NaN propagates
    np.testing.assert_array_equal(sg[[0, 1, 2, 3]], dt(0.5))
    np.testing.assert_array_equal(sg[[4, 5, 7, 8]], dt([1, 0, 1, 0]))
    assert np.isnan(sg[6])


@pytest.mark.parametrize("path", PATHS)
def test_float64_saturation_points(outputs, path):
    """tanh is exactly 1 wherever the correctly rounded value is (from 19.06 on; the kernel caps 2|x| at 40)
    and may reach 1 a little earlier, within the bound; sigmoid's tail goes through the subnormals to 0."""
    x, _ = _inputs()["sweep_tanh"]
    got = outputs[path]["sweep_tanh"][0]
    sel = (x >= 17.5) & (x <= 21.0)
    xs, gs = x[sel], got[sel]
    order = np.argsort(xs)
    xs, gs = xs[order], gs[order]
    expect = _ld_ref(xs, "tanh").astype(np.float64)
    assert (np.diff(gs) >= 0).all()                  # monotone
    assert (gs[expect == 1.0] == 1.0).all() and expect[-1] == 1.0
    assert (gs[xs < 18.0] < 1.0).all()
    x, _ = _inputs()["sweep_sigmoid"]
    s = outputs[path]["sweep_sigmoid"][0]
    sel = (x >= -760) & (x <= -700)
    xs, ss = x[sel], s[sel]
    order = np.argsort(xs)
    xs, ss = xs[order], ss[order]
    assert (np.diff(ss) >= 0).all()
    assert (ss[xs <= -745.14] == 0).all() and (ss[xs >= -745.13] > 0).all()
    assert ((ss > 0) & (ss < np.finfo(np.float64).tiny)).any()   # gradual underflow: subnormal outputs


# ---- float32 sigmoid -------------------------------------------------------------------------------------

def _cephes_sigmoidf(x):
    """csrc/nn_math.h's po_nn_sigmoidf in NumPy float32 arithmetic (each operation rounded to float32,
    no fused multiply-add): the Cephes exp of -|x| clamped at -104, 2^n in two halves, 1/(1+e) or
    e/(1+e). vecmath.h's po_vm_sigmoidf gives the same bits on its portable path."""
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


def test_float32_sigmoid_portable_bits_unchanged(outputs):
    x = _f32_patterns()
    got = outputs["portable"]["f32_sigmoid"][0]
    np.testing.assert_array_equal(got.view(np.uint32), _cephes_sigmoidf(x).view(np.uint32))


def test_float32_sigmoid_fused_path_within_bound(outputs):
    """Either path: within 3e-7 relative of the float64 value of the float32 input (1e-45 absolute for
    the subnormal outputs), and within 2 float32 ulp of the portable path."""
    x = _f32_patterns()
    got = outputs["default"]["f32_sigmoid"][0]
    x64 = x.astype(np.float64)
    with np.errstate(over="ignore"):
        expect = 1 / (1 + np.exp(-x64))
    np.testing.assert_allclose(got.astype(np.float64), expect, rtol=3e-7, atol=1e-45)
    port = outputs["portable"]["f32_sigmoid"][0]
    assert (np.abs(got.view(np.int32).astype(np.int64) - port.view(np.int32).astype(np.int64)) <= 2).all()


# ---- the switch, threads, twins ----------------------------------------------------------------------------

def _cpu_has_fma():
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((ln for ln in f if ln.startswith("flags")), "").split()
    except OSError:
        return None
    return "avx2" in flags and "fma" in flags


def test_the_switch_selects_a_different_path_on_fma_hardware(outputs):
    has = _cpu_has_fma()
    if has is None:
        pytest.skip("no /proc/cpuinfo")
    # the fused instance is not compiled into every build (-DPYOPTIM_NO_CLONES, the sanitizer build): the
    # core says whether its default path is the fused one; on FMA hardware that must agree with the CPU
    info = K.build_info()
    if info is None:
        pytest.skip("the NumPy backend has no fused path")
    fused_in_core = bool(info["fma"])
    assert fused_in_core <= has                     # never the fused path on a CPU without AVX2+FMA
    has = has and fused_in_core
    d = outputs["default"]["sweep_sigmoid"][0]
    p = outputs["portable"]["sweep_sigmoid"][0]
    assert (d.view(np.uint64) != p.view(np.uint64)).any() == has


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["relu", "tanh", "sigmoid"])
def test_bit_identical_at_1_and_2_threads(outputs, path, dt, kind):
    y1, y2, b1, b2 = outputs[path][f"big_{kind}_{np.dtype(dt).name}"]
    assert y1.size >= K.PAR_GRAIN
    np.testing.assert_array_equal(y1.view(np.uint8), y2.view(np.uint8))
    np.testing.assert_array_equal(b1.view(np.uint8), b2.view(np.uint8))
    # and the large array agrees with the NumPy twin within the bound
    x = _big(dt)
    twin = ref.activation_forward(x, kind=kind)
    if dt == np.float64:
        np.testing.assert_allclose(y1, twin, rtol=2 * ULP_BOUND * 2.0 ** -52, atol=0)
    else:
        np.testing.assert_allclose(y1, twin, rtol=3e-7, atol=1e-38)
    np.testing.assert_array_equal(b1, ref.activation_backward(np.ones_like(y1), y1, kind=kind))


def test_float64_backward_from_the_saved_output(rng):
    """The backward formulas against the exact derivative (long double), through the saved output."""
    x = rng.uniform(-6, 6, 5000)
    dy = rng.standard_normal(5000)
    xl = x.astype(LD)
    for kind, deriv in (("tanh", lambda v: 1 - np.tanh(v) ** 2),
                        ("sigmoid", lambda v: np.exp(-v) / (1 + np.exp(-v)) ** 2)):
        y = K.activation_forward(x, kind=kind)
        dx = K.activation_backward(dy, y, kind=kind)
        np.testing.assert_allclose(dx, (dy.astype(LD) * deriv(xl)).astype(np.float64), rtol=1e-9, atol=1e-15)
