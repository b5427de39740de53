"""Cost of one exact Hessian-vector product (R-operator, pyoptim.diagnostics) against one gradient.

MLP 784-256-256-10 (ReLU), SoftmaxCrossEntropy, batches of 128 and 1024, float32 and float64.
Rows (medians of repeats, one run):
  grad (nn)        pyoptim.nn forward + backward (the model's own gradient, C kernels + BLAS)
  grad (diag)      pyoptim.diagnostics.gradient (the R-op code's own NumPy forward/backward)
  hvp exact        pyoptim.diagnostics.hvp: forward, backward, R-forward, R-backward
  hvp cached       HessianOperator.matvec: one more product at the same point (what Lanczos pays)
  hvp fd           pyoptim.diagnostics.hvp_fd: central differences, two gradients
  torch hvp        double backward (torch.autograd.grad of gᵀv), if torch is installed
Target: hvp exact <= 3x a gradient (both grad columns are reported).
Run: python benchmarks/bench_diagnostics.py   (on a shared, busy machine set OPENBLAS_NUM_THREADS=1: BLAS threads
that spin-wait for a core inflate every time several-fold; the rows are timed round-robin so ratios hold).
"""
from __future__ import annotations

import statistics
import sys
import time

import numpy as np

import pyoptim as po
from pyoptim import nn
from pyoptim.diagnostics import HessianOperator, gradient, hvp, hvp_fd


def bench(fns: dict, repeat=15, number=2) -> dict:
    """Median time per call of each function, measured round-robin (one batch of each per repeat), so a
    busy machine's slow drift hits every row alike and the ratios stay meaningful."""
    for f in fns.values():
        f()
    ts = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            t = time.perf_counter()
            for _ in range(number):
                f()
            ts[k].append((time.perf_counter() - t) / number)
    return {k: statistics.median(v) for k, v in ts.items()}


def model_of(dtype):
    return nn.Sequential(nn.Dense(784, 256, seed=0, dtype=dtype), nn.ReLU(), nn.Dense(256, 256, seed=1, dtype=dtype),
                         nn.ReLU(), nn.Dense(256, 10, seed=2, dtype=dtype))


def torch_hvp_fn(model, X, y, V):
    try:
        import torch
    except ImportError:
        return None
    ps = [torch.tensor(p.data, requires_grad=True) for p in model.parameters()]
    vs = [torch.tensor(v) for v in V]
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def run():
        h = Xt
        for i in range(0, len(ps) - 2, 2):
            h = torch.relu(h @ ps[i] + ps[i + 1])
        out = h @ ps[-2] + ps[-1]
        L = torch.nn.functional.cross_entropy(out, yt)
        g = torch.autograd.grad(L, ps, create_graph=True)
        gv = sum((a * b).sum() for a, b in zip(g, vs))
        return torch.autograd.grad(gv, ps)

    return run


def main():
    rng = np.random.default_rng(0)
    loss = nn.SoftmaxCrossEntropy()
    try:
        import torch
        torch.set_num_threads(max(1, po.get_num_threads()))
    except ImportError:
        pass
    print(f"pyoptim {po.__version__}, numpy {np.__version__}, threads {po.get_num_threads()}, "
          f"python {sys.version.split()[0]}")
    print(f"{'dtype':>8} {'batch':>6} {'grad (nn)':>10} {'grad (diag)':>11} {'hvp exact':>10} {'hvp cached':>11} "
          f"{'hvp fd':>9} {'torch hvp':>10} {'exact/grad(nn)':>14} {'exact/grad(diag)':>16} {'fd/exact':>9}")
    for dtype in (np.float32, np.float64):
        model = model_of(dtype)
        params = model.parameters()
        V = [rng.standard_normal(p.data.shape).astype(dtype) for p in params]
        for B in (128, 1024):
            X = rng.random((B, 784)).astype(dtype)
            y = rng.integers(0, 10, B)

            def grad_nn():
                model.zero_grad()
                out = model.forward(X)
                loss.forward(out, y)
                model.backward(loss.backward())

            op = HessianOperator(model, loss, X, y, dtype=dtype, compute_grad=False)
            fns = {"gnn": grad_nn, "gd": lambda: gradient(model, loss, X, y, dtype=dtype),
                   "h": lambda: hvp(model, loss, X, y, V, dtype=dtype), "hc": lambda: op.matvec(V),
                   "fd": lambda: hvp_fd(model, loss, X, y, V, dtype=dtype)}
            th = torch_hvp_fn(model, X, y, V)
            if th is not None:
                fns["t"] = th
            r = bench(fns)
            tt = f"{r['t'] * 1e3:>8.2f}ms" if "t" in r else f"{'n/a':>10}"
            print(f"{np.dtype(dtype).name:>8} {B:>6} {r['gnn'] * 1e3:>8.2f}ms {r['gd'] * 1e3:>9.2f}ms "
                  f"{r['h'] * 1e3:>8.2f}ms {r['hc'] * 1e3:>9.2f}ms {r['fd'] * 1e3:>7.2f}ms {tt} "
                  f"{r['h'] / r['gnn']:>13.2f}x {r['h'] / r['gd']:>15.2f}x {r['fd'] / r['h']:>8.2f}x", flush=True)


if __name__ == "__main__":
    main()
