"""A step is all or nothing, concurrent steps serialize, and no silent acceptance (issue 12, items 5 and 6).

* Every optimizer (the registry below), clipping, constraints and fit check every gradient and the
  state it needs before the first update: the 3rd parameter's gradient made bad (dtype, shape, layout,
  masked, not an array) or its state corrupted -> the step raises and all parameters and all state are
  byte-identical to a snapshot taken before it.
* Several threads calling ``step()`` on one optimizer: no KeyError from lazily created state, and the
  result equals the same number of sequential steps (constant gradients, so any serial order gives the
  same bits; a lost or torn update does not).
* BinaryCrossEntropy targets outside [0, 1] raise ValueError; masked arrays raise TypeError wherever
  arrays enter; complex x0 or gradients in minimize raise TypeError (no ComplexWarning).
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

import pyoptim as po
from pyoptim import optim
from pyoptim.nn import Parameter
from training_helpers import mlp

SHAPES = [(3, 4), (5,), (2, 3)]


def arrays(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def grads_for(params, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(p.shape).astype(p.dtype) for p in params]


# name -> (factory(params), needs a closure)
OPTIMIZERS = {
    "SGD": (lambda p: optim.SGD(p, lr=0.1), False),
    "SGD-momentum-nesterov": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), False),
    "Adagrad": (lambda p: optim.Adagrad(p, lr=0.1), False),
    "RMSprop-centered-momentum": (lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5), False),
    "Adam-amsgrad": (lambda p: optim.Adam(p, lr=0.01, amsgrad=True), False),
    "AdamW": (lambda p: optim.AdamW(p, lr=0.01), False),
    "MomentumBook": (lambda p: optim.MomentumBook(p, lr=0.1), False),
    "NesterovBook": (lambda p: optim.NesterovBook(p, lr=0.1), True),
    "AdaGradBook": (lambda p: optim.AdaGradBook(p, lr=0.1), False),
    "RMSPropBook": (lambda p: optim.RMSPropBook(p, lr=0.01), False),
    "AdamBook": (lambda p: optim.AdamBook(p, lr=0.01), False),
    "Averaged(Adam)": (lambda p: optim.Averaged(optim.Adam(p, lr=0.01)), False),
}


def do_step(opt, closure_needed, grads):
    if closure_needed:
        return opt.step(lambda: grads)
    return opt.step(grads)


def snapshot(params, opt):
    return [p.copy() for p in params], _deep(opt.state_dict())


def _deep(x):
    if isinstance(x, dict):
        return {k: _deep(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_deep(v) for v in x)
    if isinstance(x, np.ndarray):
        return x.copy()
    return x


def assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    else:
        assert a == b or (a != a and b != b)


BAD_GRADS = {
    "float32 for float64": (lambda g: g.astype(np.float32), TypeError),
    "wrong shape": (lambda g: np.zeros(g.size + 1), ValueError),
    "not contiguous": (lambda g: np.repeat(g, 2, axis=-1)[..., ::2], ValueError),
    "masked": (lambda g: np.ma.masked_array(g, mask=np.zeros(g.shape, bool)), TypeError),
    "a list": (lambda g: g.tolist(), TypeError),
}


@pytest.mark.parametrize("stepped", [0, 2], ids=["fresh", "after-2-steps"])
@pytest.mark.parametrize("bad", sorted(BAD_GRADS))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_bad_third_gradient_changes_nothing(name, bad, stepped):
    factory, closure = OPTIMIZERS[name]
    params = arrays()
    opt = factory(params)
    for k in range(stepped):
        do_step(opt, closure, grads_for(params, seed=10 + k))
    before = snapshot(params, opt)
    grads = grads_for(params)
    spoil, exc = BAD_GRADS[bad]
    grads[2] = spoil(grads[2])
    with pytest.raises(exc):
        do_step(opt, closure, grads)
    assert_same(before, snapshot(params, opt))
    # the control: the same step with a good third gradient changes the parameters
    grads[2] = grads_for(params)[2]
    do_step(opt, closure, grads)
    assert not all(a.tobytes() == b.tobytes() for a, b in zip(before[0], params))


STATEFUL = {  # optimizer name -> a state array it updates
    "SGD-momentum-nesterov": "momentum_buffer", "Adagrad": "sum", "RMSprop-centered-momentum": "grad_avg",
    "Adam-amsgrad": "max_exp_avg_sq", "AdamW": "exp_avg_sq", "MomentumBook": "velocity", "AdaGradBook": "sum",
    "RMSPropBook": "square_avg", "AdamBook": "exp_avg", "NesterovBook": "velocity",
}
BAD_STATE = {
    "float32": lambda v: v.astype(np.float32),
    "wrong shape": lambda v: np.zeros(v.size + 1, v.dtype),
    "read-only": lambda v: np.lib.stride_tricks.as_strided(v, writeable=False),
    "not an array": lambda v: v.tolist(),
}


@pytest.mark.parametrize("bad", sorted(BAD_STATE))
@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_bad_state_of_the_third_parameter_changes_nothing(name, bad):
    factory, closure = OPTIMIZERS[name]
    params = arrays()
    opt = factory(params)
    do_step(opt, closure, grads_for(params, seed=3))
    key = STATEFUL[name]
    opt.state[2][key] = BAD_STATE[bad](opt.state[2][key])
    before_params = [p.copy() for p in params]
    before_state = {i: _deep(dict(opt.state[i])) for i in range(3)}
    with pytest.raises(ValueError, match=f"state '{key}' of parameter 2"):
        do_step(opt, closure, grads_for(params))
    for a, b in zip(before_params, params):
        assert a.tobytes() == b.tobytes()
    for i in range(3):
        assert_same(before_state[i], _deep(dict(opt.state[i])))


def test_a_negative_step_count_in_state_changes_nothing():
    params = arrays()
    opt = optim.Adam(params, lr=0.01)
    opt.step(grads_for(params))
    opt.state[2]["step"] = -4
    before = [p.copy() for p in params]
    with pytest.raises(ValueError, match="state 'step' of parameter 2"):
        opt.step(grads_for(params))
    assert all(a.tobytes() == b.tobytes() for a, b in zip(before, params))


def test_parameters_with_a_bad_third_grad_change_nothing():
    ps = [Parameter(a) for a in arrays()]
    opt = optim.Adam(ps, lr=0.1)
    for p, g in zip(ps, grads_for([p.data for p in ps])):
        p.grad[...] = g
    opt.step()
    before = [p.data.copy() for p in ps], _deep(opt.state_dict())
    ps[2].grad = ps[2].grad.astype(np.float32)
    with pytest.raises(TypeError, match=r"params\[2\]\.grad"):
        opt.step()
    assert [p.data.tobytes() for p in ps] == [a.tobytes() for a in before[0]]
    assert_same(before[1], _deep(opt.state_dict()))


def test_lbfgs_step_is_all_or_nothing_when_the_closure_fails_midway():
    """The closure raises on its 3rd call (inside the iterations, after the parameters have moved):
    parameters and state are put back; the control run without the failure moves them."""
    target = [np.arange(12.0).reshape(3, 4), np.ones(5), -np.ones((2, 3))]
    for bad_kind in ("raise", "complex", "masked"):
        params = arrays()
        opt = optim.LBFGS(params, lr=1, max_iter=6)
        calls = [0]

        def closure(fail_at=None):   # a quartic: L-BFGS needs many iterations, so every call is reached
            calls[0] += 1
            loss = sum(float(((p - t) ** 4).sum()) for p, t in zip(params, target))
            grads = [4 * (p - t) ** 3 for p, t in zip(params, target)]
            if fail_at is not None and calls[0] == fail_at:
                if bad_kind == "raise":
                    raise ArithmeticError("closure failed")
                grads[2] = grads[2] + 0j if bad_kind == "complex" else np.ma.masked_array(grads[2])
            return loss, grads

        opt.step(closure)   # one good step: non-empty state and history
        before = snapshot(params, opt)
        calls[0] = 0
        with pytest.raises((ArithmeticError, TypeError)):
            opt.step(lambda: closure(fail_at=3))
        assert_same(before, snapshot(params, opt))
        opt.step(closure)
        assert not all(a.tobytes() == b.tobytes() for a, b in zip(before[0], params))


@pytest.mark.c_only   # clipping relies on the C kernel's single checked call
def test_clipping_checks_every_gradient_before_changing_any():
    for spoil, exc in [(lambda g: g.astype(np.int64), TypeError), (lambda g: np.repeat(g, 2)[::2], ValueError),
                       (lambda g: np.ma.masked_array(g), TypeError)]:
        gs = [10 * g.reshape(-1) for g in grads_for(arrays())]
        gs[2] = spoil(gs[2])
        before = [g.copy() for g in gs[:2]]
        for clip in (lambda: optim.clip_grad_norm_(gs, 0.1), lambda: optim.clip_grad_value_(gs, 0.1)):
            with pytest.raises(exc):
                clip()
            assert all(a.tobytes() == b.tobytes() for a, b in zip(before, gs[:2]))
    gs = [10 * g for g in grads_for(arrays())]   # the control: good gradients are clipped
    optim.clip_grad_value_(gs, 0.1)
    assert max(float(np.abs(g).max()) for g in gs) == 0.1


@pytest.mark.parametrize("make", [lambda: po.constraints.MaxNorm(0.5, axis=0), lambda: po.constraints.L2Ball(0.5),
                                  lambda: po.constraints.L1Ball(0.5)], ids=["MaxNorm", "L2Ball", "L1Ball"])
def test_constraints_check_every_target_before_projecting_any(make):
    for spoil, exc in [(lambda w: w.astype(np.int64), TypeError), (lambda w: np.repeat(w, 2, axis=1)[:, ::2], ValueError),
                       (lambda w: np.ma.masked_array(w), TypeError)]:
        ws = [10 * w for w in arrays()[::2]] + [10 * arrays()[0]]   # three 2-d targets
        ws[2] = spoil(ws[2])
        before = [w.copy() for w in ws[:2]]
        c = make()
        c.params = ws
        with pytest.raises(exc):
            c.apply(None)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(before, ws[:2]))
    ws = [10 * w for w in arrays()[::2]]   # the control
    c = make()
    c.params = ws
    c.apply(None)
    assert float(np.abs(ws[0]).sum()) < float(np.abs(10 * arrays()[0]).sum())


def test_maxnorm_axis_out_of_range_for_the_third_target_changes_nothing():
    ws = [10 * np.ones((3, 3)), 10 * np.ones((3, 3)), 10 * np.ones(4)]
    c = po.constraints.MaxNorm(1.0, axis=1, params=ws)
    with pytest.raises(ValueError, match="Invalid axis: 1 for MaxNorm target 2"):
        c.apply(None)
    assert all((w == 10).all() for w in ws)


def test_fit_with_a_bad_gradient_changes_nothing():
    X, y = po.datasets.blobs(n=40, centers=3, d=4, std=1.0, seed=0)
    model = mlp([4, 5, 3], seed=0, dtype=np.float64)
    opt = optim.Adam(model.parameters(), lr=0.01)
    ps = list(model.parameters())
    before = [p.data.copy() for p in ps]
    loss = po.nn.SoftmaxCrossEntropy()

    def objective(m, lossf, Xb, yb):
        value = lossf.forward(m.forward(Xb), yb)
        m.backward(lossf.backward())
        ps[2].grad = ps[2].grad.astype(np.float32)   # the third parameter's gradient goes bad
        return value

    with pytest.raises(TypeError, match=r"params\[2\]\.grad"):
        po.fit(model, loss, opt, X, y, epochs=1, batch_size=8, objective=objective, progress=False)
    assert all(a.tobytes() == p.data.tobytes() for a, p in zip(before, ps))
    assert opt.state_dict()["state"] == {}


# ------------------------------------------------------------------------------------------------------
# concurrent steps
# ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Adam-amsgrad", "SGD-momentum-nesterov", "RMSprop-centered-momentum",
                                  "AdamBook", "NesterovBook", "Averaged(Adam)"])
def test_concurrent_steps_serialize_and_equal_sequential_steps(name):
    factory, closure = OPTIMIZERS[name]
    shapes = [(200_000,), (5,), (300, 7)]   # a large one, so the C kernel releases the GIL for a while
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s) for s in shapes]
    grads = [rng.standard_normal(s) for s in shapes]
    n_threads, per_thread = 4, 6

    seq = [a.copy() for a in init]
    o_seq = factory(seq)
    for _ in range(n_threads * per_thread):
        do_step(o_seq, closure, grads)

    par = [a.copy() for a in init]
    o_par = factory(par)
    errors, start = [], threading.Barrier(n_threads)

    def worker():
        start.wait()
        try:
            for _ in range(per_thread):
                do_step(o_par, closure, grads)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for a, b in zip(seq, par):
        assert a.tobytes() == b.tobytes()
    assert_same(_deep(o_seq.state_dict()), _deep(o_par.state_dict()))


def test_state_dict_during_concurrent_steps_is_never_torn():
    params = [np.zeros(100_000)]
    opt = optim.Adam(params, lr=0.01)
    g = [np.ones(100_000)]
    stop, seen, errors = threading.Event(), [], []

    def stepper():
        try:
            for _ in range(30):
                opt.step(g)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            stop.set()

    t = threading.Thread(target=stepper)
    t.start()
    while not stop.is_set():
        st = opt.state_dict()["state"].get(0)
        if st:
            seen.append((st["step"], float(st["exp_avg"][0])))
    t.join()
    assert errors == []
    for step, m in seen:   # exp_avg after k steps of a constant gradient 1: 1 - 0.9^k
        assert m == pytest.approx(1 - 0.9 ** step, rel=1e-12)


def test_an_optimizer_can_still_be_copied_after_stepping():
    import copy
    import pickle
    params = arrays()
    opt = optim.Adam(params, lr=0.01)
    opt.step(grads_for(params))
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        clone.step(grads_for(params))
        assert clone.state_dict()["state"][0]["step"] == 2 and opt.state_dict()["state"][0]["step"] == 1


# ------------------------------------------------------------------------------------------------------
# no silent acceptance
# ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", [[1.5, 0.0], [-0.1, 1.0], [np.nan, 0.0], [0.5, np.inf]])
def test_bce_targets_outside_0_1_raise(target):
    z = np.array([0.3, -0.2])
    loss = po.nn.BinaryCrossEntropy()
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        loss.forward(z, np.array(target))
    with pytest.raises(ValueError, match="binary labels 0/1"):
        loss.forward(z, np.array([2, 0]))
    assert loss.forward(z, np.array([1.0, 0.25])) == pytest.approx(   # the control: soft targets in [0, 1]
        np.mean(np.logaddexp(0, z) - z * np.array([1.0, 0.25])), rel=1e-12)
    X = np.zeros((2, 3))
    model = mlp([3, 1], seed=0, dtype=np.float64)
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        po.fit(model, loss, optim.SGD(model.parameters(), lr=0.1), X, np.array(target), epochs=1, progress=False)


def masked(a):
    return np.ma.masked_array(a, mask=np.zeros(np.shape(a), bool))


def test_masked_arrays_raise_type_error_wherever_arrays_enter():
    X, y = po.datasets.blobs(n=20, centers=2, d=3, std=1.0, seed=0)
    model = mlp([3, 2], seed=0, dtype=np.float64)
    sce = po.nn.SoftmaxCrossEntropy()
    cases = {
        "optimizer params": lambda: optim.SGD([masked(np.ones(3))], lr=0.1),
        "optimizer grads": lambda: optim.SGD([np.ones(3)], lr=0.1).step([masked(np.ones(3))]),
        "fit X": lambda: po.fit(model, sce, optim.SGD(model.parameters(), lr=0.1), masked(X), y, progress=False),
        "fit y": lambda: po.fit(model, sce, optim.SGD(model.parameters(), lr=0.1), X, masked(y), progress=False),
        "minimize x0": lambda: po.minimize(lambda x: (float(x @ x), 2 * x), masked(np.ones(3))),
        "loss output": lambda: sce.forward(masked(np.zeros((2, 2))), np.array([0, 1])),
        "loss target": lambda: sce.forward(np.zeros((2, 2)), masked(np.array([0, 1]))),
        "bce target": lambda: po.nn.BinaryCrossEntropy().forward(np.zeros(2), masked(np.zeros(2))),
        "mse target": lambda: po.nn.MSELoss().forward(np.zeros(2), masked(np.zeros(2))),
        "clip": lambda: optim.clip_grad_norm_([masked(np.ones(3))], 1.0),
        "constraint": lambda: po.constraints.L2Ball(1.0, params=[masked(np.ones(3))]).apply(None),
    }
    for name, call in cases.items():
        with pytest.raises(TypeError, match="MaskedArray"):
            call()
        print("masked refused:", name)


def test_minimize_refuses_complex_x0_and_gradients_with_type_error():
    import warnings
    f = lambda x: (float(x @ x), 2 * x)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a ComplexWarning would be an error here too; TypeError is expected
        with pytest.raises(TypeError, match="x0: complex"):
            po.minimize(f, np.ones(3) + 0j)
        with pytest.raises(TypeError, match="x0: complex"):
            po.minimize(f, [1 + 1j, 2])
        with pytest.raises(TypeError, match="gradient returned by fun: complex"):
            po.minimize(lambda x: (float(x @ x), (2 * x).astype(complex)), np.ones(3))
        with pytest.raises(TypeError, match=r"gradient \(jac\) returned by the callable: complex"):
            po.minimize(lambda x: float(x @ x), np.ones(3), jac=lambda x: 2 * x + 0j)
    res = po.minimize(f, np.ones(3))   # the control
    assert res.success and np.abs(res.x).max() < 1e-6
