"""Training loops: :func:`fit`, :func:`minibatches`, :func:`evaluate`, :func:`predict`, :class:`History`.

Book 8.1 ("How learning differs from pure optimization"): we minimize the *empirical risk*
J(θ) = (1/m) Σᵢ L(f(x⁽ⁱ⁾; θ), y⁽ⁱ⁾) over a training set (8.1.1), through a *surrogate* loss such as the
negative log-likelihood while reporting the 0-1 error we care about (8.1.2: ``accuracy`` beside
``loss``), and we estimate its gradient on *minibatches* of m examples drawn at random (8.1.3):
``batch_size=None`` uses the whole set (a "batch" or deterministic method), ``batch_size=1`` is the
"stochastic" or "online" method, anything in between a minibatch method. The standard error of the
minibatch gradient falls only as σ/√m, which is why small minibatches win in total computation.

One training step of :func:`fit`, in this order (the team contract; every hook is optional)::

    model.zero_grad()
    loss_value = objective(model, loss, Xb, yb)        # forward, loss, backward (accumulates .grad)
    for r in regularizers: loss_value += r.penalty(model); r.accumulate_grad(model)
    callbacks.on_before_step(batch, logs)
    non-finite check of loss_value and every gradient  (on_nonfinite = raise | stop | skip_batch)
    optimizer.step()
    for r in regularizers: r.after_step(model, lr)      # proximal steps (L1 soft-threshold, 7.1.2)
    for c in constraints: c.apply(model)                # reprojection (max-norm, 7.2)
    callbacks.on_batch_end(batch, logs)

Differences from Keras' ``Model.fit`` that a reader may trip on: epochs are counted from 0 in
``History.epoch`` (as in Keras) but ``fit(epochs=E, resume=...)`` means "until E epochs in total";
the recorded training ``loss`` is the mean over the epoch's minibatches *including* the regularizers'
penalties (the quantity the optimizer descends), measured on the fly while the parameters move.
"""
from __future__ import annotations

import math
import os
from types import SimpleNamespace
from typing import Callable, Iterable, Iterator

import numpy as np

from ._internal.modes import mode
from ._internal.steps import forward_backward
from ._training import progress as progress_bars
from ._training.checks import (NONFINITE_MODES, all_finite, as_rng, batch_plan, check_X, check_batch_size, current_lr,
                               is_classification, model_dtype, n_correct, restore, snapshot, trainable, validate)
from ._training.guards import DivergenceWatch, DivergenceWarning, warn_if_optimizer_misses_model
from ._training.history import History
from ._training.resume import check_trainer_state, parse_every
from ._validation import check_int

__all__ = ["fit", "minibatches", "evaluate", "predict", "History", "Trainer", "DivergenceWarning"]

_all_finite = all_finite   # the name tests/training/test_training_fit.py imports


