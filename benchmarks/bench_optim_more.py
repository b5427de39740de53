"""Adadelta, Adamax, NAdam and RAdam: one optimizer step of pyoptim's classes against torch.optim's
fastest CPU path, side by side in one run. torch has no fused kernel for these four; both its foreach
(multi-tensor) path and its default CPU path (foreach=False, one tensor at a time) are timed, and the
faster of the two is the reference.

    python benchmarks/bench_optim_more.py [--n 10000000] [--repeat 15] [--list-repeat 51]

Two problems:

* one flat array of n = 10^7 float32 parameters (memory-bound: every one of the four updates reads
  p, g and two state arrays and writes p and the two states, 28 B/param in float32), with the
  effective bandwidth 28 n / time and a STREAM-style triad measured in the same run;
* a realistic list of 34 float32 arrays from 64 to 10^6 elements (geometric sizes, ~4.4 M parameters
  in all), where the per-array cost of the optimizer's Python loop and of each kernel call counts.

Both sides step the whole optimizer (``opt.step(grads)`` / ``opt.step()``), the way a training loop
does. Implementations take turns step by step (interleaved medians, caches scrubbed before each
step, as bench_optim.py), so load from other processes slows them alike; compare ratios.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import pyoptim as po
from pyoptim import kernels as K

from bench_optim import interleaved_medians

NAMES = ["Adadelta", "Adamax", "NAdam", "RAdam"]
BYTES = 28   # p, g, two states read; p, two states written; float32


def list_sizes(k: int = 34) -> list[int]:
    return [int(s) for s in np.geomspace(64, 10**6, k)]


def torch_steps(name, arrays, grads, threads):
    """[(label, step)] for torch.optim.<name> on copies of `arrays`: its fused path if it has one, its
    foreach path, and its default CPU path (foreach=False: the per-tensor loop), or [] without torch."""
    try:
        import torch
    except ImportError:
        return []
    torch.set_num_threads(threads)
    out = []
    for flag, value in (("fused", True), ("foreach", True), ("foreach", False)):
        ps = []
        for a, g in zip(arrays, grads):
            p = torch.tensor(a, requires_grad=True)
            p.grad = torch.tensor(g)
            ps.append(p)
        try:
            opt = getattr(torch.optim, name)(ps, **{flag: value})
            opt.step()
        except (RuntimeError, TypeError, ValueError):
            continue
        label = f"torch {flag}" if value else "torch for-loop"
        out.append((f"{label} ({threads} thr)", opt.step))
    return out


def compare(name, arrays, grads, rep, scrub, nthreads):
    """Interleaved medians of pyoptim (1 and all threads) and torch's fastest path (1 and all threads)."""
    import torch
    ps = [a.copy() for a in arrays]
    opt = getattr(po.optim, name)(ps)
    opt.step(grads)   # state allocated before timing, as torch's first step does
    impls = [(f"pyoptim ({t} thr)", (lambda t=t: po.set_num_threads(t)), lambda: opt.step(grads))
             for t in sorted({1, nthreads})]
    for t in sorted({1, nthreads}):
        for label, step in torch_steps(name, arrays, grads, t):
            impls.append((label, (lambda t=t: torch.set_num_threads(t)), step))
    rows = interleaved_medians(impls, rep, scrub=scrub)
    po.set_num_threads(nthreads)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10**7)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--list-repeat", type=int, default=51)
    ap.add_argument("--scrub-mb", type=int, default=400,
                    help="MB rewritten before each timed step to evict the caches (0: off)")
    args = ap.parse_args()
    n, rep = args.n, args.repeat
    nthreads = po.get_num_threads()
    rng = np.random.default_rng(0)
    scrub = np.zeros(args.scrub_mb * 2**18, np.float32) if args.scrub_mb > 0 else None
    print(f"{os.cpu_count()} CPUs; pyoptim and torch threads: 1 and {nthreads}; caches scrubbed with "
          f"{args.scrub_mb} MB before each step")

    x, y = np.ones(n, np.float32), np.full(n, 2.0, np.float32)
    rows = interleaved_medians([(t, (lambda t=t: po.set_num_threads(t)), lambda: K.average_update(x, y, weight=0.5))
                                for t in sorted({1, nthreads})], rep, scrub=scrub)
    po.set_num_threads(nthreads)
    print("STREAM-style triad x <- x + s*(y - x) (one C pass, 12 B/elem): "
          + ", ".join(f"{t} thr {12 * n / sec / 1e9:.1f} GB/s" for t, sec in rows))
    del x, y

    big = [(rng.standard_normal(n) * 0.1).astype(np.float32)]
    gbig = [(rng.standard_normal(n) * 1e-3).astype(np.float32)]
    sizes = list_sizes()
    small = [(rng.standard_normal(s) * 0.1).astype(np.float32) for s in sizes]
    gsmall = [(rng.standard_normal(s) * 1e-3).astype(np.float32) for s in sizes]
    total = sum(sizes)

    print(f"\none step on {n:,} float32 parameters (one array), {BYTES} B/param minimum traffic, medians of {rep}")
    print(f"{'optimizer':<10}{'implementation':<28}{'median ms':>10}{'torch/po':>10}{'GB/s':>8}")
    summary = []
    for name in NAMES:
        rows = compare(name, big, gbig, rep, scrub, nthreads)
        ref = dict(rows)[f"pyoptim ({nthreads} thr)"]
        for label, t in rows:
            print(f"{name:<10}{label:<28}{t * 1e3:>10.2f}{t / ref:>10.2f}{BYTES * n / t / 1e9:>8.1f}")
        tor = [t for label, t in rows if label.startswith("torch") and f"({nthreads} thr)" in label]
        summary.append((name, f"n={n:.0e}", min(tor) / ref if tor else float("nan")))

    print(f"\none step over {len(sizes)} float32 arrays of {sizes[0]} .. {sizes[-1]:,} elements "
          f"({total:,} parameters), medians of {args.list_repeat}")
    print(f"{'optimizer':<10}{'implementation':<28}{'median ms':>10}{'torch/po':>10}{'GB/s':>8}")
    for name in NAMES:
        rows = compare(name, small, gsmall, args.list_repeat, scrub, nthreads)
        ref = dict(rows)[f"pyoptim ({nthreads} thr)"]
        for label, t in rows:
            print(f"{name:<10}{label:<28}{t * 1e3:>10.2f}{t / ref:>10.2f}{BYTES * total / t / 1e9:>8.1f}")
        tor = [t for label, t in rows if label.startswith("torch") and f"({nthreads} thr)" in label]
        summary.append((name, f"{len(sizes)} arrays", min(tor) / ref if tor else float("nan")))

    print(f"\ntorch's fastest CPU path (faster of foreach and for-loop) time / pyoptim time, both on {nthreads} "
          "threads (> 1: pyoptim faster)")
    for name, what, r in summary:
        print(f"  {name:<10}{what:<12}{r:6.2f}x")


if __name__ == "__main__":
    main()
