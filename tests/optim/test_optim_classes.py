"""pyoptim.optim: the Optimizer interface, the book's forms and their claims (book 8.3, 8.5, 8.7.3),
schedules, clipping and averaging."""
import math
import re

import numpy as np
import pytest

import pyoptim as po
from pyoptim.nn import Parameter
from pyoptim.optim import lr_scheduler as S

OPTIMIZERS = {
    "sgd": lambda ps: po.optim.SGD(ps, lr=0.05),
    "momentum": lambda ps: po.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "nesterov": lambda ps: po.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "adagrad": lambda ps: po.optim.Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    "rmsprop": lambda ps: po.optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True),
    "adam": lambda ps: po.optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.01),
    "adamw": lambda ps: po.optim.AdamW(ps, lr=0.01),
    "momentum_book": lambda ps: po.optim.MomentumBook(ps, lr=0.05, alpha=0.9),
    "adagrad_book": lambda ps: po.optim.AdaGradBook(ps, lr=0.1),
    "rmsprop_book": lambda ps: po.optim.RMSPropBook(ps, lr=0.01),
    "adam_book": lambda ps: po.optim.AdamBook(ps, lr=0.01),
    "averaged_polyak": lambda ps: po.optim.Averaged(po.optim.Adam(ps, lr=0.01), start=2),
    "averaged_ema": lambda ps: po.optim.Averaged(po.optim.SGD(ps, lr=0.01, momentum=0.5), mode="ema", decay=0.9),
}


def _params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(5).astype(dtype),
            np.array(0.5, dtype=dtype)]


def _grads(ps, k):
    return [np.asarray(np.sin(3 * p + k) + 0.1 * p, dtype=p.dtype) for p in ps]


# ---- the Optimizer interface ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_state_dict_round_trip_continues_bit_identically(name, dtype):
    ps = _params(dtype)
    opt = OPTIMIZERS[name](ps)
    for k in range(5):
        opt.step(_grads(ps, k))
    sd = opt.state_dict()
    saved = [p.copy() for p in ps]
    for k in range(5, 10):
        opt.step(_grads(ps, k))
    want = [p.copy() for p in ps]
    # mutating the live state must not have touched the saved dict (copies)
    ps2 = [p.copy() for p in saved]
    opt2 = OPTIMIZERS[name](ps2)
    opt2.load_state_dict(sd)
    for k in range(5, 10):
        opt2.step(_grads(ps2, k))
    for a, b in zip(want, ps2):
        assert a.tobytes() == b.tobytes()


def test_state_dict_is_plain_data():
    ps = _params()
    opt = po.optim.Adam([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.1}], lr=0.01)
    opt.step(_grads(ps, 0))
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sd["param_groups"][0]["params"] == [0, 1] and sd["param_groups"][1]["params"] == [2]
    assert sd["param_groups"][1]["lr"] == 0.1 and sd["param_groups"][0]["lr"] == 0.01
    for st in sd["state"].values():
        for v in st.values():
            assert isinstance(v, (np.ndarray, int, float))
    assert opt.state[ps[1]] is opt.state[1]
    assert ps[0] in opt.state


def _bad_state_dicts():
    ps = _params()
    opt = po.optim.Adam(ps, lr=0.01, amsgrad=True)
    opt.step(_grads(ps, 0))
    good = opt.state_dict()

    def mod(f):
        sd = {"state": {k: dict(v) for k, v in good["state"].items()},
              "param_groups": [dict(g) for g in good["param_groups"]]}
        f(sd)
        return sd

    return good, [
        (mod(lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0]))), ValueError, "groups"),
        (mod(lambda sd: sd["param_groups"][0].update(params=[0, 1])), ValueError, "parameters"),
        (mod(lambda sd: sd["param_groups"][0].update(lr=-1.0)), ValueError, "Invalid learning rate"),
        (mod(lambda sd: sd["state"][0].update(exp_avg=np.zeros((4, 3)))), ValueError, "shape"),
        (mod(lambda sd: sd["state"][1].update(exp_avg=np.zeros(5, np.float32))), TypeError, "dtype"),
        (mod(lambda sd: sd["state"][1].pop("max_exp_avg_sq")), ValueError, "missing"),
        (mod(lambda sd: sd["state"].update({7: sd["state"][0]})), ValueError, "parameter 7"),
        ({"state": {}}, ValueError, "param_groups"),
    ]


