"""Execute every teaching notebook headless and check it draws at least one figure.

Each notebook runs top to bottom in a fresh ``python3`` kernel (nbclient + ipykernel) with
``MPLBACKEND=Agg``; any error (including a failed ``assert`` of a book claim) fails the test, and so
does a figure that is not legible as drawn (tests/_support/legibility.py: overlapping texts, text too
small at notebook width or beyond the figure's edge, a legend over the data). The
notebooks are also checked to be up to date with their sources in ``notebooks/_src`` and saved
without outputs.
"""
import json
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

from pyoptim import _notebooks  # noqa: E402  (after the skips: it needs nbclient)

NB_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("ch*.ipynb"))
KO_NOTEBOOKS = sorted((NB_DIR / "ko").glob("ch*.ipynb"))   # the Korean edition
EXPECTED = [
    "ch07_1-3_norm_penalties", "ch07_4-7_noise_augmentation_multitask", "ch07_8_early_stopping",
    "ch07_9-11_sharing_sparsity_ensembles", "ch07_12_dropout", "ch07_13-14_adversarial_tangent",
    "ch08_1_learning_vs_optimization", "ch08_2_challenges", "ch08_3_sgd_momentum", "ch08_4_initialization",
    "ch08_5_adaptive", "ch08_6_second_order", "ch08_7_strategies",
]


def test_notebooks_exist_and_are_indexed():
    names = {p.stem for p in NOTEBOOKS}
    assert names, "no notebooks found"
    assert names <= set(EXPECTED), f"unexpected notebooks: {sorted(names - set(EXPECTED))}"
    index = (NB_DIR / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert f"{name}.ipynb" in index, f"{name} is missing from notebooks/README.md"


def _builder():
    sys.path.insert(0, str(NB_DIR))
    try:
        import _build
    finally:
        sys.path.remove(str(NB_DIR))
    return _build


def test_notebooks_match_their_sources_and_have_no_outputs():
    _build = _builder()
    for path, lang in [(p, "en") for p in NOTEBOOKS] + [(p, "ko") for p in KO_NOTEBOOKS]:
        src = NB_DIR / "_src" / ("" if lang == "en" else lang) / f"{path.stem}.py"
        assert src.exists(), f"{path.name} has no source {src}"
        assert path.read_text(encoding="utf-8") == nbformat.writes(_build.build(src, lang)) + "\n", \
            f"{path.name} is out of date: run python notebooks/_build.py"
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name} was saved with outputs"


def test_korean_edition_has_every_notebook_with_identical_code_cells():
    """Every English notebook has a Korean one whose cells are the same kinds in the same order, with
    the code cells identical character for character (only the prose is translated)."""
    from korean import assert_korean_twin

    _build = _builder()
    for src in sorted((NB_DIR / "_src").glob("ch*.py")):
        assert_korean_twin(_build.parse, src, NB_DIR / "_src" / "ko" / src.name)


SUPPORT = Path(__file__).resolve().parents[1] / "_support"

# run in the notebook's kernel around its cells: record every Figure made, then check each one as drawn
# (tests/_support/legibility.py: no overlapping texts, no text too small at notebook width or beyond the
# figure's edge, no legend over the data), in the notebook's language
_RECORD_FIGURES = f"""
import sys as _sys, matplotlib.figure as _mfig
_sys.path.insert(0, {str(SUPPORT)!r})
_made_figures, _figure_init = [], _mfig.Figure.__init__
def _recording_init(self, *args, **kwargs):
    _figure_init(self, *args, **kwargs)
    _made_figures.append(self)
_mfig.Figure.__init__ = _recording_init
"""
_CHECK_FIGURES = """
import json as _json
from legibility import problems as _problems
def _name(f):
    titles = [a.get_title() for a in f.axes if a.get_title()] + [f._suptitle.get_text() if f._suptitle else ""]
    return titles[0] if titles else "(untitled)"
print("LEGIBILITY" + _json.dumps([f"{_name(f)!r}: {p}" for f in _made_figures if f.axes for p in _problems(f)]))
"""


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS + KO_NOTEBOOKS,
                         ids=[p.stem for p in NOTEBOOKS] + [f"ko-{p.stem}" for p in KO_NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # small matrices: one BLAS thread avoids oversubscription when the suite runs on 2 busy cores
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(_RECORD_FIGURES))
    nb.cells.append(nbformat.v4.new_code_cell(_CHECK_FIGURES))
    _notebooks.execute(nb, str(path.parent))   # raises CellExecutionError on any error or failed assert
    check = nb.cells.pop()
    nb.cells.pop(0)
    report = "".join(out.get("text", "") for out in check.outputs if out.get("name") == "stdout")
    illegible = json.loads(report.split("LEGIBILITY", 1)[1])
    assert not illegible, f"{path.name}: figures not legible:\n" + "\n".join(illegible)
    stderr = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
                     if out.get("name") == "stderr")
    # "Glyph ... missing from font(s)" (plain text) and "... does not have a glyph for ..." (mathtext)
    assert "missing from font" not in stderr and "Glyph" not in stderr and "does not have a glyph" not in stderr, \
        f"{path.name}: {stderr[:500]}"
    images = sum("image/png" in out.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
                 for out in cell.outputs)
    assert images >= 1, f"{path.name} produced no image/png output"
