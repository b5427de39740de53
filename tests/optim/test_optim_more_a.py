"""Adadelta, Adamax, NAdam and RAdam (issue 18): kernels against the written formulas and their NumPy
twins (float32/float64, 1 and 2 OpenMP threads), the classes against torch.optim over 100 steps, state
and state_dict layout, state_dict round trips, and torch's validation errors.

Hostile inputs (dtype, layout, aliasing, bad hyperparameters), thread-vs-serial calls and leaks are
covered for these kernels by the generic registry tests (tests/_support/kernel_registry.py)."""
import copy
import inspect
import itertools
import pickle
import zlib

import numpy as np
import pytest

import pyoptim
import pyoptim as po
from pyoptim import _reference as ref
from pyoptim import kernels as K
from threads import same_bits_for_thread_counts

DTYPES = [np.float32, np.float64]
NAMES = ["Adadelta", "Adamax", "NAdam", "RAdam"]

# ---- kernels: state names and option sets --------------------------------------------------------------

STATE = {"adadelta_step": ["square_avg", "acc_delta"], "adamax_step": ["exp_avg", "exp_inf"],
         "nadam_step": ["exp_avg", "exp_avg_sq"], "radam_step": ["exp_avg", "exp_avg_sq"]}
OPTIONS = {
    "adadelta_step": [dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.01),
                      dict(lr=0.5, rho=0.3, maximize=True), dict(lr=1.0, rho=0.0, eps=0.0)],
    "adamax_step": [dict(lr=0.01, beta1=0.9, beta2=0.999, weight_decay=0.01, step=4.0),
                    dict(lr=0.01, beta1=0.2, step=1.0, maximize=True),        # lerp weight >= 0.5
                    dict(lr=0.01, beta2=0.0, eps=0.0, step=9.0)],
    "nadam_step": [dict(lr=0.01, weight_decay=0.01, momentum_decay=4e-3, mu_product=0.3, step=3.0),
                   dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True, mu_product=0.45,
                        step=1.0),
                   dict(lr=0.01, beta1=0.2, momentum_decay=0.0, mu_product=0.01, step=5.0)],
    "radam_step": [dict(lr=0.01, weight_decay=0.01, step=10.0),                # rectified (rho_t > 5)
                   dict(lr=0.01, step=2.0, maximize=True),                      # plain momentum step
                   dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, beta1=0.3, beta2=0.9, step=50.0)],
}


def _make(kernel, n, dtype, rng):
    p = (4 * rng.random(n) - 2).astype(dtype)
    g = (4 * rng.random(n) - 2).astype(dtype)
    st = []
    for name in STATE[kernel]:
        if name in ("square_avg", "acc_delta", "exp_inf", "exp_avg_sq"):
            st.append((rng.random(n) + 0.01).astype(dtype))   # non-negative accumulators
        else:
            st.append((4 * rng.random(n) - 2).astype(dtype))
    return [p, g] + st


def _copies(arrs):
    return [a.copy() for a in arrs]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 7, 1000, 10**6])
@pytest.mark.parametrize("kernel", sorted(STATE))
def test_kernel_matches_twin_bit_for_bit(kernel, n, dtype):
    rng = np.random.default_rng(zlib.crc32(f"{kernel}{n}".encode()))
    for kw in OPTIONS[kernel] if n < 10**6 else OPTIONS[kernel][:1]:
        arrs = _make(kernel, n, dtype, rng)
        twin = _copies(arrs)
        getattr(K, kernel)(*arrs, **kw)
        getattr(ref, kernel)(*twin, **kw)
        for a, b in zip(arrs, twin):
            assert a.dtype == dtype
            assert a.tobytes() == b.tobytes(), f"{kernel} {kw}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_and_two_threads_give_identical_bits(dtype):
    n = K.PAR_GRAIN * 2 + 13
    rng = np.random.default_rng(11)
    inputs = {k: _make(k, n, dtype, rng) for k in sorted(STATE)}

    def run():
        out = []
        for kernel in sorted(STATE):
            for kw in OPTIONS[kernel]:
                arrs = _copies(inputs[kernel])
                getattr(K, kernel)(*arrs, **kw)
                out += arrs
        return out

    same_bits_for_thread_counts(run)


# ---- one step against the written formula (math in float64, not the twin's operation order) ------------

P0, G = np.array([1.0, -2.0, 0.5]), np.array([0.5, 0.25, -1.0])
M0, V0 = np.array([0.1, -0.1, 0.3]), np.array([0.2, 0.3, 0.05])


