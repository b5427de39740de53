"""Exact Hessian-vector products by the R-operator (book 8.2.1; Pearlmutter 1994) against central
differences of the gradient, for every supported layer and loss; the spectrum tools on real models."""
import numpy as np
import pytest

from pyoptim import nn
from pyoptim.diagnostics import (HessianOperator, flatten, full_hessian, gradient, hessian_spectrum, hvp, hvp_fd,
                                 loss_value, unflatten)

F64 = np.float64


def _dense(i, o, seed, bias=True):
    return nn.Dense(i, o, bias=bias, seed=seed, dtype=F64)


def _bn(n, training=True, seed=0):
    bn = nn.BatchNorm(n, dtype=F64)
    rng = np.random.default_rng(seed)
    bn.weight.data[...] = 1.0 + 0.2 * rng.standard_normal(n)
    bn.bias.data[...] = 0.2 * rng.standard_normal(n)
    bn.running_mean[...] = 0.1 * rng.standard_normal(n)
    bn.running_var[...] = 1.0 + rng.random(n)
    bn.train(training)
    return bn


MODELS = {
    "tanh": lambda: nn.Sequential(_dense(5, 7, 1), nn.Tanh(), _dense(7, 3, 2)),
    "relu": lambda: nn.Sequential(_dense(5, 7, 1), nn.ReLU(), _dense(7, 3, 2)),
    "sigmoid_nobias": lambda: nn.Sequential(_dense(5, 7, 1, bias=False), nn.Sigmoid(), _dense(7, 3, 2)),
    "bn_train": lambda: nn.Sequential(_dense(5, 7, 1), _bn(7, True), nn.Tanh(), _dense(7, 3, 2)),
    "bn_eval": lambda: nn.Sequential(_dense(5, 7, 1), _bn(7, False), nn.Tanh(), _dense(7, 3, 2)),
    "residual": lambda: nn.Sequential(_dense(5, 7, 1), nn.Tanh(),
                                      nn.Residual(nn.Sequential(_dense(7, 7, 3), nn.Sigmoid(), _dense(7, 7, 4))),
                                      _dense(7, 3, 2)),
    "residual_bn": lambda: nn.Sequential(_dense(5, 7, 1), nn.Tanh(),
                                         nn.Residual(nn.Sequential(_bn(7, True, 5), nn.Tanh(), _dense(7, 7, 4))),
                                         _dense(7, 3, 2)),
}


def _data(kind, rng, n=16):
    X = rng.standard_normal((n, 5))
    if kind == "ce" or kind == "ce_ls":
        return X, rng.integers(0, 3, n)
    if kind == "mse":
        return X, rng.standard_normal((n, 3))
    return X, (rng.random((n, 3)) > 0.5).astype(F64)


LOSSES = {"ce": lambda: nn.SoftmaxCrossEntropy(), "ce_ls": lambda: nn.SoftmaxCrossEntropy(label_smoothing=0.2),
          "mse": lambda: nn.MSELoss(), "bce": lambda: nn.BinaryCrossEntropy()}


def _maxrel(a, b):
    return max(np.abs(x - y).max() for x, y in zip(a, b)) / max(np.abs(y).max() for y in b)


@pytest.mark.parametrize("mname", list(MODELS))
@pytest.mark.parametrize("lname", list(LOSSES))
def test_hvp_matches_central_differences(mname, lname):
    rng = np.random.default_rng(hash((mname, lname)) % 2**32)
    model, loss = MODELS[mname](), LOSSES[lname]()
    X, y = _data(lname, rng)
    V = [rng.standard_normal(p.data.shape) for p in model.parameters()]
    Hv = hvp(model, loss, X, y, V)
    assert [h.shape for h in Hv] == [p.data.shape for p in model.parameters()]
    assert _maxrel(Hv, hvp_fd(model, loss, X, y, V)) < 1e-6


