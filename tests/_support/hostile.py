"""The one hostile-input generator: the special values (:func:`specials`, :func:`special_grid`) and every
way a valid kernel call can be made wrong, one argument at a time.

Given a valid call (argument name -> value, e.g. from a kernel_registry spec, or a fixed table of valid
arguments), :func:`mutations` lists the hostile variants, and :func:`mutate` makes one of them and
says what the kernel must do with it:

=============  =================================================================  ==========================
kind           the argument becomes                                               the kernel must
=============  =================================================================  ==========================
byteswap       the same values in the other byte order                            raise TypeError, naming it
dtype          float16, int64, complex128 or bool (float64 for a non-float)      raise TypeError, naming it
mixed          the other float dtype (float32 <-> float64)                        raise TypeError, naming it,
                                                                                  if another array keeps the
                                                                                  dtype; else either
list           a nested Python list                                               raise TypeError, naming it
none           None (a required array, or an element of a list argument)         raise TypeError, naming it
readonly       a read-only copy                                                   raise ValueError naming it
                                                                                  (written); else match
unaligned      a copy at an odd address                                           raise ValueError, naming it
noncontig      every other element of a larger buffer                             raise ValueError, naming it
fortran        a Fortran-ordered copy                                             raise ValueError, naming it
zero_d         a 0-d array of its first element                                   either
shape          ones with the last side one longer                                 either
alias          the same array as another argument, one of them written           either (ValueError)
overlap        a view overlapping another argument by all but one element        raise ValueError
hyper_nan      NaN for a float hyperparameter                                     either
hyper_str      "x" for a number                                                   raise TypeError
bad_hyper      a documented out-of-range value (spec.bad_hypers)                  raise ValueError, naming it
not_a_list     the first array of a list argument, not in a list                  raise TypeError
=============  =================================================================  ==========================

"either" means: raise TypeError or ValueError changing nothing, or succeed and match the twin; "match":
succeed and match the twin. :func:`mutate` with ``strict=True`` tightens the rules for kernels whose
arrays all share one shape and never alias (the first-order steps, dropout): a changed shape or a 0-d
array then must raise ValueError naming the argument, an alias must raise ValueError, and each kind's
message must say what is wrong (:data:`MESSAGES`). The property tests (tests/reliability/
test_rel_properties.py) draw from this generator with hypothesis; the kernel tests
(tests/kernels/test_optim_kernels.py, test_reg_kernels.py) enumerate it (:func:`table`).
"""
from __future__ import annotations

import inspect
import math
import re
import warnings
from dataclasses import dataclass

import numpy as np

import kernel_registry as kr  # a module import: kernel_registry imports this one
from threads import same_bits

ALLOWED = (TypeError, ValueError)
#: the dtypes a float array is changed to by the "dtype" mutation (a non-float array: float64)
TO_DTYPES = (np.float16, np.int64, np.complex128, np.bool_)
#: what the message says, per kind, under strict rules (a regular expression)
MESSAGES = {
    "byteswap": "byte order", "dtype": "must have dtype float32 or float64", "mixed": "mixed dtypes",
    "list": "must be a numpy.ndarray", "none": "must be a numpy.ndarray", "readonly": "read-only",
    "unaligned": "aligned", "noncontig": "C-contiguous", "fortran": "C-contiguous",
    "zero_d": "shape|dimension", "shape": "shape", "alias": "share memory", "overlap": "share memory",
    "bad_hyper": r"invalid \w+: .* \(expected ",
    # named (the argument must appear in the message too): po_parse names the optional numbers the
    # C converters refuse, po_required_float the required ones
    "hyper_str": "must be (a real number|an integer)",
}


# ---- hostile values ------------------------------------------------------------------------------------

def specials(dtype) -> np.ndarray:
    """NaN, +-inf, +-0, denormals, the smallest normal, huge values (1e300 in float64), +-1."""
    fi = np.finfo(dtype)
    huge = 1e300 if dtype == np.float64 else 1e38
    sub = float(fi.smallest_subnormal)
    vals = [np.nan, np.inf, -np.inf, 0.0, -0.0, sub, -sub, 3 * sub, float(fi.tiny), -float(fi.tiny),
            huge, -huge, float(fi.max), -float(fi.max), 1.0, -1.0, 0.5]
    return np.array(vals, dtype=dtype)