def test_adadelta_one_step_formula():
    lr, rho, eps, wd = 0.7, 0.8, 1e-6, 0.1
    p, r, u = P0.copy(), V0.copy(), M0 ** 2
    K.adadelta_step(p, G, r, u, lr=lr, rho=rho, eps=eps, weight_decay=wd)
    g = G + wd * P0
    r1 = rho * V0 + (1 - rho) * g ** 2
    delta = np.sqrt(M0 ** 2 + eps) / np.sqrt(r1 + eps) * g
    np.testing.assert_allclose(r, r1, rtol=1e-15)
    np.testing.assert_allclose(u, rho * M0 ** 2 + (1 - rho) * delta ** 2, rtol=1e-14)
    np.testing.assert_allclose(p, P0 - lr * delta, rtol=1e-14)


def test_adamax_one_step_formula():
    lr, b1, b2, eps, t = 0.01, 0.9, 0.99, 1e-8, 3
    for maximize in (False, True):
        p, m, u = P0.copy(), M0.copy(), V0.copy()
        K.adamax_step(p, G, m, u, lr=lr, beta1=b1, beta2=b2, eps=eps, step=t, maximize=maximize)
        g = -G if maximize else G
        m1 = b1 * M0 + (1 - b1) * g
        u1 = np.maximum(b2 * V0, np.abs(g) + eps)
        np.testing.assert_allclose(m, m1, rtol=1e-15)
        np.testing.assert_array_equal(u, u1)
        np.testing.assert_allclose(p, P0 - lr / (1 - b1 ** t) * m1 / u1, rtol=1e-14)


def test_nadam_one_step_formula():
    """Dozat's update: the next step's bias-corrected momentum plus the gradient's own share."""
    lr, b1, b2, eps, psi, t = 0.01, 0.9, 0.999, 1e-8, 4e-3, 3
    mus = [b1 * (1 - 0.5 * 0.96 ** (k * psi)) for k in range(1, t + 2)]
    prod_t = np.prod(mus[:t])
    for wd, dec in [(0.0, False), (0.1, False), (0.1, True)]:
        p, m, v = P0.copy(), M0.copy(), V0.copy()
        K.nadam_step(p, G, m, v, lr=lr, beta1=b1, beta2=b2, eps=eps, weight_decay=wd, momentum_decay=psi,
                     mu_product=prod_t, step=t, decoupled_weight_decay=dec)
        q = P0 * (1 - lr * wd) if dec else P0
        g = G if dec else G + wd * P0
        m1 = b1 * M0 + (1 - b1) * g
        v1 = b2 * V0 + (1 - b2) * g * g
        den = np.sqrt(v1 / (1 - b2 ** t)) + eps
        mhat = mus[t] * m1 / (1 - prod_t * mus[t]) + (1 - mus[t - 1]) * g / (1 - prod_t)
        np.testing.assert_allclose(m, m1, rtol=1e-15)
        np.testing.assert_allclose(v, v1, rtol=1e-15)
        np.testing.assert_allclose(p, q - lr * mhat / den, rtol=1e-14)


def test_radam_one_step_formula():
    """Liu et al. (2020), Algorithm 2: momentum steps while rho_t <= 5, rectified Adam steps after."""
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    rho_inf = 2 / (1 - b2) - 1
    seen = set()
    for t in (1, 4, 5, 6, 100):
        p, m, v = P0.copy(), M0.copy(), V0.copy()
        K.radam_step(p, G, m, v, lr=lr, beta1=b1, beta2=b2, eps=eps, step=t)
        m1 = b1 * M0 + (1 - b1) * G
        v1 = b2 * V0 + (1 - b2) * G * G
        mhat = m1 / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            want = P0 - lr * mhat * r / (np.sqrt(v1 / (1 - b2 ** t)) + eps / np.sqrt(1 - b2 ** t))
        else:
            want = P0 - lr * mhat
        seen.add(rho_t > 5)
        np.testing.assert_allclose(p, want, rtol=1e-13)
    assert seen == {True, False}   # both branches exercised (rho_t crosses 5 between t = 5 and 6)


