"""Book 8.7.3 inside fit: a model trained with Averaged is validated with the averaged weights."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim import nn


def test_fit_validates_with_averaged_weights():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    y = X @ rng.standard_normal((4, 1)) + 0.5 * rng.standard_normal((200, 1))
    model = nn.Sequential(nn.Dense(4, 1, seed=0, dtype=np.float64))
    loss = nn.MSELoss()
    avg = po.optim.Averaged(po.optim.SGD(model.parameters(), lr=0.05), mode="polyak", start=100)
    hist = po.fit(model, loss, avg, X, y, epochs=4, batch_size=4, validation_data=(X, y), progress=False)
    live = po.evaluate(model, loss, X, y)["loss"]
    avg.swap()
    averaged = po.evaluate(model, loss, X, y)["loss"]
    avg.swap()
    assert hist.history["val_loss"][-1] == pytest.approx(averaged, rel=1e-12)
    assert hist.history["val_loss"][-1] != pytest.approx(live, rel=1e-6)
    # under SGD noise the averaged iterate is the better one (book 8.7.3)
    assert averaged < live
