"""Book 8.7.6: continuation on a bumpy 1-D function reaches the global minimum where plain gradient
descent from the same start stops in a local one; Gaussian smoothing analytic and sampled."""
import numpy as np
import pytest

from pyoptim import functions as F
from pyoptim.strategies import GaussianSmoothing, continuation, smoothed_objective

SIGMAS = [1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.0]


class Plain:
    """The bumpy function without its analytic ``smoothed``: forces the sampled path."""

    def __init__(self, f):
        self.f, self.x0, self.n = f, f.x0, f.n

    def fun(self, x):
        return self.f.fun(x)

    def grad(self, x):
        return self.f.grad(x)


def _gd(f, x, lr=0.005, steps=2000):
    for _ in range(steps):
        x = x - lr * f.grad(x)
    return x


def test_plain_descent_stops_in_local_minimum_continuation_finds_global():
    f = F.bumpy()
    x_gd = _gd(f, f.x0.copy())
    assert abs(f.grad(x_gd)[0]) < 1e-8                    # a stationary point ...
    assert abs(x_gd[0] - f.xmin[0]) > 1.0                  # ... far from the global minimizer
    assert f.fun(x_gd) > f.fmin + 1.0
    res = continuation(f, sigmas=SIGMAS, lr=0.005, steps=500)
    assert abs(res.x[0] - f.xmin[0]) < 1e-6
    assert res.fun == pytest.approx(f.fmin, abs=1e-10)
    assert res.path.shape == (len(SIGMAS) + 1, 1)
    np.testing.assert_array_equal(res.path[0], f.x0)


def test_sampled_smoothing_matches_analytic_and_continuation_works():
    f = F.bumpy()
    s = GaussianSmoothing(Plain(f), 0.3, n_samples=128, seed=0)
    assert not s.analytic
    exact = f.smoothed(0.3)
    xs = np.linspace(-1.5, 1.5, 13)
    err = max(abs(s.fun([x]) - exact.fun([x])) for x in xs)
    assert err < 5e-3
    gerr = max(abs(s.grad([x])[0] - exact.grad([x])[0]) for x in xs)
    assert gerr < 0.1
    # common random numbers: the same draws at every call -> a deterministic function
    assert s.fun([0.3]) == s.fun([0.3])
    res = continuation(Plain(f), sigmas=SIGMAS, lr=0.009, steps=100, n_samples=96)
    assert abs(res.x[0] - f.xmin[0]) < 1e-4


def test_value_only_callable_uses_score_function_gradient():
    f = F.bumpy()
    s = GaussianSmoothing(lambda x: f.fun(x), 0.5, n_samples=256, sampling="random", seed=1)
    g_true = f.smoothed(0.5).grad([0.7])[0]
    assert s.grad(np.array([0.7]))[0] == pytest.approx(g_true, abs=0.3)


def test_smoothed_objective_dispatch():
    f = F.bumpy()
    assert isinstance(smoothed_objective(f, 0.2), type(f))           # analytic
    assert isinstance(smoothed_objective(Plain(f), 0.2), GaussianSmoothing)
    with pytest.raises(ValueError, match="Invalid sigma"):
        smoothed_objective(f, -1.0)
    with pytest.raises(ValueError, match="Invalid sigmas"):
        continuation(f, sigmas=[])
    with pytest.raises(ValueError, match="Invalid inner"):
        continuation(f, sigmas=[0.0], inner=3)


def test_custom_inner():
    f = F.bumpy()
    res = continuation(f, sigmas=SIGMAS, inner=lambda obj, x: _gd(obj, x, 0.005, 500))
    assert abs(res.x[0] - f.xmin[0]) < 1e-6
