"""pyoptim.minimize, linear_cg, coordinate_descent and optim.LBFGS: the claims of book 8.2.3, 8.6 and
8.7.2, every status message, and the bad-input table."""
import gc

import numpy as np
import pytest

import pyoptim as po
from pyoptim import functions as F
from refcount import refcounts_unchanged

METHODS = ["gd", "newton", "newton-cg", "cg", "bfgs", "lbfgs"]


# ---- book claims ---------------------------------------------------------------------------------------

def test_one_newton_step_lands_on_a_quadratics_minimum():
    """8.6.1: with the exact Hessian, one Newton step solves a quadratic (any condition number)."""
    q = F.quadratic(6, cond=1e4, seed=3)
    res = po.minimize(q.value_and_grad, q.x0, method="newton", hess=q.hess, options={"return_path": True})
    np.testing.assert_allclose(res.path[1], q.xmin, rtol=1e-9, atol=1e-9)
    assert res.nit == 1 and res.success


def test_linear_cg_solves_an_spd_system_in_at_most_n_iterations():
    """8.6.2: n = 50, condition number 100, to 1e-8 within n iterations (evenly spread spectrum; with a
    geometric spectrum finite precision costs a few extra iterations, which we also bound)."""
    q = F.quadratic(50, cond=100.0, seed=0, spectrum="linear")
    res = po.linear_cg(q.H, q.b, tol=1e-8)
    assert res.success and res.nit <= 50
    assert np.abs(res.x - q.xmin).max() <= 1e-8 * max(1.0, np.abs(q.xmin).max())
    # matvec form, with the path
    res2 = po.linear_cg(lambda p: q.H @ p, q.b, tol=1e-8, return_path=True)
    assert res2.nit == res.nit and res2.path.shape == (res.nit + 1, 50)
    q2 = F.quadratic(50, cond=100.0, seed=0)
    assert po.linear_cg(q2.H, q2.b, tol=1e-8).nit <= 70


def test_linear_cg_refuses_an_indefinite_matrix():
    with pytest.raises(np.linalg.LinAlgError):
        po.linear_cg(np.diag([1.0, -1.0]), np.ones(2))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("c_objective", [False, True])
def test_every_method_reaches_rosenbrocks_minimum(method, c_objective):
    f = F.rosenbrock(2)
    fun = f if c_objective else (lambda x: f.value_and_grad(x))
    second = {"newton": {"hess": f.hess}, "newton-cg": {"hessp": f.hessp}}.get(method, {})
    res = po.minimize(fun, [-1.2, 1.0], method=method, **second,
                      options={"maxiter": 20000, "maxfev": 50000, "ftol": 0.0})
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-4)
    assert res.fun < 1e-9 and np.abs(res.jac).max() <= 1e-5


@pytest.mark.parametrize("method", ["bfgs", "lbfgs"])
def test_quasi_newton_converges_superlinearly(method):
    """8.6.3: near the optimum the ratio of successive gradient norms falls towards 0."""
    f = F.rosenbrock(2)
    gn = []
    po.minimize(f.value_and_grad, f.x0, method=method, options={"gtol": 1e-12, "ftol": 0.0},
                callback=lambda intermediate_result: gn.append(np.linalg.norm(f.grad(intermediate_result.x))))
    gn = np.array([g for g in gn if g > 1e-11])
    ratios = gn[1:] / gn[:-1]
    assert ratios[-3:].max() < 0.3 and ratios[-3:].min() < 0.1
    # linear convergence of gradient descent for contrast: its ratios stay near a constant
    q = F.quadratic(2, cond=30.0, seed=0)
    gd_n = []
    po.minimize(q, q.x0, method="gd", options={"maxiter": 40},
                callback=lambda intermediate_result: gd_n.append(np.linalg.norm(q.grad(intermediate_result.x))))
    assert np.median(np.array(gd_n[1:]) / np.array(gd_n[:-1])) > 0.3


