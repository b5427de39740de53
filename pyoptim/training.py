"""Training loops: :func:`fit`, :func:`minibatches`, :func:`evaluate`, :func:`predict`, :class:`History`.

Book 8.1 ("How learning differs from pure optimization"): we minimize the *empirical risk*
J(θ) = (1/m) Σᵢ L(f(x⁽ⁱ⁾; θ), y⁽ⁱ⁾) over a training set (8.1.1), through a *surrogate* loss such as the
negative log-likelihood while reporting the 0-1 error we care about (8.1.2: ``accuracy`` beside
``loss``), and we estimate its gradient on *minibatches* of m examples drawn at random (8.1.3):
``batch_size=None`` uses the whole set (a "batch" or deterministic method), ``batch_size=1`` is the
"stochastic" or "online" method, anything in between a minibatch method. The standard error of the
minibatch gradient falls only as σ/√m, which is why small minibatches win in total computation.

One training step of :func:`fit`, in this order (the team contract; every hook is optional)::

    model.zero_grad()
    loss_value = objective(model, loss, Xb, yb)        # forward, loss, backward (accumulates .grad)
    for r in regularizers: loss_value += r.penalty(model); r.accumulate_grad(model)
    callbacks.on_before_step(batch, logs)
    non-finite check of loss_value and every gradient  (on_nonfinite = raise | stop | skip_batch)
    optimizer.step()
    for r in regularizers: r.after_step(model, lr)      # proximal steps (L1 soft-threshold, 7.1.2)
    for c in constraints: c.apply(model)                # reprojection (max-norm, 7.2)
    callbacks.on_batch_end(batch, logs)

Differences from Keras' ``Model.fit`` that a reader may trip on: epochs are counted from 0 in
``History.epoch`` (as in Keras) but ``fit(epochs=E, resume=...)`` means "until E epochs in total";
the recorded training ``loss`` is the mean over the epoch's minibatches *including* the regularizers'
penalties (the quantity the optimizer descends), measured on the fly while the parameters move.
"""
from __future__ import annotations

import math
import os
import re
import sys
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np


from ._internal.modes import mode
from ._internal.steps import forward_backward
from ._validation import Integral, Interval, check, check_int, check_not_masked

__all__ = ["fit", "minibatches", "evaluate", "predict", "History", "Trainer"]

_SOFTMAX_LOSSES = {"SoftmaxCrossEntropy", "CrossEntropyLoss", "CrossEntropy", "NLLLoss"}
_BINARY_LOSSES = {"BinaryCrossEntropy", "BCEWithLogitsLoss", "BCELoss"}
_NONFINITE_MODES = ("raise", "stop", "skip_batch")


# ------------------------------------------------------------------------------------------------------
# small helpers
# ------------------------------------------------------------------------------------------------------
def _as_rng(seed) -> np.random.Generator:
    """A numpy Generator from an int seed, a Generator (used as is) or None (fresh OS entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer, np.random.SeedSequence)):
        raise TypeError(f"Invalid seed: {seed!r} (expected an int, a numpy.random.Generator or None)")
    return np.random.default_rng(seed)


def _is_classification(loss) -> bool:
    """True for losses whose targets are classes (accuracy is then reported beside the loss).

    A loss says so with an ``is_classification`` attribute; otherwise pyoptim's
    ``SoftmaxCrossEntropy`` and ``BinaryCrossEntropy`` (and torch-named look-alikes) are recognised by class.
    """
    flag = getattr(loss, "is_classification", None)
    if flag is not None:
        return bool(flag)
    return any(c.__name__ in _SOFTMAX_LOSSES | _BINARY_LOSSES for c in type(loss).__mro__)


def _is_binary(loss) -> bool:
    return any(c.__name__ in _BINARY_LOSSES for c in type(loss).__mro__)


def _n_correct(output: np.ndarray, y: np.ndarray) -> int:
    """Number of correct predictions: argmax for (n, k>1) outputs, sign of the logit otherwise."""
    out = np.asarray(output)
    if out.ndim == 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        target = y if np.ndim(y) == 1 else np.asarray(y).argmax(axis=1)
        return int(np.count_nonzero(pred == target))
    pred = out.reshape(len(out), -1)[:, 0] > 0
    target = np.asarray(y).reshape(len(out), -1)[:, 0] > 0.5
    return int(np.count_nonzero(pred == target))


def _model_dtype(model, default=None):
    params = model.parameters() if hasattr(model, "parameters") else []
    for p in params:
        return p.data.dtype
    return default


def _trainable(model) -> list:
    return [p for p in model.parameters() if getattr(p, "requires_grad", True)]


def _all_finite(arrays: Sequence[np.ndarray], scratch: np.ndarray | None = None) -> bool:
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


def _current_lr(optimizer) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    if groups is None:
        inner = getattr(optimizer, "optimizer", None)
        groups = getattr(inner, "param_groups", None)
    if groups:
        lr = groups[0].get("lr")
        return None if lr is None else float(lr)
    return None


def _snapshot(buffers: list) -> list:
    out = []
    for m, k in buffers:
        v = getattr(m, k)
        out.append((m, k, v.copy() if isinstance(v, np.ndarray) else v))
    return out


def _restore(saved: list) -> None:
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
def _check_X(X, name: str = "X", dtype=None) -> np.ndarray:
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


def _expected_width(model) -> int | None:
    for m in (model.modules() if hasattr(model, "modules") else ()):
        w = getattr(m, "in_features", None)
        if isinstance(w, (int, np.integer)):
            return int(w)
        if getattr(m, "_parameters", None):  # the first layer with parameters has no in_features
            return None
    return None


def _check_y(y, n: int, loss, dtype, name: str = "y", classes: int | None = None, xname: str = "X"):
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
    if _is_classification(loss) and not _is_binary(loss):
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
    if _is_binary(loss):
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


def _validate(model, loss, X, y, xname="X", yname="y", probe=True):
    """Check X and y up front: float X of the model's width, y of the same length and a valid kind."""
    dtype = _model_dtype(model)
    X = _check_X(X, xname, dtype)
    width = _expected_width(model)
    if width is not None and (X.ndim != 2 or X.shape[1] != width):
        got = X.shape[1] if X.ndim == 2 else f"shape {X.shape}"
        raise ValueError(f"{xname} has {got} features per sample but the model expects {width} "
                         f"(its first layer has in_features={width})")
    classes = None
    if (probe and y is not None and _is_classification(loss) and not _is_binary(loss)
            and np.issubdtype(np.asarray(y).dtype, np.integer)):
        with mode(model, training=False):
            try:
                out = np.asarray(model.forward(X[:1]))
            except Exception as exc:  # a wrong width in a layer without in_features
                raise ValueError(f"the model cannot run on {xname} of shape {X.shape}: {exc}") from exc
        if out.ndim == 2:
            classes = out.shape[1]
    y = _check_y(y, len(X), loss, dtype, yname, classes, xname)
    return X, y


