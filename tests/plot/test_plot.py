"""pyoptim.plot: every function returns a Figure with labelled axes on small inputs, and draws the
numbers it is given (the book's formulas where a figure computes something itself)."""
import io
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import pyoptim as po  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

P = po.plot


class _HeavyBall:
    """A plain-NumPy heavy-ball optimizer in pyoptim's plain-array protocol (step(grads))."""

    def __init__(self, params, lr, momentum=0.0):
        self.params, self.lr, self.momentum = params, lr, momentum
        self.v = [np.zeros_like(p) for p in params]

    def step(self, grads):
        for p, g, v in zip(self.params, grads, self.v):
            v *= self.momentum
            v += g
            p -= self.lr * v


H = np.diag([1.0, 10.0])


def quad(x):
    return 0.5 * x @ H @ x


def quad_grad(x):
    return H @ x


def _labelled(fig):
    assert isinstance(fig, Figure)
    axes = [a for a in fig.axes if a.get_visible() and a.axison]
    assert axes, "no visible axes"
    for a in axes:
        assert a.get_xlabel() or a.get_ylabel(), "an axes without labels"
    return axes


def test_figures_render_as_png_in_jupyter():
    fig = P.curves({"a": [1.0, 2.0]})
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_import_pyoptim_does_not_import_matplotlib():
    code = ("import sys, pyoptim; assert 'matplotlib' not in sys.modules; pyoptim.plot; "
            "assert 'matplotlib' not in sys.modules; pyoptim.plot.figure(); assert 'matplotlib' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_optimizer_path_records_the_iterates():
    x0 = np.array([1.0, -2.0])
    path = P.optimizer_path(lambda p: _HeavyBall(p, 0.05, 0.5), quad_grad, x0, 7)
    assert path.shape == (8, 2)
    # the same recursion written out
    x, v = x0.copy(), np.zeros(2)
    for k in range(7):
        v = 0.5 * v + H @ x
        x = x - 0.05 * v
        np.testing.assert_allclose(path[k + 1], x, rtol=1e-14)
    np.testing.assert_array_equal(path[0], x0)
    # (value, gradient) tuples and objects with .grad work too
    p2 = P.optimizer_path(lambda p: _HeavyBall(p, 0.05, 0.5), lambda x: (quad(x), quad_grad(x)), x0, 7)
    np.testing.assert_array_equal(p2, path)

    class Obj:
        def grad(self, x):
            return quad_grad(x)

    np.testing.assert_array_equal(P.optimizer_path(lambda p: _HeavyBall(p, 0.05, 0.5), Obj(), x0, 7), path)


def test_optimizer_path_stops_when_diverging():
    class Blowup(_HeavyBall):
        def step(self, grads):
            super().step(grads)
            if abs(self.params[0][0]) < 0.5:
                self.params[0][:] = np.inf

    path = P.optimizer_path(lambda p: Blowup(p, 0.2), quad_grad, [1.0, 1.0], 50)
    assert 1 < len(path) < 51 and np.all(np.isfinite(path))
    with pytest.raises(ValueError, match="Invalid steps"):
        P.optimizer_path(lambda p: _HeavyBall(p, 0.1), quad_grad, [1.0, 1.0], -1)


def test_optimizer_path_with_pyoptim_sgd():
    if not hasattr(po.optim, "SGD"):
        pytest.skip("pyoptim.optim.SGD has not landed")
    x0 = np.array([1.0, 1.0])
    path = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.1), quad_grad, x0, 3)
    x = x0.copy()
    for k in range(3):
        x = x - 0.1 * (H @ x)
        np.testing.assert_allclose(path[k + 1], x, rtol=1e-12)


def test_contour_paths():
    paths = {
        "GD": P.optimizer_path(lambda p: _HeavyBall(p, 0.15), quad_grad, [-1.5, 1.0], 20),
        "momentum": P.optimizer_path(lambda p: _HeavyBall(p, 0.05, 0.8), quad_grad, [-1.5, 1.0], 20),
    }
    fig = P.contour_paths(quad, paths, (-2, 2), (-1.5, 1.5), levels=10, minimum=[0, 0], resolution=30)
    (ax,) = _labelled(fig)
    labels = ax.get_legend_handles_labels()[1]
    assert labels[:2] == ["GD (20 steps)", "momentum (20 steps)"] and "minimum" in labels
    gd_line = next(line for line in ax.lines if line.get_label() == "GD (20 steps)")
    np.testing.assert_array_equal(gd_line.get_xydata(), paths["GD"])
    # Okabe-Ito colours in order
    assert gd_line.get_color().lower() == P.OKABE_ITO["blue"].lower()
    with pytest.raises(ValueError, match="Invalid paths"):
        P.contour_paths(quad, {"bad": np.zeros((3, 3))}, resolution=10)


def test_contour_paths_on_a_given_axes():
    fig0, axes = P.figure((8, 3), 1, 2)
    fig = P.contour_paths(quad, {"a": np.zeros((2, 2))}, ax=axes[1], resolution=10)
    assert fig is fig0 and axes[1].get_xlabel()


