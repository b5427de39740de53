"""Every ``>>>`` example in pyoptim's docstrings runs and prints what it shows (a docstring example a user
copies must work). Examples that need an MPI launch carry ``# doctest: +SKIP`` and say so."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pyoptim


def _modules():
    names = [pyoptim.__name__]
    for m in pkgutil.walk_packages(pyoptim.__path__, prefix="pyoptim."):
        if not m.name.endswith("__main__"):
            names.append(m.name)
    return names


def _with_examples():
    out = []
    finder = doctest.DocTestFinder(exclude_empty=True)
    for name in _modules():
        try:
            mod = importlib.import_module(name)
        except ImportError:   # an optional extra (mpi4py, matplotlib) that is not installed: nothing to run
            continue
        if any(t.examples for t in finder.find(mod, name)):
            out.append(name)
    return out


@pytest.mark.parametrize("name", _with_examples())
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # an example that writes a file writes it here
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False,
                          report=False)
    assert res.failed == 0, f"{res.failed} of {res.attempted} docstring examples in {name} fail " \
                            f"(run: python -m pytest --doctest-modules {mod.__file__})"


def test_the_examples_are_found():
    assert len(_with_examples()) >= 10
