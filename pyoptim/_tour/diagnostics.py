"""Tour part: curvature during training, gᵀg and gᵀHg on the digits MLP (book 8.2.1, Fig. 8.1).

The book's Fig. 8.1 shows that during a successful training run the gradient norm does not shrink:
it grows, while the curvature term gᵀHg grows even faster, so the learning rate must stay small enough
that ½ε²gᵀHg stays below εgᵀg. Here the CurvatureMonitor measures both with exact Hessian-vector
products (the R-operator) on every step's minibatch, and checks the second-order prediction of each
step's change of the batch loss against the actual change.
"""
from __future__ import annotations

import numpy as np


def run(args) -> None:
    import pyoptim as po
    from pyoptim import nn
    from pyoptim.diagnostics import CurvatureMonitor, hessian_spectrum

    quick = bool(getattr(args, "quick", False))
    try:
        X, Xt, y, yt = po.datasets.load_digits(dtype=np.float64, test_size=0.25, seed=0)
    except ImportError as e:
        print(f"  skipped: {e}")
        return
    epochs, every = (6, 4) if quick else (15, 2)
    model = nn.Sequential(nn.Dense(64, 64, seed=0, dtype=np.float64), nn.ReLU(),
                          nn.Dense(64, 10, seed=1, dtype=np.float64))
    loss = nn.SoftmaxCrossEntropy()
    lr = 0.05
    mon = CurvatureMonitor(every=every)
    hist = po.fit(model, loss, po.optim.SGD(model.parameters(), lr=lr, momentum=0.9), X, y, epochs=epochs,
                  batch_size=64, validation_data=(Xt, yt), callbacks=[mon], progress=False, seed=0)
    h = mon.history
    ep = np.asarray(h["epoch"])
    print(f"  digits MLP 64-64-10, SGD(lr={lr}, momentum=0.9), batch 64; every {every}th step monitored")
    print(f"  {'epoch':>5} {'gᵀg':>10} {'gᵀHg':>10} {'½ε²gᵀHg/εgᵀg':>14} {'pred. Δ':>10} {'actual Δ':>10} "
          f"{'val acc':>8}")
    show = sorted(set(np.linspace(0, epochs - 1, min(epochs, 6)).astype(int)))
    for e in show:
        sel = ep == e
        if not sel.any():
            continue
        gTg = np.mean(np.asarray(h["gTg"])[sel])
        gTHg = np.mean(np.asarray(h["gTHg"])[sel])
        ratio = 0.5 * lr * gTHg / gTg
        pred = np.mean(np.asarray(h["predicted_step"])[sel])
        act = np.mean(np.asarray(h["actual"])[sel])
        va = hist.history.get("val_accuracy", [np.nan] * epochs)[e] if hasattr(hist.history, "get") else np.nan
        print(f"  {e:>5d} {gTg:>10.4f} {gTHg:>10.4f} {ratio:>14.3f} {pred:>10.2e} {act:>10.2e} {va:>8.3f}")
    inc = np.mean(h["increase_actual"])
    agree = np.mean(np.asarray(h["increase_actual"]) == (np.asarray(h["predicted_step"]) > 0))
    print(f"  steps that raised their batch's loss: {inc:.1%}; sign predicted right by the quadratic model: "
          f"{agree:.1%}")
    spec = hessian_spectrum(model, loss, X[:512], y[:512], k=1, method="lanczos", m=30, n_vectors=2)
    print(f"  Hessian at the end (512 examples): λ_max = {spec.top[0]:.3g}, λ_min = {spec.bottom[0]:.3g}, "
          f"negative-curvature fraction ≈ {spec.negative_fraction:.2f} (2/λ_max = {2 / spec.top[0]:.3g})")
    try:
        from . import figures
        figures.note(args, "gᵀg first -> last epoch", f"{h['gTg'][0]:.3g} -> {h['gTg'][-1]:.3g}")
        figures.note(args, "λ_max at the end", f"{spec.top[0]:.3g}")
    except ImportError:  # pragma: no cover
        figures = None
    if getattr(args, "out", None):
        try:
            import matplotlib
            matplotlib.use("Agg")
        except ImportError:
            print("  (matplotlib not installed: no figure)")
            return
        fig = mon.plot()
        if figures is not None:
            figures.save(fig, args, "diagnostics_curvature")
        else:  # pragma: no cover
            import os
            os.makedirs(args.out, exist_ok=True)
            fig.savefig(os.path.join(args.out, "diagnostics_curvature.png"), dpi=110)
