"""L-BFGS-B (minimize(method="lbfgs", bounds=...); csrc/lbfgsb.c and its twin _reference._lbfgsb).

Three layers: the first step and the generalized Cauchy point against hand computations and an independent
dense-model computation; the projected-gradient stopping test against np.clip; the bounds normalization and
bad-input table; then C against the NumPy twin and pyoptim against SciPy's L-BFGS-B on bounded
Moré-Garbow-Hillstrom problems (same solution, same active set, no more evaluations in total)."""
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import pyoptim as po
from pyoptim import _reference, kernels

so = pytest.importorskip("scipy.optimize")


def _mgh():
    """benchmarks/_mgh.py (the MGH problems and their bounded versions), found from this file upward."""
    for d in Path(__file__).resolve().parents:
        p = d / "benchmarks" / "_mgh.py"
        if p.exists():
            spec = importlib.util.spec_from_file_location("_mgh_for_tests", p)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            return mod
    pytest.skip("benchmarks/_mgh.py not found")


_BOUNDED = None


def bounded_set():
    """The 18 bounded MGH problems; the unconstrained minimizer that places the bounds comes from SciPy's
    BFGS (an independent solver)."""
    global _BOUNDED
    if _BOUNDED is None:
        solve = lambda vg, x0: so.minimize(vg, x0, jac=True, method="BFGS", options={"gtol": 1e-9}).x  # noqa: E731
        _BOUNDED = _mgh().bounded_problems(solve)
    return _BOUNDED


def quad(A, b):
    """f = x'Ax/2 - b'x and its gradient."""
    A, b = np.asarray(A, float), np.asarray(b, float)
    return lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)


# ---- one step: the generalized Cauchy point by hand ---------------------------------------------------------

def test_first_step_is_the_cauchy_point_computed_by_hand():
    """f = (x1^2 + 1.5 x2^2)/2 - 2 x1 - x2 from x0 = 0 in the box [-1, 0.5] x [-1, 10]. With an empty memory
    B = I, g0 = (-2, -1), and the projected path P(x0 - t g0) meets x1 = 0.5 at t = 1/4. On [0, 1/4] the
    model m(t) = g'(td) + |td|^2/2 has m' = -5 + 5t < 0: x1 is fixed at its bound. Then z = (0.5, t) and
    m = -1 - t + (0.25 + t^2)/2 is least at t = 1: the Cauchy point is (0.5, 1). Every variable is boxed,
    so the first trial step is 1 (not 1/|d|); phi(t) = 0.875 t^2 - 2t satisfies both Wolfe conditions at
    t = 1 (phi(1) = -1.125 <= -1e-3 * 2, |phi'(1)| = 0.25 <= 0.9 * 2): the first iterate is the Cauchy point."""
    seen = []
    res = po.minimize(quad(np.diag([1.0, 1.5]), [2.0, 1.0]), np.zeros(2), jac=True, method="L-BFGS-B",
                      bounds=[(-1, 0.5), (-1, 10)], callback=lambda xk: seen.append(xk.copy()))
    np.testing.assert_array_equal(seen[0], [0.5, 1.0])
    # the constrained minimizer: x1 = 0.5 (bound), x2 = 1/1.5 (free; d f / d x2 = 1.5 x2 - 1 = 0)
    np.testing.assert_allclose(res.x, [0.5, 1 / 1.5], atol=1e-7)
    assert res.success and res.x[0] == 0.5


def test_first_step_length_without_a_full_box_is_one_over_norm_d():
    """Not every variable boxed: the first trial step is min(1/|d|, 1) (L-BFGS-B's lnsrlb). The same
    problem with x2 unbounded: d = (0.5, 1), |d| = sqrt(1.25), the first trial is x0 + d/|d|."""
    calls = []

    def vg(x):
        calls.append(x.copy())
        return quad(np.diag([1.0, 1.5]), [2.0, 1.0])(x)
    po.minimize(vg, np.zeros(2), jac=True, method="L-BFGS-B", bounds=[(-1, 0.5), (None, None)],
                options={"maxiter": 1})
    np.testing.assert_allclose(calls[1], np.array([0.5, 1.0]) / math.sqrt(1.25), rtol=1e-15)


