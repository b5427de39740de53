"""The arguments torch scripts pass to optimizers: 1-element array hyperparameters (torch's tensor lr),
named parameters, duplicate parameters, foreach/fused/capturable/differentiable, and the hooks."""
import warnings

import numpy as np
import pytest

import pyoptim as po
from pyoptim.optim import optimizer as optmod


def _torch():
    return pytest.importorskip("torch")


def _quad_grad(x, k):
    return np.cos(x + 0.2 * k) + 0.3 * x


# ---- 1-element array hyperparameters ---------------------------------------------------------------

@pytest.mark.torch
@pytest.mark.parametrize("name,kw", [("SGD", dict(momentum=0.9)), ("Adagrad", dict(lr_decay=0.1)),
                                     ("RMSprop", dict(momentum=0.5)), ("SGD", dict(weight_decay=0.1)),
                                     ("Adam", dict(amsgrad=True, weight_decay=0.1)), ("AdamW", {}),
                                     ("Adam", dict(weight_decay=0.5, decoupled_weight_decay=True))])
def test_array_lr_follows_torch_tensor_lr(name, kw):
    torch = _torch()
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(50)
    x, t = x0.copy(), torch.tensor(x0.copy(), requires_grad=True)
    lr = np.array(0.05, np.float32)
    opt = getattr(po.optim, name)([x], lr=lr, **kw)
    topt = getattr(torch.optim, name)([t], lr=torch.tensor(0.05), **kw)
    assert opt.param_groups[0]["lr"] is lr          # the same object, as torch keeps its tensor
    s1, s2 = po.optim.lr_scheduler.ExponentialLR(opt, gamma=0.93), po.optim.lr_scheduler.StepLR(opt, 3, 0.7)
    ts1, ts2 = torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.93), torch.optim.lr_scheduler.StepLR(topt, 3, 0.7)
    for k in range(30):
        opt.step([_quad_grad(x, k)])
        t.grad = torch.tensor(_quad_grad(t.detach().numpy(), k))
        topt.step()
        for s in (s1, s2, ts1, ts2):
            s.step()
        assert opt.param_groups[0]["lr"] is lr and lr.dtype == np.float32   # filled in place
        assert float(lr) == float(topt.param_groups[0]["lr"])                # float32 arithmetic, as torch
    np.testing.assert_allclose(x, t.detach().numpy(), rtol=1e-13, atol=1e-15)
    assert float(s1.get_last_lr()[0]) == float(ts1.get_last_lr()[0])
    assert s1.get_last_lr()[0] is not lr


@pytest.mark.torch
def test_lbfgs_array_lr_is_the_step_length_object():
    """torch's LBFGS stores the tensor lr as its step length t; a scheduler filling lr in place between
    steps therefore changes the next step's first s = t·d. pyoptim does the same with an array lr."""
    torch = _torch()
    rng = np.random.default_rng(1)
    x0, h = rng.standard_normal(20), 0.5 + rng.random(20)
    x, t = x0.copy(), torch.tensor(x0.copy(), requires_grad=True)
    lr = np.array(0.1, np.float32)
    opt = po.optim.LBFGS([x], lr=lr, max_iter=4)
    topt = torch.optim.LBFGS([t], lr=torch.tensor(0.1), max_iter=4)
    s, ts = po.optim.lr_scheduler.ExponentialLR(opt, 0.5), torch.optim.lr_scheduler.ExponentialLR(topt, 0.5)

    def f(v):
        return 0.5 * float(np.sum(h * v * v) + np.sum(np.sin(v))), h * v + np.cos(v)

    for _ in range(4):
        opt.step(lambda: (f(x)[0], [f(x)[1]]))

        def tclosure():
            v = t.detach().numpy()
            t.grad = torch.tensor(f(v)[1])
            return torch.tensor(f(v)[0], dtype=torch.float64)
        topt.step(tclosure)
        assert opt.state[0]["t"] is opt.param_groups[0]["lr"]
        s.step()
        ts.step()
    np.testing.assert_allclose(x, t.detach().numpy(), rtol=1e-12, atol=1e-15)
    # with a plain float lr the scheduler cannot reach the stored step length: a different run
    y = x0.copy()
    opt2 = po.optim.LBFGS([y], lr=0.1, max_iter=4)
    s2 = po.optim.lr_scheduler.ExponentialLR(opt2, 0.5)
    for _ in range(4):
        opt2.step(lambda: (f(y)[0], [f(y)[1]]))
        s2.step()
    assert np.max(np.abs(y - x)) > 1e-8


