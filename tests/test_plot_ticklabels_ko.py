"""Tick labels given as names (plot.bars, set_xticks(..., labels)) are translated like every other text."""
import io

import pytest
from matplotlib import ticker

from pyoptim import plot as P
from pyoptim._lang import catalog


def test_bar_and_fixed_tick_names_are_drawn_in_korean_with_a_hangul_font():
    pytest.importorskip("koreanize_matplotlib")          # ships the NanumGothic file the test extra installs
    strings, _ = catalog("ko")
    fig = P.bars({"no augmentation\nclean": 0.9, "augmented": 0.8}, ylabel="test accuracy")   # set_xticks labels
    fig2, ax2 = P.figure()
    ax2.plot([0, 1], [0, 1])
    ax2.yaxis.set_major_locator(ticker.FixedLocator([0.0, 1.0]))
    ax2.yaxis.set_major_formatter(ticker.FixedFormatter(["clean", "shifted"]))
    with P.language("ko"):
        fig.savefig(io.BytesIO(), format="png")        # warnings are errors here: no missing glyph
        fig2.savefig(io.BytesIO(), format="png")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == [strings["no augmentation"] + "\n" + strings["clean"], strings["augmented"]]
    assert [t.get_text() for t in ax2.get_yticklabels()] == [strings["clean"], strings["shifted"]]
    fam = fig.axes[0].get_xticklabels()[0].get_fontfamily()
    assert P._hangul_font() in fam
    fig3 = P.bars({"augmented": 0.8}, ylabel="test accuracy")
    fig3.savefig(io.BytesIO(), format="png")           # English stays English
    assert [t.get_text() for t in fig3.axes[0].get_xticklabels()] == ["augmented"]
