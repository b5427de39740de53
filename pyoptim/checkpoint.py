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
the path (and the manifest field at fault), and a failed load into objects restores their previous
state (never half-loaded). A hostile file cannot make :func:`load` allocate more than its budget
(``max_bytes``, default 1 GiB, plus at most 16 MiB of manifest): the manifest's declared dtypes and
shapes are summed and checked before any array is read, each member's ``.npy`` header must agree with
them, and each member is decompressed into a buffer of its declared size and no further.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from zlib import error as zlib_error
from collections import OrderedDict
from typing import Any

import numpy as np
from ._validation import check_int

__all__ = ["save", "load", "DEFAULT_MAX_BYTES"]

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


#: deepest nesting of lists/tuples/dicts a manifest may have (an optimizer state is 4 levels deep)
_MAX_DEPTH = 64


def _dec(node, arrays: dict, path: str, field: str = "manifest", depth: int = 0):
    """Rebuild one manifest node; ValueError naming the path and the field on anything malformed."""
    if depth > _MAX_DEPTH:
        raise ValueError(f"{path}: corrupt checkpoint (field {field}: nested deeper than {_MAX_DEPTH} levels)")
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_dec(v, arrays, path, f"{field}[{i}]", depth + 1) for i, v in enumerate(node)]
    if isinstance(node, dict) and len(node) == 1:
        (tag, val), = node.items()
        if tag in ("__a", "__s"):
            if not isinstance(val, str) or val not in arrays:
                raise ValueError(f"{path}: corrupt checkpoint (field {field}: array {str(val)[:40]!r} named in "
                                 f"the manifest is missing)")
            arr = arrays[val]
            if tag == "__s":
                if arr.ndim != 0:
                    raise ValueError(f"{path}: corrupt checkpoint (field {field}: scalar {val!r} has shape {arr.shape})")
                return arr[()]
            return arr
        if tag == "__t" and isinstance(val, list):
            return tuple(_dec(v, arrays, path, f"{field}[{i}]", depth + 1) for i, v in enumerate(val))
        if tag == "__d" and isinstance(val, list):
            out = OrderedDict()
            for i, pair in enumerate(val):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ValueError(f"{path}: corrupt checkpoint (field {field}: dict item {i} is not a "
                                     f"[key, value] pair)")
                k = _dec(pair[0], arrays, path, f"{field} key {i}", depth + 1)
                if isinstance(k, list):
                    k = tuple(k)
                try:
                    hash(k)
                except TypeError:
                    raise ValueError(f"{path}: corrupt checkpoint (field {field}: dict key {i} is a "
                                     f"{type(k).__name__}, not a hashable value)") from None
                out[k] = _dec(pair[1], arrays, path, f"{field}[{k!r}]"[:200], depth + 1)
            return out
    raise ValueError(f"{path}: corrupt checkpoint (field {field}: unexpected manifest node {str(node)[:60]!r})")


def _map_tree(d, leaf, dict_type=dict):
    """``d`` rebuilt: every ``dict_type`` as a plain dict, lists and tuples as such, recursively, and
    ``leaf(x)`` for anything else."""
    if isinstance(d, dict_type):
        return {k: _map_tree(v, leaf, dict_type) for k, v in d.items()}
    if isinstance(d, list):
        return [_map_tree(v, leaf, dict_type) for v in d]
    if isinstance(d, tuple):
        return tuple(_map_tree(v, leaf, dict_type) for v in d)
    return leaf(d)


def _plain(d):
    """OrderedDict -> dict recursively (the manifest keeps order; plain dicts are friendlier to print)."""
    return _map_tree(d, lambda v: v, OrderedDict)


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
    >>> import os, tempfile, pyoptim as po
    >>> model = po.nn.Sequential(po.nn.Dense(4, 2, seed=0))
    >>> opt = po.optim.Adam(model.parameters())
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
    >>> po.save(path, model=model, optimizer=opt, epoch=5)
    >>> state = po.load(path, model=model, optimizer=opt)   # loads in place
    >>> state["extra"]
    {'epoch': 5}
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
#: the default budget of :func:`load`: the most bytes of array data a checkpoint may make it allocate
DEFAULT_MAX_BYTES = 1 << 30   # 1 GiB
#: the largest manifest (JSON text) :func:`load` reads; a real manifest needs ~60 bytes per array
_MAX_MANIFEST = 16 << 20      # 16 MiB
_CHUNK = 1 << 20              # members are decompressed 1 MiB at a time into their final buffer


def _parse_int(text: str) -> int:
    """JSON integers of at most 400 digits (a Python int from save has at most what the user stored;
    a hostile 5000-digit one is refused here on every Python version, not only where int() limits it)."""
    if len(text) > 400:
        raise ValueError(f"an integer of {len(text)} digits")
    return int(text)


