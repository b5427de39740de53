"""Book 7.4, 7.5, 7.5.1: augmentation in the minibatch stream, input/hidden/weight noise, label smoothing."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim import regularization as reg
from pyoptim.regularization import augment as aug


def test_gaussian_noise_layer():
    g = po.nn.GaussianNoise(0.5, seed=1)
    x = np.zeros((2000, 50))
    y = g(x)
    assert abs(y.std() - 0.5) < 0.01 and abs(y.mean()) < 0.01
    np.testing.assert_array_equal(g.backward(np.ones(3)), np.ones(3))
    np.testing.assert_array_equal(po.nn.GaussianNoise(0.5, seed=1)(x), y)   # seeded
    g.eval()
    np.testing.assert_array_equal(g(x), x)                                  # identity in eval
    with pytest.raises(ValueError, match="Invalid std"):
        po.nn.GaussianNoise(-1)


def test_input_noise_equals_l2_penalty_in_expectation_for_linear_regression():
    """Book 7.5 (Bishop 1995): E_ε[mean(((x + ε)ᵀw − y)²)] = mean((xᵀw − y)²) + σ²‖w‖², ε ~ N(0, σ²I).
    Monte-Carlo through the library: GaussianNoise -> Dense (no bias) -> MSELoss, in training mode."""
    rng = np.random.default_rng(0)
    d, B, sigma = 5, 40, 0.3
    X = rng.standard_normal((B, d))
    y = rng.standard_normal((B, 1))
    dense = po.nn.Dense(d, 1, bias=False, seed=0, dtype=np.float64)
    model = po.nn.Sequential(po.nn.GaussianNoise(sigma, seed=3), dense)
    mse = po.nn.MSELoss()
    vals = np.array([mse.forward(model(X), y) for _ in range(4000)])
    w = dense.weight.data[:, 0]
    clean = np.mean((X @ w - y[:, 0]) ** 2)
    expected = clean + sigma ** 2 * (w @ w)
    se = vals.std() / np.sqrt(len(vals))
    assert abs(vals.mean() - expected) < 4 * se
    assert expected - clean > 10 * se                      # the penalty term is resolved


def test_weight_noise_adds_eta_times_squared_output_gradient_linear_model():
    """Book eq. 7.33: for ŷ linear in W, E[(ŷ(W + ε) − y)²] = (ŷ − y)² + η‖∇_W ŷ‖², through the
    WeightNoise objective (noise on the weight matrix only; ∇_W ŷ = x)."""
    rng = np.random.default_rng(1)
    d, B, eta = 4, 30, 0.2
    X = rng.standard_normal((B, d))
    y = rng.standard_normal((B, 1))
    model = po.nn.Sequential(po.nn.Dense(d, 1, seed=0, dtype=np.float64))
    mse = po.nn.MSELoss()
    obj = reg.WeightNoise(eta, seed=0)
    W0 = model[0].weight.data.copy()
    vals = np.array([obj(model, mse, X, y) for _ in range(3000)])
    np.testing.assert_array_equal(model[0].weight.data, W0)     # restored exactly
    clean = mse.forward(model(X), y)
    expected = clean + eta * np.mean((X ** 2).sum(axis=1))
    se = vals.std() / np.sqrt(len(vals))
    assert abs(vals.mean() - expected) < 4 * se
    assert expected - clean > 10 * se


def test_weight_noise_small_eta_nonlinear_model_monte_carlo():
    """Book 7.5 for a nonlinear model: at a point where the target equals the output (so the term
    η(ŷ − y)tr∇²ŷ vanishes), E[(ŷ(W + ε) − y)²] = η‖∇_W ŷ‖² + O(η²). ∇_W ŷ from the model's backward."""
    rng = np.random.default_rng(2)
    model = po.nn.Sequential(po.nn.Dense(3, 4, seed=0, dtype=np.float64), po.nn.Tanh(),
                             po.nn.Dense(4, 1, bias=False, seed=1, dtype=np.float64))
    x = rng.standard_normal((1, 3))
    model.zero_grad()
    yhat = model(x)
    model.backward(np.ones_like(yhat))
    params = model.parameters()
    g2 = sum((p.grad ** 2).sum() for p in params)
    W1, b1, W2 = (p.data for p in params)
    eta, N = 1e-4, 200_000
    sd = np.sqrt(eta)
    e1 = rng.standard_normal((N,) + W1.shape) * sd
    eb = rng.standard_normal((N,) + b1.shape) * sd
    e2 = rng.standard_normal((N,) + W2.shape) * sd
    h = np.tanh(np.einsum("i,nij->nj", x[0], W1 + e1) + b1 + eb)
    out = np.einsum("nj,nj->n", h, (W2 + e2)[:, :, 0])
    sq = (out - yhat[0, 0]) ** 2
    se = sq.std() / np.sqrt(N)
    assert abs(sq.mean() - eta * g2) < 4 * se + 0.02 * eta * g2


