"""What counts as a Parameter, once for the whole package.

A Parameter is a ``pyoptim.nn.Parameter`` or anything shaped like one (a torch-style object with a
``.data`` array and a ``.grad`` attribute) and never a NumPy array (which has a ``.data`` memoryview of
its own). Optimizers, regularizers, constraints, clipping and the Hessian-vector products all ask here,
so a parameter-like object is treated alike everywhere.
"""
from __future__ import annotations

import numpy as np

__all__ = ["is_parameter", "param_data", "flat1"]


def is_parameter(x) -> bool:
    """A Parameter (or parameter-like: ``.data`` and ``.grad`` attributes), never a NumPy array."""
    return not isinstance(x, np.ndarray) and hasattr(x, "data") and hasattr(x, "grad")


def param_data(x):
    """The array behind ``x``: ``x.data`` for a Parameter, ``x`` itself otherwise (an array)."""
    return x.data if is_parameter(x) else x


def flat1(a: np.ndarray) -> np.ndarray:
    """A 0-d array as a 1-element view (the kernels take arrays of at least one dimension)."""
    return a.reshape(1) if a.ndim == 0 else a
