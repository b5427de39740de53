"""A distributed objective for :func:`pyoptim.minimize` (book 8.6: full-batch second-order training).

The empirical risk is a sum over examples, J(θ) = Σ_r J_r(θ) with J_r the sum (or weighted mean) over
the shard that rank r holds. Each rank evaluates (J_r, ∇J_r) on its own shard; the values and gradients
are summed in fixed rank order, so every rank receives bit-identical (J, ∇J), and L-BFGS, BFGS or
nonlinear CG, being deterministic functions of those numbers, take bit-identical iterates on every
rank: the data may be larger than one machine's memory, the optimizer state (n numbers) is not.
"""
from __future__ import annotations

import numpy as np

from ._comm import get_communicator

__all__ = ["DistributedObjective", "minimize"]


class DistributedObjective:
    """``fun(x) -> (Σ_r value_r, Σ_r grad_r)`` from each rank's ``local_fun(x) -> (value_r, grad_r)``.

    Parameters
    ----------
    local_fun : callable ``x -> (value, gradient)``
        This rank's part of the objective (its data shard). Make the parts add up to the objective
        you mean: e.g. with a mean over all m examples, each rank returns (1/m)·Σ over its examples.
    comm : mpi4py communicator, :class:`Communicator` or None (``MPI.COMM_WORLD``)
    timeout : float or None
        Seconds each sum may wait for the other ranks before the job is aborted.
    check_x : bool
        Assert (by a checksum collective) that every rank evaluates the same x at every call: a guard
        against a divergent optimizer configuration; costs one tiny collective per call.

    Attributes
    ----------
    nfev : int, the number of evaluations on this rank (the same on every rank).

    Example
    -------
    Under ``mpiexec -n P``, each rank with its own shard (not run here: it needs MPI):

    >>> f = DistributedObjective(lambda w: least_squares(w, X_shard, y_shard))  # doctest: +SKIP
    >>> res = po.minimize(f, np.zeros(d), jac=True, method="lbfgs")   # doctest: +SKIP
    """

    def __init__(self, local_fun, comm=None, timeout=None, check_x: bool = False):
        if not callable(local_fun):
            raise TypeError(f"Invalid local_fun: {local_fun!r} (expected a callable x -> (value, gradient))")
        self.local_fun = local_fun
        self.comm = get_communicator(comm, timeout)
        self.check_x = bool(check_x)
        self.nfev = 0
        self._n = None

    def __call__(self, x):
        x = np.asarray(x)
        if self.check_x:
            self.comm.assert_identical([np.ascontiguousarray(x, dtype=np.float64)], f"x at evaluation {self.nfev}")
        try:
            value, grad = self.local_fun(x)
            g = np.asarray(grad, dtype=np.float64).reshape(-1)
            if g.size != x.size:
                raise ValueError(f"local_fun returned a gradient of {g.size} entries for x of {x.size}")
            buf = np.empty(g.size + 1, dtype=np.float64)
            buf[0] = float(value)
            buf[1:] = g
        except Exception as exc:   # noqa: BLE001: the other ranks would wait for this one forever
            if self.comm.size == 1:
                raise
            import sys
            import traceback
            traceback.print_exc(file=sys.stderr)
            self.comm.abort(f"{type(exc).__name__} in local_fun: {exc}")
        tot = self.comm.sum_fixed_order(buf, "objective all-reduce")
        self.nfev += 1
        return float(tot[0]), tot[1:].reshape(np.shape(x))


def minimize(local_fun, x0, method: str = "lbfgs", comm=None, timeout=None, check_x: bool = False,
             signature: dict | None = None, **kwargs):
    """:func:`pyoptim.minimize` of Σ_r ``local_fun`` over the ranks: the same result on every rank.

    Before the first evaluation the ranks compare x0 (shape, dtype, bytes), ``method``, the options and
    ``signature`` (a dict of anything else that must agree, e.g. ``{"n_features": d}``), and raise
    :class:`DistributedMismatchError` on every rank when they differ. Other keyword arguments go to
    :func:`pyoptim.minimize` (``jac=True`` is implied).

    Returns
    -------
    OptimizeResult, identical on every rank.
    """
    from .. import minimize as _minimize
    from ._fit import describe

    obj = DistributedObjective(local_fun, comm, timeout, check_x)
    x0 = np.asarray(x0)
    sig = {"x0": describe(np.ascontiguousarray(x0)), "method": str(method),
           "options": describe(kwargs.get("options")), "tol": describe(kwargs.get("tol")),
           "signature": describe(signature or {})}
    obj.comm.check_same(sig, "the inputs of minimize")
    kwargs.setdefault("jac", True)
    res = _minimize(obj, x0, method=method, **kwargs)
    obj.comm.assert_identical([np.asarray(res.x, dtype=np.float64)], "the minimizer")
    return res