def _dense_B(S, Y, theta):
    """B from B0 = theta I by the BFGS update with the pairs in order (Byrd, Nocedal & Schnabel 1994: the
    compact form is this matrix)."""
    B = theta * np.eye(S.shape[1])
    for s, y in zip(S, Y):
        Bs = B @ s
        B = B - np.outer(Bs, Bs) / (s @ Bs) + np.outer(y, y) / (y @ s)
    return B


def _cauchy_brute(x, g, lo, hi, B):
    """The first local minimizer of m(z) = g'(z - x) + (z - x)'B(z - x)/2 along z(t) = P(x - t g), segment by
    segment: on [t_j, t_j+1] z - x = z_j + (t - t_j) d_j, so m is a quadratic in t."""
    with np.errstate(divide="ignore", invalid="ignore"):
        tb = np.where(g < 0, (x - hi) / g, np.where(g > 0, (x - lo) / g, np.inf))
    ts = np.unique(np.concatenate([[0.0], tb[np.isfinite(tb)]]))
    ts = np.append(ts, np.inf)
    for t0, t1 in zip(ts[:-1], ts[1:]):
        z0 = np.clip(x - t0 * g, lo, hi) - x
        d = np.where(tb > t0, -g, 0.0)
        fp = g @ d + d @ B @ z0
        if fp >= 0:
            return x + z0
        fpp = d @ B @ d
        t = t0 - fp / fpp if fpp > 0 else np.inf
        if t < t1:
            return x + z0 + (t - t0) * d
    return np.clip(x - ts[-2] * g, lo, hi)


@pytest.mark.parametrize("seed", range(6))
def test_cauchy_point_with_memory_matches_the_dense_model(seed):
    """The twin's Cauchy point (compact form W, M, the breakpoint recursion) against the dense model B built
    by the BFGS recursion and minimized piece by piece along the projected path."""
    rng = np.random.default_rng(seed)
    n, c = 7, 3
    lo, hi = -rng.random(n) - 0.1, rng.random(n) + 0.1
    lo[0], hi[1] = -np.inf, np.inf
    x = lo + (np.minimum(hi, 2) - np.maximum(lo, -2)) * rng.random(n)
    x = np.clip(x, np.maximum(lo, -2), np.minimum(hi, 2))
    x[2] = lo[2]   # at a bound
    g = 3 * rng.standard_normal(n)
    S = rng.standard_normal((c, n))
    Y = S @ (np.eye(n) + 0.3 * np.diag(rng.random(n))) + 0.05 * rng.standard_normal((c, n))
    assert np.all(np.einsum("ij,ij->i", S, Y) > 0)
    theta = float(Y[-1] @ Y[-1] / (S[-1] @ Y[-1]))
    W = np.hstack([Y.T, theta * S.T])
    SY = S @ Y.T
    L = np.tril(SY, -1)
    Kmat = np.block([[-np.diag(np.diag(SY)), L.T], [L, theta * S @ S.T]])
    xcp, cvec, free = _reference._lb_cauchy(x, g, lo, hi, np.zeros(n, bool), W, np.linalg.inv(Kmat), theta)
    want = _cauchy_brute(x, g, lo, hi, _dense_B(S, Y, theta))
    np.testing.assert_allclose(xcp, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cvec, W.T @ (xcp - x), rtol=1e-9, atol=1e-12)   # c = W'(xcp - x)
    at_bound = (xcp == lo) | (xcp == hi)
    assert not np.any(free & at_bound & (xcp != x))


# ---- the stopping tests ------------------------------------------------------------------------------------

def _pg(x, g, lo, hi):
    """The projected gradient P(x - g) - x by np.clip (independent of the solver's projgr)."""
    return np.clip(x - g, lo, hi) - x


