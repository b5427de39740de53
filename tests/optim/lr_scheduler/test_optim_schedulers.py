"""pyoptim.optim.lr_scheduler against torch.optim.lr_scheduler, lr by lr over 200 steps.

Every scheduler is built twice from one factory ``make(S, opt)`` (S is pyoptim's or torch's
lr_scheduler module), on a pyoptim and a torch optimizer with the same parameter groups. Both are
stepped 200 times with the same gradients; after each step the rates (and the cycled momentum or β1)
must be equal, and at the end the parameters agree. Half way, pyoptim's optimizer and scheduler are
rebuilt from their state_dicts (a new optimizer and new schedulers, then load_state_dict), and the
rates must go on unchanged. Bad arguments raise the exception type torch raises.
"""
import copy
import math
import warnings

import numpy as np
import pytest

import pyoptim as po
from pyoptim.optim import lr_scheduler as PS

pytestmark = pytest.mark.torch

STEPS = 200
SHAPES = [(3, 4), (5,), ()]


def _groups(params, layout):
    """Parameter groups: layout "one" (a single group) or "two" (two groups, the second with its own lr)."""
    if layout == "one":
        return [{"params": params}]
    return [{"params": params[:2]}, {"params": params[2:], "lr": 0.03}]


def _optimizers(torch, opt_name, opt_kw, layout):
    rng = np.random.default_rng(7)
    init = [rng.standard_normal(s) for s in SHAPES]
    ps = [x.copy() for x in init]
    ts = [torch.tensor(x.copy(), requires_grad=True) for x in init]
    opt = getattr(po.optim, opt_name)(_groups(ps, layout), **opt_kw)
    topt = getattr(torch.optim, opt_name)(_groups(ts, layout), foreach=False, **opt_kw)
    return ps, ts, opt, topt


def _as_list(s):
    return s if isinstance(s, list) else [s]


def _hyper(opt):
    """What the schedulers write: each group's lr and, where present, momentum and betas."""
    out = []
    for g in opt.param_groups:
        out.append((g["lr"], g.get("momentum"), tuple(g["betas"]) if "betas" in g else None))
    return out


def _run(torch, make, opt_name="SGD", opt_kw=None, layout="two", roundtrip=True, steps=STEPS):
    opt_kw = dict(lr=0.1, momentum=0.9) if opt_kw is None else opt_kw
    ps, ts, opt, topt = _optimizers(torch, opt_name, opt_kw, layout)
    scheds = _as_list(make(PS, opt))
    with warnings.catch_warnings():
        # torch warns when SequentialLR's first step reaches a ChainedScheduler's members before any
        # optimizer step; pyoptim never warns about the call order
        warnings.simplefilter("ignore", UserWarning)
        tscheds = _as_list(make(torch.optim.lr_scheduler, topt))
    A = [np.linspace(-1.0, 2.0, int(np.prod(s))).reshape(s) for s in SHAPES]
    assert _hyper(opt) == _hyper(topt)
    for s, t in zip(scheds, tscheds):
        assert s.get_last_lr() == t.get_last_lr()
    for k in range(steps):
        opt.step([np.asarray(a * np.sin(p + 0.1 * k) + 0.1 * p) for a, p in zip(A, ps)])
        with torch.no_grad():
            for t, a in zip(ts, A):
                t.grad = torch.tensor(a) * torch.sin(t + 0.1 * k) + 0.1 * t
        topt.step()
        for s in scheds:
            s.step()
        for t in tscheds:
            t.step()
        assert _hyper(opt) == _hyper(topt), f"step {k}"
        for s, t in zip(scheds, tscheds):
            assert s.get_last_lr() == t.get_last_lr(), f"step {k}"
            assert getattr(s, "last_epoch", None) == getattr(t, "last_epoch", None)
        if roundtrip and k == steps // 2:
            # rebuild from the state dicts: new optimizer and schedulers on the same arrays, then load
            sd_opt = copy.deepcopy(opt.state_dict())
            sd_s = [copy.deepcopy(s.state_dict()) for s in scheds]
            opt = getattr(po.optim, opt_name)(_groups(ps, layout), **opt_kw)
            scheds = _as_list(make(PS, opt))
            opt.load_state_dict(sd_opt)
            for s, sd in zip(scheds, sd_s):
                s.load_state_dict(sd)
            assert _hyper(opt) == _hyper(topt)
            for s, t in zip(scheds, tscheds):
                assert s.get_last_lr() == t.get_last_lr()
    for p, t in zip(ps, ts):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-10, atol=1e-12)
    return scheds, tscheds


