"""Distributed fit against (a) po.fit with the P-times batch, (b) an independent single-process
reimplementation that accumulates the shards' gradients in rank order (argv: configurations
"optimizer:bn" or "optimizer:no", one RESULT entry each)."""
import sys

import numpy as np

import pyoptim as po
from pyoptim.distributed import Communicator, shard_bounds
from _common import crcs, data, flat, model, report

comm = Communicator(timeout=60)
P, b, seed, n = comm.size, 8, 3, 61
X, y = data(n)


def make_opt(m, opt_name):
    if opt_name == "adam":
        return po.optim.Adam(m.parameters(), lr=0.01)
    return po.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)


def one(opt_name, bn):
    # the distributed run (sync batch norm when the model has one)
    m = model(batchnorm=bn)
    hist = po.fit(m, po.nn.SoftmaxCrossEntropy(), make_opt(m, opt_name), X, y, epochs=1, batch_size=b, seed=seed,
                       progress=False, distributed={"sync_batchnorm": bn, "check_identical": True, "comm": comm})
    theta = flat(m)

    # (a) one process, batch P*b, the same seed
    m1 = model(batchnorm=bn)
    h1 = po.fit(m1, po.nn.SoftmaxCrossEntropy(), make_opt(m1, opt_name), X, y, epochs=1, batch_size=P * b, seed=seed,
                     progress=False)
    theta1 = flat(m1)

    # (b) without BatchNorm: the shards' gradients accumulated in rank order in one process, written afresh
    theta2 = None
    if not bn:
        m2 = model()
        opt2, lossf = make_opt(m2, opt_name), po.nn.SoftmaxCrossEntropy()
        order = np.random.default_rng(seed).permutation(n)
        B = P * b
        for s in range(0, n, B):
                 idx = order[s:s + B]
                 total = [np.zeros_like(p.data) for p in m2.parameters()]
                 for r in range(P):
                     lo, hi = shard_bounds(len(idx), P, r)
                     m2.zero_grad()
                     if hi > lo:
                         out = m2.forward(X[idx[lo:hi]])
                         lossf.forward(out, y[idx[lo:hi]])
                         m2.backward(lossf.backward())
                     for t, p in zip(total, m2.parameters()):
                         t += p.grad * p.grad.dtype.type((hi - lo) / len(idx))
                 for t, p in zip(total, m2.parameters()):
                     p.grad[...] = t
                 opt2.step()
        theta2 = flat(m2)

    # (c) without sync: each rank normalises its own shard, which is not the large-batch model
    theta3 = None
    if bn:
        m3 = model(batchnorm=True)
        po.fit(m3, po.nn.SoftmaxCrossEntropy(), make_opt(m3, opt_name), X, y, epochs=1, batch_size=b, seed=seed,
                    progress=False, distributed={"comm": comm})
        theta3 = flat(m3)

    return dict(crcs=crcs(comm, theta), ranks=P,
                     diff_big_batch=float(np.max(np.abs(theta - theta1))), scale=float(np.max(np.abs(theta1))),
                bit_identical_accumulated=None if theta2 is None else bool(np.array_equal(theta, theta2)),
                diff_accumulated=None if theta2 is None else float(np.max(np.abs(theta - theta2))),
                diff_unsynced=None if theta3 is None else float(np.max(np.abs(theta3 - theta1))),
                loss=hist.history["loss"][0], loss_single=h1.history["loss"][0],
                accuracy=hist.history["accuracy"][0], accuracy_single=h1.history["accuracy"][0],
                steps=hist.meta["steps"], steps_single=h1.meta["steps"])


def extras(opt_name):
    """fit's other arguments under distribution: an L2 penalty, a max-norm constraint, noise augmentation
    (drawn from the shared Generator), validation data and early stopping over 4 epochs; and who prints
    progress and who writes checkpoints (recorded by wrapping the two places that do)."""
    import tempfile

    from pyoptim._training import progress   # the progress bar DistributedTrainer draws (only rank 0 may print)
    from pyoptim.distributed import DistributedTrainer

    Xv, yv = data(30, seed=9)
    progress_enabled, saves = [], []
    real_progress, real_save = progress.Progress, DistributedTrainer._save

    class Recorder(real_progress):
        def __init__(self, enabled, *a):
            progress_enabled.append(bool(enabled))
            super().__init__(False, *a)   # record, print nothing

    def recording_save(self, *a, **k):
        saves.append(a[1:3])
        return real_save(self, *a, **k)

    def run(m, distributed, batch_size, checkpoint=None):
        es = po.callbacks.EarlyStopping(patience=1, min_delta=0.05)
        return po.fit(m, po.nn.SoftmaxCrossEntropy(), make_opt(m, opt_name), X, y, epochs=4, batch_size=batch_size,
                      seed=seed, progress=distributed is not False, validation_data=(Xv, yv), regularizers=[po.regularizers.L2(1e-2)],
                      constraints=[po.constraints.MaxNorm(0.9, axis=0)], callbacks=[es],
                      augment=lambda Xb, rng: Xb + 0.05 * rng.standard_normal(Xb.shape), checkpoint=checkpoint,
                      distributed=distributed)

    progress.Progress, DistributedTrainer._save = Recorder, recording_save
    try:
        with tempfile.TemporaryDirectory() as tmp:   # the same path on every rank (one machine)
            path = comm.allgather_json(tmp + "/ck.npz", "path")[0]
            m = model()
            hist = run(m, {"comm": comm}, b, path)
    finally:
        progress.Progress, DistributedTrainer._save = real_progress, real_save
    m1 = model()
    h1 = run(m1, False, P * b)
    theta, theta1 = flat(m), flat(m1)
    hist_diff = max(abs(a - c) for k in h1.history for a, c in zip(hist.history[k], h1.history[k]))
    return dict(crcs=crcs(comm, theta), diff_big_batch=float(np.max(np.abs(theta - theta1))),
                scale=float(np.max(np.abs(theta1))), epochs=len(hist.epoch), epochs_single=len(h1.epoch),
                keys=sorted(hist.history), keys_single=sorted(h1.history), history_diff=float(hist_diff),
                stopped=hist.meta.get("stopped_epoch"), stopped_single=h1.meta.get("stopped_epoch"),
                progress_enabled=comm.allgather_json(progress_enabled, "progress"),
                saves=comm.allgather_json(len(saves), "saves"))


report(comm, **{cfg: (extras(cfg.split(":")[0]) if cfg.endswith(":extras")
                      else one(cfg.split(":")[0], cfg.split(":")[1] == "bn")) for cfg in sys.argv[1:]})
