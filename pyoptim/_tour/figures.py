"""Figures and the summary table of the tour (``python -m pyoptim tour --out DIR``).

For part owners::

    from . import figures
    def run(args):
        ...
        figures.save(po.plot.loss_curves(hist, mark_epoch=stopper), args, "digits_loss")
        figures.note(args, "Adam test accuracy", f"{acc:.3f}")

:func:`save` writes ``DIR/<name>.png`` (``args.out``, default ``./pyoptim-tour``; ``args.out = None``
writes nothing, for tests) and remembers it for the summary; :func:`note` adds a line to the summary
table the tour prints at the end. The tour entry point calls :func:`begin_part` / :func:`end_part`
around every part; if a part wrote no figure, :func:`end_part` draws the part's fallback figure from
:data:`FALLBACKS` (small computations of its own on the same public API), so every part leaves at
least one PNG behind.
"""
from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["save", "note", "begin_part", "end_part", "summary_table", "FALLBACKS", "EXTRAS", "reset",
           "trajectories_figure"]

_RECORDS: list[dict] = []      # one per part: name, title, seconds, figures, notes, status
_CURRENT: dict | None = None


def reset() -> None:
    """Forget every recorded part (a new tour run)."""
    global _CURRENT
    _RECORDS.clear()
    _CURRENT = None


def _out(args) -> Path | None:
    out = getattr(args, "out", "pyoptim-tour")
    return None if out is None else Path(out)


def save(fig, args, name: str) -> Path | None:
    """Write ``fig`` as ``<args.out>/<name>.png`` and record it for the summary; returns the path.

    A pyplot-managed figure is closed after saving (no "too many open figures" warnings). With
    ``args.out`` set to None nothing is written and None is returned.
    """
    out = _out(args)
    path = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        print(f"  figure: {path}", flush=True)
    manager = getattr(getattr(fig, "canvas", None), "manager", None)
    if manager is not None:
        import matplotlib.pyplot as plt
        plt.close(fig)
    if _CURRENT is not None:
        _CURRENT["figures"].append(name if path is None else str(path))
    return path


def note(args, key: str, value: Any) -> None:
    """Add ``key: value`` to the summary table under the current part."""
    if _CURRENT is not None:
        _CURRENT["notes"].append((str(key), str(value)))


def _pngs(out: Path | None) -> dict[str, tuple]:
    """Every PNG in ``out`` with its stat signature (inode, size, mtime in ns)."""
    if out is None or not out.is_dir():
        return {}
    sigs = {}
    for png in out.glob("*.png"):
        try:
            st = png.stat()
        except OSError:
            continue
        sigs[str(png)] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return sigs


def begin_part(name: str, title: str = "", args=None) -> None:
    """Start recording a part (called by the tour entry point with the tour's ``args``).

    The PNGs already in ``args.out`` are listed with their stat signatures, so :func:`end_part` counts
    exactly the files the part created or rewrote, whatever the clock: comparing modification times
    with the clock counted a figure the previous part wrote less than a timestamp tick earlier (1 ms
    of slack; coarse file-system clocks) as this part's, and skipped its fallback on fast machines.
    """
    global _CURRENT
    out = _out(args) if args is not None else None
    _CURRENT = {"name": name, "title": title, "t0": time.perf_counter(), "seconds": 0.0,
                "figures": [], "notes": [], "status": "ok", "out0": out, "pngs0": _pngs(out)}
    _RECORDS.append(_CURRENT)


def end_part(args, error: BaseException | None = None) -> dict:
    """Finish the current part: record an error, draw the fallback figure if none was written."""
    global _CURRENT
    rec = _CURRENT
    if rec is None:
        raise RuntimeError("end_part() without begin_part()")
    if error is not None:
        rec["status"] = f"FAILED: {type(error).__name__}: {error}"[:60]
    out = _out(args)
    if out is not None and out == rec["out0"]:   # PNGs a part wrote itself (fig.savefig) count too
        known = {str(Path(f)) for f in rec["figures"]}
        before = rec["pngs0"]
        for png, sig in sorted(_pngs(out).items()):
            if before.get(png) != sig and png not in known:
                rec["figures"].append(png)
    extra = [EXTRAS[rec["name"]]] if rec["name"] in EXTRAS else []
    fallback = [FALLBACKS[rec["name"]]] if not rec["figures"] and rec["name"] in FALLBACKS else []
    for draw in extra + [f for f in fallback if f not in extra]:
        try:
            draw(args)
        except Exception as exc:  # noqa: BLE001 - a missing figure is reported, not fatal
            print(f"  (no figure for {rec['name']}: {type(exc).__name__}: {exc})", flush=True)
            if getattr(args, "verbose", False):
                traceback.print_exc()
    rec["seconds"] = time.perf_counter() - rec["t0"]
    _CURRENT = None
    return rec