def test_newton_is_attracted_to_the_saddle_and_saddle_free_newton_and_gd_escape():
    """8.2.3: plain Newton jumps to the saddle of x² − y²; GD and saddle-free Newton move away."""
    s = F.saddle()
    plain = po.minimize(s, s.x0, method="newton", options={"damping": 0.0})
    assert plain.success and np.abs(plain.x).max() < 1e-12
    free = po.minimize(s, s.x0, method="newton", options={"saddle_free": True, "maxiter": 10})
    gd = po.minimize(s, s.x0, method="gd", options={"maxiter": 10, "line_search": "backtracking"})
    for r in (free, gd):
        assert abs(r.x[1]) > 10 * abs(s.x0[1]) and r.fun < -0.1
    # damped ("auto") Newton also avoids it: it adds lambda I until H + lambda I is positive definite
    damped = po.minimize(s, s.x0, method="newton", options={"maxiter": 5})
    assert abs(damped.x[1]) > abs(s.x0[1]) and damped.fun < 0


def test_lbfgs_memory_is_O_mn():
    """8.6.3: L-BFGS keeps m pairs of n-vectors, never an n x n matrix. At n = 200,000 a dense inverse
    Hessian would need 320 GB; L-BFGS needs (2m + 6) n doubles in the C loop."""
    f = F.rosenbrock(200_000)
    r = po.minimize(f, f.x0, method="lbfgs", options={"maxiter": 3, "m": 5})
    assert r.nit == 3 and r.fun < f(f.x0)
    # the torch-style optimizer's history: exactly m rows of n for s and for y
    n, m = 1000, 7
    g = F.rosenbrock(n)
    x = g.x0.copy()
    opt = po.optim.LBFGS([x], history_size=m, max_iter=30, line_search_fn="strong_wolfe")
    opt.step(lambda: (lambda v, gr: (v, [gr]))(*g.value_and_grad(x)))
    st = opt.state[0]
    assert st["S"].shape == st["Y"].shape == (m, n) and st["count"] == m
    total = sum(v.nbytes for v in st.values() if isinstance(v, np.ndarray))
    assert total <= (2 * m + 3) * n * 8


def test_logistic_regression_fit_matches_scipy():
    so = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 10))
    y = (X @ rng.standard_normal(10) + rng.standard_normal(500) > 0).astype(float)
    f = F.logistic_regression(X, y, l2=1e-2)
    ref = so.minimize(f.value_and_grad, np.zeros(10), jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10000})
    for method in ("lbfgs", "bfgs", "newton", "newton-cg", "cg"):
        res = po.minimize(f, np.zeros(10), method=method, options={"gtol": 1e-9, "ftol": 0.0})
        assert res.success or (res.status in (2, 3) and np.abs(res.jac).max() < 1e-8), res.message
        np.testing.assert_allclose(res.x, ref.x, atol=1e-6)


def test_softmax_and_least_squares_fits():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 4))
    yk = rng.integers(0, 3, 300)
    f = F.softmax_regression(X, yk, l2=0.1)
    res = po.minimize(f, f.x0, options={"gtol": 1e-10})
    assert res.success and np.abs(f.grad(res.x)).max() < 1e-9
    ls = F.least_squares(X, X @ np.arange(4.0), l2=0.0)
    res = po.minimize(ls, ls.x0, method="newton")
    np.testing.assert_allclose(res.x, np.arange(4.0), atol=1e-10)


def test_optim_lbfgs_matches_torch_with_strong_wolfe():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    N, D = 200, 5
    X = rng.standard_normal((N, D))
    y = (X @ rng.standard_normal(D) + 0.5 * rng.standard_normal(N) > 0).astype(float)
    f = F.logistic_regression(X, y, l2=1e-2)
    for ls in (None, "strong_wolfe"):
        w = np.zeros(D)
        opt = po.optim.LBFGS([w], line_search_fn=ls, max_iter=20)
        losses = [opt.step(lambda: (lambda v, g: (v, [g]))(*f.value_and_grad(w))) for _ in range(3)]
        wt = torch.zeros(D, dtype=torch.float64, requires_grad=True)
        Xt, yt = torch.tensor(X), torch.tensor(y)
        topt = torch.optim.LBFGS([wt], line_search_fn=ls, max_iter=20)

        def closure():
            topt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(Xt @ wt, yt) + 0.5e-2 * (wt * wt).sum()
            loss.backward()
            return loss
        tl = [topt.step(closure).item() for _ in range(3)]
        np.testing.assert_allclose(losses, tl, rtol=1e-10)
        np.testing.assert_allclose(w, wt.detach().numpy(), atol=1e-9)
        assert opt.state[0]["func_evals"] == topt.state[wt]["func_evals"]


