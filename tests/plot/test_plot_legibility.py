"""Legibility of pyoptim's figures, where it is checkable: every panel has axis labels, image grids carry
a colour key, bar names do not collide, no two texts overlap (minor log-axis tick labels included), no
text too small at notebook width, no legend over the data, paths that overlap get a panel each, and in Korean every glyph is drawn (Hangul next to mathtext
included) with DejaVu Sans drawing the symbols NanumGothic draws small (‖ ² ≤ ½ √)."""
import io
import logging
import re

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import pyoptim as po  # noqa: E402

P = po.plot
H = np.diag([1.0, 10.0])


def _every_figure():
    rng = np.random.default_rng(0)
    path = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.05), lambda x: H @ x, [-1.5, 1.0], 20)
    hist = {"loss": np.linspace(1, 0.1, 10), "val_loss": np.linspace(1.2, 0.5, 10),
            "accuracy": np.linspace(0.5, 0.9, 10), "val_accuracy": np.linspace(0.4, 0.8, 10)}
    return {
        "contour_paths": P.contour_paths(lambda x: 0.5 * x @ H @ x, {"gd": path}, resolution=15, minimum=[0, 0]),
        "loss_curves": P.loss_curves(hist, metrics=list(hist), mark_epoch="best"),
        "curvature": P.curvature(np.linspace(1, 2, 10), np.linspace(1, 30, 10), lr=0.2),
        "sharpness": P.sharpness([0, 5, 10], [1.0, 2.0, 3.9], lr=0.5),
        "l2_picture": P.l2_picture(np.diag([0.6, 5.0]), np.array([2.0, 1.0]), 1.0),
        "l1_path": P.l1_path(np.geomspace(0.01, 3, 12), rng.random((12, 3))),
        "dropout_masks": P.dropout_masks(rng.random((6, 20)) > 0.5, p=0.5),
        "activation_stats": P.activation_stats({"Glorot": np.ones(5)}),
        "gradient_noise": P.gradient_noise([1, 4, 16], [1.0, 0.5, 0.25]),
        "power_norms": P.power_norms(np.arange(10), {0.9: 0.9 ** np.arange(10)}),
        "hessian_spectrum": P.hessian_spectrum(rng.standard_normal(50)),
        "curves": P.curves({"a": [1.0, 2.0, 3.0]}),
        "histograms": P.histograms({"a": rng.standard_normal(100)}),
        "continuation": P.continuation(lambda x: x ** 2, {0.5: lambda x: x ** 2 + 0.25}),
        "bars": P.bars({"greedy pretraining\n+ fine-tuning": 0.8, "from scratch\n(same epochs)": 0.9}),
    }


def test_every_panel_has_axis_labels():
    for name, fig in _every_figure().items():
        for ax in fig.axes:
            assert ax.get_ylabel(), f"{name}: a panel without a y label"
            # the x axis is named by its label, by the label of the panel it shares x with (l1_path's
            # two panels), or (bars) by a name under every bar
            names = [t.get_text() for t in ax.get_xticklabels()] if name == "bars" else []
            shared = any(a.get_xlabel() for a in ax.get_shared_x_axes().get_siblings(ax) if a is not ax)
            assert ax.get_xlabel() or shared or (names and all(names)), f"{name}: a panel without an x label"


def test_image_grids_carry_a_colour_key():
    rng = np.random.default_rng(0)
    fig = P.image_grid(np.concatenate([rng.random((3, 64)), rng.standard_normal((3, 64))]), ncols=3,
                       symmetric=[False] * 3 + [True] * 3)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["lowest value", "highest value", "negative", "zero",
                                                          "positive"]
    # the key's swatches are the colours the images are drawn with
    swatches = [h.get_facecolor() for h in legend.legend_handles]
    cmap = fig.axes[3].images[0].get_cmap()
    np.testing.assert_allclose(swatches[2], cmap(0.0))
    np.testing.assert_allclose(swatches[4], cmap(1.0))
    fig = P.image_grid(rng.random((2, 64)), vmin=0, vmax=1)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["0", "1"]
    assert P.image_grid(rng.random((2, 64)), key=False).legends == []
    assert P.dropout_masks(rng.random((4, 5, 5)) > 0.5).legends                 # masks as images: keyed too


def _boxes(fig, texts):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    r = fig.canvas.get_renderer()
    return [t.get_window_extent(r) for t in texts if t.get_text()]


