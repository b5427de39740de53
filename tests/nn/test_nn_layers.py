"""pyoptim.nn layers: finite-difference gradient checks (float64), agreement with torch, the container
API, input validation, and the book's batch-normalization claim (8.7.1)."""
import numpy as np
import pytest

from pyoptim import nn
from pyoptim.nn import check_gradients

F64 = np.float64


def _x(rng, shape=(7, 5), scale=1.0):
    return rng.standard_normal(shape) * scale


# ---- gradient checks (float64, relative error < 1e-6, inputs and parameters) -----------------------------

LAYERS = {
    "dense": lambda: nn.Dense(5, 4, seed=1, dtype=F64),
    "dense_nobias": lambda: nn.Dense(5, 3, bias=False, init="he_normal", seed=2, dtype=F64),
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "batchnorm": lambda: nn.BatchNorm(5, dtype=F64),
    "residual": lambda: nn.Residual(nn.Sequential(nn.Dense(5, 5, seed=3, dtype=F64), nn.Tanh())),
    "mlp": lambda: nn.Sequential(nn.Dense(5, 8, seed=4, dtype=F64), nn.BatchNorm(8, dtype=F64), nn.ReLU(),
                                 nn.Dense(8, 6, init="orthogonal", seed=5, dtype=F64), nn.Sigmoid(),
                                 nn.Residual(nn.Dense(6, 6, seed=6, dtype=F64)), nn.Dense(6, 3, seed=7, dtype=F64)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_gradient_check(name, rng):
    mod = LAYERS[name]()
    x = _x(rng)
    if name == "relu":                      # keep away from the kink, where the derivative jumps
        x = np.where(np.abs(x) < 0.05, 0.3, x)
    before = {k: v.copy() for k, v in mod.state_dict().items()}
    errs = check_gradients(mod, x, seed=99, details=True)
    assert errs["input"] < 1e-6
    assert max(errs.values()) < 1e-6, errs
    n_params = len(mod.parameters())
    assert len(errs) == 1 + n_params
    for k, v in mod.state_dict().items():    # the check restores buffers (BatchNorm's running stats)
        np.testing.assert_array_equal(v, before[k])


def test_gradient_check_batchnorm_eval(rng):
    bn = nn.BatchNorm(4, dtype=F64)
    for _ in range(3):
        bn(_x(rng, (6, 4), 2.0) + 1.0)
    bn.eval()
    assert check_gradients(bn, _x(rng, (5, 4)), seed=3) < 1e-6


def test_gradient_check_detects_a_wrong_gradient(rng):
    class Wrong(nn.Tanh):
        def backward(self, g):
            return super().backward(g) * 1.01

    assert check_gradients(Wrong(), _x(rng)) > 1e-3


# ---- backward semantics ---------------------------------------------------------------------------------

def test_backward_accumulates_and_frozen_params_get_none(rng):
    d = nn.Dense(5, 3, seed=0, dtype=F64)
    x, g = _x(rng), rng.standard_normal((7, 3))
    d(x)
    d.backward(g)
    gw, gb = d.weight.grad.copy(), d.bias.grad.copy()
    np.testing.assert_allclose(gw, x.T @ g, rtol=1e-13)
    np.testing.assert_allclose(gb, g.sum(0), rtol=1e-13)
    d.backward(g)
    np.testing.assert_allclose(d.weight.grad, 2 * gw, rtol=1e-13)
    d.zero_grad()
    d.weight.requires_grad = False
    d(x)
    dx = d.backward(g)
    assert not d.weight.grad.any() and d.bias.grad.any()
    np.testing.assert_allclose(dx, g @ d.weight.data.T, rtol=1e-13)


class _Spy(nn.Module):
    """A parameter-free identity layer that counts its backward calls."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        return x

    def backward(self, grad_output):
        self.calls += 1
        return grad_output


@pytest.mark.parametrize("name", list(LAYERS))
def test_backward_params_gives_backwards_parameter_gradients(name, rng):
    """backward_params (no input gradient) accumulates exactly what backward does, bit for bit."""
    a, b = LAYERS[name](), LAYERS[name]()
    b.load_state_dict(a.state_dict())
    x = _x(rng)
    ya = a(x)
    b(x)
    g = rng.standard_normal(ya.shape)
    a.backward(g)
    assert b.backward_params(g) is None
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.grad, pb.grad)


def test_backward_params_skips_the_leading_parameter_free_and_frozen_layers(rng):
    spy = _Spy()
    frozen = nn.Dense(5, 5, seed=0, dtype=F64)
    for p in frozen.parameters():
        p.requires_grad = False
    model = nn.Sequential(spy, nn.ReLU(), frozen, nn.Tanh(), nn.Dense(5, 3, seed=1, dtype=F64))
    ref = nn.Sequential(_Spy(), nn.ReLU(), nn.Dense(5, 5, seed=0, dtype=F64), nn.Tanh(),
                        nn.Dense(5, 3, seed=1, dtype=F64))
    for p in ref[2].parameters():
        p.requires_grad = False
    x, g = _x(rng), rng.standard_normal((7, 3))
    model(x)
    ref(x)
    model.backward_params(g)
    ref.backward(g)
    assert spy.calls == 0 and ref[0].calls == 1
    np.testing.assert_array_equal(model[4].weight.grad, ref[4].weight.grad)
    assert not frozen.weight.grad.any()
    # nothing trainable at all: a no-op
    free = nn.Sequential(_Spy(), nn.ReLU())
    free(x)
    free.backward_params(rng.standard_normal((7, 5)))
    assert free[0].calls == 0
    # a custom module without its own backward_params falls back on backward
    solo = _Spy()
    solo(x)
    solo.backward_params(x)
    assert solo.calls == 1


def test_fit_does_not_backpropagate_into_the_data(rng):
    """fit needs no gradient for X: the parameter-free layers in front of the first Dense are not visited,
    and the weights it trains are those of the plain backward loop, bit for bit."""
    import pyoptim as po
    X = rng.standard_normal((64, 5))
    y = rng.integers(0, 3, 64)
    spy = _Spy()
    model = nn.Sequential(spy, nn.Dense(5, 3, seed=0, dtype=F64))
    po.fit(model, nn.SoftmaxCrossEntropy(), po.optim.SGD(model.parameters(), lr=0.1), X, y, epochs=2,
           batch_size=16, seed=0, progress=False)
    assert spy.calls == 0
    twin = nn.Sequential(_Spy(), nn.Dense(5, 3, seed=0, dtype=F64))
    opt, loss = po.optim.SGD(twin.parameters(), lr=0.1), nn.SoftmaxCrossEntropy()
    # the same run by hand, with full backward, in fit's batch order
    rng_fit = np.random.default_rng(0)
    for _ in range(2):
        perm = rng_fit.permutation(64)
        for i in range(0, 64, 16):
            idx = perm[i:i + 16]
            opt.zero_grad()
            loss.forward(twin(X[idx]), y[idx])
            twin.backward(loss.backward())
            opt.step()
    np.testing.assert_array_equal(model[1].weight.data, twin[1].weight.data)


def test_backward_before_forward_raises():
    for m in (nn.Dense(2, 2), nn.ReLU(), nn.BatchNorm(2)):
        with pytest.raises(RuntimeError, match="before forward"):
            m.backward(np.zeros((3, 2), np.float32))


def test_residual_adds_identity_path(rng):
    inner = nn.Dense(4, 4, init="zeros", seed=0, dtype=F64)
    r = nn.Residual(inner)
    assert r.module is inner
    x = _x(rng, (3, 4))
    np.testing.assert_array_equal(r(x), x)
    g = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(r.backward(g), g)          # inner Jacobian is 0: only the shortcut
    with pytest.raises(ValueError, match="same shape"):
        nn.Residual(nn.Dense(4, 2))(x)


# ---- containers and state ------------------------------------------------------------------------------

def test_sequential_api():
    a, b, c = nn.Dense(3, 4, seed=0), nn.ReLU(), nn.Dense(4, 2, seed=1)
    s = nn.Sequential(a, b)
    assert len(s) == 2 and s[0] is a and s[-1] is b and list(s) == [a, b]
    assert s.append(c) is s and len(s) == 3 and s[2] is c
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert [p is q for p, q in zip(s.parameters(), [a.weight, a.bias, c.weight, c.bias])] == [True] * 4
    assert list(s.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert "Dense(in_features=3" in repr(s) and "(1): ReLU()" in repr(s)
    with pytest.raises(TypeError, match="Module"):
        s.append(lambda x: x)
    y = s(np.ones((2, 3), np.float32))
    assert y.shape == (2, 2) and y.dtype == np.float32


def test_batchnorm_state_dict_round_trip(rng):
    m = nn.Sequential(nn.Dense(3, 4, seed=0), nn.BatchNorm(4))
    for _ in range(3):
        m(rng.standard_normal((8, 3)).astype(np.float32))
    sd = m.state_dict()
    assert {"1.running_mean", "1.running_var", "1.num_batches_tracked"} <= set(sd)
    assert int(sd["1.num_batches_tracked"]) == 3
    m2 = nn.Sequential(nn.Dense(3, 4, seed=5), nn.BatchNorm(4))
    m2.load_state_dict(sd)
    m.eval(), m2.eval()
    x = rng.standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(m(x), m2(x))
    assert not hasattr(m[1], "_buffers") or "_x" not in m[1]._buffers


def test_layer_caches_are_not_state(rng):
    m = nn.Sequential(nn.Dense(3, 2, seed=0), nn.Tanh(), nn.BatchNorm(2))
    m(rng.standard_normal((4, 3)))
    assert all("_" not in k.split(".")[-1][:1] for k in m.state_dict())


# ---- dtype and input validation ------------------------------------------------------------------------

def test_dtype_follows_parameters_and_other_float_inputs_are_cast(rng):
    d32, d64 = nn.Dense(3, 2, seed=0), nn.Dense(3, 2, seed=0, dtype=F64)
    assert d32.weight.dtype == np.float32 and d64.weight.dtype == F64
    x64 = rng.standard_normal((4, 3))
    y = d32(x64)                                     # cast to the parameter dtype (documented)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, x64.astype(np.float32) @ d32.weight.data + d32.bias.data, rtol=1e-6)
    assert d64(x64.astype(np.float32)).dtype == F64
    bn = nn.BatchNorm(3)
    assert bn(x64).dtype == np.float32
    assert nn.Tanh()(x64).dtype == F64 and nn.Tanh()(x64.astype(np.float32)).dtype == np.float32
    y = d32(np.asfortranarray(x64.astype(np.float32)))   # non-contiguous inputs are fine
    assert y.shape == (4, 2)


@pytest.mark.parametrize("bad,exc,msg", [
    (np.zeros((4, 5), np.float32), ValueError, r"expected input with 3 features \(shape \(B, 3\)\), got shape \(4, 5\)"),
    (np.zeros(3, np.float32), ValueError, r"2-D input .* got shape \(3,\)"),
    (np.zeros((4, 3), np.int64), TypeError, "float32 or float64 input array, got dtype int64"),
    (np.zeros((4, 3), bool), TypeError, "got dtype bool"),
    (np.zeros((4, 3), object), TypeError, "got dtype object"),
    (np.zeros((4, 3), np.complex128), TypeError, "complex128"),
])
def test_bad_inputs(bad, exc, msg):
    for layer in (nn.Dense(3, 2, seed=0), nn.BatchNorm(3)):
        with pytest.raises(exc, match=msg):
            layer(bad)
    if exc is TypeError:
        with pytest.raises(TypeError):
            nn.ReLU()(bad)


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="Invalid init: 'uniform'"):
        nn.Dense(3, 2, init="uniform")
    with pytest.raises(ValueError, match="Invalid in_features"):
        nn.Dense(0, 2)
    with pytest.raises(ValueError, match="Invalid dtype"):
        nn.Dense(3, 2, dtype=np.int32)
    with pytest.raises(ValueError, match="Invalid momentum"):
        nn.BatchNorm(3, momentum=1.5)
    with pytest.raises(ValueError, match="Invalid eps"):
        nn.BatchNorm(3, eps=0.0)
    with pytest.raises(ValueError, match="more than 1 example"):
        nn.BatchNorm(3)(np.zeros((1, 3)))
    nn.BatchNorm(3).eval()(np.zeros((1, 3)))        # eval mode predicts single examples
    d = nn.Dense(3, 2)
    d(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"grad_output of shape \(4, 2\)"):
        d.backward(np.zeros((4, 3)))


def test_dense_init_and_seed():
    a, b = nn.Dense(50, 40, seed=3), nn.Dense(50, 40, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not nn.Dense(50, 40, seed=4).weight.data.tolist() == a.weight.data.tolist()
    assert not a.bias.data.any()
    lim = np.sqrt(6 / 90)
    assert np.abs(a.weight.data).max() <= lim
    assert not nn.Dense(5, 5, init="zeros").weight.data.any()
    w = nn.Dense(30, 20, init="orthogonal", seed=0, dtype=F64).weight.data
    np.testing.assert_allclose(w.T @ w, np.eye(20), atol=1e-12)


# ---- book 8.7.1: batch normalization ------------------------------------------------------------------

def test_batchnorm_output_invariant_to_rescaling_previous_weights(rng):
    """Book 8.7.1: normalizing removes the scale (and shift) of the preceding linear layer."""
    x = rng.standard_normal((32, 6))
    d = nn.Dense(6, 5, seed=0, dtype=F64)
    d.bias.data[:] = rng.standard_normal(5)
    bn = nn.BatchNorm(5, eps=1e-12, dtype=F64)
    y1 = bn(d(x))
    for a in (0.01, 3.0, 1000.0):
        d2 = nn.Dense(6, 5, dtype=F64)
        d2.weight.data[:] = a * d.weight.data
        d2.bias.data[:] = a * d.bias.data + 7.0
        np.testing.assert_allclose(nn.BatchNorm(5, eps=1e-12, dtype=F64)(d2(x)), y1, rtol=1e-7, atol=1e-8)
    # and the gradient w.r.t. the weights scales by 1/a: scale-invariance of the loss
    g = rng.standard_normal((32, 5))
    model = nn.Sequential(d, nn.BatchNorm(5, eps=1e-12, dtype=F64))
    model(x)
    model.backward(g)
    gw = d.weight.grad.copy()
    d.zero_grad()
    d.weight.data *= 10.0
    model(x)
    model.backward(g)
    np.testing.assert_allclose(d.weight.grad, gw / 10.0, rtol=1e-6, atol=1e-12)
    assert np.abs(d.bias.grad).max() < 1e-9          # the bias before BN gets no gradient


def test_batchnorm_train_statistics(rng):
    bn = nn.BatchNorm(4, dtype=F64)
    bn.weight.data[:] = [1, 2, 3, 4]
    bn.bias.data[:] = [0, 1, 0, -1]
    y = bn(rng.standard_normal((50, 4)) * 3 + 2)
    np.testing.assert_allclose(y.mean(0), bn.bias.data, atol=1e-12)
    np.testing.assert_allclose(y.std(0), bn.weight.data * np.sqrt(9 / (9 + 1e-5)), rtol=1e-2)


# ---- agreement with torch -----------------------------------------------------------------------------

@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_dense_matches_torch(dt, rng):
    torch = pytest.importorskip("torch")
    tdt = torch.float32 if dt == np.float32 else torch.float64
    d = nn.Dense(6, 4, seed=0, dtype=dt)
    d.bias.data[:] = rng.standard_normal(4)
    lin = torch.nn.Linear(6, 4).to(tdt)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(d.weight.data.T.copy()))
        lin.bias.copy_(torch.from_numpy(d.bias.data))
    x = rng.standard_normal((5, 6)).astype(dt)
    g = rng.standard_normal((5, 4)).astype(dt)
    tx = torch.from_numpy(x).requires_grad_()
    ty = lin(tx)
    ty.backward(torch.from_numpy(g))
    y = d(x)
    dx = d.backward(g)
    t = dict(rtol=1e-5, atol=1e-6) if dt == np.float32 else dict(rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(y, ty.detach().numpy(), **t)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **t)
    np.testing.assert_allclose(d.weight.grad, lin.weight.grad.numpy().T, **t)
    np.testing.assert_allclose(d.bias.grad, lin.bias.grad.numpy(), **t)


def _batchnorm_step_agrees(torch, bn, tb, x, g, t):
    """One forward and backward of pyoptim's BatchNorm and torch's BatchNorm1d on (x, g): the outputs,
    input gradients and parameter gradients agree to tolerance t."""
    bn.zero_grad()
    tb.zero_grad()
    tx = torch.from_numpy(x).requires_grad_()
    ty = tb(tx)
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(bn(x), ty.detach().numpy(), **t)
    np.testing.assert_allclose(bn.backward(g), tx.grad.numpy(), **t)
    np.testing.assert_allclose(bn.weight.grad, tb.weight.grad.numpy(), **t)
    np.testing.assert_allclose(bn.bias.grad, tb.bias.grad.numpy(), **t)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm_matches_torch_train_then_eval(dt, momentum, rng):
    torch = pytest.importorskip("torch")
    tdt = torch.float32 if dt == np.float32 else torch.float64
    D = 6
    bn = nn.BatchNorm(D, momentum=momentum, eps=1e-3, dtype=dt)
    bn.weight.data[:] = rng.standard_normal(D)
    bn.bias.data[:] = rng.standard_normal(D)
    tb = torch.nn.BatchNorm1d(D, momentum=momentum, eps=1e-3).to(tdt)
    with torch.no_grad():
        tb.weight.copy_(torch.from_numpy(bn.weight.data))
        tb.bias.copy_(torch.from_numpy(bn.bias.data))
    t = dict(rtol=2e-4, atol=2e-5) if dt == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for step in range(5):                                   # several training steps: running stats
        x = (rng.standard_normal((16, D)) * (step + 1) + step).astype(dt)
        _batchnorm_step_agrees(torch, bn, tb, x, rng.standard_normal((16, D)).astype(dt), t)
    np.testing.assert_allclose(bn.running_mean, tb.running_mean.numpy(), **t)
    np.testing.assert_allclose(bn.running_var, tb.running_var.numpy(), **t)
    assert int(bn.num_batches_tracked) == int(tb.num_batches_tracked) == 5
    bn.eval()
    tb.eval()
    _batchnorm_step_agrees(torch, bn, tb, rng.standard_normal((3, D)).astype(dt),
                           rng.standard_normal((3, D)).astype(dt), t)
