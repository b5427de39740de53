"""Concurrency (issue 6, part 5): every kernel releases the GIL, so calls from several Python threads
run at the same time for real. On distinct arrays they must give exactly the results of serial calls,
and no result may depend on pyoptim.set_num_threads (OpenMP threads inside a call).

Inputs come from the kernel registry (tests/_support/kernel_registry.py), mostly large shapes (the OpenMP path)
with NaN/inf/denormals mixed in; results are compared byte for byte (NaN payloads included).
"""
from __future__ import annotations

import sys
import threading
import time

import numpy as np
import pytest

import pyoptim
from pyoptim import kernels

import kernel_registry as kr
from threads import openmp_or_skip, same_bits, same_bits_for_thread_counts

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


def _calls(name, k):
    """`k` calls of kernel `name` that SUCCEED (a call that raises compares nothing but the message): drawn
    from large shapes, with NaN/inf/denormals in some, the failing ones dropped. Not enough successful
    draws is a test failure, so a sampler that only yields failing calls cannot pass silently."""
    good = []
    for finite, extra in ((False, 6), (True, 0), (True, 40)):
        # the first examples hypothesis generates are the simplest; skip them for variety
        pool = kr.sample_calls(name, k + extra + len(good) + 6, big=True, finite=finite, seed=len(good))[6:]
        for values in pool:
            if len(good) == k:
                return good
            if _run(name, values)[2] is None:
                good.append(values)
    assert len(good) == k, f"{name}: only {len(good)} of {k} drawn calls succeed; the sampler must draw " \
                           "calls the kernel accepts"
    return good


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
            assert same_bits(s, r), f"{name}: call {i} from a thread differs from the serial call"


@pytest.mark.parametrize("name", NAMES)
def test_results_do_not_depend_on_num_threads(name):
    openmp_or_skip()
    for values in _calls(name, 2):
        same_bits_for_thread_counts(lambda: _run(name, values), counts=(1, 2, 3), what=name)  # noqa: B023


def test_thread_check_detects_a_difference():
    """The check itself can fail: a result that depends on the thread count, or differs from the first
    run only in a NaN payload or the sign of a zero, is caught; the thread count is restored."""
    openmp_or_skip()
    pyoptim.set_num_threads(3)
    with pytest.raises(AssertionError, match="2 threads give other bits than 1"):
        same_bits_for_thread_counts(lambda: np.full(3, float(pyoptim.get_num_threads())))
    assert pyoptim.get_num_threads() == 3
    assert not same_bits(np.array([0.0]), np.array([-0.0]))
    assert not same_bits(np.array([np.nan]), (np.array([np.nan]).view(np.uint64) | np.uint64(1)).view(np.float64))
    assert not same_bits((1.0, {"a": np.zeros(2)}), (1.0, {"a": np.zeros(2, np.float32)}))
    assert same_bits((1.0, {"a": np.zeros(2)}), (1.0, {"a": np.zeros(2)}))


def _runs_while(call) -> bool:
    """Whether another Python thread runs while `call()` is inside the C core, decided without a clock.

    The switch interval is set to 1000 s, so the calling thread never gives up the GIL on a timer: the
    watcher thread can run between `in_call = True` and `in_call = False` only if the call itself
    releases the GIL (the watcher's time.sleep(0) releases it on each turn, so the caller gets it back
    when the call returns)."""
    state = {"in_call": False, "seen": False, "done": False}

    def watch():
        while not state["done"]:
            if state["in_call"]:
                state["seen"] = True
            time.sleep(0)

    old = sys.getswitchinterval()
    t = threading.Thread(target=watch)
    t.start()
    sys.setswitchinterval(1000.0)
    try:
        # a blocking call hands the GIL over once: a drop request the watcher set under the old 5 ms
        # interval is cleared, and every later wait for the GIL uses the new one
        time.sleep(0.01)
        state["in_call"] = True
        call()
        state["in_call"] = False
    finally:
        sys.setswitchinterval(old)
        state["done"] = True
        t.join()
    return state["seen"]


def test_gil_is_released_during_a_kernel():
    """Another Python thread runs while a long kernel runs (with the GIL held it could not)."""
    pyoptim.set_num_threads(1)
    w = np.random.default_rng(0).standard_normal(3_000_000)
    assert _runs_while(lambda: kernels.l1_ball_project(w, radius=1.0))   # a sort of 3e6 elements


def test_gil_detector_detects_a_call_that_holds_the_gil():
    """The detector's self-test: rosenbrock_value_and_grad keeps the GIL (documented: it is cheap), and a
    pure-Python loop of the same length never lets the watcher in either."""
    x = np.random.default_rng(1).standard_normal(3_000_000)
    g = np.empty_like(x)
    assert not _runs_while(lambda: kernels.rosenbrock_value_and_grad(g, x))
    assert not _runs_while(lambda: sum(range(200_000)))
