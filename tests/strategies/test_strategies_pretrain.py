"""Book 8.7.4: frozen parameters stay bit-identical through fit; greedy supervised layer-wise
pretraining; the teacher-student hint objective (FitNets) has the right gradient and pulls the student's
hidden layer towards the teacher's."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim import nn
from pyoptim.nn import check_gradients
from pyoptim.strategies import HintObjective, freeze, greedy_layerwise_pretrain, unfreeze


def _blobs(n=240, d=8, k=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = 2.5 * rng.standard_normal((k, d))
    y = rng.integers(0, k, n)
    return centers[y] + rng.standard_normal((n, d)), y


@pytest.mark.parametrize("make_opt", [
    lambda ps: po.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-2),
    lambda ps: po.optim.Adam(ps, lr=1e-2, weight_decay=1e-2),
])
def test_frozen_parameters_bit_identical_after_fit(make_opt):
    X, y = _blobs()
    model = nn.Sequential(nn.Dense(8, 16, seed=0, dtype=np.float64), nn.ReLU(), nn.Dense(16, 3, seed=1, dtype=np.float64))
    freeze(model[0])
    w0, b0, w2 = model[0].weight.data.copy(), model[0].bias.data.copy(), model[2].weight.data.copy()
    po.fit(model, nn.SoftmaxCrossEntropy(), make_opt(model.parameters()), X, y, epochs=2, batch_size=16,
           progress=False)
    assert np.array_equal(model[0].weight.data, w0) and np.array_equal(model[0].bias.data, b0)
    assert not np.array_equal(model[2].weight.data, w2)
    unfreeze(model[0])
    assert all(p.requires_grad for p in model.parameters())


def test_greedy_layerwise_pretraining_freezes_earlier_blocks():
    X, y = _blobs(seed=1)
    blocks = [nn.Sequential(nn.Dense(8, 12, seed=2, dtype=np.float64), nn.ReLU()),
              nn.Sequential(nn.Dense(12, 12, seed=3, dtype=np.float64), nn.ReLU())]
    snaps = []

    def head(k):
        snaps.append(blocks[0][0].weight.data.copy())   # block 1 as it enters each stage
        return nn.Dense(k, 3, seed=4, dtype=np.float64)

    model, hists = greedy_layerwise_pretrain(blocks, X, y, head_factory=head, epochs_per_layer=3, batch_size=16)
    assert len(hists) == 2 and len(model) == 3
    assert not np.array_equal(snaps[0], snaps[1])                   # stage 1 trained block 1 ...
    assert np.array_equal(blocks[0][0].weight.data, snaps[1])       # ... stage 2 left it frozen
    assert not blocks[0][0].weight.requires_grad and blocks[1][0].weight.requires_grad
    assert hists[-1].history["loss"][-1] < hists[0].history["loss"][0]
    acc = po.evaluate(model, nn.SoftmaxCrossEntropy(), X, y)["accuracy"]
    assert acc > 0.9


def test_greedy_from_widths_and_fine_tune():
    X, y = _blobs(seed=2)
    model, hists = greedy_layerwise_pretrain([10, 10, 10], X.astype(np.float32), y, epochs_per_layer=1,
                                             fine_tune_epochs=1, batch_size=32, seed=0)
    assert len(hists) == 4 and len(model) == 4
    assert all(p.requires_grad for p in model.parameters())        # unfrozen for fine-tuning
    with pytest.raises(ValueError, match="Invalid epochs_per_layer"):
        greedy_layerwise_pretrain([4], X, y, epochs_per_layer=0)


def _student():
    return nn.Sequential(nn.Dense(8, 6, seed=5, dtype=np.float64), nn.Tanh(), nn.Dense(6, 3, seed=6, dtype=np.float64))


def test_hint_objective_gradient_matches_central_differences():
    X, y = _blobs(n=20)
    rng = np.random.default_rng(3)
    T = rng.standard_normal((8, 6))
    teacher = lambda xb: np.tanh(xb @ T)   # noqa: E731
    model, loss = _student(), nn.SoftmaxCrossEntropy()
    obj = HintObjective(teacher, student_layer_index=1, weight=0.7)
    model.zero_grad()
    val = obj(model, loss, X, y)
    g = np.concatenate([p.grad.ravel() for p in model.parameters()])

    def J():
        h = model[1].forward(model[0].forward(X))
        out = model[2].forward(h)
        return loss.forward(out, y) + 0.5 * 0.7 * np.sum((h - teacher(X)) ** 2) / len(X)

    assert val == pytest.approx(J(), rel=1e-12)
    # every parameter at once as one vector theta: the objective's gradient against central differences
    params = model.parameters()
    cuts = np.cumsum([p.data.size for p in params])[:-1]

    def value_and_grad(theta):
        for p, part in zip(params, np.split(theta, cuts)):
            p.data[...] = part.reshape(p.data.shape)
        model.zero_grad()
        v = obj(model, loss, X, y)
        return v, np.concatenate([p.grad.ravel() for p in params])
    theta0 = np.concatenate([p.data.ravel() for p in params])
    assert value_and_grad(theta0)[1] == pytest.approx(g, rel=1e-12, abs=1e-15)
    assert check_gradients(value_and_grad, theta0, eps=1e-6) < 1e-6
    assert obj.last_hint > 0


def test_hint_training_pulls_student_towards_teacher():
    X, y = _blobs(n=160, seed=4)
    T = np.random.default_rng(5).standard_normal((8, 6)) * 0.3
    teacher = lambda xb: np.tanh(xb @ T)   # noqa: E731
    model = _student()

    def dist():
        return float(np.mean((model[1].forward(model[0].forward(X)) - teacher(X)) ** 2))

    d0 = dist()
    po.fit(model, nn.SoftmaxCrossEntropy(), po.optim.SGD(model.parameters(), lr=0.05), X, y, epochs=5,
           batch_size=16, objective=HintObjective(teacher, 1, weight=5.0), progress=False)
    assert dist() < 0.5 * d0
    with pytest.raises(ValueError, match="Invalid weight"):
        HintObjective(teacher, 1, weight=-1.0)
