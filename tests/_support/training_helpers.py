"""Shared helpers for the training/checkpoint tests (no tests here): small pyoptim models and optimizers."""
import numpy as np

import pyoptim as po


def dense(i, o, seed=None, dtype=np.float32):
    return po.nn.Dense(i, o, seed=seed, dtype=dtype)


def relu():
    return po.nn.ReLU()


def sequential(*mods):
    return po.nn.Sequential(*mods)


def mlp(sizes, seed=0, dtype=np.float32):
    """Dense-ReLU-...-Dense with the given layer widths, seeded layer by layer."""
    mods = []
    for k, (i, o) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods.append(dense(i, o, seed=seed * 1000 + k, dtype=dtype))
        if k < len(sizes) - 2:
            mods.append(relu())
    return sequential(*mods)


def sce():
    return po.nn.SoftmaxCrossEntropy()


def mse():
    return po.nn.MSELoss()


def bce():
    return po.nn.BinaryCrossEntropy()


def sgd(params, lr=0.1, momentum=0.0):
    return po.optim.SGD(params, lr=lr, momentum=momentum)


def adam(params, lr=1e-3):
    return po.optim.Adam(params, lr=lr)


def params_copy(model):
    return [p.data.copy() for p in model.parameters()]


def assert_params_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