# ------------------------------------------------------------------------------------------------------
# minibatches
# ------------------------------------------------------------------------------------------------------
def minibatches(X, y=None, batch_size: int | None = 32, shuffle: bool = True, seed=None,
                drop_last: bool = False) -> Iterator[tuple]:
    """Iterate over ``(Xb, yb)`` minibatches of one pass through the data (book 8.1.3).

    Parameters
    ----------
    X, y : arrays with the same first dimension (``y`` may be None: ``yb`` is then None).
    batch_size : int or None
        m, the minibatch size. ``None`` gives the whole set as one batch (a *batch* or *deterministic*
        gradient method), ``1`` one example at a time (a *stochastic* or *online* method).
    shuffle : bool
        Visit the examples in a random order (drawn once for this pass). The book stresses that
        minibatches must be drawn independently; shuffling once per epoch is the usual approximation.
    seed : int, numpy.random.Generator or None
        The shuffle's randomness: the same int gives the same order every time; a Generator is advanced
        (so consecutive calls give fresh orders, reproducibly); None draws fresh OS entropy.
    drop_last : bool
        Drop the final, smaller batch when m does not divide the number of examples.

    Returns
    -------
    An iterator of ``(Xb, yb)``. Shuffled batches are copies; unshuffled ones are views.

    Example
    -------
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in minibatches(X, y, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    X = np.asarray(X)
    if X.ndim == 0:
        raise ValueError("X must have one row per sample (ndim >= 1), got a 0-d array")
    n = len(X)
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != n:
            raise ValueError(f"X and y have different lengths: X has {n} samples, y has {np.size(y) if y.ndim == 0 else len(y)}")
    bs = check_batch_size(batch_size, max(n, 1))
    plan = batch_plan(n, bs, bool(shuffle), as_rng(seed) if shuffle else None, drop_last)

    def gen():
        for idx in plan:
            yield X[idx], (None if y is None else y[idx])

    return gen()


# ------------------------------------------------------------------------------------------------------
# evaluate / predict
# ------------------------------------------------------------------------------------------------------
def predict(model, X, batch_size: int | None = 1024) -> np.ndarray:
    """The model's outputs on ``X``, computed in eval mode (dropout off, batch-norm running statistics).

    Every module's train/eval mode is restored afterwards. Work is done ``batch_size`` rows at a time
    (``None``: all at once) to bound memory.
    """
    X = check_X(X, "X", model_dtype(model))
    bs = check_batch_size(batch_size, len(X))
    outs = []
    with mode(model, training=False):
        for i in range(0, len(X), bs):
            outs.append(np.array(model.forward(X[i:i + bs]), copy=True))
    return outs[0] if len(outs) == 1 else np.concatenate(outs, axis=0)


def evaluate(model, loss, X, y, batch_size: int | None = 1024) -> dict:
    """Mean loss (and accuracy, for classification losses) of ``model`` on ``(X, y)`` in eval mode.

    Returns ``{"loss": ..., "accuracy": ...}``: the loss is the mean over all examples (each batch's
    mean weighted by its size); ``accuracy`` (1 − the 0-1 error, book 8.1.2) is present when the loss
    is ``SoftmaxCrossEntropy`` / ``BinaryCrossEntropy`` or has ``is_classification = True``.
    Every module's train/eval mode is restored afterwards.
    """
    X, y = validate(model, loss, X, y, probe=False)
    bs = check_batch_size(batch_size, len(X))
    total, correct = 0.0, 0
    cls = is_classification(loss)
    with mode(model, training=False):
        for i in range(0, len(X), bs):
            Xb, yb = X[i:i + bs], y[i:i + bs]
            out = model.forward(Xb)
            total += float(loss.forward(out, yb)) * len(Xb)
            if cls:
                correct += n_correct(out, yb)
    res = {"loss": total / len(X)}
    if cls:
        res["accuracy"] = correct / len(X)
    return res


# ------------------------------------------------------------------------------------------------------
# Trainer and fit
# ------------------------------------------------------------------------------------------------------
class Trainer:
    """The training loop behind :func:`fit`; callbacks receive it in ``on_train_begin(trainer)``.

    Attributes a callback may read (and ``stop_training`` write): ``model``, ``loss``, ``optimizer``,
    ``history`` (:class:`History`), ``epoch`` (current epoch, from 0), ``step`` (optimizer steps taken so
    far), ``batch`` (the current ``(Xb, yb)``), ``batch_index`` (within the epoch), ``stop_training``
    (set it to True to stop at the end of the current batch), ``rng`` (the shuffle Generator),
    ``output`` (the model output of the current batch with the default objective, else None).
    """

    def __init__(self, model, loss, optimizer, *, regularizers: Iterable = (), constraints: Iterable = (),
                 callbacks: Iterable = (), objective: Callable | None = None, augment: Callable | None = None,
                 sampler=None, on_nonfinite: str = "raise", progress: bool = True):
        if on_nonfinite not in NONFINITE_MODES:
            raise ValueError(f"Invalid on_nonfinite: {on_nonfinite!r} (expected one of {NONFINITE_MODES})")
        if objective is not None and not callable(objective):
            raise TypeError(f"Invalid objective: {objective!r} (expected a callable (model, loss, Xb, yb) -> float)")
        if augment is not None and not callable(augment):
            raise TypeError(f"Invalid augment: {augment!r} (expected a callable (Xb, rng) -> Xb)")
        if sampler is not None and not callable(getattr(sampler, "batches", None)):
            raise TypeError(f"Invalid sampler: {sampler!r} (expected an object with "
                            f"batches(n_samples, batch_size, epoch, rng))")
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.regularizers = list(regularizers or ())
        self.constraints = list(constraints or ())
        self.callbacks = list(callbacks or ())
        self.objective = objective
        self.augment = augment
        self.sampler = sampler
        self.on_nonfinite = on_nonfinite
        self.progress = bool(progress)
        self.history = History()
        self.epoch = 0
        self.step = 0
        self.batch_index = 0
        self.batch = None
        self.output = None
        self.stop_training = False
        self.rng: np.random.Generator | None = None

    # -- one minibatch ----------------------------------------------------------------------------------
    def _default_objective(self, model, loss, Xb, yb) -> float:
        value, self.output = forward_backward(model, loss, Xb, yb)
        return value

    def _buffers(self) -> list:
        """(owner module, name) of every buffer, so a skipped batch can restore running statistics."""
        out = []
        for mod in (self.model.modules() if hasattr(self.model, "modules") else ()):
            for name in getattr(mod, "_buffers", {}):
                out.append((mod, name))
        return out

    # -- checkpoint state ---------------------------------------------------------------------------------
    def _trainer_state(self, next_epoch: int, next_batch: int, plan_rest, acc) -> dict:
        state = {
            "format": "pyoptim.fit", "epoch": int(next_epoch), "batch": int(next_batch), "step": int(self.step),
            "rng": self.rng.bit_generator.state, "history": self.history.state_dict(),
            "callbacks": [cb.state_dict() if callable(getattr(cb, "state_dict", None)) else None
                          for cb in self.callbacks],
            "acc": list(acc), "n_samples": int(self._n), "batch_size": int(self._bs),
        }
        if plan_rest is not None:
            idx = [np.arange(p.start, p.stop) if isinstance(p, slice) else np.asarray(p) for p in plan_rest]
            state["plan_indices"] = np.concatenate(idx).astype(np.int64) if idx else np.zeros(0, np.int64)
            state["plan_sizes"] = np.array([len(i) for i in idx], dtype=np.int64)
        return state

    def _save(self, path, next_epoch, next_batch, plan_rest, acc) -> None:
        from .checkpoint import save
        save(path, model=self.model, optimizer=self.optimizer,
             trainer=self._trainer_state(next_epoch, next_batch, plan_rest, acc))

    # -- the loop -----------------------------------------------------------------------------------------
    def fit(self, X, y, epochs: int = 10, batch_size: int | None = 32, validation_data=None, shuffle: bool = True,
            seed=0, checkpoint=None, checkpoint_every=None, resume=None) -> History:
        """Run the loop; see :func:`fit` for the arguments. The stages: :meth:`_prepare` (validate and set
        up), :meth:`_resume` (load a saved fit state), the epoch loop (:meth:`_run_epoch`, one
        :meth:`_train_batch` a minibatch, then :meth:`_end_epoch`), and checkpointing (:meth:`_save`).
        A minibatch is :meth:`_batch_gradient`, :meth:`_update` and :meth:`_count_batch`: the hooks a
        subclass such as ``pyoptim.distributed.DistributedTrainer`` overrides."""
        run = self._prepare(X, y, epochs, batch_size, validation_data, shuffle, seed, checkpoint,
                            checkpoint_every, resume)
        self._resume(run, resume)
        self._begin(run)
        bar = progress_bars.Progress(run.progress, run.total, run.initial, epochs)
        try:
            for epoch in range(run.start_epoch, epochs):
                if self.stop_training:
                    break
                self._run_epoch(run, epoch, bar)
                self._end_epoch(run, epoch, bar)
        finally:
            bar.close()
            self._after_loop(run)
        for cb in self.callbacks:
            cb.on_train_end(run.logs)
        self._note_early_stopping()
        return self.history

    # -- stage 1: validate the arguments and set up the run -----------------------------------------------
    def _check_objects(self, epochs) -> None:
        """``epochs``, the model, the optimizer and the loss have the right kind (before any data is read)."""
        check_int("epochs", epochs, 0)
        model, loss, optimizer = self.model, self.loss, self.optimizer
        for name in ("zero_grad", "parameters", "forward", "backward"):
            if not callable(getattr(model, name, None)):
                raise TypeError(f"Invalid model: {type(model).__name__} has no {name}() (expected a pyoptim.nn.Module)")
        if not callable(getattr(optimizer, "step", None)):
            raise TypeError(f"Invalid optimizer: {optimizer!r} (expected an object with step())")
        if self.objective is None and not (callable(getattr(loss, "forward", None)) and callable(getattr(loss, "backward", None))):
            raise TypeError(f"Invalid loss: {loss!r} (expected an object with forward(output, target) and backward())")

    def _prepare(self, X, y, epochs, batch_size, validation_data, shuffle, seed, checkpoint, checkpoint_every,
                 resume=None):
        """Check the arguments and return the run's state (``resume`` is read later, by :meth:`_resume`)."""
        self._check_objects(epochs)
        model, loss, optimizer = self.model, self.loss, self.optimizer
        X, y = validate(model, loss, X, y, probe=self.objective is None)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("Invalid validation_data: expected a tuple (X_val, y_val)")
            val = validate(model, loss, validation_data[0], validation_data[1], "X_val", "y_val",
                           probe=self.objective is None)
        n = len(X)
        bs = check_batch_size(batch_size, n)
        self._n, self._bs = n, bs
        every_kind, every_k = parse_every(checkpoint_every)
        self.rng = as_rng(seed)
        params = trainable(model)
        warn_if_optimizer_misses_model(model, optimizer)
        swap = getattr(optimizer, "swap", None)
        return SimpleNamespace(
            X=X, y=y, val=val, n=n, bs=bs, epochs=epochs, shuffle=bool(shuffle), checkpoint=checkpoint,
            every_kind=every_kind, every_k=every_k, classification=is_classification(loss),
            objective=self.objective or self._default_objective, trainable=params,
            scratch=np.empty(max([p.grad.size for p in params] or [0]), dtype=bool), buffers=self._buffers(),
            swap=swap if callable(swap) else None, start_epoch=0, start_batch=0, resumed_plan=None,
            resumed_acc=None, cb_states=None, logs={}, divergence=DivergenceWatch(optimizer), progress=self.progress)

    # -- stage 2: resume from a checkpoint ----------------------------------------------------------------
    def _resume(self, run, resume) -> None:
        if resume is None:
            return
        from .checkpoint import load, load_into
        self._remove_stale_temporaries(resume)  # left by a save that was killed mid-write
        if not os.path.exists(os.fspath(resume)):
            return
        rpath = os.fspath(resume)
        ck = load(rpath)   # read and validated, not yet applied: a bad file changes nothing
        st, rng_state, history = check_trainer_state(rpath, ck["extra"].get("trainer"), run.n, run.bs,
                                                     len(self.callbacks), self.rng)
        load_into(rpath, ck, self.model, self.optimizer)   # both or neither
        run.start_epoch, run.start_batch, self.step = st["epoch"], st["batch"], st["step"]
        self.rng.bit_generator.state = rng_state
        self.history = history
        if "plan_indices" in st:
            cuts = np.cumsum(st["plan_sizes"])[:-1]
            run.resumed_plan = np.split(st["plan_indices"], cuts) if len(st["plan_sizes"]) else []
            run.resumed_acc = st["acc"]
        run.cb_states = st.get("callbacks")

    def _remove_stale_temporaries(self, path) -> None:
        from .checkpoint import remove_stale_temporaries
        remove_stale_temporaries(path)

    def _begin(self, run) -> None:
        self.stop_training = False
        self.epoch = run.start_epoch
        for cb in self.callbacks:
            cb.on_train_begin(self)
        if run.cb_states is not None:
            for cb, s in zip(self.callbacks, run.cb_states):
                if s is not None and callable(getattr(cb, "load_state_dict", None)):
                    cb.load_state_dict(s)
        per_epoch = None if self.sampler is not None else -(-run.n // run.bs)
        run.total = None if per_epoch is None else per_epoch * run.epochs
        run.initial = 0 if per_epoch is None else min(per_epoch * run.start_epoch + run.start_batch, run.total or 0)
        run.skipped_total = int(self.history.meta.get("skipped_batches", 0))

    # -- stage 3: the epoch loop ----------------------------------------------------------------------------
    def _epoch_plan(self, run, epoch):
        """The epoch's minibatches, the first one to run and the running sums
        [sum_loss, seen, correct, counted, skipped] (restored mid-epoch after a resume)."""
        if run.resumed_plan is not None:
            plan, first = [None] * run.start_batch + list(run.resumed_plan), run.start_batch  # done ones: None
            s, seen, correct, counted, skipped = run.resumed_acc
            run.resumed_plan = None
            return plan, first, [float(s), int(seen), int(correct), int(counted), int(skipped)]
        if self.sampler is not None:
            plan = list(self.sampler.batches(run.n, run.bs, epoch, self.rng))
        else:
            plan = batch_plan(run.n, run.bs, run.shuffle, self.rng)
        return plan, 0, [0.0, 0, 0, 0, 0]

    def _run_epoch(self, run, epoch, bar) -> None:
        self.epoch = epoch
        bar.set_epoch(epoch)
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, {})
        plan, first, acc = self._epoch_plan(run, epoch)
        run.acc = acc
        for b in range(first, len(plan)):
            outcome = self._train_batch(run, epoch, b, plan[b], acc)
            if outcome == "skip":
                continue
            if outcome == "stop":
                break
            bar.update()
            if run.checkpoint is not None and run.every_kind == "batch" and self.step % run.every_k == 0 \
                    and b + 1 < len(plan):
                self._save(run.checkpoint, epoch, b + 1, plan[b + 1:], tuple(acc))
            if self.stop_training:
                break

    def _train_batch(self, run, epoch, b, idx, acc) -> str:
        """One minibatch, in the order of the module docstring: "ok", "skip" (a non-finite batch skipped)
        or "stop" (on_nonfinite="stop" met one)."""
        model = self.model
        saved = snapshot(run.buffers) if run.buffers else None
        value, size, yb = self._batch_gradient(run, b, idx)
        for r in self.regularizers:
            value += float(r.penalty(model))
            r.accumulate_grad(model)
        blogs = {"loss": value, "size": size, "step": self.step, "epoch": epoch}
        for cb in self.callbacks:
            cb.on_before_step(b, blogs)
        if not (math.isfinite(value) and all_finite([p.grad for p in run.trainable], run.scratch)):
            return self._nonfinite_batch(run, epoch, b, value, saved, acc)
        run.divergence.observe(value, epoch, b, self.step)
        self._update(run)
        self.step += 1
        self._count_batch(run, acc, value, size, yb)
        for cb in self.callbacks:
            cb.on_batch_end(b, blogs)
        return "ok"

    def _batch_gradient(self, run, b, idx):
        """Minibatch ``b`` (rows ``idx``): set ``batch``, ``output`` and every ``.grad`` to the gradient of
        the minibatch's mean loss; returns (that loss, the number of examples, the minibatch's targets)."""
        self.batch_index = b
        Xb, yb = run.X[idx], (None if run.y is None else run.y[idx])
        if self.augment is not None:
            Xb = self.augment(Xb, self.rng)
        self.batch = (Xb, yb)
        self.output = None
        self.model.zero_grad()
        return float(run.objective(self.model, self.loss, Xb, yb)), len(Xb), yb

    def _update(self, run) -> None:
        """The step: ``optimizer.step()``, the regularizers' proximal steps, the constraints."""
        self.optimizer.step()
        if self.regularizers:
            lr = current_lr(self.optimizer)
            for r in self.regularizers:
                r.after_step(self.model, lr)
        for c in self.constraints:
            c.apply(self.model)

    def _count_batch(self, run, acc, value, size, yb) -> None:
        """Add a stepped minibatch to the epoch's running sums [sum_loss, seen, correct, counted, skipped]."""
        acc[0] += value * size
        acc[1] += size
        if run.classification and self.output is not None and yb is not None:
            acc[2] += n_correct(self.output, yb)
            acc[3] += size

    def _nonfinite_batch(self, run, epoch, b, value, saved, acc) -> str:
        if saved:  # running statistics touched by the bad forward pass go back too
            restore(saved)
        what = "loss" if not math.isfinite(value) else "gradient"
        where = f"epoch {epoch} (from 0), batch {b}, step {self.step}"
        if self.on_nonfinite == "raise":
            raise FloatingPointError(f"non-finite {what} at {where}; parameters and optimizer "
                                     f"state are left as after the last good step "
                                     f"(on_nonfinite='skip_batch' or 'stop' to continue)")
        if self.on_nonfinite == "stop":
            self.history.meta["nonfinite"] = {"epoch": epoch, "batch": b, "step": self.step, "what": what}
            self.stop_training = True
            return "stop"
        acc[4] += 1
        run.skipped_total += 1
        self.history.meta["skipped_batches"] = run.skipped_total
        return "skip"

    def _end_epoch(self, run, epoch, bar) -> None:
        """The epoch's logs (training means, validation metrics, lr), the callbacks, the checkpoint."""
        sum_loss, seen, correct, counted, skipped = run.acc
        logs = {}
        if seen:
            logs["loss"] = sum_loss / seen
        if counted:
            logs["accuracy"] = correct / counted
        if run.val is not None:
            if run.swap is not None:
                run.swap()
            try:
                ev = evaluate(self.model, self.loss, run.val[0], run.val[1])
            finally:
                if run.swap is not None:
                    run.swap()
            logs.update({"val_" + k: v for k, v in ev.items()})
        lr = current_lr(self.optimizer)
        if lr is not None:
            logs["lr"] = lr
        if self.on_nonfinite == "skip_batch":
            logs["skipped_batches"] = skipped
        self.history.meta["skipped_batches"] = run.skipped_total
        self.history.meta["steps"] = self.step
        self.history.append(epoch, logs)
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)
        self.history._update_last(logs)  # metrics a callback added to (or changed in) logs
        self._note_early_stopping()
        bar.end_epoch(epoch, logs)
        run.logs = logs
        if run.checkpoint is not None and (run.every_kind == "batch" or (epoch + 1) % run.every_k == 0
                                           or epoch + 1 == run.epochs or self.stop_training):
            self._save(run.checkpoint, epoch + 1, 0, None, (0.0, 0, 0, 0, 0))

    def _after_loop(self, run) -> None:
        """Called when the epoch loop ends, normally or by an exception (after the progress bar closes)."""

    def _note_early_stopping(self) -> None:
        """Copy an early-stopping callback's ``best_epoch`` / ``stopped_epoch`` into ``history.meta``
        (History.plot marks the best epoch)."""
        for cb in self.callbacks:
            for key in ("best_epoch", "stopped_epoch"):
                v = getattr(cb, key, None)
                if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                    self.history.meta[key] = int(v)


