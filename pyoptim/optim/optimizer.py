"""The optimizer base class: parameter groups, per-parameter state, ``step``, ``state_dict``.

The shape follows torch.optim.Optimizer (class on top, functional core underneath): a subclass
declares its ``defaults`` and validates them, and implements ``_update(group, index, param, grad)``,
which calls one fused C kernel from :mod:`pyoptim.kernels` on one parameter. Everything else (groups,
gradients from Parameters or from a ``grads`` sequence, state, serialization) lives here.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Callable

import numpy as np

from .._validation import check_not_masked

__all__ = ["Optimizer", "check_hyper"]

_LOCK_GUARD = threading.Lock()   # creates each optimizer's step lock exactly once


# ---- hyperparameter validation: one message format ------------------------------------------------

def check_hyper(label: str, value: Any, *, lo: float | None = None, hi: float | None = None,
                lo_open: bool = False, hi_open: bool = False, expected: str | None = None) -> float:
    """Validate a real hyperparameter; raise ``ValueError(f"Invalid {label}: {value!r} (expected ...)")``.

    ``label`` is the name in torch's wording ("learning rate", "momentum value", ...). ``lo``/``hi``
    bound the range (closed unless ``lo_open``/``hi_open``); NaN is never valid.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Invalid {label}: {value!r} (expected a real number)")
    v = float(value)
    ok = not math.isnan(v)
    if ok and lo is not None:
        ok = v > lo if lo_open else v >= lo
    if ok and hi is not None:
        ok = v < hi if hi_open else v <= hi
    if not ok:
        if expected is None:
            left = "(" if lo_open else "["
            right = ")" if hi_open else "]"
            lo_s = "-inf" if lo is None else repr(lo)
            hi_s = "inf" if hi is None else repr(hi)
            expected = f"a value in {left}{lo_s}, {hi_s}{right}"
        raise ValueError(f"Invalid {label}: {value!r} (expected {expected})")
    return v


def _is_parameter(p) -> bool:
    """A pyoptim.nn.Parameter (or anything shaped like one: ``.data`` array and ``.grad``)."""
    return not isinstance(p, np.ndarray) and hasattr(p, "data") and hasattr(p, "grad")


def _flat1(a: np.ndarray) -> np.ndarray:
    """A 0-d array as a 1-element view (the kernels take arrays of at least one dimension)."""
    return a.reshape(1) if a.ndim == 0 else a


class _State(dict):
    """``optimizer.state``: per-parameter state dicts, keyed by the parameter's index in the flattened
    parameter list (the keys ``state_dict()`` uses). Indexing with the Parameter or array itself works
    too (looked up by identity), as ``opt.state[p]`` does in torch."""

    def __init__(self, owner: "Optimizer"):
        super().__init__()
        self._owner = owner

    def _key(self, k):
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            return int(k)
        return self._owner._index_of(k)

    def __getitem__(self, k):
        return super().__getitem__(self._key(k))

    def __setitem__(self, k, v):
        super().__setitem__(self._key(k), v)

    def __contains__(self, k):
        try:
            return super().__contains__(self._key(k))
        except KeyError:
            return False

    def get(self, k, default=None):
        try:
            return super().get(self._key(k), default)
        except KeyError:
            return default


