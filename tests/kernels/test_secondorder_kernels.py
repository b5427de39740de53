"""The second-order C kernels against their NumPy twins (pyoptim._reference), float32 and float64,
and the line search's contract (Wolfe conditions, NaN trial points, errors from fun)."""
import gc

import numpy as np
import pytest

from pyoptim import _reference as ref
from pyoptim import kernels as K
from refcount import refcounts_unchanged
from threads import same_bits_for_thread_counts

DTYPES = [np.float32, np.float64]


def tol(dt):
    return dict(rtol=2e-4, atol=2e-5) if dt == np.float32 else dict(rtol=1e-11, atol=1e-12)


def atol(dt):
    t = tol(dt)
    return dict(rel=t["rtol"], abs=t["atol"])


def spd(n, rng, dt, cond=10.0):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (Q * np.geomspace(1, cond, n)) @ Q.T
    return np.ascontiguousarray((A + A.T) / 2, dtype=dt)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("count", [0, 1, 3, 5])
def test_lbfgs_two_loop_matches_twin_and_inverse_bfgs(dt, count, rng):
    n, m = 7, 5
    s = rng.standard_normal((m, n)).astype(dt)
    y = (s @ spd(n, rng, np.float64)).astype(dt)            # y = A s: pairs from a convex quadratic
    rho = (1.0 / np.einsum("ij,ij->i", s.astype(np.float64), y)).astype(dt)
    g = rng.standard_normal(n).astype(dt)
    newest = 2
    gamma = 0.7
    d1, d2 = np.empty(n, dt), np.empty(n, dt)
    K.lbfgs_two_loop(d1, g, s, y, rho, newest=newest, count=count, gamma=gamma)
    ref.lbfgs_two_loop(d2, g, s, y, rho, newest=newest, count=count, gamma=gamma)
    np.testing.assert_allclose(d1, d2, **tol(dt))
    if dt == np.float64:
        # the same direction from the explicit BFGS recursion H <- V'HV + rho s s', oldest pair first
        H = gamma * np.eye(n)
        for k in reversed(range(count)):
            j = (newest - k) % m
            V = np.eye(n) - rho[j] * np.outer(y[j], s[j])
            H = V.T @ H @ V + rho[j] * np.outer(s[j], s[j])
        np.testing.assert_allclose(d1, -H @ g, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dt", DTYPES)
def test_bfgs_update_matches_twin_and_secant_equation(dt, rng):
    n = 6
    H1 = spd(n, rng, dt)
    H2 = H1.copy()
    s = rng.standard_normal(n).astype(dt)
    y = (spd(n, rng, np.float64) @ s).astype(dt)
    assert K.bfgs_update(H1, s, y) is True
    assert ref.bfgs_update(H2, s, y) is True
    np.testing.assert_allclose(H1, H2, **tol(dt))
    np.testing.assert_allclose(H1 @ y, s, **tol(dt))                # secant: H_{k+1} y = s
    # negative curvature: skipped, H unchanged
    H3 = H1.copy()
    assert K.bfgs_update(H3, s, -y) is False and ref.bfgs_update(H1.copy(), s, -y) is False
    np.testing.assert_array_equal(H3, H1)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shift", [0.0, 0.5])
def test_cholesky_solve_matches_twin(dt, shift, rng):
    n = 9
    A = spd(n, rng, dt, cond=50)
    b = rng.standard_normal(n).astype(dt)
    x1, x2 = np.empty(n, dt), np.empty(n, dt)
    K.cholesky_solve(x1, A, b, shift=shift)
    ref.cholesky_solve(x2, A, b, shift=shift)
    np.testing.assert_allclose(x1, x2, **tol(dt))
    np.testing.assert_allclose((A + shift * np.eye(n)) @ x1, b, rtol=1e-3 if dt == np.float32 else 1e-10,
                               atol=1e-3 if dt == np.float32 else 1e-10)


def test_cholesky_solve_refuses_an_indefinite_matrix():
    A = np.diag([1.0, -1.0])
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        K.cholesky_solve(np.empty(2), A, np.ones(2))
    K.cholesky_solve(np.empty(2), A, np.ones(2), shift=2.0)   # damping makes it definite


@pytest.mark.parametrize("dt", DTYPES)
def test_sym_eig_matches_twin(dt, rng):
    n = 8
    B = rng.standard_normal((n, n))
    A = np.ascontiguousarray((B + B.T) / 2, dtype=dt)   # indefinite
    w1, V1 = np.empty(n, dt), np.empty((n, n), dt)
    w2, V2 = np.empty(n, dt), np.empty((n, n), dt)
    K.sym_eig(w1, V1, A)
    ref.sym_eig(w2, V2, A)
    np.testing.assert_allclose(w1, w2, **tol(dt))
    np.testing.assert_allclose(np.abs(V1.T.astype(np.float64) @ V2), np.eye(n), atol=1e-3 if dt == np.float32 else 1e-9)
    np.testing.assert_allclose((V1 * w1) @ V1.T, A, atol=1e-4 if dt == np.float32 else 1e-12)


@pytest.mark.parametrize("dt", DTYPES)
def test_cg_step_matches_twin(dt, rng):
    n = 10
    A = spd(n, rng, dt)
    b = rng.standard_normal(n).astype(dt)
    st1 = [np.zeros(n, dt), b.copy(), b.copy()]
    st2 = [a.copy() for a in st1]
    rr1 = rr2 = float(b.astype(np.float64) @ b)
    for _ in range(3):
        rr1 = K.cg_step(*st1, np.ascontiguousarray(A @ st1[2]), rr1)
        rr2 = ref.cg_step(*st2, np.ascontiguousarray(A @ st2[2]), rr2)
        for a1, a2 in zip(st1, st2):
            np.testing.assert_allclose(a1, a2, **tol(dt))
        assert rr1 == pytest.approx(rr2, **atol(dt))
    with pytest.raises(np.linalg.LinAlgError):
        K.cg_step(np.zeros(n, dt), b.copy(), b.copy(), np.ascontiguousarray(-b), 1.0)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("l1", [0.0, 0.3])
def test_coordinate_descent_sweep_matches_twin(dt, l1, rng):
    n = 5
    A = spd(n, rng, dt)
    b = rng.standard_normal(n).astype(dt)
    x1, x2 = np.zeros(n, dt), np.zeros(n, dt)
    p1, p2 = np.empty((n, n), dt), np.empty((n, n), dt)
    c1 = K.coordinate_descent_sweep(x1, A, b, l1=l1, path=p1)
    c2 = ref.coordinate_descent_sweep(x2, A, b, l1=l1, path=p2)
    np.testing.assert_allclose(x1, x2, **tol(dt))
    np.testing.assert_allclose(p1, p2, **tol(dt))
    assert c1 == pytest.approx(c2, **atol(dt))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", ["rosenbrock", "quadratic", "least_squares", "logistic", "softmax"])
@pytest.mark.parametrize("N", [0, 1, 700])
def test_objective_kernels_match_twins(dt, name, N, rng):
    D, Kc, l2 = 6, 3, 0.05
    X = rng.standard_normal((N, D)).astype(dt)
    if name == "rosenbrock":
        args, kw, n = (), {}, D
    elif name == "quadratic":
        args, kw, n = (spd(D, rng, dt), rng.standard_normal(D).astype(dt)), {}, D
    elif name == "softmax":
        args, kw, n = (X, rng.integers(0, Kc, N)), {"l2": l2, "n_classes": Kc}, D * Kc
    else:
        y = (rng.random(N) < 0.5).astype(dt) if name == "logistic" else rng.standard_normal(N).astype(dt)
        args, kw, n = (X, y), {"l2": l2}, D
    x = (3 * rng.standard_normal(n)).astype(dt)
    kname = f"{name}_value_and_grad"
    g1, g2 = np.empty(n, dt), np.empty(n, dt)
    f1 = getattr(K, kname)(g1, x, *args, **kw)
    f2 = getattr(ref, kname)(g2, x, *args, **kw)
    assert f1 == pytest.approx(f2, **atol(dt))
    np.testing.assert_allclose(g1, g2, **tol(dt))


@pytest.mark.c_only
def test_model_kernels_are_bit_identical_for_any_thread_count(rng):
    X = rng.standard_normal((20000, 8))
    y = (rng.random(20000) < 0.5).astype(float)
    w = rng.standard_normal(8)

    def run():
        g = np.empty(8)
        return K.logistic_value_and_grad(g, w, X, y, l2=0.1), g

    same_bits_for_thread_counts(run)


def test_logistic_kernel_is_stable_for_huge_logits():
    X = np.array([[1000.0], [-1000.0]])
    g = np.empty(1)
    f = K.logistic_value_and_grad(g, np.ones(1), X, np.array([1.0, 0.0]))
    assert f == 0.0 and np.all(np.isfinite(g))


@pytest.mark.c_only
def test_softmax_kernel_rejects_a_label_out_of_range():
    with pytest.raises(ValueError, match="out of range"):
        K.softmax_value_and_grad(np.empty(2), np.zeros(2), np.ones((1, 1)), np.array([5]), n_classes=2)


# ---- line search ---------------------------------------------------------------------------------------

def _rosen(x):
    return (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2,
            np.array([-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200 * (x[1] - x[0] ** 2)]))


@pytest.mark.parametrize("kind", ["strong-wolfe", "more-thuente", "backtracking"])
@pytest.mark.parametrize("t0", [1e-3, 1.0, 30.0])
def test_line_search_matches_twin_and_satisfies_its_conditions(kind, t0):
    x = np.array([-1.2, 1.0])
    f, g = _rosen(x)
    d = -g / np.abs(g).max()
    c1, c2 = 1e-4, 0.9
    r1 = K.line_search(_rosen, x, d, f, g, t=t0, kind=kind)
    r2 = ref.line_search(_rosen, x, d, f, g, t=t0, kind=kind)
    assert r1[0] == pytest.approx(r2[0], rel=1e-12) and r1[4] == r2[4] and r1[5] == r2[5]
    np.testing.assert_allclose(r1[2], r2[2], rtol=1e-12)
    t, fn, xn, gn, nfev, outcome = r1
    assert outcome == 0
    assert fn <= f + c1 * t * (g @ d)
    np.testing.assert_allclose(xn, x + t * d)
    np.testing.assert_allclose((fn, *gn), (*[_rosen(xn)[0]], *_rosen(xn)[1]))
    if kind != "backtracking":
        assert abs(gn @ d) <= c2 * abs(g @ d)


# Moré & Thuente (1994), Tables I and II: phi(a) = -a / (a^2 + 2) with c1 = 1e-3, c2 = 0.1, and
# phi(a) = (a + 0.004)^5 - 2 (a + 0.004)^4 with c1 = c2 = 0.1, from a0 = 1e-3, 1e-1, 10, 1e3: the
# published evaluation counts and accepted steps.
def _mt_phi1(x):
    a = x[0]
    return -a / (a * a + 2.0), np.array([(a * a - 2.0) / (a * a + 2.0) ** 2])


def _mt_phi2(x):
    a = x[0] + 0.004
    return a ** 5 - 2 * a ** 4, np.array([5 * a ** 4 - 8 * a ** 3])


@pytest.mark.parametrize("fun, c1, c2, a0, nfev, step", [
    (_mt_phi1, 1e-3, 0.1, 1e-3, 6, 1.4), (_mt_phi1, 1e-3, 0.1, 1e-1, 3, 1.4),
    (_mt_phi1, 1e-3, 0.1, 10.0, 1, 10.0), (_mt_phi1, 1e-3, 0.1, 1e3, 4, 37.0),
    (_mt_phi2, 0.1, 0.1, 1e-3, 12, 1.6), (_mt_phi2, 0.1, 0.1, 1e-1, 8, 1.6),
    (_mt_phi2, 0.1, 0.1, 10.0, 8, 1.6), (_mt_phi2, 0.1, 0.1, 1e3, 11, 1.6)])
def test_more_thuente_reproduces_the_papers_tables(fun, c1, c2, a0, nfev, step):
    x = np.zeros(1)
    f, g = fun(x)
    t, fn, xn, gn, k, outcome = K.line_search(fun, x, np.ones(1), f, g, t=a0, kind="more-thuente", c1=c1, c2=c2,
                                              max_ls=50)
    assert outcome == 0 and k == nfev and round(t, 1 if step < 10 else 0) == step
    assert fn <= f + c1 * t * g[0] and abs(gn[0]) <= c2 * abs(g[0])
    r2 = ref.line_search(fun, x, np.ones(1), f, g, t=a0, kind="more-thuente", c1=c1, c2=c2, max_ls=50)
    assert r2[0] == pytest.approx(t, rel=1e-12) and r2[4] == k


@pytest.mark.parametrize("kind", ["strong-wolfe", "more-thuente", "backtracking"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_line_search_treats_nonfinite_trial_points_as_too_long(kind, bad):
    calls = []

    def fun(x):    # a quadratic that is NaN/inf beyond x = 2
        calls.append(x[0])
        if x[0] > 2.0:
            return bad, np.array([bad])
        return (x[0] - 1.5) ** 2, np.array([2 * (x[0] - 1.5)])

    x = np.array([0.0])
    f, g = fun(x)
    t, fn, xn, gn, nfev, outcome = K.line_search(fun, x, np.array([1.0]), f, g, t=100.0, kind=kind)
    assert outcome in (0, 1) and np.isfinite(fn) and fn < f and xn[0] <= 2.0
    r2 = ref.line_search(fun, x, np.array([1.0]), f, g, t=100.0, kind=kind)
    assert r2[0] == pytest.approx(t) and r2[4] == nfev


@pytest.mark.parametrize("kind", ["strong-wolfe", "more-thuente", "backtracking"])
def test_line_search_all_nonfinite_fails_cleanly(kind):
    def fun(x):
        return np.nan, np.full(1, np.nan)
    t, fn, xn, gn, nfev, outcome = K.line_search(fun, np.zeros(1), np.ones(1), 1.0, -np.ones(1), max_ls=5, kind=kind)
    assert outcome == 2 and t == 0.0 and fn == 1.0 and nfev == 6
    np.testing.assert_array_equal(xn, np.zeros(1))


@pytest.mark.c_only
def test_line_search_errors():
    x = np.zeros(2)
    with pytest.raises(ValueError, match="descent"):
        K.line_search(_rosen, x, np.ones(2), 1.0, np.ones(2))
    with pytest.raises(ValueError, match="kind"):
        K.line_search(_rosen, x, -np.ones(2), 1.0, np.ones(2), kind="exact")
    with pytest.raises(ValueError, match="c2"):
        K.line_search(_rosen, x, -np.ones(2), 1.0, np.ones(2), c2=1e-5)
    with pytest.raises(ValueError, match="xtol"):
        K.line_search(_rosen, x, -np.ones(2), 1.0, np.ones(2), kind="more-thuente", xtol=-1.0)
    with pytest.raises(TypeError, match="float64"):
        K.line_search(_rosen, x.astype(np.float32), -np.ones(2), 1.0, np.ones(2))

    class Boom(Exception):
        pass

    def fun(x):
        raise Boom("inside fun")
    with refcounts_unchanged(x):
        with pytest.raises(Boom, match="inside fun"):
            K.line_search(fun, x, -np.ones(2), 1.0, np.ones(2))
        gc.collect()


@pytest.mark.c_only
@pytest.mark.parametrize("call, exc, match", [
    (lambda: K.bfgs_update(np.eye(3), np.ones(2), np.ones(2)), ValueError, "'H' has shape"),
    (lambda: K.bfgs_update(np.eye(2, dtype=np.float32), np.ones(2), np.ones(2)), TypeError, "mixed dtypes"),
    (lambda: K.bfgs_update(np.asfortranarray(np.ones((2, 2)) + np.eye(2, k=1)), np.ones(2), np.ones(2)),
     ValueError, "C-contiguous"),
    (lambda: K.cholesky_solve(np.empty(2), np.eye(2), np.ones(3)), ValueError, "'b' has shape"),
    (lambda: K.cg_step(np.zeros(2), np.ones(2), np.ones(2), np.ones(2).astype(np.int64), 1.0), TypeError, "dtype"),
    (lambda: K.lbfgs_two_loop(np.empty(2), np.ones(2), np.ones((3, 2)), np.ones((3, 2)), np.ones(3), newest=5,
                              count=1, gamma=1.0), ValueError, "newest"),
    (lambda: K.lbfgs_two_loop(np.empty(2), np.ones(2), np.ones((3, 2)), np.ones((3, 2)), np.ones(3)), TypeError,
     "required"),
    (lambda: K.rosenbrock_value_and_grad(np.empty(3), np.ones(2)), ValueError, "'g' has shape"),
    (lambda: K.logistic_value_and_grad(np.empty(2), np.ones(2), np.ones((3, 2)), np.ones(3), l2=-1.0), ValueError, "l2"),
    (lambda: K.softmax_value_and_grad(np.empty(2), np.ones(2), np.ones((3, 1)), np.ones(3), n_classes=2), TypeError,
     "int64"),
    (lambda: K.coordinate_descent_sweep(np.zeros(2), np.eye(2), np.ones(2), l1=-1.0), ValueError, "l1"),
    (lambda: K.cg_step(np.zeros(2), np.ones(2), np.ones(2), np.ones(2), 0.0), ValueError, "converged"),
    (lambda: K.cg_step(np.zeros(2), np.ones(2), np.ones(2), np.ones(2), float("nan")), ValueError, "rr"),
    (lambda: K.softmax_value_and_grad(np.empty(2), np.ones(2), np.ones((3, 1)), np.zeros(6, np.int64)[::2],
                                      n_classes=2), ValueError, "'y' must be C-contiguous"),
    (lambda: K.softmax_value_and_grad(np.empty(2), np.ones(2), np.ones((3, 1)), np.zeros(3, ">i8"), n_classes=2),
     TypeError, "byte order"),
    (lambda: K.softmax_value_and_grad(np.empty(2), np.ones(2), np.ones((3, 1)), np.zeros(4, np.int64), n_classes=2),
     ValueError, "'y' has shape"),
])
def test_kernel_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.c_only
@pytest.mark.parametrize("dt", DTYPES)
def test_bfgs_update_s_may_be_y_but_not_H(dt):
    """s and y are read-only (the same array is fine); only the target H may not share their memory."""
    H1, H2, s = np.eye(2, dtype=dt), np.eye(2, dtype=dt), np.array([0.5, 1.0], dt)
    assert K.bfgs_update(H1, s, s) is True and ref.bfgs_update(H2, s, s) is True
    np.testing.assert_allclose(H1, H2, **tol(dt))
    np.testing.assert_allclose(H1 @ s, s, **tol(dt))           # secant equation H y = s
    with pytest.raises(ValueError, match="share memory"):
        K.bfgs_update(H1, H1[0], s)


@pytest.mark.parametrize("dt", DTYPES)
def test_bfgs_update_product_form_against_exact_rationals(dt, rng):
    """|H| far above the update (the expanded form cancelled to 0 here): compare with exact arithmetic."""
    from fractions import Fraction as F
    for _ in range(50):
        h = dt(10.0 ** rng.uniform(10, 30 if dt == np.float32 else 200))
        s = np.array([rng.uniform(0.01, 10.0)], dt)
        y = s.copy() if rng.random() < 0.5 else np.array([s[0] * rng.uniform(0.5, 2.0)], dt)
        H1, H2 = np.array([[h]], dt), np.array([[h]], dt)
        K.bfgs_update(H1, s, y)
        ref.bfgs_update(H2, s, y)
        r = 1 / (F(float(s[0])) * F(float(y[0])))
        exact = float((1 - r * F(float(s[0])) * F(float(y[0]))) ** 2 * F(float(h)) + r * F(float(s[0])) ** 2)
        assert abs(float(H1[0, 0]) - exact) <= abs(float(H2[0, 0]) - exact) + 1e-6 * abs(exact), (h, s, y)


@pytest.mark.parametrize("dt", DTYPES)
def test_coordinate_descent_sweep_nonfinite_and_zero_diagonal(dt):
    """A NaN propagates (x and the returned change); inside the threshold x_i = 0 even when A_ii = 0."""
    for b in ([np.nan, 1.0], [1.0, np.nan]):
        x1, x2 = np.zeros(2, dt), np.zeros(2, dt)
        A, bb = np.eye(2, dtype=dt), np.array(b, dt)
        c1 = K.coordinate_descent_sweep(x1, A, bb)
        with np.errstate(invalid="ignore"):
            c2 = ref.coordinate_descent_sweep(x2, A, bb)
        np.testing.assert_array_equal(np.isnan(x1), np.isnan(x2))
        assert np.isnan(x1[1]) and np.isnan(c1) and np.isnan(c2)
    x1, x2 = np.ones(1, dt), np.ones(1, dt)
    A, b = np.zeros((1, 1), dt), np.array([0.5], dt)
    assert K.coordinate_descent_sweep(x1, A, b, l1=1.0) == ref.coordinate_descent_sweep(x2, A, b, l1=1.0) == 1.0
    assert x1[0] == x2[0] == 0.0


def test_in_place_targets_must_be_writeable():
    x = np.zeros(2)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        K.cholesky_solve(x, np.eye(2), np.ones(2))