def test_bar_names_are_level_when_broken_into_lines_and_never_overlap():
    for values in ({"greedy pretraining\n+ fine-tuning": 0.876, "from scratch\n(same epochs)": 0.948},
                   {f"MC average, k = {k}": 0.9 for k in (1, 4, 32)} | {"no dropout": 0.9, "dropout p = 0.5": 0.9},
                   {"a": 1.0, "b": 2.0}):
        fig = P.bars(values)
        ax = fig.axes[0]
        ticks = ax.get_xticklabels()
        if any("\n" in n for n in values):
            assert all(t.get_rotation() == 0 for t in ticks)
        boxes = _boxes(fig, ticks)
        for i in range(len(boxes) - 1):
            assert boxes[i].x1 <= boxes[i + 1].x0 + 1, f"bar names {i} and {i + 1} overlap: {list(values)}"
        axis_box = ax.get_window_extent(fig.canvas.get_renderer())
        assert all(b.y1 <= axis_box.y0 + 1 for b in boxes), "a bar name reaches into the axes"


def _svg(fig):
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def test_korean_figures_draw_every_glyph_and_symbols_in_dejavu(caplog):
    pytest.importorskip("koreanize_matplotlib")   # (importing it makes NanumGothic the session's font: covered)
    figs = _every_figure()
    figs["l1_path"].axes[0].set_ylabel("weight $w_i$")             # Hangul + mathtext after translation
    figs["curves"].axes[0].set_ylabel("‖w‖² ≤ k, loss")             # symbols in plain text
    with caplog.at_level(logging.WARNING), P.language("ko"):
        for name, fig in figs.items():
            fig.savefig(io.BytesIO(), format="png")                  # warnings are errors: no missing glyph
        svg = _svg(figs["curves"])
    assert not [r for r in caplog.records if "glyph" in r.getMessage()], [r.getMessage() for r in caplog.records]
    # the plain Korean text: DejaVu Sans first (it draws ‖ ² ≤), the Hangul font behind it
    style = re.search(r'style="([^"]*)"[^>]*>단계</text>', svg).group(1)
    fams = re.search(r"font-family: ([^;]*)", style).group(1)
    assert fams.split(",")[0].strip(" '") == "DejaVu Sans" and P.hangul_font() in fams
    # Hangul next to mathtext: the Hangul font first (mathtext has no per-glyph fallback)
    from pyoptim.plot._language import _hangul_families
    assert _hangul_families("가중치 $w_i$", "NanumGothic", [])[0] == "NanumGothic"
    assert _hangul_families("가중치 ‖w‖²", "NanumGothic", [])[0] == "DejaVu Sans"
    assert _hangul_families("비용 \\$5", "NanumGothic", [])[0] == "DejaVu Sans"   # an escaped dollar is no math


def test_symbols_next_to_mathtext_and_hangul_go_into_the_math():
    from pyoptim.plot._language import _symbols_to_math
    assert _symbols_to_math("$\\tilde w$: α를 0에서 ∞까지") == "$\\tilde w$: $α$를 0에서 $∞$까지"
    assert _symbols_to_math("가중치 $w_i$") == "가중치 $w_i$"                 # nothing outside to move
    assert _symbols_to_math("$a$ ‖w‖² $b$") == "$a$ $‖$w$‖²$ $b$"


def _problems(fig):
    from legibility import problems
    return problems(fig)


def _more_figures():
    rng = np.random.default_rng(1)
    f = po.functions.rosenbrock(2)
    paths = {m: po.minimize(f, f.x0, method=m, options={"return_path": True}).path for m in ("cg", "bfgs")}
    return {
        "path_panels": P.path_panels(f, paths, (-1.6, 1.6), (-0.6, 1.6), np.geomspace(0.05, 500, 12),
                                     minimum=f.xmin, resolution=30, title="Rosenbrock"),
        "hessian_spectrum, two": P.hessian_spectrum({"at initialization": rng.standard_normal(300) * 0.3,
                                                     "after training": np.abs(rng.standard_normal(300))}, bins=60),
        "l1_path, named": P.l1_path(np.geomspace(1e-3, 3, 40), np.outer(np.geomspace(1, 0.01, 40), np.arange(1, 7)),
                                    names=[f"w{i}* = {i}" for i in range(1, 7)]),
        "dropout_masks, rows": P.dropout_masks(rng.random((12, 40)) > 0.5, p=0.5),
    }


