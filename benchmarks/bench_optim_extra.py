"""ASGD, Rprop, Adafactor and Muon: one optimizer step, pyoptim against torch.optim's fastest CPU path, in
one run (interleaved medians, as bench_optim.py).

    python benchmarks/bench_optim_extra.py [--n 10000000] [--repeat 9] [--muon-side 3162] [--muon-repeat 3]

Two workloads:

* one parameter of n = 10^7 float32 elements (Adafactor: a 3162 x 3162 matrix, factored; Muon: a
  --muon-side square matrix); effective GB/s = the minimum bytes the update must move / time:
  ASGD 20 B/param (p, g, ax read; p, ax written), Rprop 28 B (p, g, prev, step_size read; p, prev,
  step_size written), Adafactor 12 B (p, g read, p written; the factored state is negligible).
  Muon is matmul-bound: its rate is given in GFLOP/s of the Newton-Schulz products.
* one step over a realistic parameter list: the 17 weight matrices and 17 bias vectors of an MLP
  with widths 1000 ... 8 (34 arrays of 8 to 10^6 elements, 2.47 M in all), where per-array overhead
  counts (Muon: the 17 matrices only, since it takes 2-D parameters only).

torch's paths: foreach=True for ASGD, Rprop and Adafactor (its fastest CPU path; none of them has a
fused CPU kernel); Muon has only its single-tensor path and runs Newton-Schulz in bfloat16, which
this CPU has no fast matmul for (about 25x slower than float32 here), so Muon is also timed against
"torch Muon, float32 NS": torch's own code with the bfloat16 cast patched out (float32 matmul, the
same arithmetic as pyoptim's). torch's bfloat16 Muon is timed once, on --muon-bf16-side.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import pyoptim as po

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_optim import interleaved_medians  # noqa: E402


def mlp_shapes():
    dims = [1000, 1000, 724, 512, 362, 256, 181, 128, 90, 64, 45, 32, 22, 16, 11, 8, 8, 8]
    out = []
    for a, b in zip(dims[:-1], dims[1:]):
        out += [(b, a), (b,)]
    return out


def ns_flops(shapes, steps=5):
    tot = 0
    for s in shapes:
        m, n = min(s), max(s)
        tot += steps * (4 * m * m * n + 2 * m ** 3)
    return tot


def make_pairs(name, kw, shapes, tkw, threads, rng):
    """(pyoptim step, torch step) on fresh parameters of the given shapes, float32."""
    import torch
    grads = [(rng.standard_normal(s) * 1e-3).astype(np.float32) for s in shapes]
    ps = [np.zeros(s, np.float32) + 0.01 for s in shapes]
    opt = getattr(po.optim, name)(ps, **kw)
    ts = [torch.full(s, 0.01, dtype=torch.float32, requires_grad=True) for s in shapes]
    for t, g in zip(ts, grads):
        t.grad = torch.from_numpy(g.copy())
    topt = getattr(torch.optim, name)(ts, **kw, **tkw)
    opt.step(grads)   # first step creates the state (not timed)
    topt.step()
    return (lambda: opt.step(grads)), topt.step


class _NoBF16:
    """Patch torch's bfloat16 cast out of Muon while a step runs (float32 Newton-Schulz)."""

    def __init__(self, step):
        import torch
        self.torch, self.step = torch, step

    def __call__(self):
        T = self.torch.Tensor
        orig = T.bfloat16
        T.bfloat16 = lambda self: self
        try:
            self.step()
        finally:
            T.bfloat16 = orig


