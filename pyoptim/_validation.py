"""Argument checks shared by the Python package, with one message format:

    Invalid <name>: <value!r> (expected <what>)

the format of the C core's errors and of the optimizers' hyperparameter checks, so a user sees the same
kind of message whichever layer refused the value.
"""
from __future__ import annotations

import math

import numpy as np


def check_int(name: str, value, lo: int) -> int:
    """An integer (Python or NumPy, not bool) >= lo, returned as int; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise ValueError(f"Invalid {name}: {value!r} (expected an integer >= {lo})")
    return int(value)


def check_nonneg(name: str, value, *, type_error: bool = False) -> float:
    """A finite number >= 0, returned as float. A value that is not a number at all raises TypeError when
    ``type_error`` (the convention of torch.nn.init's gain) and ValueError otherwise."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        exc = TypeError if type_error else ValueError
        raise exc(f"Invalid {name}: {value!r} (expected a finite number >= 0)") from None
    if not (math.isfinite(v) and v >= 0.0):
        raise ValueError(f"Invalid {name}: {value!r} (expected a finite number >= 0)")
    return v


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
