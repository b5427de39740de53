"""Data-parallel training: :func:`fit` under ``mpiexec -n P`` (book 8.1.3, minibatches and parallelism).

One global, seeded sampling plan; each rank computes its shard of every minibatch; the gradients are
summed in fixed rank order; every rank takes the same optimizer step. With per-rank batch b, P ranks
follow the trajectory of one process with batch B = P·b over the same sample order.

One step, on every rank r (the single-process order of :func:`pyoptim.fit`, with the all-reduce after
the backward pass)::

    idx   = plan[k]                               # the k-th global minibatch (B indices), same on all ranks
    shard = idx[lo_r:hi_r]                        # contiguous split, as numpy.array_split: b_r rows
    model.zero_grad(); L_r = objective(model, loss, X[shard], y[shard])   # the mean over the shard
    g_r  <- (b_r / B) ∇L_r                        # so that Σ_r g_r = ∇ of the mean over the B examples
    g    <- g_0 + g_1 + ... + g_{P-1}             # gathered, added in rank order on every rank
    L    <- Σ_r (b_r / B) L_r                     # the same for the loss and the accuracy counts
    regularizers, callbacks.on_before_step, non-finite check, optimizer.step(), constraints
"""
from __future__ import annotations

import math
import os
import sys
import traceback
import zlib

import numpy as np

from .. import training as _t
from .._training import checks as _tc
from .._training import progress as _tp
from .._training import resume as _tr
from ._comm import DistributedError, get_communicator
from ._syncbn import convert_sync_batchnorm, revert_sync_batchnorm

__all__ = ["DistributedTrainer", "shard_bounds", "fit_distributed"]

_OPTIONS = ("comm", "timeout", "sync_batchnorm", "check_identical")


def shard_bounds(m: int, size: int, rank: int) -> tuple[int, int]:
    """Rows [lo, hi) of an m-row global minibatch that rank ``rank`` of ``size`` computes.

    Contiguous shards, the first ``m % size`` ranks one row longer (``numpy.array_split``'s rule), so
    the shards in rank order are the minibatch in order.
    """
    q, rem = divmod(int(m), int(size))
    lo = rank * q + min(rank, rem)
    return lo, lo + q + (1 if rank < rem else 0)


def _take(idx, lo: int, hi: int):
    """Rows lo..hi of a plan entry (an index array or a slice)."""
    if isinstance(idx, slice):
        return slice(idx.start + lo, idx.start + hi)
    return idx[lo:hi]


def _crc(a) -> int:
    if a is None:
        return 0
    a = np.ascontiguousarray(a)
    return zlib.crc32(memoryview(a).cast("B")) if a.size else 0


def describe(x) -> str:
    """A short, rank-independent text for a hyperparameter value (arrays by dtype, shape and CRC)."""
    if isinstance(x, np.ndarray):
        return f"array({x.dtype}, {x.shape}, crc={_crc(x)})"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(describe(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}: {describe(v)}" for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))) + "}"
    if isinstance(x, (int, float, str, bool, type(None), np.integer, np.floating)):
        return repr(x)
    return type(x).__name__


def _parse_options(distributed) -> dict:
    if distributed is True:
        return {}
    if isinstance(distributed, dict):
        bad = sorted(set(distributed) - set(_OPTIONS))
        if bad:
            raise ValueError(f"Invalid distributed option(s) {bad} (expected keys among {list(_OPTIONS)})")
        return dict(distributed)
    raise TypeError(f"Invalid distributed: {distributed!r} (expected False, True or a dict of options "
                    f"{list(_OPTIONS)})")


