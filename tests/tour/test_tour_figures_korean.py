"""The tour's figures in Korean (``python -m pyoptim tour --lang ko``): every text of every figure the
tour saves is translated (no English word of the tour's titles left, except English terms in
parentheses after their Korean name), every Axes that shows ticks has its axis labelled, and every figure
is legible as drawn in Korean (tests/_support/legibility.py)."""
import re

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import pyoptim as po  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from pyoptim._tour import figures, main  # noqa: E402
from pyoptim.plot._language import restore_texts, translate_texts  # noqa: E402

if po.plot.hangul_font() is None:  # pragma: no cover - the CI image has NanumGothic
    pytest.skip("no Hangul font", allow_module_level=True)

#: the English words of the tour's titles, labels and legends (optimizer and method code names such as
#: SGD, Adam, gd, newton, bfgs stay as they are: they are names, not English)
ENGLISH = {
    "first", "steps", "step", "on", "an", "ill-conditioned", "quadratic", "book", "and", "the", "of", "start",
    "after", "minimum", "momentum", "condition", "number", "gradient", "descent", "zig-zags", "use",
    "curvature", "runs", "table", "above", "digits", "train", "test", "solid", "dashed", "loss", "vs",
    "accuracy", "epoch", "cross-entropy", "example", "mask", "masked", "input", "ink", "dark", "kept",
    "dropped", "pixel", "row", "unit", "units", "hidden", "dropout", "masks", "examples", "early",
    "stopping", "seed", "wrong", "labels", "clean", "training", "drop", "here", "held-out", "value",
    "best", "restored", "stopped", "sharpness", "limit", "lanczos", "nesterov", "rosenbrock",
}
_PARENS = re.compile(r"\([^()]*\)")   # English terms in parentheses are allowed (the house style)


def _texts_in_korean(fig) -> list[str]:
    """Every visible text of ``fig`` as drawn in Korean."""
    saved = translate_texts(fig, "ko") if type(fig) is not Figure else []
    try:
        return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    finally:
        restore_texts(saved)


def _english_left(text: str) -> set[str]:
    words = re.findall(r"[A-Za-z][A-Za-z\-]*", _PARENS.sub(" ", text))
    return {w for w in words if w.lower() in ENGLISH}


def _unlabelled_axes(fig) -> list[str]:
    bad = []
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison or ax.get_label() == "<colorbar>":
            continue
        if len(ax.get_xticks()) and not ax.get_xlabel().strip():
            bad.append(f"x of {ax.get_title()!r}")
        if len(ax.get_yticks()) and not ax.get_ylabel().strip():
            bad.append(f"y of {ax.get_title()!r}")
    return bad


@pytest.fixture
def saved_figures(monkeypatch):
    """The figures the tour saves, each checked while it is saved (texts translated as they are drawn)."""
    seen = []
    original = Figure.savefig

    def savefig(fig, *args, **kwargs):
        from legibility import problems    # tests/_support: overlapping or too small texts, a key on the data
        # a saved file is looked at in its own size (not shrunk to a notebook's width)
        seen.append((str(args[0]) if args else "?", _texts_in_korean(fig), _unlabelled_axes(fig),
                     type(fig) is not Figure,
                     problems(fig, shown_width=float("inf"), tight=kwargs.get("bbox_inches") == "tight")))
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    figures.reset()
    yield seen
    figures.reset()
    po.plot.set_language("en")


def _check(seen):
    assert seen, "the tour saved no figure"
    problems = []
    for name, texts, unlabelled, translatable, illegible in seen:
        if illegible:
            problems.append(f"{name}: not legible: {illegible}")
        if not translatable:
            problems.append(f"{name}: a plain matplotlib Figure (not translated when drawn)")
        left = {t: sorted(_english_left(t)) for t in texts if _english_left(t)}
        if left:
            problems.append(f"{name}: English left in {left}")
        if unlabelled:
            problems.append(f"{name}: no axis label on {unlabelled}")
        if not any(re.search("[\uac00-\ud7a3]", t) for t in texts):
            problems.append(f"{name}: no Hangul at all")
    assert not problems, "\n".join(problems)


def test_english_word_check_can_fail():
    assert _english_left("First 80 steps on a quadratic") == {"First", "steps", "on", "quadratic"}
    assert not _english_left("SGD + 모멘텀(momentum)") and not _english_left("gd (194단계)")


def test_quick_tour_in_korean_leaves_no_english_and_labels_every_axes(saved_figures, tmp_path):
    rc = main(["tour", "--quick", "--lang", "ko", "--only", "optimizers,secondorder,digits",
               "--out", str(tmp_path)])
    assert rc == 0
    names = {p.name for p in tmp_path.glob("*.png")}
    assert {"optimizers_quadratic.png", "secondorder_paths.png", "digits_loss.png",
            "tour_trajectories.png"} <= names
    assert len(saved_figures) == len(names)
    _check(saved_figures)
    assert po.plot.get_language() == "en"     # the tour puts the language back


def test_the_regularization_mask_figures_in_korean(saved_figures, tmp_path):
    from pyoptim._tour import regularization as R
    po.plot.set_language("ko")
    rng = np.random.default_rng(0)
    fig = R._input_masks_figure(rng.random((8, 8, 8)) > 0.2, rng.random((8, 8, 8)))
    fig.savefig(tmp_path / "inputs.png")
    fig = po.plot.dropout_masks(rng.random((12, 96)) > 0.5, p=0.5,
                                title="Hidden dropout masks (p = 0.5)\n12 examples x 96 of 512 units")
    R._mask_key(fig, "kept unit", "dropped unit")
    fig.savefig(tmp_path / "hidden.png")
    _check(saved_figures)
    # the mask grids carry a key (a legend of the figure)
    assert all(f.legends for f in [fig])


@pytest.mark.slow
def test_whole_quick_tour_in_korean(saved_figures, tmp_path):
    assert main(["tour", "--quick", "--lang", "ko", "--out", str(tmp_path)]) == 0
    assert len(saved_figures) == len(list(tmp_path.glob("*.png"))) >= 8
    _check(saved_figures)