def test_optim_lbfgs_trains_a_pyoptim_nn_model():
    nn = po.nn
    if not hasattr(nn, "Dense") or not hasattr(nn, "SoftmaxCrossEntropy"):
        pytest.skip("pyoptim.nn.Dense not available yet")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Dense(4, 8, seed=0, dtype=np.float64), nn.Tanh(), nn.Dense(8, 2, seed=1, dtype=np.float64))
    loss = nn.SoftmaxCrossEntropy()
    opt = po.optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe", max_iter=50)

    def closure():
        model.zero_grad()
        val = loss.forward(model.forward(X), y)
        model.backward(loss.backward())
        return val
    first = opt.step(closure)
    assert closure() < 0.5 * first


def test_coordinate_descent_is_slow_for_small_alpha():
    """8.7.2: on f(x) = (x1 − x2)² + α(x1² + x2²) coordinate descent crawls when α is small."""
    def sweeps(alpha):
        A = np.array([[2 + 2 * alpha, -2.0], [-2.0, 2 + 2 * alpha]])
        return po.coordinate_descent(A, np.zeros(2), [1.0, -0.5], tol=1e-8, maxiter=100000).nit
    s_big, s_small = sweeps(1.0), sweeps(0.01)
    assert s_small > 20 * s_big
    A = np.array([[2.02, -2.0], [-2.0, 2.02]])
    res = po.coordinate_descent(A, np.zeros(2), [1.0, -0.5], maxiter=3, return_path=True)
    assert res.path.shape == (7, 2)
    assert np.all(np.diff(res.path, axis=0)[0::2, 1] == 0) and np.all(np.diff(res.path, axis=0)[1::2, 0] == 0)


def test_coordinate_descent_solves_the_lasso():
    """Exact on the lasso: agrees with ISTA (proximal gradient) and with the closed form for an
    orthogonal design, w_i = S(x_i'y/N, l1) / (x_i'x_i/N)."""
    rng = np.random.default_rng(2)
    N, D, l1 = 200, 8, 0.1
    X = rng.standard_normal((N, D))
    y = X @ np.array([2.0, -1.0, 0, 0, 0.5, 0, 0, 0]) + 0.1 * rng.standard_normal(N)
    A, b = X.T @ X / N, X.T @ y / N
    res = po.coordinate_descent(A, b, l1=l1, tol=1e-14, maxiter=10000)
    w = np.zeros(D)
    step = 1 / np.linalg.eigvalsh(A).max()
    for _ in range(20000):
        z = w - step * (A @ w - b)
        w = np.sign(z) * np.maximum(np.abs(z) - step * l1, 0)
    np.testing.assert_allclose(res.x, w, atol=1e-9)
    assert np.sum(res.x == 0) >= 3
    Q, _ = np.linalg.qr(rng.standard_normal((N, D)))
    Xo = Q * np.sqrt(N)
    yo = rng.standard_normal(N)
    Ao, bo = Xo.T @ Xo / N, Xo.T @ yo / N
    closed = np.sign(bo) * np.maximum(np.abs(bo) - l1, 0)
    np.testing.assert_allclose(po.coordinate_descent(Ao, bo, l1=l1).x, closed, atol=1e-12)


# ---- every status message -----------------------------------------------------------------------------

def test_every_status_is_reachable():
    f = F.rosenbrock(2)
    assert po.minimize(f, f.x0).status == 0
    r = po.minimize(f, f.x0, method="gd", options={"maxiter": 3})
    assert (r.status, r.success, r.nit) == (1, False, 3) and "iterations" in r.message
    r = po.minimize(f, f.x0, method="gd", options={"maxfev": 7})
    assert r.status == 2 and r.nfev <= 7 and "evaluations" in r.message
    r = po.minimize(lambda x: (float(x @ x), np.zeros(2)), [1.0, 1.0], options={"gtol": 0.0}, method="gd")
    assert (r.status, r.success, r.nit, r.x.tolist()) == (0, True, 0, [1.0, 1.0])  # |g| = 0 <= gtol: at x0
    r = po.minimize(lambda x: (float(x @ x), -2 * x), [1.0, 1.0], method="gd")   # wrong-sign gradient
    assert r.status == 3 and "Line search" in r.message
    r = po.minimize(lambda x: (np.nan, x), [1.0, 1.0], method="gd")
    assert r.status == 4 and "Non-finite" in r.message
    s = F.saddle()
    r = po.minimize(s, [0.01, 1.0], method="newton", options={"damping": 0.0})
    assert r.status == 5 and "descent" in r.message

    def stop(intermediate_result):
        if intermediate_result.fun < 1.0:
            raise StopIteration
    r = po.minimize(f, f.x0, method="gd", callback=stop)
    assert r.status == 99 and "callback" in r.message and r.fun < 1.0
    r = po.minimize(f, f.x0, method="gd", options={"ftol": 1e-3})
    assert r.status == 7 and r.success


