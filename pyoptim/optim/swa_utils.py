"""Stochastic weight averaging (SWA) and EMA of a model: torch.optim.swa_utils for pyoptim.nn models.

Averaging the iterates of SGD (book 8.7.3, Polyak averaging) lands nearer the centre of the region the
noisy iterates wander in than any single iterate; for a network, averaging the weights visited late in
training with a constant or cyclical learning rate finds a wider, flatter solution that often
generalizes better (SWA, Izmailov et al. 2018). The recipe, as in torch:

.. code-block:: python

    swa_model = AveragedModel(model)              # a copy of the model holding the running average
    swa_sched = SWALR(opt, swa_lr=0.05)           # anneal the rate to a constant for the SWA phase
    for epoch in range(epochs):
        train_one_epoch(model, opt)
        if epoch >= swa_start:
            swa_model.update_parameters(model)    # fold the current weights into the average
            swa_sched.step()
    update_bn(batches, swa_model)                 # BatchNorm statistics for the averaged weights

``AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))`` keeps an exponential moving average
instead. :class:`pyoptim.optim.Averaged` is the optimizer-side form of the same idea: it wraps an
optimizer over arrays (or Parameters) and averages its iterates after every step (Polyak or EMA), with
``swap()`` to evaluate the average; ``AveragedModel`` averages a *model*, when and as often as you call
``update_parameters``, with torch's API and numbers.
"""
from __future__ import annotations

import math
from copy import deepcopy
from typing import Any, Callable, Iterable

import numpy as np

from ..nn import BatchNorm, Module
from .lr_scheduler import LRScheduler, format_param
from .._validation import check_choice
from .._internal.modes import mode

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


# ---- averaging functions ----------------------------------------------------------------------------
#
# Arrays of a float dtype are averaged in that dtype. An integer array (a counter such as BatchNorm's
# num_batches_tracked, averaged with use_buffers=True) is averaged as torch does it: the arithmetic
# promotes to float32 (torch's default dtype) and the result is truncated toward zero when it is
# written back.

def _is_float(a: np.ndarray) -> bool:
    return a.dtype.kind in "fc"


def _f32(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).astype(np.float32)


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start <- start + weight (end - start), in place; torch.lerp's two forms (the one written from
    ``end`` when weight >= 0.5, which keeps weight = 1 exact)."""
    w = start.dtype.type(weight)
    if abs(w) < 0.5:
        start += w * (end - start)
    else:
        start[...] = end - (end - start) * (start.dtype.type(1) - w)


def _check_decay(decay) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay: {decay!r} (expected a value in [0, 1])")


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """The EMA update of a list of arrays, in place: W_ema <- decay W_ema + (1 - decay) W_model.

    For ``AveragedModel(model, multi_avg_fn=...)``; the first ``update_parameters`` copies the model
    (W_0^EMA = W_0), each later one applies this (torch's ``lerp`` with weight ``1 - decay``).

    Parameters
    ----------
    decay : float in [0, 1], default 0.999

    Returns
    -------
    ``ema_update(ema_arrays, model_arrays, num_averaged) -> None``

    Raises
    ------
    ValueError for a decay outside [0, 1] (as torch).
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _num_averaged=None) -> None:
        if _is_float(ema_param_list[0]):
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                _lerp_(p_ema, np.asarray(p_model), 1 - decay)
        else:
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                p_ema[...] = (_f32(p_ema) * np.float32(decay) + _f32(p_model) * np.float32(1 - decay)).astype(
                    p_ema.dtype)

    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """The equal-weight (SWA) update of a list of arrays, in place: W_avg <- W_avg + (W - W_avg) / (n + 1).

    As torch computes it: a lerp with weight 1 / (n + 1); when ``num_averaged`` is an array (what
    ``AveragedModel`` passes, torch passes a tensor) that weight is computed in float32 (torch's default
    dtype), so the average carries a relative weighting error of about 1e-8; with a Python int it is
    exact. The per-array :func:`get_swa_avg_fn` (``AveragedModel``'s default) is exact either way.

    Returns
    -------
    ``swa_update(averaged_arrays, model_arrays, num_averaged) -> None``
    """

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        if isinstance(num_averaged, np.ndarray):
            weight = float(np.float32(1) / np.float32(int(num_averaged) + 1))
        else:
            weight = 1 / (num_averaged + 1)
        if _is_float(averaged_param_list[0]):
            for p_avg, p_model in zip(averaged_param_list, current_param_list):
                _lerp_(p_avg, np.asarray(p_model), weight)
        else:
            k = np.float32(int(num_averaged) + 1)
            for p_avg, p_model in zip(averaged_param_list, current_param_list):
                p_avg[...] = _f32(p_avg) + _f32(np.asarray(p_model) - p_avg) / k

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """The EMA of one array, returned: ``decay * W_ema + (1 - decay) * W_model``.

    For ``AveragedModel(model, avg_fn=...)`` (one call per parameter; the multi form updates in place).

    Raises
    ------
    ValueError for a decay outside [0, 1] (as torch).
    """
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged=None):
        if not _is_float(ema_param):
            return _f32(ema_param) * np.float32(decay) + np.float32(1 - decay) * _f32(current_param)
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable:
    """The equal-weight (SWA) average of one array, returned: ``W_avg + (W - W_avg) / (n + 1)``: after
    n + 1 calls (the first copies) W_avg is the mean of the n + 1 models. ``AveragedModel``'s default."""

    def swa_update(averaged_param, current_param, num_averaged):
        k = int(num_averaged) + 1
        if not _is_float(averaged_param):
            return _f32(averaged_param) + _f32(np.asarray(current_param) - averaged_param) / np.float32(k)
        return averaged_param + (current_param - averaged_param) / k

    return swa_update


