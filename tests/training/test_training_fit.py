"""pyoptim.fit, minibatches, evaluate, predict, History and the callback protocol (book 8.1.3, 7.8)."""
import math

import numpy as np
import pytest

import pyoptim as po
from pyoptim.callbacks import Callback, LambdaCallback, LRSchedulerCallback
from pyoptim.nn import Module
from training_helpers import adam, assert_params_equal, mlp, mse, params_copy, sce, sgd


def blobs_problem(n=120, seed=0):
    X, y = po.datasets.blobs(n=n, centers=3, d=4, std=1.5, seed=seed)
    return X, y


# ------------------------------------------------------------------------------------------------------
# minibatches
# ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bs,expected", [(None, [10]), (1, [1] * 10), (3, [3, 3, 3, 1]), (10, [10]), (25, [10])])
def test_minibatches_modes_cover_every_row_once(bs, expected):
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    batches = list(po.minibatches(X, y, bs, shuffle=True, seed=1))
    assert [len(yb) for _, yb in batches] == expected
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(10))
    for Xb, yb in batches:  # rows stay paired with their labels
        np.testing.assert_array_equal(Xb[:, 0], 2.0 * yb)


def test_minibatches_shuffle_determinism():
    X, y = np.zeros((50, 1)), np.arange(50)
    order = lambda **kw: np.concatenate([yb for _, yb in po.minibatches(X, y, 7, **kw)]).tolist()
    assert order(seed=3) == order(seed=3)
    assert order(seed=3) != order(seed=4)
    assert order(shuffle=False) == list(range(50))
    gen = np.random.default_rng(0)
    first, second = order(seed=gen), order(seed=gen)  # a Generator advances: a fresh order each pass
    assert first != second
    gen2 = np.random.default_rng(0)
    assert order(seed=gen2) == first


def test_minibatches_drop_last_and_no_y():
    X = np.zeros((10, 2))
    sizes = [len(Xb) for Xb, _ in po.minibatches(X, None, 4, shuffle=False, drop_last=True)]
    assert sizes == [4, 4]
    assert all(yb is None for _, yb in po.minibatches(X, None, 4))


@pytest.mark.parametrize("bs", [0, -1, 2.5, "8", True])
def test_minibatches_bad_batch_size(bs):
    with pytest.raises(ValueError, match="Invalid batch_size"):
        po.minibatches(np.zeros((4, 1)), np.zeros(4), bs)


def test_minibatches_length_mismatch():
    with pytest.raises(ValueError, match="X has 4 samples, y has 3"):
        po.minibatches(np.zeros((4, 1)), np.zeros(3), 2)


# ------------------------------------------------------------------------------------------------------
# fit basics
# ------------------------------------------------------------------------------------------------------
def test_fit_decreases_loss_and_reports_metrics():
    X, y = blobs_problem()
    Xv, yv = blobs_problem(60, seed=1)
    model = mlp([4, 16, 3], seed=0)
    hist = po.fit(model, sce(), adam(model.parameters(), lr=0.01), X, y, epochs=15, batch_size=16,
                  validation_data=(Xv, yv), progress=False)
    h = hist.history
    assert len(hist) == 15 and hist.epoch == list(range(15))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert len(h[key]) == 15, key
    assert h["loss"][-1] < 0.5 * h["loss"][0]
    assert h["accuracy"][-1] > 0.8
    ev = po.evaluate(model, sce(), Xv, yv)
    assert ev["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-6)
    assert ev["accuracy"] == pytest.approx(h["val_accuracy"][-1])
    assert hist.meta["steps"] == 15 * math.ceil(120 / 16)


def test_fit_regression_has_no_accuracy():
    X, y = po.datasets.linear_regression(n=64, d=3, noise=0.01, seed=0)
    model = mlp([3, 1], seed=0)
    hist = po.fit(model, mse(), sgd(model.parameters(), lr=0.1), X, y.reshape(-1, 1), epochs=20, batch_size=8,
                  progress=False)
    assert "accuracy" not in hist.history
    assert hist.history["loss"][-1] < 0.05 * hist.history["loss"][0]


@pytest.mark.parametrize("bs,steps", [(None, 1), (1, 30), (8, 4)])
def test_fit_batch_stochastic_minibatch_steps(bs, steps):
    X, y = blobs_problem(30)
    model = mlp([4, 3], seed=0)
    hist = po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=2, batch_size=bs, progress=False)
    assert hist.meta["steps"] == 2 * steps


