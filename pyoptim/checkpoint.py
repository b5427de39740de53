"""Checkpoints: :func:`save` and :func:`load` a model, an optimizer and anything else in one ``.npz``.

The file is a plain NumPy ``.npz`` archive (a zip of ``.npy`` arrays, written with
``allow_pickle=False`` and read back the same way, so loading a checkpoint never runs code). Nested
state dicts (an optimizer's ``{"state": {0: {...}}, "param_groups": [...]}``, a Generator's
``bit_generator.state``, a training history) are flattened: every array becomes one archive member
``a0, a1, ...`` and the structure around them (dicts with any keys, lists, tuples, numbers, strings,
None) is a JSON *manifest* stored in the member ``__manifest__``. Python floats and ints go through
JSON exactly (``repr`` round-trips a float; ints are unbounded), NumPy scalars keep their dtype.

Writing is atomic: the archive is written to a temporary file in the same directory, flushed and
``fsync``-ed, then moved over the target with ``os.replace`` (atomic on POSIX and Windows). A save that
is interrupted (an exception, a kill, a full disk) leaves the previous checkpoint intact.

Reading validates everything (zip structure and CRCs, the manifest, every referenced array) before
anything is written into a model or optimizer; a truncated or corrupt file raises ``ValueError`` naming
the path, and a failed load into objects restores their previous state (never half-loaded).
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

__all__ = ["save", "load"]

_FORMAT = "pyoptim-checkpoint"
_VERSION = 1
_MANIFEST = "__manifest__"


# ------------------------------------------------------------------------------------------------------
# flattening: nested Python/NumPy state <-> (JSON-able tree, {name: array})
# ------------------------------------------------------------------------------------------------------
class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _store(self, arr: np.ndarray, where: str) -> str:
        if arr.dtype == object or arr.dtype.hasobject:
            raise TypeError(f"save: {where} is an object array; checkpoints hold numeric arrays only")
        name = f"a{len(self.arrays)}"
        self.arrays[name] = arr
        return name

    def enc(self, obj: Any, where: str = "state"):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int) and not isinstance(obj, bool):
            return obj
        if isinstance(obj, float):
            return obj
        if isinstance(obj, np.ndarray):
            arr = obj if obj.flags.c_contiguous else np.array(obj, order="C")  # (ascontiguousarray makes 0-d 1-d)
            return {"__a": self._store(arr, where)}
        if isinstance(obj, np.generic):
            return {"__s": self._store(np.asarray(obj), where)}
        if isinstance(obj, (list, tuple)):
            items = [self.enc(v, f"{where}[{i}]") for i, v in enumerate(obj)]
            return items if isinstance(obj, list) else {"__t": items}
        if isinstance(obj, dict):
            return {"__d": [[self.enc(k, f"{where} key"), self.enc(v, f"{where}[{k!r}]")] for k, v in obj.items()]}
        if hasattr(obj, "state_dict") and callable(obj.state_dict):
            return self.enc(obj.state_dict(), where)
        raise TypeError(f"save: cannot store {where} of type {type(obj).__name__} "
                        f"(expected arrays, numbers, strings, None, lists, tuples, dicts)")


def _dec(node, arrays: dict, path: str):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_dec(v, arrays, path) for v in node]
    if isinstance(node, dict):
        if "__a" in node or "__s" in node:
            name = node.get("__a", node.get("__s"))
            if name not in arrays:
                raise ValueError(f"{path}: corrupt checkpoint (array {name!r} named in the manifest is missing)")
            arr = arrays[name]
            return arr[()] if "__s" in node else arr
        if "__t" in node:
            return tuple(_dec(v, arrays, path) for v in node["__t"])
        if "__d" in node:
            out = OrderedDict()
            for pair in node["__d"]:
                k = _dec(pair[0], arrays, path)
                if isinstance(k, list):
                    k = tuple(k)
                out[k] = _dec(pair[1], arrays, path)
            return out
    raise ValueError(f"{path}: corrupt checkpoint (unexpected manifest node {str(node)[:60]!r})")


def _plain(d):
    """OrderedDict -> dict recursively (the manifest keeps order; plain dicts are friendlier to print)."""
    if isinstance(d, OrderedDict):
        return {k: _plain(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_plain(v) for v in d]
    if isinstance(d, tuple):
        return tuple(_plain(v) for v in d)
    return d


# ------------------------------------------------------------------------------------------------------
# save
# ------------------------------------------------------------------------------------------------------
def save(path, model=None, optimizer=None, **extra) -> None:
    """Save ``model``, ``optimizer`` and any ``extra`` values to one ``.npz`` file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (used exactly as given: no ``.npz`` is appended).
    model : a Module (its ``state_dict()`` is saved) or a state dict, optional
    optimizer : an optimizer (its ``state_dict()``) or a state dict, optional
    **extra : arrays, numbers, strings, None, and nested lists/tuples/dicts of them (dict keys may be
        ints or tuples, as in an optimizer's state), e.g. ``epoch=3, rng=gen.bit_generator.state``.

    The archive is written to a temporary file next to ``path``, flushed, fsync-ed and renamed over
    ``path`` (``os.replace``), so an interrupted save never damages an existing checkpoint.

    Raises
    ------
    TypeError
        For values that cannot be stored without pickling (objects, object arrays).

    Example
    -------
    >>> po.save("ckpt.npz", model=model, optimizer=opt, epoch=5)
    >>> state = po.load("ckpt.npz", model=model, optimizer=opt)   # in place; state["extra"]["epoch"] == 5
    """
    path = os.fspath(path)
    enc = _Encoder()
    tree = {
        "format": _FORMAT, "version": _VERSION,
        "model": enc.enc(_state_of(model), "model") if model is not None else None,
        "optimizer": enc.enc(_state_of(optimizer), "optimizer") if optimizer is not None else None,
        "extra": enc.enc(dict(extra), "extra"),
        "arrays": {k: [str(a.dtype.str), list(a.shape)] for k, a in enc.arrays.items()},
    }
    try:
        blob = json.dumps(tree, allow_nan=True).encode("utf-8")
    except (TypeError, ValueError) as exc:  # pragma: no cover - enc() only produces JSON types
        raise TypeError(f"save: cannot serialize the checkpoint manifest: {exc}") from exc
    members = dict(enc.arrays)
    members[_MANIFEST] = np.frombuffer(blob, dtype=np.uint8)

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, allow_pickle=False, **members)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def remove_stale_temporaries(path) -> list[str]:
    """Delete the temporary files (``.<name>.*.tmp`` next to ``path``) that a killed :func:`save` left.

    Only call this when no other process is saving to ``path`` (``fit(resume=...)`` does, at start).
    Returns the removed paths.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    prefix, removed = "." + os.path.basename(path) + ".", []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if name.startswith(prefix) and name.endswith(".tmp"):
            try:
                os.unlink(os.path.join(directory, name))
                removed.append(os.path.join(directory, name))
            except OSError:
                pass
    return removed


def _state_of(obj):
    if isinstance(obj, dict):
        return obj
    if callable(getattr(obj, "state_dict", None)):
        return obj.state_dict()
    raise TypeError(f"save: expected an object with state_dict() or a dict, got {type(obj).__name__}")


def _fsync_dir(directory: str) -> None:
    """Make the rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------------------------------
# load
# ------------------------------------------------------------------------------------------------------
def _read(path: str) -> dict:
    """Read and validate the whole archive into memory; ValueError naming the path on any defect."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with open(path, "rb") as f:  # we own (and close) the file, even when np.load fails
            z = np.load(f, allow_pickle=False)
            if not hasattr(z, "files"):
                raise ValueError("a .npy array, not an .npz archive")
            with z:
                files = list(z.files)
                if _MANIFEST not in files:
                    raise ValueError("no manifest")
                arrays = {k: z[k] for k in files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ValueError(f"{path}: not a valid pyoptim checkpoint (truncated or corrupt file: {exc})") from exc
    try:
        tree = json.loads(arrays.pop(_MANIFEST).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: corrupt checkpoint (unreadable manifest: {exc})") from exc
    if not isinstance(tree, dict) or tree.get("format") != _FORMAT:
        raise ValueError(f"{path}: not a pyoptim checkpoint (format marker missing)")
    if tree.get("version") != _VERSION:
        raise ValueError(f"{path}: checkpoint version {tree.get('version')!r} is not supported (expected {_VERSION})")
    declared = tree.get("arrays", {})
    if set(declared) != set(arrays):
        raise ValueError(f"{path}: corrupt checkpoint (arrays {sorted(set(declared) ^ set(arrays))} "
                         f"missing or unexpected)")
    for name, (dtype, shape) in declared.items():
        a = arrays[name]
        if a.dtype.str != dtype or list(a.shape) != list(shape):
            raise ValueError(f"{path}: corrupt checkpoint (array {name} is {a.dtype.str}{a.shape}, "
                             f"the manifest says {dtype}{tuple(shape)})")
    try:
        return {
            "model_state": _dec(tree["model"], arrays, path) if tree.get("model") is not None else None,
            "optimizer_state": (_plain(_dec(tree["optimizer"], arrays, path))
                                if tree.get("optimizer") is not None else None),
            "extra": _plain(_dec(tree.get("extra", {"__d": []}), arrays, path)),
        }
    except (TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ValueError(f"{path}: corrupt checkpoint (malformed manifest: {exc})") from exc


def load(path, model=None, optimizer=None) -> dict:
    """Read a checkpoint written by :func:`save`; optionally load it into ``model`` / ``optimizer`` in place.

    Returns
    -------
    dict
        ``{"model_state": OrderedDict or None, "optimizer_state": dict or None, "extra": dict}``.

    With ``model`` (``load_state_dict`` is called) and/or ``optimizer``, the states are loaded in
    place. The whole file is read and validated first; if loading into the objects still fails (a
    shape, dtype or key mismatch), both objects are put back as they were and the error is raised: a
    model is never left half-loaded.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        A truncated or corrupt file, or not a pyoptim checkpoint (the message names the path); a
        checkpoint without the model/optimizer state that was asked for.
    """
    path = os.fspath(path)
    ck = _read(path)
    if model is not None and ck["model_state"] is None:
        raise ValueError(f"{path}: the checkpoint holds no model state")
    if optimizer is not None and ck["optimizer_state"] is None:
        raise ValueError(f"{path}: the checkpoint holds no optimizer state")
    if model is None and optimizer is None:
        return ck
    model_backup = model.state_dict() if model is not None else None
    opt_backup = optimizer.state_dict() if optimizer is not None else None
    try:
        if model is not None:
            model.load_state_dict(ck["model_state"])
        if optimizer is not None:
            optimizer.load_state_dict(_copy_tree(ck["optimizer_state"]))
    except Exception as exc:
        if model is not None:
            model.load_state_dict(model_backup)
        if optimizer is not None:
            try:
                optimizer.load_state_dict(opt_backup)
            except Exception:  # pragma: no cover - restoring its own state should not fail
                pass
        raise ValueError(f"{path}: the checkpoint does not fit the given model/optimizer ({exc}); "
                         f"nothing was changed") from exc
    return ck


def _copy_tree(d):
    """Copies of arrays, so an optimizer that keeps references never shares them with the returned dict."""
    if isinstance(d, dict):
        return {k: _copy_tree(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_copy_tree(v) for v in d]
    if isinstance(d, tuple):
        return tuple(_copy_tree(v) for v in d)
    if isinstance(d, np.ndarray):
        return d.copy()
    return d