def test_no_text_overlaps_or_is_too_small_and_no_legend_covers_the_data():
    figs = _every_figure() | _more_figures()
    found = {name: _problems(fig) for name, fig in figs.items()}
    assert not any(found.values()), {k: v for k, v in found.items() if v}


def test_the_legibility_check_can_fail():
    # minor tick labels of a log axis spanning less than a decade run into each other (2×10⁻² 3×10⁻² …)
    fig, ax = P.figure((3.5, 3.0))
    ax.loglog([0.0125, 0.1], [0.006, 0.06], "o-")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    assert any("overlap" in p and "times10" in p for p in _problems(fig))
    # 8-pt legend text in an 11-inch two-panel figure is about 6.5 pt at notebook width
    fig, axes = P.figure((11, 3.8), 1, 2)
    for a in axes:
        a.plot([0, 1], [0, 1], label="a line")
        a.set_xlabel("x")
        a.set_ylabel("y")
    axes[0].legend(fontsize=8, loc="lower right")
    assert [p for p in _problems(fig) if "pt" in p] == [
        "text 'a line' is 8 pt, seen at 6.55 pt (< 7 pt) in a figure 11 inches wide"]
    # a legend over the line it explains, and a bar under a legend
    fig, ax = P.figure((5.5, 3.8))
    ax.plot(np.linspace(0, 1, 50), np.full(50, 0.97), label="near the top")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    assert any("covers" in p for p in _problems(fig))
    fig = P.hessian_spectrum(np.zeros(50))    # every bar in one bin that fills the panel's height...
    assert not _problems(fig)                 # ...still leaves the legend its headroom


def test_path_panels_draw_one_path_per_panel_with_one_shared_key():
    f = po.functions.rosenbrock(2)
    paths = {m: po.minimize(f, f.x0, method=m, options={"return_path": True}).path for m in ("gd", "cg", "bfgs")}
    fig = P.path_panels(f, paths, minimum=f.xmin, resolution=20, ncols=2)
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == 3 and len(fig.axes) == 4                     # a 2x2 grid, the fourth cell hidden
    _problems(fig)                                                      # (drawn: tick labels made)
    assert [any(t.get_text() for t in a.get_xticklabels()) for a in visible] == [False, True, True], \
        "the panel over the empty cell shows its θ₁ tick labels"
    for ax, (name, path) in zip(visible, paths.items()):
        assert ax.get_title() == f"{name} ({len(path) - 1} steps)"
        (drawn,) = [line.get_xydata() for line in ax.lines if len(line.get_xydata()) > 1]
        np.testing.assert_array_equal(drawn, path)
        assert ax.get_xlim() == visible[0].get_xlim() and ax.get_ylim() == visible[0].get_ylim()
        xlo, xhi = ax.get_xlim()
        ylo, yhi = ax.get_ylim()                                         # the default view holds every path
        assert xlo < path[:, 0].min() and path[:, 0].max() < xhi and ylo < path[:, 1].min() and path[:, 1].max() < yhi
    (key,) = fig.legends
    assert [t.get_text() for t in key.get_texts()] == ["start", "end", "minimum"]
    # into a subfigure, without a key: two problems stacked in one figure
    fig, _ = P.figure((8, 6), 0)
    top, bottom = fig.subfigures(2, 1)
    P.path_panels(f, paths, fig=top, key=False, resolution=10)
    P.path_panels(f, paths, fig=bottom, resolution=10)
    assert len(fig.axes) == 6 and not top.legends and len(bottom.legends) == 1
    with pytest.raises(ValueError, match="paths"):
        P.path_panels(f, {"bad": np.zeros((3, 3))})


def test_path_panels_in_korean(caplog):
    pytest.importorskip("koreanize_matplotlib")
    f = po.functions.rosenbrock(2)
    fig = P.path_panels(f, {"gd": np.array([f.x0, f.xmin])}, minimum=f.xmin, resolution=10)
    from pyoptim.plot._language import translate_texts, restore_texts
    saved = translate_texts(fig, "ko")
    try:
        assert [t.get_text() for t in fig.legends[0].get_texts()] == ["시작점", "끝점", "최솟값"]
        assert fig.axes[0].get_title() == "gd (1단계)"
    finally:
        restore_texts(saved)
