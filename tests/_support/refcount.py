"""The one reference-count check the tests share.

``refcounts_unchanged(*objs)`` records ``sys.getrefcount`` of each object on entry and asserts, on a
normal exit, that every count is the same again: a C wrapper that forgets a ``Py_DECREF`` (or drops one
too many) on any path the block exercises shows up as a changed count. ``refcount_map`` is the labelled
form for a call's argument dict (the leak sweep in tests/reliability/test_rel_memory.py): it skips the
immortal/cached singletons whose counts say nothing (None, bools, small ints) and looks one level into
lists and tuples, since kernels take lists of arrays.
"""
from __future__ import annotations

import gc
import sys
from contextlib import contextmanager


def refcounts(objs) -> list[int]:
    """``sys.getrefcount`` of each object, in order (the iteration adds the same one reference to each
    count every time, so two calls compare exactly)."""
    return [sys.getrefcount(o) for o in objs]


@contextmanager
def refcounts_unchanged(*objs, collect: bool = False):
    """Assert that the block leaves every object's reference count where it found it.

    collect: run ``gc.collect()`` before each reading (for blocks that create reference cycles, e.g.
    exceptions holding tracebacks that point at frames holding the objects).
    """
    if collect:
        gc.collect()
    before = refcounts(objs)
    yield
    if collect:
        gc.collect()
    after = refcounts(objs)
    assert after == before, f"reference counts changed: before {before}, after {after}"


def _measured(v) -> bool:
    return not (v is None or isinstance(v, bool) or (isinstance(v, int) and -5 <= v <= 256))


def refcount_map(values: dict) -> dict:
    """``{name: refcount}`` for each measurable argument, with ``name[i]`` entries for list/tuple items."""
    out = {}
    for k, v in values.items():
        if not _measured(v):
            continue
        out[k] = sys.getrefcount(v)
        if isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                if _measured(x):
                    out[f"{k}[{i}]"] = sys.getrefcount(x)
    return out
