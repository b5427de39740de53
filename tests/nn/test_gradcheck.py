"""One gradient checker: pyoptim.diagnostics.check_gradient is a thin alias of pyoptim.nn.check_gradients
(loss= form), with the same results; both still catch a wrong backward pass."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim import nn


def _net(seed):
    return nn.Sequential(nn.Dense(4, 6, dtype=np.float64, seed=seed), nn.Tanh(), nn.BatchNorm(6, dtype=np.float64),
                         nn.Dense(6, 3, dtype=np.float64, seed=seed + 1))


def _central_max_rel_error(model, loss, X, y):
    """Independent: every coordinate of θ perturbed in place, J by model.forward + loss.forward (train
    mode with batch statistics; buffers restored), the largest elementwise relative error."""
    params = model.parameters()
    model.zero_grad()
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    analytic = [p.grad.copy() for p in params]
    buffers = {k: np.array(v, copy=True) for k, v in model.named_buffers()}
    worst = 0.0
    for p, ga in zip(params, analytic):
        flat, gflat = p.data.reshape(-1), ga.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            vals = []
            for h in (1e-6, -1e-6):
                flat[i] = old + h
                vals.append(loss.forward(model.forward(X), y))
                model.load_state_dict(buffers, strict=False)
            flat[i] = old
            num = (vals[0] - vals[1]) / 2e-6
            worst = max(worst, abs(num - gflat[i]) / max(1e-8, abs(num) + abs(gflat[i])))
    return worst


@pytest.mark.parametrize("seed", [0, 1])
def test_the_two_names_agree_and_match_an_independent_check(seed):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    loss = nn.SoftmaxCrossEntropy()
    a = po.diagnostics.check_gradient(_net(seed), loss, X, y, n_checks=None)
    b = nn.check_gradients(_net(seed), X, y, loss=loss, max_elements=None)
    assert a == b
    assert a < 1e-6
    assert _central_max_rel_error(_net(seed), loss, X, y) < 1e-6
    sub_a = po.diagnostics.check_gradient(_net(seed), loss, X, y, n_checks=9, seed=3)
    sub_b = nn.check_gradients(_net(seed), X, y, loss=loss, max_elements=9, seed=3)
    assert sub_a == sub_b


def test_both_names_catch_a_wrong_backward():
    class Wrong(nn.Tanh):
        def backward(self, grad_output):
            return 1.5 * super().backward(grad_output)

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 4)), rng.integers(0, 3, 12)
    net = nn.Sequential(nn.Dense(4, 5, dtype=np.float64, seed=0), Wrong(), nn.Dense(5, 3, dtype=np.float64, seed=1))
    assert po.diagnostics.check_gradient(net, nn.SoftmaxCrossEntropy(), X, y, n_checks=None) > 0.1
    assert nn.check_gradients(net, X, y, loss=nn.SoftmaxCrossEntropy()) > 0.1
    assert nn.check_gradients(net, X) > 0.1      # the module form too