def test_adamax_and_adadelta_special_values_match_twin():
    """NaN and infinities in, NaN and infinities out where the twin has them (the maximum keeps NaN)."""
    vals = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.5, 1e300]
    grid = np.meshgrid(vals, vals, vals, [np.nan, np.inf, 0.0, 1.0, 1e300], indexing="ij")
    grid = [np.ascontiguousarray(x.ravel()) for x in grid]
    for kernel, kw in [("adamax_step", dict(lr=0.1, step=2.0, eps=0.0)), ("adamax_step", dict(lr=0.0, step=1.0)),
                       ("adadelta_step", dict(lr=1.0, eps=0.0)), ("adadelta_step", dict(lr=1.0, weight_decay=0.1)),
                       ("nadam_step", dict(lr=0.1, mu_product=0.5, step=1.0, eps=0.0)),
                       ("radam_step", dict(lr=0.1, step=7.0, eps=0.0))]:
        a, b = _copies(grid), _copies(grid)
        if kernel in ("nadam_step", "radam_step"):   # exp_avg signed, exp_avg_sq >= 0
            a[2], a[3] = a[3].copy(), np.abs(a[2])
            b[2], b[3] = b[3].copy(), np.abs(b[2])
        getattr(K, kernel)(*a, **kw)
        with np.errstate(all="ignore"):
            getattr(ref, kernel)(*b, **kw)
        for x, y in zip(a, b):
            assert np.array_equal(np.isnan(x), np.isnan(y)), (kernel, kw)
            ok = ~np.isnan(x)
            assert np.array_equal(x[ok], y[ok]), (kernel, kw)


@pytest.mark.c_only   # the C kernels check their arguments; the twins do not
@pytest.mark.parametrize("kernel,kw,what", [
    ("adadelta_step", dict(lr=1.0, rho=1.5), "invalid rho"),
    ("adadelta_step", dict(rho=0.5), "'lr'"),
    ("adamax_step", dict(lr=0.1), "'step'"),
    ("adamax_step", dict(lr=0.1, step=1.0, beta2=1.0), "invalid beta2"),
    ("nadam_step", dict(lr=0.1, step=1.0), "'mu_product'"),
    ("nadam_step", dict(lr=0.1, step=1.0, mu_product=1.0), "invalid mu_product"),
    ("nadam_step", dict(lr=0.1, step=1.0, mu_product=0.5, momentum_decay=-1.0), "invalid momentum_decay"),
    ("radam_step", dict(lr=0.1, step=0.0), "invalid step"),
    ("radam_step", dict(lr=float("nan"), step=1.0), "invalid lr: nan"),
])
def test_kernel_bad_hyperparameters(kernel, kw, what):
    arrs = [np.ones(3) for _ in range(4)]
    with pytest.raises((ValueError, TypeError), match=what):
        getattr(K, kernel)(*arrs, **kw)
    assert all(np.array_equal(a, np.ones(3)) for a in arrs)


# ---- the classes against torch.optim -------------------------------------------------------------------

SHAPES = [(), (3, 4), (1000,)]


def _configs():
    out = []
    for wd, mx in itertools.product([0.0, 0.05], [False, True]):
        out.append(("Adadelta", dict(lr=0.5, rho=0.85, weight_decay=wd, maximize=mx)))
        out.append(("Adamax", dict(lr=0.02, betas=(0.8, 0.99), weight_decay=wd, maximize=mx)))
        for dec in (False, True):
            out.append(("NAdam", dict(lr=0.02, betas=(0.8, 0.99), weight_decay=wd, maximize=mx,
                                      decoupled_weight_decay=dec, momentum_decay=6e-3)))
            out.append(("RAdam", dict(lr=0.02, betas=(0.8, 0.99), weight_decay=wd, maximize=mx,
                                      decoupled_weight_decay=dec)))
    out += [("Adadelta", {}), ("Adamax", {}), ("NAdam", {}), ("RAdam", {}), ("NAdam", dict(momentum_decay=0.0)),
            ("Adamax", dict(betas=(0.3, 0.5), eps=0.0))]
    return out


def _id(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


def _close(a, b, what=""):
    """Agreement to 1e-10 relative: elementwise rtol 1e-10, plus 1e-10 of the array's largest magnitude
    for elements near zero. (An element whose normalized step is sensitive to its parameter, |g| small
    and v small, amplifies a last-bit difference from torch's fused multiply-adds by up to ~2x per step;
    measured: 1e-15 grows to 1e-11 absolute on one of 1000 elements in 100 NAdam steps.)"""
    b = np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * max(float(np.max(np.abs(b), initial=0.0)), 1e-3),
                               err_msg=what)


def _grad(a, p, k):
    """A gradient that depends on the parameters (so differences would compound); computed by the same
    NumPy expression on both sides."""
    return np.asarray(a * np.sin(p + 0.1 * k) + 0.1 * p)


