"""pyoptim.nn.init: sample statistics against their formulas, structure (orthogonal, sparse), the book's
8.4 claim about activation variance through depth, and output biases from marginals."""
import numpy as np
import pytest

from pyoptim import nn
from pyoptim.nn import init

FI, FO = 400, 300     # (in, out) layout: fan_in = shape[0], fan_out = shape[1]


def _var_ok(w, expected, rel=0.03):
    assert abs(w.var() / expected - 1) < rel, (w.var(), expected)
    assert abs(w.mean()) < 4 * np.sqrt(expected / w.size)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_variances_match_formulas(dt):
    w = np.empty((FI, FO), dt)
    init.glorot_uniform_(w, rng=0)
    assert w.dtype == dt
    _var_ok(w, 2 / (FI + FO))
    assert np.abs(w).max() <= np.sqrt(6 / (FI + FO))          # the book's U(-sqrt(6/(m+n)), sqrt(6/(m+n)))
    init.glorot_normal_(w, gain=2.0, rng=1)
    _var_ok(w, 4 * 2 / (FI + FO))
    init.he_uniform_(w, rng=2)
    _var_ok(w, 2 / FI)
    assert np.abs(w).max() <= np.sqrt(6 / FI)
    init.he_normal_(w, rng=3)
    _var_ok(w, 2 / FI)
    init.he_normal_(w, mode="fan_out", rng=4)
    _var_ok(w, 2 / FO)
    init.kaiming_uniform_(w, nonlinearity="tanh", rng=5)
    _var_ok(w, (5 / 3) ** 2 / FI)


def test_fans_and_aliases():
    assert init.calculate_fans((FI, FO)) == (FI, FO)
    assert init.calculate_fans((2, 3, 4)) == (6, 4)
    assert init.xavier_uniform_ is init.glorot_uniform_ and init.xavier_normal_ is init.glorot_normal_
    assert init.kaiming_uniform_ is init.he_uniform_ and init.kaiming_normal_ is init.he_normal_
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.glorot_uniform_(np.zeros(5))


@pytest.mark.parametrize("shape", [(50, 20), (20, 50), (30, 30)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal(shape, gain):
    w = init.orthogonal_(np.empty(shape), gain=gain, rng=0)
    m, n = shape
    if m >= n:
        np.testing.assert_allclose(w.T @ w, gain ** 2 * np.eye(n), atol=1e-12)
    else:
        np.testing.assert_allclose(w @ w.T, gain ** 2 * np.eye(m), atol=1e-12)


@pytest.mark.parametrize("k", [0, 1, 15, 40])
def test_sparse_has_exactly_k_nonzeros_per_unit(k):
    w = init.sparse_(np.empty((40, 25)), k=k, rng=0)
    np.testing.assert_array_equal((w != 0).sum(axis=0), np.full(25, k))   # a unit = a column
    if k == 15:
        nz = w[w != 0]
        assert abs(nz.std() - 1.0) < 0.1
    with pytest.raises(ValueError, match="Invalid k"):
        init.sparse_(np.empty((10, 3)), k=11)


def test_in_place_on_parameters_seeds_and_errors():
    p = nn.Parameter(np.zeros((6, 4), np.float32))
    assert init.glorot_uniform_(p, rng=7) is p
    assert p.data.any() and p.data.dtype == np.float32
    a = init.he_normal_(np.empty((6, 4)), rng=np.random.default_rng(3))
    b = init.he_normal_(np.empty((6, 4)), rng=3)
    np.testing.assert_array_equal(a, b)
    init.constant_(p, 0.25)
    assert (p.data == 0.25).all()
    init.zeros_(p)
    assert not p.data.any()
    with pytest.raises(TypeError, match="float array"):
        init.glorot_uniform_(np.zeros((3, 3), np.int64))
    ro = np.zeros((3, 3))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        init.orthogonal_(ro)
    with pytest.raises(ValueError, match="Invalid mode"):
        init.he_uniform_(np.zeros((3, 3)), mode="fan")


def _deep_std(init_fn, act, n=64, depth=20, seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    for i in range(depth):
        d = nn.Dense(n, n, bias=False, dtype=np.float64)
        init_fn(d.weight, rng)
        layers.append(d)
        if act:
            layers.append(act())
    model = nn.Sequential(*layers)
    h = rng.standard_normal((128, n))
    stds = []
    for m in model:
        h = m(h)
        if isinstance(m, (nn.Tanh,)) or not act:
            stds.append(np.sqrt(np.mean(h * h)))   # RMS: orthogonal maps preserve it exactly
    return np.array(stds)


def test_book_8_4_activation_variance_through_depth():
    """Glorot / orthogonal keep the activation scale through 20 linear layers; a small fixed scale makes
    it collapse geometrically. Through tanh, orthogonal with tanh's gain (5/3) holds it steady."""
    glorot = _deep_std(lambda p, r: init.glorot_uniform_(p, rng=r), None)
    ortho = _deep_std(lambda p, r: init.orthogonal_(p, rng=r), None)
    small = _deep_std(lambda p, r: p.data.__setitem__(..., r.normal(0, 0.01, p.shape)), None)
    assert 0.7 < glorot[-1] < 1.4
    np.testing.assert_allclose(ortho, ortho[0], rtol=1e-10)          # norms preserved exactly
    assert small[-1] < 1e-10 and small[-1] < small[0] * 1e-8
    tanh_ortho = _deep_std(lambda p, r: init.orthogonal_(p, gain=5 / 3, rng=r), nn.Tanh)
    tanh_small = _deep_std(lambda p, r: p.data.__setitem__(..., r.normal(0, 0.01, p.shape)), nn.Tanh)
    assert tanh_ortho[-1] > 0.4 and tanh_ortho[-1] / tanh_ortho[4] > 0.8
    assert tanh_small[-1] < 1e-10


def test_output_bias_from_marginals(rng):
    y = rng.choice(4, size=1000, p=[0.1, 0.2, 0.3, 0.4])
    b = nn.Parameter(np.zeros(4, np.float32))
    init.output_bias_from_marginals(b, y, 4)
    p = np.exp(b.data) / np.exp(b.data).sum()
    np.testing.assert_allclose(p, np.bincount(y) / 1000, rtol=1e-6)
    # with zero weights the model's softmax loss equals the entropy of the marginals
    d = nn.Dense(3, 4, init="zeros")
    init.output_bias_from_marginals(d.bias, y)
    c = np.bincount(y) / 1000
    np.testing.assert_allclose(nn.SoftmaxCrossEntropy()(d(np.ones((1000, 3), np.float32)), y),
                               -(c * np.log(c)).sum(), rtol=1e-5)
    with pytest.raises(ValueError, match=r"classes \[3\] never occur"):
        init.output_bias_from_marginals(np.zeros(4), np.array([0, 1, 2, 2]))
    sm = init.output_bias_from_marginals(np.zeros(4), np.array([0, 1, 2, 2]), smoothing=1.0)
    np.testing.assert_allclose(np.exp(sm) / np.exp(sm).sum(), [2 / 8, 2 / 8, 3 / 8, 1 / 8])
    bb = init.output_bias_from_marginals(np.zeros(1), np.array([1, 1, 1, 0]), num_classes=1)
    np.testing.assert_allclose(1 / (1 + np.exp(-bb)), 0.75)
