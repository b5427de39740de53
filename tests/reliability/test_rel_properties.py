"""Property-based tests over every function in pyoptim.kernels (issue 6, part 2).

For each kernel (tests/_support/kernel_registry.py describes them), hypothesis draws:

* valid calls: float32/float64, shapes from 0-d-free empty to > 32768 elements (the OpenMP path), values
  with NaN, +-inf, denormals, huge numbers (1e300), random thread counts. The kernel must match its
  NumPy twin (tolerance in the registry; NaN where NaN, inf where inf), write nothing outside its
  outputs (every array lives inside a larger buffer whose margins are checked) and leave its inputs
  unchanged byte for byte;
* hostile calls: one argument made wrong (byte-swapped, other dtype, mixed dtypes, non-contiguous,
  Fortran order, unaligned, read-only target, 0-d, wrong shape, a list, None, aliased or partially
  overlapping with another argument, a bad hyperparameter), drawn from the one hostile-input generator,
  tests/_support/hostile.py. The kernel must raise TypeError or ValueError naming the argument and change
  nothing, or (where the mutation left the call valid) match the twin.

The default profile runs a modest number of examples per kernel; `pytest -m slow` runs the fuzzing
profile (PYOPTIM_REL_FUZZ_EXAMPLES, default 400, per kernel and class). The number of generated calls
per kernel is printed at the end of the module and written to PYOPTIM_REL_SUMMARY (default:
<tmp>/pyoptim_rel_fuzz_summary.json).
"""
from __future__ import annotations

import collections
import faulthandler
import inspect
import json
import os
import sys
import tempfile
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyoptim
from pyoptim import _reference, kernels

import hostile
import kernel_registry as kr
from threads import same_bits

# hypothesis imports its patch writer (libcst, when installed) while reporting a failure; libcst's import
# warns, which filterwarnings=error turns into an INTERNALERROR that hides the failure. Import it now.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import hypothesis.extra._patching  # noqa: F401
    except ImportError:
        pass

NAMES = kr.kernel_names()
COUNTS: collections.Counter = collections.Counter()

_common = dict(deadline=None, database=None, derandomize=True, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much, HealthCheck.large_base_example])

pytestmark = pytest.mark.c_only   # hostile inputs, guard bytes and twin agreement of the C kernels
DEFAULT = settings(max_examples=int(os.environ.get("PYOPTIM_REL_EXAMPLES", "25")), **_common)
FUZZ = settings(max_examples=int(os.environ.get("PYOPTIM_REL_FUZZ_EXAMPLES", "400")), **_common)

ALLOWED = hostile.ALLOWED
GUARD = 64  # bytes of margin on each side of every array
HANG_SECONDS = 300  # one kernel call taking longer than this is a hang


# ---- guarded buffers ----------------------------------------------------------------------------------

class Guarded:
    """`arr`'s contents in the middle of a larger byte buffer with random margins."""

    def __init__(self, arr: np.ndarray, seed: int = 0):
        nb = arr.nbytes
        self.buf = np.empty(nb + 2 * GUARD, np.uint8)
        self.buf[:] = np.random.default_rng(seed).integers(0, 256, self.buf.size, dtype=np.uint8)
        self.nb = nb
        self.view = self.buf[GUARD:GUARD + nb].view(arr.dtype).reshape(arr.shape)
        self.view[...] = arr
        self.before = self.buf.copy()

    def margins_intact(self) -> bool:
        return (np.array_equal(self.buf[:GUARD], self.before[:GUARD])
                and np.array_equal(self.buf[GUARD + self.nb:], self.before[GUARD + self.nb:]))


def _max_abs(values: dict) -> float:
    m = 0.0
    for v in values.values():
        for a in (v if isinstance(v, (list, tuple)) else [v]):
            if isinstance(a, np.ndarray) and a.size and a.dtype.kind == "f":
                with np.errstate(all="ignore"):
                    fa = np.abs(a[np.isfinite(a)])
                if fa.size:
                    m = max(m, float(fa.max()))
    return m


def _describe(values: dict) -> str:
    parts = []
    def one(v):
        if isinstance(v, np.ndarray):
            f = "C" if v.flags.c_contiguous else "nonC"
            vals = f" {np.array2string(v.ravel(), precision=17, separator=',')}" if 0 < v.size <= 16 else ""
            return (f"<{v.dtype.str} {v.shape} {f}{'' if v.flags.writeable else ' ro'}"
                    f"{'' if v.flags.aligned else ' unaligned'}{vals}>")
        if isinstance(v, (list, tuple)) and hostile.is_arrays(v):
            return "[" + ", ".join(one(x) for x in v) + "]"
        return f"{v!r}"[:80]
    for k, v in values.items():
        parts.append(f"{k}={one(v)}")
    return ", ".join(parts)