def run(title, name, kw, shapes, tkw, nbytes, threads, rep, scrub, rng, flops=None, both_threads=True, warmup=2):
    import torch
    n = sum(int(np.prod(s)) for s in shapes)
    impls = []
    tlist = sorted({1, threads}) if both_threads else [threads]
    po_step, t_step = make_pairs(name, kw, shapes, tkw, threads, rng)
    for t in tlist:
        impls.append((f"pyoptim ({t} thr)", (lambda t=t: (po.set_num_threads(t), None)), po_step))
    for t in tlist:
        label = f"torch {'foreach' if tkw.get('foreach') else 'single-tensor'}"
        if name == "Muon":
            label = "torch Muon, float32 NS"
            step = _NoBF16(t_step)
        else:
            step = t_step
        impls.append((f"{label} ({t} thr)", (lambda t=t: (torch.set_num_threads(t), None)), step))
    rows = interleaved_medians(impls, rep, warmup=warmup, scrub=scrub)
    po.set_num_threads(threads)
    torch.set_num_threads(threads)
    ref = dict(rows)[f"pyoptim ({threads} thr)"]
    unit = "GFLOP/s" if flops else "GB/s"
    print(f"\n{title}: {len(shapes)} array(s), {n:,} float32 parameters"
          + (f", {nbytes} B/param minimum traffic" if nbytes else ""))
    print(f"{'implementation':<36}{'median ms':>11}{'x pyoptim':>11}{unit:>9}")
    for label, t in rows:
        rate = (flops / t / 1e9) if flops else (nbytes * n / t / 1e9)
        print(f"{label:<36}{t * 1e3:>11.2f}{t / ref:>11.2f}{rate:>9.1f}")
    tor = [t for label, t in rows if label.startswith("torch") and f"({threads} thr)" in label]
    if tor:
        print(f"pyoptim ({threads} thr) vs torch ({threads} thr): torch takes {tor[0] / ref:.2f}x pyoptim's time")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10**7)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--muon-side", type=int, default=3162)
    ap.add_argument("--muon-repeat", type=int, default=3)
    ap.add_argument("--muon-bf16-side", type=int, default=512)
    ap.add_argument("--scrub-mb", type=int, default=400)
    ap.add_argument("--skip-elementwise", action="store_true",
                    help="skip the 10^7-parameter ASGD/Rprop/Adafactor runs (Muon and the lists only)")
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch is needed for the comparison")
    threads = po.get_num_threads()
    rng = np.random.default_rng(0)
    scrub = np.zeros(args.scrub_mb * 2**18, np.float32) if args.scrub_mb > 0 else None
    n, rep = args.n, args.repeat
    side = int(round(n ** 0.5))
    print(f"{os.cpu_count()} CPUs; pyoptim/torch threads 1 and {threads}; medians of {rep} (Muon {args.muon_repeat}); "
          f"torch {torch.__version__}, NumPy {np.__version__}")

    if not args.skip_elementwise:
        run("ASGD", "ASGD", {}, [(n,)], {"foreach": True}, 20, threads, rep, scrub, rng)
        run("Rprop", "Rprop", {}, [(n,)], {"foreach": True}, 28, threads, rep, scrub, rng)
        run(f"Adafactor ({side} x {side}, factored)", "Adafactor", {}, [(side, side)], {"foreach": True}, 12,
            threads, rep, scrub, rng)
        run(f"Adafactor (vector of {n:,})", "Adafactor", {}, [(n,)], {"foreach": True}, 12, threads, rep, scrub,
            rng)
    ms = args.muon_side
    run(f"Muon ({ms} x {ms})", "Muon", {}, [(ms, ms)], {}, 0, threads, args.muon_repeat, None, rng,
        flops=ns_flops([(ms, ms)]), both_threads=False, warmup=1)

    shapes = mlp_shapes()
    for name in ("ASGD", "Rprop", "Adafactor"):
        run(f"{name}, MLP parameter list", name, {}, shapes, {"foreach": True}, {"ASGD": 20, "Rprop": 28,
            "Adafactor": 12}[name], threads, rep, None, rng, both_threads=False)
    mats = [s for s in shapes if len(s) == 2]
    run("Muon, MLP weight matrices", "Muon", {}, mats, {}, 0, threads, args.muon_repeat, None, rng,
        flops=ns_flops(mats), both_threads=False)

    # torch's real Muon (bfloat16 Newton-Schulz) once, on a smaller matrix
    bs = args.muon_bf16_side
    po_step, t_step = make_pairs("Muon", {}, [(bs, bs)], {}, threads, rng)
    rows = interleaved_medians([("pyoptim (float32 NS)", lambda: None, po_step),
                                ("torch Muon (bfloat16 NS)", lambda: None, t_step)], 1, warmup=0)
    print(f"\nMuon ({bs} x {bs}), {threads} thr, one step each: "
          + ", ".join(f"{label} {t * 1e3:.0f} ms" for label, t in rows)
          + f"; torch/pyoptim {rows[1][1] / rows[0][1]:.1f}x")


if __name__ == "__main__":
    main()
