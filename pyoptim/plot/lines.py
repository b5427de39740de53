"""Line plots against a step, an epoch or a layer: training curves (book 7.8), curvature and
sharpness (8.2.1, Fig. 8.1), activations through depth (8.4), gradient noise (8.1.3), powers of W (8.2.5)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ._style import finish_axes, target_axes, figure, style, text_width, widen_for


def _history_dict(history) -> tuple[dict, np.ndarray | None]:
    if hasattr(history, "history"):
        h = dict(history.history)
        epoch = getattr(history, "epoch", None)
    else:
        h = dict(history)
        epoch = None
    return h, (np.asarray(epoch) if epoch is not None and len(epoch) else None)


def loss_curves(history, metrics: Sequence[str] | None = None, mark_epoch=None, ax=None, *,
                logy: bool = False, title: str | None = None):
    """Per-epoch metrics of a training run, with the early-stopping point marked (book Fig. 7.3).

    Parameters
    ----------
    history : History or dict name -> list
        :func:`pyoptim.fit`'s History (its ``.history`` dict and ``.epoch``), or a plain dict.
    metrics : names, optional
        Which series to draw; default every key with "loss" in it. Accuracy/error metrics (names
        containing "acc" or "err") go on a second panel to the right.
    mark_epoch : int, "best", or an object with ``best_epoch`` (EarlyStopping), optional
        Draws a dashed vertical line there; "best" is the epoch of the lowest ``val_loss``.
        Epochs are in the units of ``history.epoch`` when present, else 0, 1, 2, ...: numbered from 0,
        as :class:`pyoptim.History` and ``EarlyStopping.best_epoch`` number them, so the line stands
        where ``History.plot()`` draws it and at the number the tour prints.

    Returns the Figure.
    """
    h, epoch = _history_dict(history)
    if metrics is None:
        metrics = [k for k in h if "loss" in k] or list(h)
    missing = [m for m in metrics if m not in h]
    if missing:
        raise ValueError(f"Invalid metrics: {missing!r} (expected keys of the history: {sorted(h)})")
    lossy = [m for m in metrics if not ("acc" in m or "err" in m)]
    scored = [m for m in metrics if m not in lossy]
    n = max(len(h[m]) for m in metrics)
    x = epoch if epoch is not None and len(epoch) == n else np.arange(n)
    if ax is None:
        fig, axes = figure((9.5, 3.8) if (lossy and scored) else (5.5, 3.8), 1, 2 if (lossy and scored) else 1)
        axes = list(np.atleast_1d(axes))
    else:
        fig, axes = ax.figure, [ax] * (2 if (lossy and scored) else 1)
    if isinstance(mark_epoch, str):
        if mark_epoch != "best" or "val_loss" not in h:
            raise ValueError(f"Invalid mark_epoch: {mark_epoch!r} (expected an int, an EarlyStopping, or "
                             "'best' with a val_loss history)")
        mark_epoch = x[int(np.nanargmin(h["val_loss"]))]
    stopped = None
    mark_label = "stop (epoch {})"
    if mark_epoch is not None and hasattr(mark_epoch, "best_epoch"):
        stopped = getattr(mark_epoch, "stopped_epoch", None)
        mark_epoch = mark_epoch.best_epoch
        mark_label = "best epoch {} (restored)"
    with style():
        groups = [(g, a) for g, a in zip([lossy, scored] if lossy else [scored], axes) if g]
        for group, a in groups:
            for m in group:
                v = np.asarray(h[m], dtype=float)
                a.plot(x[: len(v)], v, label=m, ls="--" if m.startswith("val") else "-",
                       marker="." if len(v) <= 40 else None)
            if logy:
                a.set_yscale("log")
            if mark_epoch is not None:
                a.axvline(mark_epoch, color="black", ls=":", lw=1.2, label=mark_label.format(mark_epoch))
            if stopped is not None:
                a.axvline(stopped, color="0.5", ls="-.", lw=1.0, label=f"stopped (epoch {stopped})")
            finish_axes(a, "epoch (from 0)", "loss" if group is lossy else "accuracy / error", title if a is axes[0] else None)
    return fig


def curvature(gTg, gTHg, ax=None, *, lr: float | None = None, steps=None, title: str | None = None):
    """gᵀg and gᵀHg during training, log scale (book 8.2.1, Fig. 8.1).

    A gradient step of size ε changes the cost by about ½ε²gᵀHg − εgᵀg (book eq. 8.10): when
    ``lr`` (ε) is given the curve ½ε·gᵀHg is drawn too, and wherever it rises above gᵀg the step
    *increases* the cost: ill-conditioning. ``steps`` are the x values (default 0, 1, ...).

    Returns the Figure.
    """
    gTg = np.asarray(gTg, dtype=float)
    gTHg = np.asarray(gTHg, dtype=float)
    if gTg.shape != gTHg.shape or gTg.ndim != 1:
        raise ValueError(f"Invalid gTHg: shape {gTHg.shape} (expected the shape of gTg, {gTg.shape}, 1-D)")
    x = np.arange(len(gTg)) if steps is None else np.asarray(steps)
    fig, ax = target_axes(ax, (5.5, 3.8))
    with style():
        ax.plot(x, gTg, label="$g^\\top g$")
        ax.plot(x, np.abs(gTHg), label="$|g^\\top H g|$")
        if lr is not None:
            ax.plot(x, 0.5 * lr * np.abs(gTHg), ls="--", label=f"$\\frac{{1}}{{2}}\\epsilon\\, g^\\top H g$ (ε={lr:g})")
        ax.set_yscale("log")
        finish_axes(ax, "training step", "value", title or "Gradient norm and curvature (book Fig. 8.1)")
    return fig


def sharpness(steps, lam_max, lr: float, ax=None, *, ratio_steps=None, ratio=None, title: str | None = None):
    """The Hessian's largest eigenvalue λ_max during training against gradient descent's stability
    limit 2/ε (book 8.2.1; the "edge of stability" of Cohen et al., 2021).

    On a quadratic, gradient descent with rate ε diverges along any direction of curvature above 2/ε.
    During full-batch training λ_max rises until it reaches 2/ε and then hovers there; the curvature
    along the gradient, gᵀHg/gᵀg (``ratio``, at ``ratio_steps``), then sits at 2/ε too, which is
    exactly where ½ε²gᵀHg = εgᵀg (book eq. 8.10): the step's predicted gain is zero.

    Returns the Figure.
    """
    steps = np.asarray(steps, dtype=float)
    lam_max = np.asarray(lam_max, dtype=float)
    if steps.shape != lam_max.shape or steps.ndim != 1:
        raise ValueError(f"Invalid lam_max: shape {lam_max.shape} (expected the shape of steps, {steps.shape}, 1-D)")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"Invalid lr: {lr!r} (expected a finite value > 0)")
    if (ratio is None) != (ratio_steps is None):
        raise ValueError("Invalid ratio, ratio_steps: give both or neither")
    fig, ax = target_axes(ax, (5.5, 3.8))
    with style():
        if ratio is not None:
            ax.plot(np.asarray(ratio_steps), np.asarray(ratio, dtype=float), ".", ms=3, alpha=0.5,
                    label="$g^\\top H g / g^\\top g$ (curvature along g)")
        ax.plot(steps, lam_max, "o-", ms=4, label="$\\lambda_{max}$ (Lanczos)")
        ax.axhline(2.0 / lr, color="black", ls="--", lw=1.2, label=f"2/ε = {2.0 / lr:g}")
        top = max(float(np.nanmax(lam_max)), 2.0 / lr)
        ax.set_ylim(0.0, 1.25 * top)
        finish_axes(ax, "training step", "curvature", title or "Sharpness and the 2/ε limit (book 8.2.1)")
    return fig



def activation_stats(stats_by_init: Mapping[str, Sequence[float]], ax=None, *, logy: bool = True,
                     ylabel: str = "std of activations", title: str | None = None):
    """Activation standard deviation by layer, one line per initialization (book 8.4).

    ``stats_by_init`` maps a name (e.g. "Glorot", "N(0, 0.01)") to the std at layers 1..L. With a
    good initialization the line stays flat; with too small a scale it collapses geometrically.

    Returns the Figure.
    """
    fig, ax = target_axes(ax, (5.5, 3.8))
    with style():
        for name, s in stats_by_init.items():
            s = np.asarray(s, dtype=float)
            ax.plot(np.arange(1, len(s) + 1), s, marker="o", ms=4, label=name)
        if logy:
            ax.set_yscale("log")
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        finish_axes(ax, "layer", ylabel, title or "Activations through depth, per initialization")
    return fig


def gradient_noise(batch_sizes, stds, ax=None, *, title: str | None = None):
    """Standard error of the minibatch gradient against the minibatch size m, log-log (book 8.1.3).

    Fits a line in log-log space and annotates its slope; the book's claim is σ/√m, slope −½,
    drawn dashed through the first point.

    Returns the Figure.
    """
    m = np.asarray(batch_sizes, dtype=float)
    s = np.asarray(stds, dtype=float)
    if m.shape != s.shape or m.ndim != 1 or m.size < 2:
        raise ValueError(f"Invalid stds: shape {s.shape} (expected the shape of batch_sizes, {m.shape}, >= 2 points)")
    slope, icpt = np.polyfit(np.log(m), np.log(s), 1)
    fig, ax = target_axes(ax, (5.0, 3.8))
    with style():
        ax.loglog(m, s, "o-", label=f"measured (fitted slope {slope:.2f})")
        ax.loglog(m, s[0] * (m / m[0]) ** -0.5, "--", color="black", lw=1.0, label="σ/√m (slope −½)")
        finish_axes(ax, "minibatch size m", "std of the gradient estimate", title or "Minibatch gradient noise")
    return fig


def power_norms(ts, norms_by_lambda: Mapping[Any, Sequence[float]], ax=None, *, title: str | None = None):
    """‖Wᵗx‖ against t for several spectra (book 8.2.5, long-term dependencies).

    ``norms_by_lambda`` maps a label (e.g. a float λ, shown as "λ = 0.9") to the norms at ``ts``.
    With Wᵗ = V diag(λ)ᵗ V⁻¹ the curves are straight lines of slope log|λ| on the log axis:
    |λ| < 1 vanishes, |λ| > 1 explodes.

    Returns the Figure.
    """
    ts = np.asarray(ts)
    fig, ax = target_axes(ax, (5.5, 3.8))
    with style():
        for lam, v in norms_by_lambda.items():
            label = f"λ = {lam:g}" if isinstance(lam, (int, float, np.floating)) else str(lam)
            ax.semilogy(ts, np.asarray(v, dtype=float), label=label)
        finish_axes(ax, "t (number of steps)", "$\\|W^t x\\|$", title or "Repeated multiplication by W")
    return fig



def curves(series: Mapping[str, Sequence[float]], x=None, ax=None, *, xlabel: str = "step",
           ylabel: str = "value", logx: bool = False, logy: bool = False, title: str | None = None,
           styles: Mapping[str, str] | None = None):
    """Several named series against a shared x (default 0, 1, ...), e.g. loss per step per schedule.

    ``x`` may also be a dict name -> x values. ``styles`` maps a name to a matplotlib format string
    (e.g. ``"--"``). With more than four series the key goes beside the panel (inside, it would sit on
    some curve), and a new figure is made wide enough for the key and the title. Returns the Figure.
    """
    outside = len(series) > 4
    own = ax is None
    fig, ax = target_axes(ax, (5.5, 3.8))
    if own:   # room for the title over the panel and for the key beside it
        key_w = (max(text_width(n, 9.0) for n in series) + 0.7) if outside else 0.0
        fig.set_figwidth(5.5 + key_w)
        widen_for(fig, title, key_w)
    with style():
        few = None
        for name, y in series.items():
            y = np.asarray(y, dtype=float)
            xx = np.asarray(x[name] if isinstance(x, Mapping) else (np.arange(len(y)) if x is None else x))
            ax.plot(xx[: len(y)], y, (styles or {}).get(name, "-"), label=name,
                    marker="o" if len(y) <= 12 else None, ms=5)
            few = xx[: len(y)] if len(y) <= 12 else few
        if logx:
            ax.set_xscale("log")
            if few is not None and np.all(few > 0):       # a few x values: label them plainly
                ax.set_xticks(few, [f"{v:g}" for v in few])
                ax.minorticks_off()
        elif few is not None and np.all(np.mod(few, 1) == 0):
            from matplotlib.ticker import MaxNLocator
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if logy:
            ax.set_yscale("log")
        finish_axes(ax, xlabel, ylabel, title, legend=not outside)
        if outside:
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return fig
