"""The first-order kernels of pyoptim.kernels against their NumPy twins, the written formulas, hostile
inputs, thread counts and reference counts."""
import inspect
import itertools

import numpy as np
import pytest

from pyoptim import _reference as ref
from pyoptim import kernels as K
import hostile
import kernel_registry as kr
from refcount import refcounts_unchanged
from threads import same_bits_for_thread_counts

DTYPES = [np.float32, np.float64]
SIZES = [0, 1, 7, 1000, 10**6]

# kernel -> (names of its state arrays after (param, grad), list of option dicts); the first option set
# is also run at 10**6 elements
STEP_KERNELS = {
    "sgd_step": (["momentum_buffer"], [
        dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
        dict(lr=0.1),
        dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True, first_step=True),
        dict(lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.1),
    ]),
    "adagrad_step": (["state_sum"], [
        dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, eps=1e-10, step=3.0),
        dict(lr=0.1, step=1.0, maximize=True),
    ]),
    "rmsprop_step": (["square_avg", "grad_avg", "momentum_buffer"], [
        dict(lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.01, momentum=0.9, centered=True),
        dict(lr=0.01),
        dict(lr=0.01, centered=True, maximize=True),
        dict(lr=0.01, momentum=0.5),
        dict(lr=0.01, alpha=0.3, centered=True),   # lerp weight >= 0.5: torch's other branch
    ]),
    "adam_step": (["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], [
        dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, step=5.0, amsgrad=True),
        dict(lr=0.01, step=1.0),
        dict(lr=0.01, weight_decay=0.1, step=2.0, decoupled_weight_decay=True, maximize=True),
        dict(lr=0.01, beta1=0.2, step=7.0),          # lerp weight >= 0.5
    ]),
}


def _state_values(name, n, dtype, rng):
    if name in ("state_sum", "square_avg", "exp_avg_sq", "max_exp_avg_sq"):
        return rng.random(n).astype(dtype)            # non-negative accumulators
    if name == "grad_avg":
        return (0.2 * rng.random(n) - 0.1).astype(dtype)
    return (4 * rng.random(n) - 2).astype(dtype)


def _make(kernel, n, dtype, rng):
    states, _ = STEP_KERNELS[kernel]
    p = (4 * rng.random(n) - 2).astype(dtype)
    g = (4 * rng.random(n) - 2).astype(dtype)
    st = [_state_values(s, n, dtype, rng) for s in states]
    if kernel == "rmsprop_step":   # keep square_avg >= grad_avg**2 (a valid centered state)
        st[0] = (st[0] + st[1].astype(np.float64) ** 2).astype(dtype)
    return [p, g] + st


def _copies(arrs):
    return [a.copy() for a in arrs]


def _assert_close_ulp(a, b, maxulp=2):
    """Equal bits (the usual case: same operations in the same order), else within maxulp."""
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.tobytes() != b.tobytes():
        np.testing.assert_array_max_ulp(a, b, maxulp=maxulp)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("kernel", sorted(STEP_KERNELS))
