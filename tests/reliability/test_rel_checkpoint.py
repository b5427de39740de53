"""Durable checkpoints (issue 6, part 6).

* ``fit(..., checkpoint=p, checkpoint_every=..., resume=p)`` is killed with SIGKILL at random moments
  (during training, during checkpoint writes) and restarted until it finishes; the final parameters,
  buffers included, are bit-identical to an uninterrupted run. The worker is tests/_support/_fit_kill_worker.py,
  started with subprocess (fork+exec: the C core uses OpenMP, whose thread pool does not survive a
  bare fork).
* ``pyoptim.save`` is atomic: a save interrupted by a kill leaves the previous checkpoint loadable.
* A truncated or corrupt checkpoint raises ValueError naming the file, and never half-loads a model or
  optimizer (their state is byte-identical afterwards); ``fit(resume=corrupt)`` raises before training.

The number of kill points is printed (and written to PYOPTIM_REL_KILLS, default <tmp>/pyoptim_rel_kills.json).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import pyoptim as po

SUPPORT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_support")
WORKER = os.path.join(SUPPORT, "_fit_kill_worker.py")
import _fit_kill_worker as worker  # noqa: E402  (tests/_support, on sys.path by tests/conftest.py)

KILLS: dict = {}


def _env():
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "2")
    return env


def _start(args, stdin=None):
    return subprocess.Popen([sys.executable, WORKER, *args], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())


def _reap(p) -> str:
    """Kill ``p`` if it still runs, wait for it, close its pipes; its stderr (for messages). Called on
    every path (finally), so a failing assert never leaves a child running (its ResourceWarning would
    fail an unrelated test later)."""
    if p.poll() is None:
        p.kill()
    try:
        _, err = p.communicate(timeout=60)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        p.kill()
        p.wait()
        err = ""
    return err or ""


def _run_to_end(args, timeout=600):
    p = _start(args)
    try:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, f"worker failed ({p.returncode}):\n{out}\n{err}"
    finally:
        _reap(p)


def _load(path):
    with np.load(path) as z:
        return {k: z[k].copy() for k in z.files}


def _kill_chain(tmp_path, n_kills, extra, seed):
    """Run the job, SIGKILL it at ``n_kills`` seeded-random optimizer steps (each kill after the worker
    has reported reaching its step, so the signal lands while training or a checkpoint write goes on),
    restart it each time, finish it; compare with an uninterrupted run. The outcome does not depend on
    timing: every chosen step is reached (each lies beyond the previous one and before the end), and a
    killed run waits (``--hold``) before writing its result, so it is always killed, never finished."""
    ref_out = str(tmp_path / "ref.npz")
    _run_to_end(["-", ref_out, *extra])
    ck, out = str(tmp_path / "ck.npz"), str(tmp_path / "out.npz")
    epochs = int(extra[extra.index("--epochs") + 1])
    total = epochs * worker.STEPS_PER_EPOCH
    rng = np.random.default_rng(seed)
    kill_steps = sorted(int(k) for k in rng.choice(np.arange(1, total - 1), size=n_kills, replace=False))
    points = []
    for k in kill_steps:
        p = _start([ck, out, *extra, "--hold"], stdin=subprocess.PIPE)   # cannot finish before its kill
        try:
            last = None
            for line in p.stdout:              # "ready", then "step N" after every step, then "held"
                if line.startswith("step ") and int(line.split()[1]) >= k:
                    last = int(line.split()[1])
                    p.send_signal(signal.SIGKILL)
                    break
            rc = p.wait(timeout=600)
            assert last is not None, f"the worker ended before step {k} (rc {rc}): {_reap(p)}"
            assert rc == -signal.SIGKILL, f"the worker was not killed (rc {rc})"
        finally:
            _reap(p)
        assert not os.path.exists(out), f"killed at step {k}, but the job had finished"
        if os.path.exists(ck):
            po.load(ck)                         # every checkpoint left behind by a kill must load
        points.append({"kill_step": k, "checkpoint": os.path.exists(ck)})
    _run_to_end([ck, out, *extra])
    ref, got = _load(ref_out), _load(out)
    assert ref.keys() == got.keys()
    for k in ref:
        assert ref[k].dtype == got[k].dtype and ref[k].tobytes() == got[k].tobytes(), \
            f"{k} differs after {n_kills} kills and resumes"
    leftovers = [f for f in os.listdir(tmp_path) if f not in ("ref.npz", "ck.npz", "out.npz")]
    assert leftovers == [], f"files left by the killed saves after the final resume: {leftovers}"
    return {"kills": len(points), "total_steps": total, "points": points, "leftover_files": leftovers}


def test_kill_and_resume_is_bit_identical(tmp_path):
    r = _kill_chain(tmp_path, 3, ["--epochs", "3", "--every", "2 batches", "--opt", "adam", "--bn"], seed=1)
    KILLS["default"] = r
    assert r["kills"] == 3


@pytest.mark.slow
def test_kill_and_resume_many_points(tmp_path):
    r = _kill_chain(tmp_path, 16, ["--epochs", "5", "--every", "1 batches", "--opt", "sgd", "--bn", "--dropout"],
                    seed=2)
    KILLS["slow"] = r
    assert r["kills"] == 16


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
        p = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=_env())
        try:
            reached = None
            for line in p.stdout:
                if int(line.split()[1]) >= k:
                    reached = int(line.split()[1])
                    p.kill()
                    break
            p.wait(timeout=600)
            assert reached is not None, f"the saver ended before save {k}: {_reap(p)}"
        finally:
            _reap(p)
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
                tr.write_line(f"reliability: kill-and-resume ({k}): {r['kills']} SIGKILL points at steps "
                              f"{[q['kill_step'] for q in r['points']]} of {r['total_steps']}, bit-identical; "
                              f"left-over files: {r['leftover_files']}")
