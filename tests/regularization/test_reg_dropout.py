"""Book 7.12: nn.Dropout (C masks), weight scaling, Monte-Carlo averaging, the geometric-mean ensemble."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim import kernels as K
from pyoptim import regularization as reg
from threads import same_bits_for_thread_counts


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_layer_forward_backward_and_modes(dtype, rng):
    d = po.nn.Dropout(0.25, seed=3)
    x = rng.standard_normal((50, 40)).astype(dtype)
    y = d.forward(x)
    m = d.mask(x.shape, dtype=dtype)
    np.testing.assert_array_equal(y, x * (m * dtype(1 / 0.75)))
    g = rng.standard_normal(x.shape).astype(dtype)
    np.testing.assert_array_equal(d.backward(g), g * (m * dtype(1 / 0.75)))
    assert d.counter == 1
    y2 = d.forward(x)
    assert not np.array_equal(y, y2)               # a fresh mask per call
    d.eval()
    np.testing.assert_array_equal(d.forward(x), x)  # inverted dropout: identity in eval
    np.testing.assert_array_equal(d.backward(g), g)
    assert d.counter == 2


def test_dropout_same_seed_same_masks_and_state_dict_resumes():
    x = np.ones((10, 1000), np.float32)
    a, b = po.nn.Dropout(0.5, seed=11), po.nn.Dropout(0.5, seed=11)
    np.testing.assert_array_equal(a(x), b(x))
    st = a.state_dict()
    assert int(st["counter"]) == 1
    ya = a(x)
    c = po.nn.Dropout(0.5, seed=11)
    c.load_state_dict(st)
    np.testing.assert_array_equal(c(x), ya)
    assert not np.array_equal(po.nn.Dropout(0.5, seed=12)(x), po.nn.Dropout(0.5, seed=11)(x))


def test_dropout_book_form_and_weight_scaling_rule(rng):
    d = po.nn.Dropout(0.4, seed=1, inverted=False)
    x = rng.standard_normal((8, 30))
    y = d.forward(x)
    m = d.mask(x.shape, dtype=np.float64)
    np.testing.assert_array_equal(y, x * m)          # the book's training form: no rescale
    d.eval()
    np.testing.assert_allclose(d.forward(x), 0.6 * x)  # weight scaling at test time
    np.testing.assert_allclose(d.backward(np.ones_like(x)), 0.6)


def test_dropout_validation():
    for bad in (-0.1, 1.5, float("nan"), "a"):
        with pytest.raises(ValueError, match="Invalid p"):
            po.nn.Dropout(bad)
    for bad in (-1, 2**64, 1.5, True):
        with pytest.raises(ValueError, match="Invalid seed"):
            po.nn.Dropout(0.5, seed=bad)
    with pytest.raises(RuntimeError):
        po.nn.Dropout(0.5, seed=0).backward(np.ones(3))


@pytest.mark.c_only
def test_dropout_thread_count_does_not_change_the_layer():
    x = np.random.default_rng(0).standard_normal((1000, 1100)).astype(np.float32)
    same_bits_for_thread_counts(lambda: po.nn.Dropout(0.5, seed=9)(x))


@pytest.mark.parametrize("p,inverted", [(0.5, False), (0.3, False), (0.5, True), (0.2, True)])
def test_weight_scaling_equals_renormalized_geometric_mean_over_all_masks(p, inverted):
    """Book eq. 7.59-7.66: for softmax regression the weight-scaling rule is exactly the renormalized
    geometric mean of the 2ⁿ sub-networks (n = 8 inputs: 256 masks)."""
    rng = np.random.default_rng(4)
    n, k = 8, 4
    W = rng.standard_normal((n, k))
    b = rng.standard_normal(k)
    X = rng.standard_normal((6, n))
    ens = reg.geometric_mean_ensemble(W, b, X, p=p, inverted=inverted)
    if inverted:
        ws = reg.softmax(X @ W + b)                  # inverted dropout: the eval-mode network
    else:
        ws = reg.weight_scaling_predict(W, b, X, p)  # the book's rule: weights times 1 − p
    np.testing.assert_allclose(ens, ws, rtol=0, atol=1e-12)
    # it is not the arithmetic mean (that one differs)
    arith = np.zeros_like(ens)
    import itertools
    for bits in itertools.product((0.0, 1.0), repeat=n):
        dmask = np.array(bits)
        wgt = (1 - p) ** dmask.sum() * p ** (n - dmask.sum())
        arith += wgt * reg.softmax((X * dmask) * (1 / (1 - p) if inverted else 1) @ W + b)
    assert np.abs(arith - ens).max() > 1e-3


def test_geometric_mean_through_the_layer_masks():
    """The same identity with the eval-mode pyoptim model (Dropout -> Dense) standing for weight scaling."""
    rng = np.random.default_rng(0)
    drop = po.nn.Dropout(0.5, seed=0)
    dense = po.nn.Dense(6, 3, seed=1, dtype=np.float64)
    model = po.nn.Sequential(drop, dense)
    X = rng.standard_normal((5, 6))
    model.eval()
    got = reg.softmax(model(X))
    ens = reg.geometric_mean_ensemble(dense.weight.data, dense.bias.data, X, p=0.5, inverted=True)
    np.testing.assert_allclose(got, ens, atol=1e-12)


def test_mc_predict_averages_masks_and_restores_modes():
    rng = np.random.default_rng(0)
    model = po.nn.Sequential(po.nn.Dense(6, 20, seed=0, dtype=np.float64), po.nn.ReLU(),
                             po.nn.Dropout(0.5, seed=5), po.nn.Dense(20, 3, seed=1, dtype=np.float64),
                             po.nn.BatchNorm(3))
    X = rng.standard_normal((7, 6))
    model.train()
    mean_before = model[4].running_mean.copy()
    p1 = reg.mc_predict(model, X, k=1)
    pk = reg.mc_predict(model, X, k=400)
    assert all(m.training for m in model.modules())          # modes restored
    np.testing.assert_array_equal(model[4].running_mean, mean_before)   # BatchNorm ran in eval mode
    np.testing.assert_allclose(pk.sum(axis=1), 1.0)
    model.eval()
    ws = reg.softmax(model(X))
    # MC averaging with many masks is close to (not equal to) the weight-scaling prediction
    assert np.abs(pk - ws).max() < np.abs(p1 - ws).max()
    assert np.abs(pk - ws).max() < 0.1
    with pytest.raises(ValueError, match="Invalid k"):
        reg.mc_predict(model, X, k=0)


def test_dropout_in_fit_trains_and_uses_fresh_masks():
    X, y = po.datasets.blobs(n=300, centers=3, d=4, seed=1)
    model = po.nn.Sequential(po.nn.Dense(4, 32, seed=0), po.nn.ReLU(), po.nn.Dropout(0.3, seed=0),
                             po.nn.Dense(32, 3, seed=1))
    opt = po.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    h = po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=10, batch_size=30, progress=False,
               validation_data=(X, y))
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    assert h.history["val_accuracy"][-1] > 0.9
    assert model[2].counter == 100                 # one mask per training batch, none in evaluation


def test_dropout_gradient_with_fixed_mask_by_finite_differences():
    """With the mask fixed (same counter), the layer is linear in x: backward is its exact Jacobianᵀ."""
    d = po.nn.Dropout(0.5, seed=2)
    x = np.random.default_rng(1).standard_normal((4, 5))
    R = np.random.default_rng(2).standard_normal((4, 5))
    y = d.forward(x)
    g = d.backward(R)
    out = np.empty_like(x)
    h = 1e-6
    num = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        K.dropout_forward(xp, out, 0.5, d.seed, 0)
        fp = (out * R).sum()
        K.dropout_forward(xm, out, 0.5, d.seed, 0)
        num[i] = (fp - (out * R).sum()) / (2 * h)
    np.testing.assert_allclose(g, num, atol=1e-8)
    assert y.shape == x.shape