def test_projected_gradient_stopping_test():
    """f = |x - c|^2 / 2 with c outside the box: at the solution x = P(c) the gradient x - c is large but the
    projected gradient is 0. Started there, the run stops before any step (nit 0, one evaluation); with
    gtol just above max|P(x - g) - x| at a point whose plain gradient is far larger, it stops there too."""
    c = np.array([3.0, -2.0, 0.25])
    lo, hi = np.array([-1.0, -1.0, -1.0]), np.array([1.0, 1.0, 1.0])
    vg = lambda x: (0.5 * np.sum((x - c) ** 2), x - c)  # noqa: E731
    r = po.minimize(vg, np.clip(c, lo, hi), jac=True, method="L-BFGS-B", bounds=list(zip(lo, hi)))
    assert (r.nit, r.nfev, r.status) == (0, 1, 0)
    assert r.message == "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"
    assert np.abs(r.jac).max() >= 2   # the plain gradient is far above gtol
    x0 = np.array([1.0, -1.0, 0.0])   # two coordinates at their bound, the third off by 0.25
    pg = np.abs(_pg(x0, vg(x0)[1], lo, hi)).max()
    assert pg == 0.25 and np.abs(vg(x0)[1]).max() == 2.0
    r = po.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=list(zip(lo, hi)), options={"gtol": 0.26})
    assert (r.nit, r.nfev) == (0, 1)
    r = po.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=list(zip(lo, hi)), options={"gtol": 0.24})
    assert r.nit >= 1 and r.success
    for name, vg2, x00, lo2, hi2 in bounded_set():   # every converged run meets the test, by np.clip
        r = po.minimize(vg2, x00, jac=True, method="L-BFGS-B", bounds=so.Bounds(lo2, hi2))
        if r.message.startswith("CONVERGENCE: NORM"):
            assert np.abs(_pg(r.x, r.jac, lo2, hi2)).max() <= 1e-5, name
        assert np.all(r.x >= lo2) and np.all(r.x <= hi2), name


def test_ftol_stop_and_limits_match_scipy():
    """ftol, maxiter and maxfun end the run where SciPy's does, with SciPy's status and message."""
    f = so.rosen
    x0 = np.array([-1.2, 1.0, -1.2, 1.0, 0.5])
    bounds = [(-2, 0.8)] * 5
    for opts in ({"ftol": 1e-3}, {"maxiter": 4}, {"maxfun": 7}, {"maxcor": 3}, {"maxls": 2, "gtol": 1e-9}):
        r = po.minimize(f, x0, jac=so.rosen_der, method="L-BFGS-B", bounds=bounds, options=opts)
        s = so.minimize(f, x0, jac=so.rosen_der, method="L-BFGS-B", bounds=bounds, options=opts)
        assert (r.status, r.message, r.success) == (s.status, s.message, s.success), opts
        assert (r.nit, r.nfev) == (s.nit, s.nfev), opts
        np.testing.assert_allclose(r.x, s.x, rtol=1e-8, atol=1e-10)


