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

import os
import sys
import traceback
import zlib

import numpy as np

from .. import training as _t
from .._training import checks as _tc
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
    ``comm`` (the :class:`Communicator`), ``rank`` and ``size``. The loop is Trainer's; this class
    overrides only what differs: the start-up checks (:meth:`_prepare`, :meth:`_begin`), one shard and
    one all-reduce per minibatch (:meth:`_batch_gradient`, :meth:`_count_batch`), the identical-parameters
    check (:meth:`_update`), sync batch norm, and rank 0 alone printing and writing checkpoints.
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

    # -- the loop: Trainer's stages, with the distributed differences below ----------------------------
    def fit(self, X, y, epochs: int = 10, batch_size: int | None = 32, validation_data=None, shuffle: bool = True,
            seed=0, checkpoint=None, checkpoint_every=None, resume=None) -> _t.History:
        """Run the data-parallel loop; see :func:`pyoptim.fit`. ``batch_size`` is the per-rank batch b;
        the global minibatch has B = P·b examples (``None``: the whole set, split over the ranks)."""
        history = super().fit(X, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                              shuffle=shuffle, seed=seed, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                              resume=resume)
        if checkpoint is not None:
            self.comm.barrier("checkpoint written")   # rank 0's file is complete when fit returns anywhere
        return history

    def _prepare(self, X, y, epochs, batch_size, validation_data, shuffle, seed, checkpoint, checkpoint_every,
                 resume=None):
        """Every rank checks its inputs against every other rank's before anything else (no deadlock: all
        ranks call the same collective and raise the same error; validation then fails alike everywhere);
        then Trainer's set-up with the global batch B = min(P·b, n), the flat gradient buffer, rank 0 alone
        printing and writing checkpoints."""
        self._check_objects(epochs)
        if validation_data is not None and (not isinstance(validation_data, (tuple, list))
                                            or len(validation_data) != 2):
            raise ValueError("Invalid validation_data: expected a tuple (X_val, y_val)")
        raw = lambda a: None if a is None else np.asarray(a)   # noqa: E731
        self.comm.check_same(self._signature(raw(X), raw(y), None if validation_data is None else
                                             (raw(validation_data[0]), raw(validation_data[1])), epochs,
                                             batch_size, shuffle, seed, checkpoint, checkpoint_every, resume),
                             "the inputs of fit")
        run = super()._prepare(X, y, epochs, batch_size, validation_data, shuffle, seed, checkpoint,
                               checkpoint_every, resume)
        run.bs = self._bs = min(run.bs * self.size, run.n)   # b (or n for None) per rank -> B
        run.checkpoint = checkpoint if self.rank == 0 else None
        run.progress = self.progress and self.rank == 0
        dtype = run.trainable[0].grad.dtype if run.trainable else np.float64
        if any(p.grad.dtype != dtype for p in run.trainable):
            raise TypeError("distributed fit needs every trainable parameter in one dtype "
                            f"(got {sorted({str(p.grad.dtype) for p in run.trainable})})")
        sizes = [p.grad.size for p in run.trainable]
        run.dtype, run.flat = dtype, np.empty(sum(sizes), dtype=dtype)
        run.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        return run

    def _remove_stale_temporaries(self, path) -> None:
        if self.rank == 0:   # every rank then reads the same file (its CRC was in the signature)
            super()._remove_stale_temporaries(path)

    def _begin(self, run) -> None:
        self.comm.assert_identical([p.data for p in self.model.parameters()], "the parameters at the start")
        run.converted = convert_sync_batchnorm(self.model, self.comm) if self.sync_batchnorm else []
        super()._begin(run)

    def _after_loop(self, run) -> None:
        revert_sync_batchnorm(run.converted)

    def _epoch_plan(self, run, epoch):
        plan, first, acc = super()._epoch_plan(run, epoch)
        if self.sync_batchnorm:
            short = [len(range(run.n)[p]) if isinstance(p, slice) else len(p) for p in plan[first:]]
            if short and min(short) < self.size:
                raise DistributedError(f"sync_batchnorm: a minibatch of {min(short)} examples cannot be "
                                       f"split over {self.size} ranks (every rank needs a row); use a batch size "
                                       f"or a number of samples that leaves no such batch")
        return plan, first, acc

    def _batch_gradient(self, run, b, idx):
        """This rank's shard of global minibatch ``idx``, then one all-reduce of the weighted gradients,
        loss and accuracy counts (the module docstring's step); returns (L, B, this shard's targets)."""
        m = len(range(run.n)[idx]) if isinstance(idx, slice) else len(idx)
        lo, hi = shard_bounds(m, self.size, self.rank)
        w = (hi - lo) / m
        self.batch_index = b
        self.output = None
        try:
            if self.augment is not None:   # augment the global batch (one RNG on all ranks)
                Xb = self.augment(run.X[idx], self.rng)[lo:hi]
            else:
                Xb = run.X[_take(idx, lo, hi)]
            yb = None if run.y is None else run.y[_take(idx, lo, hi)]
            self.batch = (Xb, yb)
            self.model.zero_grad()
            value, ncorrect, nseen = 0.0, 0, 0
            if hi > lo:
                value = float(run.objective(self.model, self.loss, Xb, yb))
                if run.classification and self.output is not None and yb is not None:
                    ncorrect, nseen = _tc.n_correct(self.output, yb), hi - lo
            for i, p in enumerate(run.trainable):   # g_r <- (b_r / B) grad of the shard's mean loss
                np.multiply(p.grad.reshape(-1), run.dtype.type(w), out=run.flat[run.offsets[i]:run.offsets[i + 1]])
            scal = np.array([w * value, ncorrect, nseen], dtype=np.float64)
        except Exception as exc:   # noqa: BLE001: any local failure ends the whole job
            self._local_failure(exc, f"the forward/backward pass of epoch {self.epoch} batch {b}")
        gsum, ssum = self.comm.sum_fixed_order_many([run.flat, scal], "gradient all-reduce")
        for i, p in enumerate(run.trainable):
            p.grad.reshape(-1)[...] = gsum[run.offsets[i]:run.offsets[i + 1]]
        run.counts = (int(ssum[1]), int(ssum[2]))
        return float(ssum[0]), m, yb

    def _nonfinite_batch(self, run, epoch, b, value, saved, acc) -> str:
        try:   # on_nonfinite is "raise" in a distributed run
            return super()._nonfinite_batch(run, epoch, b, value, saved, acc)
        except FloatingPointError as exc:
            raise FloatingPointError(f"{exc} (the same on every rank)") from None

    def _update(self, run) -> None:
        super()._update(run)
        if self.check_identical:
            self.comm.assert_identical([p.data for p in self.model.parameters()],
                                       f"the parameters after step {self.step}")

    def _count_batch(self, run, acc, value, size, yb) -> None:
        acc[0] += value * size   # the global minibatch's loss and size, the all-reduced counts
        acc[1] += size
        acc[2] += run.counts[0]
        acc[3] += run.counts[1]

    def _end_epoch(self, run, epoch, bar) -> None:
        self.history.meta["ranks"] = self.size
        super()._end_epoch(run, epoch, bar)


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
