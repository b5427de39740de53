"""Every argument check of the Python package, in one place and one message format:

    Invalid <name>: <value!r> (expected <what>)

the format of the C core's errors and of the optimizers' hyperparameter checks, so a user sees the same
kind of message whichever layer refused the value.

A check is a *constraint object* (the manner of scikit-learn's ``utils/_param_validation.py``) handed to
:func:`check`, which returns the value converted (``int`` for an integer interval, ``float`` for a real one)
or raises, with ``<what>`` written by the constraint itself::

    n = check("n", n, Interval(Integral, 1, None, closed="left"))          # "an integer >= 1"
    a = check("alpha", a, Interval(Real, 0, None, closed="left", finite=True))  # "a finite number >= 0"
    m = check("mode", m, StrOptions("min", "max"))                        # "'min' or 'max'"
    b = check("batch_size", b, None, Interval(Integral, 1, None, closed="left"))   # None allowed

The short helpers below (:func:`check_int`, :func:`check_nonneg`, :func:`check_finite`,
:func:`check_choice`) are those calls spelled once, for the cases every module has.
"""
from __future__ import annotations

import math
from typing import Any
from numbers import Integral, Real

import numpy as np

__all__ = ["Interval", "Options", "StrOptions", "check", "check_int", "check_nonneg", "check_finite",
           "check_choice", "check_hyper", "check_betas", "check_seed", "check_float_dtype", "check_not_masked", "check_real", "Integral", "Real"]


# ---------------------------------------------------------------------------------------------------
# constraint objects
# ---------------------------------------------------------------------------------------------------

def _is_integer(value, strict: bool) -> bool:
    """An integer, never a bool; ``strict`` keeps to Python's int (NumPy integers refused)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, int) if strict else isinstance(value, (int, np.integer))


def _fmt(x) -> str:
    return "inf" if x == math.inf else ("-inf" if x == -math.inf else repr(x))


class Interval:
    """Numbers between ``left`` and ``right`` (None: unbounded on that side).

    type : ``Integral`` (Python or NumPy integers, never bool; converted to int), ``int`` (Python ints
        only), or ``Real`` (compared as given, converted to float; ``coerce=True`` first passes the value
        through ``float()``, so "1.5" and 0-d arrays count).
    closed : "left", "right", "both" or "neither": which bounds belong to the interval.
    finite : for Real, refuse NaN and ±inf as well (NaN never lies in an interval anyway).
    """

    def __init__(self, type, left, right, *, closed: str = "both", finite: bool = False, coerce: bool = False):
        if type not in (Integral, int, Real):
            raise TypeError(f"Invalid type: {type!r} (expected numbers.Integral, int or numbers.Real)")
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError(f"Invalid closed: {closed!r} (expected 'left', 'right', 'both' or 'neither')")
        self.type, self.left, self.right, self.closed = type, left, right, closed
        self.finite, self.coerce = finite, coerce

    def _in_bounds(self, v) -> bool:
        lo_closed = self.closed in ("left", "both")
        hi_closed = self.closed in ("right", "both")
        if self.left is not None and not (v >= self.left if lo_closed else v > self.left):
            return False
        if self.right is not None and not (v <= self.right if hi_closed else v < self.right):
            return False
        return True

    def convert(self, value):
        """The value converted when it satisfies the constraint, else ``_MISSING``. Comparisons are made on
        the value as given (a type that cannot be compared raises its own TypeError, as before)."""
        if self.type is Real:
            if self.coerce:
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    return _MISSING
            if self.finite and not bool(np.isfinite(value)):
                return _MISSING
            return float(value) if self._in_bounds(value) else _MISSING
        if not _is_integer(value, strict=self.type is int):
            return _MISSING
        return int(value) if self._in_bounds(value) else _MISSING

    def __str__(self) -> str:
        noun = "an integer" if self.type is not Real else ("a finite number" if self.finite else "a number")
        lo, hi = self.left, self.right
        if hi is None and lo is not None:
            return f"{noun} {'>=' if self.closed in ('left', 'both') else '>'} {_fmt(lo)}"
        if lo is None and hi is not None:
            return f"{noun} {'<=' if self.closed in ('right', 'both') else '<'} {_fmt(hi)}"
        if lo is None:
            return noun
        return (f"{noun} in {'[' if self.closed in ('left', 'both') else '('}{_fmt(lo)}, "
                f"{_fmt(hi)}{']' if self.closed in ('right', 'both') else ')'}")


class Options:
    """One of a fixed tuple of values (compared with ==; the order is kept for the message)."""

    def __init__(self, *options):
        self.options = tuple(options)

    def convert(self, value):
        try:
            return value if value in self.options else _MISSING
        except (TypeError, ValueError):           # an array compared with a string, say
            return _MISSING

    def __str__(self) -> str:
        names = [repr(o) for o in self.options]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


class StrOptions(Options):
    """One of a fixed tuple of strings: ``StrOptions("min", "max")`` reads "'min' or 'max'"."""

    def convert(self, value):
        return value if isinstance(value, str) and value in self.options else _MISSING


class _NoneConstraint:
    def convert(self, value):
        return value if value is None else _MISSING

    def __str__(self) -> str:
        return "None"


_MISSING = object()


def _constraint(c):
    return _NoneConstraint() if c is None else c


def describe(*constraints) -> str:
    """The ``<what>`` of the message: the constraints' descriptions joined with " or "."""
    return " or ".join(str(_constraint(c)) for c in constraints)


