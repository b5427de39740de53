"""pyoptim.nn losses and metrics: formulas, gradient checks, torch agreement (incl. label smoothing and
the book's e/(k-1) form), validation, and the surrogate-loss claim of book 8.1.2."""
import numpy as np
import pytest

from pyoptim import nn
from pyoptim.nn import check_gradients


def _logits(rng, B=6, K=5, dt=np.float64):
    return (rng.standard_normal((B, K)) * 2).astype(dt)


# ---- gradient checks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("eps", [0.0, 0.1, 1.0])
def test_softmax_ce_gradient_check(eps, rng):
    z, y = _logits(rng), rng.integers(0, 5, 6)
    assert check_gradients(nn.SoftmaxCrossEntropy(label_smoothing=eps), z, y) < 1e-6


def test_soft_target_gradient_check(rng):
    z = _logits(rng)
    t = rng.random((6, 5))
    t /= t.sum(1, keepdims=True)
    assert check_gradients(nn.SoftmaxCrossEntropy(0.2), z, t) < 1e-6


def test_mse_and_bce_gradient_checks(rng):
    z = _logits(rng)
    assert check_gradients(nn.MSELoss(), z, rng.standard_normal(z.shape)) < 1e-6
    assert check_gradients(nn.BinaryCrossEntropy(), z, rng.random(z.shape)) < 1e-6
    assert check_gradients(nn.BinaryCrossEntropy(), z[:, :1], rng.integers(0, 2, 6)) < 1e-6


def test_loss_through_a_model_gradient_check(rng):
    """The whole chain, loss included: a composite callable (value, grad) for check_gradients."""
    model = nn.Sequential(nn.Dense(4, 6, seed=0, dtype=np.float64), nn.Tanh(),
                          nn.Dense(6, 3, seed=1, dtype=np.float64))
    loss = nn.SoftmaxCrossEntropy(0.1)
    y = rng.integers(0, 3, 8)

    def f(x):
        v = loss(model(x), y)
        return v, model.backward(loss.backward())

    assert check_gradients(f, rng.standard_normal((8, 4))) < 1e-6


# ---- formulas and behaviour ----------------------------------------------------------------------------

def test_softmax_ce_value_and_backward(rng):
    z, y = _logits(rng, dt=np.float32), rng.integers(0, 5, 6)
    loss = nn.SoftmaxCrossEntropy()
    v = loss(z, y)
    z64 = z.astype(np.float64)
    logp = z64 - np.log(np.exp(z64).sum(1, keepdims=True))
    assert isinstance(v, float)
    np.testing.assert_allclose(v, -logp[np.arange(6), y].mean(), rtol=1e-6)
    g = loss.backward()
    assert g.dtype == np.float32 and g.shape == z.shape
    np.testing.assert_allclose(g, (np.exp(logp) - np.eye(5)[y]) / 6, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g.sum(1), 0, atol=1e-7)
    # int32 and small unsigned labels are accepted
    assert loss(z, y.astype(np.int32)) == v
    np.testing.assert_allclose(loss(z, y.astype(np.uint8)), v, rtol=0)


def test_label_smoothing_book_mapping(rng):
    """Book 7.5.1 targets: 1 - e for the true class, e/(K-1) for the others; torch's eps = e K/(K-1)."""
    K, e = 5, 0.1
    z, y = _logits(rng, K=K), rng.integers(0, K, 6)
    t_book = np.full((6, K), e / (K - 1))
    t_book[np.arange(6), y] = 1 - e
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    expect = -(t_book * logp).sum(1).mean()
    loss = nn.SoftmaxCrossEntropy(label_smoothing=e * K / (K - 1))
    np.testing.assert_allclose(loss(z, y), expect, rtol=1e-13)
    np.testing.assert_allclose(loss.backward(), (np.exp(logp) - t_book) / 6, rtol=1e-12, atol=1e-15)
    # the same as probability targets
    np.testing.assert_allclose(nn.SoftmaxCrossEntropy()(z, t_book), expect, rtol=1e-13)


def test_mse_and_bce_values(rng):
    o, t = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    mse = nn.MSELoss()
    np.testing.assert_allclose(mse(o, t), ((o - t) ** 2).mean(), rtol=1e-14)
    np.testing.assert_allclose(mse.backward(), 2 * (o - t) / o.size, rtol=1e-14)
    z, y = rng.standard_normal(7) * 3, rng.integers(0, 2, 7)
    bce = nn.BinaryCrossEntropy()
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(bce(z, y), -(y * np.log(s) + (1 - y) * np.log(1 - s)).mean(), rtol=1e-12)
    np.testing.assert_allclose(bce.backward(), (s - y) / 7, rtol=1e-12)
    # (B,) target for (B, 1) outputs is accepted; other mismatches raise
    np.testing.assert_allclose(bce(z[:, None], y), bce(z, y), rtol=0)
    with pytest.raises(ValueError, match="no broadcasting"):
        mse(o, t[:, :1])


