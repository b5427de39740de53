"""Benchmark: pyoptim's nn kernels against torch's CPU kernels (and the best NumPy expressions).

    python benchmarks/bench_nn.py [--repeats 21] [--B 4096] [--K 1000] [--threads 1 2] [--dtypes float32 float64]

Every row is one kernel on a B x K batch, timed against the torch operation that does the same work
into preallocated buffers where torch has an ``out=`` form:

* softmax CE fwd+bwd: kernels.softmax_cross_entropy vs torch.nn.functional.cross_entropy + backward
* relu/tanh/sigmoid forward: kernels.activation_forward vs torch.clamp_min / tanh / sigmoid (out=)
* relu/tanh/sigmoid backward: kernels.activation_backward vs aten threshold_backward / tanh_backward /
  sigmoid_backward (the kernels torch's autograd calls, out=)
* bias grad: kernels.bias_grad (db += dy.sum(0)) vs torch.sum(dy, 0, out=tmp); db.add_(tmp)
* batchnorm forward / backward / fwd+bwd (training): kernels.batchnorm_forward/backward vs aten
  native_batch_norm / native_batch_norm_backward (out=), the kernels under torch.nn.BatchNorm1d

For each dtype and thread count (pyoptim.set_num_threads and torch.set_num_threads set to the same
value), the repeats of pyoptim, torch and NumPy are interleaved (one of each per round, so a burst of load
from elsewhere hits all three) and each time is the median over rounds. Ratios are torch (or NumPy) time
/ pyoptim time: >= 1.0 means pyoptim is at least as fast. NumPy runs single-threaded whatever the setting.
Machines are noisy: compare ratios, not absolutes. On a loaded machine, ``--threads 1 --clock thread``
times CPU time of the calling thread (preemption excluded), the steadiest comparison available there.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import pyoptim
from pyoptim import kernels as K


def interleaved_medians(fns, repeats: int, clock=time.perf_counter):
    """Median time of each callable (None entries skipped), one call of each per round, order rotated."""
    live = [i for i, f in enumerate(fns) if f is not None]
    for i in live:
        fns[i]()                                # warm up (page faults, thread pool)
    ts = {i: [] for i in live}
    for r in range(repeats):
        order = live[r % len(live):] + live[:r % len(live)]
        for i in order:
            t0 = clock()
            fns[i]()
            ts[i].append(clock() - t0)
    return [float(np.median(ts[i])) if i in ts else None for i in range(len(fns))]


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


def cases(dt, B, C, torch, use_numpy):
    """(name, pyoptim fn, torch fn or None, NumPy fn or None) for every row, on fresh data of dtype dt."""
    rng = np.random.default_rng(0)
    out = []
    z = (rng.standard_normal((B, C)) * 3).astype(dt)
    y = rng.integers(0, C, B)
    rows = np.arange(B)
    g = np.empty_like(z)
    l_po = K.softmax_cross_entropy(z, y, g)
    t_xent = None
    if torch is not None:
        tz, ty = torch.from_numpy(z).requires_grad_(), torch.from_numpy(y)

        def t_xent():
            tz.grad = None
            loss = torch.nn.functional.cross_entropy(tz, ty)
            loss.backward()
            return loss

        assert abs(t_xent().item() - l_po) < 1e-4 * abs(l_po)
    out.append(("softmax CE fwd+bwd", lambda: K.softmax_cross_entropy(z, y, g), t_xent,
                (lambda: numpy_softmax_xent(z, y, rows)) if use_numpy else None))

    x = rng.standard_normal((B, C)).astype(dt)
    act = np.empty_like(x)
    dy = rng.standard_normal((B, C)).astype(dt)
    dx = np.empty_like(x)
    one = dt(1)
    np_fwd = {
        "relu": lambda: np.maximum(x, 0, out=act),
        "tanh": lambda: np.tanh(x, out=act),
        "sigmoid": lambda: np.divide(one, np.add(one, np.exp(np.negative(x, out=act), out=act), out=act),
                                     out=act),
    }
    t_fwd = {}
    if torch is not None:
        tx, tdy, tact, tdx = (torch.from_numpy(a) for a in (x, dy, act, dx))
        t_fwd = {"relu": lambda: torch.clamp_min(tx, 0, out=tact),
                 "tanh": lambda: torch.tanh(tx, out=tact), "sigmoid": lambda: torch.sigmoid(tx, out=tact)}
    for kind in ("relu", "tanh", "sigmoid"):
        out.append((f"{kind} forward", lambda kind=kind: K.activation_forward(x, act, kind=kind),
                    t_fwd.get(kind), np_fwd[kind] if use_numpy else None))
        # the backward row reads its own saved output f(x) (the forward rows overwrite `act`)
        act_k = K.activation_forward(x, kind=kind)
        tact_k = torch.from_numpy(act_k) if torch is not None else None
        out.append((f"{kind} backward", lambda kind=kind, a=act_k: K.activation_backward(dy, a, dx, kind=kind),
                    (lambda kind=kind, a=tact_k: _t_bwd(torch, kind, tdy, a, tdx)) if torch is not None else None,
                    (lambda kind=kind, a=act_k: _np_bwd(kind, dy, a, dx)) if use_numpy else None))

    db = np.zeros(C, dt)
    t_bias = None
    if torch is not None:
        tdb, tmp = torch.from_numpy(db.copy()), torch.empty(C, dtype=tdy.dtype)

        def t_bias():
            torch.sum(tdy, 0, out=tmp)
            tdb.add_(tmp)

    out.append(("bias grad (col sums)", lambda: K.bias_grad(db, dy), t_bias,
                (lambda: np.add(db, dy.sum(axis=0), out=db)) if use_numpy else None))

    w, b = np.ones(C, dt), np.zeros(C, dt)
    mean, invstd, rm, rv = (np.zeros(C, dt) for _ in range(4))
    gw, gb = np.zeros(C, dt), np.zeros(C, dt)
    bnout, bndx = np.empty_like(x), np.empty_like(x)

    def po_f():
        K.batchnorm_forward(x, w, b, bnout, mean, invstd, rm, rv, training=True)

    def po_b():
        K.batchnorm_backward(dy, x, w, mean, invstd, bndx, gw, gb, training=True)

    def po_fb():
        po_f()
        po_b()

    def np_fb():
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

    tf = tb = tfb = None
    if torch is not None:
        tw, tb_, trm, trv = (torch.from_numpy(a.copy()) for a in (w, b, rm, rv))
        tout, tdxb = torch.empty_like(tx), torch.empty_like(tx)
        tsm, tsi, tgw, tgb = (torch.empty(C, dtype=tx.dtype) for _ in range(4))
        aten = torch.ops.aten

        def tf():
            aten.native_batch_norm.out(tx, tw, tb_, trm, trv, True, 0.1, 1e-5, out=tout, save_mean=tsm,
                                       save_invstd=tsi)

        def tb():
            aten.native_batch_norm_backward.out(tdy, tx, tw, trm, trv, tsm, tsi, True, 1e-5, [True, True, True],
                                                out0=tdxb, out1=tgw, out2=tgb)

        def tfb():
            tf()
            tb()

        tf()
        po_f()
        assert np.allclose(tout.numpy(), bnout, atol=1e-4)
    out.append(("batchnorm forward", po_f, tf, None))
    out.append(("batchnorm backward", po_b, tb, None))
    out.append(("batchnorm fwd+bwd", po_fb, tfb, np_fb if use_numpy else None))
    return out


def _t_bwd(torch, kind, tdy, tact, tdx):
    aten = torch.ops.aten
    if kind == "relu":
        return aten.threshold_backward.grad_input(tdy, tact, 0, grad_input=tdx)
    if kind == "tanh":
        return aten.tanh_backward.grad_input(tdy, tact, grad_input=tdx)
    return aten.sigmoid_backward.grad_input(tdy, tact, grad_input=tdx)


def _np_bwd(kind, dy, act, dx):
    if kind == "relu":
        return np.multiply(dy, act > 0, out=dx)
    if kind == "tanh":
        return np.multiply(dy, 1 - act * act, out=dx)
    return np.multiply(dy, act * (1 - act), out=dx)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=21)
    ap.add_argument("--B", type=int, default=4096)
    ap.add_argument("--K", type=int, default=1000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    ap.add_argument("--rows", nargs="*", default=None, help="only rows whose name contains one of these")
    ap.add_argument("--no-numpy", action="store_true", help="skip the NumPy column (faster)")
    ap.add_argument("--runs", type=int, default=1,
                    help="repeat the whole measurement this many times and report each ratio's median over the "
                         "runs, with its minimum and maximum (memory-bound rows differ by a few percent from one "
                         "run to the next)")
    ap.add_argument("--clock", choices=["wall", "thread"], default="wall",
                    help="wall: perf_counter (default); thread: CPU time of the calling thread "
                         "(time.thread_time), which a loaded machine's preemption does not inflate; "
                         "meaningful at 1 thread only, where both libraries run in the calling thread")
    args = ap.parse_args()
    if args.clock == "thread" and args.threads != [1]:
        ap.error("--clock thread measures the calling thread only: use it with --threads 1")
    clock = time.thread_time if args.clock == "thread" else time.perf_counter
    B, C, R = args.B, args.K, args.repeats
    try:
        import torch
    except ImportError:
        torch = None
    nt0 = pyoptim.get_num_threads()
    print(f"pyoptim nn kernels vs torch {torch.__version__ if torch else '(not installed)'}, {B} x {C}, "
          f"median of {R} interleaved repeats, {args.clock}-clock time")
    runs = []                                     # per run: (name, dt, nt) -> (t_po, t_torch, t_np)
    names = []
    try:
        for _ in range(max(args.runs, 1)):
            results = {}
            for dts in args.dtypes:
                dt = np.dtype(dts).type
                rows = cases(dt, B, C, torch, not args.no_numpy)
                for nt in args.threads:
                    pyoptim.set_num_threads(nt)
                    if torch is not None:
                        torch.set_num_threads(nt)
                    for name, fpo, ft, fn in rows:
                        if args.rows and not any(s in name for s in args.rows):
                            continue
                        if name not in names:
                            names.append(name)
                        results[name, dts, nt] = tuple(interleaved_medians([fpo, ft, fn], R, clock))
            runs.append(results)
    finally:
        pyoptim.set_num_threads(nt0)
    # the times of the median run of each row (by its torch/pyoptim ratio), and every run's ratio
    results, spread = {}, {}
    for key in runs[0]:
        per = [r[key] for r in runs]
        ok = [t for t in per if t[0] is not None and t[1] is not None]
        if ok:
            ok.sort(key=lambda t: t[1] / t[0])
            results[key] = ok[(len(ok) - 1) // 2]
            spread[key] = (ok[0][1] / ok[0][0], ok[-1][1] / ok[-1][0])
        else:
            results[key] = per[0]

    def ms(t):
        return f"{t * 1e3:8.2f}" if t is not None else "       -"

    def ratio(a, b):
        return f"{a / b:6.2f}x" if a is not None and b is not None else "      -"

    cols = [(dts, nt) for dts in args.dtypes for nt in args.threads]
    print("\ntorch time / pyoptim time (>= 1.00x: pyoptim at least as fast)")
    head = "".join(f" {dts[5:] + ' ' + str(nt) + 'T':>8s}" for dts, nt in cols)
    print(f"{'kernel':22s}{head}")
    worst = None
    for name in names:
        cells = []
        for dts, nt in cols:
            tp, tt, _ = results.get((name, dts, nt), (None, None, None))
            cells.append(f" {ratio(tt, tp):>8s}")
            if tp is not None and tt is not None and (worst is None or tt / tp < worst[0]):
                worst = (tt / tp, name, dts, nt)
        print(f"{name:22s}{''.join(cells)}")
    if worst:
        print(f"lowest: {worst[0]:.2f}x ({worst[1]}, {worst[2]}, {worst[3]} thread(s))")
    if len(runs) > 1:
        print(f"\n(the table above: each row's median run of {len(runs)}) lowest and highest ratio over the runs")
        print(f"{'kernel':22s}" + "".join(f" {dts[5:] + ' ' + str(nt) + 'T':>10s}" for dts, nt in cols))
        for name in names:
            cells = [f" {spread[name, dts, nt][0]:4.2f}-{spread[name, dts, nt][1]:4.2f}".rjust(11)
                     if (name, dts, nt) in spread else f" {'-':>10s}" for dts, nt in cols]
            print(f"{name:22s}{''.join(cells)}")
    print("\nmilliseconds: pyoptim / torch / NumPy (NumPy/po ratio)")
    for dts, nt in cols:
        print(f"-- {dts}, {nt} thread(s)")
        for name in names:
            tp, tt, tn = results.get((name, dts, nt), (None, None, None))
            if tp is None:
                continue
            print(f"  {name:22s} {ms(tp)} {ms(tt)} {ms(tn)}   torch/po {ratio(tt, tp)}   NumPy/po {ratio(tn, tp)}")


if __name__ == "__main__":
    main()
