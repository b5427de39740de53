"""Limits of the C core (issue 12, parts 2, 3 and 6): thread counts within a documented bound, sizes that
cannot overflow, and no silent acceptance of non-finite hyperparameters or a NaN objective.

The threads tests compare against independent facts (the documented bound, the value set, a one-thread
run); the non-finite tests check the documented exception and message, and that nothing was written.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import pyoptim
from pyoptim import kernels
from threads import same_bits_for_thread_counts

pytestmark = pytest.mark.c_only   # the C core's argument and size limits

MAX_THREADS = 4096   # the documented bound (set_num_threads' docstring), unless OMP_THREAD_LIMIT is lower


def _bound():
    """The documented bound, read from the message of a value just past it (OMP_THREAD_LIMIT may lower it)."""
    with pytest.raises(ValueError) as e:
        pyoptim.set_num_threads(MAX_THREADS + 1)
    m = re.search(r"\[1, (\d+)\]", str(e.value))
    assert m, str(e.value)
    return int(m.group(1))


# ---- threads ------------------------------------------------------------------------------------------

def test_set_num_threads_docstring_states_the_bound():
    assert "4096" in pyoptim.set_num_threads.__doc__ and "OMP_THREAD_LIMIT" in pyoptim.set_num_threads.__doc__


@pytest.mark.parametrize("n", [0, -1, -(2**31), 2**31, 2**32 + 2, 2**63, 2**100, 10**6, MAX_THREADS + 1])
def test_set_num_threads_out_of_range_raises_naming_the_bound(n):
    before = pyoptim.get_num_threads()
    with pytest.raises(ValueError, match=rf"invalid n: {n} \(expected an integer in \[1, \d+\]"):
        pyoptim.set_num_threads(n)
    assert pyoptim.get_num_threads() == before   # nothing changed


@pytest.mark.parametrize("n", [True, False, 2.0, "2", None])
def test_set_num_threads_non_integer_raises_type_error(n):
    with pytest.raises(TypeError, match="must be an integer"):
        pyoptim.set_num_threads(n)


def test_get_num_threads_tells_the_truth():
    bound = _bound()
    assert bound == MAX_THREADS or bound >= 1   # lower only when OMP_THREAD_LIMIT says so
    pyoptim.set_num_threads(1)
    assert pyoptim.get_num_threads() == 1
    pyoptim.set_num_threads(3)
    if pyoptim.get_num_threads() == 1:
        pytest.skip("built without OpenMP (PYOPTIM_OPENMP=0): every call runs on one thread, "
                    "get_num_threads() is 1 whatever is set")
    assert pyoptim.get_num_threads() == 3
    pyoptim.set_num_threads(np.int64(5))      # any integer type (__index__)
    assert pyoptim.get_num_threads() == 5


def test_many_threads_give_the_one_thread_result():
    """64 threads on a 2-core machine (more than cores: libgomp oversubscribes) give the bits of 1."""
    x = np.random.default_rng(0).standard_normal(3 * kernels.PAR_GRAIN)

    def run():
        y = x.copy()
        kernels.clamp_arrays([y], 0.5)
        return kernels.grad_norm([x]), y

    norm, y = same_bits_for_thread_counts(run, counts=(1, 64))
    assert np.array_equal(y, np.clip(x, -0.5, 0.5))     # and the clamp is np.clip's
    assert norm == pytest.approx(np.linalg.norm(x), rel=1e-12)


@pytest.mark.slow
def test_the_largest_thread_count_runs_a_large_kernel():
    bound = _bound()
    pyoptim.set_num_threads(bound)
    assert pyoptim.get_num_threads() in (bound, 1)
    x = np.ones(4 * kernels.PAR_GRAIN)
    kernels.scale_arrays([x], 2.0)
    assert np.all(x == 2.0)


# ---- sizes --------------------------------------------------------------------------------------------

def test_max_norm_of_an_empty_array_with_huge_sides():
    """(1, 0, 2**60) exists (size 0); the column count 2**60 must not size a workspace or a loop."""
    a = np.empty((1, 0, 2**60), np.float32)
    assert kernels.max_norm(a, max_value=1.0, axis=1) == 0
    assert kernels.max_norm(a, max_value=1.0, axis=0) == 0


# ---- no silent acceptance of non-finite values --------------------------------------------------------

def _quad(x):
    return 0.5 * float(x @ x), x.copy()


@pytest.mark.parametrize("f", [math.nan, math.inf, -math.inf])
def test_line_search_rejects_a_nonfinite_f(f):
    x = np.array([1.0, -2.0])
    with pytest.raises(ValueError, match=r"invalid f: .* \(expected a finite value\)"):
        kernels.line_search(_quad, x, -x, f, x.copy())


@pytest.mark.parametrize("t", [math.inf, math.nan, 0.0, -1.0])
def test_line_search_rejects_a_nonfinite_or_nonpositive_step(t):
    x = np.array([1.0, -2.0])
    with pytest.raises(ValueError, match=r"invalid t: .* \(expected a finite value > 0\)"):
        kernels.line_search(_quad, x, -x, 2.5, x.copy(), t=t)


@pytest.mark.parametrize("bad", ["d", "g"])
def test_line_search_rejects_a_nonfinite_slope(bad):
    x = np.array([1.0, -2.0])
    d, g = -x, x.copy()
    {"d": d, "g": g}[bad][0] = -np.inf if bad == "d" else np.inf
    with pytest.raises(ValueError, match="not a descent direction"):
        kernels.line_search(_quad, x, d, 2.5, g)


@pytest.mark.parametrize("kind", ["strong-wolfe", "more-thuente", "backtracking"])
def test_line_search_nan_objective_never_meets_the_conditions(kind):
    """fun is NaN everywhere but at x: no trial is accepted, outcome 2 (failed), x_new = x, t = 0."""
    x = np.array([1.0, -2.0])

    def fun(v):
        if np.array_equal(v, x):
            return _quad(v)
        return math.nan, v.copy()

    t, f_new, x_new, g_new, nfev, outcome = kernels.line_search(fun, x, -x, 2.5, x.copy(), kind=kind)
    assert outcome != 0
    assert not (f_new < 2.5)          # no decrease claimed
    assert nfev >= 1


@pytest.mark.parametrize("gamma", [math.nan, math.inf, -math.inf])
def test_lbfgs_two_loop_nonfinite_gamma_is_invalid_not_missing(gamma):
    d = np.zeros(3)
    g = np.ones(3)
    s = y = np.zeros((2, 3))
    rho = np.zeros(2)
    with pytest.raises(ValueError, match=r"lbfgs_two_loop\(\): invalid gamma: .* \(expected a finite value\)"):
        kernels.lbfgs_two_loop(d, g, s, y.copy(), rho, newest=0, count=0, gamma=gamma)
    assert np.all(d == 0)
    with pytest.raises(TypeError, match="required"):
        kernels.lbfgs_two_loop(d, g, s, y.copy(), rho, newest=0, count=0)


@pytest.mark.parametrize("call, name", [
    (lambda p, g: kernels.sgd_step(p, g, lr=math.inf), "lr"),
    (lambda p, g: kernels.sgd_step(p, g, lr=0.1, weight_decay=math.inf), "weight_decay"),
    (lambda p, g: kernels.sgd_step(p, g, np.zeros(4), lr=0.1, momentum=0.9, dampening=-math.inf), "dampening"),
    (lambda p, g: kernels.adam_step(p, g, np.zeros(4), np.zeros(4), lr=0.1, eps=math.inf, step=1), "eps"),
    (lambda p, g: kernels.adam_step(p, g, np.zeros(4), np.zeros(4), lr=0.1, step=math.inf), "step"),
    (lambda p, g: kernels.adagrad_step(p, g, np.zeros(4), lr=0.1, lr_decay=math.inf, step=1), "lr_decay"),
    (lambda p, g: kernels.rmsprop_step(p, g, np.zeros(4), lr=0.1, momentum=math.inf, momentum_buffer=np.zeros(4)),
     "momentum"),
    (lambda p, g: kernels.cholesky_solve(p, np.eye(4), g, shift=math.inf), "shift"),
    (lambda p, g: kernels.coordinate_descent_sweep(p, np.eye(4), g, l1=math.inf), "l1"),
    (lambda p, g: kernels.least_squares_value_and_grad(p, g, np.ones((3, 4)), np.ones(3), l2=math.inf), "l2"),
])
def test_infinite_hyperparameters_raise_the_usual_message(call, name):
    p, g = np.ones(4), np.full(4, 0.5)
    p0 = p.copy()
    with pytest.raises(ValueError, match=rf"invalid {name}: -?inf \(expected a finite value"):
        call(p, g)
    assert np.array_equal(p, p0)


def test_cg_step_rejects_an_infinite_rr():
    x, r, p, Ap = np.zeros(2), np.ones(2), np.ones(2), np.ones(2)
    with pytest.raises(ValueError, match="invalid rr: inf"):
        kernels.cg_step(x, r, p, Ap, math.inf)
    assert np.all(x == 0)


def test_infinite_bounds_keep_their_documented_meaning():
    """clip_value / max_value / radius / threshold = inf are "no bound" (or "all to zero"), as documented."""
    x = np.array([1e300, -3.0, 0.5])
    y = x.copy()
    kernels.clamp_arrays([y], math.inf)
    assert np.array_equal(y, np.clip(x, -math.inf, math.inf))
    y = x.copy()
    kernels.l2_ball_project(y, radius=math.inf)
    assert np.array_equal(y, x)
    y = x.copy()
    kernels.prox_l1(y, threshold=math.inf)
    assert np.array_equal(y, np.zeros(3))
