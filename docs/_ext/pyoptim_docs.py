"""Build-time helpers for pyoptim's documentation site (used by docs/conf.py).

1. ``write_api_pages``: one reference page per public module, generated from the package itself at
   every build (``pkgutil`` walk, each module's ``__all__``), so a name added to a module appears
   without editing the docs. A submodule gets its own page only when it has public names that its
   parent package does not re-export (``pyoptim.optim.lr_scheduler``, ``pyoptim.nn.init``, ...).
2. ``prepare_notebooks``: executes ``notebooks/ch*.ipynb`` (and ``notebooks/ko/*.ipynb`` when that
   folder exists) with nbclient, two at a time, into ``docs/notebooks/`` (generated, not committed).
   An executed copy is reused while the notebook and the package sources are unchanged (a hash in its
   metadata); ``PYOPTIM_DOCS_EXECUTE=force`` re-runs all. A notebook that fails (an ``assert`` of a
   book claim) fails the build.
3. ``write_notebook_map``: the notebooks' map (``notebooks/README.md``) as a page, links to
   notebooks kept, links to files outside the site turned into plain text.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import pkgutil
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NB_SRC = ROOT / "notebooks"


# ---------------------------------------------------------------- API pages
def _public_names(mod) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, v in vars(mod).items() if not n.startswith("_")
                 and getattr(v, "__module__", None) == mod.__name__]
    out = []
    for n in names:
        if n.startswith("__"):
            continue
        obj = getattr(mod, n, None)
        if obj is None or inspect.ismodule(obj):
            continue
        out.append(n)
    return out


def _public_modules(package: str = "pyoptim") -> list[str]:
    pkg = importlib.import_module(package)
    mods = [package]
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        mods.append(info.name)
    return sorted(mods)


def write_api_pages(srcdir: str | Path) -> list[str]:
    """Write ``api/<module>.rst`` for every public module and ``api/index.rst``; return the module names."""
    api = Path(srcdir) / "api"
    api.mkdir(exist_ok=True)
    pages = []
    documented: dict[int, str] = {}   # id of a class/function -> the one name it is documented under
    for name in _public_modules():
        mod = importlib.import_module(name)
        names = _public_names(mod)
        is_pkg = hasattr(mod, "__path__")

        def _elsewhere(n):
            obj = getattr(mod, n)
            return (inspect.isclass(obj) or callable(obj)) and id(obj) in documented
        if "." in name and not is_pkg:
            parent = importlib.import_module(name.rsplit(".", 1)[0])
            shown = {n for n in _public_names(parent)}
            names = [n for n in names if n not in shown or getattr(parent, n, None) is not getattr(mod, n)]
            if all(_elsewhere(n) for n in names):
                continue   # everything here is documented on the parent package's page (or another)
        again = [n for n in names if _elsewhere(n)]   # one object, one entry: a link to it from here
        names = [n for n in names if not _elsewhere(n)]
        title = f"``{name}``"
        parent_name, _, leaf = name.rpartition(".")
        shadowed = bool(parent_name) and not inspect.ismodule(getattr(importlib.import_module(parent_name), leaf, mod))
        if shadowed:   # e.g. the module pyoptim.minimize behind the function pyoptim.minimize
            lines = [title, "=" * len(title), "", f".. py:currentmodule:: {name}", "",
                     f"The module behind :obj:`{parent_name}.{leaf}` (documented on the :mod:`{parent_name}` "
                     "page); its other public names:", ""]
        else:
            lines = [title, "=" * len(title), "", f".. automodule:: {name}", "   :no-members:", ""]
        if name == "pyoptim.kernels":
            lines += ["Every kernel below has a plain-NumPy twin of the same name in ``pyoptim._reference``.", ""]
        if names:
            lines += [".. rubric:: Summary", "", ".. autosummary::", "   :nosignatures:", ""]
            lines += [f"   {n}" for n in names] + [""]
        if again:
            links = ", ".join(f":obj:`{name}.{n} <{documented[id(getattr(mod, n))]}>`" for n in again)
            lines += [f"Also here, documented under another name: {links}.", ""]
        for n in names:
            obj = getattr(mod, n)
            if inspect.isclass(obj) or callable(obj):
                documented[id(obj)] = f"{name}.{n}"
            if inspect.isclass(obj):
                directive = "autoclass"
                opts = ["   :members:", "   :show-inheritance:"]
            elif callable(obj):
                directive, opts = "autofunction", []
            else:
                directive, opts = "autodata", ["   :no-value:"]
            lines += [f".. {directive}:: {name}.{n}", *opts, ""]
        (api / f"{name}.rst").write_text("\n".join(lines), encoding="utf-8")
        pages.append(name)
    idx = ["API reference", "=============", "",
           "Generated from the docstrings at every build: one page per public module "
           "(a submodule whose names its package re-exports is documented on the package's page).", "",
           ".. toctree::", "   :maxdepth: 1", ""] + [f"   {p}" for p in pages] + [""]
    (api / "index.rst").write_text("\n".join(idx), encoding="utf-8")
    return pages


# ---------------------------------------------------------------- notebooks
def _package_hash() -> str:
    h = hashlib.sha256()
    for p in sorted((ROOT / "pyoptim").rglob("*")):
        if p.suffix in (".py", ".so", ".pyd") and p.is_file():
            h.update(str(p.relative_to(ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _execute(src: str, dst: str, key: str) -> tuple[str, float]:
    import nbformat

    from pyoptim import _notebooks
    t0 = time.perf_counter()
    nb = nbformat.read(src, as_version=4)
    _notebooks.execute(nb, str(Path(src).parent), timeout=600)   # raises CellExecutionError on a failed assert
    nb.metadata["pyoptim_docs"] = {"key": key}
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    tmp = dst + ".tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, dst)
    return dst, time.perf_counter() - t0


def _cached_key(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"]["pyoptim_docs"]["key"]
    except (OSError, KeyError, ValueError):
        return None


def notebook_sources() -> list[tuple[Path, str]]:
    """(source notebook, path relative to docs/notebooks) for English and, when present, Korean notebooks."""
    out = [(p, p.name) for p in sorted(NB_SRC.glob("ch*.ipynb"))]
    ko = NB_SRC / "ko"
    if ko.is_dir():
        out += [(p, f"ko/{p.name}") for p in sorted(ko.glob("*.ipynb"))]
    return out


def prepare_notebooks(srcdir: str | Path, workers: int = 2) -> None:
    dest = Path(srcdir) / "notebooks"
    dest.mkdir(exist_ok=True)
    force = os.environ.get("PYOPTIM_DOCS_EXECUTE", "") == "force"
    pkg = _package_hash()
    todo, wanted = [], set()
    for src, rel in notebook_sources():
        dst = dest / rel
        wanted.add(dst)
        key = hashlib.sha256(src.read_bytes() + pkg.encode()).hexdigest()
        if force or _cached_key(dst) != key:
            todo.append((str(src), str(dst), key))
    for stale in dest.rglob("*.ipynb"):   # a notebook removed from notebooks/ leaves the site too
        if stale not in wanted:
            stale.unlink()
    if not todo:
        print(f"[pyoptim docs] {len(wanted)} executed notebooks up to date")
        return
    env = {"MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    for k, v in env.items():
        os.environ.setdefault(k, v)
    # the kernels import this checkout's pyoptim (a no-op install cell), as the tests do
    # and a static site cannot move sliders: ipywidgets is hidden (static_kernel/), so the interactive
    # figures take their documented static path
    static = str(Path(__file__).resolve().parent / "static_kernel")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [static, str(ROOT), os.environ.get("PYTHONPATH")]))
    t0 = time.perf_counter()
    print(f"[pyoptim docs] executing {len(todo)} notebooks, {workers} at a time")
    import multiprocessing as mp
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
        for dst, dt in ex.map(_execute, *zip(*todo)):
            print(f"[pyoptim docs]   {Path(dst).name}: {dt:.1f} s")
    print(f"[pyoptim docs] notebooks executed in {time.perf_counter() - t0:.1f} s")


_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def write_notebook_map(srcdir: str | Path) -> None:
    """docs/notebooks/map.md from notebooks/README.md: notebook links kept, other local links as text."""
    text = (NB_SRC / "README.md").read_text(encoding="utf-8")

    def fix(m):
        label, target = m.group(1), m.group(2)
        if target.startswith(("http://", "https://", "#")) or target.endswith(".ipynb"):
            return m.group(0)
        return label
    dst = Path(srcdir) / "notebooks" / "map.md"
    dst.parent.mkdir(exist_ok=True)
    new = _LINK.sub(fix, text)
    if not dst.exists() or dst.read_text(encoding="utf-8") != new:
        dst.write_text(new, encoding="utf-8")


def copy_if_changed(src: Path, dst: Path) -> None:
    if not dst.exists() or dst.read_bytes() != src.read_bytes():
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)


def write_index_pages(srcdir: str | Path) -> None:
    """docs/notebooks/index.md (English notebooks, Korean ones when present, the map) and
    docs/_generated/figures.md (every image in docs/figures)."""
    srcdir = Path(srcdir)
    nbdir = srcdir / "notebooks"
    en = sorted(p.stem for p in nbdir.glob("ch*.ipynb"))
    ko = sorted(p.stem for p in (nbdir / "ko").glob("*.ipynb")) if (nbdir / "ko").is_dir() else []
    lines = ["# Notebooks", "",
             "Thirteen notebooks, one per group of sections of chapters 7 and 8, executed when this site "
             "was built: every output, figure and `assert` below ran. Each idea comes as the idea in words, "
             "a plain-NumPy version, the pyoptim call, a figure and an `assert` that the book's claim holds. "
             "The sliders of the interactive figures need a live kernel: here they are drawn statically "
             "(download the notebook, or open it in Jupyter, to move them).", "",
             "```{toctree}", ":maxdepth: 1", "", "map", *en, "```", ""]
    if ko:
        lines += ["## 한국어 (Korean)", "", "```{toctree}", ":maxdepth: 1", "", *[f"ko/{n}" for n in ko], "```", ""]
    _write_if_changed(nbdir / "index.md", "\n".join(lines))
    figs = sorted(p.name for p in (srcdir / "figures").glob("*.png"))
    flines = ["# The tour's figures", "",
              "Drawn by `python -m pyoptim tour` (`pyoptim.plot`); the notebooks draw the rest.", ""]
    for f in figs:
        flines += [f"```{{figure}} ../figures/{f}", f":alt: {f}", "", f"`{f}`", "```", ""]
    _write_if_changed(srcdir / "_generated" / "figures.md", "\n".join(flines))


def _write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