def assert_close(a, b, rtol, atol, what, loose=False, overflow_ok=False):
    """Kernel result `a` against twin result `b`: same shape; NaN where NaN; equal infinities; finite
    values within atol + rtol * |b|. Recurses into tuples, lists and dicts."""
    if isinstance(b, dict):
        assert isinstance(a, dict) and a.keys() == b.keys(), f"{what}: {a!r} vs {b!r}"
        for k in b:
            assert_close(a[k], b[k], rtol, atol, f"{what}[{k!r}]", loose, overflow_ok)
        return
    if isinstance(b, (tuple, list)):
        assert isinstance(a, (tuple, list)) and len(a) == len(b), f"{what}: {a!r} vs {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, rtol, atol, f"{what}[{i}]", loose, overflow_ok)
        return
    if b is None or a is None:
        assert a is None and b is None, f"{what}: kernel {a!r} vs twin {b!r}"
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs twin {b.shape}"
    if b.dtype.kind in "iub" or a.dtype.kind in "iub":
        assert np.array_equal(a, b), f"{what}: {a} vs twin {b}"
        return
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    an, bn = np.isnan(a64), np.isnan(b64)
    ai, bi = np.isinf(a64), np.isinf(b64)
    if loose:
        bad = (an | ai) != (bn | bi)
        if overflow_ok:
            bad &= ~(an | ai | bn | bi)   # one form overflowed where the other did not: allowed (see the spec)
    else:
        bad = an != bn
        bad |= (ai | bi) & ~(an | bn) & (a64 != b64)
    fin = ~(an | bn | ai | bi)
    with np.errstate(all="ignore"):
        bad |= fin & ~(np.abs(a64 - b64) <= atol + rtol * np.abs(b64))
    if bad.any():
        idx = np.argwhere(bad)[:5]
        detail = "; ".join(f"{tuple(i)}: kernel {a64[tuple(i)]!r} twin {b64[tuple(i)]!r}" for i in idx)
        raise AssertionError(f"{what}: {int(bad.sum())} of {bad.size} elements differ (rtol={rtol}, "
                             f"atol={atol}): {detail}")


# ---- one call, checked ----------------------------------------------------------------------------------

def _documented(spec: kr.KernelSpec, kvals: dict) -> tuple:
    """The errors the kernel documents for these very values (spec.expect): a mutation may create them,
    e.g. float64 values beyond float32's range become inf when the 'mixed' mutation casts them, and
    l1_ball_project documents FloatingPointError for a non-finite param."""
    try:
        return tuple(spec.expect(kvals) or ())
    except Exception:  # noqa: BLE001 - the mutated values may not be what expect() reads
        return ()