def _bad(path: str, what: str) -> ValueError:
    return ValueError(f"{path}: corrupt checkpoint ({what})")


def _check_budget(max_bytes) -> int:
    return check_int("max_bytes", max_bytes, 0)


def _declared(path: str, tree: dict, members: set, max_bytes: int) -> dict:
    """The manifest's ``arrays`` field checked: {name: (dtype, shape, nbytes)}, total within the budget."""
    decl = tree.get("arrays")
    if not isinstance(decl, dict):
        raise _bad(path, f"field arrays: expected a dict of name -> [dtype, shape], got {type(decl).__name__}")
    out, total = {}, 0
    for name, entry in decl.items():
        field = f"arrays[{name[:40]!r}]"
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], list)):
            raise _bad(path, f"field {field}: expected [dtype string, shape list], got {str(entry)[:60]!r}")
        dstr, shape = entry
        try:
            dtype = np.dtype(dstr)
        except (TypeError, ValueError, SyntaxError) as exc:
            raise _bad(path, f"field {field}: dtype {dstr[:40]!r} is not a NumPy dtype ({exc})") from None
        if dtype.hasobject or dtype.str != dstr:
            raise _bad(path, f"field {field}: dtype {dstr[:40]!r} is not a plain data dtype")
        if len(shape) > 64 or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
            raise _bad(path, f"field {field}: shape {str(shape)[:60]} is not a list of at most 64 integers >= 0")
        nbytes = dtype.itemsize
        for s in shape:
            nbytes *= s   # Python ints: no overflow; checked against the budget below
        total += nbytes
        if total > max_bytes:
            raise ValueError(f"{path}: the checkpoint declares more than max_bytes={max_bytes} bytes of arrays "
                             f"(field {field}: {dstr}{tuple(shape)} alone is {nbytes} bytes); pass a larger "
                             f"max_bytes to load a checkpoint this big from a trusted source")
        out[name] = (dtype, tuple(shape), nbytes)
    if set(out) != members:
        raise _bad(path, f"field arrays: arrays {sorted(set(out) ^ members)[:10]} missing or unexpected")
    return out


