"""Durable checkpoints (issue 6, part 6).

* ``fit(..., checkpoint=p, checkpoint_every=..., resume=p)`` is killed with SIGKILL at chosen steps
  (from outside, during training or a checkpoint write; and from inside, between a save's written
  temporary file and its rename) and restarted until it finishes; the final parameters, buffers
  included, are bit-identical to an uninterrupted run, and no temporary file is left. The driver is
  tests/_support/kill_resume.py, the job tests/_support/_fit_kill_worker.py.
* ``pyoptim.save`` is atomic: a save interrupted by a kill leaves the previous checkpoint loadable.
* A truncated or corrupt checkpoint raises ValueError naming the file, and never half-loads a model or
  optimizer (their state is byte-identical afterwards); ``fit(resume=corrupt)`` raises before training.

The number of kill points is printed (and written to PYOPTIM_REL_KILLS, default <tmp>/pyoptim_rel_kills.json).
"""
from __future__ import annotations

import json
import os
import signal
import tempfile

import numpy as np
import pytest

import pyoptim as po

import _fit_kill_worker as worker  # tests/_support, on sys.path by tests/conftest.py
import kill_resume as kr

KILLS: dict = {}
needs_sigkill = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


@needs_sigkill
def test_kill_and_resume_is_bit_identical(tmp_path):
    """Three SIGKILLs from outside and one inside a checkpoint save (between the written temporary
    file and its rename), each followed by a restart: the finished job equals an uninterrupted run."""
    extra = ["--epochs", "3", "--every", "2 batches", "--opt", "adam", "--bn"]
    kills, total = kr.random_kills(extra, n_step=3, n_save=1, seed=1)
    r = kr.kill_chain(tmp_path, kills, extra)
    KILLS["default"] = dict(r, total_steps=total)
    assert r["kills"] == 4 and [p["kill"] for p in r["points"]].count("save") == 1


@pytest.mark.slow
@needs_sigkill
def test_kill_and_resume_many_points(tmp_path):
    extra = ["--epochs", "5", "--every", "1 batches", "--opt", "sgd", "--bn", "--dropout"]
    kills, total = kr.random_kills(extra, n_step=16, n_save=4, seed=2)
    r = kr.kill_chain(tmp_path, kills, extra)
    KILLS["slow"] = dict(r, total_steps=total)
    assert r["kills"] == 20


