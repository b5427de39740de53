"""One training epoch of a 784-256-256-10 ReLU MLP: pyoptim.fit against PyTorch and plain NumPy.

    python benchmarks/bench_training.py [--n 60000] [--repeat 3] [--threads N] [--profile]

The workload is MNIST-sized: 60,000 synthetic float32 samples from
``pyoptim.datasets.random_classification`` (784 features, 10 classes), minibatches of 128 in a new
random order each epoch, softmax cross-entropy, Adam(lr=1e-3). Three implementations, in one run,
interleaved (A B C A B C ...) so that machine noise hits them alike; each time is the median over
``--repeat`` epochs (the best epoch is shown too: on a shared, loaded machine it is the steadier number):

* ``pyoptim.fit``     the library end to end (validation, shuffling, the non-finite check, hooks);
* ``pyoptim loop``    the same model and optimizer driven by a bare Python loop (what fit adds);
* ``torch``           torch.nn + torch.optim.Adam on the CPU, ``torch.set_num_threads`` equal to pyoptim's;
* ``numpy``           a hand-written NumPy forward/backward and in-place NumPy Adam (the best NumPy).

Threads: pyoptim's kernels use ``pyoptim.get_num_threads()`` OpenMP threads and NumPy's matmul uses
OpenBLAS' own pool; ``--threads N`` sets pyoptim's, torch's and (with threadpoolctl installed)
OpenBLAS' thread counts to N. ``--profile`` adds a cProfile breakdown of one pyoptim epoch.
Target (issue 3): a pyoptim epoch at most 1.25x PyTorch's.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import time

import numpy as np

import pyoptim as po

SIZES = (784, 256, 256, 10)


# ------------------------------------------------------------------------------------------------------
# the three implementations
# ------------------------------------------------------------------------------------------------------
def make_pyoptim(seed=0):
    mods = []
    for k, (i, o) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        mods.append(po.nn.Dense(i, o, seed=seed + k))
        if k < len(SIZES) - 2:
            mods.append(po.nn.ReLU())
    model = po.nn.Sequential(*mods)
    return model, po.nn.SoftmaxCrossEntropy(), po.optim.Adam(model.parameters(), lr=1e-3)


def pyoptim_fit_epoch(state, X, y, bs, seed):
    model, loss, opt = state
    po.fit(model, loss, opt, X, y, epochs=1, batch_size=bs, seed=seed, progress=False)


def pyoptim_loop_epoch(state, X, y, bs, seed):
    model, loss, opt = state
    perm = np.random.default_rng(seed).permutation(len(X))
    for i in range(0, len(X), bs):
        idx = perm[i:i + bs]
        xb, yb = X[idx], y[idx]
        model.zero_grad()
        out = model.forward(xb)
        loss.forward(out, yb)
        model.backward_params(loss.backward())   # as fit: no gradient for the data
        opt.step()


def make_torch(seed=0):
    import torch
    torch.manual_seed(seed)
    layers = []
    for k, (i, o) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(torch.nn.Linear(i, o))
        if k < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def torch_epoch(state, Xt, yt, bs, seed):
    import torch
    model, opt = state
    perm = torch.from_numpy(np.random.default_rng(seed).permutation(len(Xt)))
    lossf = torch.nn.functional.cross_entropy
    for i in range(0, len(Xt), bs):
        idx = perm[i:i + bs]
        xb, yb = Xt[idx], yt[idx]
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(xb), yb)
        loss.backward()
        opt.step()


class NumpyMLP:
    """Forward, backward and Adam written directly in NumPy, in place where NumPy allows."""

    def __init__(self, seed=0, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        rng = np.random.default_rng(seed)
        self.params = []
        for i, o in zip(SIZES[:-1], SIZES[1:]):
            lim = np.sqrt(6.0 / (i + o))
            self.params += [rng.uniform(-lim, lim, (i, o)).astype(np.float32), np.zeros(o, np.float32)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.s = [np.empty_like(p) for p in self.params]
        self.t, self.lr, self.b1, self.b2, self.eps = 0, lr, b1, b2, eps

    def batch(self, xb, yb):
        W1, b1, W2, b2, W3, b3 = self.params
        h1 = xb @ W1
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ W2
        h2 += b2
        np.maximum(h2, 0, out=h2)
        z = h2 @ W3
        z += b3
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        B = len(yb)
        z[np.arange(B), yb] -= 1.0
        z *= np.float32(1.0 / B)
        g3 = z
        dW3, db3 = h2.T @ g3, g3.sum(0)
        g2 = g3 @ W3.T
        g2 *= h2 > 0
        dW2, db2 = h1.T @ g2, g2.sum(0)
        g1 = g2 @ W2.T
        g1 *= h1 > 0
        dW1, db1 = xb.T @ g1, g1.sum(0)
        self.adam([dW1, db1, dW2, db2, dW3, db3])

    def adam(self, grads):
        self.t += 1
        b1, b2, f = self.b1, self.b2, np.float32
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, g, m, v, s in zip(self.params, grads, self.m, self.v, self.s):
            m *= f(b1)
            np.multiply(g, f(1 - b1), out=s)
            m += s
            v *= f(b2)
            np.multiply(g, g, out=s)
            s *= f(1 - b2)
            v += s
            np.sqrt(v, out=s)
            s *= f(1 / c2 ** 0.5)
            s += f(self.eps)
            np.divide(m, s, out=s)
            s *= f(self.lr / c1)
            p -= s


def numpy_epoch(state, X, y, bs, seed):
    perm = np.random.default_rng(seed).permutation(len(X))
    for i in range(0, len(X), bs):
        idx = perm[i:i + bs]
        state.batch(X[idx], y[idx])


# ------------------------------------------------------------------------------------------------------
# profile of one pyoptim epoch
# ------------------------------------------------------------------------------------------------------
def profile_pyoptim(X, y, bs):
    """cProfile one fit epoch; group the self-times (tottime) by what they are."""
    state = make_pyoptim(1)
    pr = cProfile.Profile()
    pr.enable()
    pyoptim_fit_epoch(state, X, y, bs, 123)
    pr.disable()
    st = pstats.Stats(pr)
    dense_fwd = po.nn.Dense.forward.__code__
    dense_bwd = {(c.co_filename, c.co_firstlineno) for c in (po.nn.Dense.backward.__code__,
                                                              po.nn.Dense.backward_params.__code__,
                                                              po.nn.Dense._accumulate.__code__)}
    groups = {"Dense.forward (1 matmul + bias)": 0.0, "Dense backward (x'g, and g W' past layer 1)": 0.0,
              "activations, loss (C kernels)": 0.0, "optimizer step (Adam kernel + Python)": 0.0,
              "fit: gather, zero_grad, checks, hooks": 0.0, "other": 0.0}
    total = 0.0
    for (fname, line, func), v in st.stats.items():
        t = v[2]
        total += t
        if (fname, line) == (dense_fwd.co_filename, dense_fwd.co_firstlineno):
            groups["Dense.forward (1 matmul + bias)"] += t
        elif (fname, line) in dense_bwd:
            groups["Dense backward (x'g, and g W' past layer 1)"] += t
        elif "/optim/" in fname or "adam" in func:
            groups["optimizer step (Adam kernel + Python)"] += t
        elif "/nn/" in fname and "_module.py" not in fname or "activation" in func or "entropy" in func:
            groups["activations, loss (C kernels)"] += t
        elif "training.py" in fname or "/_training/" in fname or "/_internal/" in fname or "_module.py" in fname \
                or "isfinite" in func or "'all'" in func or "fill" in func:
            groups["fit: gather, zero_grad, checks, hooks"] += t
        else:
            groups["other"] += t
    out = io.StringIO()
    pstats.Stats(pr, stream=out).sort_stats("tottime").print_stats(14)
    return total, groups, out.getvalue()


# ------------------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=60000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    limiter = contextlib.nullcontext()
    if args.threads is not None:
        po.set_num_threads(args.threads)
        try:
            from threadpoolctl import threadpool_limits
            limiter = threadpool_limits(limits=args.threads, user_api="blas")
        except ImportError:
            print("(threadpoolctl not installed: OpenBLAS keeps its default thread count)")
    nt = po.get_num_threads()
    X, y = po.datasets.random_classification(n=args.n, d=784, classes=10, seed=0)
    bs = args.batch
    impls = {"pyoptim.fit": (make_pyoptim(), pyoptim_fit_epoch, X, y),
             "pyoptim loop": (make_pyoptim(), pyoptim_loop_epoch, X, y),
             "numpy": (NumpyMLP(), numpy_epoch, X, y)}
    try:
        import torch
        torch.set_num_threads(nt)
        impls["torch"] = (make_torch(), torch_epoch, torch.from_numpy(X), torch.from_numpy(y))
        torch_info = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        torch_info = "torch not installed: skipped"

    times = {k: [] for k in impls}
    with limiter:
        blas = "?"
        try:
            from threadpoolctl import threadpool_info
            blas = ",".join(str(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas")
        except ImportError:
            pass
        print(f"one epoch: {args.n} x 784 float32, MLP {'-'.join(map(str, SIZES))} ReLU, batch {bs}, Adam; "
              f"pyoptim {nt} OpenMP threads, OpenBLAS {blas} threads; {torch_info}")
        for name, (state, fn, Xa, ya) in impls.items():  # warm-up: a few batches each
            fn(state, Xa[: 4 * bs], ya[: 4 * bs], bs, 0)
        for r in range(args.repeat):
            for name, (state, fn, Xa, ya) in impls.items():
                t0 = time.perf_counter()
                fn(state, Xa, ya, bs, r + 1)
                times[name].append(time.perf_counter() - t0)
        med = {k: float(np.median(v)) for k, v in times.items()}
        best = {k: float(np.min(v)) for k, v in times.items()}
        ref = med.get("torch")
        print(f"{'implementation':<14} {'epoch (s)':>10} {'ms/batch':>9} {'vs torch':>9} {'vs pyoptim.fit':>15} "
              f"{'best (s)':>9} {'best vs torch':>14}")
        nb = -(-args.n // bs)
        for k, t in med.items():
            vs_t = f"{t / ref:.2f}x" if ref else "-"
            bvs = f"{best[k] / best['torch']:.2f}x" if ref else "-"
            print(f"{k:<14} {t:>10.3f} {t / nb * 1e3:>9.2f} {vs_t:>9} {t / med['pyoptim.fit']:>14.2f}x "
                  f"{best[k]:>9.3f} {bvs:>14}")
        if ref:
            verdict = "meets" if med["pyoptim.fit"] <= 1.25 * ref else "misses"
            print(f"target: pyoptim.fit <= 1.25x torch -> {med['pyoptim.fit'] / ref:.2f}x ({verdict})")
        if args.profile:
            total, groups, text = profile_pyoptim(X, y, bs)
            print(f"\nwhere one pyoptim.fit epoch spends its time (cProfile, {total:.2f} s with profiling "
                  f"overhead):")
            for k, v in groups.items():
                print(f"  {k:<44} {v:7.3f} s  {100 * v / total:5.1f} %")
            print(text)


if __name__ == "__main__":
    main()