def fit(model, loss, optimizer, X, y, epochs: int = 10, batch_size: int | None = 32, validation_data=None,
        regularizers: Iterable = (), constraints: Iterable = (), callbacks: Iterable = (), shuffle: bool = True,
        seed=0, progress: bool = True, objective: Callable | None = None, augment: Callable | None = None,
        sampler=None, on_nonfinite: str = "raise", checkpoint=None, checkpoint_every=None, resume=None,
        distributed=False) -> History:
    """Train ``model`` by minibatch stochastic gradient descent with ``optimizer`` (book 8.1, 8.3).

    Each epoch visits the training set once in minibatches of m = ``batch_size`` examples; each
    minibatch gives an unbiased estimate ĝ = (1/m) ∇θ Σᵢ L(f(x⁽ⁱ⁾; θ), y⁽ⁱ⁾) of the gradient of the
    empirical risk and one ``optimizer.step()`` (book Algorithm 8.1 with ε = ``lr``).

    Parameters
    ----------
    model : pyoptim.nn.Module
        Its Parameters with ``requires_grad=False`` are frozen: the optimizer skips them and fit never
        touches them (book 8.7.4, pretraining).
    loss : a pyoptim.nn loss (``forward(output, target) -> float``, ``backward() -> dL/doutput``).
        ``SoftmaxCrossEntropy`` and ``BinaryCrossEntropy`` (or ``loss.is_classification = True``) add
        ``accuracy`` to the logs (1 − the 0-1 error of book 8.1.2).
    optimizer : a pyoptim.optim optimizer built on ``model.parameters()``. If it has a callable
        ``swap`` (``pyoptim.optim.Averaged``, book 8.7.3) validation uses the averaged parameters.
    X, y : training inputs (float32/float64, one row per example) and targets (integer class labels
        for classification losses, floats for regression). Checked up front (lengths, dtypes, label
        range, input width); X is converted to the model's dtype. ``y=None`` is allowed with a custom
        ``objective`` (unsupervised terms, autoencoders): it then receives ``yb=None``.
    epochs : int
        The total number of epochs (with ``resume``, training continues until this many are done).
    batch_size : int or None
        m. ``None`` is the whole set (batch gradient descent), ``1`` the stochastic method.
    validation_data : (X_val, y_val), optional
        Evaluated at the end of each epoch in eval mode: ``val_loss`` and ``val_accuracy``.
    regularizers : objects with ``penalty(model) -> float``, ``accumulate_grad(model)`` and
        ``after_step(model, lr)`` (``pyoptim.regularizers``, book 7.1).
    constraints : objects with ``apply(model)``, called after every step (``pyoptim.constraints``, 7.2).
    callbacks : ``pyoptim.callbacks.Callback`` objects (early stopping, schedulers, monitors).
    shuffle : bool
        Draw a new random order every epoch (ignored when ``sampler`` is given).
    seed : int or numpy.random.Generator
        Seeds the Generator used for shuffling, ``augment`` and ``sampler``: the same seed gives the same
        run, bit for bit.
    progress : bool
        A progress bar (tqdm, notebook-aware through ``tqdm.auto``; a line per epoch on stderr without
        tqdm). ``False`` prints nothing at all.
    objective : callable ``(model, loss, Xb, yb) -> float``, optional
        Replaces "forward, loss, backward": it must return the minibatch loss and *accumulate* the
        gradients into the parameters' ``.grad``. Adversarial training (7.13), tangent prop (7.14),
        multi-task (7.7) and hint losses (8.7.4) are objectives.
    augment : callable ``(Xb, rng) -> Xb``, optional
        Applied to every training minibatch (dataset augmentation, 7.4; noise injection, 7.5).
    sampler : object with ``batches(n_samples, batch_size, epoch, rng) -> iterable of index arrays``
        Replaces the shuffling (curriculum learning, 8.7.6).
    on_nonfinite : "raise" | "stop" | "skip_batch"
        What to do when the minibatch loss or a gradient is NaN or infinite. The check comes before
        ``optimizer.step()``, so in every mode the parameters, the optimizer state and the model's
        buffers (batch-norm running statistics) stay exactly as after the last good step. "raise"
        raises ``FloatingPointError`` naming the epoch and batch; "stop" ends training (recorded in
        ``history.meta["nonfinite"]``); "skip_batch" skips the step and counts it
        (``history.history["skipped_batches"]`` per epoch, ``history.skipped_batches`` in total).
    checkpoint : path, optional
        Save a checkpoint (:func:`pyoptim.save`: model, optimizer, epoch/step counters, the Generator's
        ``bit_generator.state``, the rest of the current epoch's order, callbacks' ``state_dict()`` and
        the history) atomically to this file.
    checkpoint_every : None, int, "epoch", "batch", "k epochs" or "k batches"
        How often: by default after every epoch; an int k every k epochs (and after the last);
        "k batches" every k optimizer steps as well as at each epoch end. Ignored without ``checkpoint``.
    resume : path, optional
        Continue from a checkpoint written by ``fit``: the model, optimizer, counters, RNG, history and
        callback states are restored and training continues to ``epochs``, finishing with bit-identically
        the parameters of an uninterrupted run. **If the file does not exist, training starts fresh**, so
        ``fit(..., checkpoint=p, resume=p)`` is a job that can be killed and restarted at will
        (temporary files ``.<name>.*.tmp`` that a save killed mid-write left next to ``p`` are removed).
        A file that exists but is not a valid checkpoint raises ``ValueError`` naming the path (and the
        field: negative counters, a batch plan that does not add up or indexes outside the data, a
        malformed RNG or history state); the file is read and checked in full, within
        :func:`pyoptim.load`'s default budget, before the model, optimizer or counters change.
    distributed : False, True or a dict of options
        Data-parallel training under ``mpiexec -n P`` (``pyoptim.distributed``, extra ``mpi``):
        ``batch_size`` is then the per-rank batch b, each rank computes its shard of every global
        minibatch of P·b examples, and the gradients are summed in fixed rank order, so the run follows
        the single-process run with ``batch_size=P*b``. Options: ``{"sync_batchnorm": True}``,
        ``"timeout"`` (seconds per collective), ``"comm"``, ``"check_identical"``; see
        :func:`pyoptim.distributed.fit_distributed`.

    Returns
    -------
    History
        ``history.history["loss"]``, ``["accuracy"]``, ``["val_loss"]``, ``["val_accuracy"]``, ``["lr"]``.

    Raises
    ------
    TypeError, ValueError
        For inputs of the wrong kind (non-float X, non-integer labels, mismatched lengths, labels outside
        [0, classes), a wrong input width) and invalid hyperparameters, before any training.
    FloatingPointError
        ``on_nonfinite="raise"`` and a NaN/inf loss or gradient.

    Example
    -------
    >>> import numpy as np, pyoptim as po
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((300, 8)).astype(np.float32), rng.integers(0, 3, 300)
    >>> Xv, yv = rng.standard_normal((100, 8)).astype(np.float32), rng.integers(0, 3, 100)
    >>> model = po.nn.Sequential(po.nn.Dense(8, 32, seed=0), po.nn.ReLU(), po.nn.Dense(32, 3, seed=1))
    >>> loss, opt = po.nn.SoftmaxCrossEntropy(), po.optim.Adam(model.parameters(), lr=0.01)
    >>> hist = po.fit(model, loss, opt, X, y, epochs=20, batch_size=32, validation_data=(Xv, yv),
    ...               progress=False)
    >>> len(hist.history["val_accuracy"])
    20
    """
    if distributed is not False and distributed is not None:   # --- distributed: the data-parallel loop lives in pyoptim.distributed
        from .distributed import fit_distributed
        return fit_distributed(model, loss, optimizer, X, y, distributed=distributed, epochs=epochs,
                               batch_size=batch_size, validation_data=validation_data, regularizers=regularizers,
                               constraints=constraints, callbacks=callbacks, shuffle=shuffle, seed=seed,
                               progress=progress, objective=objective, augment=augment, sampler=sampler,
                               on_nonfinite=on_nonfinite, checkpoint=checkpoint,
                               checkpoint_every=checkpoint_every, resume=resume)
    trainer = Trainer(model, loss, optimizer, regularizers=regularizers, constraints=constraints,
                      callbacks=callbacks, objective=objective, augment=augment, sampler=sampler,
                      on_nonfinite=on_nonfinite, progress=progress)
    return trainer.fit(X, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                       shuffle=shuffle, seed=seed, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                       resume=resume)