@pytest.mark.slow
@needs_sigkill
@pytest.mark.parametrize("every", ["4 batches", "epoch"])
def test_kill_inside_a_save_with_dropout(tmp_path, every):
    """With Dropout (whose mask stream must resume where it stopped), checkpoints every few batches or
    once per epoch: killed inside a save in the first epoch, from outside early in the second, inside a
    save again in the third."""
    extra = ["--epochs", "4", "--every", every, "--opt", "adam", "--dropout"]
    spe = worker.STEPS_PER_EPOCH
    kills = [("save", spe // 2), ("step", spe + 3), ("save", 2 * spe + 1)]
    r = kr.kill_chain(tmp_path, kills, extra)
    assert r["kills"] == 3


# ---- atomic save, corrupt files ---------------------------------------------------------------------

def _model_opt():
    model, opt, X, y = worker.build("adam", True, False)
    po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X[:64], y[:64], epochs=1, batch_size=16, progress=False)
    return model, opt


def _flat(x, prefix=""):
    """A state as {path: bytes-or-repr}, for exact comparison (arrays by dtype, shape and bytes)."""
    out = {}
    if isinstance(x, dict):
        for k in x:
            out.update(_flat(x[k], f"{prefix}/{k}"))
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            out.update(_flat(v, f"{prefix}[{i}]"))
    elif isinstance(x, np.ndarray):
        out[prefix] = (x.dtype.str, x.shape, x.tobytes())
    else:
        out[prefix] = repr(x)
    return out


def _snapshot(model, opt):
    return _flat({"model": model.state_dict(), "opt": opt.state_dict(),
                  "params": [p.data for p in model.parameters()]})


def _corruptions(data: bytes):
    n = len(data)
    yield "empty", b""
    yield "10 bytes", data[:10]
    yield "half", data[: n // 2]
    yield "all but the last byte", data[:-1]
    yield "all but 100 bytes", data[:-100]
    for frac in (0.1, 0.3, 0.5, 0.7, 0.9):
        b = bytearray(data)
        i = int(frac * n)
        b[i] ^= 0xFF
        yield f"byte {i} flipped", bytes(b)
    yield "not a zip", b"hello world" * 100
    yield "garbage tail", data + b"\x00" * 17


def test_corrupt_checkpoint_raises_and_never_half_loads(tmp_path):
    model, opt = _model_opt()
    path = tmp_path / "ck.npz"
    po.save(path, model=model, optimizer=opt, note="x")
    saved = _snapshot(model, opt)
    good = path.read_bytes()
    model2, opt2 = _model_opt()
    po.fit(model2, po.nn.SoftmaxCrossEntropy(), opt2, *worker.build("adam", True, False)[2:], epochs=1,
           batch_size=64, progress=False)   # a different state than the file's
    mine = tmp_path / "mine.npz"
    po.save(mine, model=model2, optimizer=opt2)
    before = _snapshot(model2, opt2)
    assert before != saved
    outcomes = {}
    for what, data in _corruptions(good):
        bad = tmp_path / "bad.npz"
        bad.write_bytes(data)
        try:
            po.load(bad, model=model2, optimizer=opt2)
        except ValueError as e:
            assert "bad.npz" in str(e), f"{what}: the message does not name the file: {e}"
            now = _snapshot(model2, opt2)
            diff = [k for k in before if now.get(k) != before[k]] + [k for k in now if k not in before]
            assert not diff, f"{what}: the model/optimizer changed on a failed load: {diff[:5]}"
            outcomes[what] = "ValueError"
        else:
            # a flipped byte in a zip field that no checksum covers (a local header's timestamp, say) is
            # harmless: the data passed its CRC. What was loaded must then be exactly what was saved.
            assert what.startswith(("byte", "garbage")), f"{what} was accepted"
            now = _snapshot(model2, opt2)
            assert now == saved, f"{what}: accepted, but the loaded state is not the saved one"
            po.load(mine, model=model2, optimizer=opt2)
            assert _snapshot(model2, opt2) == before
            outcomes[what] = "accepted (intact data)"
    assert list(outcomes.values()).count("ValueError") >= 8, outcomes


def test_resume_from_corrupt_file_raises_before_training(tmp_path):
    model, opt, X, y = worker.build("adam", True, False)
    bad = tmp_path / "ck.npz"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    before = _snapshot(model, opt)
    with pytest.raises(ValueError, match="ck.npz"):
        po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=1, progress=False, resume=str(bad))
    assert _snapshot(model, opt) == before


def test_save_interrupted_keeps_previous_checkpoint(tmp_path, monkeypatch):
    """An exception in the middle of writing (here: the disk 'fills' at os.fsync) leaves the old file."""
    model, opt = _model_opt()
    path = tmp_path / "ck.npz"
    po.save(path, model=model, optimizer=opt)
    old = path.read_bytes()

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        po.save(path, model=model, optimizer=opt, more=np.zeros(1000))
    monkeypatch.undo()
    assert path.read_bytes() == old
    po.load(path)
    assert [f for f in os.listdir(tmp_path) if f != "ck.npz"] == [], "a temporary file was left behind"


def test_save_killed_mid_write_keeps_previous_checkpoint(tmp_path):
    """SIGKILL a process that saves a large checkpoint in a loop, right after it reports its k-th save
    (so the signal lands in the next write): the file always loads, and holds save k or a later one."""
    path = tmp_path / "ck.npz"
    code = ("import numpy as np, pyoptim as po, sys\n"
            "p = sys.argv[1]\n"
            "po.save(p, big=np.zeros(10))\n"
            "print('saved 0', flush=True)\n"
            "i = 0\n"
            "while True:\n"
            "    i += 1\n"
            "    po.save(p, big=np.full(3_000_000, float(i)), i=i)\n"
            "    print(f'saved {i}', flush=True)\n")
    for k in (0, 1, 2, 3):
        p = kr.start([path], code=code)
        try:
            reached = None
            for line in p.stdout:
                if int(line.split()[1]) >= k:
                    reached = int(line.split()[1])
                    p.kill()
                    break
            p.wait(timeout=600)
            assert reached is not None, f"the saver ended before save {k}: {kr.reap(p)}"
        finally:
            kr.reap(p)
        ck = po.load(path)
        big = ck["extra"]["big"]
        if big.size == 10:
            assert k == 0 and np.all(big == 0)
        else:
            assert big.size == 3_000_000 and np.all(big == big.flat[0]) and ck["extra"]["i"] >= k
        po.checkpoint.remove_stale_temporaries(path)


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    if not KILLS:
        return
    path = os.environ.get("PYOPTIM_REL_KILLS", os.path.join(tempfile.gettempdir(), "pyoptim_rel_kills.json"))
    with open(path, "w") as f:
        json.dump(KILLS, f, indent=1)
    tr = request.config.pluginmanager.getplugin("terminalreporter")
    cap = request.config.pluginmanager.getplugin("capturemanager")
    if tr is not None and cap is not None:
        with cap.global_and_fixture_disabled():
            for k, r in KILLS.items():
                tr.write_line(f"reliability: kill-and-resume ({k}): {r['kills']} SIGKILL points (kind, step) "
                              f"{[(q['kill'], q['kill_step']) for q in r['points']]} of {r['total_steps']} "
                              f"steps, bit-identical; "
                              f"left-over files: {r['leftover_files']}")
