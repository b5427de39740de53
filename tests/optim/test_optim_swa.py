"""pyoptim.optim.swa_utils against torch.optim.swa_utils on a small network (float64).

A pyoptim net Dense-BatchNorm-ReLU-Dense and the equivalent torch net (Linear weights = Dense weights
transposed) are given the same weights; each "training step" here sets new random weights in both
and runs a training-mode forward pass on both (which moves the BatchNorm running statistics). The
averaged models of both libraries must then agree, weights and buffers, to 1e-12.
"""
import copy
import math

import numpy as np
import pytest

import pyoptim as po
from pyoptim.optim import swa_utils as SU

pytestmark = pytest.mark.torch

F64 = np.float64


def _po_net(dtype=F64):
    return po.nn.Sequential(po.nn.Dense(4, 8, seed=0, dtype=dtype), po.nn.BatchNorm(8, dtype=dtype), po.nn.ReLU(),
                            po.nn.Dense(8, 3, seed=1, dtype=dtype))


def _torch_net(torch, dtype):
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                               torch.nn.Linear(8, 3)).to(dtype)


def _to_torch(torch, key, v):
    v = np.asarray(v)
    # Dense keeps weight as (in, out), torch.nn.Linear as (out, in)
    return torch.tensor(v.T.copy() if v.ndim == 2 else v.copy())


def _set_torch_from(torch, tnet, po_sd):
    with torch.no_grad():
        tsd = tnet.state_dict()
        for k in tsd:
            tsd[k].copy_(_to_torch(torch, k, po_sd[k]))


def _pair(torch, dtype=F64):
    net = _po_net(dtype)
    tnet = _torch_net(torch, torch.float64 if dtype == F64 else torch.float32)
    _set_torch_from(torch, tnet, net.state_dict())
    return net, tnet


def _train_step(torch, net, tnet, rng):
    """New random weights (the same in both) and one training-mode forward pass on a batch."""
    sd = net.state_dict()
    for k, v in sd.items():
        if k.endswith("weight") or k.endswith("bias"):
            sd[k] = (v + 0.3 * rng.standard_normal(v.shape)).astype(v.dtype)
    net.load_state_dict(sd)
    _set_torch_from(torch, tnet, {k: v for k, v in net.state_dict().items()})
    x = rng.standard_normal((16, 4)) * 2 + 0.5
    net.train()
    tnet.train()
    net(x.astype(net[0].dtype))
    with torch.no_grad():
        tnet(torch.tensor(x, dtype=tnet[0].weight.dtype))


def _assert_same(model, tmodel, rtol=1e-12):
    sd, tsd = model.state_dict(), tmodel.state_dict()
    assert set(sd) == set(tsd)
    for k, tv in tsd.items():
        v = np.asarray(sd[k])
        v = v.T if v.ndim == 2 else v
        np.testing.assert_allclose(v, tv.numpy(), rtol=rtol, atol=rtol * 1e-2, err_msg=k)


AVG = {
    "swa (default)": (lambda S: {}, 1e-12),
    "ema multi": (lambda S: dict(multi_avg_fn=S.get_ema_multi_avg_fn(0.9)), 1e-12),
    "ema per array": (lambda S: dict(avg_fn=S.get_ema_avg_fn(0.8)), 1e-12),
    "swa multi": (lambda S: dict(multi_avg_fn=S.get_swa_multi_avg_fn()), 1e-12),
    "custom avg_fn": (lambda S: dict(avg_fn=lambda avg, p, n: avg + (p - avg) * 0.3 / (1 + 0 * n)), 1e-12),
}


# torch's get_swa_multi_avg_fn raises on an integer buffer (num_batches_tracked): that pair is tested
# on its own below
@pytest.mark.parametrize("name,use_buffers", [(n, b) for n in AVG for b in (False, True)
                                              if not (n == "swa multi" and b)])
def test_averaged_model_matches_torch(name, use_buffers):
    torch = pytest.importorskip("torch")
    import torch.optim.swa_utils as TS
    make, rtol = AVG[name]
    rng = np.random.default_rng(0)
    net, tnet = _pair(torch)
    avg = SU.AveragedModel(net, use_buffers=use_buffers, **make(SU))
    tavg = TS.AveragedModel(tnet, use_buffers=use_buffers, **make(TS))
    _assert_same(avg, tavg)
    for k in range(7):
        _train_step(torch, net, tnet, rng)
        avg.update_parameters(net)
        tavg.update_parameters(tnet)
        _assert_same(avg, tavg, rtol)
        assert int(avg.n_averaged) == int(tavg.n_averaged) == k + 1
    # the averaged model predicts like torch's (eval mode: the running statistics it holds)
    x = rng.standard_normal((5, 4))
    avg.eval()
    tavg.eval()
    with torch.no_grad():
        np.testing.assert_allclose(avg(x), tavg(torch.tensor(x)).numpy(), rtol=1e-11, atol=1e-13)
    np.testing.assert_array_equal(avg(x), avg.module(x))