def test_array_hyperparameter_checks():
    x = np.zeros(3)
    with pytest.raises(ValueError, match="learning rate.*1-element"):
        po.optim.SGD([x], lr=np.array([0.1, 0.1]))
    with pytest.raises(ValueError, match="Invalid learning rate"):
        po.optim.Adam([x], lr=np.array(-1.0))
    with pytest.raises(ValueError, match="both floats or both Tensors"):
        po.optim.Adam([x], betas=(np.array(0.9), 0.99))
    with pytest.raises(ValueError, match="lr as a Tensor is not supported"):
        po.optim.Adam([x], lr=np.array(1e-3), foreach=True)
    po.optim.Adam([x], lr=np.array(1e-3), foreach=False)
    # array betas give the numbers of float betas of the same value
    y, z = np.ones(4), np.ones(4)
    a = po.optim.Adam([y], betas=(np.array(0.8), np.array(0.9)))
    b = po.optim.Adam([z], betas=(0.8, 0.9))
    for k in range(5):
        a.step([_quad_grad(y, k)])
        b.step([_quad_grad(z, k)])
    np.testing.assert_array_equal(y, z)


# ---- named and duplicate parameters --------------------------------------------------------------

@pytest.mark.torch
def test_duplicate_parameter_warns_and_updates_like_torch():
    torch = _torch()
    x0 = np.linspace(-1, 1, 5)
    x, t = x0.copy(), torch.tensor(x0.copy(), requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        opt = po.optim.Adam([x, x], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topt = torch.optim.Adam([t, t], lr=0.1)
    for k in range(5):
        g = _quad_grad(x, k)
        opt.step([g, g])
        t.grad = torch.tensor(_quad_grad(t.detach().numpy(), k))
        topt.step()
    np.testing.assert_allclose(x, t.detach().numpy(), rtol=1e-14)
    assert opt.state_dict()["param_groups"][0]["params"] == topt.state_dict()["param_groups"][0]["params"]


def test_named_parameters_and_module_named_parameters():
    model = po.nn.Sequential(po.nn.Dense(3, 2), po.nn.Tanh(), po.nn.Dense(2, 1))
    opt = po.optim.Adam(model.named_parameters(), lr=0.01)
    names = [n for n, _ in model.named_parameters()]
    assert opt.param_groups[0]["param_names"] == names
    sd = opt.state_dict()
    assert sd["param_groups"][0]["param_names"] == names
    opt2 = po.optim.Adam(model.parameters(), lr=0.01)   # unnamed: loading keeps the loaded names
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["param_names"] == names
    p = po.nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="Some param names are missing"):
        po.optim.SGD([("a", p), po.nn.Parameter(np.zeros(2))])


# ---- implementation flags -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_implementation_flags(name):
    cls = getattr(po.optim, name)
    base = np.linspace(-1, 1, 7)
    ref = base.copy()
    r = cls([ref])
    for k in range(3):
        r.step([_quad_grad(ref, k)])
    flags = [dict(foreach=True), dict(foreach=False), dict(differentiable=False)]
    if name != "RMSprop":   # torch's RMSprop has no fused
        flags.append(dict(fused=True))
    for kw in flags:
        x = base.copy()
        o = cls([x], **kw)
        for k in range(3):
            o.step([_quad_grad(x, k)])
        np.testing.assert_array_equal(x, ref)   # always the same fused update
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        cls([base.copy()], differentiable=True)
    if name in ("RMSprop", "Adam", "AdamW"):
        with pytest.raises(NotImplementedError, match="capturable=True"):
            cls([base.copy()], capturable=True)
        cls([base.copy()], capturable=False)
    if name != "RMSprop":
        with pytest.raises(RuntimeError, match="cannot be `True` together"):
            cls([base.copy()], foreach=True, fused=True)


# ---- hooks ---------------------------------------------------------------------------------------

def test_step_hooks_order_args_and_removal():
    x = np.zeros(2)
    opt = po.optim.SGD([x], lr=1.0)
    calls = []
    hg = optmod.register_optimizer_step_pre_hook(lambda o, a, k: calls.append(("global pre", a[0] is o)))
    hpost_g = optmod.register_optimizer_step_post_hook(lambda o, a, k: calls.append(("global post",)))
    try:
        def pre(o, args, kwargs):
            calls.append(("pre",))
            return (args[0], [np.ones(2)]), kwargs      # replace the gradients
        h1 = opt.register_step_pre_hook(pre)
        h2 = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", float(x[0]))))
        opt.step([np.full(2, 5.0)])
        assert calls == [("global pre", True), ("pre",), ("post", -1.0), ("global post",)]
        np.testing.assert_array_equal(x, [-1.0, -1.0])
        h1.remove()
        h2.remove()
        calls.clear()
        opt.step([np.full(2, 5.0)])
        np.testing.assert_array_equal(x, [-6.0, -6.0])
        assert calls == [("global pre", True), ("global post",)]
    finally:
        hg.remove()
        hpost_g.remove()
    calls.clear()
    opt.step([np.zeros(2)])
    assert calls == []
    opt.register_step_pre_hook(lambda o, a, k: 3)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt.step([np.zeros(2)])


def test_hooks_run_once_around_overridden_methods():
    class Mine(po.optim.SGD):
        def step(self, grads=None):
            return super().step(grads)

        def state_dict(self):
            return super().state_dict()

    x = np.zeros(2)
    calls = []
    for opt in (Mine([x], lr=0.1), po.optim.LBFGS([np.zeros(2)])):
        calls.clear()
        opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
        opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
        opt.register_state_dict_pre_hook(lambda o: calls.append("sd pre"))
        if isinstance(opt, Mine):
            opt.step([np.ones(2)])
        else:
            opt.step(lambda: (0.0, [np.zeros(2)]))
        opt.state_dict()
        assert calls == ["pre", "post", "sd pre"]


def test_state_dict_hooks():
    x = np.zeros(3)
    opt = po.optim.Adam([x], lr=0.1)
    opt.step([np.ones(3)])
    order = []
    opt.register_state_dict_pre_hook(lambda o: order.append("pre b"))
    opt.register_state_dict_pre_hook(lambda o: order.append("pre a"), prepend=True)

    def post(o, sd):
        sd["note"] = "added"
    h = opt.register_state_dict_post_hook(post)
    sd = opt.state_dict()
    assert order == ["pre a", "pre b"] and sd["note"] == "added"
    h.remove()
    opt.register_state_dict_post_hook(lambda o, sd: {"replaced": sd})
    assert set(opt.state_dict()) == {"replaced"}
    # load hooks: the pre-hook may return the dict to load; the post-hook sees the loaded optimizer
    loaded = []
    opt2 = po.optim.Adam([np.zeros(3)], lr=0.5)
    opt2.register_load_state_dict_pre_hook(lambda o, d: {k: v for k, v in d.items() if k != "note"})
    opt2.register_load_state_dict_post_hook(lambda o: loaded.append(o.param_groups[0]["lr"]))
    opt2.load_state_dict(sd)
    assert loaded == [0.1]
    assert "note" in sd   # the caller's dict is not changed
