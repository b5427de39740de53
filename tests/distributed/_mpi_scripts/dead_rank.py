"""A rank that dies (argv[1] == "exit": the process ends abruptly) or stalls ("stall": it stops
calling the collectives) in the middle of a distributed fit: the job must end with an error."""
import os
import sys
import time

import pyoptim as po
from pyoptim.distributed import Communicator
from _common import data, model

how = sys.argv[1]
comm = Communicator(timeout=float(sys.argv[2]))


class Fail(po.callbacks.Callback):
    def on_batch_end(self, batch, logs):
        if comm.rank == comm.size - 1 and logs["step"] == 2:
            if how == "exit":
                os._exit(3)
            time.sleep(600)


X, y = data(200)
m = model()
po.fit(m, po.nn.SoftmaxCrossEntropy(), po.optim.SGD(m.parameters(), lr=0.1), X, y, epochs=50, batch_size=2,
       progress=False, callbacks=[Fail()], distributed={"comm": comm})
print("RESULT finished", flush=True)