def test_nonfinite_region_is_never_accepted():
    """A trial point where f is NaN/inf is a step too long: the solve goes on around it."""
    def fun(x):
        if x[0] > 0.5:
            return np.inf, np.full(2, np.nan)
        return float((x[0] - 0.4) ** 2 + x[1] ** 2), np.array([2 * (x[0] - 0.4), 2 * x[1]])
    for method in ("lbfgs", "bfgs", "cg", "gd"):
        r = po.minimize(fun, [-3.0, 1.0], method=method)
        assert r.success and np.isfinite(r.fun)
        np.testing.assert_allclose(r.x, [0.4, 0.0], atol=1e-5)


def test_result_object_callback_forms_and_path():
    f = F.rosenbrock(2)
    seen = []
    r = po.minimize(f.value_and_grad, f.x0, method="bfgs", callback=lambda xk: seen.append(xk.copy()),
                    options={"return_path": True})
    assert isinstance(r, po.OptimizeResult) and isinstance(r, dict)
    assert r.x is r["x"] and r.nit == len(seen) and r.path.shape == (r.nit + 1, 2)
    np.testing.assert_array_equal(r.path[1:], np.array(seen))
    assert set("x fun jac nit nfev njev nhev success status message".split()) <= set(r)
    assert "nit" in repr(r)
    with pytest.raises(AttributeError):
        r.nothing


@pytest.mark.parametrize("jac", [False, "2-point", "3-point", "callable"])
def test_jac_conventions(jac):
    f = F.rosenbrock(2)
    if jac == "callable":
        r = po.minimize(f.fun, f.x0, jac=f.grad, method="bfgs")
    else:
        r = po.minimize(f.fun, f.x0, jac=jac, method="bfgs")
    assert r.success or r.status == 3
    np.testing.assert_allclose(r.x, [1, 1], atol=1e-3)
    if jac in (False, "2-point"):
        assert r.nfev >= 3 * r.njev - 1


def test_newton_cg_hessp_from_hess_or_finite_differences_and_tol():
    f = F.rosenbrock(3)
    r1 = po.minimize(f.value_and_grad, f.x0, method="newton-cg", hess=f.hess)
    r2 = po.minimize(f.value_and_grad, f.x0, method="newton-cg", options={"gtol": 1e-8})
    for r in (r1, r2):
        assert r.success and r.nhev > 0
        np.testing.assert_allclose(r.x, 1, atol=1e-5)
    assert np.abs(r2.jac).max() <= 1e-8


def _evaluated_points(obj):
    pts = []

    def fun(x):
        pts.append(np.array(x, copy=True))
        return obj.value_and_grad(x)
    return fun, pts


def test_more_thuente_options_reproduce_scipys_bfgs_iterates():
    """line_search="more-thuente", init_step="quadratic", h0="identity" is scipy's BFGS: every evaluated
    point agrees (Rosenbrock n = 2 and 10, to rounding), so do nit and nfev."""
    so = pytest.importorskip("scipy.optimize")
    for n in (2, 10):
        obj = F.rosenbrock(n)
        fs, ps = _evaluated_points(obj)
        rs = so.minimize(fs, obj.x0, jac=True, method="BFGS")
        fp, pp = _evaluated_points(obj)
        r = po.minimize(fp, obj.x0, method="bfgs",
                        options={"line_search": "more-thuente", "init_step": "quadratic", "h0": "identity"})
        assert (r.nit, r.nfev) == (rs.nit, rs.nfev)
        np.testing.assert_allclose(np.array(pp), np.array(ps), atol=1e-6)


def test_more_thuente_options_reproduce_lbfgsb_iterates():
    """With c1 = 1e-3 and xtol = 0.1 (L-BFGS-B's dcsrch settings) pyoptim's L-BFGS visits the points
    scipy's unconstrained L-BFGS-B visits (until scipy's relative-reduction test stops it)."""
    so = pytest.importorskip("scipy.optimize")
    obj = F.rosenbrock(2)
    fs, ps = _evaluated_points(obj)
    rs = so.minimize(fs, obj.x0, jac=True, method="L-BFGS-B")
    fp, pp = _evaluated_points(obj)
    po.minimize(fp, obj.x0, method="lbfgs", options={"line_search": "more-thuente", "c1": 1e-3, "ls_xtol": 0.1, "ftol": 0.0})
    assert len(pp) >= rs.nfev
    np.testing.assert_allclose(np.array(pp[:rs.nfev]), np.array(ps), atol=1e-6)