def test_fit_same_seed_same_run_different_seed_different_run():
    X, y = blobs_problem()

    def run(seed):
        model = mlp([4, 8, 3], seed=0)
        po.fit(model, sce(), sgd(model.parameters(), lr=0.05), X, y, epochs=3, batch_size=10, seed=seed,
               progress=False)
        return params_copy(model)

    a, b, c = run(7), run(7), run(8)
    assert_params_equal(a, b)
    assert any(not np.array_equal(p, q) for p, q in zip(a, c))


def test_fit_without_shuffle_visits_in_order():
    X, y = blobs_problem(20)
    model = mlp([4, 3], seed=0)
    seen = []
    cb = LambdaCallback(on_before_step=lambda b, logs: seen.append(cb.trainer.batch[1].copy()))
    po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=1, batch_size=6, shuffle=False, callbacks=[cb],
           progress=False)
    np.testing.assert_array_equal(np.concatenate(seen), y)


def test_frozen_parameters_are_not_updated():
    X, y = blobs_problem()
    model = mlp([4, 8, 3], seed=0)
    first = model.parameters()[0]
    first.requires_grad = False
    before = params_copy(model)
    po.fit(model, sce(), adam(model.parameters(), lr=0.01), X, y, epochs=2, batch_size=16, progress=False)
    after = params_copy(model)
    np.testing.assert_array_equal(before[0], after[0])
    assert not np.array_equal(before[2], after[2])


# ------------------------------------------------------------------------------------------------------
# callbacks
# ------------------------------------------------------------------------------------------------------
class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_train_begin(self, trainer):
        super().on_train_begin(trainer)
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs):
        self.events.append(("epoch_begin", epoch))

    def on_before_step(self, batch, logs):
        self.events.append(("before_step", batch))

    def on_batch_end(self, batch, logs):
        self.events.append(("batch_end", batch))

    def on_epoch_end(self, epoch, logs):
        self.events.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs):
        self.events.append(("train_end",))


def test_callback_order():
    X, y = blobs_problem(8)
    model = mlp([4, 3], seed=0)
    rec = Recorder()
    po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=2, batch_size=4, validation_data=(X, y),
           callbacks=[rec], progress=False)
    keys = ["accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    expected = [("train_begin",)]
    for e in range(2):
        expected += [("epoch_begin", e), ("before_step", 0), ("batch_end", 0), ("before_step", 1),
                     ("batch_end", 1), ("epoch_end", e, keys)]
    expected += [("train_end",)]
    assert rec.events == expected
    t = rec.trainer
    assert t.model is model and t.step == 4 and t.epoch == 1 and isinstance(t.history, po.History)


def test_stop_training_from_a_callback():
    X, y = blobs_problem(40)
    model = mlp([4, 3], seed=0)

    def stop(batch, logs):
        if cb.trainer.step == 3:
            cb.trainer.stop_training = True

    cb = LambdaCallback(on_batch_end=stop)
    hist = po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=5, batch_size=4, callbacks=[cb],
                  progress=False)
    assert hist.meta["steps"] == 3 and len(hist) == 1


def test_callback_added_logs_are_recorded():
    X, y = blobs_problem(8)
    model = mlp([4, 3], seed=0)
    cb = LambdaCallback(on_epoch_end=lambda e, logs: logs.__setitem__("custom", 10.0 * e))
    hist = po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=3, callbacks=[cb], progress=False)
    assert hist.history["custom"] == [0.0, 10.0, 20.0]


class FakeScheduler:
    def __init__(self, opt):
        self.opt, self.calls = opt, []

    def step(self, metric=None):
        self.calls.append(metric)
        self.opt.param_groups[0]["lr"] *= 0.5

    def state_dict(self):
        return {"calls": len(self.calls)}

    def load_state_dict(self, d):
        self.calls = [None] * d["calls"]


