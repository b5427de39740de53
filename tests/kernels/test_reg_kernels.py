"""Chapter 7 C kernels: the counter-based RNG, dropout, prox_l1, max-norm and ball projections.

Each kernel is compared with its NumPy twin in pyoptim._reference (bit-identical, float32 and float64),
checked against its written formula, for thread-count independence, and on a table of bad inputs.
"""
import math

import numpy as np
import pytest

from pyoptim import _reference as R
from pyoptim import kernels as K

import hostile
from conftest import DTYPES
from threads import same_bits_for_thread_counts

KERNELS = ["dropout_forward", "dropout_backward", "dropout_mask", "rng_uniform", "prox_l1", "max_norm",
           "l2_ball_project", "l1_ball_project"]
SIZES = [0, 1, 7, 4095, 4096, 4097, 20000]


# ---- the random stream -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_rng_uniform_matches_twin(dtype, n):
    a = np.empty(n, dtype)
    b = np.empty(n, dtype)
    K.rng_uniform(a, 123, 9)
    R.rng_uniform(b, 123, 9)
    np.testing.assert_array_equal(a, b)
    if n:
        assert a.min() >= 0 and a.max() < 1


def test_rng_uniform_statistics_and_independence():
    n = 1 << 20
    u = np.empty(n, np.float64)
    K.rng_uniform(u, 2024, 0)
    # mean and variance of U(0,1): 1/2 and 1/12, within 6 standard errors
    assert abs(u.mean() - 0.5) < 6 * math.sqrt(1 / 12 / n)
    assert abs(u.var() - 1 / 12) < 6 * math.sqrt(1 / 180 / n)
    # histogram of 64 bins: chi-square far below a generous bound (df=63, mean 63, sd ~11)
    hist = np.bincount((u * 64).astype(int), minlength=64)
    chi2 = ((hist - n / 64) ** 2 / (n / 64)).sum()
    assert chi2 < 63 + 8 * math.sqrt(2 * 63)
    # adjacent draws and draws of two different counters are uncorrelated
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 6 / math.sqrt(n)
    v = np.empty(n, np.float64)
    K.rng_uniform(v, 2024, 1)
    assert abs(np.corrcoef(u, v)[0, 1]) < 6 / math.sqrt(n)
    w = np.empty(n, np.float64)
    K.rng_uniform(w, 2025, 0)
    assert abs(np.corrcoef(u, w)[0, 1]) < 6 / math.sqrt(n)


def test_rng_prefix_property():
    """The stream depends on (seed, counter) only: a shorter output is a prefix of a longer one."""
    a = np.empty(10000, np.float32)
    b = np.empty(5000, np.float32)
    K.rng_uniform(a, 5, 5)
    K.rng_uniform(b, 5, 5)
    np.testing.assert_array_equal(a[:5000], b)