def special_grid(dtype, kinds: str, huge: bool = True) -> list[np.ndarray]:
    """Every combination of special values, one flat C-contiguous array per letter of `kinds` ("s": NaN,
    +-inf, +-0, 1, -2.5, the smallest denormal, huge; "n": NaN, inf, 0, 1, the smallest denormal, huge),
    for kernels with one array per letter: element i of every array is one combination. huge is 1e300
    (1e38 in float32); huge=False puts 1e3 there, leaving out the values whose square overflows."""
    big = [1e300 if dtype == np.float64 else 1e38] if huge else [1e3]
    sub = float(np.finfo(dtype).smallest_subnormal)
    sets = {"s": [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.5, sub] + big,
            "n": [np.nan, np.inf, 0.0, 1.0, sub] + big}
    grids = np.meshgrid(*[sets[k] for k in kinds], indexing="ij")
    return [np.ascontiguousarray(g.ravel().astype(dtype)) for g in grids]


# ---- hostile calls -------------------------------------------------------------------------------------

def is_arrays(v) -> bool:
    """An array, or a list/tuple holding arrays."""
    return isinstance(v, np.ndarray) or (isinstance(v, (list, tuple)) and any(isinstance(x, np.ndarray) for x in v))


def slots(values: dict) -> list[tuple[str, int | None]]:
    """Every array in the call: (argument, None) for an array argument, (argument, i) for element i of
    a list argument."""
    out = []
    for k, v in values.items():
        if isinstance(v, np.ndarray):
            out.append((k, None))
        elif isinstance(v, (list, tuple)) and is_arrays(v):
            out += [(k, i) for i in range(len(v))]
    return out


def get(vals, slot):
    k, i = slot
    return vals[k] if i is None else vals[k][i]


def put(vals, slot, new):
    k, i = slot
    if i is None:
        vals[k] = new
    else:
        lst = list(vals[k])
        lst[i] = new
        vals[k] = type(vals[k])(lst)


def other_float(dt):
    return np.float64 if np.dtype(dt) == np.float32 else np.float32


def mutations(fn, values: dict, written=(), bad_hypers=None) -> list[tuple]:
    """Every hostile variant of the valid call `values` of kernel `fn`, as (kind, target) pairs; the target
    is a slot, a pair of slots (alias, overlap), an argument name, or (name, index into bad_hypers[name])."""
    params = inspect.signature(fn).parameters
    bad_hypers = bad_hypers or {}
    sl_all = slots(values)
    out = []
    for sl in sl_all:
        a = get(values, sl)
        k = sl[0]
        out += [("byteswap", sl), ("dtype", sl), ("list", sl), ("readonly", sl), ("unaligned", sl),
                ("shape", sl)]
        if a.dtype.kind == "f":
            out.append(("mixed", sl))
        if a.ndim >= 1 and a.size > 1:
            out.append(("noncontig", sl))
        if a.ndim >= 2 and a.size > 1:
            out.append(("fortran", sl))
        if a.size >= 1:
            out.append(("zero_d", sl))
        if sl[1] is not None or params[k].default is inspect.Parameter.empty:
            out.append(("none", sl))
        for sj in sl_all:
            b = get(values, sj)
            if sj != sl and b.shape == a.shape and b.dtype == a.dtype and \
                    (k in written or sj[0] in written):
                out.append(("alias", (sl, sj)))
                if a.size >= 2:
                    out.append(("overlap", (sl, sj)))
    for k, v in values.items():
        if isinstance(v, (list, tuple)):
            out.append(("not_a_list", k))
        elif isinstance(v, float):
            out += [("hyper_nan", k), ("hyper_str", k)]
        elif isinstance(v, int) and not isinstance(v, bool):
            out.append(("hyper_str", k))
    for k, bads in bad_hypers.items():
        if k in params:
            out += [("bad_hyper", (k, i)) for i in range(len(bads))]
    return out


def dtype_choices(a) -> tuple:
    return TO_DTYPES if a.dtype.kind == "f" else (np.float64,)


def table(fn, values: dict, written=(), bad_hypers=None) -> list[tuple]:
    """:func:`mutations` with every choice spelled out: (kind, target, choice), one row per target dtype
    of a "dtype" mutation (choice None elsewhere), for a parametrized table."""
    out = []
    for kind, target in mutations(fn, values, written, bad_hypers):
        if kind == "dtype":
            out += [(kind, target, np.dtype(d).name) for d in dtype_choices(get(values, target))]
        else:
            out.append((kind, target, None))
    return out


def case_id(kind, target, choice=None) -> str:
    def s(t):
        if isinstance(t, tuple) and len(t) == 2 and isinstance(t[0], tuple):
            return f"{s(t[0])}={s(t[1])}"
        if isinstance(t, tuple):
            return t[0] if t[1] is None else f"{t[0]}[{t[1]}]"
        return str(t)
    return f"{kind}-{s(target)}" + (f"-{choice}" if choice else "")


