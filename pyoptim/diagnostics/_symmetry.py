"""Weight-space symmetries: why a network has many equivalent minima (book 8.2.2).

*Model identifiability*: swapping two hidden units (with their incoming and outgoing weights) gives the
same function, so a layer of n units has n! equivalent parameter settings; and a ReLU unit is
positively homogeneous, max(0, a·z) = a·max(0, z) for a > 0, so scaling its incoming weights and bias
by a and its outgoing weights by 1/a changes nothing. These utilities apply both transformations in
place to a ``Sequential`` of Dense layers and elementwise activations, and the tests check the
function is unchanged.
"""
from __future__ import annotations

import numpy as np
from .._validation import check_finite

__all__ = ["permute_hidden_units", "rescale_relu_unit"]

_ELEMENTWISE = {"ReLU", "Tanh", "Sigmoid", "Dropout", "Identity", "GaussianNoise"}


def _name(m):
    return type(m).__name__


def _is_dense(m):
    return any(c.__name__ in ("Dense", "Linear") for c in type(m).__mro__)


def _layers(model, layer_index):
    layers = list(model)
    if isinstance(layer_index, bool) or not isinstance(layer_index, (int, np.integer)) or not 0 <= layer_index < len(layers):
        raise ValueError(f"Invalid layer_index: {layer_index!r} "
                         f"(expected an index of a Dense layer in 0..{len(layers) - 1})")
    if not _is_dense(layers[layer_index]):
        raise ValueError(f"Invalid layer_index: {layer_index!r} (expected a Dense layer, got {_name(layers[layer_index])})")
    return layers


def _next_dense(layers, i, allowed):
    for j in range(i + 1, len(layers)):
        m = layers[j]
        if _is_dense(m):
            return j, layers[i + 1:j]
        if _name(m) not in allowed:
            raise ValueError(f"Invalid model: {_name(m)} between Dense layers {i} and the next "
                             f"(expected only {sorted(allowed)})")
    raise ValueError(f"Invalid layer_index: {i!r} (expected a Dense layer followed by another Dense layer)")


def permute_hidden_units(model, layer_index: int, perm) -> object:
    """Permute the output units of Dense layer ``model[layer_index]`` by ``perm`` (in place), and the
    matching input rows of the next Dense layer, so the network computes the same function (book 8.2.2).

    Unit ``perm[j]`` of the old layer becomes unit j. Elementwise layers in between (ReLU, Tanh,
    Sigmoid, Dropout) need nothing; a BatchNorm in between has γ, β and running statistics permuted too.
    Returns the model.
    """
    layers = _layers(model, layer_index)
    d = layers[layer_index]
    n = d.weight.data.shape[1]
    perm = np.asarray(perm)
    if perm.shape != (n,) or not np.array_equal(np.sort(perm), np.arange(n)):
        raise ValueError(f"Invalid perm: {perm!r} (expected a permutation of 0..{n - 1})")
    j, between = _next_dense(layers, layer_index, _ELEMENTWISE | {"BatchNorm"})
    d.weight.data[...] = d.weight.data[:, perm]
    if getattr(d, "bias", None) is not None:
        d.bias.data[...] = d.bias.data[perm]
    for m in between:
        if _name(m) == "BatchNorm":
            for attr in ("weight", "bias"):
                p = getattr(m, attr, None)
                if p is not None:
                    p.data[...] = p.data[perm]
            for attr in ("running_mean", "running_var"):
                b = getattr(m, attr, None)
                if isinstance(b, np.ndarray):
                    b[...] = b[perm]
    nxt = layers[j]
    nxt.weight.data[...] = nxt.weight.data[perm, :]
    return model


def rescale_relu_unit(model, layer_index: int, unit: int, a: float) -> object:
    """Scale unit ``unit`` of Dense layer ``model[layer_index]``: its incoming weights and bias × a, its
    outgoing weights (the next Dense layer's row) / a (in place; book 8.2.2).

    Exact because ReLU is positively homogeneous: ReLU(a·z) = a·ReLU(z) for a > 0. Only ReLU (or
    Dropout) may sit between the two Dense layers. Returns the model.
    """
    check_finite("a", a, 0, closed="neither")
    layers = _layers(model, layer_index)
    d = layers[layer_index]
    n = d.weight.data.shape[1]
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < n:
        raise ValueError(f"Invalid unit: {unit!r} (expected an integer in 0..{n - 1})")
    j, between = _next_dense(layers, layer_index, {"ReLU", "Dropout", "Identity"})
    dt = d.weight.data.dtype.type
    d.weight.data[:, unit] *= dt(a)
    if getattr(d, "bias", None) is not None:
        d.bias.data[unit] *= dt(a)
    layers[j].weight.data[unit, :] /= layers[j].weight.data.dtype.type(a)
    return model