class _Factor:
    """A callable object (its __dict__ is saved in the state_dict, a lambda is not)."""

    def __init__(self, f):
        self.f = f

    def __call__(self, k):
        return self.f ** (1 + k % 3)


CONFIGS = {
    # -- the six schedulers pyoptim had, over 200 steps with round trips --
    "LambdaLR": lambda S, o: S.LambdaLR(o, lambda k: 0.97 ** k + 0.001 * k),
    "LambdaLR-per-group": lambda S, o: S.LambdaLR(o, [lambda k: 1 / (1 + k), lambda k: 0.99 ** k]),
    "StepLR": lambda S, o: S.StepLR(o, step_size=17, gamma=0.7),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.985),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.1, end_factor=0.8, total_iters=120),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=37, eta_min=1e-3),
    # -- the new ones --
    "ConstantLR": lambda S, o: S.ConstantLR(o),
    "ConstantLR-40": lambda S, o: S.ConstantLR(o, factor=0.3, total_iters=40),
    "ConstantLR-1": lambda S, o: S.ConstantLR(o, factor=1.0, total_iters=0),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[30, 80, 80, 150], gamma=0.5),
    "MultiStepLR-unsorted": lambda S, o: S.MultiStepLR(o, milestones=(120, 10), gamma=0.3),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda k: 0.98),
    "MultiplicativeLR-per-group": lambda S, o: S.MultiplicativeLR(o, [lambda k: 1 - 1 / (k + 10), _Factor(0.99)]),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o),
    "PolynomialLR-150": lambda S, o: S.PolynomialLR(o, total_iters=150, power=0.9),
    "PolynomialLR-square": lambda S, o: S.PolynomialLR(o, total_iters=60, power=2.0),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=10),
    "CosineAnnealingWarmRestarts-mult": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2, eta_min=1e-3),
    "CyclicLR": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=20),
    "CyclicLR-triangular2": lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.05], step_size_up=15,
                                                     step_size_down=25, mode="triangular2",
                                                     base_momentum=[0.7, 0.8], max_momentum=0.95),
    "CyclicLR-exp_range": lambda S, o: S.CyclicLR(o, base_lr=0.001, max_lr=0.05, step_size_up=12,
                                                   mode="exp_range", gamma=0.99),
    "CyclicLR-scale_fn-cycle": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=9,
                                                        scale_fn=lambda x: 0.5 * (1 + math.sin(x * math.pi / 2))),
    "CyclicLR-scale_fn-iterations": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=9, scale_mode="iterations",
                                                             scale_fn=lambda x: 1 / (1 + 0.01 * x)),
    "CyclicLR-no-momentum": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=30, cycle_momentum=False),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=0.2, total_steps=STEPS),
    "OneCycleLR-epochs-linear": lambda S, o: S.OneCycleLR(o, max_lr=[0.2, 0.1], epochs=10, steps_per_epoch=21,
                                                          anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three_phase": lambda S, o: S.OneCycleLR(o, max_lr=0.3, total_steps=STEPS + 1, three_phase=True,
                                                        base_momentum=[0.8, 0.85], max_momentum=[0.9, 0.99],
                                                        div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-no-momentum": lambda S, o: S.OneCycleLR(o, max_lr=0.2, total_steps=STEPS, cycle_momentum=False),
    "SequentialLR": lambda S, o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=10),
                                                    S.ExponentialLR(o, gamma=0.98)], milestones=[10]),
    "SequentialLR-warmup-cosine": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.01, total_iters=20), S.CosineAnnealingLR(o, T_max=180)], milestones=[20]),
    "SequentialLR-three": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.2, total_iters=5), S.MultiStepLR(o, [20, 40]),
            S.CosineAnnealingWarmRestarts(o, T_0=13)], milestones=[10, 60]),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=20),
                                                         S.ExponentialLR(o, gamma=0.97)]),
    "ChainedScheduler-three": lambda S, o: S.ChainedScheduler(
        [S.LinearLR(o, start_factor=0.5, total_iters=30), S.MultiStepLR(o, [50, 120], gamma=0.5),
         S.CosineAnnealingLR(o, T_max=50)], optimizer=o),
    "Sequential-of-chained": lambda S, o: S.SequentialLR(
        o, [S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=8), S.ExponentialLR(o, gamma=0.95)]),
            S.PolynomialLR(o, total_iters=100, power=1.5)], milestones=[30]),
    # -- two schedulers stepping one optimizer compose as in torch (no wrapper) --
    "two-on-one-StepLR-ExponentialLR": lambda S, o: [S.StepLR(o, step_size=25, gamma=0.5), S.ExponentialLR(o, 0.99)],
    "two-on-one-Multiplicative-Cosine": lambda S, o: [S.MultiplicativeLR(o, lambda k: 0.995),
                                                      S.CosineAnnealingLR(o, T_max=40, eta_min=0.001)],
    "two-on-one-Linear-Polynomial": lambda S, o: [S.LinearLR(o, start_factor=0.2, total_iters=25),
                                                  S.PolynomialLR(o, total_iters=190, power=0.5)],
}


