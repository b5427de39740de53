"""Book 7.8: early stopping (callback, equivalence with L2 decay, Algorithms 7.2 and 7.3)."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim import regularization as reg
from pyoptim.callbacks import Callback, EarlyStopping


def test_gd_early_stopping_matches_l2_with_alpha_one_over_tau_eps():
    """Book eq. 7.40-7.45: τ steps of rate ε from 0 scale w* along eigenvector i by 1 − (1 − ελᵢ)^τ;
    L2 decay scales it by λᵢ/(λᵢ + α). In the book's regime (ελᵢ ≪ 1, λᵢ ≪ α) they agree for
    α = 1/(τε), with a relative gap ≈ τελᵢ/2 that vanishes as λᵢ → 0."""
    rng = np.random.default_rng(0)
    n = 6
    lam = np.geomspace(1e-4, 1e-2, n)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    H = Q @ np.diag(lam) @ Q.T
    w_star = rng.standard_normal(n)
    lr, tau = 0.5, 20
    alpha = reg.equivalent_alpha(lr, tau)
    assert alpha == pytest.approx(0.1)
    w_tau = reg.gd_from_zero(H, w_star, lr, tau)
    f_gd = (Q.T @ w_tau) / (Q.T @ w_star)
    np.testing.assert_allclose(f_gd, reg.gd_factors(lam, lr, tau), rtol=1e-9)      # eq. 7.40 holds
    f_l2 = reg.l2_shrinkage_factors(lam, alpha)
    np.testing.assert_allclose(f_l2, (Q.T @ reg.l2_quadratic_minimum(H, w_star, alpha)) / (Q.T @ w_star), rtol=1e-9)
    x = tau * lr * lam
    gap = np.abs(f_gd / f_l2 - 1)
    assert np.all(gap <= 0.6 * x + 1e-12)                  # first-order agreement
    assert gap[0] < 1e-3 and np.all(np.diff(gap) > 0)      # better and better as λ -> 0
    # outside the regime (λ ≈ α) the correspondence is only qualitative
    big = reg.gd_factors([0.1], lr, tau)[0] / reg.l2_shrinkage_factors([0.1], alpha)[0]
    assert abs(big - 1) > 0.2


class _FakeTrainer:
    def __init__(self, model):
        self.model, self.stop_training = model, False


def test_early_stopping_logic_patience_min_delta_and_restore():
    model = po.nn.Sequential(po.nn.Dense(2, 2, seed=0))
    es = EarlyStopping(monitor="val_loss", patience=2)
    tr = _FakeTrainer(model)
    es.on_train_begin(tr)
    values = [5.0, 4.0, 3.0, 3.5, 3.2, 3.6, 1.0]
    snap = None
    for epoch, v in enumerate(values):
        model[0].weight.data[...] = epoch
        if epoch == 2:
            snap = model[0].weight.data.copy()
        es.on_epoch_end(epoch, {"val_loss": v})
        if tr.stop_training:
            break
    assert es.best == 3.0 and es.best_epoch == 2 and es.stopped_epoch == 4
    es.on_train_end({})
    np.testing.assert_array_equal(model[0].weight.data, snap)
    # min_delta: an improvement smaller than min_delta does not count
    es2 = EarlyStopping(patience=1, min_delta=0.5)
    es2.on_train_begin(_FakeTrainer(model))
    for e, v in enumerate([3.0, 2.8, 2.7]):
        es2.on_epoch_end(e, {"val_loss": v})
    assert es2.best_epoch == 0 and es2.stopped_epoch == 1
    # mode="max"
    es3 = EarlyStopping(monitor="val_accuracy", patience=1, mode="max")
    es3.on_train_begin(_FakeTrainer(model))
    for e, v in enumerate([0.5, 0.7, 0.6]):
        es3.on_epoch_end(e, {"val_accuracy": v})
    assert es3.best == 0.7 and es3.stopped_epoch == 2
    with pytest.raises(KeyError, match="val_loss"):
        EarlyStopping().on_epoch_end(0, {"loss": 1.0})


@pytest.mark.parametrize("kw,name", [({"patience": -1}, "patience"), ({"min_delta": -0.1}, "min_delta"),
                                     ({"mode": "auto"}, "mode"), ({"monitor": 3}, "monitor")])
def test_early_stopping_validation(kw, name):
    with pytest.raises(ValueError, match=f"Invalid {name}"):
        EarlyStopping(**kw)


def _overfit_problem():
    X, y = po.datasets.blobs(n=120, centers=3, d=10, std=3.0, seed=0)
    Xv, yv = po.datasets.blobs(n=300, centers=3, d=10, std=3.0, seed=0)  # same centres (same seed), more points
    return X[:40], y[:40], Xv[40:], yv[40:]


def test_early_stopping_in_fit_restores_the_best_epoch():
    X, y, Xv, yv = _overfit_problem()
    model = po.nn.Sequential(po.nn.Dense(10, 64, seed=0), po.nn.ReLU(), po.nn.Dense(64, 3, seed=1))
    opt = po.optim.Adam(model.parameters(), lr=0.02)
    es = EarlyStopping("val_loss", patience=5)
    snaps = []

    class Snap(Callback):
        def on_epoch_end(self, epoch, logs):
            snaps.append(model.state_dict())
    h = po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=300, batch_size=10,
               validation_data=(Xv, yv), callbacks=[Snap(), es], progress=False)
    assert es.stopped_epoch is not None and es.stopped_epoch < 299       # it stopped early
    assert es.stopped_epoch == es.best_epoch + 5
    vl = h.history["val_loss"]
    assert es.best == min(vl) and vl.index(min(vl)) == es.best_epoch
    for k, v in snaps[es.best_epoch].items():
        np.testing.assert_array_equal(model.state_dict()[k], v)
    assert po.evaluate(model, po.nn.SoftmaxCrossEntropy(), Xv, yv)["loss"] == pytest.approx(es.best, rel=1e-6)
    assert h.history["loss"][-1] < h.history["loss"][es.best_epoch]     # training loss kept falling


def test_retraining_strategies_algorithms_7_2_and_7_3():
    X, y = po.datasets.blobs(n=200, centers=3, d=4, std=2.0, seed=2)

    def make_model():
        return po.nn.Sequential(po.nn.Dense(4, 16, seed=0), po.nn.ReLU(), po.nn.Dense(16, 3, seed=1))

    def make_opt(m):
        return po.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
    loss = po.nn.SoftmaxCrossEntropy()
    m1, info1 = reg.retrain_same_steps(make_model, loss, make_opt, X, y, max_epochs=40, patience=3)
    assert 1 <= info1["best_epochs"] <= 40
    assert len(info1["history"].history["loss"]) == info1["best_epochs"]
    assert po.evaluate(m1, loss, X, y)["accuracy"] > 0.8
    m2, info2 = reg.continue_until_loss(make_model, loss, make_opt, X, y, max_epochs=40, patience=3, extra_epochs=20)
    assert info2["target"] > 0
    if info2["reached"]:
        from pyoptim.regularization.early_stopping import _split
        _, va = _split(X, y, 0.2, 0)
        assert po.evaluate(m2, loss, X[va], y[va])["loss"] <= info2["target"]
    assert po.evaluate(m2, loss, X, y)["accuracy"] > 0.8