def _history():
    n = 12
    return {"loss": np.linspace(1, 0.1, n), "val_loss": np.r_[np.linspace(1.1, 0.4, 8), [0.42, 0.45, 0.5, 0.6]],
            "accuracy": np.linspace(0.5, 1, n), "val_accuracy": np.linspace(0.4, 0.9, n)}


def test_loss_curves_marks_the_best_epoch():
    fig = P.loss_curves(_history(), mark_epoch="best")
    (ax,) = _labelled(fig)
    marks = [line for line in ax.lines if line.get_label().startswith("stop")]
    assert len(marks) == 1 and marks[0].get_xdata()[0] == 7  # argmin of val_loss
    fig = P.loss_curves(_history(), metrics=["loss", "val_loss", "accuracy", "val_accuracy"], mark_epoch=3)
    axes = _labelled(fig)
    assert len(axes) == 2 and axes[1].get_ylabel().startswith("accuracy")

    class Hist:  # History-like: .history and .epoch
        history = _history()
        epoch = list(range(1, 13))

    class Stopper:
        best_epoch = 5
        stopped_epoch = 9

    (ax,) = _labelled(P.loss_curves(Hist(), mark_epoch=Stopper()))
    assert ax.lines[0].get_xdata()[0] == 1
    labels = ax.get_legend_handles_labels()[1]
    assert "best epoch 5 (restored)" in labels and "stopped (epoch 9)" in labels
    with pytest.raises(ValueError, match="Invalid metrics"):
        P.loss_curves(_history(), metrics=["nope"])
    with pytest.raises(ValueError, match="Invalid mark_epoch"):
        P.loss_curves({"loss": [1, 2]}, mark_epoch="best")


def test_curvature():
    fig = P.curvature(np.linspace(1, 2, 10), np.linspace(1, 30, 10), lr=0.2)
    (ax,) = _labelled(fig)
    assert ax.get_yscale() == "log" and len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[2].get_ydata(), 0.1 * np.linspace(1, 30, 10))
    with pytest.raises(ValueError, match="Invalid gTHg"):
        P.curvature([1, 2], [1, 2, 3])


def test_sharpness_draws_lambda_max_ratio_and_the_2_over_eps_line():
    fig = P.sharpness([0, 50, 100], [3.0, 3.9, 4.1], lr=0.5, ratio_steps=[0, 5, 10], ratio=[1.0, 2.0, 3.9])
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and ax.get_xlabel() and ax.get_ylabel()
    assert any(len(line.get_ydata()) == 2 and np.allclose(line.get_ydata(), 4.0) for line in ax.get_lines())  # 2/ε
    assert any(len(line.get_ydata()) == 3 and np.allclose(line.get_ydata(), [3.0, 3.9, 4.1]) for line in ax.get_lines())
    with pytest.raises(ValueError, match="lr"):
        P.sharpness([0], [1.0], lr=0.0)
    with pytest.raises(ValueError, match="ratio"):
        P.sharpness([0], [1.0], lr=0.5, ratio=[1.0])
    with pytest.raises(ValueError, match="lam_max"):
        P.sharpness([0, 1], [1.0], lr=0.5)


def test_l2_picture_puts_w_tilde_at_the_book_formula():
    Hm = np.array([[1.0, 0.3], [0.3, 5.0]])
    w_star = np.array([2.0, 1.0])
    fig = P.l2_picture(Hm, w_star, 1.5)
    (ax,) = _labelled(fig)
    wt_line = next(line for line in ax.lines if line.get_label().startswith("$\\tilde w$ (α"))
    lam, Q = np.linalg.eigh(Hm)
    expected = Q @ np.diag(lam / (lam + 1.5)) @ Q.T @ w_star  # book eq. 7.13
    np.testing.assert_allclose(wt_line.get_xydata()[0], expected, rtol=1e-12)
    with pytest.raises(ValueError, match="Invalid alpha"):
        P.l2_picture(Hm, w_star, -1.0)
    with pytest.raises(ValueError, match="Invalid H"):
        P.l2_picture(np.eye(3), w_star, 1.0)


def test_l1_path():
    alphas = np.geomspace(1e-2, 3, 20)
    w_star = np.array([2.0, -1.0, 0.3])
    W = np.sign(w_star) * np.maximum(np.abs(w_star) - alphas[:, None], 0)
    fig = P.l1_path(alphas, W, names=["a", "b", "c"])
    ax, ax2 = _labelled(fig)
    assert ax.get_xscale() == "log"
    assert len([line for line in ax.lines if line.get_label() in "abc"]) == 3
    np.testing.assert_array_equal(ax2.lines[0].get_ydata(), (W != 0).sum(axis=1))
    with pytest.raises(ValueError, match="Invalid W"):
        P.l1_path(alphas, W[:-1])


