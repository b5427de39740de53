"""fit's input checks (one place, clear messages), the batch plan and the small predicates the loop uses."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .._internal.modes import mode
from .._validation import Integral, Interval, check, check_not_masked

SOFTMAX_LOSSES = {"SoftmaxCrossEntropy", "CrossEntropyLoss", "CrossEntropy", "NLLLoss"}
BINARY_LOSSES = {"BinaryCrossEntropy", "BCEWithLogitsLoss", "BCELoss"}
NONFINITE_MODES = ("raise", "stop", "skip_batch")


# ------------------------------------------------------------------------------------------------------
# small helpers
# ------------------------------------------------------------------------------------------------------
def as_rng(seed) -> np.random.Generator:
    """A numpy Generator from an int seed, a Generator (used as is) or None (fresh OS entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer, np.random.SeedSequence)):
        raise TypeError(f"Invalid seed: {seed!r} (expected an int, a numpy.random.Generator or None)")
    return np.random.default_rng(seed)


def is_classification(loss) -> bool:
    """True for losses whose targets are classes (accuracy is then reported beside the loss).

    A loss says so with an ``is_classification`` attribute; otherwise pyoptim's
    ``SoftmaxCrossEntropy`` and ``BinaryCrossEntropy`` (and torch-named look-alikes) are recognised by class.
    """
    flag = getattr(loss, "is_classification", None)
    if flag is not None:
        return bool(flag)
    return any(c.__name__ in SOFTMAX_LOSSES | BINARY_LOSSES for c in type(loss).__mro__)


def is_binary(loss) -> bool:
    return any(c.__name__ in BINARY_LOSSES for c in type(loss).__mro__)


def n_correct(output: np.ndarray, y: np.ndarray) -> int:
    """Number of correct predictions: argmax for (n, k>1) outputs, sign of the logit otherwise."""
    out = np.asarray(output)
    if out.ndim == 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        target = y if np.ndim(y) == 1 else np.asarray(y).argmax(axis=1)
        return int(np.count_nonzero(pred == target))
    pred = out.reshape(len(out), -1)[:, 0] > 0
    target = np.asarray(y).reshape(len(out), -1)[:, 0] > 0.5
    return int(np.count_nonzero(pred == target))


def model_dtype(model, default=None):
    params = model.parameters() if hasattr(model, "parameters") else []
    for p in params:
        return p.data.dtype
    return default


def trainable(model) -> list:
    return [p for p in model.parameters() if getattr(p, "requires_grad", True)]


def all_finite(arrays: Sequence[np.ndarray], scratch: np.ndarray | None = None) -> bool:
    """True when every element of every array is finite (no NaN, no ±inf).

    ``scratch`` (a bool array at least as large as the largest array) avoids allocating a fresh mask
    per call: large allocations are mmap-ed and page-faulted anew each time, which made this check
    cost several times more than the read itself.
    """
    for a in arrays:
        if not a.size:
            continue
        if scratch is not None and a.size <= scratch.size and a.flags.c_contiguous:
            mask = scratch[:a.size]
            np.isfinite(a.reshape(-1), out=mask)
        else:
            mask = np.isfinite(a)
        if not mask.all():
            return False
    return True


def current_lr(optimizer) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    if groups is None:
        inner = getattr(optimizer, "optimizer", None)
        groups = getattr(inner, "param_groups", None)
    if groups:
        lr = groups[0].get("lr")
        return None if lr is None else float(lr)
    return None


def snapshot(buffers: list) -> list:
    out = []
    for m, k in buffers:
        v = getattr(m, k)
        out.append((m, k, v.copy() if isinstance(v, np.ndarray) else v))
    return out


def restore(saved: list) -> None:
    for m, k, v in saved:
        cur = getattr(m, k)
        if isinstance(cur, np.ndarray) and isinstance(v, np.ndarray) and cur.shape == v.shape \
                and cur.dtype == v.dtype and cur.flags.writeable:
            cur[...] = v
        else:
            m.register_buffer(k, v)


# ------------------------------------------------------------------------------------------------------
# input validation (one place, clear messages)
# ------------------------------------------------------------------------------------------------------
def check_X(X, name: str = "X", dtype=None) -> np.ndarray:
    check_not_masked(name, X)
    X = X if isinstance(X, np.ndarray) else np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be a float array (float32 or float64), got dtype {X.dtype}: "
                        f"convert it first, e.g. {name}.astype(np.float32)")
    if X.ndim == 0:
        raise ValueError(f"{name} must have one row per sample (ndim >= 1), got a 0-d array")
    if len(X) == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    if dtype is not None and X.dtype != dtype:
        X = X.astype(dtype)  # the model computes in its parameters' dtype
    return np.ascontiguousarray(X)


