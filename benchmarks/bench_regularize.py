"""Benchmark chapter 7 kernels: dropout forward (mask + apply), the L1 proximal step and max-norm.

    python benchmarks/bench_regularize.py [--n 10000000] [--repeats 15] [--threads 1,2]

Side by side in one run, medians of repeats:
* dropout forward on n float32: pyoptim.kernels.dropout_forward (fused counter-based RNG + apply)
  against NumPy's best (a Generator's float32 uniforms compared to the keep probability, then an
  in-place multiply and scale) and torch.nn.functional.dropout (when torch is installed);
* prox_l1 (soft threshold) against np.sign(w) * np.maximum(np.abs(w) - t, 0) (and an in-place form);
* max_norm on a (1000, 10000) float32 weight against the NumPy column-norm expression;
* a STREAM-style triad (a = b + s*c) for the memory-bandwidth reference. Effective GB/s use the bytes
  docs/performance.md counts (dropout: read x, write y = 8 bytes per element), from the median.
Ratios are of medians; the fastest repeat is shown too (on a busy machine the medians are noisy).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import pyoptim as po
from pyoptim import kernels as K


BEST = {}   # id(fn's timing) -> the fastest repeat, shown beside the median (noisy shared machines)


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    med = float(np.median(ts))
    BEST[med] = float(np.min(ts))
    return med


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--p", type=float, default=0.5)
    args = ap.parse_args(argv)
    n, p, R = args.n, args.p, args.repeats
    keep = 1.0 - p
    try:
        import torch
    except ImportError:
        torch = None

    rng = np.random.default_rng(0)
    x = rng.standard_normal(n, dtype=np.float32)
    out = np.empty_like(x)
    rows = []

    # ---- NumPy references (single-threaded by nature) ----------------------------------------------
    gen = np.random.default_rng(1)
    u = np.empty(n, np.float32)
    mask = np.empty(n, bool)

    def np_dropout():
        gen.random(dtype=np.float32, out=u)        # in place: no allocation
        np.less(u, np.float32(keep), out=mask)
        np.multiply(x, mask, out=out)
        np.multiply(out, np.float32(1.0 / keep), out=out)

    def np_dropout_naive():
        m = gen.random(n, dtype=np.float32) < keep
        return x * m / keep

    t_np = median_time(np_dropout, max(3, R // 3))
    t_np_naive = median_time(np_dropout_naive, max(3, R // 3))
    b = rng.standard_normal(n, dtype=np.float32)
    c = rng.standard_normal(n, dtype=np.float32)
    a = np.empty_like(b)

    def triad():
        np.multiply(c, np.float32(3.0), out=a)
        a.__iadd__(b)
    t_triad = median_time(triad, R)

    w = (rng.standard_normal(n) * 0.1).astype(np.float32)
    th = 0.05
    tmp = np.empty_like(w)

    def np_prox():
        return np.sign(w) * np.maximum(np.abs(w) - th, 0)

    def np_prox_inplace():
        np.abs(w, out=tmp)
        np.subtract(tmp, np.float32(th), out=tmp)
        np.maximum(tmp, 0, out=tmp)
        np.copysign(tmp, w, out=tmp)
        return tmp
    t_np_prox = median_time(np_prox, max(3, R // 3))
    t_np_prox_ip = median_time(np_prox_inplace, max(3, R // 3))

    W = (rng.standard_normal((1000, n // 1000)) * 0.05).astype(np.float32)
    W0 = W.copy()

    def np_maxnorm():
        nrm = np.sqrt(np.einsum("ij,ij->j", W, W))
        f = np.minimum(1.0, 1.0 / np.maximum(nrm, 1e-30)).astype(np.float32)
        np.multiply(W, f, out=W)
    t_np_mn = median_time(np_maxnorm, max(3, R // 3))

    print(f"n = {n:,} float32, p = {p}, NumPy {np.__version__}" + (f", torch {torch.__version__}" if torch else ""))
    print(f"STREAM-style triad (NumPy, 2 passes): {t_triad * 1e3:.2f} ms\n")
    header = (f"{'operation':<42}{'threads':>8}{'median ms':>10}{'min ms':>8}{'GB/s':>8}{'vs NumPy':>10}"
              f"{'vs torch':>10}")
    print(header)
    print("-" * len(header))

    def row(name, threads, t, nbytes, t_ref_np=None, t_ref_torch=None):
        gbs = nbytes / t / 1e9
        r_np = f"{t_ref_np / t:9.1f}x" if t_ref_np else f"{'':>10}"
        r_t = f"{t_ref_torch / t:9.2f}x" if t_ref_torch else f"{'':>10}"
        print(f"{name:<42}{threads:>8}{t * 1e3:>10.2f}{BEST.get(t, t) * 1e3:>8.2f}{gbs:>8.1f}{r_np}{r_t}")

    row("dropout NumPy (in-place, best)", 1, t_np, 8 * n)
    row("dropout NumPy (x * (u < keep) / keep)", 1, t_np_naive, 8 * n)
    for th_s in args.threads.split(","):
        nt = int(th_s)
        po.set_num_threads(nt)
        counter = [0]

        def po_dropout():
            counter[0] += 1
            K.dropout_forward(x, out, p, 1234, counter[0])
        t_po = median_time(po_dropout, R)
        t_torch = None
        if torch is not None:
            torch.set_num_threads(nt)
            tx = torch.from_numpy(x)
            t_torch = median_time(lambda: torch.nn.functional.dropout(tx, p, True), R)
            row("dropout torch.nn.functional.dropout", nt, t_torch, 8 * n)
        row("dropout pyoptim dropout_forward", nt, t_po, 8 * n, t_np, t_torch)

        def po_prox():
            w2 = w  # in place; the threshold is small so repeated calls keep working on real data
            K.prox_l1(w2, threshold=0.0)
        t_prox = median_time(po_prox, R)
        print()
        row("prox_l1 NumPy sign*max(|w|-t,0)", 1, t_np_prox, 8 * n)
        row("prox_l1 NumPy in-place (copysign)", 1, t_np_prox_ip, 8 * n)
        row("prox_l1 pyoptim (in place)", nt, t_prox, 8 * n, t_np_prox_ip)
        W[...] = W0
        t_mn = median_time(lambda: K.max_norm(W, max_value=1.0, axis=0), R)
        row(f"max_norm NumPy {W.shape}", 1, t_np_mn, 8 * n)
        row(f"max_norm pyoptim {W.shape}", nt, t_mn, 8 * n, t_np_mn)
        print()


if __name__ == "__main__":
    main()