@pytest.mark.parametrize("mname", list(MODELS))
@pytest.mark.parametrize("lname", list(LOSSES))
def test_gradient_and_value_match_the_model_backward(mname, lname):
    """The R-op's own forward/backward agree with pyoptim.nn's (same loss conventions)."""
    rng = np.random.default_rng(7)
    model, loss = MODELS[mname](), LOSSES[lname]()
    X, y = _data(lname, rng)
    state = {k: v.copy() for k, v in model.state_dict().items()}
    g = gradient(model, loss, X, y)
    val = loss_value(model, loss, X, y)
    for k, v in model.state_dict().items():           # nothing moved, running statistics included
        np.testing.assert_array_equal(v, state[k])
    model.zero_grad()
    out = model.forward(X)
    ref = loss.forward(out, y)
    model.backward(loss.backward())
    assert val == pytest.approx(ref, rel=1e-12)
    assert _maxrel(g, [p.grad for p in model.parameters()]) < 1e-10


def test_hvp_leaves_grad_and_buffers_untouched_and_is_linear():
    rng = np.random.default_rng(0)
    model, loss = MODELS["bn_train"](), nn.SoftmaxCrossEntropy()
    X, y = _data("ce", rng)
    for p in model.parameters():
        p.grad[...] = 3.0
    bn = model[1]
    rm = bn.running_mean.copy()
    op = HessianOperator(model, loss, X, y)
    a, b = rng.standard_normal(op.n), rng.standard_normal(op.n)
    np.testing.assert_allclose(op @ (2 * a - b), 2 * (op @ a) - (op @ b), rtol=1e-9, atol=1e-12)
    assert all(np.all(p.grad == 3.0) for p in model.parameters())
    np.testing.assert_array_equal(bn.running_mean, rm)


def test_full_hessian_symmetric_and_spectrum_tools_agree():
    rng = np.random.default_rng(1)
    model, loss = MODELS["tanh"](), nn.SoftmaxCrossEntropy()
    X, y = _data("ce", rng, n=32)
    H = full_hessian(model, loss, X, y, symmetrize=False)
    n = flatten(model.parameters()).size
    assert H.shape == (n, n)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    ev = np.linalg.eigvalsh(0.5 * (H + H.T))
    full = hessian_spectrum(model, loss, X, y, k=3, method="full")
    np.testing.assert_allclose(full.eigenvalues, ev, atol=1e-12)
    lz = hessian_spectrum(model, loss, X, y, k=2, method="lanczos", m=n)
    np.testing.assert_allclose(lz.top, ev[::-1][:2], rtol=1e-8)
    np.testing.assert_allclose(lz.bottom, ev[:2], rtol=1e-6, atol=1e-9)
    assert full.negative_fraction == pytest.approx(np.mean(ev < -1e-8 * np.abs(ev).max()))
    pw = hessian_spectrum(model, loss, X, y, method="power")
    assert pw.top[0] == pytest.approx(ev[-1], rel=1e-4)
    if ev[0] > 0:
        assert full.condition == pytest.approx(ev[-1] / ev[0])
    else:
        assert full.condition == np.inf


def test_negative_curvature_fraction_estimated_by_slq():
    rng = np.random.default_rng(2)
    model = nn.Sequential(_dense(6, 12, 11), nn.Tanh(), _dense(12, 12, 12), nn.Tanh(), _dense(12, 3, 13))
    X, y = rng.standard_normal((32, 6)), rng.integers(0, 3, 32)
    op = HessianOperator(model, nn.SoftmaxCrossEntropy(), X, y, compute_grad=False)
    exact = hessian_spectrum(op, method="full")
    tol = 0.03 * np.abs(exact.eigenvalues).max()
    assert exact.negative_fraction > 0.2           # an untrained net sits among saddle directions (8.2.3)
    est = hessian_spectrum(op, method="lanczos", m=40, n_vectors=6, tol=tol)
    assert abs(est.negative_fraction - np.mean(exact.eigenvalues < -tol)) < 0.06
    assert est.bottom[0] == pytest.approx(exact.bottom[0], rel=1e-6)
    assert est.top[0] == pytest.approx(exact.top[0], rel=1e-8)