@pytest.mark.parametrize("method", ["bfgs", "lbfgs"])
@pytest.mark.parametrize("line_search", ["strong-wolfe", "more-thuente"])
def test_quasi_newton_first_trial_step_has_unit_length(method, line_search):
    """init_step="unit": with no curvature memory the first trial is x0 - g/|g|_2 (L-BFGS-B's and
    liblbfgs's rule), whatever the scale of g; with "quadratic" it is scipy's min(1, 1.01/|g|_2)."""
    q = F.quadratic(5, cond=10.0, seed=1)
    for scale in (1e-3, 1.0, 1e3):
        pts = []

        def rec(x):
            pts.append(np.array(x, copy=True))
            v, g = q.value_and_grad(x)
            return scale * v, scale * g
        x0 = q.xmin + 10.0
        g0 = rec(x0)[1]
        pts.clear()
        po.minimize(rec, x0, method=method, options={"line_search": line_search, "maxiter": 1})
        assert np.linalg.norm(pts[1] - x0) == pytest.approx(1.0, rel=1e-12)
        pts.clear()
        po.minimize(rec, x0, method=method, options={"line_search": line_search, "maxiter": 1,
                                                      "init_step": "quadratic"})
        assert np.linalg.norm(pts[1] - x0) == pytest.approx(min(1.0, 1.01 / np.linalg.norm(g0)) * np.linalg.norm(g0),
                                                            rel=1e-12)


