"""One optimizer step on 10^7 float32 parameters: pyoptim's fused kernels against the best in-place
NumPy expression and torch.optim's fastest CPU path, side by side in one run.

    python benchmarks/bench_optim.py [--n 10000000] [--repeat 15]

The implementations take turns step by step (interleaved), so load from other processes slows them
alike. Prints, for Adam and SGD with momentum, the median time of each implementation, its ratio to
pyoptim (all threads), and the effective bandwidth: the bytes each update must move (SGD-momentum
20 B/param, Adam 28 B/param in float32: see docs/performance.md) divided by the time. A STREAM-style in-place
triad (x <- x + s*(y - x), 12 B/element, one fused C pass) measured in the same run gives the
machine's reachable bandwidth for comparison.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import pyoptim as po
from pyoptim import kernels as K


def interleaved_medians(impls, repeat: int, warmup: int = 2, scrub=None) -> list[tuple[str, float]]:
    """Median time of each (label, setup, step): the implementations take turns, one step each per
    round, so a noisy machine slows them alike and the ratios stay meaningful. ``scrub`` (an array
    larger than the last-level cache) is rewritten before every timed step, so no implementation
    starts with its arrays left in cache by the one before (this machine reports a 260 MB L3)."""
    times = {label: [] for label, _, _ in impls}
    for r in range(warmup + repeat):
        for label, setup, step in impls:
            setup()
            if scrub is not None:
                scrub += 1.0
            t0 = time.perf_counter()
            step()
            dt = time.perf_counter() - t0
            if r >= warmup:
                times[label].append(dt)
    return [(label, float(np.median(times[label]))) for label, _, _ in impls]


class NumpyAdam:
    """Adam with in-place NumPy ufuncs and one preallocated scratch array (about 11 passes)."""

    def __init__(self, p, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        self.p, self.lr, self.b1, self.b2, self.eps = p, lr, b1, b2, eps
        self.m, self.v, self.s = np.zeros_like(p), np.zeros_like(p), np.empty_like(p)
        self.t = 0

    def step(self, g):
        self.t += 1
        b1, b2, m, v, s, dt = self.b1, self.b2, self.m, self.v, self.s, self.p.dtype.type
        m *= dt(b1)
        np.multiply(g, dt(1 - b1), out=s)
        m += s
        v *= dt(b2)
        np.multiply(g, g, out=s)
        s *= dt(1 - b2)
        v += s
        np.sqrt(v, out=s)
        s *= dt(1 / (1 - b2 ** self.t) ** 0.5)
        s += dt(self.eps)
        np.divide(m, s, out=s)
        s *= dt(self.lr / (1 - b1 ** self.t))
        self.p -= s


class NumpyMomentum:
    """SGD with momentum (torch's form) with in-place NumPy ufuncs (4 passes)."""

    def __init__(self, p, lr=1e-3, mu=0.9):
        self.p, self.lr, self.mu = p, lr, mu
        self.b, self.s = np.zeros_like(p), np.empty_like(p)

    def step(self, g):
        dt = self.p.dtype.type
        self.b *= dt(self.mu)
        self.b += g
        np.multiply(self.b, dt(self.lr), out=self.s)
        self.p -= self.s


def torch_fastest(kind, n, threads):
    """(label, step function) for torch.optim's fastest CPU path, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    p = torch.zeros(n, dtype=torch.float32, requires_grad=True)
    p.grad = torch.randn(n, dtype=torch.float32) * 1e-3
    for flag in ("fused", "foreach"):
        try:
            if kind == "adam":
                opt = torch.optim.Adam([p], lr=1e-3, **{flag: True})
            else:
                opt = torch.optim.SGD([p], lr=1e-3, momentum=0.9, **{flag: True})
            opt.step()
            return f"torch {flag} ({threads} thr)", opt.step
        except (RuntimeError, TypeError, ValueError):
            continue
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10**7)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--scrub-mb", type=int, default=400,
                    help="MB rewritten before each timed step to evict the caches (0: off)")
    args = ap.parse_args()
    n, rep = args.n, args.repeat
    nthreads = po.get_num_threads()
    rng = np.random.default_rng(0)
    g = (rng.standard_normal(n) * 1e-3).astype(np.float32)
    scrub = np.zeros(args.scrub_mb * 2**18, np.float32) if args.scrub_mb > 0 else None

    print(f"n = {n:,} float32 parameters; {os.cpu_count()} CPUs; pyoptim threads: 1 and {nthreads}; "
          f"medians of {rep}; caches scrubbed with {args.scrub_mb} MB before each step")

    # STREAM-style in-place triad in the same run
    x, y = np.ones(n, np.float32), np.full(n, 2.0, np.float32)
    rows = interleaved_medians([(t, (lambda t=t: po.set_num_threads(t)), lambda: K.average_update(x, y, weight=0.5))
                                for t in sorted({1, nthreads})], rep, scrub=scrub)
    triad = {t: 12 * n / sec / 1e9 for t, sec in rows}
    po.set_num_threads(nthreads)
    print("STREAM-style triad x <- x + s*(y - x) (one C pass, 12 B/elem): "
          + ", ".join(f"{t} thr {bw:.1f} GB/s" for t, bw in triad.items()))

    for kind, nbytes in (("adam", 28), ("sgd-momentum", 20)):
        p = np.zeros(n, np.float32)
        if kind == "adam":
            m, v = np.zeros_like(p), np.zeros_like(p)
            state = {"t": 0}

            def po_step():
                state["t"] += 1
                K.adam_step(p, g, m, v, lr=1e-3, step=float(state["t"]))
            np_impl = NumpyAdam(np.zeros(n, np.float32))
        else:
            buf = np.zeros_like(p)

            def po_step():
                K.sgd_step(p, g, buf, lr=1e-3, momentum=0.9)
            np_impl = NumpyMomentum(np.zeros(n, np.float32))
        impls = []
        for t in sorted({1, nthreads}):
            impls.append((f"pyoptim fused C ({t} thr)", (lambda t=t: po.set_num_threads(t)), po_step))
        impls.append(("NumPy in-place ufuncs", (lambda: po.set_num_threads(nthreads)), lambda: np_impl.step(g)))
        for t in sorted({1, nthreads}):
            tf = torch_fastest("adam" if kind == "adam" else "sgd", n, t)
            if tf is not None:
                import torch
                impls.append((tf[0], (lambda t=t: torch.set_num_threads(t)), tf[1]))
        rows = interleaved_medians(impls, rep, scrub=scrub)
        po.set_num_threads(nthreads)
        ref = dict(rows)[f"pyoptim fused C ({nthreads} thr)"]
        print(f"\n{kind} step, {nbytes} B/param minimum traffic")
        print(f"{'implementation':<28}{'median ms':>10}{'x pyoptim':>11}{'GB/s':>8}")
        for label, t in rows:
            print(f"{label:<28}{t * 1e3:>10.2f}{t / ref:>11.2f}{nbytes * n / t / 1e9:>8.1f}")
        np_t = dict(rows)["NumPy in-place ufuncs"]
        print(f"pyoptim ({nthreads} thr) is {np_t / ref:.1f}x faster than NumPy")
        tor = [t for label, t in rows if label.startswith("torch") and f"({nthreads} thr)" in label]
        if tor:
            print(f"pyoptim ({nthreads} thr) vs torch's fastest CPU path ({nthreads} thr): {tor[0] / ref:.2f}x")


if __name__ == "__main__":
    main()