# configurations giving one value per group (for the two-group layout only)
PER_GROUP = {"LambdaLR-per-group", "MultiplicativeLR-per-group", "CyclicLR-triangular2", "OneCycleLR-epochs-linear",
             "OneCycleLR-three_phase"}


@pytest.mark.parametrize("name,layout", [(n, lay) for n in CONFIGS for lay in ("one", "two")
                                         if lay == "two" or n not in PER_GROUP])
def test_scheduler_matches_torch_with_sgd(name, layout):
    torch = pytest.importorskip("torch")
    _run(torch, CONFIGS[name], "SGD", dict(lr=0.1, momentum=0.9), layout)


MOMENTUM_CASES = [
    ("Adam", dict(lr=0.01, betas=(0.9, 0.99))),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
]
CYCLERS = ["CyclicLR", "CyclicLR-triangular2", "CyclicLR-exp_range", "CyclicLR-scale_fn-iterations", "OneCycleLR",
           "OneCycleLR-epochs-linear", "OneCycleLR-three_phase"]


@pytest.mark.parametrize("opt_name,opt_kw", MOMENTUM_CASES, ids=[c[0] + str(i) for i, c in enumerate(MOMENTUM_CASES)])
@pytest.mark.parametrize("name", CYCLERS)
def test_momentum_and_beta1_cycling_matches_torch(name, opt_name, opt_kw):
    """CyclicLR / OneCycleLR write momentum (SGD, RMSprop) or betas[0] (Adam, AdamW) each step; the
    optimizers then step with them: rates, momenta and parameters agree with torch's."""
    torch = pytest.importorskip("torch")
    _run(torch, CONFIGS[name], opt_name, opt_kw, "two")


def test_cycle_momentum_off_works_without_momentum():
    torch = pytest.importorskip("torch")
    _run(torch, CONFIGS["CyclicLR-no-momentum"], "Adagrad", dict(lr=0.1), "two")
    _run(torch, CONFIGS["OneCycleLR-no-momentum"], "Adagrad", dict(lr=0.1), "one")


def test_onecycle_past_total_steps_raises_as_torch():
    torch = pytest.importorskip("torch")
    scheds, tscheds = _run(torch, CONFIGS["OneCycleLR"], roundtrip=False)
    with pytest.raises(ValueError) as te:
        tscheds[0].step()
    with pytest.raises(ValueError, match="Tried to step 201 times"):
        scheds[0].step()
    assert "201" in str(te.value)


def test_two_schedulers_compose_multiplicatively():
    """Two chainable schedulers on one optimizer multiply their factors: ExponentialLR after a
    ConstantLR warm-up gives base * factor * gamma**k until total_iters, base * gamma**k after."""
    opt = po.optim.SGD([np.zeros(2)], lr=0.1)
    c = PS.ConstantLR(opt, factor=0.25, total_iters=5)
    e = PS.ExponentialLR(opt, gamma=0.9)
    for k in range(1, 12):
        opt.step([np.zeros(2)])
        c.step()
        e.step()
        want = 0.1 * 0.9 ** k * (0.25 if k < 5 else 1.0)
        assert opt.param_groups[0]["lr"] == pytest.approx(want, rel=1e-14)