def test_lr_scheduler_callback_per_epoch_batch_and_monitor():
    X, y = blobs_problem(8)
    model = mlp([4, 3], seed=0)
    opt = sgd(model.parameters(), lr=1.0)
    sch = FakeScheduler(opt)
    hist = po.fit(model, sce(), opt, X, y, epochs=3, batch_size=4, callbacks=[LRSchedulerCallback(sch)],
                  progress=False)
    assert hist.history["lr"] == [1.0, 0.5, 0.25]  # the rate used during each epoch
    sch2 = FakeScheduler(opt)
    po.fit(model, sce(), opt, X, y, epochs=2, batch_size=4, callbacks=[LRSchedulerCallback(sch2, per="batch")],
           progress=False)
    assert len(sch2.calls) == 4
    sch3 = FakeScheduler(opt)
    po.fit(model, sce(), opt, X, y, epochs=2, batch_size=4, validation_data=(X, y),
           callbacks=[LRSchedulerCallback(sch3, monitor="val_loss")], progress=False)
    assert len(sch3.calls) == 2 and all(isinstance(c, float) for c in sch3.calls)
    with pytest.raises(ValueError, match="Invalid per"):
        LRSchedulerCallback(sch, per="step")


# ------------------------------------------------------------------------------------------------------
# hooks: regularizers, constraints, objective, augment, sampler, averaged optimizers
# ------------------------------------------------------------------------------------------------------
class FakeL2:
    """(alpha/2)·||W||² on every parameter, recording the calls."""

    def __init__(self, alpha, log):
        self.alpha, self.log = alpha, log

    def penalty(self, model):
        self.log.append("penalty")
        return 0.5 * self.alpha * sum(float((p.data.astype(np.float64) ** 2).sum()) for p in model.parameters())

    def accumulate_grad(self, model):
        self.log.append("grad")
        for p in model.parameters():
            p.grad += self.alpha * p.data

    def after_step(self, model, lr):
        self.log.append(("after_step", lr))


class FakeConstraint:
    def __init__(self, log):
        self.log = log

    def apply(self, model):
        self.log.append("constraint")
        w = model.parameters()[0].data
        np.clip(w, -0.05, 0.05, out=w)


def test_regularizer_and_constraint_hooks_in_order():
    X, y = blobs_problem(8)
    model = mlp([4, 3], seed=0)
    log = []
    cb = LambdaCallback(on_before_step=lambda b, logs: log.append("before_step"),
                        on_batch_end=lambda b, logs: log.append("batch_end"))
    objective_calls = []

    def objective(model, loss, Xb, yb):
        objective_calls.append(len(Xb))
        log.append("objective")
        out = model.forward(Xb)
        v = loss.forward(out, yb)
        model.backward(loss.backward())
        return v

    hist = po.fit(model, sce(), sgd(model.parameters(), lr=0.1), X, y, epochs=1, batch_size=4,
                  regularizers=[FakeL2(0.01, log)], constraints=[FakeConstraint(log)], callbacks=[cb],
                  objective=objective, progress=False)
    one = ["objective", "penalty", "grad", "before_step", ("after_step", 0.1), "constraint", "batch_end"]
    assert log == one * 2
    assert np.abs(model.parameters()[0].data).max() <= 0.05
    assert objective_calls == [4, 4]
    assert "accuracy" not in hist.history  # a custom objective gives no outputs to score


def test_penalty_is_part_of_the_recorded_loss():
    X, y = blobs_problem(8)
    m1, m2 = mlp([4, 3], seed=0), mlp([4, 3], seed=0)
    reg = FakeL2(0.5, [])
    pen = reg.penalty(m1)
    h1 = po.fit(m1, sce(), sgd(m1.parameters(), lr=0.0), X, y, epochs=1, batch_size=None, progress=False)
    h2 = po.fit(m2, sce(), sgd(m2.parameters(), lr=0.0), X, y, epochs=1, batch_size=None, regularizers=[reg],
                progress=False)
    assert h2.history["loss"][0] == pytest.approx(h1.history["loss"][0] + pen, rel=1e-6)


