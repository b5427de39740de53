"""Optimizer hooks, torch's API (``torch.optim.optimizer``): per-optimizer step, state_dict and
load_state_dict pre/post hooks, the two global step hooks, and the wrappers that run them around every
subclass's own ``step`` / ``state_dict`` / ``load_state_dict`` (installed by ``Optimizer.__init_subclass__``).
The public names are re-exported by :mod:`pyoptim.optim.optimizer`."""
from __future__ import annotations

import functools
import itertools
import threading
from collections import OrderedDict
from typing import Callable

__all__ = ["RemovableHandle", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook",
           "register", "hook_table", "install_hooks"]


# ---- hooks (torch.optim.Optimizer's step / state_dict / load_state_dict hooks) ---------------------------

_global_optimizer_pre_hooks: "OrderedDict[int, Callable]" = OrderedDict()
_global_optimizer_post_hooks: "OrderedDict[int, Callable]" = OrderedDict()


class RemovableHandle:
    """A registered hook's handle: ``handle.remove()`` unregisters it (also as a context manager)."""

    _next_id = itertools.count()

    def __init__(self, hooks: dict):
        self._hooks = hooks
        self.id = next(RemovableHandle._next_id)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def register(hooks: dict, hook: Callable, prepend: bool = False) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"Invalid hook: {hook!r} (expected a callable)")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Register ``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)`` called before the
    ``step`` of every optimizer (before the optimizer's own pre-hooks); ``args`` starts with the
    optimizer, as in torch. Returns a handle with ``.remove()``."""
    return register(_global_optimizer_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Register ``hook(optimizer, args, kwargs) -> None`` called after the ``step`` of every optimizer
    (after the optimizer's own post-hooks). Returns a handle with ``.remove()``."""
    return register(_global_optimizer_post_hooks, hook)


def hook_table(opt, name: str) -> "OrderedDict[int, Callable]":
    d = opt.__dict__.get(name)
    if d is None:
        d = opt.__dict__[name] = OrderedDict()
    return d


def entered(opt, name: str) -> set:
    """The threads inside ``opt``'s hooked ``name`` (a subclass method calling super() runs hooks once)."""
    d = opt.__dict__.setdefault("_hook_entered", {})
    return d.setdefault(name, set())


def hooked_step(fn):
    @functools.wraps(fn)
    def step(self, *args, **kwargs):
        inside, me = entered(self, "step"), threading.get_ident()
        if me in inside:
            return fn(self, *args, **kwargs)
        args = (self,) + args
        for hook in list(_global_optimizer_pre_hooks.values()) + list(
                hook_table(self, "_optimizer_step_pre_hooks").values()):
            res = hook(self, args, kwargs)
            if res is not None:
                if isinstance(res, tuple) and len(res) == 2:
                    args, kwargs = res
                else:
                    raise RuntimeError(f"{fn.__qualname__} pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {res!r}")
        inside.add(me)
        try:
            out = fn(*args, **kwargs)
        finally:
            inside.discard(me)
        for hook in list(hook_table(self, "_optimizer_step_post_hooks").values()) + list(
                _global_optimizer_post_hooks.values()):
            hook(self, args, kwargs)
        return out
    step._po_hooked = True
    return step


def hooked_state_dict(fn):
    @functools.wraps(fn)
    def state_dict(self):
        inside, me = entered(self, "state_dict"), threading.get_ident()
        if me in inside:
            return fn(self)
        for hook in list(hook_table(self, "_optimizer_state_dict_pre_hooks").values()):
            hook(self)
        inside.add(me)
        try:
            sd = fn(self)
        finally:
            inside.discard(me)
        for hook in list(hook_table(self, "_optimizer_state_dict_post_hooks").values()):
            res = hook(self, sd)
            if res is not None:
                sd = res
        return sd
    state_dict._po_hooked = True
    return state_dict


def hooked_load_state_dict(fn):
    @functools.wraps(fn)
    def load_state_dict(self, state_dict):
        inside, me = entered(self, "load_state_dict"), threading.get_ident()
        if me in inside:
            return fn(self, state_dict)
        if isinstance(state_dict, dict):
            state_dict = state_dict.copy()   # shallow, as torch: a pre-hook may edit its copy
        for hook in list(hook_table(self, "_optimizer_load_state_dict_pre_hooks").values()):
            res = hook(self, state_dict)
            if res is not None:
                state_dict = res
        inside.add(me)
        try:
            fn(self, state_dict)
        finally:
            inside.discard(me)
        for hook in list(hook_table(self, "_optimizer_load_state_dict_post_hooks").values()):
            hook(self)
    load_state_dict._po_hooked = True
    return load_state_dict


def install_hooks(cls) -> None:
    """Wrap the ``step`` / ``state_dict`` / ``load_state_dict`` that ``cls`` defines itself so the hooks run
    around them (torch patches ``step`` per class the same way); every subclass gets this at definition."""
    for name, wrap in (("step", hooked_step), ("state_dict", hooked_state_dict),
                       ("load_state_dict", hooked_load_state_dict)):
        fn = cls.__dict__.get(name)
        if callable(fn) and not getattr(fn, "_po_hooked", False):
            setattr(cls, name, wrap(fn))
