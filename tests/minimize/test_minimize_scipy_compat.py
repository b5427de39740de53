"""pyoptim.minimize as a drop-in for scipy.optimize.minimize: calling convention, result, tolerance of user
code, the defects of issue 15 (unbounded objectives, scaling, c1) and pyoptim.scipy_method."""
import warnings

import numpy as np
import pytest

import pyoptim as po

so = pytest.importorskip("scipy.optimize")
X0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])
METHODS = ["BFGS", "CG", "Newton-CG", "L-BFGS-B"]


def _second(m):
    return {"hessp": so.rosen_hess_prod} if m == "Newton-CG" else {}


# ---- calling convention ------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_scipy_call_reaches_scipys_answer(method):
    ref = so.minimize(so.rosen, X0, method=method, jac=so.rosen_der, **_second(method))
    res = po.minimize(so.rosen, X0, method=method, jac=so.rosen_der, **_second(method))
    assert res.success and ref.success
    assert res.fun <= ref.fun + 1e-8
    np.testing.assert_allclose(res.x, ref.x, atol=2e-3)


def test_method_none_picks_bfgs_and_jac_none_is_finite_differences():
    calls = []

    def f(x):
        calls.append(1)
        return so.rosen(x)
    res = po.minimize(f, X0)
    assert "hess_inv" in res and res.hess_inv.shape == (5, 5)   # BFGS
    assert res.success and len(calls) == res.nfev and res.nfev >= 6 * res.njev - 5   # 2-point: n + 1 per gradient
    np.testing.assert_allclose(res.x, 1, atol=1e-3)
    # eps is SciPy's absolute forward-difference step: a huge eps spoils the gradient
    bad = po.minimize(so.rosen, X0, options={"eps": 1e-1, "maxiter": 50})
    assert np.abs(bad.x - 1).max() > 1e-3


def test_value_and_gradient_fun_recognised_when_jac_is_none():
    res = po.minimize(lambda x: (so.rosen(x), so.rosen_der(x)), X0, method="bfgs")
    ref = po.minimize(so.rosen, X0, jac=so.rosen_der, method="bfgs")
    assert res.nfev == ref.nfev == res.njev and res.success
    np.testing.assert_array_equal(res.x, ref.x)


def test_args_reach_fun_jac_hessp():
    a = np.array([1.0, 2.0, 3.0])
    fun = lambda x, c, s: s * float(((x - c) ** 2).sum())   # noqa: E731
    jac = lambda x, c, s: 2 * s * (x - c)                    # noqa: E731
    hessp = lambda x, p, c, s: 2 * s * p                     # noqa: E731
    for m in ("bfgs", "cg", "lbfgs"):
        np.testing.assert_allclose(po.minimize(fun, np.zeros(3), args=(a, 2.0), jac=jac, method=m).x, a, atol=1e-6)
    r = po.minimize(fun, np.zeros(3), args=(a, 2.0), jac=jac, hessp=hessp, method="newton-cg")
    np.testing.assert_allclose(r.x, a, atol=1e-6)
    # a single non-tuple args is wrapped, as SciPy does
    np.testing.assert_allclose(po.minimize(lambda x, c: float(((x - c) ** 2).sum()), [0.0], args=3.0).x, [3.0],
                               atol=1e-6)


@pytest.mark.parametrize("jac", ["2-point", "3-point", "cs"])
def test_finite_difference_jac_kinds(jac):
    fun = lambda x: np.sum(np.cosh(x) - 0.5 * x)   # noqa: E731  (complex-safe for 'cs'; sinh(x*) = 0.5)
    res = po.minimize(fun, np.full(3, 1.5), jac=jac, method="bfgs")
    np.testing.assert_allclose(res.x, np.arcsinh(0.5), atol=1e-5)
    per_grad = {"2-point": 3, "3-point": 6, "cs": 3}[jac]   # evaluations of f per gradient, besides f(x)
    assert res.nfev == res.njev * (per_grad + 1)


def test_finite_diff_rel_step_is_used():
    seen = []

    def f(x):
        seen.append(np.array(x))
        return float(x @ x)
    po.minimize(f, np.array([2.0]), jac="2-point", options={"finite_diff_rel_step": 1e-3, "maxiter": 1})
    assert abs(seen[1][0] - seen[0][0]) == pytest.approx(1e-3 * 2.0, rel=1e-6)


