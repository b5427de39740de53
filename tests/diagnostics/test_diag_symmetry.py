"""Book 8.2.2: permuting hidden units, or scaling a ReLU unit's in-weights by a and out-weights by 1/a,
leaves the network's function unchanged (model identifiability: many equivalent minima)."""
import numpy as np
import pytest

from pyoptim import nn
from pyoptim.diagnostics import permute_hidden_units, rescale_relu_unit


def _net(act=nn.ReLU):
    return nn.Sequential(nn.Dense(4, 6, seed=0, dtype=np.float64), act(), nn.Dense(6, 3, seed=1, dtype=np.float64))


def test_permutation_leaves_function_unchanged():
    X = np.random.default_rng(0).standard_normal((20, 4))
    for act in (nn.ReLU, nn.Tanh, nn.Sigmoid):
        m = _net(act)
        before = m.forward(X).copy()
        w0 = m[0].weight.data.copy()
        perm = np.array([3, 0, 5, 1, 4, 2])
        permute_hidden_units(m, 0, perm)
        assert not np.array_equal(m[0].weight.data, w0)          # the parameters did change ...
        np.testing.assert_allclose(m.forward(X), before, rtol=1e-13, atol=1e-14)   # ... the function did not


def test_permutation_through_batchnorm():
    X = np.random.default_rng(1).standard_normal((20, 4))
    m = nn.Sequential(nn.Dense(4, 6, seed=0, dtype=np.float64), nn.BatchNorm(6, dtype=np.float64), nn.ReLU(),
                      nn.Dense(6, 3, seed=1, dtype=np.float64))
    m[1].weight.data[...] = np.linspace(0.5, 2, 6)
    m[1].running_mean[...] = np.linspace(-1, 1, 6)
    m.eval()
    before = m.forward(X).copy()
    permute_hidden_units(m, 0, np.array([5, 4, 3, 2, 1, 0]))
    np.testing.assert_allclose(m.forward(X), before, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("a", [0.1, 3.0, 1e3])
def test_relu_rescaling_leaves_function_unchanged(a):
    X = np.random.default_rng(2).standard_normal((20, 4))
    m = _net()
    before = m.forward(X).copy()
    rescale_relu_unit(m, 0, 2, a)
    assert m[0].weight.data[0, 2] != 0
    np.testing.assert_allclose(m.forward(X), before, rtol=1e-12, atol=1e-13)


def test_rescaling_a_tanh_unit_is_refused_and_would_change_function():
    m = _net(nn.Tanh)
    with pytest.raises(ValueError, match="Invalid model"):
        rescale_relu_unit(m, 0, 1, 2.0)


@pytest.mark.parametrize("call, match", [
    (lambda m: permute_hidden_units(m, 0, [0, 1, 2]), "Invalid perm"),
    (lambda m: permute_hidden_units(m, 0, [0, 0, 1, 2, 3, 4]), "Invalid perm"),
    (lambda m: permute_hidden_units(m, 1, list(range(6))), "Invalid layer_index"),
    (lambda m: permute_hidden_units(m, 2, list(range(3))), "Invalid layer_index"),
    (lambda m: rescale_relu_unit(m, 0, 9, 2.0), "Invalid unit"),
    (lambda m: rescale_relu_unit(m, 0, 1, -2.0), "Invalid a"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(_net())
