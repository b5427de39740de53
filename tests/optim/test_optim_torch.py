"""pyoptim.optim against torch.optim: 100 steps of every optimizer and option combination (with two
parameter groups and a StepLR schedule) to 1e-12 relative in float64; schedulers; gradient clipping."""
import itertools
import math
import zlib

import numpy as np
import pytest

import pyoptim as po

pytestmark = pytest.mark.torch

SHAPES = [(3, 4), (5,), ()]


def _combos():
    out = []
    for (m, d, n), mx, wd in itertools.product([(0.0, 0.0, False), (0.9, 0.0, False), (0.9, 0.1, False),
                                                 (0.9, 0.0, True)], [False, True], [0.0, 0.01]):
        out.append(("SGD", dict(lr=0.05, momentum=m, dampening=d, nesterov=n, maximize=mx, weight_decay=wd)))
    for ld, iav, wd, mx in itertools.product([0.0, 0.01], [0.0, 0.1], [0.0, 0.01], [False, True]):
        out.append(("Adagrad", dict(lr=0.1, lr_decay=ld, initial_accumulator_value=iav, weight_decay=wd, maximize=mx)))
    for c, m, wd, mx in itertools.product([False, True], [0.0, 0.9], [0.0, 0.01], [False, True]):
        out.append(("RMSprop", dict(lr=0.01, alpha=0.9, centered=c, momentum=m, weight_decay=wd, maximize=mx)))
    for ams, dec, wd, mx in itertools.product([False, True], [False, True], [0.0, 0.05], [False, True]):
        out.append(("Adam", dict(lr=0.02, betas=(0.8, 0.99), amsgrad=ams, decoupled_weight_decay=dec,
                                 weight_decay=wd, maximize=mx)))
    for ams, mx in itertools.product([False, True], [False, True]):
        out.append(("AdamW", dict(lr=0.02, amsgrad=ams, maximize=mx)))
    return out


def _id(c):
    name, kw = c
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items() if k != "lr")


@pytest.mark.parametrize("combo", _combos(), ids=_id)
def test_100_steps_match_torch(combo):
    torch = pytest.importorskip("torch")
    name, kw = combo
    rng = np.random.default_rng(zlib.crc32(_id(combo).encode()))
    init = [rng.standard_normal(s) for s in SHAPES]
    A = [rng.standard_normal(s) for s in SHAPES]
    ps = [x.copy() for x in init]
    ts = [torch.tensor(x.copy(), requires_grad=True) for x in init]
    lr2 = kw["lr"] * 0.5
    opt = getattr(po.optim, name)([{"params": ps[:2]}, {"params": ps[2:], "lr": lr2}], **kw)
    topt = getattr(torch.optim, name)([{"params": ts[:2]}, {"params": ts[2:], "lr": lr2}], foreach=False, **kw)
    sched = po.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.5)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=30, gamma=0.5)
    for k in range(100):
        # a gradient that depends on the parameters (so differences would compound)
        opt.step([np.asarray(a * np.sin(p + 0.1 * k) + 0.1 * p) for a, p in zip(A, ps)])
        with torch.no_grad():
            for t, a in zip(ts, A):
                t.grad = torch.tensor(a) * torch.sin(t + 0.1 * k) + 0.1 * t
        topt.step()
        sched.step()
        tsched.step()
    for p, t in zip(ps, ts):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert sched.get_last_lr() == tsched.get_last_lr()
    # the state agrees too
    tstate = topt.state_dict()["state"]
    for i, st in opt.state_dict()["state"].items():
        for key, v in st.items():
            tv = tstate[i][key]
            tv = float(tv) if key == "step" else tv.numpy()
            np.testing.assert_allclose(np.reshape(v, np.shape(tv)), tv, rtol=1e-11, atol=1e-14)