def expected_width(model) -> int | None:
    for m in (model.modules() if hasattr(model, "modules") else ()):
        w = getattr(m, "in_features", None)
        if isinstance(w, (int, np.integer)):
            return int(w)
        if getattr(m, "_parameters", None):  # the first layer with parameters has no in_features
            return None
    return None


def check_y(y, n: int, loss, dtype, name: str = "y", classes: int | None = None, xname: str = "X"):
    if y is None:
        return None
    check_not_masked(name, y)
    y = np.asarray(y)
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        raise TypeError(f"{name} must be a numeric array, got dtype {y.dtype}")
    if y.ndim == 0:
        raise ValueError(f"{name} must have one entry per sample, got a 0-d array")
    if len(y) != n:
        raise ValueError(f"{xname} and {name} have different lengths: {xname} has {n} samples, {name} has {len(y)}")
    if loss is None:
        return y
    if is_classification(loss) and not is_binary(loss):
        if np.issubdtype(y.dtype, np.integer) and y.ndim == 1:
            if classes is not None and len(y):
                lo, hi = int(y.min()), int(y.max())
                if lo < 0 or hi >= classes:
                    bad = lo if lo < 0 else hi
                    raise ValueError(f"{name} has label {bad} outside [0, {classes}) "
                                     f"(the model outputs {classes} classes)")
            return y.astype(np.int64, copy=False)
        if np.issubdtype(y.dtype, np.floating) and y.ndim == 2:  # soft targets / one-hot rows
            return np.ascontiguousarray(y, dtype=dtype) if dtype is not None else y
        raise TypeError(f"{name} must hold integer class labels (1-D, in [0, classes)) for "
                        f"{type(loss).__name__}, got dtype {y.dtype} with shape {y.shape}")
    if is_binary(loss):
        if np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_:
            if len(y) and (y.min() < 0 or y.max() > 1):
                raise ValueError(f"{name} must hold binary labels 0/1 for {type(loss).__name__}, "
                                 f"got values in [{y.min()}, {y.max()}]")
        elif y.size and not (y.min() >= 0 and y.max() <= 1):   # NaN fails both comparisons
            raise ValueError(f"{name} must hold targets in [0, 1] for {type(loss).__name__} (probabilities), "
                             f"got values in [{y.min()}, {y.max()}]")
        return np.ascontiguousarray(y, dtype=dtype or np.float64)
    if not np.issubdtype(y.dtype, np.floating):
        raise TypeError(f"{name} must be a float array for {type(loss).__name__} (regression targets), "
                        f"got dtype {y.dtype}: convert it first, e.g. {name}.astype(np.float32)")
    return np.ascontiguousarray(y, dtype=dtype) if dtype is not None else y


def validate(model, loss, X, y, xname="X", yname="y", probe=True):
    """Check X and y up front: float X of the model's width, y of the same length and a valid kind."""
    dtype = model_dtype(model)
    X = check_X(X, xname, dtype)
    width = expected_width(model)
    if width is not None and (X.ndim != 2 or X.shape[1] != width):
        got = X.shape[1] if X.ndim == 2 else f"shape {X.shape}"
        raise ValueError(f"{xname} has {got} features per sample but the model expects {width} "
                         f"(its first layer has in_features={width})")
    classes = None
    if (probe and y is not None and is_classification(loss) and not is_binary(loss)
            and np.issubdtype(np.asarray(y).dtype, np.integer)):
        with mode(model, training=False):
            try:
                out = np.asarray(model.forward(X[:1]))
            except Exception as exc:  # a wrong width in a layer without in_features
                raise ValueError(f"the model cannot run on {xname} of shape {X.shape}: {exc}") from exc
        if out.ndim == 2:
            classes = out.shape[1]
    y = check_y(y, len(X), loss, dtype, yname, classes, xname)
    return X, y


def check_batch_size(batch_size, n: int) -> int:
    if batch_size is None:
        return n
    bs = check("batch_size", batch_size, Interval(Integral, 1, None), expected="a positive int or None for the whole set")
    return min(bs, n)


def batch_plan(n: int, batch_size: int, shuffle: bool, rng, drop_last: bool = False) -> list:
    """The epoch's minibatches as index arrays (shuffled) or slices (in order)."""
    stop = n - n % batch_size if drop_last else n
    if shuffle:
        order = rng.permutation(n)
        return [order[i:i + batch_size] for i in range(0, stop, batch_size)]
    return [slice(i, min(i + batch_size, n)) for i in range(0, stop, batch_size)]