def test_dropout_masks():
    rng = np.random.default_rng(0)
    m = rng.random((6, 30)) >= 0.25
    (ax,) = _labelled(P.dropout_masks(m, p=0.25))
    assert f"dropped: {1 - m.mean():.2f}" in ax.get_title()
    fig = P.dropout_masks(rng.random((4, 5, 5)) >= 0.5)
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    with pytest.raises(ValueError, match="Invalid masks"):
        P.dropout_masks(np.ones(5))


def test_activation_stats_power_norms_and_hessian_spectrum():
    (ax,) = _labelled(P.activation_stats({"Glorot": np.ones(5), "small": 0.5 ** np.arange(5)}))
    assert [line.get_label() for line in ax.lines] == ["Glorot", "small"]
    t = np.arange(20)
    (ax,) = _labelled(P.power_norms(t, {0.9: 0.9 ** t, 1.1: 1.1 ** t}))
    assert [line.get_label() for line in ax.lines] == ["λ = 0.9", "λ = 1.1"]
    (ax,) = _labelled(P.hessian_spectrum({"a": np.array([-1.0, 1.0, 4.0]), "b": np.array([1.0, 2.0])}))
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["a: λ ∈ [-1, 4], 1 negative", "b: λ ∈ [1, 2], κ = 2"]


def test_gradient_noise_fits_the_slope():
    m = np.array([1, 4, 16, 64])
    (ax,) = _labelled(P.gradient_noise(m, 3.0 / np.sqrt(m)))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "fitted slope -0.50" in ax.lines[0].get_label()
    with pytest.raises(ValueError, match="Invalid stds"):
        P.gradient_noise([1], [1])


def test_curves_image_grid_continuation_bars():
    (ax,) = _labelled(P.curves({"a": [1, 2, 3], "b": [3, 2, 1]}, xlabel="k", ylabel="loss", logy=True))
    assert ax.get_xlabel() == "k" and len(ax.lines) == 2
    fig = P.image_grid(np.random.default_rng(0).random((5, 64)), ncols=3, title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 6 and sum(a.axison for a in fig.axes) == 5
    _labelled(fig)
    with pytest.raises(ValueError, match="Invalid images"):
        P.image_grid(np.zeros((2, 7)))
    (ax,) = _labelled(P.continuation(lambda x: x ** 2 + np.sin(5 * x), {1.0: lambda x: x ** 2},
                                     path=[2.0, 1.0, 0.0], points={"end": 0.0}))
    assert len(ax.lines) == 4
    (ax,) = _labelled(P.histograms({"a": [0.0, 0.0, 1.0, 2.0], "b": [1.0, 2.0]}, bins=4))
    assert ax.get_legend_handles_labels()[1] == ["a (50% zeros)", "b (0% zeros)"]
    (ax,) = _labelled(P.bars({"clean": 0.9, "adversarial": 0.3}, ylabel="accuracy"))
    assert len(ax.patches) == 2


def test_style_context_sets_the_palette():
    with P.style():
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == P.OKABE_ITO["blue"]
    assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] != P.OKABE_ITO["blue"]


def _drawn_svg(fig) -> str:
    """The figure as drawn, with its texts kept as text (not glyph paths), so a test can read them."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def test_set_language_ko_draws_titles_labels_and_legends_in_korean_with_a_hangul_font():
    pytest.importorskip("koreanize_matplotlib")          # ships the NanumGothic file the test extra installs
    fig = P.curvature(np.linspace(1, 2, 10), np.linspace(1, 30, 10), lr=0.2)
    fig.axes[0].set_title("Hessian spectrum")             # a text set on the figure by hand is translated too
    with P.language("ko"):
        assert P.get_language() == "ko"
        fig.savefig(io.BytesIO(), format="png")            # warnings are errors here: no missing glyph
        svg = _drawn_svg(fig)
    assert "학습 단계" in svg and "헤시안 스펙트럼" in svg and "training step" not in svg
    assert P.hangul_font() in svg                        # the Korean texts are drawn in the Hangul font
    ax = fig.axes[0]
    assert ax.get_xlabel() == "training step" and ax.get_title() == "Hessian spectrum"   # the figure keeps its texts
    assert P.get_language() == "en"                       # the context restored English
    assert "training step" in _drawn_svg(fig) and "학습 단계" not in _drawn_svg(fig)
    fig2 = P.contour_paths(lambda x: x @ x, {"gd": np.array([[1.0, 1.0], [0.5, 0.5], [0.0, 0.0]])})
    with P.language("ko"):
        svg2 = _drawn_svg(fig2)
    assert "gd (2단계)" in svg2
    labels = [t.get_text() for t in fig2.axes[0].get_legend().get_texts()]
    assert "gd (2 steps)" in labels                       # code reading the legend back sees the same text


def test_set_language_rejects_unknown_and_falls_back_without_a_hangul_font(monkeypatch):
    with pytest.raises(ValueError, match="Invalid lang"):
        P.set_language("fr")
    monkeypatch.setattr(P, "hangul_font", lambda: None)
    with pytest.warns(UserWarning, match="koreanize-matplotlib"):
        assert P.set_language("ko") == "en"
    assert P.get_language() == "en"
