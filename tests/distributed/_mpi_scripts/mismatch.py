"""Ranks started with different inputs (argv: what differs on the last rank, one RESULT entry each).
Every rank catches the error; rank 0 prints each rank's message, so the test sees that all ranks raised
the same one and that the job went on (no deadlock)."""
import sys

import numpy as np

import pyoptim as po
from pyoptim.distributed import Communicator, DistributedMismatchError
from _common import data, model, report

comm = Communicator(timeout=30)


def one(what):
    last = comm.rank == comm.size - 1
    X, y = data(60, d=4 if (what == "shape" and last) else 5)
    m = model(d=5)
    if what == "init" and last:
        m = po.nn.Sequential(po.nn.Dense(5, 7, seed=99, dtype=np.float64), po.nn.Tanh(),
                           po.nn.Dense(7, 3, seed=2, dtype=np.float64))   # another seed
    lr = 0.2 if (what == "lr" and last) else 0.1
    try:
        po.fit(m, po.nn.SoftmaxCrossEntropy(), po.optim.SGD(m.parameters(), lr=lr), X, y, epochs=1, batch_size=4,
               progress=False, distributed={"comm": comm})
        msg = "no error"
    except DistributedMismatchError as exc:
        msg = f"{type(exc).__name__}: {exc}"
    return comm.allgather_json(msg, "messages")


report(comm, **{what: one(what) for what in sys.argv[1:]})