def test_callback_forms_stopiteration_and_hess_inv():
    f = so.rosen
    x0 = np.zeros(4)
    seen = []
    r = po.minimize(f, x0, jac=so.rosen_der, bounds=[(-1, 0.5)] * 4, callback=lambda xk: seen.append(xk))
    assert len(seen) == r.nit and np.all(seen[-1] == r.x)

    def stop(intermediate_result):
        if intermediate_result.fun < 2.5:
            raise StopIteration
    r = po.minimize(f, x0, jac=so.rosen_der, bounds=[(-1, 0.5)] * 4, callback=stop)
    assert (r.status, r.success, r.message) == (99, False, "`callback` raised `StopIteration`.") and r.fun < 2.5
    r = po.minimize(f, x0, jac=so.rosen_der, bounds=[(-1, 0.5)] * 4, options={"maxcor": 3})
    s = so.minimize(f, x0, jac=so.rosen_der, bounds=[(-1, 0.5)] * 4, method="L-BFGS-B", options={"maxcor": 3})
    assert r.hess_inv.n_corrs == s.hess_inv.sk.shape[0] == 3
    # the same kept pairs: pyoptim's oldest first, SciPy's in its ring buffer's storage order (a rotation)
    k = next(k for k in range(3) if np.allclose(np.roll(s.hess_inv.sk, k, axis=0), r.hess_inv.sk, rtol=1e-6))
    np.testing.assert_allclose(r.hess_inv.sk, np.roll(s.hess_inv.sk, k, axis=0), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(r.hess_inv.yk, np.roll(s.hess_inv.yk, k, axis=0), rtol=1e-6, atol=1e-12)


def test_nonfinite_start_and_failed_search_are_abnormal():
    r = po.minimize(lambda x: (np.nan, np.ones(2)), np.zeros(2), jac=True, method="L-BFGS-B", bounds=[(0, 1)] * 2)
    assert (r.status, r.success, r.nfev) == (2, False, 1)
    # a gradient that contradicts f: no step of the line search decreases f, with an empty memory
    r = po.minimize(lambda x: (float(x @ x), -np.ones(2)), np.full(2, 0.5), jac=True, method="L-BFGS-B",
                    bounds=[(0, 1)] * 2)
    assert r.status == 2 and not r.success and r.message.startswith("ABNORMAL")
    np.testing.assert_array_equal(r.x, [0.5, 0.5])   # the last accepted point


# ---- bounds: normalization and bad input ---------------------------------------------------------------------

def test_bound_forms_are_equivalent_and_match_scipy():
    f, x0 = so.rosen, np.array([0.3, -0.4, 0.9])
    forms = [so.Bounds([-1, -np.inf, 0], [0.5, np.inf, 0.8]), [(-1, 0.5), (None, None), (0, 0.8)],
             [(-1, 0.5), (-np.inf, np.inf), (0, 0.8)], np.array([[-1, 0.5], [-np.inf, np.inf], [0, 0.8]])]
    rs = [po.minimize(f, x0, jac=so.rosen_der, method="L-BFGS-B", bounds=b) for b in forms]
    s = so.minimize(f, x0, jac=so.rosen_der, method="L-BFGS-B", bounds=forms[1])
    for r in rs:
        np.testing.assert_array_equal(r.x, rs[0].x)
        assert r.nfev == rs[0].nfev == s.nfev
    np.testing.assert_allclose(rs[0].x, s.x, rtol=1e-8)
    # scalar Bounds broadcast; one equal pair (lo = hi) fixes that variable
    r = po.minimize(f, x0, jac=so.rosen_der, bounds=so.Bounds(-0.5, 0.5))
    assert np.all(np.abs(r.x) <= 0.5)
    r = po.minimize(f, x0, jac=so.rosen_der, bounds=[(0.2, 0.2), (None, None), (None, None)])
    assert r.x[0] == 0.2 and r.success


def test_x0_outside_the_box_is_clipped_as_scipy():
    first = []

    def vg(x):
        first.append(x.copy())
        return so.rosen(x), so.rosen_der(x)
    x0 = np.array([5.0, -7.0, 0.1])
    b = [(-1, 1), (-1, 1), (-1, 1)]
    r = po.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=b, options={"return_all": True})
    np.testing.assert_array_equal(first[0], np.clip(x0, -1, 1))
    np.testing.assert_array_equal(r.allvecs[0], np.clip(x0, -1, 1))
    s = so.minimize(so.rosen, x0, jac=so.rosen_der, method="L-BFGS-B", bounds=b)
    assert r.nfev == s.nfev
    np.testing.assert_allclose(r.x, s.x, rtol=1e-8)


BAD_BOUNDS = [
    ("lo > hi", [(0, 1), (2, 1), (0, 1)], ValueError, "greater than"),
    ("too few pairs", [(0, 1)] * 2, ValueError, "number of bounds"),   # (one pair broadcasts, as SciPy)
    ("too many pairs", [(0, 1)] * 4, ValueError, "number of bounds"),
    ("Bounds of the wrong length", so.Bounds([0, 0], [1, 1]), ValueError, "number of bounds"),
    ("NaN lower bound", [(np.nan, 1), (0, 1), (0, 1)], ValueError, "NaN"),
    ("NaN in Bounds", so.Bounds([0, 0, 0], [1, np.nan, 1]), ValueError, "NaN"),
]


@pytest.mark.parametrize("label,bounds,exc,match", BAD_BOUNDS, ids=[b[0] for b in BAD_BOUNDS])
def test_bad_bounds_raise(label, bounds, exc, match):
    with pytest.raises(exc, match=match):
        po.minimize(so.rosen, np.zeros(3), jac=so.rosen_der, method="L-BFGS-B", bounds=bounds)


def test_bad_bounds_raise_where_scipy_raises():
    """SciPy raises ValueError for lo > hi and for a wrong number of bounds too (the same type), and
    broadcasts a single (lo, hi) pair as pyoptim does."""
    for bounds in ([(0, 1), (2, 1), (0, 1)], [(0, 1)] * 2):
        with pytest.raises(ValueError):
            so.minimize(so.rosen, np.zeros(3), jac=so.rosen_der, method="L-BFGS-B", bounds=bounds)
    r = po.minimize(so.rosen, np.full(3, 0.2), jac=so.rosen_der, method="L-BFGS-B", bounds=[(0, 0.5)])
    s = so.minimize(so.rosen, np.full(3, 0.2), jac=so.rosen_der, method="L-BFGS-B", bounds=[(0, 0.5)])
    np.testing.assert_allclose(r.x, s.x, rtol=1e-8)
    assert r.x.max() <= 0.5