def _read_member(path: str, zf: zipfile.ZipFile, name: str, dtype: np.dtype, shape: tuple, nbytes: int):
    """One ``.npy`` member, read through the zip stream: its header must match (dtype, shape); exactly
    ``nbytes`` of data are decompressed into a buffer allocated from the *declared* size (the zip
    header's sizes are never trusted), and the member must end there (its CRC is checked at the end)."""
    fmt = np.lib.format
    with zf.open(name + ".npy") as f:
        version = fmt.read_magic(f)
        if version == (1, 0):
            hshape, fortran, hdtype = fmt.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            hshape, fortran, hdtype = fmt.read_array_header_2_0(f)
        else:
            raise _bad(path, f"member {name}: unsupported .npy version {version}")
        if hdtype.hasobject or hdtype.str != dtype.str or tuple(hshape) != shape or (fortran and len(shape) > 1):
            raise _bad(path, f"member {name} is {hdtype.str}{tuple(hshape)}, the manifest field "
                             f"arrays[{name!r}] says {dtype.str}{shape}")
        buf = np.empty(nbytes, dtype=np.uint8)
        pos = 0
        while pos < nbytes:
            chunk = f.read(min(_CHUNK, nbytes - pos))
            if not chunk:
                raise _bad(path, f"member {name} holds {pos} of its {nbytes} bytes (truncated)")
            buf[pos:pos + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
            pos += len(chunk)
        if f.read(1):
            raise _bad(path, f"member {name} holds more data than its declared {dtype.str}{shape}")
    return buf.view(hdtype).reshape(shape) if hdtype.itemsize else np.zeros(shape, hdtype)


def _read(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """Read and validate the whole archive; ValueError naming the path (and the field) on any defect.

    Order: zip directory -> manifest member (at most 16 MiB) -> the manifest's ``arrays`` field (names,
    dtypes, shapes, total bytes <= ``max_bytes``) -> each member's ``.npy`` header against it -> the data,
    decompressed only up to the declared size -> the structure around the arrays.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            names = zf.namelist()
            if len(names) != len(set(names)):
                raise _bad(path, "duplicate archive members")
            if not all(n.endswith(".npy") for n in names):
                raise _bad(path, f"archive members {[n for n in names if not n.endswith('.npy')][:5]} are not .npy")
            members = {n[:-4] for n in names}
            if _MANIFEST not in members:
                raise ValueError(f"{path}: not a pyoptim checkpoint (no manifest)")
            members.discard(_MANIFEST)
            with zf.open(_MANIFEST + ".npy") as f:   # the size is checked from the .npy header before reading
                version = np.lib.format.read_magic(f)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                mshape, _, mdtype = read_header(f)
            if mdtype != np.uint8 or len(mshape) != 1 or mshape[0] > _MAX_MANIFEST:
                raise _bad(path, f"field manifest: {mdtype}{mshape} (expected uint8 text of at most {_MAX_MANIFEST} bytes)")
            blob = _read_member(path, zf, _MANIFEST, np.dtype(np.uint8), tuple(mshape), int(mshape[0]))
            try:
                tree = json.loads(blob.tobytes().decode("utf-8"), parse_int=_parse_int)
            except RecursionError:
                raise _bad(path, "field manifest: nested too deeply") from None
            except (UnicodeDecodeError, ValueError) as exc:   # JSONDecodeError, int-string limit
                raise _bad(path, f"field manifest: unreadable ({str(exc)[:120]})") from None
            if not isinstance(tree, dict) or tree.get("format") != _FORMAT:
                raise ValueError(f"{path}: not a pyoptim checkpoint (format marker missing)")
            if tree.get("version") != _VERSION:
                raise ValueError(f"{path}: checkpoint version {str(tree.get('version'))[:20]!r} is not "
                                 f"supported (expected {_VERSION})")
            decl = _declared(path, tree, members, max_bytes)
            arrays = {name: _read_member(path, zf, name, *decl[name]) for name in sorted(decl)}
    except ValueError as exc:   # numpy's .npy header checks raise ValueError without the path
        if str(exc).startswith(path + ": "):
            raise
        raise _bad(path, f"{str(exc)[:200]}") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, RuntimeError,
            NotImplementedError, TypeError, zlib_error, OverflowError, MemoryError) as exc:
        if isinstance(exc, FileNotFoundError) and not os.path.exists(path):
            raise
        raise ValueError(f"{path}: not a valid pyoptim checkpoint (truncated or corrupt file: "
                         f"{type(exc).__name__}: {str(exc)[:200]})") from exc
    out = {}
    for key in ("model", "optimizer", "extra"):
        node = tree.get(key, {"__d": []} if key == "extra" else None)
        value = None if node is None else _dec(node, arrays, path, key)
        if key == "optimizer" and value is not None:
            value = _plain(value)
            if not isinstance(value, dict):
                raise _bad(path, f"field optimizer: expected a state dict, got {type(value).__name__}")
        if key == "model" and value is not None and not isinstance(value, dict):
            raise _bad(path, f"field model: expected a state dict, got {type(value).__name__}")
        if key == "extra":
            value = _plain(value)
            if not isinstance(value, dict):
                raise _bad(path, f"field extra: expected a dict, got {type(value).__name__}")
        out[key + "_state" if key != "extra" else key] = value
    return out


def load(path, model=None, optimizer=None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """Read a checkpoint written by :func:`save`; optionally load it into ``model`` / ``optimizer`` in place.

    Parameters
    ----------
    path : str or os.PathLike
    model, optimizer : optional
        Loaded in place (``load_state_dict``) after the whole file has been read and validated.
    max_bytes : int, default ``DEFAULT_MAX_BYTES`` (1 GiB)
        The budget: the most bytes of array data the file may make ``load`` allocate. The manifest
        declares every array's dtype and shape; their total is checked against ``max_bytes`` before any
        array is read, each member's ``.npy`` header must agree with the manifest, and a member is
        decompressed straight into a buffer of its declared size and no further (the zip directory's
        sizes are never trusted), so a small hostile file (a compression bomb, an 8 TB shape) cannot
        allocate more than ``max_bytes`` plus the manifest (at most 16 MiB of JSON). 1 GiB is a hundred
        times the largest model the book's chapters train here, and safe on a laptop; raise it for a
        bigger checkpoint you trust.

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
        A truncated or corrupt file, a malformed manifest, arrays beyond ``max_bytes``, or not a pyoptim
        checkpoint (the message names the path, and the manifest field when one is at fault); a
        checkpoint without the model/optimizer state that was asked for. Nothing is changed.
    """
    path = os.fspath(path)
    ck = _read(path, _check_budget(max_bytes))
    load_into(path, ck, model, optimizer)
    return ck


def load_into(path: str, ck: dict, model=None, optimizer=None) -> None:
    """Load a read checkpoint into ``model``/``optimizer``: both or neither (restored on failure)."""
    if model is not None and ck["model_state"] is None:
        raise ValueError(f"{path}: the checkpoint holds no model state")
    if optimizer is not None and ck["optimizer_state"] is None:
        raise ValueError(f"{path}: the checkpoint holds no optimizer state")
    if model is None and optimizer is None:
        return
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


def _copy_tree(d):
    """Copies of arrays, so an optimizer that keeps references never shares them with the returned dict."""
    return _map_tree(d, lambda v: v.copy() if isinstance(v, np.ndarray) else v)