SCHEDULERS = [
    ("LambdaLR", dict(lr_lambda=lambda k: 0.95 ** k + 0.01 * k)),
    ("StepLR", dict(step_size=4, gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=12)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.01, total_iters=20)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
]


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{n}{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_schedulers_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    x, t = np.zeros(2), torch.zeros(2, requires_grad=True)
    y, u = np.zeros(1), torch.zeros(1, requires_grad=True)
    opt = po.optim.SGD([{"params": [x]}, {"params": [y], "lr": 0.3}], lr=0.1)
    topt = torch.optim.SGD([{"params": [t]}, {"params": [u], "lr": 0.3}], lr=0.1)
    s = getattr(po.optim.lr_scheduler, name)(opt, **kw)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    for _ in range(40):
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-13)
        opt.step([np.zeros(2), np.zeros(1)])
        t.grad, u.grad = torch.zeros(2), torch.zeros(1)
        topt.step()
        s.step()
        ts.step()


def test_reduce_lr_on_plateau_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1, 0.5, 10), 0.5 + 0.01 * rng.random(40)])
    for kw in [dict(factor=0.5, patience=3), dict(mode="max", threshold_mode="abs", cooldown=2, patience=1),
               dict(factor=0.2, patience=0, min_lr=0.004, threshold=0.1)]:
        opt = po.optim.SGD([np.zeros(1)], lr=0.1)
        topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        s = po.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
        for m in metrics:
            s.step(m)
            ts.step(m)
            assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    gs = [rng.standard_normal(s) * 5 for s in [(4, 5), (7,), ()]]
    ts = []
    for g in gs:
        t = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(g.copy())
        ts.append(t)
    gs = [np.asarray(g) for g in gs]
    total = po.optim.clip_grad_norm_(gs, max_norm=2.0, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(ts, max_norm=2.0, norm_type=norm_type)
    assert total == pytest.approx(float(ttotal), rel=1e-13)
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-13, atol=1e-15)
    for g, t in zip(gs, ts):
        t.grad = torch.tensor(g.copy())
    po.optim.clip_grad_value_(gs, 0.1)
    torch.nn.utils.clip_grad_value_(ts, 0.1)
    for g, t in zip(gs, ts):
        np.testing.assert_array_equal(g, t.grad.numpy())


def test_float32_close_to_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal(1000).astype(np.float32)
    for name, kw in [("Adam", dict(lr=0.01, amsgrad=True)), ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                     ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)), ("Adagrad", dict(lr=0.1))]:
        x, t = x0.copy(), torch.tensor(x0.copy(), requires_grad=True)
        opt = getattr(po.optim, name)([x], **kw)
        topt = getattr(torch.optim, name)([t], foreach=False, **kw)
        for k in range(20):
            opt.step([np.sin(x + k).astype(np.float32)])
            with torch.no_grad():
                t.grad = torch.sin(t + k)
            topt.step()
        np.testing.assert_allclose(x, t.detach().numpy(), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name, kw", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.1}),
                                      ("RMSprop", {"lr": 0.01, "momentum": 0.5}), ("Adagrad", {"lr": 0.1})])
def test_scalar_parameter_keeps_shape_and_matches_torch(name, kw):
    """A 0-d Parameter stays 0-d (torch.nn.Parameter(torch.tensor(1.5)).shape == ()), its steps match
    torch's and its saved optimizer state has torch's shapes; the state round-trips."""
    torch = pytest.importorskip("torch")
    p = po.nn.Parameter(np.array(1.5))
    assert p.shape == () and p.grad.shape == ()
    tp = torch.nn.Parameter(torch.tensor(1.5, dtype=torch.float64))
    opt, topt = getattr(po.optim, name)([p], **kw), getattr(torch.optim, name)([tp], **kw)
    for k in range(5):
        g = 0.3 * (k - 2) + 0.1
        p.grad[...] = g
        tp.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        topt.step()
    assert p.shape == () and p.data == pytest.approx(tp.item(), rel=1e-14)
    sd, tsd = opt.state_dict(), topt.state_dict()
    for key, v in tsd["state"][0].items():
        if key != "step":
            assert sd["state"][0][key].shape == tuple(v.shape) == ()
    q = po.nn.Parameter(np.array(1.5))
    other = getattr(po.optim, name)([q], **kw)
    other.load_state_dict(sd)
    q.data[...] = p.data
    for o, par in ((opt, p), (other, q)):
        par.grad[...] = 0.7
        o.step()
    assert q.data == p.data
