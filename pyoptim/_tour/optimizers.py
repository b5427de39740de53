"""Tour part: every first-order optimizer on an ill-conditioned quadratic and on Rosenbrock (8.3, 8.5).

The same start for every optimizer, learning rates tuned by hand (a coarse sweep, once); the table
shows the steps needed to reach f - f* < tol and the final gap. Book 8.3.2: momentum cuts the steps on
the ill-conditioned quadratic from O(κ) to O(√κ); 8.5: the adaptive methods rescale each coordinate,
which helps on axis-aligned curvature and less on a rotated one.
"""
from __future__ import annotations

import os
import time

import numpy as np

#: learning rates per optimizer and problem, tuned once by a coarse sweep
_RATES = {
    #                 quadratic  rosenbrock   (the fastest of a geometric sweep 1e-5..2, 41 values)
    "SGD":            (0.038,    1.8e-3),
    "SGD + momentum": (0.006,    2.4e-3),
    "Nesterov":       (0.008,    1.3e-3),
    "Adagrad":        (1.5,      0.8),
    "RMSprop":        (1.3e-3,   2e-4),     # never reaches the tolerance: see run()
    "Adam":           (0.32,     2.0),
    "AdamW":          (0.13,     0.07),
}


def _factories(po):
    return {
        "SGD": lambda p, lr: po.optim.SGD(p, lr=lr),
        "SGD + momentum": lambda p, lr: po.optim.SGD(p, lr=lr, momentum=0.9),
        "Nesterov": lambda p, lr: po.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
        "Adagrad": lambda p, lr: po.optim.Adagrad(p, lr=lr),
        "RMSprop": lambda p, lr: po.optim.RMSprop(p, lr=lr, alpha=0.9),
        "Adam": lambda p, lr: po.optim.Adam(p, lr=lr),
        "AdamW": lambda p, lr: po.optim.AdamW(p, lr=lr, weight_decay=1e-4),
    }


def _problems(po):
    """(name, f(x), grad(x), x0, fmin, tol); pyoptim.functions when present, else local definitions."""
    try:
        import importlib
        fns = importlib.import_module("pyoptim.functions")
    except ImportError:
        fns = None
    if fns is not None and hasattr(fns, "quadratic") and hasattr(fns, "rosenbrock"):
        q = fns.quadratic(n=2, cond=50.0, seed=0)
        r = fns.rosenbrock(2)
        return [("quadratic (2-D, κ=50)", q.fun, q.grad, np.asarray(q.x0, float), float(q.fmin), 1e-8),
                ("Rosenbrock (2-D)", r.fun, r.grad, np.asarray(r.x0, float), 0.0, 1e-6)]
    # local fallbacks
    lam = np.array([1.0, 50.0])
    c, s = np.cos(0.5), np.sin(0.5)
    Q = np.array([[c, -s], [s, c]])
    H = (Q * lam) @ Q.T
    b = np.array([1.0, -1.0])
    xs = np.linalg.solve(H, b)
    quad = (lambda x: 0.5 * x @ H @ x - b @ x, lambda x: H @ x - b, xs + np.array([1.0, 0.5]), -0.5 * b @ xs)

    def rf(x):
        return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2

    def rg(x):
        return np.array([-400.0 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200.0 * (x[1] - x[0] ** 2)])

    return [("quadratic (2-D, κ=50)", quad[0], quad[1], quad[2], float(quad[3]), 1e-8),
            ("Rosenbrock (2-D)", rf, rg, np.array([-1.2, 1.0]), 0.0, 1e-6)]


def _run_one(po, make, lr, f, grad, x0, fmin, tol, steps):
    x = np.array(x0, dtype=np.float64)
    opt = make([x], lr)
    path = [x.copy()]
    hit = None
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            opt.step([grad(x)])
            path.append(x.copy())
            gap = f(x) - fmin
            if hit is None and gap < tol:
                hit = k
            if not np.isfinite(gap):
                break
        return hit, f(x) - fmin, np.array(path)