@pytest.mark.parametrize("case", range(8))
def test_load_state_dict_validates_and_never_half_loads(case):
    good, cases = _bad_state_dicts()
    bad, exc, msg = cases[case]
    ps = _params()
    opt = po.optim.Adam(ps, lr=0.02, amsgrad=True)
    opt.step(_grads(ps, 1))
    before = opt.state_dict()
    with pytest.raises(exc, match=msg):
        opt.load_state_dict(bad)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for k in before["state"]:
        for name, v in before["state"][k].items():
            assert np.array_equal(after["state"][k][name], v)


def test_param_groups_defaults_and_validation():
    ps = _params()
    opt = po.optim.SGD([{"params": ps[:2]}, {"params": [ps[2]], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0.0
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["dampening"] == 0.0 and opt.param_groups[1]["maximize"] is False
    with pytest.raises(ValueError, match="more than one parameter group"):
        po.optim.SGD([{"params": ps[:2]}, {"params": ps[1:]}])
    with pytest.raises(ValueError, match="empty parameter list"):
        po.optim.Adam([])
    with pytest.raises(TypeError, match="iterable"):
        po.optim.Adam(ps[0])
    with pytest.raises(TypeError, match="params argument .* got int"):
        po.optim.SGD(5, lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\].*dtype"):
        po.optim.Adam([ps[0], np.zeros(3, np.int64)])
    with pytest.raises(ValueError, match=r"params\[0\].*C-contiguous"):
        po.optim.Adam([np.zeros((3, 3)).T])
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=r"params\[0\].*read-only"):
        po.optim.Adam([ro])
    with pytest.raises(ValueError, match="Invalid learning rate"):
        po.optim.SGD([{"params": ps[:1], "lr": -0.1}, {"params": ps[1:]}])


BAD_HYPERPARAMETERS = [
    (po.optim.SGD, dict(lr=-1.0), "Invalid learning rate: -1.0 (expected lr >= 0)"),
    (po.optim.SGD, dict(lr=0.1, momentum=-0.1), "Invalid momentum value: -0.1 (expected momentum >= 0)"),
    (po.optim.SGD, dict(lr=0.1, weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
    (po.optim.SGD, dict(lr=0.1, nesterov=True), "Invalid nesterov: True (expected momentum > 0"),
    (po.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Invalid nesterov"),
    (po.optim.Adagrad, dict(lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
    (po.optim.Adagrad, dict(initial_accumulator_value=-1.0), "Invalid initial_accumulator_value value: -1.0"),
    (po.optim.Adagrad, dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    (po.optim.RMSprop, dict(alpha=1.5), "Invalid alpha value: 1.5 (expected 0 <= alpha <= 1)"),
    (po.optim.RMSprop, dict(momentum=-1.0), "Invalid momentum value: -1.0"),
    (po.optim.Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0 (expected 0 <= beta1 < 1)"),
    (po.optim.Adam, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (po.optim.Adam, dict(betas=0.9), "Invalid betas: 0.9"),
    (po.optim.AdamW, dict(lr=float("nan")), "Invalid learning rate: nan"),
    (po.optim.AdamW, dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    (po.optim.MomentumBook, dict(alpha=1.0), "Invalid alpha value: 1.0 (expected 0 <= alpha < 1)"),
    (po.optim.RMSPropBook, dict(rho=1.0), "Invalid rho value: 1.0"),
    (po.optim.AdamBook, dict(rho2=1.0), "Invalid rho2 value: 1.0"),
]


@pytest.mark.parametrize("cls,kw,msg", BAD_HYPERPARAMETERS)
def test_bad_hyperparameters_one_message_format(cls, kw, msg):
    with pytest.raises(ValueError, match=re.escape(msg)):
        cls([np.zeros(3)], **kw)


def test_step_with_parameters_and_frozen_and_grads():
    w, b, frozen = Parameter(np.ones((2, 3))), Parameter(np.zeros(3)), Parameter(np.ones(2), requires_grad=False)
    opt = po.optim.SGD([w, b, frozen], lr=0.5)
    w.grad[...] = 1.0
    b.grad[...] = 2.0
    frozen.grad[...] = 5.0
    opt.step()
    np.testing.assert_array_equal(w.data, 0.5)
    np.testing.assert_array_equal(b.data, -1.0)
    np.testing.assert_array_equal(frozen.data, 1.0)
    opt.zero_grad()
    assert not w.grad.any() and not b.grad.any()
    # explicit grads override .grad; the frozen one stays frozen
    opt.step([np.ones((2, 3)), np.ones(3), np.ones(2)])
    np.testing.assert_array_equal(w.data, 0.0)
    np.testing.assert_array_equal(frozen.data, 1.0)


def test_step_grads_checked():
    ps = _params()
    opt = po.optim.Adam(ps)
    with pytest.raises(TypeError, match="plain arrays"):
        opt.step()
    with pytest.raises(ValueError, match="2 arrays but the optimizer has 3"):
        opt.step(_grads(ps, 0)[:2])
    g = _grads(ps, 0)
    g[1] = np.zeros(4)
    with pytest.raises(ValueError, match=r"grads\[1\] has shape \(4,\)"):
        opt.step(g)
    g = _grads(ps, 0)
    g[0] = g[0].astype(np.float32)
    with pytest.raises(TypeError, match=r"grads\[0\] has dtype float32"):
        opt.step(g)
    with pytest.raises(TypeError, match="sequence"):
        opt.step(np.zeros(3))
    # None skips a parameter
    before = ps[0].copy()
    g = _grads(ps, 0)
    g[0] = None
    opt.step(g)
    assert np.array_equal(ps[0], before) and 0 not in opt.state


def test_step_with_closure():
    x = np.array([3.0, -1.0])
    opt = po.optim.SGD([x], lr=0.25)
    loss = opt.step(lambda: (float(x @ x), [2 * x]))
    assert loss == 10.0
    np.testing.assert_array_equal(x, [1.5, -0.5])
    p = Parameter(np.array([2.0]))

    def closure():
        p.grad[...] = 2 * p.data
        return float(p.data @ p.data)

    assert po.optim.SGD([p], lr=0.25).step(closure) == 4.0
    np.testing.assert_array_equal(p.data, [1.0])


def test_sgd_one_step_formula_and_lr_change_between_steps():
    x = np.array([1.0, 2.0])
    opt = po.optim.SGD([x], lr=0.1, momentum=0.9)
    g = np.array([1.0, -1.0])
    opt.step([g])
    np.testing.assert_allclose(x, [0.9, 2.1])
    opt.param_groups[0]["lr"] = 0.01
    opt.step([g])   # b = 0.9 g + g = 1.9 g
    np.testing.assert_allclose(x, [0.9 - 0.019, 2.1 + 0.019])


# ---- the book's forms and claims (8.3.2, 8.3.3, 8.5) -------------------------------------------------

def _quadratic(n=6, cond=50.0, seed=3):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.geomspace(1.0, cond, n)
    H = (q * lam) @ q.T
    b = rng.standard_normal(n)
    return H, b, lam


def test_book_momentum_equals_torch_form_under_constant_lr_and_differs_when_lr_changes():
    H, b, _ = _quadratic()
    x1, x2 = np.zeros(6), np.zeros(6)
    book = po.optim.MomentumBook([x1], lr=0.02, alpha=0.9)
    torch_form = po.optim.SGD([x2], lr=0.02, momentum=0.9)
    for _ in range(50):
        book.step([H @ x1 - b])
        torch_form.step([H @ x2 - b])
        np.testing.assert_allclose(x1, x2, rtol=1e-10, atol=1e-12)
    # v = -lr * b (change of variables)
    np.testing.assert_allclose(book.state[0]["velocity"], -0.02 * torch_form.state[0]["momentum_buffer"],
                               rtol=1e-10, atol=1e-13)
    for k in range(20):
        lr = 0.02 * 0.8 ** (k + 1)
        book.param_groups[0]["lr"] = lr
        torch_form.param_groups[0]["lr"] = lr
        book.step([H @ x1 - b])
        torch_form.step([H @ x2 - b])
    assert np.max(np.abs(x1 - x2)) > 1e-4


def test_terminal_velocity_under_constant_gradient():
    lr, alpha = 0.01, 0.9
    g = np.array([3.0, -4.0])
    x = np.zeros(2)
    opt = po.optim.MomentumBook([x], lr=lr, alpha=alpha)
    prev = x.copy()
    for _ in range(300):
        opt.step([g])
        step = np.linalg.norm(x - prev)
        prev = x.copy()
    assert step == pytest.approx(lr * np.linalg.norm(g) / (1 - alpha), rel=1e-10)


def test_book_nesterov_equals_torch_nesterov_iterates():
    H, b, _ = _quadratic()
    alpha, lr = 0.9, 0.02
    theta, phi = np.zeros(6), np.zeros(6)
    book = po.optim.NesterovBook([theta], lr=lr, alpha=alpha)
    torch_form = po.optim.SGD([phi], lr=lr, momentum=alpha, nesterov=True)
    for _ in range(60):
        book.step(lambda: [H @ theta - b])   # theta holds the interim point while the closure runs
        torch_form.step([H @ phi - b])
        v = book.state[0]["velocity"]
        np.testing.assert_allclose(theta + alpha * v, phi, rtol=1e-10, atol=1e-12)
    with pytest.raises(TypeError, match="closure"):
        book.step([H @ theta - b])


def test_book_nesterov_with_parameters_uses_the_interim_gradient():
    p = Parameter(np.array([1.0]))
    seen = []

    def closure():
        seen.append(float(p.data[0]))
        p.grad[...] = 2 * p.data
        return float(p.data[0] ** 2)

    opt = po.optim.NesterovBook([p], lr=0.1, alpha=0.5)
    opt.step(closure)   # v=0: gradient at 1.0; v = -0.2; theta = 0.8
    opt.step(closure)   # interim 0.8 - 0.1 = 0.7; v = -0.1 - 0.14 = -0.24; theta = 0.56
    assert seen == [1.0, pytest.approx(0.7)]
    np.testing.assert_allclose(p.data, [0.56])


def test_heavy_ball_contracts_at_polyak_rate():
    """Book 8.3.2 / Polyak (1964): on a quadratic with condition number κ, tuned momentum contracts the
    error by about (√κ-1)/(√κ+1) per step; gradient descent by (κ-1)/(κ+1)."""
    n, kappa = 20, 100.0
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.linspace(1.0, kappa, n)
    H = (q * lam) @ q.T
    xstar = rng.standard_normal(n)
    L, mu = lam[-1], lam[0]
    sk = math.sqrt(kappa)

    def rate(opt_factory, lo=20, hi=120):
        x = np.zeros(n)
        opt = opt_factory([x])
        errs = []
        for _ in range(hi):
            opt.step([H @ (x - xstar)])
            errs.append(np.linalg.norm(x - xstar))
        return (errs[hi - 1] / errs[lo - 1]) ** (1.0 / (hi - lo))

    hb = rate(lambda ps: po.optim.MomentumBook(ps, lr=4 / (math.sqrt(L) + math.sqrt(mu)) ** 2,
                                               alpha=((sk - 1) / (sk + 1)) ** 2))
    gd = rate(lambda ps: po.optim.SGD(ps, lr=2 / (L + mu)))
    # the extreme eigenvalues give a double root: error ~ k ρ^k, so the measured rate over steps
    # 20..120 is ρ (120/20)^(1/100) ≈ 1.018 ρ
    assert hb == pytest.approx((sk - 1) / (sk + 1) * (120 / 20) ** (1 / 100), abs=0.005)
    assert gd == pytest.approx((kappa - 1) / (kappa + 1), abs=0.002)
    assert hb < gd - 0.1


def test_book_adagrad_and_adam_match_the_torch_forms():
    H, b, _ = _quadratic()
    for book_f, torch_f in [(lambda ps: po.optim.AdaGradBook(ps, lr=0.1, eps=1e-10),
                             lambda ps: po.optim.Adagrad(ps, lr=0.1, eps=1e-10)),
                            (lambda ps: po.optim.AdamBook(ps, lr=0.05, rho1=0.8, rho2=0.99),
                             lambda ps: po.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99)))]:
        x1, x2 = np.ones(6), np.ones(6)
        o1, o2 = book_f([x1]), torch_f([x2])
        for _ in range(100):
            o1.step([H @ x1 - b])
            o2.step([H @ x2 - b])
        np.testing.assert_allclose(x1, x2, rtol=1e-9, atol=1e-12)


def test_book_rmsprop_one_step_formulas():
    g = np.array([0.5, -2.0])
    x = np.array([1.0, 1.0])
    opt = po.optim.RMSPropBook([x], lr=0.1, rho=0.9, eps=1e-6)
    opt.step([g])
    r = 0.1 * g * g
    np.testing.assert_allclose(x, 1.0 - 0.1 / np.sqrt(1e-6 + r) * g, rtol=1e-15)
    # with delta inside the root the first step differs from torch's (eps outside) form
    y = np.array([1.0, 1.0])
    po.optim.RMSprop([y], lr=0.1, alpha=0.9, eps=1e-6).step([g])
    assert not np.allclose(x, y, rtol=1e-9, atol=0)
    # Algorithm 8.6: RMSProp with Nesterov momentum
    x = np.array([1.0, 1.0])
    opt = po.optim.RMSPropBook([x], lr=0.1, rho=0.9, eps=1e-6, alpha=0.5, nesterov=True)
    opt.step(lambda: [2 * x])
    g0 = np.array([2.0, 2.0])
    r = 0.1 * g0 * g0
    v = -0.1 / np.sqrt(1e-6 + r) * g0
    np.testing.assert_allclose(x, 1.0 + v, rtol=1e-15)
    opt.step(lambda: [2 * x])   # gradient at the interim point x + 0.5 v
    g1 = 2 * (1.0 + v + 0.5 * v)
    r = 0.9 * r + 0.1 * g1 * g1
    v2 = 0.5 * v - 0.1 / np.sqrt(1e-6 + r) * g1
    np.testing.assert_allclose(x, 1.0 + v + v2, rtol=1e-14)


# ---- schedules (8.3.1) -------------------------------------------------------------------------------

def test_linear_lr_is_the_books_linear_decay():
    eps0, eps_tau, tau = 0.1, 0.001, 50
    opt = po.optim.SGD([np.zeros(2)], lr=eps0)
    sched = S.LinearLR(opt, start_factor=1.0, end_factor=eps_tau / eps0, total_iters=tau)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(80):
        opt.step([np.zeros(2)])
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    for k, lr in enumerate(lrs):
        a = min(k, tau) / tau
        assert lr == pytest.approx((1 - a) * eps0 + a * eps_tau, rel=1e-12)
    assert lrs[-1] == pytest.approx(eps_tau, rel=1e-12)


@pytest.mark.parametrize("make,closed", [
    (lambda o: S.StepLR(o, step_size=3, gamma=0.5), lambda k: 0.5 ** (k // 3)),
    (lambda o: S.ExponentialLR(o, gamma=0.9), lambda k: 0.9 ** k),
    (lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
     lambda k, base=1.0: (0.01 + (base - 0.01) * (1 + math.cos(math.pi * k / 10)) / 2)),
    (lambda o: S.LambdaLR(o, lambda k: 1.0 / (1 + k)), lambda k: 1.0 / (1 + k)),
    (lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4), lambda k: 0.25 + 0.75 * min(k, 4) / 4),
])
def test_schedules_follow_their_closed_forms(make, closed):
    opt = po.optim.SGD([{"params": [np.zeros(1)]}, {"params": [np.zeros(1)], "lr": 2.0}], lr=1.0)
    sched = make(opt)
    for k in range(25):
        want2 = closed(k, 2.0) if "base" in closed.__code__.co_varnames else 2 * closed(k)
        assert sched.get_last_lr() == pytest.approx([closed(k), want2], rel=1e-10)
        opt.step([np.zeros(1), np.zeros(1)])
        sched.step()
    sd = sched.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 25


def test_reduce_on_plateau():
    opt = po.optim.SGD([np.zeros(1)], lr=1.0)
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    losses = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]
    lrs = []
    for L in losses:
        sched.step(L)
        lrs.append(sched.get_last_lr()[0])
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    for _ in range(10):
        sched.step(1.0)
    assert opt.param_groups[0]["lr"] == 0.2
    with pytest.raises(ValueError, match="Invalid factor"):
        S.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="Invalid mode"):
        S.ReduceLROnPlateau(opt, mode="up")


def test_scheduler_bad_arguments():
    opt = po.optim.SGD([np.zeros(1)], lr=1.0)
    with pytest.raises(ValueError, match=re.escape("Invalid start_factor: 0.0 (expected 0 < start_factor <= 1)")):
        S.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="Invalid step_size"):
        S.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="Invalid T_max"):
        S.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(TypeError, match="Invalid optimizer"):
        S.StepLR(object(), step_size=1)


# ---- clipping (8.2.4) --------------------------------------------------------------------------------

def test_clip_grad_norm_bounds_the_step_and_keeps_the_direction():
    rng = np.random.default_rng(1)
    gs = [rng.standard_normal((4, 5)) * 10, rng.standard_normal(3).astype(np.float64) * 10]
    before = [g.copy() for g in gs]
    norm = po.optim.clip_grad_norm_(gs, max_norm=1.0)
    assert norm == pytest.approx(np.sqrt(sum(np.sum(g ** 2) for g in before)), rel=1e-12)
    new = np.sqrt(sum(np.sum(g ** 2) for g in gs))
    assert new == pytest.approx(1.0 / (1 + 1e-6 / norm), rel=1e-9) and new <= 1.0
    flat_b = np.concatenate([g.ravel() for g in before])
    flat_a = np.concatenate([g.ravel() for g in gs])
    cos = flat_a @ flat_b / np.linalg.norm(flat_a) / np.linalg.norm(flat_b)
    assert cos == pytest.approx(1.0, abs=1e-12)
    # below the threshold nothing changes
    same = [g.copy() for g in gs]
    po.optim.clip_grad_norm_(gs, max_norm=10.0)
    for a, b in zip(gs, same):
        assert np.array_equal(a, b)
    assert po.optim.clip_grad_norm_(gs, 1.0, norm_type=float("inf")) == pytest.approx(max(np.max(np.abs(g)) for g in gs))
    assert po.optim.clip_grad_norm_([], 1.0) == 0.0


def test_clip_parameters_skip_frozen_and_nonfinite():
    a, frozen = Parameter(np.full(4, 3.0)), Parameter(np.full(4, 100.0), requires_grad=False)
    a.grad[...] = 3.0
    frozen.grad[...] = 100.0
    assert po.optim.clip_grad_norm_([a, frozen], 1.0) == pytest.approx(6.0)
    assert np.all(frozen.grad == 100.0)
    np.testing.assert_allclose(a.grad, 0.5 / (1 + 1e-6 / 6.0), rtol=1e-12)
    a.grad[0] = np.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        po.optim.clip_grad_norm_(a, 1.0, error_if_nonfinite=True)
    po.optim.clip_grad_value_(a, 0.25)
    np.testing.assert_array_equal(a.grad, 0.25)
    g = np.array([-3.0, 0.1, 2.0])
    po.optim.clip_grad_value_([g], 1.0)
    np.testing.assert_array_equal(g, [-1.0, 0.1, 1.0])
    with pytest.raises(ValueError, match="Invalid clip_value"):
        po.optim.clip_grad_value_([g], -1.0)
    with pytest.raises(ValueError, match="Invalid norm_type"):
        po.optim.clip_grad_norm_([g], 1.0, norm_type=0)
    with pytest.raises(TypeError, match=r"params_or_grads\[0\]"):
        po.optim.clip_grad_norm_([[1.0, 2.0]], 1.0)


def test_clipping_on_a_cliff_bounds_the_step():
    """Book 8.2.4: on a cliff the raw gradient step catapults the parameters; the clipped one is
    bounded by lr * max_norm."""
    x = np.array([1.0])
    grad = np.array([1e6])   # the steep wall
    raw = x - 0.1 * grad
    g = grad.copy()
    po.optim.clip_grad_norm_([g], max_norm=1.0)
    assert abs(0.1 * g[0]) <= 0.1 and abs(raw[0] - x[0]) > 1e4


# ---- averaging (8.7.3) -------------------------------------------------------------------------------

def test_polyak_average_is_the_mean_of_iterates_and_ema():
    rng = np.random.default_rng(0)
    x = np.zeros(4)
    avg = po.optim.Averaged(po.optim.SGD([x], lr=0.1), mode="polyak", start=3)
    its = []
    for k in range(20):
        avg.step([rng.standard_normal(4)])
        if k + 1 > 3:
            its.append(x.copy())
    np.testing.assert_allclose(avg.averaged()[0], np.mean(its, axis=0), rtol=1e-12, atol=1e-14)
    y = np.zeros(2)
    ema = po.optim.Averaged(po.optim.SGD([y], lr=1.0), mode="ema", decay=0.5)
    ema.step([np.array([-1.0, 0.0])])   # y = 1 -> avg = 1
    ema.step([np.array([-1.0, 0.0])])   # y = 2 -> avg = 1.5
    np.testing.assert_allclose(ema.averaged()[0], [1.5, 0.0])
    assert ema.param_groups is ema.optimizer.param_groups


def test_swap_exchanges_and_restores_exactly():
    x = np.zeros(3)
    avg = po.optim.Averaged(po.optim.SGD([x], lr=0.1))
    for k in range(5):
        avg.step([np.full(3, float(k))])
    live, mean = x.copy(), avg.averaged()[0]
    avg.swap()
    assert np.array_equal(x, mean)
    with pytest.raises(RuntimeError, match="swap"):
        avg.step([np.zeros(3)])
    avg.swap()
    assert np.array_equal(x, live) and np.array_equal(avg.averaged()[0], mean)


def test_averaged_iterate_beats_last_iterate_under_sgd_noise():
    """Book 8.7.3: under SGD noise on a quadratic, the averaged iterate has lower loss."""
    H, b, _ = _quadratic(n=10, cond=10.0, seed=5)
    xstar = np.linalg.solve(H, b)

    def loss(x):
        return 0.5 * (x - xstar) @ H @ (x - xstar)

    rng = np.random.default_rng(2)
    last, averaged = [], []
    for trial in range(5):
        x = np.zeros(10)
        avg = po.optim.Averaged(po.optim.SGD([x], lr=0.05), start=100)
        for _ in range(1000):
            avg.step([H @ x - b + rng.standard_normal(10)])
        last.append(loss(x))
        averaged.append(loss(avg.averaged()[0]))
    assert np.mean(averaged) < 0.2 * np.mean(last)


def test_averaged_validation():
    opt = po.optim.SGD([np.zeros(1)], lr=0.1)
    with pytest.raises(ValueError, match="Invalid mode"):
        po.optim.Averaged(opt, mode="swa")
    with pytest.raises(ValueError, match="Invalid decay"):
        po.optim.Averaged(opt, mode="ema", decay=1.0)
    with pytest.raises(ValueError, match="Invalid start"):
        po.optim.Averaged(opt, start=-1)
    with pytest.raises(TypeError, match="Invalid optimizer"):
        po.optim.Averaged(object())


@pytest.mark.parametrize("name", ["momentum", "adam", "rmsprop", "adagrad"])
def test_invalid_hyperparameter_set_between_steps_changes_nothing(name):
    ps = _params()
    opt = OPTIMIZERS[name](ps)
    opt.step(_grads(ps, 0))
    before = [p.copy() for p in ps]
    sd = opt.state_dict()
    opt.param_groups[0]["lr"] = -1.0
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        opt.step(_grads(ps, 1))
    for a, b in zip(before, ps):
        assert np.array_equal(a, b)
    after = opt.state_dict()
    for k, st in sd["state"].items():
        for key, v in st.items():
            assert np.array_equal(after["state"][k][key], v)


def test_book_rmsprop_nesterov_only_moves_its_own_groups():
    x, y = np.array([1.0]), np.array([1.0])
    seen = []

    def closure():
        seen.append((x[0], y[0]))
        return [2 * x, 2 * y]

    opt = po.optim.RMSPropBook([{"params": [x], "nesterov": True}, {"params": [y]}], lr=0.1, alpha=0.5)
    opt.step(closure)
    x1, y1, v1 = x[0], y[0], opt.state[0]["velocity"][0]
    assert 1 not in opt.state or "velocity" not in opt.state[1]
    opt.step(closure)
    assert seen[0] == (1.0, 1.0)
    assert seen[1][0] == x1 + 0.5 * v1     # the Nesterov group's interim point
    assert seen[1][1] == y1                # the plain group is not moved


def test_sgd_with_decaying_rate_excess_error_falls_like_one_over_k():
    """Book 8.3.1: on a strongly convex problem SGD with ε_k ∝ 1/k reaches excess error O(1/k); with a
    constant rate the error stalls at a noise floor. 4000 independent runs of f(x) = ½x² with unit
    gradient noise are one parameter array (SGD acts elementwise)."""
    rng = np.random.default_rng(0)
    k0 = 10

    def excess(schedule):
        x = np.ones(4000)
        opt = po.optim.SGD([x], lr=1.0 / k0)
        sched = S.LambdaLR(opt, lambda k: k0 / (k + k0)) if schedule else None
        errs = {}
        for k in range(1, 1601):
            opt.step([x + rng.standard_normal(x.size)])
            if sched:
                sched.step()
            if k in (100, 1600):
                errs[k] = 0.5 * np.mean(x * x)
        return errs

    dec, const = excess(True), excess(False)
    slope = np.log(dec[1600] / dec[100]) / np.log(16)
    assert slope == pytest.approx(-1.0, abs=0.15)
    assert const[1600] / const[100] > 0.8   # constant rate: no decrease past the noise floor
    assert dec[1600] < 0.2 * const[1600]
