"""fit(distributed=True) in one process (P = 1, no mpiexec: MPI's singleton start) against plain fit:
the same bits (the gradient is scaled by b/B = 1 and the sum of one row is that row)."""
import json

import numpy as np

import pyoptim as po
from _common import data, flat, model

X, y = data(61)
out = []
for dist in (False, True):
    m = model()
    h = po.fit(m, po.nn.SoftmaxCrossEntropy(), po.optim.Adam(m.parameters(), lr=0.01), X, y, epochs=2,
               batch_size=8, seed=1, progress=False, distributed=dist)
    out.append((flat(m), h.history))
print("RESULT " + json.dumps({"same_parameters": bool(np.array_equal(out[0][0], out[1][0])),
                              "same_history": out[0][1] == out[1][1], "steps": h.meta["steps"],
                              "ranks": h.meta["ranks"]}))