def test_loss_validation():
    z = np.zeros((4, 3), np.float32)
    ce = nn.SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match=r"labels\[1\] = 3 is outside \[0, 3\)"):
        ce(z, np.array([0, 3, 1, 2]))
    with pytest.raises(ValueError, match=r"labels\[0\] = -2"):
        ce(z, np.array([-2, 0, 1, 2]))
    with pytest.raises(TypeError, match="integer class labels"):
        ce(z, np.zeros(4))
    with pytest.raises(ValueError, match=r"labels of shape \(4,\)"):
        ce(z, np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="2-D"):
        ce(np.zeros(4, np.float32), np.zeros(4, np.int64))
    with pytest.raises(TypeError, match="float32 or float64 model outputs"):
        ce(np.zeros((4, 3), np.int64), np.zeros(4, np.int64))
    with pytest.raises(TypeError, match="real numeric target"):
        nn.MSELoss()(z, np.zeros((4, 3), object))
    with pytest.raises(ValueError, match="Invalid label_smoothing"):
        nn.SoftmaxCrossEntropy(label_smoothing=1.2)
    with pytest.raises(RuntimeError, match="before forward"):
        nn.MSELoss().backward()


# ---- torch agreement -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("eps", [0.0, 0.1, 0.7])
def test_softmax_ce_matches_torch(dt, eps, rng):
    torch = pytest.importorskip("torch")
    z, y = _logits(rng, B=9, K=7, dt=dt) * 5, rng.integers(0, 7, 9)
    tz = torch.from_numpy(z).requires_grad_()
    tl = torch.nn.functional.cross_entropy(tz, torch.from_numpy(y), label_smoothing=eps)
    tl.backward()
    loss = nn.SoftmaxCrossEntropy(label_smoothing=eps)
    t = dict(rtol=2e-6, atol=1e-7) if dt == np.float32 else dict(rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(loss(z, y), tl.item(), **t)
    np.testing.assert_allclose(loss.backward(), tz.grad.numpy(), **t)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_mse_and_bce_match_torch(dt, rng):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z = (rng.standard_normal((8, 3)) * 10).astype(dt)
    t = rng.random((8, 3)).astype(dt)
    t_ = dict(rtol=2e-6, atol=1e-7) if dt == np.float32 else dict(rtol=1e-12, atol=1e-15)
    for ours, theirs in ((nn.MSELoss(), F.mse_loss), (nn.BinaryCrossEntropy(), F.binary_cross_entropy_with_logits)):
        tz = torch.from_numpy(z).requires_grad_()
        tl = theirs(tz, torch.from_numpy(t))
        tl.backward()
        np.testing.assert_allclose(ours(z, t), tl.item(), **t_)
        np.testing.assert_allclose(ours.backward(), tz.grad.numpy(), **t_)


# ---- metrics and book 8.1.2 --------------------------------------------------------------------------

def test_metrics():
    z = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [1.0, 0.0, 0.0]])
    y = np.array([0, 1, 0, 0])
    assert nn.accuracy(z, y) == 0.75 and nn.zero_one_error(z, y) == 0.25
    zb = np.array([1.5, -0.2, 0.0, 3.0])
    yb = np.array([1, 0, 1, 0])
    assert nn.accuracy(zb, yb) == 0.5 and nn.accuracy(zb[:, None], yb[:, None].astype(float)) == 0.5
    assert nn.metrics.predict_classes(zb).tolist() == [1, 0, 0, 1]
    with pytest.raises(ValueError, match="shape"):
        nn.accuracy(z, y[:3])


def test_surrogate_keeps_falling_after_zero_one_error_reaches_zero(rng):
    """Book 8.1.2: on separable data the 0-1 error reaches 0 while the NLL keeps falling and the
    margin keeps growing."""
    X = np.concatenate([rng.standard_normal((40, 2)) + 3, rng.standard_normal((40, 2)) - 3])
    y = np.repeat([0, 1], 40)
    model = nn.Dense(2, 2, seed=0, dtype=np.float64)
    loss = nn.SoftmaxCrossEntropy()
    hist = []
    for step in range(300):
        model.zero_grad()
        z = model(X)
        v = loss(z, y)
        model.backward(loss.backward())
        zs = np.sort(z, axis=1)
        hist.append((v, nn.zero_one_error(z, y), (zs[:, 1] - zs[:, 0]).min()))
        for p in model.parameters():
            p.data -= 0.5 * p.grad
    first_zero = next(i for i, h in enumerate(hist) if h[1] == 0.0)
    assert first_zero < 100
    after = hist[first_zero:]
    assert all(h[1] == 0.0 for h in after)
    assert after[-1][0] < 0.5 * after[0][0]                      # NLL still falls a lot
    assert all(b[0] < a[0] for a, b in zip(after, after[1:]))      # monotonically
    assert after[-1][2] > after[0][2]                             # the margin grows