def summary_table() -> str:
    """The table printed at the end of the tour: one row per part, then the parts' notes."""
    rows = [("part", "time", "figures", "status")]
    for r in _RECORDS:
        rows.append((r["name"], f"{r['seconds']:.1f} s", str(len(r["figures"])), r["status"]))
    w = [max(len(row[i]) for row in rows) for i in range(4)]
    line = "  ".join("-" * x for x in w)
    out = ["  ".join(c.ljust(x) for c, x in zip(rows[0], w)).rstrip(), line]
    out += ["  ".join(c.ljust(x) for c, x in zip(row, w)).rstrip() for row in rows[1:]]
    notes = [(r["name"], k, v) for r in _RECORDS for k, v in r["notes"]]
    if notes:
        labels = [f"[{p}] {k}" for p, k, _ in notes]
        kw = max(len(label) for label in labels)
        out += ["", "highlights:"] + [f"  {label.ljust(kw)}  {v}" for label, (_, _, v) in zip(labels, notes)]
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------
# Fallback figures: drawn when a part wrote none (each is a few seconds at most)
# ------------------------------------------------------------------------------------------------

def _quick(args) -> bool:
    return bool(getattr(args, "quick", False))


def trajectories_figure(steps: int = 60):
    """First-order optimizers on an ill-conditioned quadratic (top row) and on Rosenbrock (bottom row),
    one panel per optimizer on shared contours (on Rosenbrock all three follow the same curved valley:
    in one panel they would hide each other), one key for the markers (8.3, 8.5).

    The README's figure (docs/figures/tour_trajectories.png) is this one.
    """
    import pyoptim as po
    P = po.plot
    fig, _ = P.figure((10.6, 7.4), 0)
    rows = fig.subfigures(2, 1, hspace=0.04)
    H = np.diag([1.0, 25.0])
    quad = lambda x: 0.5 * x @ H @ x  # noqa: E731
    qgrad = lambda x: H @ x  # noqa: E731
    x0 = np.array([-1.8, 0.9])
    lr = 0.9 * 2 / 25.0                       # just below GD's stability limit 2/λmax: zig-zag
    paths = {
        "gradient descent": P.optimizer_path(lambda p: po.optim.SGD(p, lr=lr), qgrad, x0, steps),
        "momentum 0.8": P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.02, momentum=0.8), qgrad, x0, steps),
        "Adam": P.optimizer_path(lambda p: po.optim.Adam(p, lr=0.15), qgrad, x0, steps),
    }
    P.path_panels(quad, paths, (-2, 2), (-1.2, 1.2), fig=rows[0], minimum=[0, 0], resolution=80, ncols=3,
                  key=False, title=f"Quadratic, condition number 25 ({steps} steps)")

    def rosen(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    def rgrad(x):
        return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])

    r0 = np.array([-1.2, 1.0])
    n = 1000
    rpaths = {
        "gradient descent": P.optimizer_path(lambda p: po.optim.SGD(p, lr=2e-3), rgrad, r0, n),
        "momentum 0.9": P.optimizer_path(lambda p: po.optim.SGD(p, lr=5e-4, momentum=0.9), rgrad, r0, n),
        "Adam": P.optimizer_path(lambda p: po.optim.Adam(p, lr=0.05), rgrad, r0, n),
    }
    levels = np.geomspace(0.1, 1500, 14)
    P.path_panels(rosen, rpaths, (-2, 2), (-1, 3), levels, fig=rows[1], minimum=[1, 1], resolution=80, ncols=3,
                  title=f"Rosenbrock ({n} steps)")
    return fig


def _fallback_optimizers(args) -> None:
    save(trajectories_figure(30 if _quick(args) else 60), args, "tour_trajectories")