@pytest.mark.torch
@pytest.mark.parametrize("combo", _configs(), ids=_id)
def test_100_steps_match_torch(combo):
    torch = pytest.importorskip("torch")
    name, kw = combo
    rng = np.random.default_rng(zlib.crc32(_id(combo).encode()))
    init = [rng.standard_normal(s) for s in SHAPES]
    A = [rng.standard_normal(s) for s in SHAPES]
    ps = [x.copy() for x in init]
    ts = [torch.tensor(x.copy(), requires_grad=True) for x in init]
    lr = kw.get("lr", inspect.signature(getattr(po.optim, name)).parameters["lr"].default)
    groups = lambda q: [{"params": q[:2]}, {"params": q[2:], "lr": lr * 0.5}]  # noqa: E731
    opt = getattr(po.optim, name)(groups(ps), foreach=False, **kw)
    topt = getattr(torch.optim, name)(groups(ts), foreach=False, **kw)
    for k in range(100):
        skip = k % 7 == 3                  # a None gradient for the (3, 4) parameter now and then
        gs = [_grad(a, p, k) for a, p in zip(A, ps)]
        if skip:
            gs[1] = None
        opt.step(gs)
        with torch.no_grad():
            for i, (t, a) in enumerate(zip(ts, A)):
                t.grad = None if (skip and i == 1) else torch.from_numpy(_grad(a, t.detach().numpy(), k))
        topt.step()
        if k == 50:                        # rebuild the optimizer from its state_dict half way
            sd = opt.state_dict()
            opt = getattr(po.optim, name)(groups(ps), **kw)
            opt.load_state_dict(sd)   # foreach=False comes back from the saved groups
    for p, t in zip(ps, ts):
        _close(p, t.detach().numpy())
    sd, tsd = opt.state_dict(), topt.state_dict()
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert g.keys() == tg.keys()
        assert {k: v for k, v in g.items() if k != "betas"} == {k: v for k, v in tg.items() if k != "betas"}
    for i, st in sd["state"].items():
        assert st.keys() == tsd["state"][i].keys()
        for key, v in st.items():
            tv = tsd["state"][i][key]
            if key == "step":
                assert v == float(tv)
            elif key == "mu_product":
                assert v == float(tv)        # float32-rounded product, as torch's float32 scalar tensor
            else:
                assert v.shape == tuple(tv.shape) and v.dtype == np.float64
                _close(v, tv.numpy(), key)