@pytest.mark.parametrize("method", ["bfgs", "lbfgs"])
def test_rounding_floor_counts_as_converged(method):
    """Near the minimum f(x + td) - f(x) is below the rounding of f, so no step "decreases" f; a trial equal
    to f(x) to rounding whose gradient meets gtol ends the solve as converged (not "line search failed")."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 4))
    f = F.softmax_regression(X, rng.integers(0, 3, 300), l2=0.1)
    res = po.minimize(f, f.x0, method=method, options={"gtol": 1e-10, "ftol": 0.0})
    assert res.success and res.status == 0 and np.abs(f.grad(res.x)).max() <= 1e-10
    assert res.fun == pytest.approx(f(res.x), rel=1e-15)
    # with fun called from Python and a callback, the same
    seen = []
    res2 = po.minimize(f.value_and_grad, f.x0, method=method, options={"gtol": 1e-10, "ftol": 0.0},
                       callback=lambda intermediate_result: seen.append(intermediate_result.fun))
    assert res2.success and len(seen) == res2.nit and seen[-1] == res2.fun


def test_backtracking_and_fletcher_reeves():
    f = F.rosenbrock(2)
    for opts in ({"line_search": "backtracking"}, {"beta": "fr"}, {"beta": "fr", "restart": 5}):
        r = po.minimize(f, f.x0, method="cg" if "beta" in opts else "lbfgs",
                        options={**opts, "maxiter": 50000, "maxfev": 200000})
        assert r.success
        np.testing.assert_allclose(r.x, 1, atol=1e-4)


# ---- bad input ------------------------------------------------------------------------------------------

class Boom(Exception):
    pass


def _raise(x):
    raise Boom("from fun")


@pytest.mark.parametrize("call, exc, match", [
    (lambda: po.minimize(F.rosenbrock(2), [np.nan, 1.0]), ValueError, "Invalid x0"),
    (lambda: po.minimize(F.rosenbrock(2), [np.inf, 1.0]), ValueError, "Invalid x0"),
    (lambda: po.minimize(F.rosenbrock(2), []), ValueError, "Invalid x0"),
    (lambda: po.minimize(F.rosenbrock(2), [1.0, 2.0, 3.0]), ValueError, "Invalid x0"),
    (lambda: po.minimize(lambda x: (1.0, np.ones(3)), [1.0, 2.0]), ValueError, "shape"),
    (lambda: po.minimize(lambda x: (1.0, np.ones((2, 1))), [1.0, 2.0]), ValueError, "shape"),
    (lambda: po.minimize(lambda x: 1.0, [1.0, 2.0], jac=True), TypeError, "value, gradient"),
    (lambda: po.minimize(lambda x: ("a", x), [1.0, 2.0]), ValueError, "scalar value"),
    (lambda: po.minimize(_raise, [1.0, 2.0]), Boom, "from fun"),
    (lambda: po.minimize(lambda x: (x @ x, 2 * x), [1.0, 2.0], method="newton"), ValueError, "requires hess"),
    (lambda: po.minimize(lambda x: (x @ x, 2 * x), [1.0, 2.0], method="newton", hess=lambda x: np.eye(3)),
     ValueError, "hess returned shape"),
    (lambda: po.minimize(lambda x: (x @ x, 2 * x), [1.0, 2.0], method="newton", hess=_raise), Boom, "from fun"),
    (lambda: po.minimize(lambda x: (x @ x, 2 * x), [1.0, 2.0], method="newton-cg", hessp=lambda x, p: p[:1]),
     ValueError, "hessp returned shape"),
    (lambda: po.minimize(F.rosenbrock(2), [1.0, 2.0], callback=lambda xk: _raise(xk)), Boom, "from fun"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], method="adam"), ValueError, "Invalid method"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], options={"gtol": -1}), ValueError, "Invalid gtol"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], options={"maxiter": "many"}), ValueError, "Invalid maxiter"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], method="lbfgs", options={"m": 0}), ValueError, "Invalid m"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], method="cg", options={"beta": "hs"}), ValueError, "Invalid beta"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], options={"line_search": "exact"}), ValueError, "Invalid line_search"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], method="newton", hess=F.rosenbrock(2).hess,
                                options={"damping": -1.0}), ValueError, "Invalid damping"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], options={"init_step": "big"}), ValueError, "Invalid init_step"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], options={"h0": "eye"}), ValueError, "Invalid h0"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], options={"ls_xtol": -1.0}), ValueError, "Invalid ls_xtol"),
    (lambda: po.minimize(F.rosenbrock(2), [0.0, 0.0], options={"c2": 1e-6}), ValueError, "'c1' and 'c2'"),
    (lambda: po.minimize(lambda x: x @ x, [0.0, 0.0], jac="4-point"), ValueError, "Invalid jac"),
    (lambda: po.linear_cg(np.eye(3), np.ones(2)), ValueError, "Invalid A"),
    (lambda: po.coordinate_descent(np.diag([1.0, 0.0]), np.ones(2)), ValueError, "Invalid A"),
    (lambda: po.coordinate_descent(np.eye(2), np.ones(2), l1=-1), ValueError, "Invalid l1"),
    (lambda: po.optim.LBFGS([np.zeros(2)], lr=0), ValueError, "Invalid learning rate"),
    (lambda: po.optim.LBFGS([np.zeros(2)], line_search_fn="armijo"), ValueError, "Invalid line_search_fn"),
    (lambda: po.optim.LBFGS([np.zeros(2), np.zeros(2, np.float32)]), TypeError, "dtype"),
])
def test_bad_input_table(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_exceptions_inside_fun_leak_nothing():
    x0 = np.array([1.0, 2.0])
    calls = [0]

    def fun(x):
        calls[0] += 1
        if calls[0] == 5:
            raise Boom("late")
        return F.rosenbrock(2).value_and_grad(x)
    with pytest.raises(Boom):  # warm-up: first-call imports and caches are not a leak
        po.minimize(fun, x0, method="gd", options={"gtol": 0.0})
    gc.collect()
    n_objects = len(gc.get_objects())
    with refcounts_unchanged(x0, fun, collect=True):
        for _ in range(50):
            calls[0] = 0
            with pytest.raises(Boom):
                po.minimize(fun, x0, method="gd", options={"gtol": 0.0})
    assert len(gc.get_objects()) - n_objects < 50


def test_every_loop_is_bounded():
    f = F.rosenbrock(2)
    for m in METHODS:
        r = po.minimize(f, f.x0, method=m, options={"maxiter": 4, "maxfev": 9})
        assert r.nit <= 4 and r.nfev <= 9
    assert po.linear_cg(np.eye(3) * [1, 2, 3], np.ones(3), maxiter=1).nit == 1
    assert po.coordinate_descent(np.array([[2.0, -1.9], [-1.9, 2.0]]), np.ones(2), maxiter=2).nit == 2