def run_checked(name: str, spec: kr.KernelSpec, kvals: dict, tvals: dict, *, rule: str,
                exc=ALLOWED, argname: str | None = None, guards=(), dtype=None) -> str:
    """Call the kernel on kvals and judge. rule: 'match' (must succeed and match the twin on tvals),
    'raise' (must raise `exc`, changing nothing), 'either' (raise `exc` changing nothing, or match).
    Returns the outcome ('ok' or 'raised')."""
    kernel = getattr(kernels, name)
    originals = {k: kr.copy_values(v) for k, v in kvals.items() if hostile.is_arrays(v)}
    desc = _describe(kvals)
    # a hang kills the run, with tracebacks (to the real stderr: pytest's capture may have no fileno)
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True, file=sys.__stderr__)
    try:
        kret = kr.call(kernel, kvals)
        err = None
    except Exception as e:  # noqa: BLE001 - judged below
        err = e
    finally:
        faulthandler.cancel_dump_traceback_later()
    for g in guards:
        assert g.margins_intact(), f"{name}({desc}): wrote outside an argument's memory (guard bytes changed)"
    if err is not None:
        if rule == "match" and not isinstance(err, spec.expect(kvals) or ()):
            raise AssertionError(f"{name}({desc}) raised on a valid call: {err!r}") from err
        if rule != "match" and not isinstance(err, exc + _documented(spec, kvals)):
            raise AssertionError(f"{name}({desc}) raised {type(err).__name__}, expected one of "
                                 f"{[e.__name__ for e in exc]}: {err}") from err
        if rule != "match" and argname is not None:
            assert argname in str(err), f"{name}({desc}): the message does not name '{argname}': {err}"
        if not isinstance(err, FloatingPointError):
            for k, v in originals.items():
                assert same_bits(kvals[k], v), f"{name}({desc}) raised {err!r} but changed '{k}'"
        return "raised"
    if rule == "raise":
        raise AssertionError(f"{name}({desc}) accepted a call that must raise {[e.__name__ for e in exc]} "
                             f"(argument {argname!r})")
    outs = [kvals[w] for w in spec.written if isinstance(kvals.get(w), np.ndarray)]
    for k, v in originals.items():
        aliased = isinstance(kvals[k], np.ndarray) and any(np.shares_memory(kvals[k], o) for o in outs)
        if k not in spec.written and not aliased:   # an input that IS an output (documented in-place use)
            assert same_bits(kvals[k], v), f"{name}({desc}): input '{k}' was modified"
    if not hasattr(_reference, name):
        return "ok-no-twin"   # tests/kernels/test_core.py fails on the missing twin; here: no crash, no stray write
    tret = kr.call_twin(name, tvals)
    # the tolerance of the least precise float array actually passed (a mutation may have changed it)
    dts = [a.dtype for v in kvals.values() for a in (v if isinstance(v, (list, tuple)) else [v])
           if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    if any(d.itemsize <= 4 for d in dts):
        dtype = np.float32
    rtol, atol = spec.tol(dtype if dtype is not None else np.float64)
    scale = _max_abs(originals)
    huge = spec.overflow_ok and scale > (1e150 if dtype == np.float64 else 1e18)
    if spec.scale_atol:
        atol = atol + rtol * scale
    for k in originals:
        if k in spec.written and (spec.compare is None or k in spec.compare):
            assert_close(kvals[k], tvals[k], rtol, atol, f"{name}({desc}): '{k}'", spec.nonfinite == "loose", huge)
    if spec.compare_return:
        assert_close(kret, tret, rtol, atol, f"{name}({desc}): return value", spec.nonfinite == "loose", huge)
    return "ok"


def _guard_all(values: dict, seed: int):
    guards, kvals = [], {}
    for i, (k, v) in enumerate(values.items()):
        if isinstance(v, np.ndarray):
            g = Guarded(v, seed + i)
            guards.append(g)
            kvals[k] = g.view
        elif isinstance(v, (list, tuple)) and hostile.is_arrays(v):
            gs = [Guarded(x, seed + 100 * i + j) for j, x in enumerate(v)]
            guards.extend(gs)
            kvals[k] = type(v)(g.view for g in gs)
        else:
            kvals[k] = v
    return kvals, guards


def check_valid(name: str, data, tag: str = "valid") -> None:
    spec = kr.spec_for(name)
    dtype = data.draw(st.sampled_from(spec.dtypes), label="dtype")
    values = spec.build(data.draw, dtype)
    pyoptim.set_num_threads(data.draw(st.sampled_from([1, 2, 3]), label="threads"))
    kvals, guards = _guard_all(values, 1)
    tvals = {k: kr.copy_values(v) for k, v in values.items()}
    outcome = run_checked(name, spec, kvals, tvals, rule="match", guards=guards, dtype=dtype)
    COUNTS[(name, tag)] += 1
    COUNTS[(name, f"{tag}:{outcome}")] += 1


# ---- hostile calls (the generator: tests/_support/hostile.py) ----------------------------------------

def check_hostile(name: str, data, tag: str = "hostile") -> None:
    spec = kr.spec_for(name)
    dtype = data.draw(st.sampled_from(spec.dtypes), label="dtype")
    values = spec.build(data.draw, dtype)
    muts = hostile.mutations(getattr(kernels, name), values, spec.written, spec.bad_hypers)
    if not muts:
        return
    kind, target = data.draw(st.sampled_from(muts), label="mutation")
    kvals, guards = _guard_all(values, 7)
    tvals = {k: kr.copy_values(v) for k, v in values.items()}
    v = hostile.mutate(kind, target, values, kvals, tvals, written=spec.written, bad_hypers=spec.bad_hypers,
                       pick=lambda options, label: data.draw(st.sampled_from(options), label=label), dtype=dtype)
    outcome = run_checked(name, spec, kvals, tvals, rule=v.rule, exc=v.exc, argname=v.argname, guards=guards,
                          dtype=dtype)
    COUNTS[(name, tag)] += 1
    COUNTS[(name, f"{tag}:{kind}:{outcome}")] += 1


# ---- the tests ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
@DEFAULT
@given(data=st.data())
def test_valid_calls_match_twin(name, data):
    check_valid(name, data)


@pytest.mark.parametrize("name", NAMES)
@DEFAULT
@given(data=st.data())
def test_hostile_calls_raise_cleanly(name, data):
    check_hostile(name, data)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_fuzz_valid_calls_match_twin(name, data):
    check_valid(name, data, "fuzz-valid")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_fuzz_hostile_calls_raise_cleanly(name, data):
    check_hostile(name, data, "fuzz-hostile")


def test_every_kernel_is_described():
    """Every kernel has a twin and a spec; explicit specs name only existing arguments."""
    for name in NAMES:
        assert hasattr(_reference, name), f"no twin for {name}"
        spec = kr.spec_for(name)
        params = inspect.signature(getattr(kernels, name)).parameters
        for k in spec.written:
            assert k in params, f"{name}: registry lists unknown written argument {k!r}"


def test_guard_detects_out_of_bounds_write():
    """The guard-byte check itself can fail: a write one element past the view is seen."""
    g = Guarded(np.zeros(4))
    assert g.margins_intact()
    g.buf[GUARD + g.nb] ^= 1
    assert not g.margins_intact()


def test_sanitized_core_is_the_one_imported():
    """Under scripts/sanitize.sh, the extension imported is the sanitized copy, not the normal build."""
    expect = os.environ.get("PYOPTIM_EXPECT_CORE")
    if not expect:
        pytest.skip("only meaningful under scripts/sanitize.sh (PYOPTIM_EXPECT_CORE unset)")
    f = os.path.realpath(pyoptim._core.__file__)
    assert f.startswith(os.path.realpath(expect) + os.sep), f


def _per_kernel() -> dict:
    per: dict = {}
    for (name, key), n in sorted(COUNTS.items()):
        per.setdefault(name, {})[key] = n
    return per


def _write_summary(per: dict) -> str:
    path = os.environ.get("PYOPTIM_REL_SUMMARY",
                          os.path.join(tempfile.gettempdir(), "pyoptim_rel_fuzz_summary.json"))
    try:
        with open(path) as f:
            old = json.load(f)
    except (OSError, ValueError):
        old = {}
    for name, d in per.items():
        old.setdefault(name, {}).update(d)
    with open(path, "w") as f:
        json.dump(old, f, indent=1, sort_keys=True)
    return path


@pytest.fixture(autouse=True)
def _summary_each(request):
    """Keep the summary file current after every test (a long fuzzing run can be read while it runs)."""
    yield
    if COUNTS:
        _write_summary(_per_kernel())


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    if not COUNTS:
        return
    per = {}
    for (name, key), n in sorted(COUNTS.items()):
        per.setdefault(name, {})[key] = n
    path = os.environ.get("PYOPTIM_REL_SUMMARY",
                          os.path.join(tempfile.gettempdir(), "pyoptim_rel_fuzz_summary.json"))
    try:
        with open(path) as f:
            old = json.load(f)
    except (OSError, ValueError):
        old = {}
    for name, d in per.items():
        old.setdefault(name, {}).update(d)
    with open(path, "w") as f:
        json.dump(old, f, indent=1, sort_keys=True)
    tr = request.config.pluginmanager.getplugin("terminalreporter")
    cap = request.config.pluginmanager.getplugin("capturemanager")
    if tr is not None and cap is not None:
        with cap.global_and_fixture_disabled():
            _print_summary(tr, per, path)


def _print_summary(tr, per, path):
    tr.write_line("")
    tr.write_line(f"reliability: generated calls per kernel this run (summary in {path})")
    tr.write_line(f"  {'kernel':28s} {'valid':>7s} {'hostile':>7s} {'fuzz-valid':>10s} {'fuzz-hostile':>12s}")
    tot = collections.Counter()
    for name, d in per.items():
        row = [d.get(t, 0) for t in ("valid", "hostile", "fuzz-valid", "fuzz-hostile")]
        tot.update(dict(zip("abcd", row)))
        tr.write_line(f"  {name:28s} {row[0]:7d} {row[1]:7d} {row[2]:10d} {row[3]:12d}")
    tr.write_line(f"  {'total':28s} {tot['a']:7d} {tot['b']:7d} {tot['c']:10d} {tot['d']:12d}")