def _closed_form_cases():
    return [
        ("StepLR", lambda S, o: S.StepLR(o, step_size=3, gamma=0.5)),
        ("MultiStepLR", lambda S, o: S.MultiStepLR(o, [2, 5, 5], gamma=0.5)),
        ("ConstantLR", lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=4)),
        ("LinearLR", lambda S, o: S.LinearLR(o, start_factor=0.5, total_iters=6)),
        ("ExponentialLR", lambda S, o: S.ExponentialLR(o, gamma=0.9)),
        ("PolynomialLR", lambda S, o: S.PolynomialLR(o, total_iters=8, power=2.0)),
        ("CosineAnnealingLR", lambda S, o: S.CosineAnnealingLR(o, T_max=6)),
        ("CosineAnnealingWarmRestarts", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)),
    ]


@pytest.mark.parametrize("name,make", _closed_form_cases(), ids=[c[0] for c in _closed_form_cases()])
def test_step_with_epoch_uses_the_closed_form_as_torch(name, make):
    """``step(epoch)`` (deprecated in torch, which warns) jumps with the closed form; fractional epochs
    for CosineAnnealingWarmRestarts."""
    torch = pytest.importorskip("torch")
    _, _, opt, topt = _optimizers(torch, "SGD", dict(lr=0.1), "two")
    s, t = make(PS, opt), make(torch.optim.lr_scheduler, topt)
    epochs = [0, 1, 3, 2, 7, 7, 12, 4, 30] if name != "CosineAnnealingWarmRestarts" else \
        [0.5, 1.25, 2.0, 3.0, 5.5, 9.0, 10.75, 21.0, 2.5]
    for ep in epochs:
        s.step(ep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t.step(ep)
        assert s.get_last_lr() == t.get_last_lr(), ep
        assert s.last_epoch == t.last_epoch


def test_reduce_lr_on_plateau_round_trip_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    metrics = np.concatenate([np.linspace(1, 0.5, 30), 0.5 + 0.02 * rng.random(170)])
    _, _, opt, topt = _optimizers(torch, "SGD", dict(lr=0.1), "two")
    kw = dict(factor=0.5, patience=4, cooldown=2, min_lr=[1e-3, 1e-4])
    s = PS.ReduceLROnPlateau(opt, **kw)
    t = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    for k, m in enumerate(metrics):
        s.step(float(m))
        t.step(float(m))
        assert s.get_last_lr() == t.get_last_lr()
        if k == 100:
            sd = copy.deepcopy(s.state_dict())
            s = PS.ReduceLROnPlateau(opt, **kw)
            s.load_state_dict(sd)


def test_scheduler_state_dicts_survive_a_checkpoint(tmp_path):
    """Every scheduler's state_dict is plain data (po.checkpoint stores it; no functions or
    objects), so a run saved half way and reloaded continues with the same rates."""
    for name, make in CONFIGS.items():
        ps = [np.zeros(3), np.zeros(2)]
        opt = po.optim.SGD(_groups(ps + [np.zeros(1)], "two"), lr=0.1, momentum=0.9)
        scheds = _as_list(make(PS, opt))
        for _ in range(57):
            for s in scheds:
                s.step()
        path = tmp_path / f"{name}.npz"
        po.checkpoint.save(path, optimizer=opt, schedulers=[s.state_dict() for s in scheds])
        want = []
        for _ in range(30):
            for s in scheds:
                s.step()
            want.append([g["lr"] for g in opt.param_groups])
        opt2 = po.optim.SGD(_groups([np.zeros(3), np.zeros(2), np.zeros(1)], "two"), lr=0.1, momentum=0.9)
        scheds2 = _as_list(make(PS, opt2))
        loaded = po.checkpoint.load(path, optimizer=opt2)
        for s, sd in zip(scheds2, loaded["extra"]["schedulers"]):
            s.load_state_dict(sd)
        got = []
        for _ in range(30):
            for s in scheds2:
                s.step()
            got.append([g["lr"] for g in opt2.param_groups])
        assert got == want, name


class _Groups:
    """A duck-typed optimizer whose learning rates are 0-d float32 arrays (torch's tensor lr)."""

    def __init__(self, lrs):
        self.param_groups = [{"params": [], "lr": np.array(lr, dtype=np.float32), "momentum": 0.9} for lr in lrs]
        self.defaults = {"lr": 0.1, "momentum": 0.9}


@pytest.mark.parametrize("make", [CONFIGS["ExponentialLR"], CONFIGS["CosineAnnealingLR"], CONFIGS["MultiStepLR"],
                                  CONFIGS["ChainedScheduler"]], ids=["Exponential", "Cosine", "MultiStep", "Chained"])
def test_array_learning_rate_is_overwritten_in_place_as_torch(make):
    """A 0-d array lr keeps its identity and dtype (the scheduler writes into it, as torch fills a tensor
    lr), base_lrs and get_last_lr hold copies, and the float32 values follow torch's tensor arithmetic."""
    torch = pytest.importorskip("torch")
    g = _Groups([0.1, 0.03])
    arrays = [grp["lr"] for grp in g.param_groups]
    tparams = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
    topt = torch.optim.SGD([{"params": [tparams[0]], "lr": torch.tensor(0.1)},
                            {"params": [tparams[1]], "lr": torch.tensor(0.03)}], lr=0.1, momentum=0.9)
    scheds, tscheds = _as_list(make(PS, g)), _as_list(make(torch.optim.lr_scheduler, topt))
    for k in range(60):
        for p in tparams:
            p.grad = torch.zeros(1)
        topt.step()
        for s in scheds:
            s.step()
        for t in tscheds:
            t.step()
        for grp, arr, tgrp in zip(g.param_groups, arrays, topt.param_groups):
            assert grp["lr"] is arr and arr.dtype == np.float32
            assert float(arr) == float(tgrp["lr"]), k
        got = scheds[-1].get_last_lr()
        assert all(v is not a for v, a in zip(got, arrays))
        assert [float(v) for v in got] == [float(v) for v in tscheds[-1].get_last_lr()]


# ---- bad arguments: the exception type torch raises ------------------------------------------------------

def _sgd(S_is_torch, torch, **kw):
    if S_is_torch:
        return torch.optim.SGD([torch.zeros(2, requires_grad=True)], **(kw or dict(lr=0.1, momentum=0.9)))
    return po.optim.SGD([np.zeros(2)], **(kw or dict(lr=0.1, momentum=0.9)))


def _adagrad(S_is_torch, torch):
    if S_is_torch:
        return torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], lr=0.1)
    return po.optim.Adagrad([np.zeros(2)], lr=0.1)


