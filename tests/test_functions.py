"""pyoptim.functions: values, gradients, Hessians and Hessian-vector products of the test objectives."""
import math

import numpy as np
import pytest

import pyoptim as po
from pyoptim import functions as F


def _data(seed=0, N=60, D=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    w = rng.standard_normal(D)
    return X, X @ w + 0.1 * rng.standard_normal(N), (X @ w > 0).astype(float), rng.integers(0, 3, N)


def _objectives():
    X, yr, yb, yk = _data()
    return [F.quadratic(3, 20.0, seed=1), F.quadratic(4, 5.0, seed=2, spectrum="linear"), F.rosenbrock(2),
            F.rosenbrock(5), F.beale(), F.saddle(), F.cliff(), F.bumpy(), F.bumpy().smoothed(0.2),
            F.least_squares(X, yr, l2=0.1), F.logistic_regression(X, yb, l2=0.01),
            F.softmax_regression(X, yk, l2=0.05)]


OBJS = _objectives()


def _point(f, seed=3):
    rng = np.random.default_rng(seed)
    x = f.x0 + 0.3 * rng.standard_normal(f.n)
    if isinstance(f, F.Cliff):
        x = np.array([1.02, 0.4])   # on the wall: the large-gradient region
    return x


@pytest.mark.parametrize("f", OBJS, ids=lambda f: f.name)
def test_gradient_matches_central_differences(f):
    x = _point(f)
    g = f.grad(x)
    h = 1e-6
    num = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(f.n)])
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(g).max()))
    v, g2 = f.value_and_grad(x)
    assert v == f.fun(x) == f(x)
    np.testing.assert_array_equal(g, g2)


@pytest.mark.parametrize("f", OBJS, ids=lambda f: f.name)
def test_hessian_matches_differences_of_the_gradient_and_hessp(f):
    x = _point(f)
    H = f.hess(x)
    assert H.shape == (f.n, f.n)
    h = 1e-6
    num = np.array([(f.grad(x + h * e) - f.grad(x - h * e)) / (2 * h) for e in np.eye(f.n)]).T
    np.testing.assert_allclose(H, num, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(H).max()))
    np.testing.assert_allclose(H, H.T, atol=1e-12 * max(1.0, np.abs(H).max()))
    p = np.random.default_rng(0).standard_normal(f.n)
    np.testing.assert_allclose(f.hessp(x, p), H @ p, rtol=1e-10, atol=1e-10 * max(1.0, np.abs(H).max()))


@pytest.mark.parametrize("f", [o for o in OBJS if o.xmin is not None], ids=lambda f: f.name)
def test_xmin_is_stationary_and_fmin_its_value(f):
    assert np.abs(f.grad(f.xmin)).max() < 1e-6
    assert f(f.xmin) == pytest.approx(f.fmin, abs=1e-12)
    if not isinstance(f, F.Bumpy):
        assert np.linalg.eigvalsh(f.hess(f.xmin)).min() >= -1e-9


def test_quadratic_has_the_condition_number_asked():
    for spectrum in ("geometric", "linear"):
        q = F.quadratic(10, 250.0, seed=4, spectrum=spectrum)
        lam = np.linalg.eigvalsh(q.H)
        assert lam.max() / lam.min() == pytest.approx(250.0, rel=1e-9)
        np.testing.assert_allclose(q.H @ q.xmin, q.b, atol=1e-10)


def test_rosenbrock_matches_scipy():
    so = pytest.importorskip("scipy.optimize")
    f = F.rosenbrock(7)
    x = np.random.default_rng(1).standard_normal(7)
    assert f(x) == pytest.approx(so.rosen(x), rel=1e-14)
    np.testing.assert_allclose(f.grad(x), so.rosen_der(x), rtol=1e-13)
    np.testing.assert_allclose(f.hess(x), so.rosen_hess(x), rtol=1e-13)
    np.testing.assert_allclose(f.hessp(x, np.ones(7)), so.rosen_hess_prod(x, np.ones(7)), rtol=1e-13)


def test_bumpy_smoothing_is_the_gaussian_expectation():
    f = F.bumpy()
    sigma = 0.15
    fs = f.smoothed(sigma)
    # Gauss-Hermite quadrature of E f(x + sigma z), z ~ N(0, 1)
    z, w = np.polynomial.hermite_e.hermegauss(80)
    for x in (-1.0, 0.3, 2.0):
        expect = sum(wi * f(np.array([x + sigma * zi])) for zi, wi in zip(z, w)) / math.sqrt(2 * math.pi)
        assert fs(np.array([x])) == pytest.approx(expect, rel=1e-10, abs=1e-12)
    assert fs.smoothed(0.0).sigma == pytest.approx(sigma)


def test_bumpy_continuation_finds_the_global_minimum_where_descent_does_not():
    """Book 8.7.6: plain descent from x0 stops in a local minimum; minimizing the smoothed objectives
    for a decreasing sigma, each from the previous solution, reaches the global one."""
    f = F.bumpy()
    plain = po.minimize(f, f.x0, method="gd")
    assert plain.success and plain.fun > f.fmin + 0.5
    x = f.x0
    for sigma in (1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.0):
        x = po.minimize(f.smoothed(sigma), x, method="bfgs").x
    assert abs(x[0] - f.xmin[0]) < 1e-5 and f(x) == pytest.approx(f.fmin, abs=1e-9)


def test_cliff_gradient_is_steep_at_the_wall_and_gentle_elsewhere():
    c = F.cliff()
    wall = np.abs(c.grad(np.array([c.c, 0.0]))).max()
    assert wall == pytest.approx(c.a * c.c + c.h * c.k / 4, rel=1e-9)
    assert np.abs(c.grad(np.array([0.5, 0.5]))).max() < 1.0
    assert np.abs(c.grad(np.array([2.0, 0.5]))).max() < 2.5


def test_saddle_has_no_minimum():
    s = F.saddle()
    assert s.xmin is None and s.fmin is None
    assert np.all(s.grad(s.xsaddle) == 0)


@pytest.mark.parametrize("bad, exc", [
    (lambda: F.quadratic(0), ValueError), (lambda: F.quadratic(2, cond=0.5), ValueError),
    (lambda: F.quadratic(2, spectrum="log"), ValueError), (lambda: F.rosenbrock(1), ValueError),
    (lambda: F.bumpy(a=0), ValueError), (lambda: F.bumpy().smoothed(-1), ValueError),
    (lambda: F.cliff(k=-1), ValueError),
    (lambda: F.least_squares(np.ones(3), np.ones(3)), ValueError),
    (lambda: F.least_squares(np.ones((3, 2)), np.ones(4)), ValueError),
    (lambda: F.least_squares(np.ones((3, 2)), np.ones(3), l2=-1), ValueError),
    (lambda: F.logistic_regression(np.ones((3, 2)), np.array([0, 1, 2])), ValueError),
    (lambda: F.logistic_regression(np.full((3, 2), np.nan), np.array([0, 1, 1])), ValueError),
    (lambda: F.softmax_regression(np.ones((3, 2)), np.array([0, 1, 0.5])), ValueError),
    (lambda: F.softmax_regression(np.ones((3, 2)), np.array([0, 1, 2]), n_classes=2), ValueError),
])
def test_bad_constructor_arguments(bad, exc):
    with pytest.raises(exc, match="Invalid"):
        bad()


def test_wrong_x_shape_is_refused():
    with pytest.raises(ValueError, match="Invalid x"):
        F.rosenbrock(3).grad(np.ones(4))