def test_finite_differences_stay_in_the_box():
    """jac=None: forward differences step inward at an upper bound (SciPy's rule), so an f undefined past the
    bound is never evaluated there; the result and the count match SciPy's."""
    def f(x):
        assert np.all(x <= 1.0) and np.all(x > 0), x
        return float(np.sum(np.log(x) ** 2) - 3 * np.sum(x))
    b = [(1e-3, 1.0)] * 3
    r = po.minimize(f, np.full(3, 1.0), method="L-BFGS-B", bounds=b)
    s = so.minimize(f, np.full(3, 1.0), method="L-BFGS-B", bounds=b)
    np.testing.assert_allclose(r.x, s.x, atol=1e-6)
    assert r.nfev == s.nfev


@pytest.mark.c_only
def test_kernel_refuses_bad_arguments():
    vg = quad(np.eye(2), [1.0, 1.0])
    x0, lo, hi = np.zeros(2), np.full(2, -1.0), np.full(2, 1.0)
    with pytest.raises(ValueError, match="invalid bounds at index 1"):
        kernels._lbfgsb(vg, x0, lo, np.array([1.0, -2.0]))
    with pytest.raises(ValueError, match="invalid bounds"):
        kernels._lbfgsb(vg, x0, np.array([0.0, np.nan]), hi)
    with pytest.raises(ValueError, match="hi"):
        kernels._lbfgsb(vg, x0, lo, np.ones(3))
    with pytest.raises(TypeError, match="lo"):
        kernels._lbfgsb(vg, x0, lo.astype(np.float32), hi)
    with pytest.raises(ValueError, match="m, maxls"):
        kernels._lbfgsb(vg, x0, lo, hi, m=0)
    with pytest.raises(ValueError, match="pgtol"):
        kernels._lbfgsb(vg, x0, lo, hi, pgtol=-1.0)
    with pytest.raises(ValueError, match="state_out"):
        kernels._lbfgsb(vg, x0, lo, hi, state_out=np.empty((3, 2)))
    with pytest.raises(ZeroDivisionError):   # a user exception propagates
        kernels._lbfgsb(lambda x: 1 / 0, x0, lo, hi)


@pytest.mark.c_only
def test_kernel_survives_hostile_callbacks():
    """The objective's answers are checked (shape, type, arity) and the caller's arrays may change under the
    solve: the bounds are copied at entry, so a callback rewriting them, or emptying the path list, leaves
    the iterates of an undisturbed solve unchanged."""
    A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    vg = quad(A, [4.0, -3.0, 2.0])
    x0 = np.array([0.5, 0.2, 0.1])
    lo, hi = np.full(3, -1.0), np.full(3, 1.0)
    ref = kernels._lbfgsb(vg, x0, lo, hi)
    assert ref[5] == 0 and np.any(ref[0] == 1.0)     # converged, one bound active: the bounds matter
    path = []

    def rewrite(x, f):
        lo[:], hi[:] = -9.0, 9.0
        path.clear()

    got = kernels._lbfgsb(vg, x0, lo.copy(), hi.copy(), callback=rewrite, path=path)
    np.testing.assert_array_equal(got[0], ref[0])
    assert got[3:5] == ref[3:5]
    g_bad = {"shape": (lambda x: (1.0, np.ones(2)), ValueError, "shape"),
             "2-D": (lambda x: (1.0, np.ones((3, 1))), ValueError, "shape"),
             "value": (lambda x: ("a", np.ones(3)), TypeError, "real number"),
             "None": (lambda x: None, TypeError, r"\(value, gradient\)"),
             "arity": (lambda x: (1.0, np.ones(3), 0), TypeError, r"\(value, gradient\)")}
    for name, (fun, exc, match) in g_bad.items():
        with pytest.raises(exc, match=match):
            kernels._lbfgsb(fun, x0, lo, hi)


# ---- C against its NumPy twin ----------------------------------------------------------------------------------

