"""Benchmark: pyoptim's fused nn kernels against the best NumPy expressions (and torch, when installed).

    python benchmarks/bench_nn.py [--repeats 15] [--B 4096] [--K 1000]

1. Softmax cross-entropy forward + backward on a B x K float32 batch (the loss value and dL/dz):
   pyoptim.kernels.softmax_cross_entropy (one fused pass per row: max, exp + sum, scale; rows across
   threads) vs NumPy (max, subtract, exp, sum, log, scale, scatter: each a pass over B x K) vs
   torch.nn.functional.cross_entropy + backward.
2. Activation forward and backward (relu, tanh, sigmoid) and the Dense bias gradient on the same shape.
3. Batch normalization forward + backward (training mode).

One run, everything side by side; each time is the median of ``--repeats`` runs, ratios are NumPy (or
torch) time / pyoptim time (> 1: pyoptim is faster). Machines are noisy: compare ratios, not absolutes.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import pyoptim
from pyoptim import kernels as K


def median_time(fn, repeats: int) -> float:
    fn()                                    # warm up (page faults, thread pool)
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def numpy_softmax_xent(z, y, rows):
    """The best plain-NumPy forward + backward we know: in-place passes, no one-hot matrix."""
    B = z.shape[0]
    m = z.max(axis=1, keepdims=True)
    e = np.subtract(z, m)
    np.exp(e, out=e)
    s = e.sum(axis=1, keepdims=True)
    loss = float((np.log(s[:, 0]) + m[:, 0] - z[rows, y]).mean())
    e *= 1.0 / (s * B)
    e[rows, y] -= 1.0 / B
    return loss, e


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--B", type=int, default=4096)
    ap.add_argument("--K", type=int, default=1000)
    args = ap.parse_args()
    B, C, R = args.B, args.K, args.repeats
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((B, C)) * 3).astype(np.float32)
    y = rng.integers(0, C, B)
    rows = np.arange(B)
    g = np.empty_like(z)
    nthreads = pyoptim.get_num_threads()

    try:
        import torch
        torch.set_num_threads(nthreads)
    except ImportError:
        torch = None

    print(f"pyoptim nn kernels, float32 {B} x {C}, median of {R}; threads: pyoptim {nthreads}"
          + (f", torch {torch.get_num_threads()}" if torch else ", torch not installed"))
    rows_out = []

    def row(name, t_po, t_np=None, t_torch=None, t_po1=None):
        rows_out.append((name, t_po, t_po1, t_np, t_torch))

    def po_times(fn):
        """(time with all threads, time with 1 thread): on a busy machine the second thread may wait."""
        t_all = median_time(fn, R)
        pyoptim.set_num_threads(1)
        try:
            return t_all, median_time(fn, R)
        finally:
            pyoptim.set_num_threads(nthreads)

    # -- 1. softmax cross-entropy forward + backward ------------------------------------------------
    l_po = K.softmax_cross_entropy(z, y, g)
    l_np, g_np = numpy_softmax_xent(z, y, rows)
    assert abs(l_po - l_np) < 1e-4 * abs(l_np) and np.abs(g - g_np).max() < 1e-8
    t_po, t_po1 = po_times(lambda: K.softmax_cross_entropy(z, y, g))
    t_np = median_time(lambda: numpy_softmax_xent(z, y, rows), R)
    t_torch = None
    if torch is not None:
        tz = torch.from_numpy(z).requires_grad_()
        ty = torch.from_numpy(y)

        def torch_xent():
            tz.grad = None
            loss = torch.nn.functional.cross_entropy(tz, ty)
            loss.backward()
            return loss

        assert abs(torch_xent().item() - l_po) < 1e-4 * abs(l_po)
        t_torch = median_time(torch_xent, R)
    row("softmax CE fwd+bwd", t_po, t_np, t_torch, t_po1)

    # -- 2. activations and the bias gradient -------------------------------------------------------
    x = rng.standard_normal((B, C)).astype(np.float32)
    out = np.empty_like(x)
    dy = rng.standard_normal((B, C)).astype(np.float32)
    dx = np.empty_like(x)
    np_fwd = {
        "relu": lambda: np.maximum(x, 0, out=out),
        "tanh": lambda: np.tanh(x, out=out),
        "sigmoid": lambda: np.divide(1.0, np.add(1.0, np.exp(np.negative(x, out=out), out=out), out=out), out=out),
    }
    np_bwd = {
        "relu": lambda: np.multiply(dy, out > 0, out=dx),
        "tanh": lambda: np.multiply(dy, 1 - out * out, out=dx),
        "sigmoid": lambda: np.multiply(dy, out * (1 - out), out=dx),
    }
    tt = {}
    if torch is not None:
        tx, tdy = torch.from_numpy(x), torch.from_numpy(dy)
        tout = torch.empty_like(tx)
        tt = {"relu": lambda: torch.clamp_min(tx, 0, out=tout),
              "tanh": lambda: torch.tanh(tx, out=tout), "sigmoid": lambda: torch.sigmoid(tx, out=tout)}
    for kind in ("relu", "tanh", "sigmoid"):
        t_po, t_po1 = po_times(lambda: K.activation_forward(x, out, kind=kind))
        t_n = median_time(np_fwd[kind], R)
        t_t = median_time(tt[kind], R) if tt else None
        row(f"{kind} forward", t_po, t_n, t_t, t_po1)
        K.activation_forward(x, out, kind=kind)
        t_po, t_po1 = po_times(lambda: K.activation_backward(dy, out, dx, kind=kind))
        t_n = median_time(np_bwd[kind], R)
        row(f"{kind} backward", t_po, t_n, None, t_po1)
    db = np.zeros(C, np.float32)
    t_po, t_po1 = po_times(lambda: K.bias_grad(db, dy))
    row("bias grad (col sums)", t_po, median_time(lambda: np.add(db, dy.sum(axis=0), out=db), R), None, t_po1)

    # -- 3. batch normalization forward + backward --------------------------------------------------
    w, b = np.ones(C, np.float32), np.zeros(C, np.float32)
    mean, invstd, rm, rv = (np.zeros(C, np.float32) for _ in range(4))
    gw, gb = np.zeros(C, np.float32), np.zeros(C, np.float32)

    def bn_po():
        K.batchnorm_forward(x, w, b, out, mean, invstd, rm, rv, training=True)
        K.batchnorm_backward(dy, x, w, mean, invstd, dx, gw, gb, training=True)

    def bn_np():
        mu = x.mean(0)
        xc = x - mu
        var = (xc * xc).mean(0)
        inv = 1.0 / np.sqrt(var + 1e-5)
        xh = xc * inv
        o = xh * w + b
        sdy = dy.sum(0)
        sdyx = (dy * xh).sum(0)
        d = (w * inv) * (dy - sdy / B - xh * (sdyx / B))
        return o, d

    t_t = None
    if torch is not None:
        tbn = torch.nn.BatchNorm1d(C)
        txb = torch.from_numpy(x).requires_grad_()

        def bn_torch():
            txb.grad = None
            tbn(txb).backward(tdy)

        t_t = median_time(bn_torch, R)
    t_po, t_po1 = po_times(bn_po)
    row("batchnorm fwd+bwd", t_po, median_time(bn_np, R), t_t, t_po1)

    # -- table --------------------------------------------------------------------------------------
    def ms(t):
        return f"{t * 1e3:9.2f}" if t is not None else "        -"

    def ratio(a, b):
        return f"{a / b:7.2f}x" if a is not None and b is not None else "       -"

    print()
    print(f"{'kernel':24s} {'pyoptim ms':>10s} {'1 thread':>9s} {'NumPy ms':>9s} {'torch ms':>9s} "
          f"{'NumPy/po':>8s} {'NumPy/po1':>9s} {'torch/po':>8s}")
    for name, tp, tp1, tn, tt_ in rows_out:
        print(f"{name:24s} {ms(tp):>10s} {ms(tp1):>9s} {ms(tn):>9s} {ms(tt_):>9s} {ratio(tn, tp):>8s} "
              f"{ratio(tn, tp1):>9s} {ratio(tt_, tp):>8s}")
    print("\nNumPy/po: NumPy time over pyoptim's with all threads; NumPy/po1: over pyoptim's on one thread "
          "(NumPy itself runs on one).")


if __name__ == "__main__":
    main()