@pytest.mark.parametrize("form", ["dense", "sparse", "operator", "2-point", "3-point", "strategy"])
def test_newton_cg_hess_forms(form):
    sp = pytest.importorskip("scipy.sparse")
    sla = pytest.importorskip("scipy.sparse.linalg")
    hess = {"dense": so.rosen_hess, "sparse": lambda x: sp.csr_matrix(so.rosen_hess(x)),
            "operator": lambda x: sla.aslinearoperator(so.rosen_hess(x)), "2-point": "2-point",
            "3-point": "3-point", "strategy": so.BFGS()}[form]
    res = po.minimize(so.rosen, X0, jac=so.rosen_der, hess=hess, method="Newton-CG")
    assert res.success, res.message
    np.testing.assert_allclose(res.x, 1, atol=1e-4)
    if form in ("dense", "sparse", "operator"):
        assert 0 < res.nhev <= res.nit + 1   # one Hessian per iterate, whatever the CG inner loop needs
    if form in ("2-point", "3-point"):
        assert res.njev > res.nfev   # the Hessian products cost gradients


def test_callback_forms_stopiteration_and_return_all():
    seen_x, seen_r = [], []
    r1 = po.minimize(so.rosen, X0, jac=so.rosen_der, callback=lambda xk: seen_x.append(xk),
                     options={"return_all": True})
    r2 = po.minimize(so.rosen, X0, jac=so.rosen_der, callback=lambda intermediate_result: seen_r.append(intermediate_result))
    assert len(seen_x) == r1.nit == len(r1.allvecs) - 1 and len(seen_r) == r2.nit
    np.testing.assert_array_equal(np.array(r1.allvecs[1:]), np.array(seen_x))
    np.testing.assert_array_equal(r1.allvecs[0], X0)
    assert seen_r[-1].fun == r2.fun and np.array_equal(seen_r[-1].x, r2.x)

    def stop(intermediate_result):
        if intermediate_result.fun < 1.0:
            raise StopIteration
    for m in METHODS:
        r = po.minimize(so.rosen, X0, jac=so.rosen_der, method=m, callback=stop, **_second(m))
        assert (r.status, r.success, r.message) == (99, False, "`callback` raised `StopIteration`.")
        assert r.fun < 1.0 and r.fun == so.rosen(r.x)


def test_tol_and_scipy_options():
    loose = po.minimize(so.rosen, X0, jac=so.rosen_der, tol=1e-2)
    tight = po.minimize(so.rosen, X0, jac=so.rosen_der, tol=1e-9)
    assert np.abs(loose.jac).max() <= 1e-2 and np.abs(tight.jac).max() <= 1e-9 and loose.nit < tight.nit
    # norm: the 2-norm test is stricter than the max-norm test at the same gtol
    r2 = po.minimize(so.rosen, X0, jac=so.rosen_der, options={"gtol": 1e-3, "norm": 2})
    assert np.linalg.norm(r2.jac) <= 1e-3
    # xrtol stops earlier than gtol alone; hess_inv0 starts from the given matrix
    assert po.minimize(so.rosen, X0, options={"xrtol": 1e-3}).nit != po.minimize(so.rosen, X0, options={"gtol": 1e-3}).nit
    r0 = po.minimize(so.rosen, X0, jac=so.rosen_der, options={"hess_inv0": 1e-2 * np.eye(5)})
    assert r0.success and abs(r0.fun) < 1e-8
    with pytest.raises(ValueError, match="'hess_inv0' matrix isn't positive definite."):
        po.minimize(so.rosen, X0, options={"hess_inv0": -np.eye(5)})
    with pytest.raises(ValueError, match="'c1' and 'c2'"):
        po.minimize(so.rosen, X0, method="cg", options={"c1": 0.5, "c2": 0.1})
    # L-BFGS-B's maxcor, maxfun, maxls, ftol
    r = po.minimize(so.rosen, X0, jac=so.rosen_der, method="L-BFGS-B", options={"maxfun": 5})
    assert r.status == 1 and r.nfev <= 5 and "F,G EVALUATIONS" in r.message
    loose = po.minimize(so.rosen, X0, jac=so.rosen_der, method="L-BFGS-B", options={"ftol": 1e-3})
    assert loose.success and "RELATIVE REDUCTION" in loose.message
    r = po.minimize(so.rosen, X0, jac=so.rosen_der, method="L-BFGS-B", options={"maxcor": 3})
    assert r.success and len(r.hess_inv.sk) == 3
    # Newton-CG's xtol: sum |step| <= n xtol
    steps = []
    r = po.minimize(so.rosen, X0, jac=so.rosen_der, hess=so.rosen_hess, method="Newton-CG", tol=1e-2,
                    callback=lambda xk: steps.append(xk))
    last = np.abs(steps[-1] - steps[-2]).sum()
    assert r.success and last <= 5 * 1e-2 and np.abs(steps[-2] - steps[-3]).sum() > 5 * 1e-2