def test_augment_gets_the_run_generator_and_is_deterministic():
    X, y = blobs_problem(16)
    calls = []

    def augment(Xb, rng):
        assert isinstance(rng, np.random.Generator)
        calls.append(len(Xb))
        return Xb + rng.normal(0, 0.1, Xb.shape).astype(Xb.dtype)

    def run():
        model = mlp([4, 3], seed=0)
        po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=2, batch_size=8, augment=augment, seed=5,
               progress=False)
        return params_copy(model)

    assert_params_equal(run(), run())
    assert calls == [8] * 8


class FixedSampler:
    """Curriculum-like sampler: the first half of the examples first, in order."""

    def __init__(self):
        self.calls = []

    def batches(self, n, batch_size, epoch, rng):
        self.calls.append((n, batch_size, epoch))
        idx = np.arange(n)[: n // 2]
        return [idx[i:i + batch_size] for i in range(0, len(idx), batch_size)]


def test_sampler_replaces_shuffling():
    X, y = blobs_problem(20)
    model = mlp([4, 3], seed=0)
    s = FixedSampler()
    seen = []
    cb = LambdaCallback(on_before_step=lambda b, logs: seen.append(cb.trainer.batch[1].copy()))
    hist = po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=2, batch_size=4, sampler=s, callbacks=[cb],
                  progress=False)
    assert s.calls == [(20, 4, 0), (20, 4, 1)]
    np.testing.assert_array_equal(np.concatenate(seen), np.concatenate([y[:10], y[:10]]))
    assert hist.meta["steps"] == 6


class SwappingOptimizer:
    """An Averaged-like wrapper: swap() exchanges the live parameters with stored 'averaged' zeros."""

    def __init__(self, opt, params):
        self.opt, self.params, self.swaps = opt, params, 0
        self.param_groups = opt.param_groups
        self.other = [np.zeros_like(p.data) for p in params]

    def step(self):
        self.opt.step()

    def zero_grad(self):
        self.opt.zero_grad()

    def swap(self):
        self.swaps += 1
        for p, o in zip(self.params, self.other):
            tmp = p.data.copy()
            p.data[...] = o
            o[...] = tmp


def test_validation_uses_the_averaged_weights_when_the_optimizer_can_swap():
    X, y = blobs_problem(12)
    model = mlp([4, 3], seed=0)
    opt = SwappingOptimizer(sgd(model.parameters(), lr=0.1), model.parameters())
    hist = po.fit(model, sce(), opt, X, y, epochs=2, validation_data=(X, y), progress=False)
    assert opt.swaps == 4
    assert hist.history["val_loss"][-1] == pytest.approx(math.log(3), rel=1e-5)  # all-zero weights
    assert not all(np.all(p.data == 0) for p in model.parameters())  # live weights back in place


# ------------------------------------------------------------------------------------------------------
# non-finite policy (issue 6.3)
# ------------------------------------------------------------------------------------------------------
def nan_objective(bad_calls, where="loss"):
    counter = {"n": 0}

    def objective(model, loss, Xb, yb):
        out = model.forward(Xb)
        v = loss.forward(out, yb)
        model.backward(loss.backward())
        if counter["n"] in bad_calls:
            if where == "loss":
                v = float("nan")
            else:
                model.parameters()[-1].grad[0] = np.inf
        counter["n"] += 1
        return v

    return objective


class Snapshots(Callback):
    """Parameters and optimizer state after every good step."""

    def __init__(self):
        self.last = None

    def on_batch_end(self, batch, logs):
        t = self.trainer
        self.last = (params_copy(t.model), t.optimizer.state_dict(), t.step)


