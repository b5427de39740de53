"""A training job for the kill-and-resume test (tests/reliability/test_rel_checkpoint.py, driven by
tests/_support/kill_resume.py): builds a fixed model, optimizer and data set, runs
``pyoptim.fit(..., checkpoint=CK, checkpoint_every=EVERY, resume=CK)`` and writes the final parameters
to OUT (atomically). The test SIGKILLs it at random moments and starts it again until it finishes.

Usage: python _fit_kill_worker.py CK OUT [--epochs E] [--every SPEC] [--opt adam|sgd] [--bn] [--dropout]
                                  [--hold] [--die-in-save-after N]
Prints "ready" (flushed) once imports and setup are done, then "step N" after each optimizer step (N
counts from the start of the whole job, resumes included), so the test kills at a chosen step, not
at a wall-clock time: the kill lands while the job goes on (often inside a checkpoint write), and
the test's outcome does not depend on how fast the machine is. ``--die-in-save-after N`` makes the
job SIGKILL itself inside the first checkpoint save after step N, once the archive is written and
fsync-ed and before it is renamed over the checkpoint (``os.replace``): the one instant a kill from
outside hits only by chance.
"""
import argparse
import os
import signal
import sys

import numpy as np


N_SAMPLES, BATCH = 600, 16
STEPS_PER_EPOCH = -(-N_SAMPLES // BATCH)


def build(opt_name: str, bn: bool, dropout: bool):
    import pyoptim as po
    nn = po.nn
    layers = [nn.Dense(10, 32, seed=1, dtype=np.float64)]
    if bn:
        layers.append(nn.BatchNorm(32))
    layers.append(nn.ReLU())
    if dropout and hasattr(nn, "Dropout"):
        layers.append(nn.Dropout(0.2, seed=3))
    layers.append(nn.Dense(32, 3, seed=2, dtype=np.float64))
    model = nn.Sequential(*layers)
    if opt_name == "adam":
        opt = po.optim.Adam(model.parameters(), lr=1e-2)
    else:
        opt = po.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_SAMPLES, 10))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64) + (X[:, 3] > 1).astype(np.int64)
    return model, opt, X, y


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("ck")
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--every", default="3 batches")
    ap.add_argument("--opt", default="adam")
    ap.add_argument("--bn", action="store_true")
    ap.add_argument("--dropout", action="store_true")
    ap.add_argument("--hold", action="store_true",
                    help="after training, wait for a line on stdin before writing OUT (the test kills it "
                         "first, so a job can never finish before its kill)")
    ap.add_argument("--die-in-save-after", type=int, default=-1,
                    help="SIGKILL itself in the first checkpoint save after this step, between the "
                         "written temporary file and its rename")
    a = ap.parse_args(argv)
    import pyoptim as po
    model, opt, X, y = build(a.opt, a.bn, a.dropout)
    every = int(a.every) if a.every.isdigit() else a.every
    print("ready", flush=True)
    ck = a.ck if a.ck != "-" else None

    class Steps(po.callbacks.Callback):
        def on_batch_end(self, batch, logs):
            print(f"step {self.trainer.step}", flush=True)
            if 0 <= a.die_in_save_after <= self.trainer.step:   # >=: a resume may start past it
                def dying_replace(src, dst):   # pyoptim.save renames its finished temporary file last
                    os.kill(os.getpid(), signal.SIGKILL)
                os.replace = dying_replace

    po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=a.epochs, batch_size=BATCH, seed=7,
           progress=False, checkpoint=ck, checkpoint_every=every if ck else None, resume=ck,
           callbacks=[Steps()])
    if a.hold:
        print("held", flush=True)
        sys.stdin.readline()
    params = {f"p{i}": p.data for i, p in enumerate(model.parameters())}
    sd = model.state_dict()
    for k, v in sd.items():
        if isinstance(v, np.ndarray):
            params[f"sd_{k}"] = v
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        np.savez(f, **params)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, a.out)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