def test_integer_valued_float_counts_and_unknown_options():
    r = po.minimize(so.rosen, X0, jac=so.rosen_der, options={"maxiter": 3.0})
    assert r.nit == 3 and r.status == 1
    assert po.minimize(so.rosen, X0, jac=so.rosen_der, options={"maxiter": 2.5}).nit == 3   # SciPy: k < 2.5
    assert po.minimize(so.rosen, X0, jac=so.rosen_der, options={"maxiter": -1}).nit == 0
    with pytest.raises(ValueError, match="Invalid maxiter"):
        po.minimize(so.rosen, X0, options={"maxiter": "many"})
    with pytest.warns(so.OptimizeWarning, match="Unknown solver options: bogus"):
        po.minimize(so.rosen, X0, jac=so.rosen_der, options={"bogus": 1})


def test_disp_prints_scipys_report_and_warns_on_failure(capsys):
    po.minimize(so.rosen, X0, jac=so.rosen_der, options={"disp": True})
    out = capsys.readouterr().out
    assert out.startswith("Optimization terminated successfully.") and "Gradient evaluations:" in out
    with pytest.warns(so.OptimizeWarning, match="Maximum number of iterations"):
        po.minimize(so.rosen, X0, jac=so.rosen_der, options={"disp": True, "maxiter": 2})


def test_unused_hess_and_bounds_warn_as_scipy():
    with pytest.warns(RuntimeWarning, match="does not use Hessian"):
        po.minimize(so.rosen, X0, jac=so.rosen_der, hess=so.rosen_hess, method="bfgs")
    with pytest.warns(RuntimeWarning, match="cannot handle bounds"):
        po.minimize(so.rosen, X0, jac=so.rosen_der, bounds=[(0, 2)] * 5, method="cg")
    r = po.minimize(so.rosen, X0, jac=so.rosen_der, bounds=[(None, None)] * 5)   # infinite bounds: none
    assert "hess_inv" in r and r.success and r.message.startswith("CONVERGENCE")
    r = po.minimize(so.rosen, X0, jac=so.rosen_der, bounds=[(0, 0.5)] * 5)   # finite bounds: L-BFGS-B
    assert r.success and np.all(r.x <= 0.5) and r.message.startswith("CONVERGENCE")


# ---- result --------------------------------------------------------------------------------------------

def test_hess_inv_bfgs_and_lbfgs_operator():
    q = po.functions.quadratic(6, cond=10.0, seed=0)
    r = po.minimize(q.value_and_grad, q.x0, method="bfgs", options={"gtol": 1e-8})
    # BFGS's H approaches the inverse Hessian of a quadratic (N&W 6.1; book 8.6.3): H A close to I
    assert r.success and np.abs(r.hess_inv @ q.H - np.eye(6)).max() < 0.3
    r0 = po.minimize(q.value_and_grad, q.x0, method="bfgs", options={"maxiter": 0})
    np.testing.assert_array_equal(r0.hess_inv, np.eye(6))   # no update yet: H0 = I, as SciPy
    r = po.minimize(q.value_and_grad, q.x0, method="lbfgs", options={"gtol": 1e-8, "ftol": 0.0})
    H = r.hess_inv
    v = np.arange(6.0)
    np.testing.assert_allclose(H.matvec(v), H.todense() @ v, rtol=1e-12)
    np.testing.assert_allclose(H.todense(), H.todense().T, atol=1e-12)
    # the operator satisfies the secant equation of its newest pair: H y = s
    np.testing.assert_allclose(H.matvec(H.yk[-1]), H.sk[-1], rtol=1e-8, atol=1e-12)
    sla = pytest.importorskip("scipy.sparse.linalg")
    np.testing.assert_allclose(sla.aslinearoperator(H) @ v, H @ v)


def test_result_fields_and_njev_counts():
    nj = [0]

    def jac(x):
        nj[0] += 1
        return so.rosen_der(x)
    for m in METHODS:
        nj[0] = 0
        r = po.minimize(so.rosen, X0, jac=jac, method=m, **_second(m))
        assert {"x", "fun", "jac", "nit", "nfev", "njev", "status", "success", "message"} <= set(r)
        assert r.njev == nj[0] and r.fun == so.rosen(r.x)
    nj[0] = 0
    r = po.minimize(so.rosen, X0, jac=jac, method="Newton-CG")   # finite-difference Hessian products
    assert r.njev == nj[0] and r.njev > r.nfev


# ---- tolerance of user code ----------------------------------------------------------------------------