def assert_state_equal(a, b):
    if isinstance(a, dict):
        assert set(a) == set(b)
        for k in a:
            assert_state_equal(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_state_equal(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("where", ["loss", "grad"])
def test_nonfinite_raise_names_the_batch_and_keeps_state(where):
    X, y = blobs_problem(40)
    model = mlp([4, 6, 3], seed=0)
    opt = adam(model.parameters(), lr=0.01)
    snap = Snapshots()
    with pytest.raises(FloatingPointError, match=r"epoch 1 \(from 0\), batch 2") as info:
        po.fit(model, sce(), opt, X, y, epochs=3, batch_size=8, objective=nan_objective({7}, where),
               callbacks=[snap], progress=False)
    assert ("loss" if where == "loss" else "gradient") in str(info.value)
    params, state, step = snap.last
    assert step == 7
    assert_params_equal(params, params_copy(model))
    assert_state_equal(state, opt.state_dict())


def test_nonfinite_stop_ends_training_with_state_intact():
    X, y = blobs_problem(40)
    model = mlp([4, 6, 3], seed=0)
    opt = adam(model.parameters(), lr=0.01)
    snap = Snapshots()
    hist = po.fit(model, sce(), opt, X, y, epochs=3, batch_size=8, objective=nan_objective({7}),
                  callbacks=[snap], on_nonfinite="stop", progress=False)
    assert hist.meta["nonfinite"]["epoch"] == 1 and hist.meta["nonfinite"]["batch"] == 2
    assert len(hist) == 2 and hist.meta["steps"] == 7
    params, state, _ = snap.last
    assert_params_equal(params, params_copy(model))
    assert_state_equal(state, opt.state_dict())


def test_nonfinite_skip_batch_skips_only_that_step():
    X, y = blobs_problem(40)
    model = mlp([4, 6, 3], seed=0)
    opt = adam(model.parameters(), lr=0.01)
    before = {}

    def on_before(b, logs):
        if b == 4:  # the last batch of epoch 0 is bad (call index 4)
            before["p"], before["s"] = params_copy(model), opt.state_dict()

    hist = po.fit(model, sce(), opt, X, y, epochs=1, batch_size=8, objective=nan_objective({4}, "grad"),
                  callbacks=[LambdaCallback(on_before_step=on_before)], on_nonfinite="skip_batch", progress=False)
    assert hist.skipped_batches == 1 and hist.history["skipped_batches"] == [1.0]
    assert hist.meta["steps"] == 4
    assert_params_equal(before["p"], params_copy(model))
    assert_state_equal(before["s"], opt.state_dict())
    assert math.isfinite(hist.history["loss"][0])


class RunningMean(Module):
    """A module with a buffer updated in the forward pass (like batch-norm's running statistics)."""

    def __init__(self, d):
        super().__init__()
        self.register_buffer("running_mean", np.zeros(d, np.float32))
        self.register_buffer("count", 0)

    def forward(self, x):
        if self.training:
            self.running_mean[...] = 0.9 * self.running_mean + 0.1 * x.mean(0)
            self.register_buffer("count", self.count + 1)
        return x

    def backward(self, g):
        return g


def test_nonfinite_restores_buffers_touched_by_the_bad_batch():
    X, y = blobs_problem(16)
    X[8:] = np.nan  # the second batch (in order) is poisoned
    from training_helpers import dense, sequential
    model = sequential(RunningMean(4), dense(4, 3, seed=0))
    rm = model[0]
    po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=1, batch_size=8, shuffle=False,
           on_nonfinite="skip_batch", progress=False)
    assert np.all(np.isfinite(rm.running_mean)) and rm.count == 1


def test_invalid_on_nonfinite():
    X, y = blobs_problem(8)
    model = mlp([4, 3])
    with pytest.raises(ValueError, match="Invalid on_nonfinite"):
        po.fit(model, sce(), sgd(model.parameters()), X, y, on_nonfinite="ignore", progress=False)


# ------------------------------------------------------------------------------------------------------
# input errors (issue 3 item 7): what was expected and what came
# ------------------------------------------------------------------------------------------------------
def _bad_inputs():
    X, y = blobs_problem(20)
    return [
        ("ints", X.astype(np.int64), y, TypeError, "float array.*int64"),
        ("objects", X.astype(object), y, TypeError, "float array.*object"),
        ("lengths", X, y[:-1], ValueError, "X has 20 samples, y has 19"),
        ("label range", X, np.where(y == 2, 3, y), ValueError, r"label 3 outside \[0, 3\)"),
        ("negative label", X, np.where(y == 2, -1, y), ValueError, r"label -1 outside \[0, 3\)"),
        ("width", X[:, :3], y, ValueError, "3 features per sample but the model expects 4"),
        ("float labels", X, y.astype(np.float32), TypeError, "integer class labels"),
        ("empty", X[:0], y[:0], ValueError, "empty"),
    ]


@pytest.mark.parametrize("case", _bad_inputs(), ids=lambda c: c[0])
def test_fit_rejects_bad_inputs_up_front(case):
    _, X, y, exc, msg = case
    model = mlp([4, 3], seed=0)
    before = params_copy(model)
    with pytest.raises(exc, match=msg):
        po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=1, progress=False)
    assert_params_equal(before, params_copy(model))


