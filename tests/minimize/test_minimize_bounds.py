"""Box constraints (book 7.2): kernels.project_box against its twin, and projected gradient descent,
minimize(method="gd", bounds=...), against SciPy's L-BFGS-B on bounded problems."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim import _reference, kernels
from threads import same_bits_for_thread_counts


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_project_box_matches_twin_and_clip(dtype):
    rng = np.random.default_rng(0)
    n = kernels.PAR_GRAIN + 17
    x = (3 * rng.standard_normal(n)).astype(dtype)
    lo = (rng.standard_normal(n) - 1).astype(dtype)
    hi = (lo + 2 * rng.random(n)).astype(dtype)
    lo[::7], hi[::11] = -np.inf, np.inf
    x[::13] = np.nan
    want = x.copy()
    _reference.project_box(want, lo, hi)

    def run():
        got = x.copy()
        kernels.project_box(got, lo, hi)
        return got

    got = same_bits_for_thread_counts(run)   # the same bits at 1 and 2 threads
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))   # bit-identical
    np.testing.assert_array_equal(got, np.clip(x, lo, hi))                   # independent: np.clip


@pytest.mark.c_only   # the C kernel checks its arrays; the twin does not
def test_project_box_refuses_bad_arrays():
    x = np.zeros(3)
    with pytest.raises(TypeError, match="lo"):
        kernels.project_box(x, np.zeros(3, np.float32), np.ones(3))
    with pytest.raises(ValueError, match="hi"):
        kernels.project_box(x, np.zeros(3), np.ones(4))
    with pytest.raises(ValueError, match="share memory"):
        kernels.project_box(x, x, np.ones(3))


def _bounded_problems():
    f = po.functions.rosenbrock(4)
    yield "rosenbrock, upper bounds active", f, [(-2.0, 0.5), (-2.0, 2.0), (-2.0, 0.8), (None, None)]
    q = po.functions.quadratic(6, cond=50.0, seed=1)
    yield "quadratic, half the box active", q, [(-0.1, 0.1)] * 3 + [(None, None)] * 3
    yield "rosenbrock, lower bound active", po.functions.rosenbrock(2), [(1.5, None), (None, None)]


@pytest.mark.parametrize("name, f, bounds", list(_bounded_problems()), ids=lambda v: v if isinstance(v, str) else "")
def test_projected_gd_reaches_lbfgsb_solution_and_active_set(name, f, bounds):
    so = pytest.importorskip("scipy.optimize")
    ref = so.minimize(f.value_and_grad, f.x0, jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"gtol": 1e-10, "ftol": 0.0, "maxiter": 100000})
    res = po.minimize(f.value_and_grad, f.x0, method="gd", bounds=bounds,
                      options={"gtol": 1e-8, "maxiter": 200000})
    assert res.success, res.message
    np.testing.assert_allclose(res.x, ref.x, atol=1e-5)
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    active = lambda z: (np.isclose(z, lo, atol=1e-9, rtol=0), np.isclose(z, hi, atol=1e-9, rtol=0))  # noqa: E731
    for a, b in zip(active(res.x), active(ref.x)):
        np.testing.assert_array_equal(a, b)
    assert np.all(res.x >= lo) and np.all(res.x <= hi)
    # KKT: the gradient points out of the box where a bound is active and vanishes where none is
    g = f.grad(res.x)
    free = ~(active(res.x)[0] | active(res.x)[1])
    assert np.abs(g[free]).max(initial=0) <= 1e-6
    assert np.all(g[active(res.x)[0]] >= -1e-9) and np.all(g[active(res.x)[1]] <= 1e-9)


def test_projected_gd_one_step_is_the_formula():
    """First iterate from a set state: x1 = P(x0 − t g0) with t = 1/max|g0| when Armijo holds at once."""
    f = lambda x: (float(0.5 * x @ x), x.copy())   # noqa: E731
    x0 = np.array([2.0, -1.0, 0.5])
    lo, hi = np.array([1.0, -5.0, -5.0]), np.array([5.0, 5.0, 5.0])
    res = po.minimize(f, x0, method="gd", bounds=list(zip(lo, hi)), options={"maxiter": 1, "return_all": True})
    t = 1.0 / np.abs(x0).max()
    np.testing.assert_allclose(res.allvecs[1], np.clip(x0 - t * x0, lo, hi))
    assert res.nit == 1 and res.status == 1


def test_projected_gd_projects_x0_counts_and_stops():
    f = po.functions.rosenbrock(2)
    seen = []
    res = po.minimize(f.value_and_grad, [5.0, 5.0], method="gd", bounds=[(-1, 2), (-1, 2)],
                      callback=lambda xk: seen.append(xk), options={"return_all": True})
    np.testing.assert_array_equal(res.allvecs[0], [2.0, 2.0])
    assert len(seen) == res.nit and res.nfev >= res.nit + 1

    def stop(intermediate_result):
        raise StopIteration
    r = po.minimize(f.value_and_grad, [0.0, 0.0], method="gd", bounds=[(-1, 2), (-1, 2)], callback=stop)
    assert (r.status, r.nit) == (99, 1)
    r = po.minimize(f.value_and_grad, [0.0, 0.0], method="lbfgs", bounds=[(-1, 2), (-1, 2)])   # L-BFGS-B
    np.testing.assert_allclose(r.x, [1.0, 1.0], atol=1e-4)
