"""Checkpoint under one number of ranks, resume under another (argv: phase, path, ...).

phase "save": fit 1 epoch with checkpoints every 2 batches; a callback keeps a copy of the mid-epoch
checkpoint (the state before batch 4) at path + ".mid". phase "resume": resume from path + ".mid" and
train to 2 epochs; compare with one uninterrupted process with the global batch, and resume the same
file in one process without MPI."""
import shutil
import sys

import numpy as np

import pyoptim as po
from pyoptim.distributed import Communicator
from _common import data, model, flat, report

phase, path, B = sys.argv[1], sys.argv[2], 12
comm = Communicator(timeout=60)
X, y = data(60)


class KeepMid(po.callbacks.Callback):
    def on_epoch_end(self, epoch, logs):
        if comm.rank == 0:
            shutil.copy(path, path + ".mid")


m = model()
opt = po.optim.Adam(m.parameters(), lr=0.01)
if phase == "save":
    po.fit(m, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=1, batch_size=B // comm.size, seed=5,
           progress=False, checkpoint=path, checkpoint_every="2 batches", callbacks=[KeepMid()],
           distributed={"comm": comm})
    report(comm, theta=flat(m))
else:
    hist = po.fit(m, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=2, batch_size=B // comm.size, seed=5,
                  progress=False, resume=path + ".mid", distributed={"comm": comm})
    m1 = model()
    h1 = po.fit(m1, po.nn.SoftmaxCrossEntropy(), po.optim.Adam(m1.parameters(), lr=0.01), X, y, epochs=2,
                batch_size=B, seed=5, progress=False)
    m2 = model()   # the same checkpoint resumed by plain fit in one process, batch_size = B
    po.fit(m2, po.nn.SoftmaxCrossEntropy(), po.optim.Adam(m2.parameters(), lr=0.01), X, y, epochs=2,
           batch_size=B, seed=5, progress=False, resume=path + ".mid")
    report(comm, theta=flat(m), diff=float(np.max(np.abs(flat(m) - flat(m1)))),
           diff_single_resumed=float(np.max(np.abs(flat(m2) - flat(m1)))),
           steps=hist.meta["steps"], steps_single=h1.meta["steps"],
           loss=hist.history["loss"], loss_single=h1.history["loss"])