def test_label_smoothing_book_form_and_torch_mapping():
    """Book 7.5.1: targets 1 − ε and ε/(k − 1); torch's label_smoothing ε_t gives (1 − ε_t)·onehot + ε_t/k.
    The loss with ε_t = ε·k/(k − 1) has exactly the book's targets: its gradient is softmax − targets."""
    rng = np.random.default_rng(0)
    k, B, eps = 5, 6, 0.1
    z = rng.standard_normal((B, k))
    y = rng.integers(0, k, B)
    book = reg.smooth_targets(y, k, eps, form="book")
    np.testing.assert_allclose(book.sum(axis=1), 1.0)
    np.testing.assert_allclose(book[np.arange(B), y], 1 - eps)
    assert np.allclose(book[book < 0.5], eps / (k - 1))
    et = reg.book_to_torch_smoothing(eps, k)
    np.testing.assert_allclose(reg.smooth_targets(y, k, et, form="torch"), book)
    assert reg.torch_to_book_smoothing(et, k) == pytest.approx(eps)
    loss = po.nn.SoftmaxCrossEntropy(label_smoothing=et)
    v = loss.forward(z, y)
    g = loss.backward()
    p = reg.softmax(z)
    np.testing.assert_allclose(g, (p - book) / B, atol=1e-12)
    np.testing.assert_allclose(v, -(book * np.log(p)).sum(axis=1).mean(), rtol=1e-12)


def test_label_smoothing_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 4))
    y = rng.integers(0, 4, 6)
    loss = po.nn.SoftmaxCrossEntropy(label_smoothing=0.2)
    ref = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y), label_smoothing=0.2).item()
    assert loss.forward(z, y) == pytest.approx(ref, rel=1e-12)


# ---- 7.4 augmentation ------------------------------------------------------------------------------

def test_shift_and_rotation_are_exact_on_simple_images():
    img = np.zeros((1, 64))
    img[0, 3 * 8 + 4] = 1.0                         # pixel (3, 4)
    s = aug.shift_images(img, 1, -2).reshape(8, 8)
    assert s[4, 2] == 1.0 and s.sum() == 1.0
    r = aug.rotate_images(img, np.pi / 2).reshape(8, 8)  # a quarter turn about (3.5, 3.5)
    assert r.sum() == pytest.approx(1.0) and r.max() == pytest.approx(1.0)
    np.testing.assert_allclose(aug.rotate_images(img, 0.0), img)
    np.testing.assert_allclose(aug.rotate_images(aug.rotate_images(img, np.pi / 2), -np.pi / 2), img, atol=1e-12)


def test_augmentations_are_seeded_composable_and_keep_dtype():
    X, _ = po.datasets.load_digits()
    Xb = X[:16]
    a = aug.digits_augment(max_shift=1, max_degrees=10, noise_std=0.05)
    o1 = a(Xb, np.random.default_rng(0))
    o2 = a(Xb, np.random.default_rng(0))
    np.testing.assert_array_equal(o1, o2)
    assert o1.dtype == Xb.dtype and o1.shape == Xb.shape
    assert not np.array_equal(o1, Xb)
    assert o1.min() >= 0 and o1.max() <= 1
    np.testing.assert_array_equal(Xb, X[:16])       # the input is not modified
    with pytest.raises(ValueError, match="Invalid max_shift"):
        aug.RandomShift(-1)
    with pytest.raises(ValueError, match="Invalid Xb"):
        aug.shift_images(np.zeros((2, 10)), 1, 1)


def test_augment_hook_in_fit_trains():
    X, y = po.datasets.load_digits()
    X, y = X[:400], y[:400]
    model = po.nn.Sequential(po.nn.Dense(64, 32, seed=0), po.nn.ReLU(), po.nn.Dense(32, 10, seed=1))
    opt = po.optim.Adam(model.parameters(), lr=1e-2)
    h = po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=5, batch_size=32, progress=False,
               augment=aug.Compose([aug.RandomShift(1), aug.PixelNoise(0.05)]))
    assert h.history["loss"][-1] < 0.6 * h.history["loss"][0]
