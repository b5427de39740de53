"""Tour part: book Fig. 8.1, gᵀg and gᵀHg during a real training run (book 8.2.1).

The book's Fig. 8.1: during training the gradient norm does not shrink, while the curvature term gᵀHg
grows by more than an order of magnitude, until ½ε²gᵀHg reaches εgᵀg and steps stop paying off. Here
the run where this is documented to happen (Cohen et al., 2021, "the edge of stability"): full-batch
gradient descent on a tanh network with squared error drives the Hessian's largest eigenvalue λ_max
to 2/ε and keeps it there; the gradient turns towards that direction, so gᵀHg/gᵀg → 2/ε. The
CurvatureMonitor measures gᵀg and gᵀHg with exact Hessian-vector products (the R-operator), the
SpectrumMonitor λ_max by Lanczos.
"""
from __future__ import annotations

import numpy as np


def _windows(steps, total):
    """The comparison windows: steps 100-200 (after the first fast drop) and the last 200 steps."""
    return (steps >= 100) & (steps < 200), steps >= total - 200


def edge_of_stability_run(total: int = 600, lr: float = 0.5, n: int = 500):
    """Full-batch gradient descent at rate ``lr`` for ``total`` steps on ``n`` digits (a 64-64-64-10
    tanh network, squared error, float64) with a CurvatureMonitor (every 5 steps) and a SpectrumMonitor
    (λ_max by Lanczos every 50 steps). Returns ``(history, curvature_monitor, spectrum_monitor)``.
    Needs scikit-learn for the digits."""
    import pyoptim as po
    from pyoptim import nn
    from pyoptim.diagnostics import CurvatureMonitor, SpectrumMonitor

    X, _, y, _ = po.datasets.load_digits(dtype=np.float64, test_size=0.3, seed=0)
    X, Y = X[:n], np.eye(10)[y[:n]]
    model = nn.Sequential(nn.Dense(64, 64, seed=1, dtype=np.float64), nn.Tanh(),
                          nn.Dense(64, 64, seed=3, dtype=np.float64), nn.Tanh(),
                          nn.Dense(64, 10, seed=2, dtype=np.float64))
    curv, sharp = CurvatureMonitor(every=5), SpectrumMonitor(every=50, k=1, method="lanczos", m=20)
    hist = po.fit(model, nn.MSELoss(), po.optim.SGD(model.parameters(), lr=lr), X, Y, epochs=total,
                  batch_size=None, shuffle=False, callbacks=[curv, sharp], progress=False, seed=0)
    return hist, curv, sharp


def run(args) -> None:
    import pyoptim as po

    n, lr, total = 500, 0.5, (400 if getattr(args, "quick", False) else 600)
    try:
        hist, curv, sharp = edge_of_stability_run(total, lr, n)
    except ImportError as e:
        print(f"  skipped: {e}")
        return
    steps = np.asarray(curv.history["step"])
    gTg, gTHg = np.asarray(curv.history["gTg"]), np.asarray(curv.history["gTHg"])
    early, late = _windows(steps, total)
    print(f"  {n} digits, 64-64-64-10 tanh net, squared error, full-batch gradient descent, ε = {lr}, "
          f"{total} steps; every 5th step monitored")
    print(f"  {'steps':>9} {'median gᵀg':>11} {'median gᵀHg':>12} {'gᵀHg/gᵀg':>10} {'steps uphill':>13}")
    for name, sel in (("100-200", early), (f"last 200", late)):
        print(f"  {name:>9} {np.median(gTg[sel]):>11.3g} {np.median(gTHg[sel]):>12.3g} "
              f"{np.median(gTHg[sel] / gTg[sel]):>10.3g} {np.mean(0.5 * lr * gTHg[sel] > gTg[sel]):>13.0%}")
    lam = np.asarray(sharp.history["top"])
    print(f"  λ_max (Lanczos) at the end: {lam[-1]:.3g}; 2/ε = {2 / lr:g}; "
          f"loss {hist.history['loss'][100]:.4f} (step 100) -> {hist.history['loss'][-1]:.4f}")
    try:
        from . import figures
    except ImportError:  # pragma: no cover
        return
    figures.note(args, "median gᵀg, steps 100-200 -> last 200",
                 f"{np.median(gTg[early]):.3g} -> {np.median(gTg[late]):.3g}")
    figures.note(args, "median gᵀHg, steps 100-200 -> last 200",
                 f"{np.median(gTHg[early]):.3g} -> {np.median(gTHg[late]):.3g}")
    figures.note(args, "λ_max at the end (2/ε)", f"{lam[-1]:.3g} ({2 / lr:g})")
    if getattr(args, "out", None):
        try:
            import matplotlib
            matplotlib.use("Agg")
        except ImportError:
            print("  (matplotlib not installed: no figure)")
            return
        fig, axes = po.plot.figure(figsize=(11, 3.8), ncols=2)
        po.plot.curvature(gTg, gTHg, lr=lr, steps=steps, ax=axes[0], title="gᵀg and gᵀHg (book Fig. 8.1)")
        po.plot.sharpness(sharp.history["step"], lam, lr, ax=axes[1], ratio_steps=steps, ratio=gTHg / gTg)
        figures.save(fig, args, "diagnostics_curvature")
