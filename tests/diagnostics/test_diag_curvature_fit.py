"""Book 8.2.1 inside training: the CurvatureMonitor's prediction ½ε²gᵀHg − εgᵀg of each SGD step's
change of the batch cost is exact when the cost is quadratic in θ (a linear model with MSELoss), and its
"this step increases the cost" flag is right; on an MLP it logs gᵀg and gᵀHg per step."""
import contextlib

import numpy as np
import pytest

import pyoptim as po
from pyoptim import nn
from pyoptim.diagnostics import CurvatureMonitor, SpectrumMonitor


def _linear_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 5)) * np.array([1.0, 1.0, 2.0, 4.0, 8.0])   # ill-conditioned
    y = X @ rng.standard_normal((5, 2)) + 0.1 * rng.standard_normal((64, 2))
    model = nn.Sequential(nn.Dense(5, 2, seed=1, dtype=np.float64))
    return model, nn.MSELoss(), X, y


@pytest.mark.parametrize("lr", [0.005, 0.03])
def test_sgd_prediction_exact_on_quadratic_cost(lr):
    model, loss, X, y = _linear_problem()
    mon = CurvatureMonitor(every=1)
    # lr = 0.03 diverges on this problem, and fit says so, naming the lr (issue 13 item 6)
    diverges = pytest.warns(po.training.DivergenceWarning, match="lr=0.03") if lr == 0.03 else contextlib.nullcontext()
    with diverges:
        po.fit(model, loss, po.optim.SGD(model.parameters(), lr=lr), X, y, epochs=3, batch_size=16,
               callbacks=[mon], progress=False, seed=0)
    h = mon.history
    assert len(h["actual"]) == 12
    pred, act = np.array(h["predicted"]), np.array(h["actual"])
    np.testing.assert_allclose(pred, act, rtol=0, atol=1e-10 * max(1.0, np.abs(act).max()))
    np.testing.assert_allclose(h["predicted_step"], act, rtol=0, atol=1e-10 * max(1.0, np.abs(act).max()))
    book = [0.5 * lr * lr * b > lr * a for a, b in zip(h["gTg"], h["gTHg"])]
    assert h["increase_predicted"] == book
    assert h["increase_predicted"] == h["increase_actual"]
    if lr == 0.03:   # above 2/λ_max along g for some batches: those steps raise the cost
        assert any(h["increase_actual"])
    else:
        assert not any(h["increase_actual"])


def test_prediction_for_any_optimizer_uses_actual_step():
    model, loss, X, y = _linear_problem(1)
    mon = CurvatureMonitor(every=2)
    po.fit(model, loss, po.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), X, y, epochs=2, batch_size=8,
           callbacks=[mon], progress=False)
    act = np.array(mon.history["actual"])
    assert len(act) == 8
    np.testing.assert_allclose(mon.history["predicted_step"], act, atol=1e-10 * max(1.0, np.abs(act).max()))


def test_monitor_on_mlp_fixed_set_and_spectrum_monitor():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((96, 6)), rng.integers(0, 3, 96)
    model = nn.Sequential(nn.Dense(6, 16, seed=0, dtype=np.float64), nn.Tanh(),
                          nn.Dense(16, 3, seed=1, dtype=np.float64))
    mon = CurvatureMonitor(every=3, X=X[:32], y=y[:32])
    spec = SpectrumMonitor(every=6, X=X, y=y, k=1, m=20)
    po.fit(model, nn.SoftmaxCrossEntropy(), po.optim.SGD(model.parameters(), lr=0.1), X, y, epochs=2,
           batch_size=16, callbacks=[mon, spec], progress=False)
    h = mon.history
    assert len(h["gTg"]) == 4 and all(v > 0 for v in h["gTg"])
    assert all(np.isfinite(h["gTHg"])) and len(h["actual"]) == 4
    assert len(spec.history["top"]) == 2
    assert all(t >= b for t, b in zip(spec.history["top"], spec.history["bottom"]))


def test_plot_returns_figure():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    model, loss, X, y = _linear_problem(2)
    mon = CurvatureMonitor()
    po.fit(model, loss, po.optim.SGD(model.parameters(), lr=0.01), X, y, epochs=1, batch_size=16,
           callbacks=[mon], progress=False)
    fig = mon.plot()
    assert len(fig.axes) == 2
    plt.close(fig)
    spec = SpectrumMonitor(every=2, k=1, m=8)
    po.fit(model, loss, po.optim.SGD(model.parameters(), lr=0.01), X, y, epochs=1, batch_size=16,
           callbacks=[spec], progress=False)
    assert len(spec.history["top"]) == 2
    fig = spec.plot()
    assert len(fig.axes) == 1
    plt.close(fig)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Invalid every"):
        CurvatureMonitor(every=0)
    with pytest.raises(ValueError, match="Invalid X, y"):
        CurvatureMonitor(X=np.zeros((2, 2)))


def test_book_fig_8_1_gradient_does_not_shrink_while_curvature_grows():
    """Book Fig. 8.1 in a real run (full-batch descent at the edge of stability, Cohen et al. 2021):
    after the first fast drop, gᵀg does not shrink while gᵀHg grows by more than 10x; the Lanczos λ_max
    (an independent computation) sits at 2/ε; ½ε²gᵀHg overtakes εgᵀg on a fraction of the steps."""
    pytest.importorskip("sklearn")
    from pyoptim._tour.diagnostics import _windows, edge_of_stability_run

    lr, total = 0.5, 600
    hist, curv, sharp = edge_of_stability_run(total, lr)
    st = np.asarray(curv.history["step"])
    gTg, gTHg = np.asarray(curv.history["gTg"]), np.asarray(curv.history["gTHg"])
    early, late = _windows(st, total)
    assert np.median(gTg[late]) >= np.median(gTg[early])
    assert np.median(gTHg[late]) >= 10 * np.median(gTHg[early])
    lam = np.asarray(sharp.history["top"])
    np.testing.assert_allclose(lam[-4:], 2 / lr, rtol=0.15)
    assert np.all(gTHg / gTg <= 1.01 * lam.max())          # a Rayleigh quotient never exceeds λ_max
    assert np.mean(0.5 * lr * gTHg[early] > gTg[early]) < 0.1
    assert np.mean(0.5 * lr * gTHg[late] > gTg[late]) > 0.2
    assert hist.history["loss"][-1] < hist.history["loss"][200]