class Optimizer:
    """Base class of pyoptim's first-order optimizers (torch.optim.Optimizer's interface).

    Parameters
    ----------
    params : iterable
        ``pyoptim.nn.Parameter`` objects; or NumPy arrays (float32/float64, C-contiguous, writeable:
        updated in place, never copied); or dicts ``{"params": [...], "lr": ..., ...}`` (parameter
        groups: each group's missing hyperparameters are filled from ``defaults``).
    defaults : dict
        The hyperparameters and their default values.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group with its ``"params"`` list and hyperparameters; change them between steps
        (that is what the learning-rate schedulers do).
    state : dict
        Per-parameter state (momentum buffers, moment estimates, step counts), keyed by the parameter's
        index in the flattened parameter list, or by the parameter itself.

    Gradients
    ---------
    ``step()`` reads each Parameter's ``.grad`` and skips Parameters with ``requires_grad=False``.
    With plain arrays pass ``step(grads)``: a sequence of arrays matching the flattened parameter list
    one to one (``None`` skips a parameter). ``step(closure)`` calls ``closure()`` first and returns its
    value; with plain arrays the closure returns ``grads`` or ``(loss, grads)``.
    """

    #: names of the per-parameter state arrays (used by load_state_dict to validate shapes/dtypes)
    _array_state: tuple[str, ...] = ()

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state = _State(self)
        self._params: list = []          # the flattened parameter list, in group order
        self._ids: dict[int, int] = {}   # id(param) -> index in _params
        if isinstance(params, (np.ndarray, Mapping)) or _is_parameter(params):
            raise TypeError("params argument given to the optimizer should be an iterable of Parameters, "
                            f"arrays or dicts, but got {type(params).__name__}")
        try:
            params = list(params)
        except TypeError:
            raise TypeError("params argument given to the optimizer should be an iterable of Parameters, "
                            f"arrays or dicts, but got {type(params).__name__}") from None
        if len(params) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(params[0], Mapping):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    # -- groups --------------------------------------------------------------------------------------
    def add_param_group(self, param_group: Mapping) -> None:
        """Add a group (a dict with ``"params"`` and optional hyperparameters; defaults fill the rest)."""
        if not isinstance(param_group, Mapping):
            raise TypeError(f"Invalid param_group: {type(param_group).__name__} (expected a dict)")
        if "params" not in param_group:
            raise ValueError("Invalid param_group: no 'params' key (expected a dict with 'params')")
        group = dict(param_group)
        ps = group["params"]
        if isinstance(ps, np.ndarray) or _is_parameter(ps):
            ps = [ps]
        elif isinstance(ps, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            ps = list(ps)
        start = len(self._params)
        seen = {}
        for i, p in enumerate(ps):
            arr = p.data if _is_parameter(p) else p
            where = f"params[{start + i}]"
            check_not_masked(f"parameter {where}", arr)
            if not isinstance(arr, np.ndarray):
                raise TypeError(f"Invalid parameter {where}: {type(p).__name__} (expected a pyoptim.nn.Parameter "
                                "or a numpy.ndarray)")
            if arr.dtype not in (np.float32, np.float64):
                raise TypeError(f"Invalid parameter {where}: dtype {arr.dtype} (expected float32 or float64)")
            if not arr.flags.c_contiguous:
                raise ValueError(f"Invalid parameter {where}: not C-contiguous (expected a C-contiguous array; "
                                 "parameters are updated in place, never copied)")
            if not arr.flags.writeable:
                raise ValueError(f"Invalid parameter {where}: read-only (expected a writeable array)")
            if id(p) in self._ids or id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group")
            seen[id(p)] = start + i
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self._validate_group(group)
        group["params"] = ps
        self._ids.update(seen)
        self._params.extend(ps)
        self.param_groups.append(group)

    def _validate_group(self, group: dict) -> None:
        """Check a group's hyperparameters (subclasses); raise ValueError in the one message format."""

    def _index_of(self, p) -> int:
        try:
            return self._ids[id(p)]
        except KeyError:
            raise KeyError("this object is not a parameter of the optimizer") from None

    # -- gradients -----------------------------------------------------------------------------------
    def _collect_grads(self, grads) -> list:
        """The gradient of each flattened parameter (None: skip), checked against its parameter."""
        n = len(self._params)
        if grads is None:
            out = []
            for i, p in enumerate(self._params):
                if not _is_parameter(p):
                    raise TypeError("step(): the parameters are plain arrays, so pass their gradients: "
                                    "step(grads) with one array per parameter")
                out.append(p.grad if getattr(p, "requires_grad", True) else None)
            return out
        if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence):
            raise TypeError(f"step(): grads must be a sequence of arrays (one per parameter), got "
                            f"{type(grads).__name__}")
        if len(grads) != n:
            raise ValueError(f"step(): grads has {len(grads)} arrays but the optimizer has {n} parameters "
                             "(expected one gradient per parameter, in order)")
        out = []
        for i, (p, g) in enumerate(zip(self._params, grads)):
            if g is None or (_is_parameter(p) and not getattr(p, "requires_grad", True)):
                out.append(None)
                continue
            arr = p.data if _is_parameter(p) else p
            if not isinstance(g, np.ndarray):
                raise TypeError(f"step(): grads[{i}] must be a numpy.ndarray, got {type(g).__name__}")
            if g.shape != arr.shape:
                raise ValueError(f"step(): grads[{i}] has shape {g.shape} but params[{i}] has shape {arr.shape}")
            if g.dtype != arr.dtype:
                raise TypeError(f"step(): grads[{i}] has dtype {g.dtype} but params[{i}] has dtype {arr.dtype}")
            out.append(g)
        return out

    def _run_closure(self, closure: Callable):
        """Call a closure; return (loss, grads or None)."""
        res = closure()
        if all(_is_parameter(p) for p in self._params):
            return res, None
        if isinstance(res, tuple) and len(res) == 2 and isinstance(res[1], Sequence):
            return res[0], res[1]
        return None, res

    # -- the step ------------------------------------------------------------------------------------
    def step(self, grads=None):
        """One update of every parameter (see the class docstring for where gradients come from).

        Returns the closure's loss when ``grads`` is a callable, else None.
        """
        with self._step_lock():
            loss = None
            if callable(grads):
                loss, grads = self._run_closure(grads)
            gl = self._collect_grads(grads)
            for group in self.param_groups:   # hyperparameters may have been changed: check before any update
                self._validate_group(group)
            self._check_grads_before_step(gl)
            self._update_all(gl)
            return loss

    def _update_all(self, gl: list) -> None:
        """The update loop of :meth:`step` (after every check has passed)."""
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                g = gl[i]
                if g is not None:
                    data = p.data if _is_parameter(p) else p
                    self._update(group, i, _flat1(data), _flat1(g))
                i += 1

    # -- all or nothing, one step at a time ----------------------------------------------------------
    def _step_lock(self) -> threading.RLock:
        """This optimizer's lock: ``step``, ``state_dict`` and ``load_state_dict`` hold it, so concurrent
        ``step()`` calls from several threads run one after the other (each a whole step over all
        parameters; state is created under it, never seen half-made). Re-entrant: a closure may call
        ``state_dict()``. Created on first use and dropped when the optimizer is copied or pickled."""
        lock = self.__dict__.get("_lock")
        if lock is None:
            with _LOCK_GUARD:
                lock = self.__dict__.setdefault("_lock", threading.RLock())
        return lock

    def __getstate__(self):
        d = self.__dict__.copy()
        d.pop("_lock", None)
        return d

    def _check_grads_before_step(self, gl: list) -> None:
        """Check every gradient (ndarray, not masked, the parameter's shape and dtype, C-contiguous) and
        every state array it will update (shape, dtype, C-contiguous, writeable) before the first update,
        so a step that raises leaves all parameters and all state untouched."""
        for i, (p, g) in enumerate(zip(self._params, gl)):
            if g is None:
                continue
            arr = p.data if _is_parameter(p) else p
            where = f"grads[{i}]" if not _is_parameter(p) else f"params[{i}].grad"
            check_not_masked(f"gradient {where}", g)
            if not isinstance(g, np.ndarray):
                raise TypeError(f"step(): {where} must be a numpy.ndarray, got {type(g).__name__}")
            if g.shape != arr.shape:
                raise ValueError(f"step(): {where} has shape {g.shape} but params[{i}] has shape {arr.shape}")
            if g.dtype != arr.dtype:
                raise TypeError(f"step(): {where} has dtype {g.dtype} but params[{i}] has dtype {arr.dtype}")
            if not g.flags.c_contiguous:
                raise ValueError(f"step(): {where} is not C-contiguous (expected a C-contiguous array, "
                                 "e.g. np.ascontiguousarray(g))")
            self._check_state_before_step(i)

    def _check_state_before_step(self, i: int) -> None:
        """The state arrays of parameter ``i`` (if any): writeable C-contiguous arrays of the parameter's
        dtype and shape, and a step count that is an integer >= 0; ValueError naming the entry otherwise."""
        p = self._params[i]
        arr = p.data if _is_parameter(p) else p
        st = dict.get(self.state, i)
        if st:
            for name in self._array_state:
                v = st.get(name)
                if v is None:
                    continue
                if not (isinstance(v, np.ndarray) and not isinstance(v, np.ma.MaskedArray)
                        and v.shape in (arr.shape, _flat1(arr).shape) and v.dtype == arr.dtype
                        and v.flags.c_contiguous and v.flags.writeable):
                    what = (f"{type(v).__name__}" if not isinstance(v, np.ndarray)
                            else f"{v.dtype}{v.shape}, contiguous={v.flags.c_contiguous}, writeable={v.flags.writeable}")
                    raise ValueError(f"step(): state '{name}' of parameter {i} is {what} (expected a writeable "
                                     f"C-contiguous {arr.dtype} array of shape {arr.shape})")
            step = st.get("step")
            if step is not None and (isinstance(step, bool) or not isinstance(step, (int, float, np.integer, np.floating))
                                     or not step >= 0 or int(step) != step):
                raise ValueError(f"step(): state 'step' of parameter {i} is {step!r} (expected an integer >= 0)")

    def _update(self, group: dict, index: int, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError(f"{type(self).__name__}._update")

    def _state_of(self, index: int) -> dict:
        """The state dict of parameter ``index`` (created empty on first use)."""
        st = dict.get(self.state, index)
        if st is None:
            st = {}
            dict.__setitem__(self.state, index, st)
        return st

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Zero the ``.grad`` of every Parameter (plain arrays have none). ``set_to_none`` is accepted
        for torch compatibility; the gradient arrays are always kept and filled with zeros."""
        for p in self._params:
            if _is_parameter(p) and p.grad is not None:
                p.grad.fill(0)

    # -- serialization -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``{"state": {index: {name: array copy or number}}, "param_groups": [{..., "params": [indices]}]}``

        Plain dicts of NumPy arrays and numbers (torch's layout, parameters replaced by their indices).
        ``load_state_dict`` of it continues the run bit-identically.
        """
        with self._step_lock():
            return self._state_dict_unlocked()

    def _state_dict_unlocked(self) -> dict:
        state = {}
        for k, st in dict.items(self.state):
            p = self._params[int(k)]
            shape = (p.data if _is_parameter(p) else p).shape
            # a 0-d parameter's state is kept as a 1-element array (the kernels' view); saved in its shape
            state[int(k)] = {name: (v.reshape(shape) if v.size == 1 and shape == () else v).copy()
                             if isinstance(v, np.ndarray) else v for name, v in st.items()}
        groups = []
        i = 0
        for group in self.param_groups:
            d = {k: v for k, v in group.items() if k != "params"}
            d["params"] = list(range(i, i + len(group["params"])))
            i += len(group["params"])
            groups.append(d)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Load a ``state_dict()``: validated completely first, so a failed load changes nothing.

        Checks: the same number of groups and parameters per group; hyperparameters valid; every state
        entry names an existing parameter, has the state arrays this optimizer needs for its group, each
        with the parameter's shape and dtype. Arrays are copied in.
        """
        with self._step_lock():
            self._load_state_dict_unlocked(state_dict)

    def _load_state_dict_unlocked(self, state_dict: Mapping) -> None:
        if not isinstance(state_dict, Mapping) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict(): expected a dict with keys 'state' and 'param_groups'")
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict(): the state has {len(groups)} parameter groups, the optimizer "
                             f"has {len(self.param_groups)}")
        new_groups = []
        index_group = {}
        i = 0
        for gi, (mine, theirs) in enumerate(zip(self.param_groups, groups)):
            if len(theirs.get("params", ())) != len(mine["params"]):
                raise ValueError(f"load_state_dict(): parameter group {gi} has {len(theirs.get('params', ()))} "
                                 f"parameters in the state, {len(mine['params'])} in the optimizer")
            g = {k: (tuple(v) if isinstance(v, list) else v) for k, v in theirs.items() if k != "params"}
            for k in self.defaults:
                if k not in g:
                    raise ValueError(f"load_state_dict(): parameter group {gi} has no '{k}'")
            self._validate_group(g)
            g["params"] = mine["params"]
            new_groups.append(g)
            for _ in mine["params"]:
                index_group[i] = g
                i += 1
        new_state = {}
        for k, st in state_dict["state"].items():
            try:
                idx = int(k)
            except (TypeError, ValueError):
                raise ValueError(f"load_state_dict(): state key {k!r} is not a parameter index") from None
            if idx not in index_group:
                raise ValueError(f"load_state_dict(): state for parameter {idx}, but the optimizer has "
                                 f"{len(self._params)} parameters")
            p = self._params[idx]
            arr = p.data if _is_parameter(p) else p
            need = self._required_state(index_group[idx])
            missing = [n for n in need if n not in st]
            if missing:
                raise ValueError(f"load_state_dict(): state of parameter {idx} is missing {missing}")
            out = {}
            for name, v in st.items():
                if name not in self._array_state and isinstance(v, np.ndarray) and v.ndim == 0:
                    v = v.item()   # a counter saved as a 0-d array
                if name == "step":
                    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                            or not v >= 0 or int(v) != v:
                        raise ValueError(f"load_state_dict(): state 'step' of parameter {idx} is {v!r} "
                                         "(expected an integer >= 0)")
                    v = int(v)
                if name in self._array_state or isinstance(v, np.ndarray):
                    v = np.asarray(v)
                    if arr.ndim == 0 and v.shape in ((), (1,)):
                        v = v.reshape(1)   # state of a 0-d parameter is kept as a 1-element array
                    elif v.shape != arr.shape:
                        raise ValueError(f"load_state_dict(): state '{name}' of parameter {idx} has shape "
                                         f"{v.shape}, expected {arr.shape}")
                    if v.dtype != arr.dtype:
                        raise TypeError(f"load_state_dict(): state '{name}' of parameter {idx} has dtype "
                                        f"{v.dtype}, expected {arr.dtype}")
                    out[name] = np.array(v, dtype=arr.dtype, order="C", copy=True)
                else:
                    out[name] = v
            new_state[idx] = out
        # everything checked: commit
        for mine, g in zip(self.param_groups, new_groups):
            mine.clear()
            mine.update(g)
        dict.clear(self.state)
        for idx, st in new_state.items():
            dict.__setitem__(self.state, idx, st)

    def _required_state(self, group: dict) -> tuple[str, ...]:
        """The state entries a parameter of ``group`` must have once it has been stepped."""
        return ()

    # -- display -------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)