BAD = {
    "ConstantLR factor>1": lambda S, o, a: S.ConstantLR(o, factor=1.5),
    "ConstantLR factor<0": lambda S, o, a: S.ConstantLR(o, factor=-0.1),
    "MultiplicativeLR not callable": lambda S, o, a: S.MultiplicativeLR(o, lr_lambda=0.9),
    "MultiplicativeLR list length": lambda S, o, a: S.MultiplicativeLR(o, lr_lambda=[lambda k: 1.0] * 2),
    "LambdaLR list length": lambda S, o, a: S.LambdaLR(o, lr_lambda=[lambda k: 1.0] * 3),
    "MultiStepLR milestones not iterable": lambda S, o, a: S.MultiStepLR(o, milestones=5),
    "CAWR T_0=0": lambda S, o, a: S.CosineAnnealingWarmRestarts(o, T_0=0),
    "CAWR T_0 float": lambda S, o, a: S.CosineAnnealingWarmRestarts(o, T_0=2.5),
    "CAWR T_mult=0": lambda S, o, a: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    "CAWR T_mult float": lambda S, o, a: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5),
    "CAWR eta_min None": lambda S, o, a: S.CosineAnnealingWarmRestarts(o, T_0=2, eta_min=None),
    "CAWR T_0 str": lambda S, o, a: S.CosineAnnealingWarmRestarts(o, T_0="3"),
    "CAWR negative epoch": lambda S, o, a: S.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
    "CyclicLR mode": lambda S, o, a: S.CyclicLR(o, 0.01, 0.1, mode="sawtooth"),
    "CyclicLR base_lr length": lambda S, o, a: S.CyclicLR(o, [0.01, 0.02], 0.1),
    "CyclicLR max_lr length": lambda S, o, a: S.CyclicLR(o, 0.01, [0.1, 0.2, 0.3]),
    "CyclicLR momentum length": lambda S, o, a: S.CyclicLR(o, 0.01, 0.1, max_momentum=[0.9, 0.8]),
    "CyclicLR no momentum": lambda S, o, a: S.CyclicLR(a, 0.01, 0.1),
    "CyclicLR not an optimizer": lambda S, o, a: S.CyclicLR(object(), 0.01, 0.1),
    "OneCycleLR total_steps=0": lambda S, o, a: S.OneCycleLR(o, 0.1, total_steps=0),
    "OneCycleLR total_steps float": lambda S, o, a: S.OneCycleLR(o, 0.1, total_steps=10.0),
    "OneCycleLR no total": lambda S, o, a: S.OneCycleLR(o, 0.1),
    "OneCycleLR epochs only": lambda S, o, a: S.OneCycleLR(o, 0.1, epochs=3),
    "OneCycleLR epochs=0": lambda S, o, a: S.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
    "OneCycleLR steps_per_epoch<0": lambda S, o, a: S.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1),
    "OneCycleLR epochs float": lambda S, o, a: S.OneCycleLR(o, 0.1, epochs=2.0, steps_per_epoch=3),
    "OneCycleLR pct_start>1": lambda S, o, a: S.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5),
    "OneCycleLR pct_start int": lambda S, o, a: S.OneCycleLR(o, 0.1, total_steps=10, pct_start=0),
    "OneCycleLR anneal_strategy": lambda S, o, a: S.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    "OneCycleLR max_lr length": lambda S, o, a: S.OneCycleLR(o, [0.1, 0.2], total_steps=10),
    "OneCycleLR no momentum": lambda S, o, a: S.OneCycleLR(a, 0.1, total_steps=10),
    "OneCycleLR not an optimizer": lambda S, o, a: S.OneCycleLR(None, 0.1, total_steps=10),
    "SequentialLR empty": lambda S, o, a: S.SequentialLR(o, [], milestones=[]),
    "SequentialLR milestones": lambda S, o, a: S.SequentialLR(o, [S.ConstantLR(o), S.ExponentialLR(o, 0.9)],
                                                              milestones=[2, 4]),
    "SequentialLR other optimizer": lambda S, o, a: S.SequentialLR(o, [S.ConstantLR(o), S.StepLR(a, 2)],
                                                                   milestones=[3]),
    "SequentialLR plateau": lambda S, o, a: S.SequentialLR(o, [S.ConstantLR(o), S.ReduceLROnPlateau(o)],
                                                           milestones=[3]),
    "SequentialLR not a scheduler": lambda S, o, a: S.SequentialLR(o, [S.ConstantLR(o), object()], milestones=[3]),
    "ChainedScheduler empty": lambda S, o, a: S.ChainedScheduler([]),
    "ChainedScheduler other optimizer": lambda S, o, a: S.ChainedScheduler([S.ConstantLR(o), S.StepLR(a, 2)]),
    "ChainedScheduler plateau": lambda S, o, a: S.ChainedScheduler([S.ConstantLR(o), S.ReduceLROnPlateau(o)]),
    "ChainedScheduler not a scheduler": lambda S, o, a: S.ChainedScheduler([S.ConstantLR(o), 3]),
    "ChainedScheduler optimizer arg": lambda S, o, a: S.ChainedScheduler([S.ConstantLR(o)], optimizer=a),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_arguments_raise_as_torch(name):
    torch = pytest.importorskip("torch")
    make = BAD[name]
    with pytest.raises(Exception) as te:
        make(torch.optim.lr_scheduler, _sgd(True, torch), _adagrad(True, torch))
    with pytest.raises(Exception) as pe:
        make(PS, _sgd(False, torch), _adagrad(False, torch))
    assert type(pe.value) is type(te.value), (pe.value, te.value)