@pytest.mark.c_only
def test_c_matches_twin_on_the_bounded_set():
    """The same iterations, evaluations and stopping reason; x and f to rounding (the C loop sums dot
    products serially, NumPy with BLAS; on wood/upper, the worst conditioned, those differences grow to
    3e-8 in x and 3e-5 along the path); the kept pairs where the two final points agree to 1e-12."""
    import inspect
    assert inspect.signature(kernels._core._lbfgsb) == inspect.signature(_reference._lbfgsb)
    matched = 0
    for name, vg, x0, lo, hi in bounded_set():
        x0c = np.clip(x0, lo, hi)
        sc, sr = np.zeros((20, x0.size)), np.zeros((20, x0.size))
        pc, pr = [], []
        c = kernels._core._lbfgsb(vg, x0c, lo, hi, state_out=sc, path=pc)
        r = _reference._lbfgsb(vg, x0c, lo, hi, state_out=sr, path=pr)
        assert c[3:] == r[3:], name   # nit, nfev, reason, nmem
        # x to 1e-6 relative: wood/upper is ill-conditioned enough to lift last-digit differences to 3e-8
        np.testing.assert_allclose(c[0], r[0], rtol=1e-6, atol=1e-10, err_msg=name)
        np.testing.assert_allclose(c[1], r[1], rtol=1e-9, atol=1e-14, err_msg=name)
        np.testing.assert_allclose(np.array(pc), np.array(pr), rtol=1e-4, atol=1e-4, err_msg=name)
        if np.allclose(c[0], r[0], rtol=1e-12, atol=1e-14):   # the kept pairs where rounding did not grow
            np.testing.assert_allclose(sc, sr, rtol=1e-6, atol=1e-12, err_msg=name)
            matched += 1
    assert matched >= 12


def test_twin_runs_behind_minimize_on_the_numpy_backend(monkeypatch):
    """minimize with bounds through the twin (as under PYOPTIM_BACKEND=numpy) gives SciPy's answer."""
    monkeypatch.setattr(kernels, "_lbfgsb", _reference._lbfgsb)
    name, vg, x0, lo, hi = bounded_set()[1]   # powell4/box
    r = po.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=so.Bounds(lo, hi))
    s = so.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=so.Bounds(lo, hi))
    np.testing.assert_allclose(r.x, s.x, rtol=1e-6, atol=1e-8)
    assert r.nfev <= s.nfev


# ---- against SciPy's L-BFGS-B on the bounded MGH set -------------------------------------------------------------

X_TOL = 1e-4    # |x - x_scipy|_inf / max(1, |x_scipy|_inf): both stop at max|P(x - g) - x| <= 1e-5
F_TOL = 1e-8    # |f - f_scipy| / max(1, |f_scipy|)


def _active(x, lo, hi):
    return tuple(np.flatnonzero((x == lo) | (x == hi)))


def compare_with_scipy(problems, **options):
    rows = []
    for name, vg, x0, lo, hi in problems:
        r = po.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=so.Bounds(lo, hi), options=options)
        s = so.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=so.Bounds(lo, hi), options=options)
        dx = float(np.abs(r.x - s.x).max() / max(1.0, np.abs(s.x).max()))
        df = abs(r.fun - s.fun) / max(1.0, abs(s.fun))
        rows.append(dict(name=name, nfev=r.nfev, nfev_scipy=s.nfev, dx=dx, df=df, success=r.success,
                         success_scipy=s.success, active=_active(r.x, lo, hi) == _active(s.x, lo, hi),
                         n_active=len(_active(s.x, lo, hi))))
    return rows


def _check(rows):
    table = "\n".join(f"{r['name']:22s} nfev {r['nfev']:4d} scipy {r['nfev_scipy']:4d}  dx {r['dx']:.1e}  "
                      f"df {r['df']:.1e}  active {r['n_active']} same={r['active']}" for r in rows)
    for r in rows:
        assert r["success"] and r["success_scipy"], table
        assert r["dx"] <= X_TOL and r["df"] <= F_TOL, table
        assert r["active"], table
    assert sum(r["nfev"] for r in rows) <= sum(r["nfev_scipy"] for r in rows), table
    assert sum(r["n_active"] > 0 for r in rows) >= len(rows) - 2, table   # the bounds matter
    return table


def test_bounded_mgh_set_against_scipy():
    """18 bounded MGH problems: SciPy's solutions and active sets, no more function evaluations in total."""
    rows = compare_with_scipy(bounded_set())
    assert len(rows) == 18
    print(_check(rows))


