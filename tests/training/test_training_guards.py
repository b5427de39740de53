"""fit's guard rails (issue 13 item 6): a warning when the optimizer holds none of the model's parameters,
and a warning naming the learning rate when the training loss grows by orders of magnitude."""
import warnings

import numpy as np
import pytest

import pyoptim as po
from pyoptim import nn


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 4)) * np.array([1.0, 1.0, 3.0, 6.0])
    y = X @ rng.standard_normal((4, 2))
    return X, y


def _model(seed=1):
    return nn.Sequential(nn.Dense(4, 2, seed=seed, dtype=np.float64))


def test_an_optimizer_built_on_another_model_warns_and_the_model_stays_unchanged():
    X, y = _problem()
    model, other = _model(), _model(2)
    before = [p.data.copy() for p in model.parameters()]
    with pytest.warns(UserWarning, match=r"the optimizer holds none of the model's 2 parameters"):
        po.fit(model, nn.MSELoss(), po.optim.SGD(other.parameters(), lr=0.01), X, y, epochs=1, progress=False)
    for b, p in zip(before, model.parameters()):
        np.testing.assert_array_equal(b, p.data)      # the warning told the truth: nothing moved


@pytest.mark.parametrize("make_opt", [
    lambda m: po.optim.SGD(m.parameters(), lr=0.01),
    lambda m: po.optim.Averaged(po.optim.SGD(m.parameters(), lr=0.01)),         # through a wrapper
    lambda m: po.optim.SGD([m.parameters()[0]], lr=0.01),                       # some of them
])
def test_an_optimizer_holding_the_models_parameters_is_quiet(make_opt):
    X, y = _problem()
    model = _model()
    before = [p.data.copy() for p in model.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        po.fit(model, nn.MSELoss(), make_opt(model), X, y, epochs=1, progress=False)
    assert any(not np.array_equal(b, p.data) for b, p in zip(before, model.parameters()))


def _largest_stable_lr(X, batch):
    # MSELoss over 2 outputs of a linear model: the Hessian wrt each output column's weights is
    # (2 / (N·2)) XᵀX per batch; gradient descent is stable while lr < 2 / λ_max (book 4.3)
    return 2.0 / np.linalg.eigvalsh(X[:batch].T @ X[:batch] / batch).max()


def test_divergence_warns_naming_the_lr_and_a_stable_lr_does_not():
    X, y = _problem()
    crit = _largest_stable_lr(X, len(X))
    lr_bad = float(np.float32(3.0 * crit))
    model = _model()
    with pytest.warns(po.training.DivergenceWarning, match=rf"lr={lr_bad:g}.*too large") as rec:
        po.fit(model, nn.MSELoss(), po.optim.SGD(model.parameters(), lr=lr_bad), X, y, epochs=40,
               batch_size=None, progress=False, on_nonfinite="stop")
    divergence = [w for w in rec if issubclass(w.category, po.training.DivergenceWarning)]
    assert len(divergence) == 1                                            # once per fit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = _model()
        hist = po.fit(model, nn.MSELoss(), po.optim.SGD(model.parameters(), lr=0.5 * crit), X, y, epochs=40,
                      batch_size=None, progress=False)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_divergence_is_measured_on_the_loss_not_on_its_size():
    # the loss the warning compares is the one fit records: a run whose recorded loss grows 1000x warns
    X, y = _problem()
    model = _model()
    crit = _largest_stable_lr(X, len(X))
    with pytest.warns(po.training.DivergenceWarning):
        hist = po.fit(model, nn.MSELoss(), po.optim.SGD(model.parameters(), lr=4.0 * crit), X, y, epochs=40,
                      batch_size=None, progress=False, on_nonfinite="stop")
    losses = np.array(hist.history["loss"])
    assert np.nanmax(losses[np.isfinite(losses)]) > 1e3 * losses[0]
