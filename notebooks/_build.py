"""Write the teaching notebooks (``notebooks/*.ipynb``) from their reviewable Python sources.

Each notebook's source is ``notebooks/_src/<name>.py`` in jupytext's "percent" format: cells start
with a line ``# %%`` (code) or ``# %% [markdown]`` (markdown; every line of the cell then starts with
``# ``). That file is plain Python: ``python notebooks/_src/<name>.py`` runs every code cell top to
bottom (figures are built but not shown), which is the quickest way to check a change. This script
reads the sources with jupytext (so ``jupytext --to ipynb`` reads them the same way), adds what
jupytext does not (the Korean language cell below, stable cell ids, the kernelspec, no jupytext
metadata) and writes the ``.ipynb`` files with nbformat, without outputs, so a review reads the
``.py`` and the ``.ipynb`` diff stays small.

The Korean edition: ``notebooks/_src/ko/<name>.py`` holds the same cells with the prose translated
and the code cells unchanged (a test checks them cell by cell); it is written to
``notebooks/ko/<name>.ipynb`` with one more code cell after the first ``import pyoptim as po``:
``po.plot.set_language("ko")``, so every figure is drawn in Korean.

Usage::

    python notebooks/_build.py            # every notebook
    python notebooks/_build.py ch08_3     # those whose name starts with ch08_3
    python notebooks/_build.py --check    # exit 1 if an .ipynb is out of date with its source
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "_src"
LANGUAGE_CELL = {"ko": 'po.plot.set_language("ko")   # 그림의 제목, 축 이름, 범례를 한국어로 씁니다'}

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def parse(text: str) -> list[tuple[str, str]]:
    """Split a percent-format source into ``[(kind, source), ...]`` with kind "code" or "markdown".

    The reading is jupytext's ``py:percent`` reader; the text before the first ``# %%`` line (the
    module docstring) is not part of the notebook, and cells holding only blank lines are dropped."""
    try:
        import jupytext
    except ImportError as exc:   # pragma: no cover - a dependency of the notebooks and test extras
        raise ImportError("building the notebooks needs jupytext: pip install jupytext (or the project's "
                          "[notebooks] / [test] extra)") from exc
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("# %%")), len(lines))
    nb = jupytext.reads("".join(lines[start:]), fmt="py:percent")
    return [("markdown" if c.cell_type == "markdown" else "code", c.source) for c in nb.cells if c.source.strip()]


def build(src: Path, lang: str = "en"):
    import nbformat
    from nbformat import v4

    cells = []
    pending = LANGUAGE_CELL.get(lang)
    for kind, source in parse(src.read_text(encoding="utf-8")):
        cells.append(v4.new_markdown_cell(source) if kind == "markdown" else v4.new_code_cell(source))
        if pending and kind == "code" and "import pyoptim as po" in source.splitlines():
            cells.append(v4.new_code_cell(pending))
            pending = None
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    # stable ids, so rebuilding an unchanged source gives an identical file
    for i, c in enumerate(nb.cells):
        c["id"] = f"{lang + '-' if lang != 'en' else ''}{src.stem.replace('.', '-')}-{i:03d}"[:64]
    nbformat.validate(nb)
    return nb


def main(argv: list[str]) -> int:
    import nbformat

    check = "--check" in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    stale = []
    jobs = [(src, HERE / f"{src.stem}.ipynb", "en") for src in sorted(SRC.glob("ch*.py"))]
    for lang in LANGUAGE_CELL:
        jobs += [(src, HERE / lang / f"{src.stem}.ipynb", lang) for src in sorted((SRC / lang).glob("ch*.py"))]
    for src, target, lang in jobs:
        if prefixes and not any(src.stem.startswith(p) for p in prefixes):
            continue
        target.parent.mkdir(exist_ok=True)
        text = nbformat.writes(build(src, lang)) + "\n"
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
            continue
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python notebooks/_build.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
