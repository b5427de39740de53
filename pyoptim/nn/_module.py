"""Parameter and Module: the two base types of pyoptim.nn.

A model is a tree of Modules. ``forward(x)`` computes and caches what ``backward`` needs;
``backward(grad_output)`` returns the gradient with respect to the input and *accumulates* the
gradients of the module's Parameters into their ``.grad`` (so a Parameter used in two places receives
the sum of both uses, book 7.9). A model computes in the dtype of its parameters.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Iterator

import numpy as np

__all__ = ["Parameter", "Module"]


class Parameter:
    """A trainable array: ``.data`` and its gradient ``.grad`` (same shape and dtype, zero-initialised).

    Parameters
    ----------
    data : array_like
        The initial value; float32 or float64 (a float64 copy is made from other numeric types).
        The array is stored C-contiguous, so optimizers can update it in place.
    name : str, optional
        A label used by ``Module.named_parameters`` and in messages.
    requires_grad : bool
        False freezes the parameter: optimizers skip it, ``fit`` leaves it unchanged (book 8.7.4).
    """

    __slots__ = ("data", "grad", "name", "requires_grad")

    def __init__(self, data, name: str | None = None, requires_grad: bool = True):
        arr = np.asarray(data)
        if arr.dtype not in (np.float32, np.float64):
            if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
                raise TypeError(f"Parameter: data must be a real float array, got dtype {arr.dtype}")
            arr = arr.astype(np.float64)
        # not np.ascontiguousarray: it turns a 0-d array into shape (1,), and a scalar parameter keeps
        # shape () as in torch (optimizers hand the kernels a 1-element view of it)
        self.data = arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)
        if self.data is arr and not arr.flags.writeable:
            self.data = arr.copy()
        self.grad = np.zeros_like(self.data)
        self.name = name
        self.requires_grad = bool(requires_grad)

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return self.data.size

    def zero_grad(self) -> None:
        self.grad.fill(0)

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        frozen = ", requires_grad=False" if not self.requires_grad else ""
        return f"Parameter({name}shape={self.data.shape}, dtype={self.data.dtype}{frozen})"


class Module:
    """Base class of every layer, loss-free model and container in pyoptim.nn.

    Subclasses implement ``forward(x)`` and ``backward(grad_output) -> grad_input``, and may override
    ``backward_params(grad_output)`` when the input gradient costs work they can skip. Parameters and
    sub-modules assigned as attributes are registered automatically (in assignment order), as in
    torch.nn.Module, so ``parameters()``, ``zero_grad()``, ``train()``/``eval()`` and
    ``state_dict()``/``load_state_dict()`` work on any tree. Non-trainable arrays that belong in the
    state (running statistics) are registered with ``register_buffer``.
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration ------------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call Module.__init__() before assigning attributes")
        if isinstance(value, Parameter):
            if value.name is None:
                value.name = name
            self._parameters[name] = value
            self._modules.pop(name, None)
        elif isinstance(value, Module):
            self._modules[name] = value
            self._parameters.pop(name, None)
        elif name in self._buffers:
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def register_buffer(self, name: str, value: np.ndarray) -> None:
        """Register a non-trainable array that is part of the state (saved by ``state_dict``)."""
        self._buffers[name] = value
        object.__setattr__(self, name, value)

    # -- computation -------------------------------------------------------------------------------
    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, grad_output):
        raise NotImplementedError(f"{type(self).__name__}.backward")

    def backward_params(self, grad_output) -> None:
        """Accumulate the parameters' gradients when the gradient with respect to the input is not
        wanted: the first layers of a model fed with data (torch skips that work because the data
        does not require grad). The default runs ``backward`` and drops its result; ``Dense`` skips
        its input-gradient product and ``Sequential`` skips the leading layers that own no trainable
        parameter. The parameter gradients are exactly those of ``backward``."""
        self.backward(grad_output)

    def has_trainable(self) -> bool:
        """Whether this module or one inside it owns a parameter with ``requires_grad``."""
        return any(p.requires_grad for p in self.parameters())

    def __call__(self, x):
        return self.forward(x)

    # -- traversal ---------------------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        yield prefix, self
        for name, mod in self._modules.items():
            yield from mod.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def children(self) -> Iterator["Module"]:
        yield from self._modules.values()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs, each Parameter once even if it is used in several places."""
        seen = set()
        for mname, mod in self.named_modules(prefix):
            for pname, p in mod._parameters.items():
                if id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self) -> list[Parameter]:
        """The Parameters of this module and its sub-modules, in registration order, each once."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for mname, mod in self.named_modules(prefix):
            for bname, b in mod._buffers.items():
                yield (f"{mname}.{bname}" if mname else bname), b

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad.fill(0)

    def train(self, mode: bool = True) -> "Module":
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        return self.train(False)

    # -- state -------------------------------------------------------------------------------------
    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Copies of every parameter and buffer, by dotted name (plain NumPy arrays)."""
        out = OrderedDict()
        for name, p in self.named_parameters():
            out[name] = p.data.copy()
        for name, b in self.named_buffers():
            out[name] = np.array(b, copy=True)
        return out

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy values into the existing arrays (in place, so optimizers keep their references).

        Every key, shape and dtype is checked before anything is written, so a failed load leaves the
        module unchanged (never half-loaded).
        """
        targets = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        expected = set(targets) | set(buffers)
        missing = sorted(expected - set(state))
        unexpected = sorted(set(state) - expected)
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        plan = []
        for name, value in state.items():
            if name not in expected:
                continue
            dest = targets[name].data if name in targets else buffers[name]
            value = np.asarray(value)
            if value.shape != np.shape(dest):
                raise ValueError(f"load_state_dict: '{name}' has shape {value.shape}, expected {np.shape(dest)}")
            if isinstance(dest, np.ndarray) and value.dtype != dest.dtype:
                raise TypeError(f"load_state_dict: '{name}' has dtype {value.dtype}, expected {dest.dtype}")
            plan.append((name, dest, value))
        for name, dest, value in plan:
            if isinstance(dest, np.ndarray) and dest.ndim > 0:
                dest[...] = value
            elif isinstance(dest, np.ndarray):
                dest[()] = value
            else:  # a Python scalar buffer (e.g. a counter)
                owner, attr = self._buffer_owner(name)
                owner.register_buffer(attr, value.item() if value.ndim == 0 else value.copy())

    def _buffer_owner(self, dotted: str):
        parts = dotted.split(".")
        mod = self
        for part in parts[:-1]:
            mod = mod._modules[part]
        return mod, parts[-1]

    # -- display -----------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")"
        lines = [head]
        for name, mod in self._modules.items():
            sub = repr(mod).replace("\n", "\n  ")
            lines.append(f"  ({name}): {sub}")
        return "\n".join(lines) + "\n)"
