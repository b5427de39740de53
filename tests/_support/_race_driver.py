"""Race driver for tests/reliability/test_rel_races.py (issue 12): run in a subprocess, so that a crash of the C core
(a segfault, an ASan report) is a failed test and not a dead pytest.

    python tests/_support/_race_driver.py SCENARIO [options]

Scenarios (each prints one line ``RESULT <json>`` on success and exits 0):

* ``registry``: for every kernel of tests/_support/kernel_registry.py (or --names), valid calls drawn from its spec
  (large shapes, so the OpenMP path runs and the call lasts), each run while an attacker thread clears,
  refills and reorders every list argument, rewrites every array argument in place (NaN, inf, huge
  values; integer labels far out of range), flips array shapes and tries to resize them. Each call must
  return or raise one of the documented exceptions; the JSON counts the outcomes per kernel.
* ``list-cleared``: the crash of issue 12 (heap use-after-free): a second thread empties the list passed to
  scale_arrays / grad_norm / clamp_arrays while the kernel runs.
* ``labels-rewritten``: a second thread writes out-of-range labels while softmax_cross_entropy and
  softmax_value_and_grad run (validated, then read again with the GIL released).
* ``line-search-frees-x``: line_search's fun resizes (refcheck=False) the caller's x, d and g to nothing;
  the search must return exactly what it returns on untouched arrays.
* ``minimize-callback-resizes-model``: _minimize with a C softmax objective and a Python callback that
  tries to resize the model's arrays and rewrites its labels.
* ``solver-callback-resizes-matrices``: BFGS, L-BFGS and L-BFGS-B with a callback that tries to resize
  hess_inv0 and state_out.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

#: exceptions a kernel may raise when its inputs change under it (documented in csrc/module.c's header)
ALLOWED = (ValueError, TypeError, FloatingPointError, np.linalg.LinAlgError)


class Attacker(threading.Thread):
    """Until stopped: mutate every argument of one call, cycling through the attacks."""

    def __init__(self, values: dict, seed: int):
        super().__init__(daemon=True)
        self.values = values
        self.stop = threading.Event()
        self.started_attacking = threading.Event()
        self.rng = np.random.default_rng(seed)
        self.rounds = 0

    def _array(self, a: np.ndarray):
        k = self.rounds % 6
        if a.dtype.kind in "iu":   # labels: far out of range, negative, then valid again
            info = np.iinfo(a.dtype)
            a[...] = (info.max, -1, info.min, 0, 1, info.max // 2)[k]
            return
        if k == 0:
            a[...] = np.nan
        elif k == 1:
            a[...] = np.inf
        elif k == 2:
            a[...] = self.rng.standard_normal(a.shape).astype(a.dtype, copy=False) * 1e30
        elif k == 3 and a.ndim >= 1 and a.size:
            old = a.shape
            try:
                a.shape = (a.size,)   # a new shape of the same memory, then back
                a.shape = old
            except (AttributeError, ValueError):
                pass
        elif k == 4:
            try:
                a.resize((a.size * 4 + 16,))   # refused: the call holds a reference
            except (ValueError, SystemError):
                pass
        else:
            a[...] = 0

    def _list(self, lst: list):
        k = self.rounds % 4
        if k == 0:
            lst.clear()
        elif k == 1:
            lst.extend(np.ones(self.rng.integers(1, 5000)) for _ in range(3))
        elif k == 2:
            lst.reverse()
            if lst:
                del lst[0]
        else:
            lst[:] = [np.zeros(7), np.full(300000, 2.0, np.float32)]

    def run(self):
        try:
            self._attack()
        except BaseException as e:  # noqa: BLE001 - reported by attacked_call
            self.error = e
            self.started_attacking.set()

    error = None

    def _attack(self):
        while not self.stop.is_set():
            self.started_attacking.set()
            for v in list(self.values.values()):
                if isinstance(v, np.ndarray):
                    self._array(v)
                elif isinstance(v, list):
                    for a in list(v):
                        if isinstance(a, np.ndarray):
                            self._array(a)
                    self._list(v)
            self.rounds += 1


def attacked_call(fn, call, values, seed):
    """fn(values) with an Attacker on values; returns (outcome name, attack rounds)."""
    att = Attacker(values, seed)
    att.start()
    att.started_attacking.wait(10)
    try:
        call(fn, values)
        outcome = "ok"
    except ALLOWED as e:
        outcome = type(e).__name__
    finally:
        att.stop.set()
        att.join()
    if att.error is not None:
        raise RuntimeError(f"the attacker thread failed: {att.error!r}")
    return outcome, att.rounds


def scenario_registry(args):
    import kernel_registry as kr
    from pyoptim import kernels
    names = args.names or kr.kernel_names()
    counts = {}
    for name in names:
        fn = getattr(kernels, name)
        calls = kr.sample_calls(name, args.calls, big=True, finite=True, seed=args.seed)
        c = counts.setdefault(name, {})
        for i, values in enumerate(calls):
            for r in range(args.repeat):
                vals = {k: kr.copy_values(v) for k, v in values.items()}
                outcome, _ = attacked_call(fn, kr.call, vals, seed=1000 * i + r)
                c[outcome] = c.get(outcome, 0) + 1
    return counts


def scenario_list_cleared(args):
    from pyoptim import kernels
    counts = {}
    for name, extra in (("scale_arrays", (1.5,)), ("clamp_arrays", (0.5,)), ("grad_norm", (2.0,))):
        fn = getattr(kernels, name)
        for r in range(args.repeat):
            holder = [[np.ones(1_000_000) for _ in range(6)]]
            go = threading.Barrier(2)

            def clear():
                go.wait()
                holder[0].clear()      # the last references to the arrays (the kernel must hold its own)
                holder[0].append(np.zeros(3))

            t = threading.Thread(target=clear)
            t.start()
            lst = holder[0]
            go.wait()
            out = fn(lst, *extra)
            t.join()
            if name == "grad_norm":
                assert out == 0.0 or abs(out - 1000.0) < 1e-9 or np.isfinite(out), out
            counts[name] = counts.get(name, 0) + 1
    return counts


def scenario_labels_rewritten(args):
    from pyoptim import kernels
    B, K = 4000, 300
    z = np.zeros((B, K), np.float32)
    lab = np.zeros(B, np.int64)
    N, D, KK = 6000, 8, 50
    X = np.ones((N, D))
    y = np.zeros(N, np.int64)
    w = np.zeros(D * KK)
    g = np.empty(D * KK)
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            lab[::7] = 10**12
            y[::7] = -(10**12)
            lab[:] = 0
            y[:] = 0

    t = threading.Thread(target=writer)
    t.start()
    counts = {"ok": 0, "ValueError": 0}
    try:
        for _ in range(args.repeat):
            for call in (lambda: kernels.softmax_cross_entropy(z, lab, np.empty_like(z)),
                         lambda: kernels.softmax_value_and_grad(g, w, X, y, n_classes=KK)):
                try:
                    v = call()
                    assert np.isfinite(v), v
                    counts["ok"] += 1
                except ValueError as e:
                    assert "outside" in str(e) or "out of range" in str(e), e
                    counts["ValueError"] += 1
    finally:
        stop.set()
        t.join()
    return counts


def scenario_line_search_frees_x(args):
    from pyoptim import kernels
    n = 300_000   # 2.4 MB per array: freed memory goes back to the OS (munmap), so a stale read faults
    out = {}
    for kind in ("strong-wolfe", "more-thuente", "backtracking"):
        rng = np.random.default_rng(0)
        x0 = rng.standard_normal(n)
        f0, g0 = 0.5 * float(x0 @ x0), x0.copy()
        ref = kernels.line_search(lambda v: (0.5 * float(v @ v), v.copy()), x0.copy(), -g0, f0, g0.copy(),
                                  t=3.0, kind=kind)
        x, d, g = x0.copy(), -g0, g0.copy()

        def fun(v):
            for a in (x, d, g):
                if a.size:
                    a.resize((0,), refcheck=False)   # frees the caller's buffers under the search
            return 0.5 * float(v @ v), v.copy()

        res = kernels.line_search(fun, x, d, f0, g, t=3.0, kind=kind)
        assert x.size == 0 and d.size == 0 and g.size == 0
        assert res[0] == ref[0] and res[1] == ref[1] and res[4:] == ref[4:], (res[0], ref[0])
        assert np.array_equal(res[2], ref[2]) and np.array_equal(res[3], ref[3])
        out[kind] = res[5]
    return out


def scenario_minimize_callback_resizes_model(args):
    import pyoptim._core as core
    rng = np.random.default_rng(1)
    N, D, K = 400, 5, 3
    X = rng.standard_normal((N, D))
    y = rng.integers(0, K, N).astype(np.int64)
    refused = []

    def cb(xk, fk):
        for a in (X, y):
            try:
                a.resize((0,), refcheck=False)
            except ValueError:
                refused.append(1)
        y[::3] = 10**12   # out-of-range labels: the objective must report them, not read with them

    try:
        core._minimize(None, np.zeros(D * K), model=("softmax", X, y, 0.0, K), callback=cb, method=5,
                       maxiter=5)
        outcome = "ok"
    except ValueError as e:
        outcome = "ValueError"
        assert "out of range" in str(e) or "outside" in str(e), e
    assert X.shape == (N, D) and y.shape == (N,)
    return {"outcome": outcome, "refused_resizes": len(refused)}


def scenario_solver_callback_resizes_matrices(args):
    """_minimize (BFGS, L-BFGS) and _lbfgsb keep the data pointers of hess_inv0 and state_out for the solve
    and write state_out at its end: a callback that resizes them with refcheck=False (which frees their
    memory) is refused, and every solve ends with the result of an undisturbed run (was: the final write
    went into freed memory)."""
    import pyoptim._core as core
    n, m = 4, 3
    A = np.diag(np.arange(1.0, n + 1)) + 0.1
    b = np.arange(n, dtype=float)

    def vg(x):
        return float(0.5 * x @ A @ x - b @ x), A @ x - b

    out = {}
    runs = {"bfgs": (lambda cb, s, h: core._minimize(vg, np.ones(n), method=4, callback=cb,
                                                      state_out=s, hess_inv0=h), (n, n), True),
            "lbfgs": (lambda cb, s, h: core._minimize(vg, np.ones(n), method=5, m=m, callback=cb,
                                                       state_out=s), (2 * m, n), False),
            "lbfgsb": (lambda cb, s, h: core._lbfgsb(vg, np.ones(n), np.full(n, -0.5), np.full(n, 0.5), m=m,
                                                      callback=cb, state_out=s), (2 * m, n), False)}
    for name, (run, shape, with_h0) in runs.items():
        ref_state = np.zeros(shape)
        ref = run(None, ref_state, np.eye(n) if with_h0 else None)
        state, h0 = np.zeros(shape), np.eye(n)
        refused = []

        def cb(*a):
            for arr in (state, h0) if with_h0 else (state,):
                try:
                    arr.resize((0,), refcheck=False)
                except ValueError:
                    refused.append(1)

        got = run(cb, state, h0 if with_h0 else None)
        assert state.shape == shape and h0.shape == (n, n)
        assert np.array_equal(got[0], ref[0]) and got[3:] == ref[3:], name
        assert np.array_equal(state, ref_state), name
        out[name] = len(refused)
    return out


def scenario_huge_n_classes(args):
    """softmax_value_and_grad(..., n_classes=K) with D * K past size_t: ValueError before any allocation
    (was: the product wrapped, the shapes matched the wrapped size, the kernel wrote past a heap buffer)."""
    from pyoptim import kernels
    y = np.zeros(4, np.int64)
    X = np.ones((4, 4))
    out = {}
    for K in (2**62, 2**61 + 1, 2**63 - 1, 2**64):
        try:
            kernels.softmax_value_and_grad(np.zeros(0), np.zeros(0), X, y, n_classes=K)
            out[str(K)] = "ok"
        except (ValueError, OverflowError) as e:
            out[str(K)] = type(e).__name__ + (": n_classes" if "n_classes" in str(e) else "")
    return out


SCENARIOS = {
    "huge-n-classes": scenario_huge_n_classes,
    "registry": scenario_registry,
    "list-cleared": scenario_list_cleared,
    "labels-rewritten": scenario_labels_rewritten,
    "line-search-frees-x": scenario_line_search_frees_x,
    "minimize-callback-resizes-model": scenario_minimize_callback_resizes_model,
    "solver-callback-resizes-matrices": scenario_solver_callback_resizes_matrices,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--names", nargs="*")
    ap.add_argument("--calls", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import pyoptim
    pyoptim.set_num_threads(args.threads)
    res = SCENARIOS[args.scenario](args)
    print("RESULT " + json.dumps(res, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