def check(name: str, value, *constraints, expected: str | None = None, error: type = ValueError):
    """``value`` converted by the first constraint it satisfies; ``error`` (ValueError) otherwise, in the
    one format, ``expected`` overriding the description the constraints write. ``None`` as a constraint
    allows None."""
    for c in constraints:
        out = _constraint(c).convert(value)
        if out is not _MISSING:
            return out
    raise error(f"Invalid {name}: {value!r} (expected {expected or describe(*constraints)})")


# ---------------------------------------------------------------------------------------------------
# the everyday checks, spelled once
# ---------------------------------------------------------------------------------------------------

def check_int(name: str, value, lo: int, *, hi: int | None = None, strict: bool = False) -> int:
    """An integer (Python or NumPy, not bool; Python's int only when ``strict``) in [lo, hi], as int;
    ValueError otherwise ("an integer >= lo")."""
    return check(name, value, Interval(int if strict else Integral, lo, hi, closed="both"))


def check_nonneg(name: str, value, *, type_error: bool = False) -> float:
    """A finite number >= 0, returned as float (anything ``float()`` reads counts). A value that is not a
    number at all raises TypeError when ``type_error`` (the convention of torch.nn.init's gain) and
    ValueError otherwise."""
    c = Interval(Real, 0, None, closed="left", finite=True, coerce=True)
    if type_error:
        try:
            float(value)
        except (TypeError, ValueError):
            raise TypeError(f"Invalid {name}: {value!r} (expected {c})") from None
    return check(name, value, c)


def check_finite(name: str, value, lo=None, hi=None, *, closed: str = "both", coerce: bool = False) -> float:
    """A finite real number in the interval (``lo``/``hi`` None: unbounded; ``closed`` as
    :class:`Interval`), as float: "a finite number >= 0", "a finite number > 0", ... ``coerce`` first
    passes the value through ``float()`` (whose own TypeError/ValueError then propagate); a value that
    cannot be compared raises its own TypeError. The message shows the value as given."""
    c = Interval(Real, lo, hi, closed=closed, finite=True)
    out = c.convert(float(value) if coerce else value)
    if out is _MISSING:
        raise ValueError(f"Invalid {name}: {value!r} (expected {c})")
    return out


def check_choice(name: str, value, *options):
    """One of ``options`` (compared with ==), returned unchanged: "'a' or 'b'"."""
    return check(name, value, Options(*options))


