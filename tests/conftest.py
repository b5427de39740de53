"""Shared test helpers: the float dtypes, seeded generators, and the optional references.

Backends: ``PYOPTIM_BACKEND=numpy python -m pytest`` runs the behaviour tests on the NumPy twins; tests
marked ``c_only`` (bad-input tables, sanitizers, thread bit-identity, refcounts, races: properties of the
C core itself) are then skipped, each with the reason in the summary.
"""
import os
import sys
import warnings

import numpy as np
import pytest

# The tree mirrors the package (tests/optim/ beside pyoptim/optim/, ...); the helpers every part shares
# (kernel_registry, the subprocess drivers) live in tests/_support/ and import as top-level modules.
SUPPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_support")
if SUPPORT not in sys.path:
    sys.path.insert(0, SUPPORT)

# Without a built C core, `import pyoptim` warns once (PerformanceWarning) and runs on the twins; the
# suite then runs on that backend, and the warning goes to the report header instead of failing the
# import under filterwarnings=error (tests/test_classroom.py checks the warning itself).
with warnings.catch_warnings(record=True) as _import_warnings:
    warnings.simplefilter("always")
    import pyoptim


def pytest_report_header(config):
    notes = [f"  {w.category.__name__}: {w.message}" for w in _import_warnings]
    return [f"pyoptim backend: {pyoptim.kernels.BACKEND} ({pyoptim.__file__})"] + notes


def pytest_collection_modifyitems(config, items):
    if pyoptim.kernels.BACKEND == "c":
        return
    skip = pytest.mark.skip(reason="c_only: a property of the C core (the NumPy backend is running)")
    for item in items:
        if "c_only" in item.keywords:
            item.add_marker(skip)


DTYPES = [np.float32, np.float64]
SIZES = [0, 1, 7, 1000, 10**6]


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def torch_or_skip():
    """Import torch or skip the test cleanly (torch is a reference, never a dependency)."""
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _restore_threads():
    import pyoptim
    n = pyoptim.get_num_threads()
    yield
    pyoptim.set_num_threads(n)
