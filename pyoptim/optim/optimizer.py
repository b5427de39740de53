"""The optimizer base class: parameter groups, per-parameter state, ``step``, ``state_dict``.

The shape follows torch.optim.Optimizer (class on top, functional core underneath): a subclass
declares its ``defaults`` and validates them, and implements ``_update(group, index, param, grad)``,
which calls one fused C kernel from :mod:`pyoptim.kernels` on one parameter. Everything else (groups,
gradients from Parameters or from a ``grads`` sequence, state, serialization) lives here.
"""
from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping, Sequence
from typing import Callable

import numpy as np

from .._internal.params import flat1, is_parameter
from .._validation import check_hyper, check_not_masked
from ._hooks import (RemovableHandle, hook_table, install_hooks, register, register_optimizer_step_post_hook,
                     register_optimizer_step_pre_hook)

__all__ = ["Optimizer", "check_hyper", "hyper_value", "hyper_number", "set_hyper", "RemovableHandle",
           "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]

_LOCK_GUARD = threading.Lock()   # creates each optimizer's step lock exactly once


# ---- hyperparameter values (their checks: pyoptim._validation.check_hyper) ----------------------------

def hyper_value(value) -> float:
    """The value of a hyperparameter as a Python float: a number, or a 1-element array (torch's tensor
    hyperparameter; a float32 0-d array gives its float32 value exactly)."""
    if isinstance(value, np.ndarray):
        return float(value.reshape(()))
    return float(value)


def hyper_number(value):
    """A hyperparameter as the number torch computes with: a 1-element array becomes a NumPy scalar of
    the array's dtype (so ``hyper_number(lr) / d`` rounds to float32 for a float32 array, as
    ``torch.tensor(lr) / d`` does), a number stays a Python number."""
    if isinstance(value, np.ndarray):
        return value.reshape(())[()]
    return value


def set_hyper(group: dict, key: str, value) -> None:
    """Set ``group[key]``: filled in place when it holds an array (torch's ``tensor.fill_``; the array
    object other code holds, such as LBFGS's step length, sees the change), else replaced."""
    cur = group.get(key)
    if isinstance(cur, np.ndarray):
        cur[...] = hyper_value(value) if isinstance(value, np.ndarray) else value
    else:
        group[key] = value


# ---- torch's implementation flags ---------------------------------------------------------------------

#: torch's implementation switches: accepted (``foreach``/``fused`` any of None/True/False; pyoptim's
#: updates are always one fused pass per parameter), ``capturable``/``differentiable`` only False
_IMPL_FLAGS = ("foreach", "fused", "capturable", "differentiable")

def _scalar_as_0d(g, arr: np.ndarray):
    """A NumPy scalar given as the gradient of a 0-d parameter (``p * 2`` of a 0-d array is one) as a
    0-d array of its own dtype; anything else unchanged (the checks then judge it)."""
    return np.asarray(g) if isinstance(g, np.generic) and arr.ndim == 0 else g


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


def _check_grad_like(g, arr: np.ndarray, i: int, where: str) -> None:
    """TypeError/ValueError from step() unless gradient ``g`` (named ``where``) is an ndarray of the
    shape and dtype of parameter ``i``'s array ``arr``."""
    if not isinstance(g, np.ndarray):
        raise TypeError(f"step(): {where} must be a numpy.ndarray, got {type(g).__name__}")
    if g.shape != arr.shape:
        raise ValueError(f"step(): {where} has shape {g.shape} but params[{i}] has shape {arr.shape}")
    if g.dtype != arr.dtype:
        raise TypeError(f"step(): {where} has dtype {g.dtype} but params[{i}] has dtype {arr.dtype}")


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

    torch's arguments
    -----------------
    - ``params`` may be named: ``[("w", p), ...]`` (e.g. ``model.named_parameters()``), in groups too
      (``{"params": [("w", p)], "lr": ...}``); the names are kept in ``group["param_names"]`` and written
      to ``state_dict()["param_groups"][i]["param_names"]`` as torch writes them. All parameters of all
      groups are named or none is (ValueError otherwise).
    - A parameter repeated within a group is warned about (UserWarning, as torch) and, as in torch, it
      shares one state and is updated once per occurrence; across groups it raises ValueError.
    - Hyperparameters may be 1-element arrays where torch takes tensors, e.g. ``lr=np.array(1e-3,
      np.float32)`` for ``torch.tensor(1e-3)``: the group keeps that same array object, the schedulers
      fill it in place (``lr[...] = new``, torch's ``fill_``), and each step reads its current value.
    - ``foreach``/``fused`` are accepted (pyoptim always runs one fused pass); ``capturable``/
      ``differentiable`` must be False (True raises NotImplementedError).
    - Hooks as in torch: ``register_step_pre_hook``/``register_step_post_hook``,
      ``register_state_dict_pre_hook``/``_post_hook``, ``register_load_state_dict_pre_hook``/``_post_hook``
      (each returns a handle with ``.remove()``), and the global
      :func:`register_optimizer_step_pre_hook` / :func:`register_optimizer_step_post_hook`.

    Writing a subclass
    ------------------
    - ``__init__`` builds ``defaults`` (include ``foreach=foreach, fused=fused, capturable=capturable,
      differentiable=differentiable`` for the flags torch's class takes: the base class checks them in
      every group) and calls ``super().__init__(params, defaults)``.
    - ``_validate_group(group)`` checks the hyperparameters with :func:`check_hyper` (it accepts numbers
      and 1-element arrays); it runs when a group is added, loaded, and before each step.
    - ``_update(group, index, param, grad)`` updates one parameter; read each hyperparameter with
      ``self._hp(group, "lr")`` (a Python float from a number or a 1-element array). Where torch
      computes with the tensor itself (e.g. Adagrad's ``clr = lr / (1 + (step - 1) * lr_decay)`` keeps
      the tensor's float32), use ``self._hp_num(group, "lr")`` (a NumPy float32 scalar for a float32
      array, the number otherwise) for that arithmetic, then ``float()`` it for the kernel.
      ``index`` keys the state: ``self._state_of(index)``.
    - Set a hyperparameter from outside (schedulers) with :func:`set_hyper` (in place for arrays).
    - ``step``/``state_dict``/``load_state_dict`` overridden in a subclass are wrapped by the hooks
      automatically (``__init_subclass__``).
    """

    #: names of the per-parameter state arrays (used by load_state_dict to validate shapes/dtypes)
    _array_state: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        install_hooks(cls)

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self._init_hooks()
        self._check_impl_flags(self.defaults)
        self.param_groups: list[dict] = []
        self.state = _State(self)
        self._params: list = []          # the flattened parameter list, in group order
        self._ids: dict[int, int] = {}   # id(param) -> index in _params (of its last occurrence)
        self._slots: list[int] = []      # position in _params -> state index (a repeated parameter's last)
        if isinstance(params, (np.ndarray, Mapping)) or is_parameter(params):
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
        if isinstance(ps, np.ndarray) or is_parameter(ps):
            ps = [ps]
        elif isinstance(ps, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            ps = list(ps)
        ps, names = self._split_names(ps)
        if names is not None:
            group["param_names"] = names
        start = len(self._params)
        seen = {}
        dup = False
        for i, p in enumerate(ps):
            arr = p.data if is_parameter(p) else p
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
            dup = dup or id(p) in seen
            seen[id(p)] = start + i   # a repeated parameter is keyed by its last position, as torch numbers it
        slots = [seen[id(p)] for p in ps]
        if dup:
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          UserWarning, stacklevel=3)
        self._check_names_consistent(group)
        if any(k in self._ids for k in seen):
            raise ValueError("some parameters appear in more than one parameter group")
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self._check_impl_flags(group)
        self._validate_group(group)
        group["params"] = ps
        self._ids.update(seen)
        self._params.extend(ps)
        self._slots.extend(slots)
        self.param_groups.append(group)

    # -- torch's arguments: named parameters, implementation flags, array hyperparameters -------------
    @staticmethod
    def _split_names(ps: list):
        """``[("w", p), ...]`` -> (parameters, names); unnamed -> (ps, None); a mix raises ValueError."""
        named = [isinstance(p, tuple) for p in ps]
        if not any(named):
            return ps, None
        if not all(named):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        for i, t in enumerate(ps):
            if len(t) != 2:
                raise ValueError(f"Invalid named parameter params[{i}]: a tuple of length {len(t)} "
                                 "(expected (name, parameter))")
        return [t[1] for t in ps], [t[0] for t in ps]

    def _check_names_consistent(self, group: dict) -> None:
        for other in self.param_groups:
            if ("param_names" in group) != ("param_names" in other):
                txt = "with names" if "param_names" in group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")

    @staticmethod
    def _check_impl_flags(group: Mapping) -> None:
        """torch's ``foreach``/``fused``/``capturable``/``differentiable``, where the optimizer has them."""
        for k in _IMPL_FLAGS:
            if k in group and group[k] is not None and not isinstance(group[k], (bool, np.bool_)):
                raise TypeError(f"Invalid {k}: {group[k]!r} (expected None, True or False)")
        if group.get("capturable"):
            raise NotImplementedError("capturable=True is not supported: pyoptim steps NumPy arrays on the CPU, "
                                      "there is no CUDA graph or torch.compile to capture (pass capturable=False)")
        if group.get("differentiable"):
            raise NotImplementedError("differentiable=True is not supported: pyoptim has no autograd through "
                                      "the optimizer step (pass differentiable=False)")
        if group.get("fused") and group.get("foreach"):
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    @staticmethod
    def _hp(group: Mapping, name: str) -> float:
        """``group[name]`` as a Python float (a number, or a 1-element array's current value)."""
        return hyper_value(group[name])

    @staticmethod
    def _hp_num(group: Mapping, name: str):
        """``group[name]`` as torch computes with it: a NumPy scalar of a 1-element array's dtype (float32
        arithmetic for a float32 array, like a float32 tensor), else the number itself."""
        return hyper_number(group[name])

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
                if not is_parameter(p):
                    raise TypeError("step(): the parameters are plain arrays, so pass their gradients: "
                                    "step(grads) with one array per parameter")
                out.append(_scalar_as_0d(p.grad, p.data) if getattr(p, "requires_grad", True) else None)
            return out
        if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence):
            raise TypeError(f"step(): grads must be a sequence of arrays (one per parameter), got "
                            f"{type(grads).__name__}")
        if len(grads) != n:
            raise ValueError(f"step(): grads has {len(grads)} arrays but the optimizer has {n} parameters "
                             "(expected one gradient per parameter, in order)")
        out = []
        for i, (p, g) in enumerate(zip(self._params, grads)):
            if g is None or (is_parameter(p) and not getattr(p, "requires_grad", True)):
                out.append(None)
                continue
            arr = p.data if is_parameter(p) else p
            g = _scalar_as_0d(g, arr)
            _check_grad_like(g, arr, i, f"grads[{i}]")
            out.append(g)
        return out

    def _run_closure(self, closure: Callable):
        """Call a closure; return (loss, grads or None)."""
        res = closure()
        if all(is_parameter(p) for p in self._params):
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
                    data = p.data if is_parameter(p) else p
                    self._update(group, self._slots[i], flat1(data), flat1(g))
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
            arr = p.data if is_parameter(p) else p
            where = f"grads[{i}]" if not is_parameter(p) else f"params[{i}].grad"
            check_not_masked(f"gradient {where}", g)
            _check_grad_like(g, arr, i, where)
            if not g.flags.c_contiguous:
                raise ValueError(f"step(): {where} is not C-contiguous (expected a C-contiguous array, "
                                 "e.g. np.ascontiguousarray(g))")
            self._check_state_before_step(i)

    def _check_state_before_step(self, i: int) -> None:
        """The state arrays of parameter ``i`` (if any): writeable C-contiguous arrays of the parameter's
        dtype and shape, and a step count that is an integer >= 0; ValueError naming the entry otherwise."""
        p = self._params[i]
        arr = p.data if is_parameter(p) else p
        st = dict.get(self.state, self._slots[i])
        if st:
            for name in self._array_state:
                v = st.get(name)
                if v is None:
                    continue
                if not (isinstance(v, np.ndarray) and not isinstance(v, np.ma.MaskedArray)
                        and v.shape in (arr.shape, flat1(arr).shape) and v.dtype == arr.dtype
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

    def _zeros_state(self, index: int, p: np.ndarray, *names: str, step: bool = True) -> dict:
        """The state dict of parameter ``index``, filled on first use (when ``names[0]`` is absent) the
        way torch creates optimizer state lazily: ``step`` = 0 first (if ``step``), then one zero array
        like ``p`` per name, in that order (the order ``state_dict()`` shows them)."""
        st = self._state_of(index)
        if names[0] not in st:
            if step:
                st["step"] = 0
            for name in names:
                st[name] = np.zeros_like(p)
        return st

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Zero the ``.grad`` of every Parameter (plain arrays have none). ``set_to_none`` is accepted
        for torch compatibility; the gradient arrays are always kept and filled with zeros."""
        for p in self._params:
            if is_parameter(p) and p.grad is not None:
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
            shape = (p.data if is_parameter(p) else p).shape
            # a 0-d parameter's state is kept as a 1-element array (the kernels' view); saved in its shape
            state[int(k)] = {name: (v.reshape(shape) if v.size == 1 and shape == () else v).copy()
                             if isinstance(v, np.ndarray) else v for name, v in st.items()}
        groups = []
        i = 0
        for group in self.param_groups:
            # array hyperparameters (a tensor-like lr) are copied: the dict is a snapshot
            d = {k: (v.copy() if isinstance(v, np.ndarray) else list(v) if k == "param_names" else v)
                 for k, v in group.items() if k != "params"}
            d["params"] = self._slots[i:i + len(group["params"])]
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
            g = {k: (v.copy() if isinstance(v, np.ndarray) else list(v) if k == "param_names"
                     else tuple(v) if isinstance(v, list) else v) for k, v in theirs.items() if k != "params"}
            for k in _IMPL_FLAGS:   # a state_dict written before these flags existed
                if k in self.defaults:
                    g.setdefault(k, self.defaults[k])
            if "param_names" in mine and "param_names" not in g:
                g["param_names"] = mine["param_names"]
            self._check_impl_flags(g)
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
            arr = p.data if is_parameter(p) else p
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

    # -- hooks (torch.optim.Optimizer's) --------------------------------------------------------------
    def _init_hooks(self) -> None:
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
                     "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            hook_table(self, name)

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)`` before each ``step``
        (``args`` starts with the optimizer, as in torch). Returns a handle with ``.remove()``."""
        return register(hook_table(self, "_optimizer_step_pre_hooks"), hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs) -> None`` after each ``step``. Returns a handle."""
        return register(hook_table(self, "_optimizer_step_post_hooks"), hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer) -> None`` before ``state_dict()`` builds the dict (``prepend``: run first)."""
        return register(hook_table(self, "_optimizer_state_dict_pre_hooks"), hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer, state_dict) -> state_dict or None`` after ``state_dict()``: it may edit the dict
        in place or return a new one, which ``state_dict()`` then returns."""
        return register(hook_table(self, "_optimizer_state_dict_post_hooks"), hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer, state_dict) -> state_dict or None`` before ``load_state_dict`` (it gets a
        shallow copy of the dict; a returned dict is loaded instead)."""
        return register(hook_table(self, "_optimizer_load_state_dict_pre_hooks"), hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer) -> None`` after ``load_state_dict`` has loaded the state."""
        return register(hook_table(self, "_optimizer_load_state_dict_post_hooks"), hook, prepend)

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


install_hooks(Optimizer)