def check_hyper(label: str, value: Any, *, lo: float | None = None, hi: float | None = None,
                lo_open: bool = False, hi_open: bool = False, expected: str | None = None) -> float:
    """Validate a real hyperparameter; raise ``ValueError(f"Invalid {label}: {value!r} (expected ...)")``.

    ``label`` is the name in torch's wording ("learning rate", "momentum value", ...). ``lo``/``hi``
    bound the range (closed unless ``lo_open``/``hi_open``); NaN is never valid. A 0-d (or 1-element)
    real array is accepted where torch accepts a tensor (e.g. ``lr=np.array(1e-3, np.float32)``, like
    ``torch.tensor(1e-3)``) and checked by its value; an array of any other size raises ValueError (torch:
    "Tensor lr must be 1-element").
    """
    if isinstance(value, np.ndarray):
        if value.size != 1 or value.dtype.kind not in "fiu":
            raise ValueError(f"Invalid {label}: {value!r} (expected a real number or a 1-element real array)")
        v = float(value.reshape(()))
    elif isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Invalid {label}: {value!r} (expected a real number)")
    else:
        v = float(value)
    closed = {(False, False): "both", (True, False): "right", (False, True): "left", (True, True): "neither"}
    if Interval(Real, lo, hi, closed=closed[lo_open, hi_open]).convert(v) is _MISSING:
        if expected is None:
            left = "(" if lo_open else "["
            right = ")" if hi_open else "]"
            lo_s = "-inf" if lo is None else repr(lo)
            hi_s = "inf" if hi is None else repr(hi)
            expected = f"a value in {left}{lo_s}, {hi_s}{right}"
        raise ValueError(f"Invalid {label}: {value!r} (expected {expected})")
    return v


def check_betas(betas, *, same_kind: bool = False) -> None:
    """Adam-family ``betas``: a pair (beta1, beta2), each in [0, 1) (:func:`check_hyper`, torch's wording).
    ``same_kind``: both numbers or both 1-element arrays (torch.optim.Adam's "both floats or both
    Tensors")."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
    if same_kind and isinstance(betas[0], np.ndarray) != isinstance(betas[1], np.ndarray):
        raise ValueError(f"Invalid betas: {betas!r} (betas must be either both floats or both Tensors: "
                         "two numbers or two 1-element arrays)")
    check_hyper("beta parameter at index 0", betas[0], lo=0.0, hi=1.0, hi_open=True, expected="0 <= beta1 < 1")
    check_hyper("beta parameter at index 1", betas[1], lo=0.0, hi=1.0, hi_open=True, expected="0 <= beta2 < 1")


def check_seed(seed) -> int:
    """A seed for ``numpy.random.default_rng``: an integer in [0, 2**64) (not bool), as int; None draws a
    fresh one from the OS entropy (so the run is not reproducible, but its seed can be read back)."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])
    return check("seed", seed, Interval(Integral, 0, 2**64, closed="left"), expected="None or an integer in [0, 2**64)")


def check_float_dtype(dtype, *, allow_none: bool = False):
    """float32 or float64 (or None when ``allow_none``), returned as a NumPy dtype."""
    if dtype is None and allow_none:
        return None
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        what = "float32, float64 or None" if allow_none else "float32 or float64"
        raise ValueError(f"Invalid dtype: {dtype!r} (expected {what})")
    return dt


def check_not_masked(name: str, value) -> None:
    """Refuse a ``numpy.ma.MaskedArray`` (TypeError): the C kernels and NumPy arithmetic on ``.data`` would
    ignore its mask silently. Call it wherever arrays enter (optimizer parameters and gradients, fit's X/y,
    minimize's x0, losses)."""
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"Invalid {name}: a numpy.ma.MaskedArray (expected a plain numpy.ndarray; the mask would "
                        f"be ignored: fill or compress it first, e.g. a.filled(0) or a.compressed())")


def check_real(name: str, value) -> None:
    """TypeError for a masked array (:func:`check_not_masked`) or complex values: NumPy would drop the
    imaginary part with only a ComplexWarning. Used where minimize takes x0 and reads what user code returns."""
    check_not_masked(name, value)
    if np.iscomplexobj(value):
        raise TypeError(f"Invalid {name}: complex values (dtype {np.asarray(value).dtype}; expected real numbers: "
                        "minimize works over real x, so split a complex variable into its real and imaginary parts)")