def run(args) -> None:
    import pyoptim as po

    quick = bool(getattr(args, "quick", False))
    facts = _factories(po)
    paths = {}
    for j, (pname, f, grad, x0, fmin, tol) in enumerate(_problems(po)):
        steps = (500 if quick else 2000) if j == 0 else (2000 if quick else 20000)
        print(f"  {pname}: start {np.round(x0, 3).tolist()}, {steps} steps, tolerance f - f* < {tol:g}")
        print(f"  {'optimizer':<16} {'lr':>8} {'steps to tol':>13} {'final f - f*':>13} {'ms':>7}")
        for name, make in facts.items():
            lr = _RATES[name][j]
            t0 = time.perf_counter()
            hit, gap, path = _run_one(po, make, lr, f, grad, x0, fmin, tol, steps)
            ms = (time.perf_counter() - t0) * 1e3
            print(f"  {name:<16} {lr:>8.2g} {('> %d' % steps) if hit is None else hit:>13} {gap:>13.3e} {ms:>7.0f}")
            if j == 0:
                paths[name] = (path, f)
        print()
    print("  RMSprop with a constant rate does not converge to the tolerance: its step is about lr times the\n"
          "  sign of the gradient near the minimum, so it hovers (a decaying rate, 8.3.1, fixes that).")
    out = getattr(args, "out", None)
    if out:
        _figure(paths, out)


def _figure(paths, out, steps: int = 80) -> None:
    """Small multiples: one panel per optimizer (seven paths overlap in one panel), the same contours,
    axes and start; each path in its own Okabe-Ito colour and marker, a filled start circle, an end
    square and the minimum's star, a key in every panel and one shared key for the markers."""
    try:
        import pyoptim as po
        P = po.plot
        P.matplotlib_module()
    except ImportError:
        print('  (no figure: matplotlib is not installed; pip install "pyoptim-dlbook[tour]")')
        return
    from matplotlib.lines import Line2D

    os.makedirs(out, exist_ok=True)
    allp = np.concatenate([p[:steps] for p, _ in paths.values()])
    lo, hi = allp.min(0), allp.max(0)
    pad = 0.08 * (hi - lo + 1e-9)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 160)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 160)
    f = next(iter(paths.values()))[1]
    Z = np.array([[f(np.array([a, b])) for a in xs] for b in ys])
    levels = np.quantile(Z, np.linspace(0.01, 0.9, 14))
    xmin = xs[np.argmin(Z.min(0))], ys[np.argmin(Z.min(1))]
    n = len(paths)
    ncols = 4
    nrows = -(-n // ncols)
    colors = list(P.OKABE_ITO.values())
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    with P.style():
        fig, axes = P.figure((3.2 * ncols, 3.0 * nrows + 0.6), nrows, ncols, sharex=True, sharey=True)
        axes = np.atleast_1d(axes).ravel()
        for k, (ax, (name, (p, _))) in enumerate(zip(axes, paths.items())):
            c = colors[k % len(colors)] if colors[k % len(colors)] != P.OKABE_ITO["yellow"] else "#999999"
            ax.contour(xs, ys, Z, levels=levels, colors="0.8", linewidths=0.6)
            q = p[:steps + 1]
            ax.plot(q[:, 0], q[:, 1], "-", marker=markers[k % len(markers)], ms=2.5, lw=1.1, color=c,
                    markevery=max(1, len(q) // 20), label=name)
            ax.plot(*q[0], "o", ms=7, mfc="white", mec="black", mew=1.2, zorder=5)
            ax.plot(*q[-1], "s", ms=7, mfc=c, mec="black", mew=1.0, zorder=5)
            ax.plot(*xmin, "*", ms=10, color="black", zorder=4)
            ax.set_title(name, color=c)     # the panel's title names its path (no 8-pt key to repeat it)
            ax.set_xlabel("θ₁")
            ax.set_ylabel("θ₂")
        for ax in axes[n:]:
            ax.set_visible(False)
        fig.legend(handles=[Line2D([], [], ls="", marker="o", ms=7, mfc="white", mec="black", label="start"),
                            Line2D([], [], ls="", marker="s", ms=7, mfc="0.6", mec="black",
                                   label=f"after {steps} steps"),
                            Line2D([], [], ls="", marker="*", ms=10, color="black", label="minimum")],
                   loc="outside lower center", ncol=3, frameon=False)
        fig.suptitle(f"First {steps} steps on an ill-conditioned quadratic (κ = 50), book 8.3 and 8.5")
    path = os.path.join(out, "optimizers_quadratic.png")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"  figure: {path}")
