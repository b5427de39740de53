"""The R-operator rules (exact Hessian-vector products) live beside the layers, keyed by class:
every layer pyoptim.nn exports has one, and each one agrees with finite differences of the gradient."""
import inspect

import numpy as np
import pytest

import pyoptim as po
from pyoptim.nn import rop


def _exported(base):
    return [obj for name, obj in vars(po.nn).items()
            if inspect.isclass(obj) and issubclass(obj, base) and obj is not base and not name.startswith("_")]


def test_every_exported_layer_has_a_rule_keyed_by_class():
    layers = _exported(po.nn.Module)
    assert {c.__name__ for c in layers} >= {"Dense", "ReLU", "Tanh", "Sigmoid", "BatchNorm", "Dropout",
                                            "GaussianNoise", "Sequential", "Residual"}
    for cls in layers:
        kind, factory = rop.rule_for(cls)
        assert kind in ("leaf", "container"), cls
    assert all(isinstance(k, type) for k in (*rop.RULES, *rop.CONTAINERS, *rop.LOSS_RULES))


def test_every_exported_loss_has_a_rule_keyed_by_class():
    for cls in _exported(po.nn.Loss):
        assert any(c in rop.LOSS_RULES for c in cls.__mro__), cls


def _net(hidden):
    return po.nn.Sequential(po.nn.Dense(3, 5, dtype=np.float64, seed=0), hidden,
                            po.nn.Residual(po.nn.Sequential(po.nn.Dense(5, 5, dtype=np.float64, seed=1),
                                                            po.nn.Tanh())),
                            po.nn.BatchNorm(5, dtype=np.float64), po.nn.Dense(5, 2, dtype=np.float64, seed=2))


@pytest.mark.parametrize("hidden", [po.nn.ReLU(), po.nn.Sigmoid(), po.nn.Dropout(0.3, seed=0),
                                    po.nn.GaussianNoise(0.1, seed=0)])
@pytest.mark.parametrize("loss", [po.nn.SoftmaxCrossEntropy(), po.nn.MSELoss(), po.nn.BinaryCrossEntropy()])
def test_each_rule_agrees_with_finite_differences(hidden, loss):
    rng = np.random.default_rng(0)
    model = _net(hidden)
    model.eval()   # Dropout/GaussianNoise are random in training mode
    X = rng.normal(size=(7, 3))
    y = rng.integers(0, 2, 7) if isinstance(loss, po.nn.SoftmaxCrossEntropy) else rng.random((7, 2))
    v = [rng.normal(size=p.data.shape) for p in model.parameters()]
    exact = po.diagnostics.hvp(model, loss, X, y, v)
    fd = po.diagnostics.hvp_fd(model, loss, X, y, v)
    for a, b in zip(exact, fd):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_subclass_uses_its_base_class_rule_and_a_registered_class_its_own():
    class MyDense(po.nn.Dense):
        pass

    assert rop.rule_for(MyDense) == ("leaf", rop.DenseROp)

    class Twice(po.nn.Module):
        def forward(self, x):
            return 2 * x

    with pytest.raises(TypeError, match="no R-operator rule for module 'Twice'"):
        po.diagnostics.hvp(po.nn.Sequential(po.nn.Dense(2, 2, dtype=np.float64, seed=0), Twice()),
                           po.nn.MSELoss(), np.ones((3, 2)), np.zeros((3, 2)),
                           [np.ones((2, 2)), np.ones(2)])

    class TwiceROp(rop.ROp):
        def __init__(self, m, ctx):
            pass

        def forward(self, x):
            return 2 * x

        def backward(self, gy, G):
            return 2 * gy

        def rforward(self, Rx, V):
            return None if Rx is None else 2 * Rx

        def rbackward(self, Rgy, V, RG):
            return 2 * Rgy

    po.diagnostics.register_rop(Twice, TwiceROp)
    try:
        model = po.nn.Sequential(po.nn.Dense(2, 2, dtype=np.float64, seed=0), Twice())
        X, y = np.random.default_rng(1).normal(size=(3, 2)), np.zeros((3, 2))
        v = [np.ones((2, 2)), np.ones(2)]
        exact = po.diagnostics.hvp(model, po.nn.MSELoss(), X, y, v)
        fd = po.diagnostics.hvp_fd(model, po.nn.MSELoss(), X, y, v)
        for a, b in zip(exact, fd):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    finally:
        del rop.RULES[Twice]