def test_fit_rejects_bad_validation_and_regression_targets():
    X, y = blobs_problem(20)
    model = mlp([4, 3], seed=0)
    with pytest.raises(ValueError, match="X_val has 10 samples, y_val has 9"):
        po.fit(model, sce(), sgd(model.parameters()), X, y, validation_data=(X[:10], y[:9]), progress=False)
    with pytest.raises(ValueError, match="validation_data"):
        po.fit(model, sce(), sgd(model.parameters()), X, y, validation_data=X, progress=False)
    reg = mlp([4, 1], seed=0)
    with pytest.raises(TypeError, match="float array for .*regression"):
        po.fit(reg, mse(), sgd(reg.parameters()), X, y.reshape(-1, 1), progress=False)
    with pytest.raises(ValueError, match="Invalid epochs"):
        po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=-1, progress=False)


def test_float64_inputs_are_cast_to_the_model_dtype():
    X, y = blobs_problem(20)
    model = mlp([4, 3], seed=0)
    hist = po.fit(model, sce(), sgd(model.parameters()), X.astype(np.float64), y, epochs=1, progress=False)
    assert model.parameters()[0].data.dtype == np.float32 and len(hist) == 1


# ------------------------------------------------------------------------------------------------------
# evaluate / predict, modes, progress, History
# ------------------------------------------------------------------------------------------------------
class ModeProbe(Module):
    def __init__(self):
        super().__init__()
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        return x

    def backward(self, g):
        return g


def test_predict_and_evaluate_use_eval_mode_and_restore_modes():
    from training_helpers import dense, sequential
    probe = ModeProbe()
    model = sequential(dense(4, 3, seed=0), probe)
    probe.training = False  # mixed modes must come back exactly
    X, y = blobs_problem(30)
    out = po.predict(model, X, batch_size=7)
    assert out.shape == (30, 3) and probe.modes == [False] * 5
    np.testing.assert_allclose(out, model.forward(X), rtol=1e-6)
    assert model.training is True and probe.training is False
    ev = po.evaluate(model, sce(), X, y, batch_size=None)
    assert set(ev) == {"loss", "accuracy"} and 0 <= ev["accuracy"] <= 1
    assert model.training is True and probe.training is False


def test_progress_false_prints_nothing_and_true_shows_a_bar(capsys):
    X, y = blobs_problem(16)
    model = mlp([4, 3], seed=0)
    po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=2, batch_size=4, progress=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=2, batch_size=4, progress=True)
    out = capsys.readouterr()
    assert "epoch 2/2" in out.err


def test_history_plot_returns_a_figure_with_curves_and_best_epoch():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    X, y = blobs_problem(16)
    model = mlp([4, 3], seed=0)
    hist = po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=3, validation_data=(X, y), progress=False)
    hist.meta["best_epoch"] = 1
    fig = hist.plot()
    try:
        assert len(fig.axes) == 2  # loss, accuracy
        labels = [line.get_label() for line in fig.axes[0].lines]
        assert "train loss" in labels and "validation loss" in labels and "best epoch (1)" in labels
        np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), hist.history["loss"])
    finally:
        plt.close(fig)


def test_history_pads_missing_metrics_and_round_trips():
    h = po.History()
    h.append(0, {"loss": 1.0})
    h.append(1, {"loss": 0.5, "val_loss": 0.7, "note": "text"})
    assert h.history["val_loss"][0] != h.history["val_loss"][0]  # NaN padding
    assert h.history["loss"] == [1.0, 0.5] and "note" not in h.history
    h2 = po.History()
    h2.load_state_dict(h.state_dict())
    assert h2.epoch == [0, 1] and h2.history["loss"] == [1.0, 0.5]
    assert "History(epochs=2" in repr(h)


