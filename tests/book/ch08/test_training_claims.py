"""The book's claims about learning vs pure optimization (8.1), checked numerically with fit."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim.callbacks import LambdaCallback

sklearn = pytest.importorskip("sklearn")  # the digits ship with scikit-learn


@pytest.fixture(scope="module")
def digits():
    return po.datasets.load_digits()


def test_digits_mlp_reaches_97_percent(digits):
    """Book 8.1: a 64-128-10 ReLU MLP trained with Adam on minibatches of 32 generalizes to >= 97%."""
    X, y = digits
    Xtr, Xte, ytr, yte = po.datasets.train_test_split(X, y, test_size=0.25, seed=1)
    mu, sd = Xtr.mean(0), Xtr.std(0) + 0.1  # standardize with training statistics only
    Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
    model = po.nn.Sequential(po.nn.Dense(64, 128, seed=0), po.nn.ReLU(), po.nn.Dense(128, 10, seed=1))
    hist = po.fit(model, po.nn.SoftmaxCrossEntropy(), po.optim.Adam(model.parameters(), lr=1e-3), Xtr, ytr,
                  epochs=30, batch_size=32, validation_data=(Xte, yte), seed=0, progress=False)
    assert len(hist) == 30
    assert hist.history["val_accuracy"][-1] >= 0.97, hist.history["val_accuracy"]
    assert hist.history["accuracy"][-1] > 0.99
    assert po.evaluate(model, po.nn.SoftmaxCrossEntropy(), Xte, yte)["accuracy"] >= 0.97


def test_8_1_1_overfitting_grows_with_capacity(digits):
    """Book 8.1.1: empirical risk minimization overfits; as capacity grows the training loss falls
    below the held-out loss (the train/held-out ratio falls and the gap widens)."""
    X, y = digits
    Xtr, Xho, ytr, yho = po.datasets.train_test_split(X, y, test_size=len(X) - 200, seed=0)
    loss = po.nn.SoftmaxCrossEntropy()
    ratios, gaps = [], []
    for width in (None, 16, 128):  # softmax regression, then one hidden layer of growing width
        if width is None:
            model = po.nn.Sequential(po.nn.Dense(64, 10, seed=0))
        else:
            model = po.nn.Sequential(po.nn.Dense(64, width, seed=0), po.nn.ReLU(), po.nn.Dense(width, 10, seed=1))
        po.fit(model, loss, po.optim.Adam(model.parameters(), lr=3e-3), Xtr, ytr, epochs=40, batch_size=32,
               seed=0, progress=False)
        train, held = po.evaluate(model, loss, Xtr, ytr)["loss"], po.evaluate(model, loss, Xho, yho)["loss"]
        assert train < held
        ratios.append(train / held)
        gaps.append(held - train)
    assert ratios[0] > ratios[1] > ratios[2] and ratios[2] < 0.2, ratios
    assert gaps[2] > gaps[0], gaps


def test_8_1_2_surrogate_keeps_improving_after_zero_training_error():
    """Book 8.1.2: on separable data the training 0-1 error reaches 0 while the NLL surrogate keeps
    falling and the margin keeps growing (the classes are pushed further apart)."""
    X, y = po.datasets.separable(n=100, d=2, margin=0.3, seed=0, dtype=np.float64)
    model = po.nn.Sequential(po.nn.Dense(2, 1, seed=3, dtype=np.float64))
    loss = po.nn.BinaryCrossEntropy()
    sign = np.where(y == 1, 1.0, -1.0)
    rec = []

    def record(epoch, logs):
        out = po.predict(model, X)[:, 0]
        rec.append((np.mean((out > 0) != (y == 1)), po.evaluate(model, loss, X, y)["loss"], (sign * out).min()))

    po.fit(model, loss, po.optim.SGD(model.parameters(), lr=0.2), X, y, epochs=200, batch_size=None,
           callbacks=[LambdaCallback(on_epoch_end=record)], progress=False)
    err, nll, margin = np.array(rec).T
    assert err[0] > 0  # the run starts with mistakes
    t0 = int(np.argmax(err == 0))
    assert err[t0] == 0 and np.all(err[t0:] == 0) and t0 < 100
    assert np.all(np.diff(nll[t0:]) < 0) and nll[-1] < 0.5 * nll[t0]
    # the smallest signed logit y·f(x) grows (a few epochs may dip while the bias moves)
    assert np.mean(np.diff(margin[t0:]) > 0) > 0.9 and margin[-1] > 5 * max(margin[t0], 1e-3)
    w = model[0].weight.data[:, 0]
    assert margin[-1] / np.linalg.norm(w) > 0.1  # and the geometric margin is wide: classes pushed apart


def test_8_1_3_minibatch_gradient_standard_error_falls_as_one_over_sqrt_m():
    """Book 8.1.3: the standard error of the minibatch gradient is σ/√m: log-log slope −1/2 in m."""
    X, y = po.datasets.linear_regression(n=4096, d=5, correlation=0.3, noise=0.5, seed=0, dtype=np.float64)
    w = np.zeros(5)  # any fixed parameter vector; the per-example gradient of ½(xᵀw − y)² is (xᵀw − y)x
    full = ((X @ w - y)[:, None] * X).mean(0)
    ms = 2 ** np.arange(0, 9)  # 1 .. 256
    rng = np.random.default_rng(0)
    se = []
    for m in ms:
        devs = []
        for _ in range(max(1, 1024 // (len(X) // m))):  # at least 1024 minibatches per m
            for Xb, yb in po.minibatches(X, y, int(m), shuffle=True, seed=rng, drop_last=True):
                g = ((Xb @ w - yb)[:, None] * Xb).mean(0)
                devs.append(np.sum((g - full) ** 2))
        se.append(np.sqrt(np.mean(devs)))
    slope = np.polyfit(np.log(ms), np.log(se), 1)[0]
    assert abs(slope + 0.5) < 0.05, (slope, se)
    sigma = np.sqrt(np.sum(((X @ w - y)[:, None] * X).var(0)))  # σ of one example's gradient
    np.testing.assert_allclose(se, sigma / np.sqrt(ms), rtol=0.1)
