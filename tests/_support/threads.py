"""The one thread-determinism check: a computation gives the same bits for every OpenMP thread count.

The C core splits loops across threads above kernels.PAR_GRAIN elements and promises results that do
not depend on pyoptim.set_num_threads (reductions in a fixed order). :func:`same_bits_for_thread_counts`
runs a callable under each thread count and asserts the results are identical byte for byte (NaN
payloads and signed zeros included); the thread count in force before is restored afterwards.
"""
from __future__ import annotations

import numpy as np
import pytest

import pyoptim


def same_bits(a, b) -> bool:
    """Exact equality of two results: arrays by dtype, shape and bytes; floats by their float64 bytes;
    tuples, lists and dicts element by element; anything else by ==."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_bits(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(same_bits(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes())
    if isinstance(a, (float, np.floating)) and isinstance(b, (float, np.floating)):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return a == b


def openmp_or_skip() -> None:
    """Skip the calling test on a build that can run only one thread (PYOPTIM_OPENMP=0)."""
    old = pyoptim.get_num_threads()
    pyoptim.set_num_threads(2)
    two = pyoptim.get_num_threads() == 2
    pyoptim.set_num_threads(old)
    if not two:
        pytest.skip("only one thread is possible (a PYOPTIM_OPENMP=0 build): the thread-count "
                    "independence of results cannot be checked")


def same_bits_for_thread_counts(fn, counts=(1, 2), what: str = ""):
    """Run ``fn()`` under pyoptim.set_num_threads(n) for each n in `counts` (fresh inputs are fn's job:
    it must not see another run's in-place writes); assert every result has the bits of the first;
    return the first result."""
    old = pyoptim.get_num_threads()
    results = []
    try:
        for n in counts:
            pyoptim.set_num_threads(n)
            results.append(fn())
    finally:
        pyoptim.set_num_threads(old)
    for n, r in zip(counts[1:], results[1:]):
        assert same_bits(results[0], r), f"{what or fn!r}: {n} threads give other bits than {counts[0]}"
    return results[0]
