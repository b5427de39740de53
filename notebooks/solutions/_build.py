"""Write the worked solutions (``notebooks/solutions/*.ipynb``) from their percent-format sources in
``notebooks/solutions/_src/<name>.py``, with the teaching notebooks' builder (``notebooks/_build.py``).

The solutions are kept apart from the student notebooks (a student opens them on purpose); each is
executed by ``tests/notebooks/test_notebook_solutions.py``.

Usage::

    python notebooks/solutions/_build.py            # every solution notebook
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


def build(src: Path):
    """The notebook of one solution source (cell ids prefixed ``sol-`` so they differ from the lesson's)."""
    nb = _builder().build(src, "en")
    for c in nb.cells:
        c["id"] = ("sol-" + c["id"])[:64]
    return nb


def main(argv: list[str]) -> int:
    import nbformat

    stale = []
    for src in sorted(SRC.glob("ch*.py")):
        target = HERE / f"{src.stem}.ipynb"
        text = nbformat.writes(build(src)) + "\n"
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        if "--check" in argv:
            stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(HERE.parent.parent)}")
    if stale:
        print("out of date:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
