"""Shared test helpers: the float dtypes, seeded generators, and the optional references."""
import numpy as np
import pytest

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
