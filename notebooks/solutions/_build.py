"""Write the worked solutions (``notebooks/solutions/*.ipynb``) from their percent-format sources in
``notebooks/solutions/_src/<name>.py``, with the teaching notebooks' builder (``notebooks/_build.py``).

The solutions are kept apart from the student notebooks (a student opens them on purpose); each is
executed by ``tests/notebooks/test_notebook_solutions.py``.

The Korean edition, as for the lessons: ``notebooks/solutions/_src/ko/<name>.py`` holds the same cells
with the prose translated and the code cells unchanged (a test checks them cell by cell); it is written
to ``notebooks/solutions/ko/<name>.ipynb`` with the lessons' ``po.plot.set_language("ko")`` cell after
the first ``import pyoptim as po``, so every figure is drawn in Korean.

Usage::

    python notebooks/solutions/_build.py            # every solution notebook, English and Korean
    python notebooks/solutions/_build.py --check    # exit 1 if an .ipynb is out of date with its source
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "_src"


def _builder():
    """notebooks/_build.py, loaded under a name of its own (this file is also called _build)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_pyoptim_notebooks_build", HERE.parent / "_build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build(src: Path, lang: str = "en"):
    """The notebook of one solution source (cell ids prefixed ``sol-`` so they differ from the lesson's)."""
    nb = _builder().build(src, lang)
    for c in nb.cells:
        c["id"] = ("sol-" + c["id"])[:64]
    return nb


def main(argv: list[str]) -> int:
    import nbformat

    stale = []
    jobs = [(src, HERE / f"{src.stem}.ipynb", "en") for src in sorted(SRC.glob("ch*.py"))]
    for lang in _builder().LANGUAGE_CELL:
        jobs += [(src, HERE / lang / f"{src.stem}.ipynb", lang) for src in sorted((SRC / lang).glob("ch*.py"))]
    for src, target, lang in jobs:
        text = nbformat.writes(build(src, lang)) + "\n"
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        if "--check" in argv:
            stale.append(str(target.relative_to(HERE)))
        else:
            target.parent.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(HERE.parent.parent)}")
    if stale:
        print("out of date:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