class DistributedTrainer(_t.Trainer):
    """The loop behind ``pyoptim.fit(..., distributed=...)``; callbacks receive it as the trainer.

    Attributes as :class:`pyoptim.Trainer` (``batch`` and ``output`` are this rank's shard), plus
    ``comm`` (the :class:`Communicator`), ``rank`` and ``size``.
    """

    def __init__(self, model, loss, optimizer, *, comm=None, timeout=None, sync_batchnorm: bool = False,
                 check_identical: bool = False, **kwargs):
        super().__init__(model, loss, optimizer, **kwargs)
        if self.on_nonfinite != "raise":
            raise ValueError(f"Invalid on_nonfinite: {self.on_nonfinite!r} with distributed=... (only 'raise' "
                             f"is supported in a distributed run)")
        self.comm = get_communicator(comm, timeout)
        self.rank, self.size = self.comm.rank, self.comm.size
        self.sync_batchnorm = bool(sync_batchnorm)
        self.check_identical = bool(check_identical)

    # -- the start-up check ---------------------------------------------------------------------------
    def _signature(self, X, y, val, epochs, batch_size, shuffle, seed, checkpoint, checkpoint_every, resume):
        model, opt = self.model, self.optimizer
        groups = getattr(opt, "param_groups", None) or []
        hyper = [{k: describe(v) for k, v in g.items() if k != "params"} for g in groups]
        rpath = None if resume is None else os.fspath(resume)
        sig = {
            "X (dtype, shape)": f"{X.dtype} {X.shape}", "y (dtype, shape)": "None" if y is None else f"{y.dtype} {y.shape}",
            "X bytes (crc32)": _crc(X), "y bytes (crc32)": _crc(y),
            "validation data": "None" if val is None else f"{val[0].shape} crc {_crc(val[0])} {_crc(val[1])}",
            "epochs": int(epochs), "batch_size (per rank)": describe(batch_size), "shuffle": bool(shuffle),
            "seed": describe(seed) if not isinstance(seed, np.random.Generator)
            else describe(seed.bit_generator.state),
            "model": repr(model),
            "model parameters (crc32)": [_crc(p.data) for p in model.parameters()],
            "loss": type(self.loss).__name__,
            "optimizer": type(opt).__name__,
            "regularizers": [f"{type(r).__name__}{describe(vars(r)) if hasattr(r, '__dict__') else ''}"
                             for r in self.regularizers],
            "constraints": [type(c).__name__ for c in self.constraints],
            "callbacks": [type(c).__name__ for c in self.callbacks],
            "objective": None if self.objective is None else getattr(self.objective, "__name__", "callable"),
            "sync_batchnorm": self.sync_batchnorm,
            "checkpoint": None if checkpoint is None else os.fspath(checkpoint),
            "checkpoint_every": describe(checkpoint_every),
            "resume": rpath,
            "resume file (crc32)": (zlib.crc32(open(rpath, "rb").read())
                                    if rpath is not None and os.path.exists(rpath) else None),
        }
        for i, g in enumerate(hyper):   # one key per hyperparameter, so the message names it
            for k, v in g.items():
                sig[f"optimizer.param_groups[{i}][{k!r}]"] = v
        sig["optimizer.param_groups (count)"] = len(hyper)
        return sig

    def _local_failure(self, exc: BaseException, where: str):
        """A failure on this rank only: the others would wait for it forever, so end the job."""
        if self.size == 1:
            raise exc
        traceback.print_exc(file=sys.stderr)
        self.comm.abort(f"{type(exc).__name__} in {where}: {exc}")

    # -- the loop -----------------------------------------------------------------------------------------
    def fit(self, X, y, epochs: int = 10, batch_size: int | None = 32, validation_data=None, shuffle: bool = True,
            seed=0, checkpoint=None, checkpoint_every=None, resume=None) -> _t.History:
        """Run the data-parallel loop; see :func:`pyoptim.fit`. ``batch_size`` is the per-rank batch b;
        the global minibatch has B = P·b examples (``None``: the whole set, split over the ranks)."""
        comm, P, rank = self.comm, self.size, self.rank
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"Invalid epochs: {epochs!r} (expected an int >= 0)")
        model, loss, optimizer = self.model, self.loss, self.optimizer
        for name in ("zero_grad", "parameters", "forward", "backward"):
            if not callable(getattr(model, name, None)):
                raise TypeError(f"Invalid model: {type(model).__name__} has no {name}() (expected a pyoptim.nn.Module)")
        if not callable(getattr(optimizer, "step", None)):
            raise TypeError(f"Invalid optimizer: {optimizer!r} (expected an object with step())")
        if validation_data is not None and (not isinstance(validation_data, (tuple, list))
                                            or len(validation_data) != 2):
            raise ValueError("Invalid validation_data: expected a tuple (X_val, y_val)")
        # every rank checks its inputs against every other rank's before anything else (no deadlock: all
        # ranks call the same collective and raise the same error; validation then fails alike everywhere)
        raw = lambda a: None if a is None else np.asarray(a)   # noqa: E731
        comm.check_same(self._signature(raw(X), raw(y), None if validation_data is None else
                                        (raw(validation_data[0]), raw(validation_data[1])), epochs, batch_size,
                                        shuffle, seed, checkpoint, checkpoint_every, resume), "the inputs of fit")
        X, y = _tc.validate(model, loss, X, y, probe=self.objective is None)
        val = None
        if validation_data is not None:
            val = _tc.validate(model, loss, validation_data[0], validation_data[1], "X_val", "y_val",
                               probe=self.objective is None)
        n = len(X)
        if batch_size is None:
            B = n
        else:
            b = _tc.check_batch_size(batch_size, n)
            B = min(b * P, n)
        every_kind, every_k = _tr.parse_every(checkpoint_every)
        self._n, self._bs = n, B
        self.rng = _tc.as_rng(seed)
        classification = _tc.is_classification(loss)
        objective = self.objective or self._default_objective
        trainable = _tc.trainable(model)
        sizes = [p.grad.size for p in trainable]
        dtype = trainable[0].grad.dtype if trainable else np.float64
        if any(p.grad.dtype != dtype for p in trainable):
            raise TypeError("distributed fit needs every trainable parameter in one dtype "
                            f"(got {sorted({str(p.grad.dtype) for p in trainable})})")
        flat = np.empty(sum(sizes), dtype=dtype)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        swap = getattr(optimizer, "swap", None)
        swap = swap if callable(swap) else None

        # -- resume: every rank reads the same file (its CRC was in the signature) ---------------------
        start_epoch, start_batch, resumed_plan, resumed_acc, cb_states = 0, 0, None, None, None
        if resume is not None and rank == 0:
            from ..checkpoint import remove_stale_temporaries
            remove_stale_temporaries(resume)
        if resume is not None and os.path.exists(os.fspath(resume)):
            from ..checkpoint import load, load_into
            rpath = os.fspath(resume)
            ck = load(rpath)
            st, rng_state, history = _tr.check_trainer_state(rpath, ck["extra"].get("trainer"), n, B,
                                                             len(self.callbacks), self.rng)
            load_into(rpath, ck, model, optimizer)
            start_epoch, start_batch, self.step = st["epoch"], st["batch"], st["step"]
            self.rng.bit_generator.state = rng_state
            self.history = history
            if "plan_indices" in st:
                cuts = np.cumsum(st["plan_sizes"])[:-1]
                resumed_plan = np.split(st["plan_indices"], cuts) if len(st["plan_sizes"]) else []
                resumed_acc = st["acc"]
            cb_states = st.get("callbacks")
        comm.assert_identical([p.data for p in model.parameters()], "the parameters at the start")

        converted = convert_sync_batchnorm(model, comm) if self.sync_batchnorm else []
        self.stop_training = False
        self.epoch = start_epoch
        for cb in self.callbacks:
            cb.on_train_begin(self)
        if cb_states is not None:
            for cb, s in zip(self.callbacks, cb_states):
                if s is not None and callable(getattr(cb, "load_state_dict", None)):
                    cb.load_state_dict(s)
        per_epoch = None if self.sampler is not None else -(-n // B)
        total = None if per_epoch is None else per_epoch * epochs
        initial = 0 if per_epoch is None else min(per_epoch * start_epoch + start_batch, total or 0)
        bar = _tp.Progress(self.progress and rank == 0, total, initial, epochs)   # only rank 0 prints
        logs: dict = {}
        try:
            for epoch in range(start_epoch, epochs):
                if self.stop_training:
                    break
                self.epoch = epoch
                bar.set_epoch(epoch)
                for cb in self.callbacks:
                    cb.on_epoch_begin(epoch, {})
                if resumed_plan is not None:
                    plan, first = [None] * start_batch + list(resumed_plan), start_batch
                    sum_loss, seen, correct, counted = float(resumed_acc[0]), *(int(v) for v in resumed_acc[1:4])
                    resumed_plan = None
                else:
                    if self.sampler is not None:
                        plan = list(self.sampler.batches(n, B, epoch, self.rng))
                    else:
                        plan = _tc.batch_plan(n, B, bool(shuffle), self.rng)
                    first, sum_loss, seen, correct, counted = 0, 0.0, 0, 0, 0
                if self.sync_batchnorm:
                    short = [len(range(n)[p]) if isinstance(p, slice) else len(p) for p in plan[first:]]
                    if short and min(short) < P:
                        raise DistributedError(f"sync_batchnorm: a minibatch of {min(short)} examples cannot be "
                                               f"split over {P} ranks (every rank needs a row); use a batch size "
                                               f"or a number of samples that leaves no such batch")
                for bi in range(first, len(plan)):
                    gidx = plan[bi]
                    m = len(range(n)[gidx]) if isinstance(gidx, slice) else len(gidx)
                    lo, hi = shard_bounds(m, P, rank)
                    w = (hi - lo) / m
                    self.batch_index = bi
                    self.output = None
                    try:
                        if self.augment is not None:   # augment the global batch (one RNG on all ranks)
                            Xg = self.augment(X[gidx], self.rng)
                            Xb = Xg[lo:hi]
                        else:
                            Xb = X[_take(gidx, lo, hi)]
                        yb = None if y is None else y[_take(gidx, lo, hi)]
                        self.batch = (Xb, yb)
                        model.zero_grad()
                        if hi > lo:
                            value = float(objective(model, loss, Xb, yb))
                            ncorrect = (_tc.n_correct(self.output, yb)
                                        if classification and self.output is not None and yb is not None else 0)
                        else:
                            value, ncorrect = 0.0, 0
                        for i, p in enumerate(trainable):   # g_r <- (b_r / B) grad of the shard's mean loss
                            seg = flat[offsets[i]:offsets[i + 1]]
                            np.multiply(p.grad.reshape(-1), dtype.type(w), out=seg)
                        nseen = hi - lo if classification and self.output is not None and yb is not None else 0
                        scal = np.array([w * value, ncorrect, nseen], dtype=np.float64)
                    except Exception as exc:   # noqa: BLE001: any local failure ends the whole job
                        self._local_failure(exc, f"the forward/backward pass of epoch {epoch} batch {bi}")
                    gsum, ssum = comm.sum_fixed_order_many([flat, scal], "gradient all-reduce")
                    for i, p in enumerate(trainable):
                        p.grad.reshape(-1)[...] = gsum[offsets[i]:offsets[i + 1]]
                    value = float(ssum[0])
                    for r in self.regularizers:
                        value += float(r.penalty(model))
                        r.accumulate_grad(model)
                    blogs = {"loss": value, "size": m, "step": self.step, "epoch": epoch}
                    for cb in self.callbacks:
                        cb.on_before_step(bi, blogs)
                    if not (math.isfinite(value) and _tc.all_finite([p.grad for p in trainable])):
                        what = "loss" if not math.isfinite(value) else "gradient"
                        raise FloatingPointError(f"non-finite {what} at epoch {epoch} (from 0), batch {bi}, step "
                                                 f"{self.step} (the same on every rank)")
                    optimizer.step()
                    if self.regularizers:
                        lr = _tc.current_lr(optimizer)
                        for r in self.regularizers:
                            r.after_step(model, lr)
                    for c in self.constraints:
                        c.apply(model)
                    if self.check_identical:
                        comm.assert_identical([p.data for p in model.parameters()],
                                              f"the parameters after step {self.step}")
                    self.step += 1
                    sum_loss += value * m
                    seen += m
                    correct += int(ssum[1])
                    counted += int(ssum[2])
                    for cb in self.callbacks:
                        cb.on_batch_end(bi, blogs)
                    bar.update()
                    if checkpoint is not None and every_kind == "batch" and self.step % every_k == 0 \
                            and bi + 1 < len(plan) and rank == 0:
                        self._save(checkpoint, epoch, bi + 1, plan[bi + 1:], (sum_loss, seen, correct, counted, 0))
                    if self.stop_training:
                        break
                logs = {}
                if seen:
                    logs["loss"] = sum_loss / seen
                if counted:
                    logs["accuracy"] = correct / counted
                if val is not None:
                    if swap is not None:
                        swap()
                    try:
                        ev = _t.evaluate(model, loss, val[0], val[1])
                    finally:
                        if swap is not None:
                            swap()
                    logs.update({"val_" + k: v for k, v in ev.items()})
                lr = _tc.current_lr(optimizer)
                if lr is not None:
                    logs["lr"] = lr
                self.history.meta["steps"] = self.step
                self.history.meta["ranks"] = P
                self.history.append(epoch, logs)
                for cb in self.callbacks:
                    cb.on_epoch_end(epoch, logs)
                self.history._update_last(logs)
                self._note_early_stopping()
                bar.end_epoch(epoch, logs)
                if checkpoint is not None and rank == 0 and (every_kind == "batch" or (epoch + 1) % every_k == 0
                                                             or epoch + 1 == epochs or self.stop_training):
                    self._save(checkpoint, epoch + 1, 0, None, (0.0, 0, 0, 0, 0))
        finally:
            bar.close()
            revert_sync_batchnorm(converted)
        for cb in self.callbacks:
            cb.on_train_end(logs)
        self._note_early_stopping()
        if checkpoint is not None:
            comm.barrier("checkpoint written")   # rank 0's file is complete when fit returns anywhere
        return self.history


def fit_distributed(model, loss, optimizer, X, y, *, distributed=True, epochs=10, batch_size=32,
                    validation_data=None, regularizers=(), constraints=(), callbacks=(), shuffle=True, seed=0,
                    progress=True, objective=None, augment=None, sampler=None, on_nonfinite="raise",
                    checkpoint=None, checkpoint_every=None, resume=None):
    """``pyoptim.fit(..., distributed=...)``: the same arguments; ``distributed`` is True or a dict of
    options ``comm`` (an mpi4py communicator or :class:`Communicator`), ``timeout`` (seconds per
    collective), ``sync_batchnorm`` (bool), ``check_identical`` (assert equal parameters after every step)."""
    opts = _parse_options(distributed)
    trainer = DistributedTrainer(model, loss, optimizer, regularizers=regularizers, constraints=constraints,
                                 callbacks=callbacks, objective=objective, augment=augment, sampler=sampler,
                                 on_nonfinite=on_nonfinite, progress=progress, **opts)
    return trainer.fit(X, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                       shuffle=shuffle, seed=seed, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                       resume=resume)