def _check_batch_size(batch_size, n: int) -> int:
    if batch_size is None:
        return n
    bs = check("batch_size", batch_size, Interval(Integral, 1, None), expected="a positive int or None for the whole set")
    return min(bs, n)


def _batch_plan(n: int, batch_size: int, shuffle: bool, rng, drop_last: bool = False) -> list:
    """The epoch's minibatches as index arrays (shuffled) or slices (in order)."""
    stop = n - n % batch_size if drop_last else n
    if shuffle:
        order = rng.permutation(n)
        return [order[i:i + batch_size] for i in range(0, stop, batch_size)]
    return [slice(i, min(i + batch_size, n)) for i in range(0, stop, batch_size)]


# ------------------------------------------------------------------------------------------------------
# minibatches
# ------------------------------------------------------------------------------------------------------
def minibatches(X, y=None, batch_size: int | None = 32, shuffle: bool = True, seed=None,
                drop_last: bool = False) -> Iterator[tuple]:
    """Iterate over ``(Xb, yb)`` minibatches of one pass through the data (book 8.1.3).

    Parameters
    ----------
    X, y : arrays with the same first dimension (``y`` may be None: ``yb`` is then None).
    batch_size : int or None
        m, the minibatch size. ``None`` gives the whole set as one batch (a *batch* or *deterministic*
        gradient method), ``1`` one example at a time (a *stochastic* or *online* method).
    shuffle : bool
        Visit the examples in a random order (drawn once for this pass). The book stresses that
        minibatches must be drawn independently; shuffling once per epoch is the usual approximation.
    seed : int, numpy.random.Generator or None
        The shuffle's randomness: the same int gives the same order every time; a Generator is advanced
        (so consecutive calls give fresh orders, reproducibly); None draws fresh OS entropy.
    drop_last : bool
        Drop the final, smaller batch when m does not divide the number of examples.

    Returns
    -------
    An iterator of ``(Xb, yb)``. Shuffled batches are copies; unshuffled ones are views.

    Example
    -------
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in minibatches(X, y, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    X = np.asarray(X)
    if X.ndim == 0:
        raise ValueError("X must have one row per sample (ndim >= 1), got a 0-d array")
    n = len(X)
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != n:
            raise ValueError(f"X and y have different lengths: X has {n} samples, y has {np.size(y) if y.ndim == 0 else len(y)}")
    bs = _check_batch_size(batch_size, max(n, 1))
    plan = _batch_plan(n, bs, bool(shuffle), _as_rng(seed) if shuffle else None, drop_last)

    def gen():
        for idx in plan:
            yield X[idx], (None if y is None else y[idx])

    return gen()


# ------------------------------------------------------------------------------------------------------
# evaluate / predict
# ------------------------------------------------------------------------------------------------------
def predict(model, X, batch_size: int | None = 1024) -> np.ndarray:
    """The model's outputs on ``X``, computed in eval mode (dropout off, batch-norm running statistics).

    Every module's train/eval mode is restored afterwards. Work is done ``batch_size`` rows at a time
    (``None``: all at once) to bound memory.
    """
    X = _check_X(X, "X", _model_dtype(model))
    bs = _check_batch_size(batch_size, len(X))
    outs = []
    with mode(model, training=False):
        for i in range(0, len(X), bs):
            outs.append(np.array(model.forward(X[i:i + bs]), copy=True))
    return outs[0] if len(outs) == 1 else np.concatenate(outs, axis=0)


def evaluate(model, loss, X, y, batch_size: int | None = 1024) -> dict:
    """Mean loss (and accuracy, for classification losses) of ``model`` on ``(X, y)`` in eval mode.

    Returns ``{"loss": ..., "accuracy": ...}``: the loss is the mean over all examples (each batch's
    mean weighted by its size); ``accuracy`` (1 − the 0-1 error, book 8.1.2) is present when the loss
    is ``SoftmaxCrossEntropy`` / ``BinaryCrossEntropy`` or has ``is_classification = True``.
    Every module's train/eval mode is restored afterwards.
    """
    X, y = _validate(model, loss, X, y, probe=False)
    bs = _check_batch_size(batch_size, len(X))
    total, correct = 0.0, 0
    cls = _is_classification(loss)
    with mode(model, training=False):
        for i in range(0, len(X), bs):
            Xb, yb = X[i:i + bs], y[i:i + bs]
            out = model.forward(Xb)
            total += float(loss.forward(out, yb)) * len(Xb)
            if cls:
                correct += _n_correct(out, yb)
    res = {"loss": total / len(X)}
    if cls:
        res["accuracy"] = correct / len(X)
    return res


# ------------------------------------------------------------------------------------------------------
# History
# ------------------------------------------------------------------------------------------------------
class History:
    """What :func:`fit` records: per-epoch metrics, like Keras' ``History``.

    Attributes
    ----------
    history : dict[str, list[float]]
        One list per metric, one entry per epoch: ``loss`` (training loss incl. penalties), ``accuracy``
        (classification), ``val_loss``, ``val_accuracy`` (with ``validation_data``), ``lr`` (the first
        parameter group's learning rate during the epoch's last step, i.e. before epoch-end callbacks
        such as schedulers change it), ``skipped_batches`` (with
        ``on_nonfinite="skip_batch"``) and whatever callbacks add to the epoch logs.
    epoch : list[int]
        The epoch index (from 0) of each entry.
    meta : dict
        Run-level facts: ``skipped_batches`` (total), ``nonfinite`` (where a non-finite value stopped
        training), ``best_epoch`` / ``stopped_epoch`` (set by early stopping), ``steps``.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.meta: dict[str, Any] = {}

    def append(self, epoch: int, logs: dict) -> None:
        """Record one epoch's scalar logs (missing metrics are padded with NaN to keep lists aligned)."""
        self.epoch.append(int(epoch))
        n = len(self.epoch)
        for key, value in logs.items():
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                continue
            lst = self.history.setdefault(key, [])
            lst.extend([math.nan] * (n - 1 - len(lst)))
            lst.append(float(value))
        for lst in self.history.values():
            lst.extend([math.nan] * (n - len(lst)))

    def _update_last(self, logs: dict) -> None:
        """Overwrite the last epoch's entries with ``logs`` (new keys padded with NaN before)."""
        n = len(self.epoch)
        for key, value in logs.items():
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                continue
            lst = self.history.setdefault(key, [])
            lst.extend([math.nan] * (n - len(lst)))
            lst[-1] = float(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    @property
    def skipped_batches(self) -> int:
        """Total number of minibatches skipped because of a non-finite loss or gradient."""
        return int(self.meta.get("skipped_batches", 0))

    @property
    def best_epoch(self) -> int | None:
        """The epoch early stopping chose (``meta["best_epoch"]``), or None."""
        return self.meta.get("best_epoch")

    def state_dict(self) -> dict:
        return {"history": {k: list(v) for k, v in self.history.items()}, "epoch": list(self.epoch),
                "meta": dict(self.meta)}

    def load_state_dict(self, state: dict) -> None:
        self.history = {str(k): [float(x) for x in v] for k, v in state["history"].items()}
        self.epoch = [int(e) for e in state["epoch"]]
        self.meta = dict(state.get("meta", {}))

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch)}, last={last})"

    def plot(self, metrics: Sequence[str] | None = None, figsize=None, title: str | None = None):
        """Plot the loss and metric curves, training against validation; returns the matplotlib Figure.

        One panel per metric family (``loss``, then ``accuracy`` and any other metric), the training
        curve solid and the ``val_`` curve dashed. When early stopping recorded a best epoch
        (``meta["best_epoch"]``) it is marked with a vertical line (book Fig. 7.3). Epochs are numbered
        from 0 everywhere in pyoptim (``History.epoch``, ``EarlyStopping.best_epoch`` and
        ``stopped_epoch``, :func:`pyoptim.plot.loss_curves`, the tour's tables), so the line stands at
        ``best_epoch`` itself. matplotlib is imported here (``pip install "pyoptim-dlbook[tour]"``).
        """
        from . import plot as P   # raises an ImportError naming the extra when matplotlib is missing

        if metrics is None:
            skip = {"lr", "skipped_batches"}
            metrics = [k for k in self.history if not k.startswith("val_") and k not in skip]
            metrics += [k[4:] for k in self.history if k.startswith("val_") and k[4:] not in self.history]
            if "loss" in metrics:
                metrics = ["loss"] + [m for m in metrics if m != "loss"]
        metrics = list(metrics) or ["loss"]
        fig, axes = P.figure(figsize or (4.5 * len(metrics), 3.4), 1, len(metrics))
        axes = np.atleast_2d(axes)
        x = np.asarray(self.epoch)
        best = self.best_epoch
        for ax, name in zip(axes[0], metrics):
            for key, style, label in ((name, "-", "train"), ("val_" + name, "--", "validation")):
                if key in self.history:
                    ax.plot(x, self.history[key], style, marker="o" if len(x) < 30 else None,
                            markersize=3, label=f"{label} {name}")
            if best is not None:
                ax.axvline(int(best), color="gray", linestyle=":", label=f"best epoch ({int(best)})")
            ax.set_xlabel("epoch (from 0)")
            ax.set_ylabel(name)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        if title:
            fig.suptitle(title)
        return fig