@pytest.mark.parametrize("wrap", [lambda v: np.array([v]), lambda v: np.float32(v), lambda v: np.array(v),
                                  lambda v: np.array([[v]])])
def test_scalar_forms_accepted(wrap):
    r = po.minimize(lambda x: wrap(so.rosen(x)), X0, jac=so.rosen_der)
    assert r.success and isinstance(r.fun, float)


def test_non_scalar_objective_names_the_shape():
    with pytest.raises(ValueError, match=r"scalar value.*shape \(2,\)"):
        po.minimize(lambda x: np.array([1.0, 2.0]), X0)


def test_fun_and_jac_get_copies():
    def fun(x):
        v = so.rosen(x)
        x[:] = 1e6
        return v

    def jac(x):
        g = so.rosen_der(x)
        x[:] = -1e6
        return g
    r = po.minimize(fun, X0, jac=jac)
    ref = po.minimize(so.rosen, X0, jac=so.rosen_der)
    np.testing.assert_array_equal(r.x, ref.x)


# ---- defects of issue 15 ------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_unbounded_below_ends_with_a_status(method):
    with np.errstate(over="ignore"):
        r = po.minimize(lambda x: -np.exp(-x[0]), [0.0], jac=lambda x: np.exp(-x), method=method,
                        hessp=(lambda x, p: -np.exp(-x) * p) if method == "Newton-CG" else None)
    assert not r.success and r.status in (1, 2, 3) and r.fun < -1e300


@pytest.mark.parametrize("method", ["BFGS", "CG", "L-BFGS-B", "gd"])
def test_invariant_to_scaling_f(method):
    x0 = [-1.2, 1.0, 0.5]
    runs = []
    for s in (1e-50, 1.0, 1e50):
        r = po.minimize(lambda x: s * so.rosen(x), x0, jac=lambda x: s * so.rosen_der(x), method=method,
                        options={"gtol": 1e-5 * s, "ftol": 0.0, "maxiter": 20000} if method == "L-BFGS-B"
                        else {"gtol": 1e-5 * s, "maxiter": 20000})
        runs.append(r)
    assert all(r.success for r in runs)
    assert max(r.nit for r in runs) - min(r.nit for r in runs) <= 0.2 * runs[1].nit
    for r in runs:
        np.testing.assert_allclose(r.x, 1, atol=1e-4)


@pytest.mark.c_only   # which steps meet c1 depends on C's summation order (the twin uses c1 too: other starts differ)
def test_c1_changes_the_run():
    x0 = [10.3, 20.7, 10.8, 1.9, -1.2]
    a = po.minimize(so.rosen, x0, method="bfgs", options={"c1": 1e-8})
    b = po.minimize(so.rosen, x0, method="bfgs", options={"c1": 1e-1})
    assert a.nfev != b.nfev


# ---- scipy_method ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["bfgs", "cg", "newton-cg", "lbfgs"])
def test_scipy_method_inside_scipy(name):
    kw = {"hessp": so.rosen_hess_prod} if name == "newton-cg" else {}
    res = so.minimize(lambda x: (so.rosen(x), so.rosen_der(x)), X0, jac=True, method=po.scipy_method(name),
                      tol=1e-6, **kw)
    direct = po.minimize(so.rosen, X0, jac=so.rosen_der, method=name, tol=1e-6, **kw)
    assert isinstance(res, so.OptimizeResult) and res.success
    np.testing.assert_array_equal(res.x, direct.x)
    assert res.nit == direct.nit


def test_scipy_method_rejects_constraints_and_unknown_names():
    with pytest.raises(ValueError, match="constraints"):
        so.minimize(so.rosen, X0, method=po.scipy_method("bfgs"), constraints={"type": "eq", "fun": lambda x: x[0]})
    with pytest.raises(ValueError, match="Invalid method"):
        po.scipy_method("nelder-mead")


def test_no_scipy_needed(monkeypatch):
    """minimize runs with SciPy unimportable (import lazily only for SciPy's own types)."""
    import builtins
    import sys
    real = builtins.__import__
    for k in [k for k in sys.modules if k == "scipy" or k.startswith("scipy.")]:
        monkeypatch.delitem(sys.modules, k)

    def guarded(name, *a, **k):
        if name == "scipy" or name.startswith("scipy."):
            raise ImportError("no scipy")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", guarded)
    f = po.functions.rosenbrock(3)
    for m in ("bfgs", "cg", "newton-cg", "lbfgs"):
        r = po.minimize(f.fun, f.x0, jac=f.grad, method=m)
        assert r.success, (m, r.message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.warns(po.OptimizeWarning):
            po.minimize(f.fun, f.x0, options={"bogus": 1})