# ---- dropout -------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_dropout_forward_backward_mask_match_twins(dtype, n, p, rng):
    x = rng.standard_normal(n).astype(dtype)
    for inverted in (True, False):
        a, b = np.empty_like(x), np.empty_like(x)
        K.dropout_forward(x, a, p, 77, 3, inverted=inverted)
        R.dropout_forward(x, b, p, 77, 3, inverted=inverted)
        np.testing.assert_array_equal(a, b)
        ga, gb = np.empty_like(x), np.empty_like(x)
        K.dropout_backward(x, ga, p, 77, 3, inverted=inverted)
        R.dropout_backward(x, gb, p, 77, 3, inverted=inverted)
        np.testing.assert_array_equal(ga, gb)
    m1, m2 = np.empty_like(x), np.empty_like(x)
    K.dropout_mask(m1, p, 77, 3)
    R.dropout_mask(m2, p, 77, 3)
    np.testing.assert_array_equal(m1, m2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_formula(dtype, rng):
    """out = x * m / (1 - p) with m the 0/1 mask of the same (seed, counter); backward applies the same mask."""
    n, p = 10007, 0.3
    x = rng.standard_normal(n).astype(dtype)
    m = np.empty_like(x)
    K.dropout_mask(m, p, 11, 4)
    out = np.empty_like(x)
    K.dropout_forward(x, out, p, 11, 4)
    scale = dtype(1 / (1 - p))
    np.testing.assert_array_equal(out, x * (m * scale))
    g = rng.standard_normal(n).astype(dtype)
    gi = np.empty_like(g)
    K.dropout_backward(g, gi, p, 11, 4)
    np.testing.assert_array_equal(gi, g * (m * scale))
    out2 = np.empty_like(x)
    K.dropout_forward(x, out2, p, 11, 4, inverted=False)
    np.testing.assert_array_equal(out2, x * m)


@pytest.mark.c_only
def test_dropout_aliasing_refused_and_shapes(rng):
    x = rng.standard_normal((64, 33)).astype(np.float32)
    with pytest.raises(ValueError, match="share memory"):
        K.dropout_forward(x, x, 0.5, 1, 2)          # the team contract: outputs never alias inputs
    z = np.array(3.0)                             # 0-d works
    o = np.empty_like(z)
    K.dropout_forward(z, o, 0.0, 1, 2)
    assert o == 3.0
    with pytest.raises(FloatingPointError):
        K.l1_ball_project(np.array([np.nan, 1.0]), radius=1.0)
    big = np.array([1e300, -2.0, 1.7976931348623157e308])   # finite, but the L1 norm overflows: fine
    b2 = big.copy()
    K.l1_ball_project(big, radius=1.0)
    R.l1_ball_project(b2, radius=1.0)
    np.testing.assert_array_equal(big, b2)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keep_rate_within_binomial_bounds(p):
    n = 2_000_003
    m = np.empty(n, np.float32)
    K.dropout_mask(m, p, 99, 0)
    kept = m.sum(dtype=np.float64)
    mean, sd = n * (1 - p), math.sqrt(n * p * (1 - p))
    assert abs(kept - mean) < 5 * sd
    # and per block of 4096 (the unit of seeding): the block counts have the binomial spread
    blocks = m[: (n // 4096) * 4096].reshape(-1, 4096).sum(axis=1)
    bsd = math.sqrt(4096 * p * (1 - p))
    assert abs(blocks.std() / bsd - 1) < 0.15


def test_dropout_same_seed_same_mask_different_counter_different_mask():
    a, b, c, d = (np.empty(50000, np.float64) for _ in range(4))
    K.dropout_mask(a, 0.5, 1, 0)
    K.dropout_mask(b, 0.5, 1, 0)
    K.dropout_mask(c, 0.5, 1, 1)
    K.dropout_mask(d, 0.5, 2, 0)
    np.testing.assert_array_equal(a, b)
    assert 0.4 < (a != c).mean() < 0.6
    assert 0.4 < (a != d).mean() < 0.6


@pytest.mark.c_only
def test_dropout_thread_count_independence():
    n = 1_500_001
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)

    def run():
        o = np.empty_like(x)
        K.dropout_forward(x, o, 0.37, 2**63 + 5, 12345)
        u = np.empty(n, np.float64)
        K.rng_uniform(u, 8, 9)
        return o, u

    same_bits_for_thread_counts(run)


def test_dropout_p_edges(rng):
    x = rng.standard_normal(5000)
    o = np.empty_like(x)
    K.dropout_forward(x, o, 0.0, 1, 0)
    np.testing.assert_array_equal(o, x)
    K.dropout_forward(x, o, 1.0, 1, 0)
    assert not o.any()
    K.dropout_forward(x, o, 5e-324, 1, 0)   # 1 - p rounds to 1: keep all
    np.testing.assert_array_equal(o, x)


def _reg_valid(name):
    """One valid call of each chapter-7 kernel, as argument name -> value (what the hostile-input
    generator mutates): float64 (3, 4) arrays, hyperparameters inside their ranges."""
    x = np.arange(12, dtype=np.float64).reshape(3, 4) - 5.5
    return {
        "dropout_forward": dict(x=x, out=np.zeros_like(x), p=0.5, seed=1, counter=0),
        "dropout_backward": dict(grad_output=x, grad_input=np.zeros_like(x), p=0.5, seed=1, counter=0),
        "dropout_mask": dict(out=np.zeros_like(x), p=0.5, seed=1, counter=0),
        "rng_uniform": dict(out=np.zeros_like(x), seed=1, counter=0),
        "prox_l1": dict(param=x, threshold=0.7),
        "max_norm": dict(param=x, max_value=3.0, axis=0),
        "l2_ball_project": dict(param=x, radius=3.0),
        "l1_ball_project": dict(param=x, radius=5.0),
    }[name]


@pytest.mark.c_only
@pytest.mark.parametrize("name,case", list(hostile.params(KERNELS, _reg_valid)))
def test_bad_inputs_raise_naming_the_argument(name, case):
    """A wrong dtype, byte order, layout, alignment or shape, a list, None, a read-only output, aliased
    or overlapping arrays, a bad p/seed/counter/threshold/radius: TypeError/ValueError naming the argument
    and saying what is wrong, nothing written; a variant that is still valid matches the twin bit for bit."""
    hostile.run_param(name, case, _reg_valid)


# what the generator does not make: a seed or counter past 64 bits, a float seed, a missing argument,
# an axis just past the array's dimensions
BAD_REG = [
    (lambda x, o: K.dropout_forward(x, o, 0.5, 1, 2**64), ValueError, "invalid counter"),
    (lambda x, o: K.dropout_forward(x, o, 0.5, 2**64, 0), ValueError, "invalid seed"),
    (lambda x, o: K.dropout_forward(x, o, 0.5, 1.5, 0), TypeError, "'seed' must be an integer"),
    (lambda x, o: K.rng_uniform(o, 1, 2**64), ValueError, "invalid counter"),
    (lambda x, o: K.prox_l1(o), TypeError, "threshold"),
    (lambda x, o: K.l1_ball_project(o), TypeError, "radius"),
    (lambda x, o: K.max_norm(o.reshape(2, 5), max_value=1.0, axis=2), ValueError, "invalid axis"),
    (lambda x, o: K.max_norm(o.reshape(2, 5), max_value=1.0, axis=-3), ValueError, "invalid axis"),
]


@pytest.mark.c_only
@pytest.mark.parametrize("call,exc,msg", BAD_REG)
def test_reg_bad_arguments(call, exc, msg):
    x = np.arange(10, dtype=np.float64)
    o = np.empty_like(x)
    with pytest.raises(exc, match=msg):
        call(x, o)


def test_read_only_output_refused():
    """Under either backend (the hostile-input table above is the C core's contract; this is the twins' too)."""
    x = np.ones(4)
    o = np.empty(4)
    o.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        K.dropout_forward(x, o, 0.5, 1, 0)
    with pytest.raises(ValueError, match="read-only"):
        K.prox_l1(o, threshold=0.1)


# ---- prox_l1, max_norm, balls ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_prox_and_balls_match_twins(dtype, n, rng):
    x = (rng.standard_normal(n) * 2).astype(dtype)
    for name, kw in (("prox_l1", {"threshold": 0.7}), ("l2_ball_project", {"radius": 3.0}),
                     ("l1_ball_project", {"radius": 5.0})):
        a, b = x.copy(), x.copy()
        getattr(K, name)(a, **kw)
        getattr(R, name)(b, **kw)
        np.testing.assert_array_equal(a, b, err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
def test_prox_l1_formula(dtype):
    w = np.array([-3.0, -0.5, -0.2, 0.0, 0.2, 0.5, 3.0, np.nan], dtype)
    K.prox_l1(w, threshold=0.5)
    np.testing.assert_array_equal(w[:7], np.array([-2.5, 0, 0, 0, 0, 0, 2.5], dtype))
    assert np.isnan(w[7])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [((30, 700), 0), ((30, 700), 1), ((5, 6, 7), 1), ((5, 6, 7), -1),
                                         ((4,), 0), ((300, 300), 0), ((0, 5), 0)])
def test_max_norm_matches_twin_bound_and_untouched(dtype, shape, axis, rng):
    w = (rng.standard_normal(shape) * rng.uniform(0.2, 2.0, size=shape[-1:])).astype(dtype)
    a, b = w.copy(), w.copy()
    ca = K.max_norm(a, max_value=3.0, axis=axis)
    cb = R.max_norm(b, max_value=3.0, axis=axis)
    np.testing.assert_array_equal(a, b)
    assert ca == cb
    norms_before = np.sqrt((w.astype(np.float64) ** 2).sum(axis=axis, keepdims=True))
    norms_after = np.sqrt((a.astype(np.float64) ** 2).sum(axis=axis, keepdims=True))
    tol = 1e-6 if dtype == np.float32 else 1e-14     # the bound holds up to the rounding of the rescale
    assert np.all(norms_after <= 3.0 * (1 + tol))
    under = np.broadcast_to(norms_before <= 3.0, w.shape)
    np.testing.assert_array_equal(a[under], w[under])     # bit-identical below the bound
    over = np.broadcast_to(norms_before > 3.0, w.shape)
    assert ca == int((norms_before > 3.0).sum())
    if over.any():
        np.testing.assert_allclose(norms_after[norms_before > 3.0], 3.0, rtol=1e-5)


@pytest.mark.c_only
def test_max_norm_thread_independent():
    w = np.random.default_rng(3).standard_normal((200, 1000)).astype(np.float32)

    def run():
        a = w.copy()
        return K.max_norm(a, max_value=10.0, axis=0), a

    same_bits_for_thread_counts(run)


@pytest.mark.parametrize("dtype", DTYPES)
def test_l1_ball_projection_is_the_euclidean_projection(dtype, rng):
    """The result has L1 norm = radius and solves min ||z - w||² s.t. ||z||₁ <= r (checked by KKT:
    z = soft-threshold of w with one theta, which the L1 norm pins down)."""
    w = rng.standard_normal(200).astype(dtype)
    r = 4.0
    z = w.copy()
    K.l1_ball_project(z, radius=r)
    assert abs(np.abs(z.astype(np.float64)).sum() - r) < 1e-4 * r
    nz = z != 0
    theta = np.abs(w[nz]) - np.abs(z[nz])
    np.testing.assert_allclose(theta, theta.mean(), atol=1e-5)          # a single threshold
    assert np.all(np.abs(w[~nz]) <= theta.mean() + 1e-5)                # zeros are exactly the small ones
    assert np.all(np.sign(z[nz]) == np.sign(w[nz]))
    # inside the ball: untouched
    small = (w * 0.001).astype(dtype)
    s2 = small.copy()
    K.l1_ball_project(s2, radius=r)
    np.testing.assert_array_equal(s2, small)
    with pytest.raises(FloatingPointError):
        K.l1_ball_project(np.array([np.inf, 1.0], dtype), radius=1.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_l2_ball(dtype, rng):
    w = rng.standard_normal(50000).astype(dtype)
    a = w.copy()
    K.l2_ball_project(a, radius=10.0)
    assert np.linalg.norm(a.astype(np.float64)) == pytest.approx(10.0, rel=1e-6)
    np.testing.assert_allclose(a, w * (10.0 / np.linalg.norm(w.astype(np.float64))), rtol=1e-6)
    b = (w / 1000).astype(dtype)
    c = b.copy()
    K.l2_ball_project(c, radius=10.0)
    np.testing.assert_array_equal(b, c)


@pytest.mark.slow
def test_fuzz_kernels_against_twins():
    """Random sizes, probabilities, seeds, counters, thresholds and shapes: kernels == twins, bit for bit."""
    hyp = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")

    @hyp.settings(max_examples=150, deadline=None)
    @hyp.given(n=st.integers(0, 9000), p=st.floats(0, 1), seed=st.integers(0, 2**64 - 1),
               counter=st.integers(0, 2**64 - 1), t=st.floats(0, 3), f32=st.booleans(),
               rows=st.integers(1, 40), axis=st.sampled_from([0, 1, -1]))
    def check(n, p, seed, counter, t, f32, rows, axis):
        dt = np.float32 if f32 else np.float64
        x = np.random.default_rng(seed % 1000).standard_normal(n).astype(dt)
        a, b = np.empty_like(x), np.empty_like(x)
        K.dropout_forward(x, a, p, seed, counter)
        R.dropout_forward(x, b, p, seed, counter)
        np.testing.assert_array_equal(a, b)
        a, b = x.copy(), x.copy()
        K.prox_l1(a, threshold=t)
        R.prox_l1(b, threshold=t)
        np.testing.assert_array_equal(a, b)
        a, b = x.copy(), x.copy()
        K.l1_ball_project(a, radius=t)
        R.l1_ball_project(b, radius=t)
        np.testing.assert_array_equal(a, b)
        W = x[: (n // rows) * rows].reshape(rows, -1)
        a, b = W.copy(), W.copy()
        assert K.max_norm(a, max_value=t, axis=axis) == R.max_norm(b, max_value=t, axis=axis)
        np.testing.assert_array_equal(a, b)
    check()
