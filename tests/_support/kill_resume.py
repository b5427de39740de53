"""The subprocess driver of the kill-and-resume test (tests/reliability/test_rel_checkpoint.py).

It runs the training job tests/_support/_fit_kill_worker.py uninterrupted, then again with
``checkpoint=CK, resume=CK``, killing it with SIGKILL at chosen optimizer steps and starting it anew
each time, and checks that the job that finally finishes has bit-identically the parameters and buffers
of the uninterrupted run, and that no temporary file is left behind. A kill is either

* ``("step", k)``: sent from outside once the worker reports step k (the signal lands while training
  or a checkpoint write goes on), or
* ``("save", k)``: the worker kills itself inside the first checkpoint save after step k, after the
  archive is written and before the rename (the instant an outside kill hits only by chance).

Nothing depends on timing: every chosen step is reached, and a job that is to be killed waits
(``--hold``) before writing its result, so it is always killed, never finished. Workers are started with
subprocess (fork+exec: the C core uses OpenMP, whose thread pool does not survive a bare fork).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np

import _fit_kill_worker as worker

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_fit_kill_worker.py")


def env() -> dict:
    e = dict(os.environ)
    e.setdefault("OMP_NUM_THREADS", "2")
    return e


def start(args, stdin=None, *, code: str | None = None) -> subprocess.Popen:
    """The worker with `args` (or, with `code`, ``python -c code args``), text pipes."""
    cmd = [sys.executable, "-c", code] if code is not None else [sys.executable, WORKER]
    return subprocess.Popen([*cmd, *map(str, args)], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env())


def reap(p) -> str:
    """Kill ``p`` if it still runs, wait for it, close its pipes; its stderr (for messages). Call it on
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


def run_to_end(args, timeout=600) -> None:
    p = start(args)
    try:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, f"worker failed ({p.returncode}):\n{out}\n{err}"
    finally:
        reap(p)


def load_npz(path) -> dict:
    with np.load(path) as z:
        return {k: z[k].copy() for k in z.files}


def _temporaries(ck: str) -> list[str]:
    d, prefix = os.path.dirname(ck), "." + os.path.basename(ck) + "."
    return [f for f in os.listdir(d) if f.startswith(prefix) and f.endswith(".tmp")]


def _kill_once(ck, out, extra, how, k) -> dict:
    if how == "save":
        p = start([ck, out, *extra, "--hold", "--die-in-save-after", k], stdin=subprocess.PIPE)
    else:
        p = start([ck, out, *extra, "--hold"], stdin=subprocess.PIPE)
    try:
        last, held = None, False
        for line in p.stdout:              # "ready", then "step N" after every step, then "held"
            if line.startswith("held"):
                held = True                # trained to the end without dying (it waits on stdin)
                break
            if line.startswith("step ") and int(line.split()[1]) >= k:
                last = int(line.split()[1])
                if how == "step":
                    p.send_signal(signal.SIGKILL)
                    break
        assert not held, f"the worker trained to the end: no kill ({how}) after step {k}"
        rc = p.wait(timeout=600)
        assert last is not None, f"the worker ended before step {k} (rc {rc}): {reap(p)}"
        assert rc == -signal.SIGKILL, f"the worker was not killed (rc {rc}): {reap(p)}"
    finally:
        reap(p)
    assert not os.path.exists(out), f"killed at step {k}, but the job had finished"
    if how == "save":
        # it died inside a save: the finished temporary file is there, the rename never happened
        assert _temporaries(ck), f"killed in a save after step {k}, but no temporary file is left"
    if os.path.exists(ck):
        import pyoptim as po
        po.load(ck)                         # every checkpoint left behind by a kill must load
    return {"kill": how, "kill_step": k, "last_step": last, "checkpoint": os.path.exists(ck)}


def kill_chain(tmp_path, kills, extra) -> dict:
    """Run the job uninterrupted; then with checkpoints, killed at each of `kills` (a list of ("step", k)
    or ("save", k), k increasing) and restarted each time, finished; compare the two bit for bit."""
    ref_out = str(tmp_path / "ref.npz")
    run_to_end(["-", ref_out, *extra])
    ck, out = str(tmp_path / "ck.npz"), str(tmp_path / "out.npz")
    points = [_kill_once(ck, out, extra, how, k) for how, k in kills]
    run_to_end([ck, out, *extra])
    ref, got = load_npz(ref_out), load_npz(out)
    assert ref.keys() == got.keys()
    for k in ref:
        assert ref[k].dtype == got[k].dtype and ref[k].tobytes() == got[k].tobytes(), \
            f"{k} differs after {len(kills)} kills and resumes"
    leftovers = [f for f in os.listdir(tmp_path) if f not in ("ref.npz", "ck.npz", "out.npz")]
    assert leftovers == [], f"files left by the killed saves after the final resume: {leftovers}"
    return {"kills": len(points), "points": points, "leftover_files": leftovers}


def random_kills(extra, n_step: int, n_save: int, seed: int) -> tuple[list, int]:
    """`n_step` outside kills and `n_save` kills inside a save, at distinct seeded-random steps of the
    job (each before its last step, so each is reached); and the job's total number of steps."""
    epochs = int(extra[extra.index("--epochs") + 1])
    total = epochs * worker.STEPS_PER_EPOCH
    every = extra[extra.index("--every") + 1] if "--every" in extra else "3 batches"
    gap = int(every.split()[0]) if every.split()[0].isdigit() else worker.STEPS_PER_EPOCH
    rng = np.random.default_rng(seed)
    # a kill in a save needs a save after its step: leave room for one before the end
    steps = sorted(int(k) for k in rng.choice(np.arange(1, total - 1 - gap), size=n_step + n_save,
                                              replace=False))
    hows = ["step"] * n_step + ["save"] * n_save
    rng.shuffle(hows)
    return list(zip(hows, steps)), total