@pytest.mark.slow
@pytest.mark.parametrize("maxcor", [3, 10, 25])
def test_bounded_mgh_sweep_random_starts(maxcor):
    """The set from three random starts each (x0 + N(0, 1/4) scaled), for three memory sizes. pyoptim follows
    SciPy's algorithm step for step, so most runs take exactly SciPy's evaluations; on the flattest problems
    (penalty1, helical, brown-al) last-digit differences of the two implementations' linear algebra grow into
    different paths, either way (measured: totals within 1.5% of SciPy's, above or below)."""
    rng = np.random.default_rng(maxcor)
    probs = [(f"{name}#{k}", vg, x0 + 0.5 * rng.standard_normal(x0.size) * np.maximum(1, np.abs(x0)), lo, hi)
             for name, vg, x0, lo, hi in bounded_set() for k in range(3)]
    rows = compare_with_scipy(probs, maxcor=maxcor)
    # from random starts a problem may reach another local minimizer: compare where both agree on f
    same = [r for r in rows if r["df"] <= F_TOL]
    assert len(same) >= 0.9 * len(rows)
    for r in same:
        assert r["active"] and r["dx"] <= X_TOL, r
    assert sum(r["nfev"] == r["nfev_scipy"] for r in rows) >= 0.9 * len(rows)
    assert sum(r["nfev"] for r in rows) <= 1.03 * sum(r["nfev_scipy"] for r in rows)


def test_scipy_method_passes_bounds():
    name, vg, x0, lo, hi = bounded_set()[0]
    r = so.minimize(vg, x0, jac=True, method=po.scipy_method("lbfgs"), bounds=so.Bounds(lo, hi))
    s = so.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=so.Bounds(lo, hi))
    assert isinstance(r, so.OptimizeResult) and r.nfev == s.nfev
    assert _active(r.x, lo, hi) == _active(s.x, lo, hi) and len(_active(s.x, lo, hi)) > 0
    np.testing.assert_allclose(r.x, s.x, rtol=1e-6, atol=1e-8)


# ---- variables fixed by lo = hi (SciPy's removal when finite differences are needed) -----------------------------

def test_fixed_variables_with_finite_differences_as_scipy():
    """lo_i = hi_i: with finite differences the variable is removed (fun always sees its fixed value; the
    result's jac is NaN there), as scipy.optimize.minimize does; the same x and evaluations as SciPy."""
    lo, hi = np.array([0.0, 2.0, -1.0, -1.0]), np.array([3.0, 2.0, 2.0, -1.0])
    seen = []

    def f(x):
        seen.append(x.copy())
        return so.rosen(x)
    x0 = np.array([0.5, 0.1, 0.3, 0.9])
    for jac in (None, False, "2-point"):
        seen.clear()
        r = po.minimize(f, x0, jac=jac, method="L-BFGS-B", bounds=list(zip(lo, hi)), options={"return_all": True})
        s = so.minimize(so.rosen, x0, jac=jac, method="L-BFGS-B", bounds=list(zip(lo, hi)))
        assert all(v.size == 4 and v[1] == 2.0 and v[3] == -1.0 for v in seen)
        assert all(v.size == 4 and v[1] == 2.0 for v in r.allvecs)
        np.testing.assert_allclose(r.x, s.x, rtol=1e-6)
        assert np.isnan(r.jac[[1, 3]]).all() and np.isnan(s.jac[[1, 3]]).all()
        assert (r.nfev, r.nit) == (s.nfev, s.nit)
    # an analytic gradient: nothing removed, the fixed variables never move
    r = po.minimize(so.rosen, x0, jac=so.rosen_der, method="L-BFGS-B", bounds=list(zip(lo, hi)))
    s = so.minimize(so.rosen, x0, jac=so.rosen_der, method="L-BFGS-B", bounds=list(zip(lo, hi)))
    assert r.x[1] == 2.0 and r.x[3] == -1.0 and np.all(np.isfinite(r.jac))
    np.testing.assert_allclose(r.x, s.x, rtol=1e-6)


def test_all_variables_fixed_as_scipy():
    b = [(1.0, 1.0), (2.0, 2.0)]
    r = po.minimize(so.rosen, np.zeros(2), method="L-BFGS-B", bounds=b)
    s = so.minimize(so.rosen, np.zeros(2), method="L-BFGS-B", bounds=b)
    assert (r.message, r.success, r.nfev, r.fun) == (s.message, s.success, s.nfev, s.fun)
    np.testing.assert_array_equal(r.x, s.x)
