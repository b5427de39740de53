"""Races (issue 12, part 1 and 8): arguments cannot change or vanish under a running kernel.

Every scenario runs tests/_support/_race_driver.py in a subprocess: a segfault or a sanitizer abort of the C core
is then this test failing (with the child's output), not pytest dying. The driver prints one
``RESULT <json>`` line when every call returned or raised a documented exception.

The first four are the crashes of issue 12, reproduced (each segfaulted or returned a wrong result
before the fix; see the driver's docstring); the registry scenario drives EVERY kernel of
tests/_support/kernel_registry.py generically while a second thread clears, refills and reorders its list
arguments, rewrites its arrays (NaN, inf, huge values, labels far out of range), reshapes them and tries
to resize them. What each kernel guarantees under such writes is written in csrc/module.c's header.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import kernel_registry as kr

pytestmark = pytest.mark.c_only   # the C core under racing threads (the twins check nothing)


SUPPORT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_support")
DRIVER = os.path.join(SUPPORT, "_race_driver.py")
ALLOWED = {"ok", "ValueError", "TypeError", "FloatingPointError", "LinAlgError"}


def run_driver(*args, timeout=600):
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(SUPPORT))
    env["PYTHONPATH"] = os.pathsep.join([root, SUPPORT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    proc = subprocess.run([sys.executable, DRIVER, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=root)
    tail = (proc.stdout[-3000:] + "\n" + proc.stderr[-5000:]).strip()
    assert proc.returncode == 0, f"race driver {args} exited with {proc.returncode} (a negative code is a " \
                                 f"signal: -11 = segfault):\n{tail}"
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, f"race driver {args} printed no result:\n{tail}"
    return json.loads(lines[-1][len("RESULT "):])


# ---- the crashes of issue 12, as regression tests ---------------------------------------------------

def test_list_emptied_by_another_thread_while_the_kernel_runs():
    """scale_arrays / clamp_arrays / grad_norm: a second thread drops the last references to the arrays of
    the list mid-call (was: heap use-after-free, segfault 3 of 3)."""
    res = run_driver("list-cleared", "--repeat", "3")
    assert res == {"scale_arrays": 3, "clamp_arrays": 3, "grad_norm": 3}


def test_labels_rewritten_out_of_range_while_the_kernel_runs():
    """softmax_cross_entropy and softmax_value_and_grad: labels validated, then rewritten out of range by
    another thread (was: out-of-bounds read, segfault). Each call returns a finite loss or raises the
    label ValueError."""
    res = run_driver("labels-rewritten", "--repeat", "4")
    assert sum(res.values()) == 8 and set(res) <= {"ok", "ValueError"}


def test_line_search_callback_that_frees_x_changes_nothing():
    """fun resizes the caller's x, d and g to nothing (refcheck=False frees their memory) on its first call:
    the search returns bit for bit what it returns on untouched arrays (was: reads of freed memory)."""
    res = run_driver("line-search-frees-x")
    assert set(res) == {"strong-wolfe", "more-thuente", "backtracking"}


def test_minimize_callback_cannot_resize_the_c_objectives_arrays():
    """_minimize on a C softmax objective with a Python callback that resizes the model's arrays (refused:
    they are pinned for the solve) and writes labels out of range (reported as ValueError)."""
    res = run_driver("minimize-callback-resizes-model")
    assert res["refused_resizes"] >= 2 and res["outcome"] in {"ok", "ValueError"}


def test_solver_callback_cannot_resize_hess_inv0_or_state_out():
    """BFGS, L-BFGS and L-BFGS-B keep hess_inv0's and state_out's memory for the solve and write state_out
    at its end: a callback resizing them (refcheck=False) is refused each time, and the results equal an
    undisturbed run's (was: the resize freed the memory and the final write went into it)."""
    res = run_driver("solver-callback-resizes-matrices")
    assert set(res) == {"bfgs", "lbfgs", "lbfgsb"} and min(res.values()) >= 2, res


def test_softmax_value_and_grad_huge_n_classes_raises_before_allocating():
    """D * n_classes wrapped around size_t and the kernel wrote past a heap buffer; now ValueError naming
    n_classes (OverflowError naming it, from argument parsing, for a K that is not even a Py_ssize_t)."""
    res = run_driver("huge-n-classes")
    assert res == {str(2**62): "ValueError: n_classes", str(2**61 + 1): "ValueError: n_classes",
                   str(2**63 - 1): "ValueError: n_classes", str(2**64): "OverflowError: n_classes"}


# ---- every kernel, generically ------------------------------------------------------------------------

def _check_counts(res, names, calls):
    assert sorted(res) == sorted(names)
    for name, outcomes in res.items():
        assert set(outcomes) <= ALLOWED, f"{name}: {outcomes}"
        assert sum(outcomes.values()) == calls, f"{name}: {outcomes}"


def test_every_kernel_survives_an_attacker_thread():
    """One call of each kernel (large shapes: the OpenMP path) with an attacker thread on its arguments."""
    res = run_driver("registry", "--calls", "1")
    _check_counts(res, kr.kernel_names(), 1)


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
def test_every_kernel_survives_an_attacker_thread_many_calls(threads):
    res = run_driver("registry", "--calls", "4", "--repeat", "3", "--threads", str(threads), "--seed", "7",
                     timeout=1800)
    _check_counts(res, kr.kernel_names(), 12)


@pytest.mark.slow
def test_crash_scenarios_many_rounds():
    assert sum(run_driver("list-cleared", "--repeat", "40").values()) == 120
    assert sum(run_driver("labels-rewritten", "--repeat", "100").values()) == 200