def _fallback_secondorder(args) -> None:
    import pyoptim as po
    f = po.functions.rosenbrock()
    paths = {}
    for method in ("gd", "cg", "bfgs", "newton"):
        res = po.minimize(f.value_and_grad, f.x0, method=method, jac=True,
                          hess=f.hess if method == "newton" else None,
                          options={"return_path": True, "maxiter": 200 if method == "gd" else 100})
        paths[method] = res.path
    save(po.plot.contour_paths(f, paths, (-2, 2), (-1, 3), levels=np.geomspace(0.1, 1500, 14), minimum=f.xmin,
                               markers=False, title="Second-order methods on Rosenbrock (8.6)"),
         args, "tour_secondorder")


def _digits_split(seed: int = 0):
    import pyoptim as po
    data = po.datasets.load_digits()
    X, y = (data if isinstance(data, tuple) else (data["data"], data["target"]))[:2]
    X = np.asarray(X, dtype=np.float32)
    X = X / max(float(X.max()), 1.0)
    y = np.asarray(y)
    idx = np.random.default_rng(seed).permutation(len(X))
    n = int(0.7 * len(X))
    return X[idx[:n]], y[idx[:n]], X[idx[n:]], y[idx[n:]]


def _fallback_digits(args) -> None:
    import pyoptim as po
    from pyoptim import nn
    Xtr, ytr, Xte, yte = _digits_split()
    epochs = 3 if _quick(args) else 10
    hists = {}
    for name, make in (("SGD", lambda p: po.optim.SGD(p, lr=0.05)),
                       ("momentum", lambda p: po.optim.SGD(p, lr=0.05, momentum=0.9)),
                       ("Adam", lambda p: po.optim.Adam(p, lr=1e-3))):
        model = nn.Sequential(nn.Dense(64, 64, seed=0), nn.ReLU(), nn.Dense(64, 10, seed=1))
        h = po.fit(model, nn.SoftmaxCrossEntropy(), make(list(model.parameters())), Xtr, ytr, epochs=epochs,
                   batch_size=32, validation_data=(Xte, yte), progress=False, seed=0)
        hists[name] = h.history["val_loss"]
    save(po.plot.curves(hists, x=np.arange(1, epochs + 1), xlabel="epoch", ylabel="held-out loss",
                        title="An MLP on the digits (8.1, 8.3, 8.5)"), args, "tour_digits")


def _fallback_regularization(args) -> None:
    import pyoptim as po
    H = np.array([[1.0, 0.0], [0.0, 8.0]])
    save(po.plot.l2_picture(H, np.array([2.0, 1.0]), 1.5), args, "tour_l2")


def _fallback_diagnostics(args) -> None:
    import pyoptim as po
    t = np.arange(0, 40)
    rng = np.random.default_rng(0)
    V = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    x = rng.standard_normal(3)
    norms = {}
    for lam in (0.9, 1.0, 1.1):
        W = V @ np.diag([lam, 0.5 * lam, 0.2]) @ V.T
        norms[lam] = [np.linalg.norm(np.linalg.matrix_power(W, k) @ x) for k in t]
    save(po.plot.power_norms(t, norms, title="‖Wᵗx‖: vanishing and exploding (8.2.5)"), args, "tour_power_norms")


#: part name -> a function(args) drawn after the part in every run (the README's figure)
EXTRAS: dict[str, Callable[[Any], None]] = {"optimizers": _fallback_optimizers}

#: part name -> a function(args) that writes that part's figure when the part wrote none
FALLBACKS: dict[str, Callable[[Any], None]] = {
    "optimizers": _fallback_optimizers,
    "secondorder": _fallback_secondorder,
    "digits": _fallback_digits,
    "regularization": _fallback_regularization,
    "diagnostics": _fallback_diagnostics,
}


def _write_readme_figure(path: str = "docs/figures/tour_trajectories.png", dpi: int = 90) -> None:
    """Regenerate the README's figure: ``python -m pyoptim._tour.figures [PATH]``."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    trajectories_figure(60).savefig(out, dpi=dpi, bbox_inches="tight")
    try:  # a 256-colour palette makes the file about 3x smaller (Pillow comes with matplotlib)
        from PIL import Image
        Image.open(out).convert("RGB").quantize(256).save(out, optimize=True)
    except ImportError:
        pass
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    import sys

    _write_readme_figure(*sys.argv[1:2])
