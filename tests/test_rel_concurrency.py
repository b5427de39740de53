"""Concurrency (issue 6, part 5): every kernel releases the GIL, so calls from several Python threads
run at the same time for real. On distinct arrays they must give exactly the results of serial calls,
and no result may depend on pyoptim.set_num_threads (OpenMP threads inside a call).

Inputs come from the kernel registry (tests/kernel_registry.py), mostly large shapes (the OpenMP path)
with NaN/inf/denormals mixed in; results are compared byte for byte (NaN payloads included).
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

import pyoptim
from pyoptim import kernels

import kernel_registry as kr

pytestmark = pytest.mark.c_only   # GIL release and OpenMP thread counts of the C core

NAMES = kr.kernel_names()
N_THREADS = 3


def _run(name, values):
    """One call on private copies: (written arrays, return value, exception repr)."""
    vals = {k: kr.copy_values(v) for k, v in values.items()}
    try:
        ret = kr.call(getattr(kernels, name), vals)
        err = None
    except Exception as e:  # noqa: BLE001 - an exception is a result too (must be the same)
        ret, err = None, f"{type(e).__name__}: {e}"
    spec = kr.spec_for(name)
    return {k: vals[k] for k in spec.written if k in vals}, ret, err


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and a.tobytes() == b.tobytes())
    if isinstance(a, float) and isinstance(b, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return a == b


def _calls(name, k):
    # the first examples hypothesis generates are the simplest; skip them for variety
    return kr.sample_calls(name, k + 6, big=True)[6:] or kr.sample_calls(name, k, big=True)


@pytest.mark.parametrize("name", NAMES)
def test_threads_match_serial(name):
    calls = _calls(name, N_THREADS)
    pyoptim.set_num_threads(1)
    serial = [_run(name, c) for c in calls]
    for _ in range(2):   # two rounds: the threads start together at a barrier
        results = [None] * len(calls)
        barrier = threading.Barrier(len(calls))

        def work(i):
            barrier.wait()
            results[i] = _run(name, calls[i])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
            assert not t.is_alive(), f"{name}: a thread did not finish in 120 s"
        for i, (s, r) in enumerate(zip(serial, results)):
            assert _same(s, r), f"{name}: call {i} from a thread differs from the serial call"


@pytest.mark.parametrize("name", NAMES)
def test_results_do_not_depend_on_num_threads(name):
    for values in _calls(name, 2):
        ref = None
        for n in (1, 2, 3):
            pyoptim.set_num_threads(n)
            out = _run(name, values)
            if ref is None:
                ref = out
            else:
                assert _same(ref, out), f"{name}: set_num_threads({n}) changed the result"


def test_gil_is_released_during_a_kernel():
    """A Python thread makes progress while one long kernel call runs in another thread (with the GIL
    held it could not run at all between the call's start and end)."""
    pyoptim.set_num_threads(1)
    w = np.random.default_rng(0).standard_normal(3_000_000)
    stamps = []
    stop = threading.Event()

    def spin():
        import time
        while not stop.is_set():
            stamps.append(time.perf_counter())

    import time
    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.02)
        t0 = time.perf_counter()
        kernels.l1_ball_project(w, radius=1.0)   # a sort of 3e6 elements: ~0.1-0.5 s
        t1 = time.perf_counter()
    finally:
        stop.set()
        t.join()
    assert t1 - t0 > 0.04, "the kernel call was too short to judge"
    inside = [s for s in stamps if t0 + 0.01 < s < t1 - 0.01]
    assert len(inside) > 10, f"no progress of another thread during a {t1 - t0:.3f} s kernel call"
