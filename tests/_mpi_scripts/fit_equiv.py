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


report(comm, **{cfg: one(cfg.split(":")[0], cfg.split(":")[1] == "bn") for cfg in sys.argv[1:]})
