"""Distributed L-BFGS/BFGS/CG on an L2-regularized logistic regression whose rows are split over the
ranks (each rank builds only its shard), against one process on all rows (argv: the methods, one RESULT entry each)."""
import sys

import numpy as np

import pyoptim as po
from pyoptim.distributed import Communicator, minimize as dminimize, shard_bounds
from _common import crcs, report

comm = Communicator(timeout=60)
m, d, lam = 300, 6, 1e-2
rng = np.random.default_rng(7)
X = rng.standard_normal((m, d))
y = np.where(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(m) > 0, 1.0, -1.0)


def part(w, Xs, ys, with_penalty):
    """(1/m) Σ_shard log(1 + exp(-y x·w)) (+ λ/2 ‖w‖² on one part) and its gradient."""
    z = -ys * (Xs @ w)
    value = np.logaddexp(0.0, z).sum() / m
    grad = Xs.T @ (-ys / (1.0 + np.exp(-z))) / m
    if with_penalty:
        value += 0.5 * lam * (w @ w)
        grad = grad + lam * w
    return value, grad


lo, hi = shard_bounds(m, comm.size, comm.rank)
Xs, ys = X[lo:hi].copy(), y[lo:hi].copy()     # this rank's shard: all that a rank would hold


def one(method):
    opts = {"return_path": True, "gtol": 1e-10, "maxiter": 200}
    res = dminimize(lambda w: part(w, Xs, ys, comm.rank == 0), np.zeros(d), method=method, comm=comm,
                         check_x=True, options=opts)

    # one process, all rows at once
    ref = po.minimize(lambda w: part(w, X, y, True), np.zeros(d), jac=True, method=method, options=opts)

    # one process, the shards' parts added in rank order (the distributed sum, written independently)
    def summed(w, d=d):
        v, g = 0.0, np.zeros(d)
        for r in range(comm.size):
                 a, b = shard_bounds(m, comm.size, r)
                 vr, gr = part(w, X[a:b], y[a:b], r == 0)
                 v, g = v + vr, g + gr
        return v, g

    ref2 = po.minimize(summed, np.zeros(d), jac=True, method=method, options=opts)
    n = min(len(res.path), len(ref.path))
    return dict(crcs=crcs(comm, res.path), nit=int(res.nit), nit_single=int(ref.nit), nit_summed=int(ref2.nit),
                     success=bool(res.success), fun=float(res.fun), fun_single=float(ref.fun),
                path_diff_single=float(np.max(np.abs(res.path[:n] - ref.path[:n]))),
                x_diff_single=float(np.max(np.abs(res.x - ref.x))),
                path_bit_identical_summed=bool(res.path.shape == ref2.path.shape and np.array_equal(res.path, ref2.path)),
                gnorm=float(np.max(np.abs(res.jac))))


report(comm, **{meth: one(meth) for meth in sys.argv[1:]})
