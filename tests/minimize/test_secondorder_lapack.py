"""Newton's factorizations by provider (pyoptim/_minimize/_linalg.py, csrc/lapack.c): SciPy's LAPACK
capsules, numpy.linalg through Python, and the own C routines give the same iterates, take the same
shift route on indefinite Hessians, and are checked against the NumPy twin of the loop
(pyoptim._reference._minimize, an independent implementation on numpy.linalg). The capsule setter
refuses bad input with TypeError."""
import subprocess
import sys
import threading

import numpy as np
import pytest

import pyoptim as po
from pyoptim import _reference as R
from pyoptim import kernels
from pyoptim._minimize import _linalg

core = kernels._core
needs_core = pytest.mark.skipif(core is None, reason="the C core is not in use (not built, or PYOPTIM_BACKEND=numpy)")
try:
    from scipy.linalg import cython_lapack
except ImportError:   # pragma: no cover - SciPy is a test dependency here
    cython_lapack = None
needs_scipy = pytest.mark.skipif(cython_lapack is None, reason="SciPy is not installed: no LAPACK capsules")

# iterates of two providers agree to this, |xa - xb| <= ITER_TOL * max(1, max|xb|) per coordinate: the
# factorizations differ only in rounding (~n eps cond(H)), which Newton's iterates contract
ITER_TOL = 1e-9


def assert_close_iterate(xa, xb, msg=""):
    np.testing.assert_allclose(xa, xb, rtol=0, atol=ITER_TOL * max(1.0, float(np.abs(xb).max())), err_msg=msg)


