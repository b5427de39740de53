"""Book 8.2.4: on a cliff the raw gradient step is catapulted far away; clipping bounds the step.
Norm clipping keeps the direction exactly; value clipping (elementwise) does not."""
import numpy as np
import pytest

from pyoptim import functions as F
from pyoptim.optim import clip_grad_norm_, clip_grad_value_


def test_norm_clipping_bounds_step_and_keeps_direction():
    f = F.cliff()
    x = np.array([1.0, 0.5])            # at the wall, x = c
    g = f.grad(x)
    assert np.linalg.norm(g) > 50       # the cliff: ~h·k/4 against ~1 elsewhere
    lr, max_norm = 0.1, 1.0
    raw_step = -lr * g
    assert np.linalg.norm(raw_step) > 5          # the unclipped step jumps far past the bowl
    gc = g.copy()
    total = clip_grad_norm_([gc], max_norm)
    assert float(total) == pytest.approx(np.linalg.norm(g))
    assert np.linalg.norm(lr * gc) <= lr * max_norm * (1 + 1e-6)
    np.testing.assert_allclose(gc / np.linalg.norm(gc), g / np.linalg.norm(g), rtol=0, atol=1e-15)
    # the clipped step stays near the wall and lowers the cost; the raw one lands far away
    assert np.linalg.norm(x - lr * gc - x) <= lr * max_norm * (1 + 1e-6)
    assert f.fun(x - lr * gc) < f.fun(x)
    assert abs((x + raw_step)[0]) > 5


def test_value_clipping_bounds_but_changes_direction():
    f = F.cliff()
    x = np.array([1.0, 0.5])
    g = f.grad(x)
    gv = g.copy()
    clip_grad_value_([gv], 0.4)
    assert np.abs(gv).max() <= 0.4
    cos = gv @ g / (np.linalg.norm(gv) * np.linalg.norm(g))
    assert cos < 0.999          # elementwise clipping bends the direction (here towards the y axis)