@pytest.mark.parametrize("name", ["swa (default)", "ema multi", "ema per array"])
def test_averaged_model_float32_matches_torch(name):
    """float32 models average in float32 (the arrays' dtype), as torch's."""
    torch = pytest.importorskip("torch")
    import torch.optim.swa_utils as TS
    make, _ = AVG[name]
    rng = np.random.default_rng(8)
    net, tnet = _pair(torch, np.float32)
    avg = SU.AveragedModel(net, use_buffers=True, **make(SU))
    tavg = TS.AveragedModel(tnet, use_buffers=True, **make(TS))
    for _ in range(5):
        _train_step(torch, net, tnet, rng)
        avg.update_parameters(net)
        tavg.update_parameters(tnet)
        assert all(v.dtype == np.float32 for k, v in avg.state_dict().items() if "num_batches" not in k
                   and k != "n_averaged")
        _assert_same(avg, tavg, 1e-5)


def test_swa_multi_avg_fn_with_buffers():
    """torch's get_swa_multi_avg_fn fails on integer buffers (its integer addcdiv is refused); pyoptim's
    averages them as its per-array form does (float32 arithmetic, truncated), and the float arrays
    with torch's float32-rounded weight 1/(n+1): the mean of the snapshots to float32 precision."""
    torch = pytest.importorskip("torch")
    import torch.optim.swa_utils as TS
    rng = np.random.default_rng(6)
    net, tnet = _pair(torch)
    tavg = TS.AveragedModel(tnet, use_buffers=True, multi_avg_fn=TS.get_swa_multi_avg_fn())
    tavg.update_parameters(tnet)
    with pytest.raises(RuntimeError):
        tavg.update_parameters(tnet)
    avg = SU.AveragedModel(net, use_buffers=True, multi_avg_fn=SU.get_swa_multi_avg_fn())
    snaps = []
    for _ in range(5):
        _train_step(torch, net, tnet, rng)
        avg.update_parameters(net)
        snaps.append(net.state_dict())
    got = avg.module.state_dict()
    for k, v in got.items():
        mean = np.mean([s[k] for s in snaps], axis=0)
        if k.endswith("num_batches_tracked"):
            want = int(snaps[0][k])   # the running average, truncated toward zero at each update
            for n, snap in enumerate(snaps[1:], 1):
                want = math.trunc(want + (int(snap[k]) - want) / (n + 1))
            assert v == want
        else:
            np.testing.assert_allclose(v, mean, rtol=1e-6, atol=1e-9, err_msg=k)


def test_custom_multi_avg_fn_matches_torch():
    torch = pytest.importorskip("torch")
    import torch.optim.swa_utils as TS

    def po_fn(avgs, ps, n):
        for a, p in zip(avgs, ps):
            a *= 0.6
            a += 0.4 * p

    def t_fn(avgs, ps, n):
        for a, p in zip(avgs, ps):
            a.mul_(0.6)
            a.add_(0.4 * p)

    rng = np.random.default_rng(1)
    net, tnet = _pair(torch)
    avg, tavg = SU.AveragedModel(net, multi_avg_fn=po_fn), TS.AveragedModel(tnet, multi_avg_fn=t_fn)
    for _ in range(5):
        _train_step(torch, net, tnet, rng)
        avg.update_parameters(net)
        tavg.update_parameters(tnet)
    _assert_same(avg, tavg)


def test_swa_average_is_the_mean_of_the_snapshots():
    """Independent of torch: after n updates the default average is the mean of the n weight sets, and
    without use_buffers the buffers are the last model's."""
    rng = np.random.default_rng(2)
    net = _po_net()
    avg = SU.AveragedModel(net)
    snaps = []
    for _ in range(6):
        sd = net.state_dict()
        for k in sd:
            if k.endswith(("weight", "bias")):
                sd[k] = rng.standard_normal(sd[k].shape)
        net.load_state_dict(sd)
        net(rng.standard_normal((8, 4)))
        snaps.append(net.state_dict())
        avg.update_parameters(net)
    got = avg.module.state_dict()
    for k in got:
        if k.endswith(("weight", "bias")):
            np.testing.assert_allclose(got[k], np.mean([s[k] for s in snaps], axis=0), rtol=1e-13, atol=1e-15)
        else:
            np.testing.assert_array_equal(got[k], snaps[-1][k])