def test_flat_helpers_roundtrip_and_errors():
    model = MODELS["relu"]()
    theta = flatten(model.parameters())
    parts = unflatten(theta, model.parameters())
    for a, p in zip(parts, model.parameters()):
        np.testing.assert_array_equal(a, p.data)
    with pytest.raises(ValueError, match="Invalid vec"):
        unflatten(theta[:-1], model.parameters())


def test_bad_inputs():
    rng = np.random.default_rng(3)
    model, loss = MODELS["relu"](), nn.SoftmaxCrossEntropy()
    X, y = _data("ce", rng)
    with pytest.raises(ValueError, match="Invalid vectors"):
        hvp(model, loss, X, y, [np.zeros(3)])
    with pytest.raises(ValueError, match="Invalid vectors"):
        hvp(model, loss, X, y, [np.zeros(2)] * len(model.parameters()))

    class Odd(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="no R-operator rule"):
        hvp(nn.Sequential(model, Odd()), loss, X, y, [p.data for p in model.parameters()])
    with pytest.raises(ValueError, match="Invalid dtype"):
        hvp(model, loss, X, y, [p.data for p in model.parameters()], dtype=np.int64)


def test_float32_model_computed_in_float64_by_default():
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Dense(5, 4, seed=0), nn.Tanh(), nn.Dense(4, 3, seed=1))
    X, y = rng.standard_normal((8, 5)).astype(np.float32), rng.integers(0, 3, 8)
    V = [rng.standard_normal(p.data.shape) for p in model.parameters()]
    h64 = hvp(model, nn.SoftmaxCrossEntropy(), X, y, V)
    h32 = hvp(model, nn.SoftmaxCrossEntropy(), X, y, V, dtype=None)
    assert h64[0].dtype == np.float64 and h32[0].dtype == np.float32
    assert _maxrel(h32, h64) < 1e-4


def test_check_gradient_accepts_correct_backward_and_flags_a_wrong_one():
    from pyoptim.diagnostics import check_gradient
    rng = np.random.default_rng(5)
    X, y = _data("ce", rng)
    model = MODELS["bn_train"]()
    assert check_gradient(model, nn.SoftmaxCrossEntropy(), X, y, n_checks=15) < 1e-6

    class Wrong(nn.Tanh):
        def backward(self, g):
            return 2.0 * super().backward(g)      # a deliberately wrong derivative

    bad = nn.Sequential(_dense(5, 7, 1), Wrong(), _dense(7, 3, 2))
    assert check_gradient(bad, nn.SoftmaxCrossEntropy(), X, y, n_checks=None) > 0.1


@pytest.mark.parametrize("inverted", [True, False])
def test_dropout_eval_mode_supported_training_mode_refused(inverted):
    rng = np.random.default_rng(6)
    X, y = _data("ce", rng)
    model = nn.Sequential(_dense(5, 7, 1), nn.Tanh(), nn.Dropout(0.3, seed=0, inverted=inverted), _dense(7, 3, 2))
    V = [rng.standard_normal(p.data.shape) for p in model.parameters()]
    with pytest.raises(NotImplementedError, match="model.eval"):
        hvp(model, nn.SoftmaxCrossEntropy(), X, y, V)
    model.eval()
    assert _maxrel(hvp(model, nn.SoftmaxCrossEntropy(), X, y, V), hvp_fd(model, nn.SoftmaxCrossEntropy(), X, y, V)) < 1e-6
    assert loss_value(model, nn.SoftmaxCrossEntropy(), X, y) == pytest.approx(
        nn.SoftmaxCrossEntropy().forward(model.forward(X), y), rel=1e-12)


def test_shared_parameter_used_twice():
    """A Dense used at two places (book 7.9): H v sums both uses, like the gradient."""
    rng = np.random.default_rng(8)
    d = _dense(5, 5, 1)
    model = nn.Sequential(d, nn.Tanh(), d, nn.Tanh(), _dense(5, 3, 2))
    assert len(model.parameters()) == 4
    X, y = _data("ce", rng)
    V = [rng.standard_normal(p.data.shape) for p in model.parameters()]
    loss = nn.SoftmaxCrossEntropy()
    assert _maxrel(hvp(model, loss, X, y, V), hvp_fd(model, loss, X, y, V)) < 1e-6