def test_early_stopping_best_epoch_reaches_history_meta():
    X, y = blobs_problem(30)
    Xv, yv = blobs_problem(30, seed=3)
    model = mlp([4, 32, 3], seed=0)
    es = po.callbacks.EarlyStopping(monitor="val_loss", patience=2)
    hist = po.fit(model, sce(), adam(model.parameters(), lr=0.2), X, y, epochs=60, batch_size=5,
                  validation_data=(Xv, yv), callbacks=[es], progress=False)
    assert hist.best_epoch == es.best_epoch and hist.meta["stopped_epoch"] == es.stopped_epoch
    assert len(hist) < 60 and hist.history["val_loss"][es.best_epoch] == min(hist.history["val_loss"])


def test_real_averaged_optimizer_validates_with_averaged_weights():
    X, y = blobs_problem(40)
    model = mlp([4, 8, 3], seed=0)
    avg = po.optim.Averaged(po.optim.SGD(model.parameters(), lr=0.1), mode="polyak")
    hist = po.fit(model, sce(), avg, X, y, epochs=3, batch_size=8, validation_data=(X, y), progress=False)
    live = params_copy(model)
    avg.swap()
    expected = po.evaluate(model, sce(), X, y)["loss"]
    avg.swap()
    assert hist.history["val_loss"][-1] == pytest.approx(expected, rel=1e-6)
    assert_params_equal(live, params_copy(model))


def test_unsupervised_objective_with_y_none():
    X, _ = blobs_problem(24)
    model = mlp([4, 2, 4], seed=0)  # an autoencoder: reconstruct X
    rec = mse()

    def objective(model, loss, Xb, yb):
        assert yb is None
        out = model.forward(Xb)
        v = rec.forward(out, Xb)
        model.backward(rec.backward())
        return v

    hist = po.fit(model, None, adam(model.parameters(), lr=0.05), X, None, epochs=30, batch_size=8,
                  objective=objective, progress=False)
    assert hist.history["loss"][-1] < 0.7 * hist.history["loss"][0]


def test_progress_without_tqdm_prints_one_line_per_epoch(capsys, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    X, y = blobs_problem(16)
    model = mlp([4, 3], seed=0)
    po.fit(model, sce(), sgd(model.parameters()), X, y, epochs=2, batch_size=4, progress=True)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[1].startswith("epoch 2/2 - loss: ")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_all_finite_detects_every_kind_of_non_finite(bad):
    from pyoptim.training import _all_finite
    scratch = np.empty(50, bool)
    arrays = [np.ones((5, 4), np.float32), np.ones(7), np.ones((10, 6))[:, ::2]]  # the last: strided
    assert _all_finite(arrays, scratch) and _all_finite(arrays)
    for k in range(3):
        arrs = [a.copy() if i != k else a for i, a in enumerate(arrays)]
        arrs[k].flat[3] = bad
        assert not _all_finite(arrs, scratch) and not _all_finite(arrs)
        arrs[k].flat[3] = 1.0


def test_early_stopping_epoch_is_one_number_in_history_plots_and_callback():
    """One convention (epochs from 0): EarlyStopping.best_epoch, History.best_epoch, History.plot()'s line,
    plot.loss_curves(mark_epoch=es)'s line and the epoch of the lowest val_loss are the same number."""
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    X, y = blobs_problem(64)
    model = mlp([4, 32], seed=0)
    es = po.callbacks.EarlyStopping(monitor="val_loss", patience=3)
    Xv, yv = X[:16] + 0.8, y[:16]
    hist = po.fit(model, sce(), sgd(model.parameters(), lr=0.5), X, y, epochs=40, validation_data=(Xv, yv),
                  callbacks=[es], progress=False)
    best_by_data = int(np.asarray(hist.epoch)[int(np.argmin(hist.history["val_loss"]))])
    fig1, fig2 = hist.plot(), po.plot.loss_curves(hist, mark_epoch=es)
    try:
        line1 = [ln for ln in fig1.axes[0].lines if ln.get_label().startswith("best epoch")][0]
        line2 = [ln for ln in fig2.axes[0].lines if ln.get_label().startswith("best epoch")][0]
        assert es.best_epoch == hist.best_epoch == best_by_data == line1.get_xdata()[0] == line2.get_xdata()[0]
        assert fig1.axes[0].lines[0].get_xdata()[0] == fig2.axes[0].lines[0].get_xdata()[0] == 0
    finally:
        plt.close(fig1)
