"""The worked solutions (notebooks/solutions/) are up to date with their sources, saved without outputs,
kept out of the student notebooks, and each runs top to bottom (its asserts check what the exercise asks).
The Korean edition (notebooks/solutions/ko/) has every solution, with the English code cells unchanged."""
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

from pyoptim import _notebooks  # noqa: E402  (after the skips: it needs nbclient)

NB_DIR = Path(__file__).resolve().parents[2] / "notebooks"
SOL_DIR = NB_DIR / "solutions"
SOLUTIONS = sorted(SOL_DIR.glob("ch*.ipynb"))
KO_SOLUTIONS = sorted((SOL_DIR / "ko").glob("ch*.ipynb"))   # the Korean edition


def _builder():
    import importlib.util

    spec = importlib.util.spec_from_file_location("_pyoptim_solutions_build", SOL_DIR / "_build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_solutions_match_their_sources_and_answer_existing_exercises():
    sol_build = _builder()
    sources = sorted((SOL_DIR / "_src").glob("ch*.py"))
    assert sources and [s.stem for s in sources] == [p.stem for p in SOLUTIONS]
    for src in sources:
        lesson = NB_DIR / "_src" / src.name
        assert lesson.exists(), f"{src.name} solves a notebook that does not exist"
        path = SOL_DIR / f"{src.stem}.ipynb"
        assert path.read_text(encoding="utf-8") == nbformat.writes(sol_build.build(src)) + "\n", \
            f"{path.name} is out of date: run python notebooks/solutions/_build.py"
        nb = nbformat.read(path, as_version=4)
        assert all(not c.outputs for c in nb.cells if c.cell_type == "code"), f"{path.name} saved with outputs"
        # one "## Exercise n" section per exercise of the lesson
        text = lesson.read_text(encoding="utf-8")
        n = sum(1 for line in text[text.index("# ## Exercises"):].splitlines() if line[2:4].rstrip(".").isdigit()
                and line[3] == ".")
        solved = src.read_text(encoding="utf-8")
        for i in range(1, n + 1):
            assert f"# ## Exercise {i}" in solved, f"{src.name}: exercise {i} has no solution section"


def test_korean_solutions_have_every_solution_with_identical_code_cells():
    """Every English solution has a Korean one, up to date and without outputs, whose cells are the same
    kinds in the same order, the code cells identical character for character (only the prose is
    translated), with one "연습 문제 n" section per English "Exercise n" section."""
    sol_build = _builder()
    lesson_build = sol_build._builder()
    sources = sorted((SOL_DIR / "_src").glob("ch*.py"))
    assert [p.stem for p in KO_SOLUTIONS] == [s.stem for s in sources], "notebooks/solutions/ko/ lacks a solution"
    from korean import assert_korean_twin

    for src in sources:
        ko = SOL_DIR / "_src" / "ko" / src.name
        for i, (kind, en, tr) in enumerate(assert_korean_twin(lesson_build.parse, src, ko)):
            if kind != "code":
                for n in range(1, 10):
                    assert (f"## Exercise {n}" in en) == (f"## 연습 문제 {n}" in tr), \
                        f"{ko.name}: markdown cell {i} does not head the same exercise as the English one"
        path = SOL_DIR / "ko" / f"{src.stem}.ipynb"
        assert path.read_text(encoding="utf-8") == nbformat.writes(sol_build.build(ko, "ko")) + "\n", \
            f"ko/{path.name} is out of date: run python notebooks/solutions/_build.py"
        nb = nbformat.read(path, as_version=4)
        assert all(not c.outputs for c in nb.cells if c.cell_type == "code"), f"ko/{path.name} saved with outputs"
        assert any(c.cell_type == "code" and 'set_language("ko")' in c.source for c in nb.cells), path.name


def test_student_notebooks_do_not_show_the_solutions():
    for path in sorted(NB_DIR.glob("ch*.ipynb")) + sorted((NB_DIR / "ko").glob("ch*.ipynb")):
        text = path.read_text(encoding="utf-8")
        assert "Solutions:" not in text and "연습 문제 풀이:" not in text, path.name


@pytest.mark.notebook
@pytest.mark.parametrize("path", SOLUTIONS + [pytest.param(p, marks=pytest.mark.slow) for p in KO_SOLUTIONS],
                         ids=[p.stem for p in SOLUTIONS] + [f"ko-{p.stem}" for p in KO_SOLUTIONS])
# the Korean solutions run the English code cells (a test above checks they are identical): executing them
# adds only the Korean figures' glyph check, so they run with the slow checks, keeping the default run short
def test_solution_runs(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    nb = nbformat.read(path, as_version=4)
    _notebooks.execute(nb, str(path.parent), timeout=180)   # raises CellExecutionError on any error or failed assert
    if path.parent.name == "ko":
        # the figures drawn in Korean: no "Glyph ... missing from font(s)" (plain text) and no "... does not
        # have a glyph for ..." (mathtext) warning
        stderr = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                         for out in cell.outputs if out.get("name") == "stderr")
        assert "missing from font" not in stderr and "Glyph" not in stderr and "does not have a glyph" not in stderr, \
            f"ko/{path.name}: {stderr[:500]}"