@dataclass
class Verdict:
    """What the kernel must do with a mutated call: rule 'raise' (one of exc, naming argname, changing
    nothing), 'match' (succeed, match the twin) or 'either'; message: what the error says (strict only)."""
    kind: str
    rule: str
    exc: tuple
    argname: str | None = None
    message: str | None = None


def _shares_shape(values, sl) -> bool:
    a = get(values, sl)
    return any(sj != sl and sj[1] is None and get(values, sj).shape == a.shape for sj in slots(values))


def mutate(kind, target, values: dict, kvals: dict, tvals: dict, *, written=(), bad_hypers=None,
           pick=None, strict: bool = False, dtype=np.float64) -> Verdict:
    """Apply one mutation: `kvals` (the kernel's arguments, from `values`) and `tvals` (the twin's) are
    changed in place. `pick(options, label)` chooses among options (hypothesis' draw, or a fixed choice);
    by default the first. `dtype`: of the array that replaces an empty list. Returns the :class:`Verdict`."""
    pick = pick or (lambda options, label: options[0])
    bad_hypers = bad_hypers or {}
    rule, exc, argname = "either", ALLOWED, None

    if kind in ("alias", "overlap"):
        sl, sj = target
        if kind == "alias":
            put(kvals, sj, get(kvals, sl))
            put(tvals, sj, get(tvals, sl))
            rule, exc = "either", (ValueError,)
            if strict:
                rule, argname = "raise", sj[0]
        else:
            a, b = get(values, sl), get(values, sj)
            n = a.size
            base = np.empty(n + 1, a.dtype)
            base[:n] = a.ravel()
            base[n] = b.ravel()[-1]
            put(kvals, sl, base[:n].reshape(a.shape))
            put(kvals, sj, base[1:].reshape(b.shape))
            rule, exc = "raise", (ValueError,)
    elif kind in ("hyper_nan", "hyper_str", "bad_hyper", "not_a_list"):
        if kind == "bad_hyper":
            k, i = target
            new = bad_hypers[k][i]
            # OverflowError: an int beyond 64 bits; TypeError: the optim bindings treat a NaN lr/step as
            # missing (reported in tests/reliability/test_rel_bugs.py) -- either way the argument is named
            rule, exc, argname = "raise", (ValueError, OverflowError, TypeError), k
        elif kind == "not_a_list":
            k = target
            new = values[k][0] if len(values[k]) else np.zeros(3, dtype)
            rule, exc = "raise", (TypeError,)
        else:
            k = target
            new = math.nan if kind == "hyper_nan" else "x"
            rule, exc = ("either", ALLOWED) if kind == "hyper_nan" else ("raise", (TypeError,))
            if kind == "hyper_str":
                argname = k
        kvals[k] = kr.copy_values(new)
        tvals[k] = kr.copy_values(new)
    else:
        sl = target
        a = get(values, sl)
        argname = sl[0]
        if kind == "byteswap":
            new = a.astype(a.dtype.newbyteorder())
            rule, exc = ("raise", (TypeError,)) if a.dtype.itemsize > 1 else ("either", ALLOWED)
        elif kind == "dtype":
            to = pick(list(dtype_choices(a)), "to_dtype")
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                new = a.astype(to)
            rule, exc = "raise", (TypeError,)
        elif kind == "mixed":
            with np.errstate(all="ignore"):
                new = a.astype(other_float(a.dtype))
            # mixed dtypes are an error between arguments; elements of one list are independent arrays
            others = [b for sj in slots(values) if sj != sl and sj[1] is None and sl[1] is None
                      for b in [get(values, sj)] if b.dtype == a.dtype]
            strict_mixed = bool(others)
            rule, exc = ("raise", (TypeError,)) if strict_mixed else ("either", ALLOWED)
            argname = argname if strict_mixed else None
        elif kind == "list":
            new = a.tolist()
            rule, exc = "raise", (TypeError,)
        elif kind == "none":
            new = None
            rule, exc = "raise", (TypeError,)
        elif kind == "readonly":
            new = a.copy()
            new.flags.writeable = False
            if sl[0] in written:
                rule, exc = "raise", (ValueError,)
            else:
                rule = "match"
        elif kind == "unaligned":
            buf = np.empty(a.nbytes + 1, np.uint8)
            new = buf[1:].view(a.dtype).reshape(a.shape)
            new[...] = a
            rule, exc = ("raise", (ValueError,)) if not new.flags.aligned else ("match", ALLOWED)
        elif kind in ("noncontig", "fortran"):
            if kind == "fortran":
                new = np.asfortranarray(a)
            else:
                big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
                big[..., ::2] = a
                new = big[..., ::2]
            rule, exc = ("raise", (ValueError,)) if not new.flags.c_contiguous else ("match", ALLOWED)
        elif kind == "zero_d":
            new = np.array(a.ravel()[0])
            rule, exc, argname = "either", ALLOWED, None
        elif kind == "shape":
            shp = a.shape[:-1] + (a.shape[-1] + 1,) if a.ndim else (1,)
            new = np.ones(shp, a.dtype)
            rule, exc, argname = "either", ALLOWED, None
        else:  # pragma: no cover
            raise AssertionError(kind)
        if strict and kind in ("zero_d", "shape") and sl[1] is None and _shares_shape(values, sl):
            rule, exc, argname = "raise", (ValueError,), sl[0]
        if rule == "match":
            argname = None
        put(kvals, sl, new)
        put(tvals, sl, kr.copy_values(new))
    message = MESSAGES.get(kind) if strict and rule == "raise" else None
    return Verdict(kind, rule, exc, argname, message)