# ------------------------------------------------------------------------------------------------------
# progress display
# ------------------------------------------------------------------------------------------------------
class _Progress:
    """tqdm (notebook-aware through ``tqdm.auto``) when installed, else one line per epoch on stderr."""

    def __init__(self, enabled: bool, total: int | None, initial: int, epochs: int):
        self.bar = None
        self.enabled = enabled
        self.epochs = epochs
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, initial=initial, unit="batch", dynamic_ncols=True, leave=True)

    def set_epoch(self, epoch: int) -> None:
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}", refresh=False)

    def update(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def end_epoch(self, epoch: int, logs: dict) -> None:
        if not self.enabled:
            return
        shown = {k: v for k, v in logs.items() if isinstance(v, float) and k != "lr"}
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in shown.items()})
        else:
            text = " - ".join(f"{k}: {v:.4g}" for k, v in shown.items())
            print(f"epoch {epoch + 1}/{self.epochs} - {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ------------------------------------------------------------------------------------------------------
# checkpoint schedule
# ------------------------------------------------------------------------------------------------------
def _parse_every(every) -> tuple[str, int]:
    """``None``/"epoch" -> every epoch; int k -> every k epochs; "k epochs" / "k batches" (or "kb")."""
    if every is None:
        return "epoch", 1
    if isinstance(every, (int, np.integer)) and not isinstance(every, bool):
        if every < 1:
            raise ValueError(f"Invalid checkpoint_every: {every!r} (expected a positive int of epochs)")
        return "epoch", int(every)
    if isinstance(every, str):
        s = every.strip().lower()
        if s in ("epoch", "batch"):
            return s, 1
        m = re.fullmatch(r"(\d+)\s*(e|epochs?|b|batch|batches)", s)
        if m and int(m.group(1)) >= 1:
            return ("epoch" if m.group(2).startswith("e") else "batch"), int(m.group(1))
    raise ValueError(f"Invalid checkpoint_every: {every!r} (expected a positive int of epochs, 'epoch', "
                     f"'batch', 'k epochs' or 'k batches')")



def _check_trainer_state(path: str, st, n: int, bs: int, n_callbacks: int, rng):
    """Validate fit's state in a checkpoint before anything is applied: ValueError naming the path and the
    field. Returns (state with int counters, the RNG state, a History loaded from it)."""
    def bad(field, what):
        return ValueError(f"{path}: corrupt fit checkpoint (field trainer[{field!r}]: {what})")

    if not isinstance(st, dict) or st.get("format") != "pyoptim.fit":
        raise ValueError(f"{path}: not a checkpoint written by fit (no trainer state)")
    if (st.get("n_samples"), st.get("batch_size")) != (n, bs):
        raise ValueError(f"{path}: the checkpoint was written for {str(st.get('n_samples'))[:20]} "
                         f"samples in batches of {str(st.get('batch_size'))[:20]}, this run has {n} in batches "
                         f"of {bs} (resume needs the same data and batch_size)")
    st = dict(st)
    for key in ("epoch", "batch", "step"):
        v = st.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise bad(key, f"{str(v)[:40]!r} (expected an integer >= 0)")
        st[key] = int(v)
    gen = np.random.Generator(type(rng.bit_generator)())   # a scratch generator tries the state first
    try:
        gen.bit_generator.state = st.get("rng")
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise bad("rng", f"not a {type(rng.bit_generator).__name__} state ({str(exc)[:80]})") from None
    history = History()
    try:
        history.load_state_dict(st.get("history"))
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        raise bad("history", f"not a History state ({str(exc)[:80]})") from None
    cbs = st.get("callbacks")
    if cbs is not None and not isinstance(cbs, list):
        raise bad("callbacks", "expected a list of callback states")
    if "plan_indices" in st or "plan_sizes" in st:
        idx, sizes = st.get("plan_indices"), st.get("plan_sizes")
        for key, a in (("plan_indices", idx), ("plan_sizes", sizes)):
            if not (isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype == np.int64):
                raise bad(key, "expected a 1-d int64 array")
        if sizes.size and sizes.min() < 0:
            raise bad("plan_sizes", "batch sizes must be >= 0")
        if int(sizes.sum()) != idx.size:
            raise bad("plan_sizes", f"they sum to {int(sizes.sum())}, plan_indices has {idx.size}")
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise bad("plan_indices", f"indices must lie in [0, {n})")
        acc = st.get("acc")
        if not (isinstance(acc, list) and len(acc) == 5
                and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                        for v in acc)
                and all(isinstance(v, (int, np.integer)) and v >= 0 for v in acc[1:])):
            raise bad("acc", "expected [sum_loss, seen, correct, counted, skipped] with counts >= 0")
    return st, gen.bit_generator.state, history