def problem(kind, n, seed=3, start=0.01):
    """(fun returning (f, g), hess, x0); "nonconvex" starts near a saddle (x0 of size `start`): the
    Hessian is indefinite there."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    if kind == "convex":
        A = (Q * np.logspace(-1, 1.5, n)) @ Q.T
        b = rng.standard_normal(n)
        A = 0.5 * (A + A.T)

        def fun(x):
            return 0.5 * x @ A @ x - b @ x + np.sum(np.logaddexp(x, -x)), A @ x - b + np.tanh(x)

        def hess(x):
            return A + np.diag(1.0 - np.tanh(x) ** 2)
        return fun, hess, np.full(n, 2.0)
    A = (Q * np.linspace(-1.0, 2.0, n)) @ Q.T
    A = 0.5 * (A + A.T)
    b = 0.1 * rng.standard_normal(n)

    def fun(x):
        return 0.5 * x @ A @ x - b @ x + 0.25 * np.sum(x ** 4), A @ x - b + x ** 3

    def hess(x):
        return A + np.diag(3.0 * x ** 2)
    return fun, hess, start * rng.standard_normal(n)


def providers():
    out = ["own", "numpy"]
    if cython_lapack is not None and core is not None:
        out.append("lapack")
    return out


def run(kind, n, linalg, **opts):
    # plain Newton (damping=0) on an indefinite H is LU's case; from this start its steps are descent steps
    fun, hess, x0 = problem(kind, n, 3, 0.3) if "damping" in opts else problem(kind, n)
    return po.minimize(fun, x0, jac=True, hess=hess, method="newton",
                       options={"linalg": linalg, "return_path": True, **opts})


def assert_same_run(a, b):
    assert (a.nit, a.nfev, a.nhev, a.status) == (b.nit, b.nfev, b.nhev, b.status)
    assert len(a.path) == len(b.path)
    for xa, xb in zip(a.path, b.path):
        assert_close_iterate(xa, xb)


@needs_core
@pytest.mark.parametrize("kind,opts", [("convex", {}), ("nonconvex", {}), ("nonconvex", {"saddle_free": True}),
                                       ("nonconvex", {"damping": 0.0}), ("nonconvex", {"damping": 0.3})],
                         ids=["convex", "shift", "saddle-free", "plain-LU", "fixed-damping"])
@pytest.mark.parametrize("n", [7, 60])
def test_providers_give_the_same_iterates(kind, opts, n):
    if "damping" in opts and n > 7:
        pytest.skip("no start found where the LU steps of a fixed damping stay descent steps at this n")
    runs = {p: run(kind, n, p, **opts) for p in providers()}
    ref = runs.pop("own")
    assert ref.nit >= 2
    for p, r in runs.items():
        assert_same_run(r, ref)


@needs_core
@pytest.mark.parametrize("kind,opts", [("convex", {}), ("nonconvex", {}), ("nonconvex", {"saddle_free": True})],
                         ids=["convex", "shift", "saddle-free"])
@pytest.mark.parametrize("linalg", ["own", "numpy", "lapack"])
def test_c_loop_matches_the_numpy_twin(kind, opts, linalg):
    """The twin (numpy.linalg in Python, its own N&W Alg. 3.3 loop) is an independent implementation."""
    if linalg not in providers():
        pytest.skip("SciPy is not installed")
    n = 25
    fun, hess, x0 = problem(kind, n)
    kw = dict(hess=hess, method=1, gtol=1e-8, maxiter=200, damping=-1.0, saddle_free=opts.get("saddle_free", False))
    pc, pt = [x0.copy()], [x0.copy()]
    c = core._minimize(fun, x0, path=pc, linalg=_linalg.argument(linalg), **kw)
    t = R._minimize(fun, x0, path=pt, **kw)
    assert c[3:] == t[3:]
    for xa, xb in zip(pc, pt):
        assert_close_iterate(xa, xb)


@needs_core
def test_indefinite_hessian_takes_the_same_shift_route():
    """N&W Alg. 3.3 on an indefinite H: tau starts at -min(diag H) + 1e-3 and doubles until Cholesky succeeds.
    The shifts the loop asks for are recorded through a NumPy provider, compared with the route written
    out from the eigenvalues, and the LAPACK and own providers land on the same first step."""
    n = 12
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.linspace(-3.0, 1.0, n)
    H = (Q * lam) @ Q.T
    H = 0.5 * (H + H.T)
    g0 = rng.standard_normal(n)

    def fun(x):   # bounded below by the quartic: the line search stops at a finite step
        return 0.5 * x @ H @ x + g0 @ x + 0.25 * np.sum(x ** 4), H @ x + g0 + x ** 3
    shifts = []

    def chol(A, shift):
        shifts.append(shift)
        return _linalg._np_cholesky(A, shift)
    x0 = np.zeros(n)
    kw = dict(hess=lambda x: H + np.diag(3.0 * x ** 2), method=1, maxiter=1, damping=-1.0)
    core._minimize(fun, x0, linalg=(chol, _linalg._np_lu_solve, _linalg._np_eigh), **kw)
    # the route: tau_0 = -min diag + 1e-3 (min diag < 0 here), then doubled; the first PD shift ends it
    mind = H.diagonal().min()
    assert mind < 0
    route, tau = [], -mind + 1e-3
    while True:
        route.append(tau)
        if np.linalg.eigvalsh(H).min() + tau > 0:
            break
        tau = max(2 * tau, 1e-3)
    assert shifts == route and len(route) >= 2
    firsts = {}
    for p in providers():
        path = [x0.copy()]
        core._minimize(fun, x0, path=path, linalg=_linalg.argument(p), **kw)
        firsts[p] = path[1]
    # the step of the route's last shift, solved independently
    d = np.linalg.solve(H + route[-1] * np.eye(n), -g0)
    for p, x1 in firsts.items():
        t = (x1 @ d) / (d @ d)   # the line search's step length along d
        assert t > 0
        assert_close_iterate(x1, t * d, p)
        assert_close_iterate(x1, firsts["own"], p)


@needs_core
@needs_scipy
def test_auto_uses_the_capsules_when_scipy_is_present():
    assert _linalg.lapack_available()
    assert core._lapack_ready()
    assert _linalg.resolve("auto", 3) == "lapack" and _linalg.resolve("auto", 500) == "lapack"
    assert po.show_config(mode="dicts")["newton_linalg"]["auto"] == "lapack"
    # handing the same capsules again is accepted (True: that table is in use), from several threads at once
    capi = {k: cython_lapack.__pyx_capi__[k] for k in _linalg._LAPACK_NAMES}
    res = []
    ts = [threading.Thread(target=lambda: res.append(core._set_lapack(capi))) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert res == [True] * 4


def _capsules():
    return {k: cython_lapack.__pyx_capi__[k] for k in _linalg._LAPACK_NAMES}


@pytest.mark.c_only
@needs_core
@needs_scipy
@pytest.mark.parametrize("bad", ["list", "missing", "not-capsule", "wrong-signature", "float32"])
def test_set_lapack_bad_input_raises_typeerror(bad):
    caps = _capsules()
    if bad == "list":
        arg = list(caps.values())
    elif bad == "missing":
        arg = {k: v for k, v in caps.items() if k != "dsyevd"}
    elif bad == "not-capsule":
        arg = {**caps, "dpotrf": 12345}
    elif bad == "wrong-signature":
        arg = {**caps, "dpotrf": caps["dgetrf"]}
    else:   # the float32 routine under the float64 name
        arg = {**caps, "dpotrf": cython_lapack.__pyx_capi__["spotrf"]}
    with pytest.raises(TypeError, match="_set_lapack"):
        core._set_lapack(arg)
    assert _linalg.lapack_available()   # the table in use is untouched


@pytest.mark.c_only
@needs_core
def test_minimize_linalg_argument_checked():
    fun, hess, x0 = problem("convex", 3)
    with pytest.raises(TypeError, match="linalg"):
        core._minimize(fun, x0, hess=hess, method=1, linalg=3)
    with pytest.raises(TypeError, match="linalg"):
        core._minimize(fun, x0, hess=hess, method=1, linalg=(len, len))
    with pytest.raises(ValueError, match="Invalid linalg"):
        po.minimize(fun, x0, jac=True, hess=hess, method="newton", options={"linalg": "mkl"})


@pytest.mark.c_only
@needs_core
def test_numpy_provider_errors_propagate():
    fun, hess, x0 = problem("convex", 4)

    def boom(A, shift):
        raise ZeroDivisionError("from the provider")
    with pytest.raises(ZeroDivisionError, match="from the provider"):
        core._minimize(fun, x0, hess=hess, method=1, linalg=(boom, _linalg._np_lu_solve, _linalg._np_eigh))
    with pytest.raises(ValueError, match="wrong shape"):
        core._minimize(fun, x0, hess=hess, method=1,
                       linalg=(lambda A, s: np.eye(3), _linalg._np_lu_solve, _linalg._np_eigh))


@needs_core
def test_without_scipy_auto_falls_back_and_pyoptim_never_imports_scipy():
    """In a fresh interpreter: import pyoptim leaves SciPy unimported; with SciPy blocked, "auto" runs the
    own routines for small n and numpy.linalg from NUMPY_MIN_N on, with the right answer."""
    code = r"""
