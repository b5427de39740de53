"""Shared pieces of the MPI test scripts (run under mpiexec by tests/distributed/test_distributed_mpi.py)."""
import json
import sys
import zlib

import numpy as np

import pyoptim as po


def data(n=61, d=5, k=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = (X @ rng.standard_normal((d, k))).argmax(axis=1).astype(np.int64)
    return X, y


def model(d=5, k=3, hidden=7, batchnorm=False, dtype=np.float64):
    layers = [po.nn.Dense(d, hidden, bias=not batchnorm, seed=1, dtype=dtype)]   # no bias before BN (its gradient is 0)
    if batchnorm:
        layers.append(po.nn.BatchNorm(hidden, dtype=dtype))
    layers += [po.nn.Tanh(), po.nn.Dense(hidden, k, seed=2, dtype=dtype)]
    return po.nn.Sequential(*layers)


def flat(m):
    return np.concatenate([p.data.ravel() for p in m.parameters()]
                          + [np.ravel(getattr(mod, name)).astype(np.float64) for mod in m.modules()
                             for name in getattr(mod, "_buffers", {}) if name != "num_batches_tracked"])


def crc(a):
    return zlib.crc32(np.ascontiguousarray(a).tobytes())


def crcs(comm, theta):
    """Every rank's CRC-32 of ``theta`` (a collective), in rank order."""
    return comm.allgather_array(np.array([crc(theta)], dtype=np.int64), "crcs")[:, 0].tolist()


def report(comm, **values):
    """Rank 0 prints one JSON line (``RESULT {...}``) with the values and every rank's CRC of ``theta``."""
    theta = values.pop("theta", None)
    if theta is not None:
        values["crcs"] = comm.allgather_array(np.array([crc(theta)], dtype=np.int64), "report")[:, 0].tolist()
    if comm.rank == 0:
        print("RESULT " + json.dumps(values), flush=True)
    sys.stdout.flush()
