"""Inexact gradients (book 8.2.6) and the minibatch gradient (8.1.3) as oracles."""
import numpy as np
import pytest

from pyoptim.diagnostics import BiasedOracle, MinibatchOracle, NoisyOracle


def grad(x):
    return 2.0 * np.asarray(x)


def test_noisy_oracle_unbiased_with_sigma():
    o = NoisyOracle(grad, sigma=0.5, seed=0)
    x = np.array([1.0, -2.0, 3.0])
    gs = np.array([o(x) for _ in range(4000)])
    np.testing.assert_allclose(gs.mean(0), grad(x), atol=0.05)
    np.testing.assert_allclose(gs.std(0), 0.5, rtol=0.05)
    assert o.calls == 4000
    a = NoisyOracle(grad, 0.5, seed=1)(x)
    b = NoisyOracle(grad, 0.5, seed=1)(x)
    np.testing.assert_array_equal(a, b)


def test_biased_oracle_shifts_fixed_point():
    o = BiasedOracle(grad, bias=[0.2, -0.4])
    x = np.array([5.0, 5.0])
    for _ in range(500):
        x = x - 0.1 * o(x)
    # gradient descent on |x|² with a biased gradient stops where 2x = -b, not at 0
    np.testing.assert_allclose(x, [-0.1, 0.2], atol=1e-10)


def test_minibatch_oracle_unbiased_and_std_shrinks():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3))
    y = X @ np.array([1.0, -1.0, 0.5]) + rng.standard_normal(400)

    def g(w, Xb, yb):
        return Xb.T @ (Xb @ w - yb) / len(yb)

    w = np.zeros(3)
    stds = []
    for m in (4, 64):
        o = MinibatchOracle(g, X, y, batch_size=m, seed=1)
        gs = np.array([o(w) for _ in range(3000)])
        np.testing.assert_allclose(gs.mean(0), o.full(w), atol=0.08)
        stds.append(gs.std(0).mean())
    fpc = np.sqrt([(400 - 4) / 399, (400 - 64) / 399])
    assert stds[0] / stds[1] == pytest.approx(np.sqrt(64 / 4) * fpc[0] / fpc[1], rel=0.1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Invalid sigma"):
        NoisyOracle(grad, -1.0)
    with pytest.raises(ValueError, match="Invalid bias"):
        BiasedOracle(grad, [np.nan])
    with pytest.raises(ValueError, match="Invalid batch_size"):
        MinibatchOracle(lambda w, a, b: w, np.zeros((3, 1)), np.zeros(3), 4)
