"""Shared test helpers: the float dtypes, seeded generators, and the optional references.

Backends: ``PYOPTIM_BACKEND=numpy python -m pytest`` runs the behaviour tests on the NumPy twins; tests
marked ``c_only`` (bad-input tables, sanitizers, thread bit-identity, refcounts, races: properties of the
C core itself) are then skipped, each with the reason in the summary.
"""
import numpy as np
import pytest


def pytest_report_header(config):
    import pyoptim
    return f"pyoptim backend: {pyoptim.kernels.BACKEND}"


def pytest_collection_modifyitems(config, items):
    import pyoptim
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