import sys
import pyoptim
assert "scipy" not in sys.modules, "import pyoptim imported scipy"
sys.modules["scipy"] = None   # as if SciPy were not installed
import numpy as np
from pyoptim._minimize import _linalg
assert not _linalg.lapack_available() and "SciPy is not installed" in _linalg._lapack["why"]
assert _linalg.resolve("auto", 3) == "own"
assert _linalg.resolve("auto", _linalg.NUMPY_MIN_N) == "numpy"
try:
    _linalg.resolve("lapack", 3)
except ValueError as e:
    assert "SciPy" in str(e)
else:
    raise AssertionError("linalg='lapack' without SciPy did not raise")
rng = np.random.default_rng(1)
for n in (5, _linalg.NUMPY_MIN_N + 2):
    M = rng.standard_normal((n, n)); H = M @ M.T + np.eye(n); b = rng.standard_normal(n)
    r = pyoptim.minimize(lambda x: (0.5 * x @ H @ x - b @ x, H @ x - b), np.zeros(n), jac=True,
                         hess=lambda x: H, method="newton")
    assert np.allclose(r.x, np.linalg.solve(H, b), rtol=1e-10, atol=1e-10), n
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


@pytest.mark.parametrize("linalg", ["auto", "own", "numpy"])
def test_linalg_option_on_every_backend(linalg):
    """The option is accepted whichever backend runs (the NumPy twin always factors with numpy.linalg)
    and the result is the minimizer, computed independently."""
    n = 9
    rng = np.random.default_rng(5)
    M = rng.standard_normal((n, n))
    H = M @ M.T + np.eye(n)
    b = rng.standard_normal(n)
    r = po.minimize(lambda x: (0.5 * x @ H @ x - b @ x, H @ x - b), np.zeros(n), jac=True, hess=lambda x: H,
                    method="newton", options={"linalg": linalg})
    np.testing.assert_allclose(r.x, np.linalg.solve(H, b), rtol=1e-10, atol=1e-12)