# ---- AveragedModel ----------------------------------------------------------------------------------

def _check_device(device) -> None:
    if device is not None and str(device) != "cpu":
        raise ValueError(f"Invalid device: {device!r} (expected None or 'cpu': pyoptim computes on the CPU)")


def _buffer_slots(module: Module) -> list[tuple[Module, str]]:
    """(owner, attribute) of every buffer, in named_buffers() order."""
    return [(mod, name) for _, mod in module.named_modules() for name in mod._buffers]


def _slots(module: Module, with_buffers: bool) -> list[tuple[Module, str, bool]]:
    """(owner, attribute, is_parameter) for every parameter (each once), in parameters() order, then
    (with_buffers) every buffer in named_buffers() order."""
    out = []
    seen = set()
    for _, mod in module.named_modules():
        for name, p in mod._parameters.items():
            if id(p) not in seen:
                seen.add(id(p))
                out.append((mod, name, True))
    if with_buffers:
        out += [(mod, name, False) for mod, name in _buffer_slots(module)]
    return out


def _arrays(module: Module, with_buffers: bool):
    """The arrays behind the slots; a Python-scalar buffer (a counter) becomes a 0-d array, returned
    with a write-back list so the average can be stored back into the module."""
    arrays, writeback = [], []
    for mod, name, is_param in _slots(module, with_buffers):
        v = getattr(mod, name)
        if is_param:
            arrays.append(v.data)
        elif isinstance(v, np.ndarray):
            arrays.append(v)
        else:
            a = np.array(v)
            arrays.append(a)
            writeback.append((mod, name, a))
    return arrays, writeback