def run_case(fn, twin, kernel_values: dict, written=(), bad_hypers=None, *, case, close=None) -> str:
    """One row of a :func:`table` under strict rules, judged: a copy of `kernel_values` is mutated,
    `fn` called on it. 'raise': the right exception, naming the argument, saying what is wrong, nothing
    changed. 'match': success, and the written arrays `close(kernel, twin, name)` to the twin's (default:
    the same values, NaN where NaN). 'either': one or the other. Returns 'raised' or 'ok'."""
    kind, target, choice = case
    kvals = {k: kr.copy_values(v) for k, v in kernel_values.items()}
    tvals = {k: kr.copy_values(v) for k, v in kernel_values.items()}
    pick = (lambda options, label: next(o for o in options if np.dtype(o).name == choice))
    v = mutate(kind, target, kernel_values, kvals, tvals, written=written, bad_hypers=bad_hypers, pick=pick,
               strict=True)
    before = {k: kr.copy_values(x) for k, x in kvals.items() if is_arrays(x)}
    args = kr.split_args(fn, kvals)
    try:
        fn(*args[0], **args[1])
    except Exception as e:  # noqa: BLE001 - judged below
        msg = str(e)
        if v.rule == "match" or not isinstance(e, v.exc):
            raise AssertionError(f"{case_id(*case)}: raised {type(e).__name__}: {msg} (rule {v.rule}, "
                                 f"expected {[x.__name__ for x in v.exc]})") from e
        if kind not in ("alias", "overlap") and isinstance(target, tuple) and len(target) == 2 \
                and isinstance(target[1], int) and isinstance(target[0], str) and kind != "bad_hyper":
            name = f"{target[0]}[{target[1]}]"   # an element of a list argument: named with its index
        else:
            name = v.argname
        named = name is None or f"'{name}'" in msg or f"invalid {name}: " in msg
        assert named, f"{case_id(*case)}: the message does not name '{name}': {msg}"
        if v.message is not None:
            assert re.search(v.message, msg), f"{case_id(*case)}: the message does not say {v.message!r}: {msg}"
        for k, x in before.items():
            assert same_bits(kvals[k], x), f"{case_id(*case)}: raised, but changed '{k}'"
        return "raised"
    assert v.rule != "raise", f"{case_id(*case)}: accepted a call that must raise {[x.__name__ for x in v.exc]}"
    targs = kr.split_args(twin, tvals)
    with np.errstate(all="ignore"):
        twin(*targs[0], **targs[1])
    close = close or (lambda a, b, name: np.testing.assert_array_equal(a, b, err_msg=name))
    for k in written:
        if isinstance(kvals.get(k), np.ndarray):
            close(kvals[k], tvals[k], f"{case_id(*case)}: '{k}'")
    return "ok"


# ---- the kernel tables' two halves -----------------------------------------------------------------------

def params(names, valid):
    """pytest parameters (name, case) for every hostile variant of each kernel's valid call ``valid(name)``
    (the strict tables of tests/kernels)."""
    import pytest

    from pyoptim import kernels

    for name in names:
        spec = kr.spec_for(name)
        for case in table(getattr(kernels, name), valid(name), spec.written, spec.bad_hypers):
            yield pytest.param(name, case, id=f"{name}-{case_id(*case)}")


def run_param(name, case, valid, **kw):
    """:func:`run_case` of one :func:`params` case: the C kernel judged, its twin the reference."""
    from pyoptim import _reference, kernels

    spec = kr.spec_for(name)
    run_case(getattr(kernels, name), getattr(_reference, name), valid(name), spec.written, spec.bad_hypers,
             case=case, **kw)