def test_kernel_matches_twin(kernel, n, dtype, rng):
    options = STEP_KERNELS[kernel][1]
    if n == 10**6:
        options = options[:1]
    for kw in options:
        arrs = _make(kernel, n, dtype, rng)
        twin = _copies(arrs)
        getattr(K, kernel)(*arrs, **kw)
        getattr(ref, kernel)(*twin, **kw)
        for a, b in zip(arrs, twin):
            assert a.dtype == dtype
            _assert_close_ulp(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_average_update_matches_twin(n, dtype, rng):
    for w in (1.0, 0.5, 1e-3, 0.0):
        a = rng.standard_normal(n).astype(dtype)
        p = rng.standard_normal(n).astype(dtype)
        a2 = a.copy()
        K.average_update(a, p, weight=w)
        ref.average_update(a2, p, weight=w)
        _assert_close_ulp(a, a2)
        if w == 1.0:
            assert np.array_equal(a, p)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_list_kernels_match_twins(n, dtype, rng):
    arrs = [rng.standard_normal(n).astype(dtype), rng.standard_normal((3, 2)).astype(dtype),
            np.array(2.5, dtype=dtype)]
    for p in (2.0, 1.0, 3.0, float("inf")):
        got, want = K.grad_norm(arrs, p), ref.grad_norm(arrs, p)
        assert got == pytest.approx(want, rel=1e-12)
    a1, a2 = _copies(arrs), _copies(arrs)
    K.scale_arrays(a1, 0.37)
    ref.scale_arrays(a2, 0.37)
    for x, y in zip(a1, a2):
        np.testing.assert_array_equal(x, y)
    a1, a2 = _copies(arrs), _copies(arrs)
    K.clamp_arrays(a1, 0.5)
    ref.clamp_arrays(a2, 0.5)
    for x, y in zip(a1, a2):
        np.testing.assert_array_equal(x, y)
        assert np.all(np.abs(x) <= 0.5)


def test_list_kernels_edge_values():
    assert K.grad_norm([]) == 0.0
    assert K.grad_norm([np.zeros(0)]) == 0.0
    x = np.array([3.0, np.nan, -1.0])
    assert np.isnan(K.grad_norm([x], float("inf")))
    assert np.isnan(K.grad_norm([x]))
    K.clamp_arrays([x], 2.0)
    assert x[0] == 2.0 and np.isnan(x[1]) and x[2] == -1.0
    # mixed dtypes in one list are fine (one kernel call per array)
    a, b = np.full(4, 3.0, np.float32), np.full(1, 4.0)
    assert K.grad_norm([a, b]) == pytest.approx(np.sqrt(4 * 9 + 16))


def test_grad_norm_overflowing_result_is_inf_in_kernel_and_twin():
    """A p < 1 norm of finite values may exceed float64's range (sum |x|^p)^(1/p): inf in both (the twin
    once raised OverflowError there; drawn by the hostile-input fuzz)."""
    arrays = [np.array([1e300, -1.7976931348623157e308, 2.0]), np.array([0.1], np.float32)]
    for p in (0.5, 0.25):
        assert K.grad_norm(arrays, p) == ref.grad_norm(arrays, p) == np.inf
    # just inside the range: finite, and the same value in both (the sum of square roots, squared)
    x = [np.array([1e300, 1e300])]
    assert K.grad_norm(x, 0.5) == pytest.approx((2 * 1e150) ** 2, rel=1e-14)
    assert K.grad_norm(x, 0.5) == pytest.approx(ref.grad_norm(x, 0.5), rel=1e-15)


# ---- non-finite edges: kernel, twin and torch agree NaN for NaN --------------------------------------
# Where 0 * inf or 0 / 0 decides (lr = 0 with an infinite exp_avg: -(lr/bc1) * exp_avg = NaN; eps = 0
# with exp_avg_sq = 0: den = 0), and in the AMSGrad max (NaN if either operand is NaN, torch.maximum),
# the kernel, its twin and torch.optim.Adam must give the same NaNs, infinities and signed zeros.

def _adam_edge_options():
    out = []
    for lr, eps, b1, b2, ams, (mx, wd, dec) in itertools.product(
            [0.0, 0.1], [0.0, 1e-8], [0.9, 0.2], [0.999, 0.0], [False, True],
            [(False, 0.0, False), (True, 0.1, False), (False, 0.1, True)]):
        out.append(dict(lr=lr, eps=eps, beta1=b1, beta2=b2, amsgrad=ams, maximize=mx, weight_decay=wd,
                        decoupled_weight_decay=dec, step=3.0 if b1 == 0.2 else 1.0))
    return out


def _assert_same_values(a, b, what):
    """Same NaN positions; elsewhere equal values with equal signs of zero (NaN payloads may differ)."""
    an, bn = np.isnan(a), np.isnan(b)
    bad = (an != bn) | (~an & ~bn & ((a != b) | (np.signbit(a) != np.signbit(b))))
    assert not bad.any(), f"{what}: {int(bad.sum())} elements differ, first at {np.flatnonzero(bad)[:3]}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_adam_nonfinite_edges_match_twin_bit_for_bit(dtype):
    grid = hostile.special_grid(dtype, "sssnn")   # param, grad, exp_avg signed; the squares >= 0
    names = ["param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    for kw in _adam_edge_options():
        arrs, twin = _copies(grid), _copies(grid)
        K.adam_step(*arrs, **kw)
        with np.errstate(all="ignore"):
            ref.adam_step(*twin, **kw)
        for name, a, b in zip(names, arrs, twin):
            _assert_same_values(a, b, f"{name} {kw}")
    # the cases named above, directly: lr = 0 with exp_avg = inf, eps = 0 with zero moments -> NaN
    p, g, m, v = (np.ones(2, dtype), np.zeros(2, dtype), np.array([np.inf, 0.0], dtype), np.zeros(2, dtype))
    K.adam_step(p, g, m, v, lr=0.0, beta1=0.9, beta2=0.999, eps=0.0, step=1.0)
    assert np.isnan(p).all(), p
    # the AMSGrad max keeps a NaN on either side and is an ordinary max otherwise
    p, g, m, v = np.ones(4, dtype), np.ones(4, dtype), np.zeros(4, dtype), np.zeros(4, dtype)
    vmax = np.array([np.nan, 0.0, 5.0, 0.0], dtype)
    g[1] = np.nan
    K.adam_step(p, g, m, v, vmax, lr=0.1, beta1=0.0, beta2=0.0, eps=1e-8, step=1.0, amsgrad=True)
    assert np.isnan(vmax[:2]).all() and vmax[2] == 5.0 and vmax[3] == 1.0, vmax
    assert np.isnan(p[:2]).all() and np.isfinite(p[2:]).all(), p


def test_adam_nonfinite_edges_match_torch():
    torch = pytest.importorskip("torch")
    names = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    for dtype in DTYPES:
        grid = hostile.special_grid(dtype, "sssnn")   # param, grad, exp_avg signed; the squares >= 0
        for kw in _adam_edge_options():
            arrs = _copies(grid)
            K.adam_step(*arrs, **kw)
            p, g, m, v, vm = (torch.from_numpy(x.copy()) for x in grid)
            cls = torch.optim.AdamW if kw["decoupled_weight_decay"] else torch.optim.Adam
            opt = cls([p], lr=kw["lr"], betas=(kw["beta1"], kw["beta2"]), eps=kw["eps"],
                      weight_decay=kw["weight_decay"], amsgrad=kw["amsgrad"], maximize=kw["maximize"],
                      foreach=False)
            opt.state[p] = {"step": torch.tensor(kw["step"] - 1.0), "exp_avg": m, "exp_avg_sq": v}
            if kw["amsgrad"]:
                opt.state[p]["max_exp_avg_sq"] = vm
            p.grad = g
            opt.step()
            got = [arrs[0]] + arrs[2:] if kw["amsgrad"] else [arrs[0]] + arrs[2:4]
            want = [p, m, v, vm][: len(got)]
            for name, a, t in zip(["param"] + names, got, want):
                t = t.numpy()
                # same NaNs and infinities; finite values to rounding (torch's CPU kernels may fuse a
                # multiply-add where the kernel rounds twice)
                an, tn = np.isnan(a), np.isnan(t)
                assert np.array_equal(an, tn), f"{name} {kw} {np.dtype(dtype).name}: NaN positions differ"
                ai, ti = np.isinf(a), np.isinf(t)
                assert np.array_equal(ai, ti) and np.array_equal(a[ai], t[ti]), f"{name} {kw}: infinities"
                fin = ~(an | ai)
                rtol = 1e-6 if dtype == np.float32 else 1e-12
                np.testing.assert_allclose(a[fin], t[fin], rtol=rtol, atol=0, err_msg=f"{name} {kw}")


def _assert_like_torch(a, t, what, dtype):
    """Same NaNs and infinities as torch; finite values to rounding (torch's CPU kernels may fuse a
    multiply-add where the kernel rounds twice)."""
    an, tn = np.isnan(a), np.isnan(t)
    assert np.array_equal(an, tn), f"{what}: NaN positions differ at {np.flatnonzero(an != tn)[:3]}"
    ai, ti = np.isinf(a), np.isinf(t)
    assert np.array_equal(ai, ti) and np.array_equal(a[ai], t[ti]), f"{what}: infinities differ"
    fin = ~(an | ai)
    # loose: centered RMSprop's sqrt(r - a*a) cancels, which magnifies the fused-vs-not rounding
    # difference; finite values to rounding are test_optim_torch.py's job, the pattern is this test's
    rtol = 1e-3 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(a[fin], t[fin], rtol=rtol, atol=0, err_msg=what)


def _first_order_torch_cases():
    base = [dict(lr=lr, weight_decay=wd, maximize=mx)
            for lr, wd, mx in itertools.product([0.0, 0.1], [0.0, 0.1], [False, True])]
    for b in base:
        for mom, nest, first in [(0.0, False, False), (0.9, False, False), (0.9, True, False),
                                 (0.9, True, True), (0.9, False, True)]:
            yield "sgd_step", "sss", dict(b, momentum=mom, nesterov=nest, first_step=first)
        for eps, decay, step in [(0.0, 0.0, 1.0), (1e-10, 0.5, 3.0)]:
            yield "adagrad_step", "ssn", dict(b, eps=eps, lr_decay=decay, step=step)
        for centered, mom, eps in [(False, 0.0, 0.0), (True, 0.0, 1e-8), (False, 0.5, 1e-8), (True, 0.5, 0.0)]:
            yield "rmsprop_step", "ssnss", dict(b, alpha=0.9, eps=eps, momentum=mom, centered=centered)


def test_sgd_adagrad_rmsprop_nonfinite_edges_match_torch_and_twin():
    """Kernel, twin and torch.optim agree NaN for NaN on every combination of special values; in
    particular weight_decay == 0 adds nothing (torch skips the term), so an infinite or NaN parameter
    does not turn the gradient into NaN through 0 * inf."""
    torch = pytest.importorskip("torch")
    for dtype in DTYPES:
        for kernel, kinds, kw in _first_order_torch_cases():
            grid = hostile.special_grid(dtype, kinds)
            arrs, twin = _copies(grid), _copies(grid)
            getattr(K, kernel)(*arrs, **kw)
            with np.errstate(all="ignore"):
                getattr(ref, kernel)(*twin, **kw)
            for i, (a, b) in enumerate(zip(arrs, twin)):
                _assert_same_values(a, b, f"{kernel} twin, array {i}, {kw}")
            # huge=False: where a square overflows, torch's CPU addcmul (which may fuse the multiply-add)
            # and the kernel's two roundings (inf - inf = NaN) legitimately differ
            grid = hostile.special_grid(dtype, kinds, huge=False)
            arrs = _copies(grid)
            getattr(K, kernel)(*arrs, **kw)
            t = [torch.from_numpy(x.copy()) for x in grid]
            p = t[0]
            common = dict(lr=kw["lr"], weight_decay=kw["weight_decay"], maximize=kw["maximize"], foreach=False)
            if kernel == "sgd_step":
                opt = torch.optim.SGD([p], momentum=kw["momentum"], nesterov=kw["nesterov"], **common)
                if kw["momentum"] and not kw["first_step"]:
                    opt.state[p] = {"momentum_buffer": t[2]}
                keys, ours = ["momentum_buffer"] if kw["momentum"] else [], [arrs[2]] if kw["momentum"] else []
            elif kernel == "adagrad_step":
                opt = torch.optim.Adagrad([p], lr_decay=kw["lr_decay"], eps=kw["eps"], **common)
                opt.state[p] = {"step": torch.tensor(kw["step"] - 1.0), "sum": t[2]}
                keys, ours = ["sum"], [arrs[2]]
            else:
                opt = torch.optim.RMSprop([p], alpha=kw["alpha"], eps=kw["eps"], momentum=kw["momentum"],
                                          centered=kw["centered"], **common)
                opt.state[p] = {"step": torch.tensor(0.0), "square_avg": t[2], "grad_avg": t[3],
                                "momentum_buffer": t[4]}
                keys, ours = ["square_avg"], [arrs[2]]
                if kw["centered"]:
                    keys, ours = keys + ["grad_avg"], ours + [arrs[3]]
                if kw["momentum"]:
                    keys, ours = keys + ["momentum_buffer"], ours + [arrs[4]]
            p.grad = t[1]
            opt.step()
            _assert_like_torch(arrs[0], p.numpy(), f"{kernel} param {kw} {np.dtype(dtype).name}", dtype)
            for key, a in zip(keys, ours):
                _assert_like_torch(a, opt.state[p][key].numpy(), f"{kernel} {key} {kw}", dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_grad_norm_inf_keeps_nan_in_kernel_and_twin(dtype):
    """The inf-norm is NaN if any element of any array is NaN, wherever the NaN is (book 8.2.4)."""
    for where in range(3):
        arrays = [np.array([0.5, -3.0], dtype), np.array([2.0], dtype), np.zeros(0, dtype)]
        arrays.insert(where, np.array([np.nan, 1.0], dtype))
        assert np.isnan(K.grad_norm(arrays, np.inf))
        assert np.isnan(ref.grad_norm(arrays, np.inf))
        for p in (1.0, 2.0, 3.0):
            assert np.isnan(K.grad_norm(arrays, p)) and np.isnan(ref.grad_norm(arrays, p))
    arrays = [np.array([0.5, -3.0], dtype), np.array([-np.inf], dtype)]
    assert K.grad_norm(arrays, np.inf) == ref.grad_norm(arrays, np.inf) == np.inf


# ---- one step against the written formula ----------------------------------------------------------

def test_one_step_formulas():
    p0, g, m0, v0 = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([0.1, -0.1]), np.array([0.2, 0.3])
    lr, b1, b2, eps, t = 0.01, 0.9, 0.999, 1e-8, 3
    p, m, v = p0.copy(), m0.copy(), v0.copy()
    K.adam_step(p, g, m, v, lr=lr, beta1=b1, beta2=b2, eps=eps, step=t)
    m1 = b1 * m0 + (1 - b1) * g
    v1 = b2 * v0 + (1 - b2) * g * g
    want = p0 - lr * (m1 / (1 - b1 ** t)) / (np.sqrt(v1 / (1 - b2 ** t)) + eps)
    np.testing.assert_allclose(m, m1, rtol=1e-15)
    np.testing.assert_allclose(v, v1, rtol=1e-15)
    np.testing.assert_allclose(p, want, rtol=1e-14)

    # AdamW: decoupled decay shrinks p before the step; coupled adds wd*p to g
    p, m, v = p0.copy(), m0.copy(), v0.copy()
    K.adam_step(p, g, m, v, lr=lr, weight_decay=0.5, step=t, decoupled_weight_decay=True)
    pd = p0 * (1 - lr * 0.5)
    want = pd - lr * (m1 / (1 - b1 ** t)) / (np.sqrt(v1 / (1 - b2 ** t)) + eps)
    np.testing.assert_allclose(p, want, rtol=1e-14)

    # Adagrad with lr_decay
    p, s = p0.copy(), v0.copy()
    K.adagrad_step(p, g, s, lr=0.1, lr_decay=0.5, eps=1e-10, step=3)
    clr = 0.1 / (1 + 2 * 0.5)
    np.testing.assert_allclose(s, v0 + g * g, rtol=1e-15)
    np.testing.assert_allclose(p, p0 - clr * g / (np.sqrt(v0 + g * g) + 1e-10), rtol=1e-14)

    # RMSprop centered with momentum
    p, sq, ga, buf = p0.copy(), v0.copy(), m0.copy(), m0.copy()
    K.rmsprop_step(p, g, sq, ga, buf, lr=0.01, alpha=0.9, eps=1e-8, momentum=0.5, centered=True)
    sq1 = 0.9 * v0 + 0.1 * g * g
    ga1 = 0.9 * m0 + 0.1 * g
    b1_ = 0.5 * m0 + g / (np.sqrt(sq1 - ga1 ** 2) + 1e-8)
    np.testing.assert_allclose(buf, b1_, rtol=1e-14)
    np.testing.assert_allclose(p, p0 - 0.01 * b1_, rtol=1e-14)

    # SGD Nesterov, not the first step
    p, b = p0.copy(), m0.copy()
    K.sgd_step(p, g, b, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)
    gd = g + 0.1 * p0
    bb = 0.9 * m0 + gd
    np.testing.assert_allclose(b, bb, rtol=1e-15)
    np.testing.assert_allclose(p, p0 - 0.1 * (gd + 0.9 * bb), rtol=1e-15)

    # clipping and averaging
    gs = [np.array([3.0, 0.0]), np.array([[4.0]])]
    assert K.grad_norm(gs) == 5.0
    assert K.grad_norm(gs, 1.0) == pytest.approx(7.0)
    assert K.grad_norm(gs, float("inf")) == 4.0
    a = np.array([1.0, 2.0])
    K.average_update(a, np.array([3.0, 6.0]), weight=0.25)
    np.testing.assert_array_equal(a, [1.5, 3.0])


# ---- hostile inputs ---------------------------------------------------------------------------------

VALID = {
    "sgd_step": (3, dict(lr=0.1, momentum=0.9)),
    "adagrad_step": (3, dict(lr=0.1, step=1.0)),
    "rmsprop_step": (5, dict(lr=0.1, momentum=0.9, centered=True)),
    "adam_step": (5, dict(lr=0.1, step=1.0, amsgrad=True)),
    "average_update": (2, dict(weight=0.5)),
}


def _arg_names(kernel):
    return [p.name for p in inspect.signature(getattr(K, kernel)).parameters.values()
            if p.kind == p.POSITIONAL_OR_KEYWORD or p.kind == p.POSITIONAL_ONLY]


def _valid_args(kernel, dtype=np.float64, shape=(4, 3)):
    k, kw = VALID[kernel]
    rng = np.random.default_rng(0)
    return [np.abs(rng.standard_normal(shape)).astype(dtype) for _ in range(k)], dict(kw)


def _valid_values(kernel):
    """The valid call of VALID as argument name -> value (what the hostile-input generator mutates)."""
    if kernel in LIST_VALID:
        rng = np.random.default_rng(1)
        return dict(arrays=[rng.standard_normal(4), rng.standard_normal((3, 2)), np.array(2.5)],
                    **LIST_VALID[kernel])
    arrs, kw = _valid_args(kernel)
    return dict(zip(_arg_names(kernel), arrs), **kw)


#: the list kernels: a list of arrays of different shapes (one 0-d), and their number
LIST_VALID = {"grad_norm": dict(norm_type=2.0), "scale_arrays": dict(factor=0.5),
              "clamp_arrays": dict(clip_value=1.0)}


@pytest.mark.c_only
@pytest.mark.parametrize("kernel,case", list(hostile.params([*VALID, *LIST_VALID], _valid_values)))
def test_bad_inputs_raise_naming_the_argument(kernel, case):
    """A wrong dtype, byte order, layout, alignment, shape, a list, None, a read-only target, aliased or
    overlapping arrays, a bad hyperparameter: TypeError/ValueError naming the argument and saying what
    is wrong, nothing written; a variant that is still valid (a read-only input) matches the twin."""
    hostile.run_param(kernel, case, _valid_values, close=lambda a, b, what: _assert_close_ulp(a, b))


def test_bad_input_check_can_fail():
    """The judge itself: the NumPy twin (which checks nothing) in the kernel's place fails the cases that
    must raise, and passes the ones a still-valid call may take."""
    spec = kr.spec_for("sgd_step")
    values = _valid_values("sgd_step")
    failed, passed = set(), set()
    for case in hostile.table(K.sgd_step, values, spec.written, spec.bad_hypers):
        try:
            with np.errstate(all="ignore"):
                hostile.run_case(ref.sgd_step, ref.sgd_step, values, spec.written, spec.bad_hypers, case=case)
            passed.add(case[0])
        except AssertionError:
            failed.add(case[0])
    assert {"byteswap", "dtype", "mixed", "readonly", "unaligned", "fortran", "noncontig", "shape", "zero_d",
            "alias", "overlap", "bad_hyper"} <= failed, failed
    assert "readonly" in passed   # a read-only grad is a valid call


MISSING_STATE = [
    ("sgd_step", [0, 1], dict(lr=0.1, momentum=0.9), "momentum_buffer"),
    ("rmsprop_step", [0, 1, 2], dict(lr=0.1, centered=True), "grad_avg"),
    ("rmsprop_step", [0, 1, 2], dict(lr=0.1, momentum=0.5), "momentum_buffer"),
    ("adam_step", [0, 1, 2, 3], dict(lr=0.1, step=1.0, amsgrad=True), "max_exp_avg_sq"),
]


@pytest.mark.c_only
@pytest.mark.parametrize("kernel,take,kw,name", MISSING_STATE)
def test_missing_state_raises(kernel, take, kw, name):
    arrs = [np.ones(3) for _ in take]
    with pytest.raises(ValueError, match=name):
        getattr(K, kernel)(*arrs, **kw)


BAD_HYPER = [
    ("sgd_step", 3, dict(lr=-1.0), "lr"),
    ("sgd_step", 3, dict(lr=0.1, momentum=-0.5), "momentum"),
    ("sgd_step", 3, dict(momentum=0.5), "lr"),
    ("adagrad_step", 3, dict(lr=0.1), "step"),
    ("adagrad_step", 3, dict(lr=0.1, step=0.0), "step"),
    ("adagrad_step", 3, dict(lr=0.1, step=1.0, eps=-1.0), "eps"),
    ("rmsprop_step", 3, dict(lr=0.1, alpha=1.5), "alpha"),
    ("rmsprop_step", 3, dict(lr=float("nan")), "invalid lr: nan"),
    ("sgd_step", 2, dict(lr=float("nan")), "invalid lr: nan"),
    ("adagrad_step", 3, dict(lr=0.1, step=float("nan")), "invalid step: nan"),
    ("adam_step", 4, dict(lr=0.1, step=1.0, eps=float("nan")), "invalid eps: nan"),
    ("adam_step", 4, dict(lr="fast", step=1.0), "'lr' must be a real number"),
    ("average_update", 2, dict(weight=float("nan")), "invalid weight: nan"),
    ("adam_step", 4, dict(lr=0.1, step=1.0, beta1=1.0), "beta1"),
    ("adam_step", 4, dict(lr=0.1, step=1.0, beta2=-0.1), "beta2"),
    ("adam_step", 4, dict(lr=0.1, step=1.0, weight_decay=-1.0), "weight_decay"),
    ("average_update", 2, dict(weight=1.5), "weight"),
    ("average_update", 2, dict(), "weight"),
]


@pytest.mark.c_only
@pytest.mark.parametrize("kernel,k,kw,name", BAD_HYPER)
def test_bad_hyperparameters(kernel, k, kw, name):
    arrs = [np.ones(3) for _ in range(k)]
    with pytest.raises((ValueError, TypeError), match=name):
        getattr(K, kernel)(*arrs, **kw)


# ---- threads and reference counts -------------------------------------------------------------------

@pytest.mark.c_only
@pytest.mark.parametrize("dtype", DTYPES)
def test_one_and_two_threads_give_identical_bits(dtype):
    n = 10**6 + 13
    rng = np.random.default_rng(7)
    inputs = {kernel: _make(kernel, n, dtype, rng) for kernel in sorted(STEP_KERNELS)}
    extra = rng.standard_normal(n).astype(dtype)

    def run():
        out = []
        for kernel, (_, options) in sorted(STEP_KERNELS.items()):
            arrs = _copies(inputs[kernel])
            getattr(K, kernel)(*arrs, **options[0])
            out += arrs
        a = extra.copy()
        K.average_update(a, out[0], weight=0.3)
        out.append(a)
        K.scale_arrays([out[2]], 0.7)
        K.clamp_arrays([out[3]], 0.5)
        out.append(np.array([K.grad_norm(out[:4]), K.grad_norm(out[:1], 3.0), K.grad_norm(out[:4], np.inf)]))
        return out

    same_bits_for_thread_counts(run)


@pytest.mark.c_only
def test_reference_counts_unchanged():
    rng = np.random.default_rng(0)
    arrs = [rng.random(16) for _ in range(5)]
    lst = arrs[:3]
    with refcounts_unchanged(*arrs, lst):
        _optim_kernel_calls(arrs, lst)


def _optim_kernel_calls(arrs, lst):
    for t in range(1, 10_001):
        K.sgd_step(arrs[0], arrs[1], arrs[2], lr=1e-9, momentum=0.5)
        K.adagrad_step(arrs[0], arrs[1], arrs[2], lr=1e-9, step=float(t))
        K.rmsprop_step(arrs[0], arrs[1], arrs[2], arrs[3], arrs[4], lr=1e-9, centered=True, momentum=0.1)
        K.adam_step(arrs[0], arrs[1], arrs[2], arrs[3], arrs[4], lr=1e-9, step=float(t), amsgrad=True)
        K.average_update(arrs[3], arrs[0], weight=0.5)
        K.grad_norm(lst)
        K.scale_arrays(lst, 1.0)
        K.clamp_arrays(lst, 10.0)
    # error paths too
    for _ in range(1000):
        with pytest.raises(ValueError):
            K.adam_step(arrs[0], arrs[1], arrs[2], arrs[2], lr=0.1, step=1.0)
        with pytest.raises(TypeError):
            K.grad_norm([arrs[0], 1.0])


@pytest.mark.c_only
def test_kernels_have_signature_doc_and_twin():
    for name in ["sgd_step", "adagrad_step", "rmsprop_step", "adam_step", "average_update", "grad_norm",
                 "scale_arrays", "clamp_arrays"]:
        fn = getattr(K, name)
        sig = inspect.signature(fn)
        twin = getattr(ref, name)
        assert list(sig.parameters) == list(inspect.signature(twin).parameters), name
        doc = fn.__doc__
        assert "Raises" in doc and ("Book" in doc or "book" in doc), name