# ------------------------------------------------------------------------------------------------------
# Trainer and fit
# ------------------------------------------------------------------------------------------------------
class Trainer:
    """The training loop behind :func:`fit`; callbacks receive it in ``on_train_begin(trainer)``.

    Attributes a callback may read (and ``stop_training`` write): ``model``, ``loss``, ``optimizer``,
    ``history`` (:class:`History`), ``epoch`` (current epoch, from 0), ``step`` (optimizer steps taken so
    far), ``batch`` (the current ``(Xb, yb)``), ``batch_index`` (within the epoch), ``stop_training``
    (set it to True to stop at the end of the current batch), ``rng`` (the shuffle Generator),
    ``output`` (the model output of the current batch with the default objective, else None).
    """

    def __init__(self, model, loss, optimizer, *, regularizers: Iterable = (), constraints: Iterable = (),
                 callbacks: Iterable = (), objective: Callable | None = None, augment: Callable | None = None,
                 sampler=None, on_nonfinite: str = "raise", progress: bool = True):
        if on_nonfinite not in _NONFINITE_MODES:
            raise ValueError(f"Invalid on_nonfinite: {on_nonfinite!r} (expected one of {_NONFINITE_MODES})")
        if objective is not None and not callable(objective):
            raise TypeError(f"Invalid objective: {objective!r} (expected a callable (model, loss, Xb, yb) -> float)")
        if augment is not None and not callable(augment):
            raise TypeError(f"Invalid augment: {augment!r} (expected a callable (Xb, rng) -> Xb)")
        if sampler is not None and not callable(getattr(sampler, "batches", None)):
            raise TypeError(f"Invalid sampler: {sampler!r} (expected an object with "
                            f"batches(n_samples, batch_size, epoch, rng))")
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.regularizers = list(regularizers or ())
        self.constraints = list(constraints or ())
        self.callbacks = list(callbacks or ())
        self.objective = objective
        self.augment = augment
        self.sampler = sampler
        self.on_nonfinite = on_nonfinite
        self.progress = bool(progress)
        self.history = History()
        self.epoch = 0
        self.step = 0
        self.batch_index = 0
        self.batch = None
        self.output = None
        self.stop_training = False
        self.rng: np.random.Generator | None = None

    # -- one minibatch ----------------------------------------------------------------------------------
    def _default_objective(self, model, loss, Xb, yb) -> float:
        value, self.output = forward_backward(model, loss, Xb, yb)
        return value

    def _buffers(self) -> list:
        """(owner module, name) of every buffer, so a skipped batch can restore running statistics."""
        out = []
        for mod in (self.model.modules() if hasattr(self.model, "modules") else ()):
            for name in getattr(mod, "_buffers", {}):
                out.append((mod, name))
        return out

    # -- checkpoint state ---------------------------------------------------------------------------------
    def _trainer_state(self, next_epoch: int, next_batch: int, plan_rest, acc) -> dict:
        state = {
            "format": "pyoptim.fit", "epoch": int(next_epoch), "batch": int(next_batch), "step": int(self.step),
            "rng": self.rng.bit_generator.state, "history": self.history.state_dict(),
            "callbacks": [cb.state_dict() if callable(getattr(cb, "state_dict", None)) else None
                          for cb in self.callbacks],
            "acc": list(acc), "n_samples": int(self._n), "batch_size": int(self._bs),
        }
        if plan_rest is not None:
            idx = [np.arange(p.start, p.stop) if isinstance(p, slice) else np.asarray(p) for p in plan_rest]
            state["plan_indices"] = np.concatenate(idx).astype(np.int64) if idx else np.zeros(0, np.int64)
            state["plan_sizes"] = np.array([len(i) for i in idx], dtype=np.int64)
        return state

    def _save(self, path, next_epoch, next_batch, plan_rest, acc) -> None:
        from .checkpoint import save
        save(path, model=self.model, optimizer=self.optimizer,
             trainer=self._trainer_state(next_epoch, next_batch, plan_rest, acc))

    # -- the loop -----------------------------------------------------------------------------------------
    def fit(self, X, y, epochs: int = 10, batch_size: int | None = 32, validation_data=None, shuffle: bool = True,
            seed=0, checkpoint=None, checkpoint_every=None, resume=None) -> History:
        """Run the loop; see :func:`fit` for the arguments."""
        check_int("epochs", epochs, 0)
        model, loss, optimizer = self.model, self.loss, self.optimizer
        for name in ("zero_grad", "parameters", "forward", "backward"):
            if not callable(getattr(model, name, None)):
                raise TypeError(f"Invalid model: {type(model).__name__} has no {name}() (expected a pyoptim.nn.Module)")
        if not callable(getattr(optimizer, "step", None)):
            raise TypeError(f"Invalid optimizer: {optimizer!r} (expected an object with step())")
        if self.objective is None and not (callable(getattr(loss, "forward", None)) and callable(getattr(loss, "backward", None))):
            raise TypeError(f"Invalid loss: {loss!r} (expected an object with forward(output, target) and backward())")
        X, y = _validate(model, loss, X, y, probe=self.objective is None)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("Invalid validation_data: expected a tuple (X_val, y_val)")
            val = _validate(model, loss, validation_data[0], validation_data[1], "X_val", "y_val",
                            probe=self.objective is None)
        n = len(X)
        bs = _check_batch_size(batch_size, n)
        self._n, self._bs = n, bs
        every_kind, every_k = _parse_every(checkpoint_every)
        self.rng = _as_rng(seed)
        classification = _is_classification(loss)
        objective = self.objective or self._default_objective
        trainable = _trainable(model)
        scratch = np.empty(max([p.grad.size for p in trainable] or [0]), dtype=bool)
        buffers = self._buffers()
        swap = getattr(optimizer, "swap", None)
        swap = swap if callable(swap) else None

        # -- resume -----------------------------------------------------------------------------------------
        start_epoch, start_batch, resumed_plan, resumed_acc, cb_states = 0, 0, None, None, None
        if resume is not None:
            from .checkpoint import remove_stale_temporaries
            remove_stale_temporaries(resume)  # left by a save that was killed mid-write
        if resume is not None and os.path.exists(os.fspath(resume)):
            from .checkpoint import load, load_into
            rpath = os.fspath(resume)
            ck = load(rpath)   # read and validated, not yet applied: a bad file changes nothing
            st, rng_state, history = _check_trainer_state(rpath, ck["extra"].get("trainer"), n, bs,
                                                          len(self.callbacks), self.rng)
            load_into(rpath, ck, model, optimizer)   # both or neither
            start_epoch, start_batch, self.step = st["epoch"], st["batch"], st["step"]
            self.rng.bit_generator.state = rng_state
            self.history = history
            if "plan_indices" in st:
                cuts = np.cumsum(st["plan_sizes"])[:-1]
                resumed_plan = np.split(st["plan_indices"], cuts) if len(st["plan_sizes"]) else []
                resumed_acc = st["acc"]
            cb_states = st.get("callbacks")

        self.stop_training = False
        self.epoch = start_epoch
        for cb in self.callbacks:
            cb.on_train_begin(self)
        if cb_states is not None:
            for cb, s in zip(self.callbacks, cb_states):
                if s is not None and callable(getattr(cb, "load_state_dict", None)):
                    cb.load_state_dict(s)

        per_epoch = None if self.sampler is not None else -(-n // bs)
        total = None if per_epoch is None else per_epoch * epochs
        initial = 0 if per_epoch is None else min(per_epoch * start_epoch + start_batch, total or 0)
        bar = _Progress(self.progress, total, initial, epochs)
        logs: dict = {}
        skipped_total = int(self.history.meta.get("skipped_batches", 0))
        try:
            for epoch in range(start_epoch, epochs):
                if self.stop_training:
                    break
                self.epoch = epoch
                bar.set_epoch(epoch)
                for cb in self.callbacks:
                    cb.on_epoch_begin(epoch, {})
                if resumed_plan is not None:
                    plan, first = [None] * start_batch + list(resumed_plan), start_batch  # done ones: None
                    sum_loss, seen, correct, counted, skipped = resumed_acc
                    sum_loss, seen, correct, counted, skipped = float(sum_loss), int(seen), int(correct), int(counted), int(skipped)
                    resumed_plan = None
                elif self.sampler is not None:
                    plan, first = list(self.sampler.batches(n, bs, epoch, self.rng)), 0
                    sum_loss, seen, correct, counted, skipped = 0.0, 0, 0, 0, 0
                else:
                    plan, first = _batch_plan(n, bs, bool(shuffle), self.rng), 0
                    sum_loss, seen, correct, counted, skipped = 0.0, 0, 0, 0, 0
                for b in range(first, len(plan)):
                    idx = plan[b]
                    self.batch_index = b
                    Xb, yb = X[idx], (None if y is None else y[idx])
                    if self.augment is not None:
                        Xb = self.augment(Xb, self.rng)
                    self.batch = (Xb, yb)
                    self.output = None
                    saved = _snapshot(buffers) if buffers else None
                    model.zero_grad()
                    value = float(objective(model, loss, Xb, yb))
                    for r in self.regularizers:
                        value += float(r.penalty(model))
                        r.accumulate_grad(model)
                    blogs = {"loss": value, "size": len(Xb), "step": self.step, "epoch": epoch}
                    for cb in self.callbacks:
                        cb.on_before_step(b, blogs)
                    if not (math.isfinite(value) and _all_finite([p.grad for p in trainable], scratch)):
                        if saved:  # running statistics touched by the bad forward pass go back too
                            _restore(saved)
                        what = "loss" if not math.isfinite(value) else "gradient"
                        where = f"epoch {epoch} (from 0), batch {b}, step {self.step}"
                        if self.on_nonfinite == "raise":
                            raise FloatingPointError(f"non-finite {what} at {where}; parameters and optimizer "
                                                     f"state are left as after the last good step "
                                                     f"(on_nonfinite='skip_batch' or 'stop' to continue)")
                        if self.on_nonfinite == "stop":
                            self.history.meta["nonfinite"] = {"epoch": epoch, "batch": b, "step": self.step, "what": what}
                            self.stop_training = True
                            break
                        skipped += 1
                        skipped_total += 1
                        self.history.meta["skipped_batches"] = skipped_total
                        continue
                    optimizer.step()
                    if self.regularizers:
                        lr = _current_lr(optimizer)
                        for r in self.regularizers:
                            r.after_step(model, lr)
                    for c in self.constraints:
                        c.apply(model)
                    self.step += 1
                    sum_loss += value * len(Xb)
                    seen += len(Xb)
                    if classification and self.output is not None and yb is not None:
                        correct += _n_correct(self.output, yb)
                        counted += len(Xb)
                    for cb in self.callbacks:
                        cb.on_batch_end(b, blogs)
                    bar.update()
                    if checkpoint is not None and every_kind == "batch" and self.step % every_k == 0 \
                            and b + 1 < len(plan):
                        self._save(checkpoint, epoch, b + 1, plan[b + 1:],
                                   (sum_loss, seen, correct, counted, skipped))
                    if self.stop_training:
                        break

                # -- end of epoch ---------------------------------------------------------------------------
                logs = {}
                if seen:
                    logs["loss"] = sum_loss / seen
                if counted:
                    logs["accuracy"] = correct / counted
                if val is not None:
                    if swap is not None:
                        swap()
                    try:
                        ev = evaluate(model, loss, val[0], val[1])
                    finally:
                        if swap is not None:
                            swap()
                    logs.update({"val_" + k: v for k, v in ev.items()})
                lr = _current_lr(optimizer)
                if lr is not None:
                    logs["lr"] = lr
                if self.on_nonfinite == "skip_batch":
                    logs["skipped_batches"] = skipped
                self.history.meta["skipped_batches"] = skipped_total
                self.history.meta["steps"] = self.step
                self.history.append(epoch, logs)
                for cb in self.callbacks:
                    cb.on_epoch_end(epoch, logs)
                self.history._update_last(logs)  # metrics a callback added to (or changed in) logs
                self._note_early_stopping()
                bar.end_epoch(epoch, logs)
                if checkpoint is not None and (every_kind == "batch" or (epoch + 1) % every_k == 0
                                               or epoch + 1 == epochs or self.stop_training):
                    self._save(checkpoint, epoch + 1, 0, None, (0.0, 0, 0, 0, 0))
        finally:
            bar.close()
        for cb in self.callbacks:
            cb.on_train_end(logs)
        self._note_early_stopping()
        return self.history

    def _note_early_stopping(self) -> None:
        """Copy an early-stopping callback's ``best_epoch`` / ``stopped_epoch`` into ``history.meta``
        (History.plot marks the best epoch)."""
        for cb in self.callbacks:
            for key in ("best_epoch", "stopped_epoch"):
                v = getattr(cb, key, None)
                if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                    self.history.meta[key] = int(v)


def fit(model, loss, optimizer, X, y, epochs: int = 10, batch_size: int | None = 32, validation_data=None,
        regularizers: Iterable = (), constraints: Iterable = (), callbacks: Iterable = (), shuffle: bool = True,
        seed=0, progress: bool = True, objective: Callable | None = None, augment: Callable | None = None,
        sampler=None, on_nonfinite: str = "raise", checkpoint=None, checkpoint_every=None, resume=None) -> History:
    """Train ``model`` by minibatch stochastic gradient descent with ``optimizer`` (book 8.1, 8.3).

    Each epoch visits the training set once in minibatches of m = ``batch_size`` examples; each
    minibatch gives an unbiased estimate ĝ = (1/m) ∇θ Σᵢ L(f(x⁽ⁱ⁾; θ), y⁽ⁱ⁾) of the gradient of the
    empirical risk and one ``optimizer.step()`` (book Algorithm 8.1 with ε = ``lr``).

    Parameters
    ----------
    model : pyoptim.nn.Module
        Its Parameters with ``requires_grad=False`` are frozen: the optimizer skips them and fit never
        touches them (book 8.7.4, pretraining).
    loss : a pyoptim.nn loss (``forward(output, target) -> float``, ``backward() -> dL/doutput``).
        ``SoftmaxCrossEntropy`` and ``BinaryCrossEntropy`` (or ``loss.is_classification = True``) add
        ``accuracy`` to the logs (1 − the 0-1 error of book 8.1.2).
    optimizer : a pyoptim.optim optimizer built on ``model.parameters()``. If it has a callable
        ``swap`` (``pyoptim.optim.Averaged``, book 8.7.3) validation uses the averaged parameters.
    X, y : training inputs (float32/float64, one row per example) and targets (integer class labels
        for classification losses, floats for regression). Checked up front (lengths, dtypes, label
        range, input width); X is converted to the model's dtype. ``y=None`` is allowed with a custom
        ``objective`` (unsupervised terms, autoencoders): it then receives ``yb=None``.
    epochs : int
        The total number of epochs (with ``resume``, training continues until this many are done).
    batch_size : int or None
        m. ``None`` is the whole set (batch gradient descent), ``1`` the stochastic method.
    validation_data : (X_val, y_val), optional
        Evaluated at the end of each epoch in eval mode: ``val_loss`` and ``val_accuracy``.
    regularizers : objects with ``penalty(model) -> float``, ``accumulate_grad(model)`` and
        ``after_step(model, lr)`` (``pyoptim.regularizers``, book 7.1).
    constraints : objects with ``apply(model)``, called after every step (``pyoptim.constraints``, 7.2).
    callbacks : ``pyoptim.callbacks.Callback`` objects (early stopping, schedulers, monitors).
    shuffle : bool
        Draw a new random order every epoch (ignored when ``sampler`` is given).
    seed : int or numpy.random.Generator
        Seeds the Generator used for shuffling, ``augment`` and ``sampler``: the same seed gives the same
        run, bit for bit.
    progress : bool
        A progress bar (tqdm, notebook-aware through ``tqdm.auto``; a line per epoch on stderr without
        tqdm). ``False`` prints nothing at all.
    objective : callable ``(model, loss, Xb, yb) -> float``, optional
        Replaces "forward, loss, backward": it must return the minibatch loss and *accumulate* the
        gradients into the parameters' ``.grad``. Adversarial training (7.13), tangent prop (7.14),
        multi-task (7.7) and hint losses (8.7.4) are objectives.
    augment : callable ``(Xb, rng) -> Xb``, optional
        Applied to every training minibatch (dataset augmentation, 7.4; noise injection, 7.5).
    sampler : object with ``batches(n_samples, batch_size, epoch, rng) -> iterable of index arrays``
        Replaces the shuffling (curriculum learning, 8.7.6).
    on_nonfinite : "raise" | "stop" | "skip_batch"
        What to do when the minibatch loss or a gradient is NaN or infinite. The check comes before
        ``optimizer.step()``, so in every mode the parameters, the optimizer state and the model's
        buffers (batch-norm running statistics) stay exactly as after the last good step. "raise"
        raises ``FloatingPointError`` naming the epoch and batch; "stop" ends training (recorded in
        ``history.meta["nonfinite"]``); "skip_batch" skips the step and counts it
        (``history.history["skipped_batches"]`` per epoch, ``history.skipped_batches`` in total).
    checkpoint : path, optional
        Save a checkpoint (:func:`pyoptim.save`: model, optimizer, epoch/step counters, the Generator's
        ``bit_generator.state``, the rest of the current epoch's order, callbacks' ``state_dict()`` and
        the history) atomically to this file.
    checkpoint_every : None, int, "epoch", "batch", "k epochs" or "k batches"
        How often: by default after every epoch; an int k every k epochs (and after the last);
        "k batches" every k optimizer steps as well as at each epoch end. Ignored without ``checkpoint``.
    resume : path, optional
        Continue from a checkpoint written by ``fit``: the model, optimizer, counters, RNG, history and
        callback states are restored and training continues to ``epochs``, finishing with bit-identically
        the parameters of an uninterrupted run. **If the file does not exist, training starts fresh**, so
        ``fit(..., checkpoint=p, resume=p)`` is a job that can be killed and restarted at will
        (temporary files ``.<name>.*.tmp`` that a save killed mid-write left next to ``p`` are removed).
        A file that exists but is not a valid checkpoint raises ``ValueError`` naming the path (and the
        field: negative counters, a batch plan that does not add up or indexes outside the data, a
        malformed RNG or history state); the file is read and checked in full, within
        :func:`pyoptim.load`'s default budget, before the model, optimizer or counters change.

    Returns
    -------
    History
        ``history.history["loss"]``, ``["accuracy"]``, ``["val_loss"]``, ``["val_accuracy"]``, ``["lr"]``.

    Raises
    ------
    TypeError, ValueError
        For inputs of the wrong kind (non-float X, non-integer labels, mismatched lengths, labels outside
        [0, classes), a wrong input width) and invalid hyperparameters, before any training.
    FloatingPointError
        ``on_nonfinite="raise"`` and a NaN/inf loss or gradient.

    Example
    -------
    >>> hist = po.fit(model, po.nn.SoftmaxCrossEntropy(), po.optim.Adam(model.parameters()), X, y,
    ...               epochs=20, batch_size=32, validation_data=(Xv, yv), progress=False)
    >>> hist.history["val_accuracy"][-1]
    """
    trainer = Trainer(model, loss, optimizer, regularizers=regularizers, constraints=constraints,
                      callbacks=callbacks, objective=objective, augment=augment, sampler=sampler,
                      on_nonfinite=on_nonfinite, progress=progress)
    return trainer.fit(X, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                       shuffle=shuffle, seed=seed, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                       resume=resume)
