"""Book 8.2.1, eq. 8.10 on plain functions: the second-order prediction ½ε²gᵀHg − εgᵀg of a gradient
step's change is exact on a quadratic, and the step increases the cost exactly when ½ε²gᵀHg > εgᵀg."""
import numpy as np
import pytest

from pyoptim.diagnostics import curvature_along_gradient, hvp_fn


class Quad:
    """f(x) = ½ xᵀAx − bᵀx, a local quadratic (independent of pyoptim.functions)."""

    def __init__(self, n=6, cond=50.0, seed=0):
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        self.A = Q @ np.diag(np.geomspace(1.0, cond, n)) @ Q.T
        self.b = rng.standard_normal(n)
        self.x0 = rng.standard_normal(n)

    def fun(self, x):
        return 0.5 * x @ self.A @ x - self.b @ x

    def grad(self, x):
        return self.A @ x - self.b

    def hessp(self, x, p):
        return self.A @ p


@pytest.mark.parametrize("lr", [1e-3, 0.01, 0.03, 0.05, 0.1])
def test_prediction_exact_on_quadratic_and_flag(lr):
    q = Quad()
    r = curvature_along_gradient(q.fun, q.grad, q.hessp, q.x0, lr)
    assert abs(r["predicted"] - r["actual"]) <= 1e-10 * max(1.0, abs(r["actual"]))
    g = q.grad(q.x0)
    assert r["gTg"] == pytest.approx(g @ g)
    assert r["gTHg"] == pytest.approx(g @ q.A @ g)
    assert r["increase_predicted"] == (0.5 * lr ** 2 * r["gTHg"] > lr * r["gTg"])
    assert r["increase_predicted"] == r["increase_actual"]


def test_flag_switches_at_critical_rate():
    q = Quad(seed=1)
    g = q.grad(q.x0)
    crit = 2 * (g @ g) / (g @ q.A @ g)   # ½ε²gᵀHg = εgᵀg
    below = curvature_along_gradient(q.fun, q.grad, q.hessp, q.x0, 0.99 * crit)
    above = curvature_along_gradient(q.fun, q.grad, q.hessp, q.x0, 1.01 * crit)
    assert not below["increase_predicted"] and not below["increase_actual"]
    assert above["increase_predicted"] and above["increase_actual"]


def test_objective_defaults_and_fd_fallback():
    q = Quad(seed=2)
    r1 = curvature_along_gradient(q, lr=0.02)          # grad, hessp and x0 from the object
    r2 = curvature_along_gradient(q.fun, q.grad, None, q.x0, 0.02)   # Hg by central differences
    assert r1["gTHg"] == pytest.approx(r2["gTHg"], rel=1e-6)


def test_hvp_fn_prefers_hessp_then_central_differences():
    q = Quad(seed=3)
    v = np.arange(6.0)
    np.testing.assert_allclose(hvp_fn(q, q.x0, v), q.A @ v, rtol=1e-14)
    np.testing.assert_allclose(hvp_fn(q.grad, q.x0, v), q.A @ v, rtol=1e-7)

    def g(x):   # a non-quadratic: f = Σ x⁴/4 -> H = diag(3x²)
        return x ** 3
    x = np.linspace(-1, 1, 6)
    np.testing.assert_allclose(hvp_fn(g, x, v), 3 * x ** 2 * v, rtol=1e-7, atol=1e-8)
    with pytest.raises(ValueError, match="Invalid eps"):
        hvp_fn(g, x, v, eps=-1.0)


def test_with_pyoptim_functions_quadratic():
    F = pytest.importorskip("pyoptim.functions")
    q = F.quadratic(4, cond=20.0, seed=0)
    r = curvature_along_gradient(q, lr=0.05)
    assert abs(r["predicted"] - r["actual"]) <= 1e-10 * max(1.0, abs(r["actual"]))


def test_bad_lr():
    q = Quad()
    with pytest.raises(ValueError, match="Invalid lr"):
        curvature_along_gradient(q, lr=0.0)