def _torch_table_inputs(name):
    """torch's own CPU configurations for this optimizer (common_optimizers.optim_inputs_func_*)."""
    torch = pytest.importorskip("torch")
    co = pytest.importorskip("torch.testing._internal.common_optimizers")
    fn = getattr(co, f"optim_inputs_func_{name.lower()}")
    out = []
    for inp in fn("cpu"):
        if any(isinstance(v, torch.Tensor) for v in inp.kwargs.values()):
            continue   # tensor lr: another helper's item (0-d array hyperparameters)
        out.append(dict(inp.kwargs))
    return out


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_torch_table_configurations_match(name):
    """Every CPU configuration of torch's own table (tensor learning rates left to the 0-d array work),
    100 steps under a StepLR schedule, float64, shapes (), (3, 4), (1000,)."""
    torch = pytest.importorskip("torch")
    configs = _torch_table_inputs(name)
    assert configs
    for kw in configs:
        rng = np.random.default_rng(1)
        init = [rng.standard_normal(s) for s in SHAPES]
        A = [rng.standard_normal(s) for s in SHAPES]
        ps = [x.copy() for x in init]
        ts = [torch.tensor(x.copy(), requires_grad=True) for x in init]
        opt = getattr(po.optim, name)(ps, **kw)
        topt = getattr(torch.optim, name)(ts, foreach=False, **kw)
        sched = po.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.5)
        tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=30, gamma=0.5)
        for k in range(100):
            opt.step([_grad(a, p, k) for a, p in zip(A, ps)])
            for t, a in zip(ts, A):
                t.grad = torch.from_numpy(_grad(a, t.detach().numpy(), k))
            topt.step()
            sched.step()
            tsched.step()
        assert sched.get_last_lr() == tsched.get_last_lr()
        for p, t in zip(ps, ts):
            _close(p, t.detach().numpy(), f"{name} {kw}")


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_float32_close_to_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal(1000).astype(np.float32)
    x, t = x0.copy(), torch.tensor(x0.copy(), requires_grad=True)
    kw = {"Adadelta": dict(lr=1.0), "Adamax": dict(lr=0.01), "NAdam": dict(lr=0.01), "RAdam": dict(lr=0.01)}[name]
    opt = getattr(po.optim, name)([x], **kw)
    topt = getattr(torch.optim, name)([t], foreach=False, **kw)
    for k in range(20):
        opt.step([np.sin(x + k)])
        t.grad = torch.from_numpy(np.sin(t.detach().numpy() + k))
        topt.step()
    np.testing.assert_allclose(x, t.detach().numpy(), rtol=2e-5, atol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_torch_error_inputs_raise_alike(name):
    """Every optimizer-specific error input of torch's table raises the same exception type here, with
    a message torch's regex finds."""
    torch = pytest.importorskip("torch")
    co = pytest.importorskip("torch.testing._internal.common_optimizers")
    errs = [e for e in getattr(co, f"optim_error_inputs_func_{name.lower()}")("cpu", torch.float64)
            if e.optimizer_error_input.params is None
            and not any(isinstance(v, torch.Tensor) for v in e.optimizer_error_input.kwargs.values())]
    assert errs
    for e in errs:
        kw = e.optimizer_error_input.kwargs
        with pytest.raises(e.error_type, match=e.error_regex):
            getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
        with pytest.raises(e.error_type, match=e.error_regex):
            getattr(po.optim, name)([np.zeros(2)], **kw)


BAD = {
    "Adadelta": [dict(lr=-0.1), dict(rho=-0.1), dict(rho=1.01), dict(eps=-1e-6), dict(weight_decay=-1.0)],
    "Adamax": [dict(lr=-0.1), dict(eps=-1.0), dict(betas=(1.0, 0.9)), dict(betas=(0.9, -0.1)),
               dict(weight_decay=-0.5)],
    "NAdam": [dict(lr=-0.1), dict(eps=-1.0), dict(betas=(0.9, 1.0)), dict(weight_decay=-1.0),
              dict(momentum_decay=-1e-3)],
    "RAdam": [dict(lr=-0.1), dict(eps=-1.0), dict(betas=(-0.1, 0.9)), dict(betas=(0.9, 1.5)),
              dict(weight_decay=-1.0)],
}


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_bad_hyperparameters_raise_like_torch(name):
    torch = pytest.importorskip("torch")
    for kw in BAD[name]:
        with pytest.raises(Exception) as te:
            getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
        with pytest.raises(Exception) as pe:
            getattr(po.optim, name)([np.zeros(2)], **kw)
        assert pe.type is te.type, (name, kw, pe.value, te.value)
        key = next(iter(kw))
        assert key.rstrip("s") in str(pe.value).replace("learning rate", "lr").replace("epsilon", "eps") \
            or "beta" in str(pe.value), (name, kw, pe.value)


@pytest.mark.parametrize("name", NAMES)
def test_bad_hyperparameter_set_between_steps_raises_before_any_update(name):
    w = np.ones(3)
    opt = getattr(po.optim, name)([w])
    opt.step([np.ones(3)])
    before = w.copy()
    opt.param_groups[0]["lr"] = -1.0
    with pytest.raises(ValueError, match="learning rate"):
        opt.step([np.ones(3)])
    np.testing.assert_array_equal(w, before)


@pytest.mark.parametrize("name", NAMES)
def test_torch_only_flags(name):
    """foreach is accepted (the update is always fused); capturable / differentiable must be False."""
    getattr(po.optim, name)([np.zeros(2)], foreach=True).step([np.ones(2)])
    getattr(po.optim, name)([np.zeros(2)], foreach=False, capturable=False, differentiable=False)
    for flag in ("capturable", "differentiable"):
        with pytest.raises(NotImplementedError, match=flag):
            getattr(po.optim, name)([np.zeros(2)], **{flag: True})


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_state_names_are_torchs(name):
    torch = pytest.importorskip("torch")
    sig, tsig = inspect.signature(getattr(po.optim, name)), inspect.signature(getattr(torch.optim, name))
    assert list(sig.parameters) == list(tsig.parameters)
    for k, p in sig.parameters.items():
        assert p.kind == tsig.parameters[k].kind, (name, k)
        if k != "params":
            assert p.default == tsig.parameters[k].default, (name, k)
    w, t = np.zeros((2, 3)), torch.zeros((2, 3), dtype=torch.float64, requires_grad=True)
    opt, topt = getattr(po.optim, name)([w]), getattr(torch.optim, name)([t])
    opt.step([np.ones((2, 3))])
    t.grad = torch.ones((2, 3), dtype=torch.float64)
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"][0].keys() == tsd["state"][0].keys()
    assert sd["param_groups"][0].keys() == tsd["param_groups"][0].keys()
    np.testing.assert_allclose(w, t.detach().numpy(), rtol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_continues_bit_identically(name, dtype):
    rng = np.random.default_rng(3)
    shapes = [(), (4, 3), (K.PAR_GRAIN + 5,)]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(12)]
    kw = dict(weight_decay=0.01) if name in ("Adadelta", "Adamax") else dict(weight_decay=0.01,
                                                                          decoupled_weight_decay=True)
    a = [x.copy() for x in init]
    opt = getattr(po.optim, name)(a, **kw)
    for g in grads[:6]:
        opt.step(g)
    sd = pickle.loads(pickle.dumps(opt.state_dict()))
    b = [x.copy() for x in a]
    other = getattr(po.optim, name)(b, **kw)
    other.load_state_dict(copy.deepcopy(sd))
    for g in grads[6:]:
        opt.step(g)
        other.step(g)
    for x, y in zip(a, b):
        assert x.tobytes() == y.tobytes()
    assert opt.state_dict()["state"][0].keys() == other.state_dict()["state"][0].keys()
    assert a[0].shape == () and opt.state_dict()["state"][0][opt._array_state[0]].shape == ()


def test_nadam_mu_product_is_kept_like_torch():
    """mu_product is a per-parameter scalar, the product of the mu_t rounded to float32 at each step (torch
    keeps it as a float32 scalar tensor); a state_dict with an invalid one is refused."""
    w = np.zeros(3)
    opt = po.optim.NAdam([w], betas=(0.9, 0.999), momentum_decay=4e-3)
    prod = np.float32(1.0)
    for t in range(1, 6):
        opt.step([np.ones(3)])
        prod = np.float32(prod * np.float32(0.9 * (1 - 0.5 * 0.96 ** (t * 4e-3))))
        assert opt.state[0]["mu_product"] == float(prod)
        assert isinstance(opt.state[0]["mu_product"], float)
    sd = opt.state_dict()
    sd["state"][0]["mu_product"] = 1.5
    with pytest.raises(ValueError, match="mu_product"):
        po.optim.NAdam([np.zeros(3)]).load_state_dict(sd)


def test_parameters_with_grad_attribute_and_book_relation():
    """With Parameters, step() reads .grad; Adadelta with rho = 0 is sign-like: |Δ| = sqrt(eps)/sqrt(g²+eps)|g|."""
    p = po.nn.Parameter(np.array([1.0, -1.0, 2.0]))
    opt = po.optim.Adadelta([p], lr=1.0, rho=0.0, eps=1e-6)
    p.grad[...] = [3.0, -0.5, 0.0]
    opt.step()
    g = np.array([3.0, -0.5, 0.0])
    np.testing.assert_allclose(p.data, np.array([1.0, -1.0, 2.0]) - np.sqrt(1e-6) / np.sqrt(g * g + 1e-6) * g,
                               rtol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_nonfinite_gradient_propagates_elementwise(name, dtype):
    """As every pyoptim optimizer (docs/nonfinite.md): a NaN/inf gradient element poisons exactly its own
    parameter and state elements; every other element is bit-identical to a clean run; nothing raises."""
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(50).astype(dtype)
    grads = [rng.standard_normal(50).astype(dtype) for _ in range(3)]
    bad = {3: np.nan, 17: np.inf, 31: -np.inf}
    clean_p, dirty_p = p0.copy(), p0.copy()
    clean, dirty = getattr(po.optim, name)([clean_p]), getattr(po.optim, name)([dirty_p])
    for t, g in enumerate(grads):
        gd = g.copy()
        if t == 1:
            for i, v in bad.items():
                gd[i] = v
        clean.step([g])
        with np.errstate(all="ignore"):
            dirty.step([gd])
    idx = np.array(sorted(bad))
    others = np.setdiff1d(np.arange(50), idx)
    assert not np.isfinite(dirty_p[idx]).any()
    assert dirty_p[others].tobytes() == clean_p[others].tobytes()
    for key in dirty._array_state:
        assert dirty.state[0][key][others].tobytes() == clean.state[0][key][others].tobytes(), key


def test_docstring_examples_hold():
    import doctest

    from pyoptim.optim import _adaptive_more
    res = doctest.testmod(_adaptive_more, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 12 and res.failed == 0
