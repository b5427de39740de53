"""What counts as a Parameter, once for the whole package.

A Parameter is a ``pyoptim.nn.Parameter`` or anything shaped like one (a torch-style object with a
``.data`` array and a ``.grad`` attribute) and never a NumPy array (which has a ``.data`` memoryview of
its own). Optimizers, regularizers, constraints, clipping and the Hessian-vector products all ask here,
so a parameter-like object is treated alike everywhere.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

__all__ = ["is_parameter", "param_data", "flat1", "flatten", "unflatten"]


def is_parameter(x) -> bool:
    """A Parameter (or parameter-like: ``.data`` and ``.grad`` attributes), never a NumPy array."""
    return not isinstance(x, np.ndarray) and hasattr(x, "data") and hasattr(x, "grad")


def param_data(x):
    """The array behind ``x``: ``x.data`` for a Parameter, ``x`` itself otherwise (an array)."""
    return x.data if is_parameter(x) else x


def flat1(a: np.ndarray) -> np.ndarray:
    """A 0-d array as a 1-element view (the kernels take arrays of at least one dimension)."""
    return a.reshape(1) if a.ndim == 0 else a


def flatten(arrays: Sequence) -> np.ndarray:
    """Concatenate arrays (or Parameters: their ``.data``) into one 1-D vector θ (C order), the book's
    single parameter vector of chapter 8.

    ``flatten(model.parameters())`` is the book's θ; :func:`unflatten` is its inverse.
    """
    parts = [np.ravel(np.asarray(param_data(a))) for a in arrays]
    if not parts:
        return np.zeros(0)
    return np.concatenate(parts)


def unflatten(vec, like: Sequence) -> list[np.ndarray]:
    """Split a 1-D vector into arrays shaped like ``like`` (arrays or Parameters), in order.

    Raises ``ValueError`` when the vector's length is not the total size of ``like``.
    """
    vec = np.asarray(vec)
    shapes = [np.shape(param_data(a)) for a in like]
    sizes = [math.prod(s) for s in shapes]
    if vec.ndim != 1 or vec.size != sum(sizes):
        raise ValueError(f"Invalid vec: shape {vec.shape!r} (expected a 1-D vector of length {sum(sizes)})")
    out, start = [], 0
    for s, k in zip(shapes, sizes):
        out.append(vec[start:start + k].reshape(s))
        start += k
    return out
