"""pyoptim.save / pyoptim.load and fit's checkpoint/resume (issue 6 items 5 and 6)."""
import io
import os
import zipfile

import numpy as np
import pytest

import pyoptim as po
from pyoptim.callbacks import Callback, LambdaCallback
from training_helpers import adam, assert_params_equal, mlp, params_copy, sce, sgd


def problem(n=96, seed=0):
    return po.datasets.blobs(n=n, centers=3, d=5, std=2.0, seed=seed)


def trained(seed=0, epochs=2):
    X, y = problem()
    model = mlp([5, 8, 3], seed=seed)
    opt = adam(model.parameters(), lr=0.01)
    po.fit(model, sce(), opt, X, y, epochs=epochs, batch_size=16, progress=False)
    return model, opt


def assert_tree_equal(a, b):
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_tree_equal(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_tree_equal(x, y)
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and a != a:
        assert b != b
    else:
        assert type(a) is type(b) and a == b


# ------------------------------------------------------------------------------------------------------
# save / load
# ------------------------------------------------------------------------------------------------------
def test_round_trip_of_nested_state(tmp_path):
    model, opt = trained()
    extra = {
        "epoch": 3, "big": 2 ** 100 + 1, "x": 0.1, "nan": float("nan"), "none": None, "flag": True, "s": "é",
        "tup": (1, 2.5, "a"), "nested": {0: {"a": np.arange(3, dtype=np.int32)}, (1, 2): [np.float32(1.5)]},
        "rng": np.random.default_rng(5).bit_generator.state, "empty": np.zeros((0, 3)),
        "zero_d": np.array(5, dtype=np.int64), "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    }
    path = tmp_path / "ck.npz"
    po.save(path, model=model, optimizer=opt, **extra)
    ck = po.load(path)
    assert set(ck) == {"model_state", "optimizer_state", "extra"}
    assert_tree_equal(dict(model.state_dict()), dict(ck["model_state"]))
    assert_tree_equal(opt.state_dict(), ck["optimizer_state"])
    got = ck["extra"]
    assert_tree_equal(extra, {k: got[k] for k in extra})
    assert isinstance(got["nested"][(1, 2)][0], np.float32)
    rng = np.random.default_rng()
    rng.bit_generator.state = got["rng"]
    assert rng.random() == np.random.default_rng(5).random()


def test_load_into_objects_continues_bit_identically(tmp_path):
    X, y = problem()
    model, opt = trained()
    path = tmp_path / "ck.npz"
    po.save(path, model=model, optimizer=opt)
    model2 = mlp([5, 8, 3], seed=99)
    opt2 = adam(model2.parameters(), lr=0.01)
    po.load(path, model=model2, optimizer=opt2)
    assert_params_equal(params_copy(model), params_copy(model2))
    for m, o in ((model, opt), (model2, opt2)):
        po.fit(m, sce(), o, X, y, epochs=2, batch_size=16, seed=3, progress=False)
    assert_params_equal(params_copy(model), params_copy(model2))


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    model, opt = trained()
    path = tmp_path / "ck.npz"
    po.save(path, model=model, optimizer=opt, epoch=1)
    good = path.read_bytes()

    real_savez = np.savez

    def failing_savez(file, *args, **kwds):
        real_savez(file, *args, **kwds)  # the whole archive is written to the temporary file ...
        file.truncate(100)  # ... then half of it is lost and the process "dies"
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(np, "savez", failing_savez)
    model.parameters()[0].data[...] += 1.0
    with pytest.raises(OSError, match="simulated"):
        po.save(path, model=model, optimizer=opt, epoch=2)
    monkeypatch.undo()
    assert path.read_bytes() == good  # the previous checkpoint is intact
    assert os.listdir(tmp_path) == ["ck.npz"]  # no temporary file left behind
    assert po.load(path)["extra"]["epoch"] == 1


def test_save_rejects_what_needs_pickle(tmp_path):
    with pytest.raises(TypeError, match="object array"):
        po.save(tmp_path / "x.npz", a=np.array([1, "x"], dtype=object))
    with pytest.raises(TypeError, match="cannot store"):
        po.save(tmp_path / "x.npz", f=lambda: 0)
    assert not os.listdir(tmp_path)


def test_truncated_and_corrupt_files_raise_clear_errors(tmp_path):
    model, opt = trained()
    path = tmp_path / "ck.npz"
    po.save(path, model=model, optimizer=opt)
    blob = path.read_bytes()
    cases = {
        "truncated": blob[: len(blob) // 2],
        "tail cut": blob[:-10],
        "garbage": b"not a zip file at all" * 10,
        "empty": b"",
    }
    # a flipped byte inside the first array's data: the zip CRC catches it (the data's offset read from
    # the zip's local header, so the byte stays inside the data whatever the manifest's size)
    first = zipfile.ZipFile(io.BytesIO(blob)).infolist()[0]
    h = first.header_offset
    data_at = h + 30 + int.from_bytes(blob[h + 26:h + 28], "little") + int.from_bytes(blob[h + 28:h + 30], "little")
    flipped = bytearray(blob)
    flipped[data_at + first.compress_size // 2] ^= 0xFF
    cases["flipped byte"] = bytes(flipped)
    for name, data in cases.items():
        bad = tmp_path / f"bad_{name.replace(' ', '_')}.npz"
        bad.write_bytes(data)
        fresh = mlp([5, 8, 3], seed=1)
        before = params_copy(fresh)
        with pytest.raises(ValueError, match=str(bad.name)):
            po.load(bad, model=fresh)
        assert_params_equal(before, params_copy(fresh))  # never half-loaded


def test_not_a_checkpoint_and_missing_file(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, a=np.arange(3))
    with pytest.raises(ValueError, match="other.npz.*manifest|not a pyoptim checkpoint"):
        po.load(other)
    with pytest.raises(FileNotFoundError):
        po.load(tmp_path / "nope.npz")


def test_mismatched_model_or_optimizer_leaves_both_unchanged(tmp_path):
    model, opt = trained()
    path = tmp_path / "ck.npz"
    po.save(path, model=model, optimizer=opt)
    wrong = mlp([5, 9, 3], seed=1)
    before = params_copy(wrong)
    with pytest.raises(ValueError, match="ck.npz"):
        po.load(path, model=wrong)
    assert_params_equal(before, params_copy(wrong))

    class BadOptimizer:
        def __init__(self):
            self.loaded = 0

        def state_dict(self):
            return {"state": {}}

        def load_state_dict(self, d):
            self.loaded += 1
            if self.loaded == 1:
                raise KeyError("param_groups")

    right = mlp([5, 8, 3], seed=1)
    before = params_copy(right)
    with pytest.raises(ValueError, match="nothing was changed"):
        po.load(path, model=right, optimizer=BadOptimizer())
    assert_params_equal(before, params_copy(right))  # the model load was rolled back


# ------------------------------------------------------------------------------------------------------
# fit(checkpoint=..., resume=...)
# ------------------------------------------------------------------------------------------------------
class Counter(Callback):
    """A stateful callback: its state must survive a resume."""

    def __init__(self):
        self.batches = 0

    def on_batch_end(self, batch, logs):
        self.batches += 1

    def state_dict(self):
        return {"batches": self.batches}

    def load_state_dict(self, state):
        self.batches = state["batches"]


def run_fit(model, opt, epochs, **kw):
    X, y = problem()
    Xv, yv = problem(30, seed=1)

    def augment(Xb, rng):  # uses the run's Generator: its state must be restored too
        return Xb + rng.normal(0.0, 0.05, Xb.shape).astype(Xb.dtype)

    return po.fit(model, sce(), opt, X, y, epochs=epochs, batch_size=10, validation_data=(Xv, yv), seed=11,
                  augment=augment, progress=False, **kw)


def fresh(opt="adam"):
    model = mlp([5, 8, 3], seed=0)
    return model, (adam(model.parameters(), lr=0.01) if opt == "adam" else sgd(model.parameters(), 0.05, 0.9))


@pytest.mark.parametrize("opt_kind", ["adam", "momentum"])
def test_resume_after_three_epochs_is_bit_identical(tmp_path, opt_kind):
    m1, o1 = fresh(opt_kind)
    c1 = Counter()
    h1 = run_fit(m1, o1, 6, callbacks=[c1])

    path = tmp_path / "run.npz"
    m2, o2 = fresh(opt_kind)
    run_fit(m2, o2, 3, checkpoint=path, callbacks=[Counter()])
    m3, o3 = mlp([5, 8, 3], seed=42), None  # a new process: different initial weights, new objects
    o3 = adam(m3.parameters(), lr=0.01) if opt_kind == "adam" else sgd(m3.parameters(), 0.05, 0.9)
    c3 = Counter()
    h3 = run_fit(m3, o3, 6, checkpoint=path, resume=path, callbacks=[c3])

    assert_params_equal(params_copy(m1), params_copy(m3))
    assert_tree_equal(o1.state_dict(), o3.state_dict())
    assert h1.history == h3.history and h1.epoch == h3.epoch
    assert c3.batches == 60 and h3.meta["steps"] == 60  # the callback state was restored
    assert po.load(path)["extra"]["trainer"]["epoch"] == 6


def test_resume_mid_epoch_after_a_kill_is_bit_identical(tmp_path):
    m1, o1 = fresh()
    h1 = run_fit(m1, o1, 4)

    class Kill(Exception):
        pass

    def kill(batch, logs):
        if cb.trainer.step == 23:  # checkpoints every 3 steps: the last one at step 21, mid-epoch 2
            raise Kill

    cb = LambdaCallback(on_batch_end=kill)
    path = tmp_path / "run.npz"
    m2, o2 = fresh()
    with pytest.raises(Kill):
        run_fit(m2, o2, 4, checkpoint=path, checkpoint_every="3 batches", callbacks=[cb])
    st = po.load(path)["extra"]["trainer"]
    assert (st["epoch"], st["batch"], st["step"]) == (2, 1, 21)  # 10 batches per epoch
    m3, o3 = fresh()
    h3 = run_fit(m3, o3, 4, checkpoint=path, checkpoint_every="3 batches", resume=path)
    assert_params_equal(params_copy(m1), params_copy(m3))
    assert h1.history == h3.history


def test_resume_from_a_missing_file_starts_fresh(tmp_path):
    m1, o1 = fresh()
    run_fit(m1, o1, 2)
    m2, o2 = fresh()
    path = tmp_path / "new.npz"
    run_fit(m2, o2, 2, checkpoint=path, resume=path)
    assert_params_equal(params_copy(m1), params_copy(m2))
    assert path.exists()


def test_resume_rejects_a_checkpoint_not_written_by_fit(tmp_path):
    m, o = fresh()
    path = tmp_path / "plain.npz"
    po.save(path, model=m, optimizer=o)
    with pytest.raises(ValueError, match="not a checkpoint written by fit"):
        run_fit(m, o, 2, resume=path)


@pytest.mark.parametrize("every", [0, -2, "3 weeks", 1.5, "batches"])
def test_invalid_checkpoint_every(tmp_path, every):
    m, o = fresh()
    with pytest.raises(ValueError, match="Invalid checkpoint_every"):
        run_fit(m, o, 1, checkpoint=tmp_path / "c.npz", checkpoint_every=every)


def test_checkpoint_every_k_epochs(tmp_path):
    m, o = fresh()
    path = tmp_path / "c.npz"
    saved = []
    cb = LambdaCallback(on_epoch_end=lambda e, logs: saved.append(
        po.load(path)["extra"]["trainer"]["epoch"] if path.exists() else None))
    run_fit(m, o, 5, checkpoint=path, checkpoint_every=2, callbacks=[cb])
    # the callback runs before the epoch's checkpoint: it sees the previous one
    assert saved == [None, None, 2, 2, 4]
    assert po.load(path)["extra"]["trainer"]["epoch"] == 5
    assert zipfile.is_zipfile(path)


def full_stack(seed=0):
    """Dense, BatchNorm (running statistics), Dropout (a counter-based stream), Adam, a scheduler, Averaged."""
    model = po.nn.Sequential(po.nn.Dense(5, 16, seed=seed), po.nn.BatchNorm(16), po.nn.ReLU(),
                             po.nn.Dropout(0.3, seed=7), po.nn.Dense(16, 3, seed=seed + 1))
    base = po.optim.Adam(model.parameters(), lr=0.01)
    opt = po.optim.Averaged(base, mode="ema", decay=0.9)
    sched = po.optim.lr_scheduler.StepLR(base, step_size=2, gamma=0.5)
    return model, opt, [po.callbacks.LRSchedulerCallback(sched), Counter()]


def test_resume_full_stack_with_batchnorm_dropout_scheduler_and_averaging(tmp_path):
    X, y = problem()

    def go(model, opt, cbs, epochs, **kw):
        return po.fit(model, sce(), opt, X, y, epochs=epochs, batch_size=16, validation_data=(X[:30], y[:30]),
                      callbacks=cbs, seed=2, progress=False, **kw)

    m1, o1, c1 = full_stack()
    h1 = go(m1, o1, c1, 5)
    path = tmp_path / "full.npz"
    m2, o2, c2 = full_stack()
    go(m2, o2, c2, 2, checkpoint=path)
    m3, o3, c3 = full_stack(seed=5)
    h3 = go(m3, o3, c3, 5, resume=path)
    assert_tree_equal(dict(m1.state_dict()), dict(m3.state_dict()))
    assert_tree_equal(o1.state_dict(), o3.state_dict())
    assert h1.history == h3.history and h1.history["lr"] == [0.01, 0.01, 0.005, 0.005, 0.0025]


def test_resume_checks_the_data_and_batch_size(tmp_path):
    m, o = fresh()
    path = tmp_path / "c.npz"
    run_fit(m, o, 1, checkpoint=path)
    X, y = problem()
    with pytest.raises(ValueError, match="96 samples in batches of 10, this run has 96 in batches of 8"):
        po.fit(m, sce(), o, X, y, epochs=2, batch_size=8, resume=path, progress=False)