class AveragedModel(Module):
    r"""A copy of a model whose weights are the running average of another model's (SWA or EMA).

    .. code-block:: text

        first update_parameters(model):   W_avg <- W                      (n_averaged 0 -> 1)
        later calls (default, SWA):       W_avg <- W_avg + (W - W_avg) / (n + 1)   (the mean of the n + 1)
        EMA (get_ema_multi_avg_fn(decay)) W_avg <- decay W_avg + (1 - decay) W

    The book's Polyak averaging (8.7.3), θ̂ = (1/t) Σ θ^(i), applied to a network's weights (SWA), or
    its exponentially decaying form for non-convex problems (EMA). The model is deep-copied;
    ``forward`` (and ``backward``) run that copy, so the averaged model predicts like any Module.
    :class:`pyoptim.optim.Averaged` does the same on the optimizer side (it wraps an optimizer and
    averages after every step, over arrays or Parameters); ``AveragedModel`` is torch's model-side API.

    Parameters
    ----------
    model : pyoptim.nn.Module
    device : None or "cpu"
        Accepted for torch compatibility; pyoptim computes on the CPU.
    avg_fn : callable (averaged, model_array, num_averaged) -> new average, optional
        Applied per array (e.g. :func:`get_ema_avg_fn`); the result is written into the average.
    multi_avg_fn : callable (averaged_list, model_list, num_averaged) -> None, optional
        Updates lists of arrays in place, one call per dtype (e.g. :func:`get_ema_multi_avg_fn`).
        Both receive ``num_averaged`` as a 0-d int64 array (torch passes a tensor); NumPy promotes
        float32 arithmetic with it to float64, so write ``int(num_averaged)`` to stay in float32.
    use_buffers : bool, default False
        True averages the buffers (BatchNorm running statistics, counters) as well; False copies them
        from ``model`` at every update (then recompute BatchNorm statistics with :func:`update_bn`).

    Attributes
    ----------
    module : the averaged copy; ``n_averaged`` : 0-d int64 array (a buffer, in ``state_dict``).

    Raises
    ------
    AssertionError when both avg_fn and multi_avg_fn are given (as torch); TypeError for a model that
    is not a pyoptim.nn.Module; ValueError for a device other than the CPU.

    References
    ----------
    Izmailov, Podoprikhin, Garipov, Vetrov & Wilson (2018), Averaging weights leads to wider optima and
    better generalization. Polyak & Juditsky (1992). Goodfellow et al. (2016), 8.7.3.
    """

    def __init__(self, model: Module, device=None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        if not isinstance(model, Module):
            raise TypeError(f"Invalid model: {type(model).__name__} (expected a pyoptim.nn.Module)")
        _check_device(device)
        self.module = deepcopy(model)
        self.register_buffer("n_averaged", np.zeros((), dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = bool(use_buffers)

    def forward(self, x):
        """The averaged model's output (``self.module(x)``)."""
        return self.module(x)

    def backward(self, grad_output):
        return self.module.backward(grad_output)

    def backward_params(self, grad_output) -> None:
        self.module.backward_params(grad_output)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights (and buffers, with use_buffers) into the average."""
        mine, writeback = _arrays(self.module, self.use_buffers)
        theirs, _ = _arrays(model, self.use_buffers)
        if len(mine) != len(theirs):
            raise ValueError(f"update_parameters: the model has {len(theirs)} arrays to average, the averaged "
                             f"model {len(mine)} (expected the same architecture)")
        theirs = [np.asarray(t) for t in theirs]
        n = int(self.n_averaged)
        if n == 0:
            for a, t in zip(mine, theirs):
                a[...] = t
        else:
            if self.multi_avg_fn is not None:
                groups: dict[np.dtype, tuple[list, list]] = {}
                for a, t in zip(mine, theirs):
                    g = groups.setdefault(a.dtype, ([], []))
                    g[0].append(a)
                    g[1].append(t)
                for a_list, t_list in groups.values():
                    self.multi_avg_fn(a_list, t_list, self.n_averaged.copy())
            else:
                avg_fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
                n_arr = self.n_averaged.copy()
                for a, t in zip(mine, theirs):
                    a[...] = avg_fn(a, t, n_arr)   # into an integer array: truncated toward zero, as torch
        for mod, name, a in writeback:
            mod.register_buffer(name, a.item())
        if not self.use_buffers:
            # the buffers follow the source model
            dests, srcs = _buffer_slots(self.module), _buffer_slots(model)
            if len(dests) != len(srcs):
                raise ValueError(f"update_parameters: the model has {len(srcs)} buffers, the averaged model "
                                 f"{len(dests)} (expected the same architecture)")
            for (mod, name), (smod, sname) in zip(dests, srcs):
                v, dest = getattr(smod, sname), getattr(mod, name)
                if isinstance(dest, np.ndarray) and isinstance(v, np.ndarray) and dest.shape == v.shape:
                    dest[...] = v
                else:
                    mod.register_buffer(name, v.copy() if isinstance(v, np.ndarray) else v)
        self.n_averaged += 1


# ---- update_bn --------------------------------------------------------------------------------------

def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    r"""Recompute the BatchNorm running statistics of ``model`` with one pass over ``loader``.

    The averaged weights of an SWA model were never trained with the running statistics its
    BatchNorm layers hold, so they are recomputed: every BatchNorm's statistics are reset, its
    momentum is set to None (the cumulative average over the batches: running = mean of the batch
    statistics), the model runs forward on every batch in training mode, and momenta and the training
    mode are restored. torch.optim.swa_utils.update_bn's procedure.

    Parameters
    ----------
    loader : iterable of batches
        Each batch an array X or a tuple/list (X, y, ...) whose first element is the input.
    model : pyoptim.nn.Module (e.g. an AveragedModel)
    device : None or "cpu" (accepted for torch compatibility)
    """
    _check_device(device)
    momenta = {}
    for module in model.modules():
        if isinstance(module, BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    for module in momenta:
        module.momentum = None
    try:
        with mode(model, training=True):
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                model(batch)
    finally:
        for module, m in momenta.items():
            module.momentum = m


# ---- SWALR ------------------------------------------------------------------------------------------

class SWALR(LRScheduler):
    r"""Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` steps, then hold it.

    .. code-block:: text

        t = min(1, k / anneal_epochs),   α = (1 - cos(π t)) / 2 ("cos") or t ("linear")
        lr_k = α swa_lr + (1 - α) lr_0

    computed, as in torch, from the current rate (the starting rate is recovered from the previous
    step's α), so it composes with a rate changed between steps. For the SWA phase of training (see
    :class:`AveragedModel`).

    Parameters
    ----------
    optimizer : Optimizer
    swa_lr : float or list (one per group)
    anneal_epochs : int >= 0, default 10
    anneal_strategy : {"cos", "linear"}, default "cos"
    last_epoch : int, default -1

    Raises
    ------
    ValueError for a list of the wrong length, an unknown anneal_strategy or a negative or non-int
    anneal_epochs (as torch).
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1):
        swa_lrs = format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        check_choice("anneal_strategy", anneal_strategy, "cos", "linear")
        self._anneal_strategy = anneal_strategy
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"Invalid anneal_epochs: {anneal_epochs!r} (expected an integer >= 0)")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    def anneal_func(self, t):
        """α(t): the fraction of the way from the starting rate to swa_lr."""
        return self._cosine_anneal(t) if self._anneal_strategy == "cos" else self._linear_anneal(t)

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha) for group, lr in zip(self.optimizer.param_groups, prev_lrs)]
