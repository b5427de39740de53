"""pyoptim.plot.interactive_*: each slider's callback redraws the figure with different data.

The tests call ``Interactive.update`` (what every slider is bound to) and also fire the slider itself
(``slider.value = ...`` triggers the bound observer), then compare the drawn data before and after.
They skip cleanly when ipywidgets (the "notebooks" extra) is absent; the static fallback is tested
without it.
"""
import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import pyoptim as po  # noqa: E402

P = po.plot


def _data(fig):
    """Every line's and bar's data in the figure, as one flat array."""
    parts = []
    for ax in fig.axes:
        for line in ax.lines:
            parts.append(np.asarray(line.get_xydata(), dtype=float).ravel())
        for patch in ax.patches:
            parts.append(np.array([patch.get_height()], dtype=float))
        for im in ax.images:
            parts.append(np.asarray(im.get_array(), dtype=float).ravel())
    return np.concatenate(parts) if parts else np.zeros(0)


def _changes(inter, name, value):
    before = _data(inter.fig)
    slider = inter.sliders[name]
    slider.value = value                      # fires the observer the slider is bound to
    assert inter.values[name] == pytest.approx(value)
    after = _data(inter.fig)
    assert before.shape != after.shape or not np.allclose(before, after, equal_nan=True)
    return after


def _bumpy(x):
    return 0.1 * np.asarray(x) ** 2 + np.sin(3 * np.asarray(x))


def _bumpy_smoothed(sigma):
    # the Gaussian smoothing of sin(3x) is exp(-9 sigma^2 / 2) sin(3x); of 0.1 x^2 it adds 0.1 sigma^2
    return lambda x: 0.1 * (np.asarray(x) ** 2 + sigma ** 2) + np.exp(-4.5 * sigma ** 2) * np.sin(3 * np.asarray(x))


def test_interactive_widgets_drive_the_figures():
    pytest.importorskip("ipywidgets")
    inter = P.interactive_l2(np.diag([1.0, 8.0]), np.array([2.0, 1.0]), alpha=1.0)
    assert set(inter.sliders) == {"alpha"} and inter.widget is not None
    _changes(inter, "alpha", 5.0)

    inter = P.interactive_l1([2.0, -1.0, 0.5], [1.0, 1.0, 1.0], alpha=0.1)
    _changes(inter, "alpha", 1.2)
    assert "2 of 3 weights exactly zero" in inter.fig.axes[0].get_title()

    inter = P.interactive_dropout(20, 5, p=0.2, seed=1)
    _changes(inter, "p", 0.7)

    inter = P.interactive_continuation(_bumpy, _bumpy_smoothed, sigma=0.2, x0=2.0)
    _changes(inter, "sigma", 1.5)


def test_interactive_trajectories_sliders():
    pytest.importorskip("ipywidgets")
    if not all(hasattr(po.optim, n) for n in ("SGD", "Adam", "RMSprop")):
        pytest.skip("pyoptim.optim's SGD/Adam/RMSprop have not landed")
    Hm = np.diag([1.0, 10.0])
    inter = P.interactive_trajectories(lambda x: 0.5 * x @ Hm @ x, [-1.5, 1.0], grad=lambda x: Hm @ x,
                                       lr=0.05, momentum=0.5, beta=0.9, steps=15,
                                       methods=("GD", "momentum", "RMSprop", "Adam"))
    assert set(inter.sliders) == {"lr", "momentum", "beta"}
    _changes(inter, "lr", 0.1)
    _changes(inter, "momentum", 0.9)
    _changes(inter, "beta", 0.6)
    with pytest.raises(ValueError, match="Invalid parameter"):
        inter.update(gamma=1.0)


def test_static_fallback_without_widgets(monkeypatch):
    monkeypatch.setattr(P, "have_widgets", lambda: False)
    inter = P.interactive_l2(np.diag([1.0, 8.0]), np.array([2.0, 1.0]), alpha=1.0)
    assert inter.widget is None and inter.sliders == {}
    png = inter._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    before = _data(inter.fig)
    inter.update(alpha=4.0)   # scripting still works without sliders
    assert not np.allclose(before, _data(inter.fig))
