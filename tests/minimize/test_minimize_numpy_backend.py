"""The NumPy twin of the solver loop (pyoptim._reference._minimize) against the C loop (pyoptim._core):
the 9 outputs, the new arguments (norm, xrtol, hess_inv0, state_out) and stop reason 8, each also checked
against an independent computation (the path, the exact inverse Hessian, the norm written out)."""
import math

import numpy as np
import pytest

from pyoptim import _reference as R

core = pytest.importorskip("pyoptim._core", reason="the C core is not built")

N = 6
rng = np.random.default_rng(7)
Q = rng.standard_normal((N, N))
A = Q @ Q.T + N * np.eye(N)          # symmetric positive definite
B = rng.standard_normal(N)
X0 = rng.standard_normal(N)


def quad(x):
    """f = x'Ax/2 - b'x, g = Ax - b."""
    return 0.5 * float(x @ A @ x) - float(B @ x), A @ x - B


BACKENDS = [pytest.param(core._minimize, id="c"), pytest.param(R._minimize, id="numpy")]
METHODS = {"gd": 0, "cg": 3, "bfgs": 4, "lbfgs": 5}


@pytest.mark.parametrize("method", [3, 4, 5])
def test_twin_matches_c_on_a_quadratic(method):
    c = core._minimize(quad, X0, method=method, gtol=1e-7)
    t = R._minimize(quad, X0, method=method, gtol=1e-7)
    assert len(c) == len(t) == 9
    assert c[3:] == t[3:]                       # nit, nfev, njev, nhev, reason, nmem
    np.testing.assert_allclose(t[0], c[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(t[0], np.linalg.solve(A, B), rtol=0, atol=1e-7)   # |g| <= gtol, eig(A) >= N


@pytest.mark.parametrize("fn", BACKENDS)
def test_lbfgs_state_out_is_the_path_pairs(fn):
    m = 3
    path = [X0.copy()]
    state = np.full((2 * m, N), np.nan)
    x, f, g, nit, nfev, njev, nhev, reason, nmem = fn(quad, X0, method=5, m=m, gtol=1e-7, path=path,
                                                      state_out=state)
    assert reason == 0 and nmem == min(m, nit)
    P = np.array(path)
    G = P @ A - B                                   # gradients along the path, computed here
    for j in range(nmem):                           # oldest first: pairs nit-nmem .. nit-1
        k = nit - nmem + j
        np.testing.assert_allclose(state[j], P[k + 1] - P[k], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(state[m + j], G[k + 1] - G[k], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn", BACKENDS)
def test_bfgs_hess_inv0_exact_inverse_is_one_newton_step(fn):
    state = np.zeros((N, N))
    H0 = np.linalg.inv(A)
    x, f, g, nit, nfev, njev, nhev, reason, nmem = fn(quad, X0, method=4, hess_inv0=H0, gtol=1e-8,
                                                      state_out=state)
    assert (nit, nfev, reason) == (1, 2, 0)          # t = 1 along -H0 g lands on the minimizer
    np.testing.assert_allclose(x, np.linalg.solve(A, B), rtol=1e-10)
    # the update with the exact inverse keeps it: H0 y = s for y = A s
    np.testing.assert_allclose(state, H0, rtol=1e-8, atol=1e-12)
    assert nmem == 1


@pytest.mark.parametrize("fn", BACKENDS)
def test_bfgs_state_out_without_updates_is_h0(fn):
    state = np.full((N, N), np.nan)
    out = fn(quad, X0, method=4, maxiter=0, state_out=state)
    assert out[7] == 1 and out[8] == 0
    np.testing.assert_array_equal(state, np.eye(N))
    H0 = np.diag(np.arange(1.0, N + 1))
    fn(quad, X0, method=4, maxiter=0, state_out=state, hess_inv0=H0)
    np.testing.assert_array_equal(state, H0)


@pytest.mark.parametrize("fn", BACKENDS)
@pytest.mark.parametrize("order", [1.0, 2.0, 3.5, math.inf, -math.inf])
def test_norm_order_of_the_gtol_test(fn, order):
    gtol = 1e-4
    path = [X0.copy()]
    out = fn(quad, X0, method=5, gtol=gtol, norm=order, path=path)
    assert out[7] == 0
    G = np.array(path) @ A - B
    norms = [np.linalg.norm(gk, ord=order) for gk in G]
    assert norms[-1] <= gtol and all(v > gtol for v in norms[:-1])


@pytest.mark.parametrize("fn", BACKENDS)
def test_xrtol_stops_on_a_small_step(fn):
    path = [X0.copy()]
    xrtol = 1e-3
    out = fn(quad, X0, method=4, gtol=0.0, xrtol=xrtol, path=path)
    assert out[7] == 0
    P = np.array(path)
    steps = [np.linalg.norm(P[k + 1] - P[k]) <= xrtol * (xrtol + np.linalg.norm(P[k + 1]))
             for k in range(len(P) - 1)]
    assert steps[-1] and not any(steps[:-1])


@pytest.mark.parametrize("fn", BACKENDS)
@pytest.mark.parametrize("method", list(METHODS))
def test_f_minus_inf_is_unbounded_below(fn, method):
    def fun(x):   # linear, -inf past x_0 = 5
        f = -float(x.sum())
        return (-math.inf if x[0] > 5.0 else f), -np.ones_like(x)
    x, f, g, nit, nfev, njev, nhev, reason, nmem = fn(fun, np.zeros(3), method=METHODS[method])
    assert reason == 8 and f == -math.inf and x[0] > 5.0 and nit >= 1


@pytest.mark.parametrize("fn", BACKENDS)
@pytest.mark.parametrize("method", list(METHODS))
def test_invariant_to_scaling_f(fn, method):
    """Same iterates for s f as for f (gtol scaled with f): the pair test and the first steps use no
    absolute scale."""
    runs = []
    for s in (1.0, 1e-40, 1e40):
        def fun(x, s=s):
            f, g = quad(x)
            return s * f, s * g
        path = [X0.copy()]
        out = fn(fun, X0, method=METHODS[method], gtol=1e-6 * s, maxiter=200, path=path)
        runs.append((out, np.array(path)))
    for out, P in runs[1:]:
        assert out[3] == runs[0][0][3] and out[7] == runs[0][0][7]
        np.testing.assert_allclose(P, runs[0][1], rtol=1e-6, atol=1e-9)