def test_averaged_model_and_optim_averaged_agree():
    """optim.Averaged (averaging the optimizer's iterates after each step) and AveragedModel updated
    after each step compute the same Polyak average (book 8.7.3), and the same EMA."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((32, 4)), rng.integers(0, 3, 32)
    for mode, kw in [("polyak", {}), ("ema", dict(multi_avg_fn=SU.get_ema_multi_avg_fn(0.9)))]:
        net = po.nn.Sequential(po.nn.Dense(4, 6, seed=0, dtype=F64), po.nn.Tanh(), po.nn.Dense(6, 3, seed=1, dtype=F64))
        opt = po.optim.Averaged(po.optim.SGD(net.parameters(), lr=0.1, momentum=0.5), mode=mode, decay=0.9)
        swa = SU.AveragedModel(net, **kw)
        loss = po.nn.SoftmaxCrossEntropy()
        for _ in range(12):
            net.zero_grad()
            loss.forward(net(X), y)
            net.backward(loss.backward())
            opt.step()
            swa.update_parameters(net)
        for a, p in zip(opt.averaged(), swa.parameters()):
            np.testing.assert_allclose(p.data, a, rtol=1e-13, atol=1e-15)


def test_averaged_model_state_dict_round_trip_continues_as_torch():
    torch = pytest.importorskip("torch")
    import torch.optim.swa_utils as TS
    rng = np.random.default_rng(4)
    net, tnet = _pair(torch)
    avg, tavg = SU.AveragedModel(net, use_buffers=True), TS.AveragedModel(tnet, use_buffers=True)
    for _ in range(3):
        _train_step(torch, net, tnet, rng)
        avg.update_parameters(net)
        tavg.update_parameters(tnet)
    sd = copy.deepcopy(avg.state_dict())
    avg = SU.AveragedModel(_po_net(), use_buffers=True)
    avg.load_state_dict(sd)
    assert int(avg.n_averaged) == 3
    for _ in range(3):
        _train_step(torch, net, tnet, rng)
        avg.update_parameters(net)
        tavg.update_parameters(tnet)
    _assert_same(avg, tavg)


@pytest.mark.parametrize("batches", ["tuples", "arrays"])
def test_update_bn_matches_torch(batches):
    torch = pytest.importorskip("torch")
    import torch.optim.swa_utils as TS
    rng = np.random.default_rng(5)
    net, tnet = _pair(torch)
    avg, tavg = SU.AveragedModel(net), TS.AveragedModel(tnet)
    for _ in range(4):
        _train_step(torch, net, tnet, rng)
        avg.update_parameters(net)
        tavg.update_parameters(tnet)
    X = [rng.standard_normal((n, 4)) * 3 - 1 for n in (10, 7, 13, 10)]
    ys = [rng.integers(0, 3, len(x)) for x in X]
    if batches == "tuples":
        loader = [(x, y) for x, y in zip(X, ys)]
        tloader = [(torch.tensor(x), torch.tensor(y)) for x, y in zip(X, ys)]
    else:
        loader, tloader = X, [torch.tensor(x) for x in X]
    avg.eval()
    tavg.eval()
    SU.update_bn(loader, avg)
    TS.update_bn(tloader, tavg)
    _assert_same(avg, tavg)
    bn = avg.module[1]
    assert bn.momentum == 0.1 and not avg.training and not bn.training   # restored
    # independent check: the cumulative average of the batch statistics of the averaged weights
    h = [x @ avg.module[0].weight.data + avg.module[0].bias.data for x in X]
    np.testing.assert_allclose(bn.running_mean, np.mean([z.mean(0) for z in h], axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, np.mean([z.var(0, ddof=1) for z in h], axis=0), rtol=1e-12)
    assert int(bn.num_batches_tracked) == len(X)


def test_update_bn_without_batchnorm_does_nothing():
    net = po.nn.Sequential(po.nn.Dense(4, 3, seed=0, dtype=F64))
    calls = []

    class Loader:
        def __iter__(self):
            calls.append(1)
            return iter([np.zeros((2, 4))])

    SU.update_bn(Loader(), net)
    assert calls == []


# ---- SWALR -------------------------------------------------------------------------------------------

SWALR_CASES = {
    "cos": lambda S, o: [S.SWALR(o, swa_lr=0.05)],
    "linear-3": lambda S, o: [S.SWALR(o, swa_lr=[0.05, 0.01], anneal_epochs=3, anneal_strategy="linear")],
    "cos-1": lambda S, o: [S.SWALR(o, swa_lr=0.2, anneal_epochs=1)],
    "anneal-0": lambda S, o: [S.SWALR(o, swa_lr=0.02, anneal_epochs=0)],
    "after-cosine": lambda S, o: [S.CosineAnnealingLR(o, T_max=30), S.SWALR(o, swa_lr=0.05, anneal_epochs=5)],
}


@pytest.mark.parametrize("name", list(SWALR_CASES))
def test_swalr_matches_torch(name):
    """SWALR alone, and the torch recipe (a schedule, then SWALR from epoch 15 on), lr by lr over 40
    epochs with a state_dict rebuild half way."""
    torch = pytest.importorskip("torch")
    import torch.optim.swa_utils as TS
    from pyoptim.optim import lr_scheduler as PS

    class P:   # the schedulers of each library, in one namespace
        pass

    def ns(lib_sched, lib_swa):
        n = P()
        n.CosineAnnealingLR, n.SWALR = lib_sched.CosineAnnealingLR, lib_swa.SWALR
        return n

    make = SWALR_CASES[name]
    ps = [np.zeros(3), np.zeros(2)]
    ts = [torch.zeros(3, requires_grad=True), torch.zeros(2, requires_grad=True)]
    groups = lambda q: [{"params": [q[0]]}, {"params": [q[1]], "lr": 0.3}]
    opt = po.optim.SGD(groups(ps), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(groups(ts), lr=0.1, momentum=0.9)
    sch, tsch = make(ns(PS, SU), opt), make(ns(torch.optim.lr_scheduler, TS), topt)
    two = len(sch) == 2
    for epoch in range(40):
        opt.step([np.ones(3), np.ones(2)])
        for t in ts:
            t.grad = torch.ones_like(t)
        topt.step()
        i = 1 if two and epoch >= 15 else 0
        sch[i].step()
        tsch[i].step()
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups], epoch
        assert sch[i].get_last_lr() == tsch[i].get_last_lr()
        if epoch == 20:
            sd_opt, sd = copy.deepcopy(opt.state_dict()), [copy.deepcopy(s.state_dict()) for s in sch]
            opt = po.optim.SGD(groups(ps), lr=0.1, momentum=0.9)
            sch = make(ns(PS, SU), opt)
            opt.load_state_dict(sd_opt)
            for s, d in zip(sch, sd):
                s.load_state_dict(d)


def test_swalr_anneals_to_swa_lr():
    """Independent of torch: from lr_0 the rate follows α swa_lr + (1 - α) lr_0 with the cosine α."""
    opt = po.optim.SGD([np.zeros(1)], lr=0.4)
    s = SU.SWALR(opt, swa_lr=0.1, anneal_epochs=4)
    for k in range(1, 8):
        s.step()
        a = (1 - math.cos(math.pi * min(1, k / 4))) / 2
        assert s.get_last_lr()[0] == pytest.approx(a * 0.1 + (1 - a) * 0.4, rel=1e-13)


BAD = {
    "SWALR anneal_strategy": lambda S, o: S.SWALR(o, swa_lr=0.1, anneal_strategy="exp"),
    "SWALR anneal_epochs<0": lambda S, o: S.SWALR(o, swa_lr=0.1, anneal_epochs=-1),
    "SWALR anneal_epochs float": lambda S, o: S.SWALR(o, swa_lr=0.1, anneal_epochs=2.0),
    "SWALR swa_lr length": lambda S, o: S.SWALR(o, swa_lr=[0.1, 0.2]),
    "get_ema_multi_avg_fn decay>1": lambda S, o: S.get_ema_multi_avg_fn(1.5),
    "get_ema_avg_fn decay<0": lambda S, o: S.get_ema_avg_fn(-0.1),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_arguments_raise_as_torch(name):
    torch = pytest.importorskip("torch")
    import torch.optim.swa_utils as TS
    with pytest.raises(Exception) as te:
        BAD[name](TS, torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    with pytest.raises(Exception) as pe:
        BAD[name](SU, po.optim.SGD([np.zeros(1)], lr=0.1))
    assert type(pe.value) is type(te.value), (pe.value, te.value)


def test_averaged_model_bad_arguments():
    torch = pytest.importorskip("torch")
    import torch.optim.swa_utils as TS
    f, g = SU.get_ema_avg_fn(), SU.get_ema_multi_avg_fn()
    with pytest.raises(AssertionError):
        TS.AveragedModel(torch.nn.Linear(2, 2), avg_fn=f, multi_avg_fn=g)
    with pytest.raises(AssertionError):
        SU.AveragedModel(_po_net(), avg_fn=f, multi_avg_fn=g)
    with pytest.raises(ValueError, match="device"):
        SU.AveragedModel(_po_net(), device="cuda")
    SU.AveragedModel(_po_net(), device="cpu")
    with pytest.raises(TypeError, match="model"):
        SU.AveragedModel([np.zeros(2)])
