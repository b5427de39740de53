"""Fixed tick labels (bar names, ``ax.set_xticks(ticks, labels)``) are drawn translated with the figure,
and put back afterwards like every other text."""
import io

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from pyoptim import plot as P  # noqa: E402


def _drawn_svg(fig) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def test_bar_names_and_fixed_tick_labels_are_drawn_in_korean():
    pytest.importorskip("koreanize_matplotlib")          # ships the NanumGothic file the test extra installs
    fig = P.bars({"train": 0.9, "validation": 0.7, "SGD": 0.5}, ylabel="accuracy")
    ax = fig.axes[0]
    ax.set_yticks([0.0, 0.5], ["loss", "0.5"])            # labels set by hand on a pyoptim figure
    with P.language("ko"):
        fig.savefig(io.BytesIO(), format="png")            # warnings are errors here: no missing glyph
        svg = _drawn_svg(fig)
    for word in ("학습", "검증", "SGD", "손실", "정확도"):
        assert word in svg
    assert ">train<" not in svg and ">loss<" not in svg
    assert ">train<" in _drawn_svg(fig)                   # English again once the language is back
    assert P.get_language() == "en"


def test_english_figures_keep_their_tick_labels():
    fig = P.bars({"train": 0.9, "validation": 0.7}, ylabel="accuracy")
    fig.savefig(io.BytesIO(), format="png")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["train", "validation"]
    assert np.allclose([p.get_height() for p in fig.axes[0].patches], [0.9, 0.7])
