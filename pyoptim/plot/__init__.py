"""pyoptim.plot: the figures of chapters 7 and 8 of the Deep Learning book, one call each.

Every function takes plain NumPy arrays (or a :class:`pyoptim.History`), draws with matplotlib's
object API, and **returns the** :class:`matplotlib.figure.Figure` so you can restyle it
(``fig.axes[0].set_title(...)``) or save it (``fig.savefig("x.png")``). Nothing here calls
``plt.show()`` and nothing touches pyplot's global state: a figure made here is not registered with
pyplot, so it never piles up as an "open figure" and it works with any backend (Agg included).
In Jupyter a returned figure shows as a PNG when it is the cell's last expression (or ``display(fig)``).
Pass ``ax=`` to draw into an Axes of your own instead (then its figure is returned).

matplotlib is optional: it is imported inside the functions (``pip install "pyoptim-dlbook[tour]"``), so
``import pyoptim`` never imports it.

=====================================  ==================================================  ===========
function                               what it shows                                        book
=====================================  ==================================================  ===========
:func:`contour_paths`                  contours of a 2-D f and optimizer trajectories       Fig. 8.5, 8.6.2
:func:`optimizer_path`                 records the iterates of a first-order optimizer      8.3, 8.5
:func:`loss_curves`                    per-epoch metrics with the early-stopping point      Fig. 7.3
:func:`curvature`                      gᵀg and gᵀHg during training                         Fig. 8.1
:func:`sharpness`                      λ_max and gᵀHg/gᵀg against the 2/ε stability limit   8.2.1
:func:`l2_picture`                     J's contours, the L2 ball, w* and w̃                 Fig. 7.1
:func:`l1_path`                        weights against the L1 strength α                    7.1.2
:func:`dropout_masks`                  sampled dropout masks                                7.12
:func:`activation_stats`               activation std by layer per initialization           8.4
:func:`gradient_noise`                 minibatch-gradient std against m, slope −½           8.1.3
:func:`power_norms`                    ‖Wᵗx‖ against t for several λ                        8.2.5
:func:`hessian_spectrum`               histogram of Hessian eigenvalues                     8.2.1
:func:`curves`                         any named series against a shared x                  (helper)
:func:`histograms`                     overlaid histograms (activations), zeros counted     7.10
:func:`image_grid`                     small images in a grid (digits, tangents, masks)     7.4, 7.14
:func:`continuation`                   a 1-D objective, its smoothed versions and a path    8.7.6
:func:`bars`                           a labelled bar chart of named values                 (helper)
=====================================  ==================================================  ===========

The ``interactive_*`` functions add sliders (ipywidgets, the ``notebooks`` extra) for the learning
rate, momentum and β on trajectories, α on the L1/L2 pictures, p on dropout and σ on continuation,
redrawing in place. Without ipywidgets they draw the same figure once, statically. Each returns an
:class:`Interactive` whose ``update(**values)`` is exactly the function the sliders call.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
:func:`style` is the context every function draws in, and :data:`RC` its rcParams.

Language: ``set_language("ko")`` (or ``with language("ko"):``) writes every title, axis label and
legend entry of a pyoptim figure in Korean, including the texts a notebook sets itself on a figure
made here, from the catalogs in ``pyoptim._lang``; the text is translated while the figure is drawn
(the figure keeps its texts as written, so code reading them back sees the same strings in every language),
in a Hangul font (an installed NanumGothic or Noto Sans CJK KR, else the one the
``koreanize-matplotlib`` package ships), with DejaVu Sans behind it for Greek and math symbols.
Without a Hangul font the figures stay in English, with one warning saying how to get one.
"""
from __future__ import annotations

import contextlib
import functools
import io
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "OKABE_ITO", "RC", "style", "figure", "set_language", "get_language", "language",
    "optimizer_path", "contour_paths", "loss_curves", "curvature", "sharpness", "l2_picture", "l1_path",
    "dropout_masks", "activation_stats", "gradient_noise", "power_norms", "hessian_spectrum",
    "curves", "histograms", "image_grid", "continuation", "bars",
    "Interactive", "interactive_trajectories", "interactive_l2", "interactive_l1",
    "interactive_dropout", "interactive_continuation",
]

#: Okabe & Ito (2008), "Color Universal Design", in the order the lines use them (yellow last: it is
#: the palette's lowest-contrast colour on white).
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "orange": "#E69F00",
    "purple": "#CC79A7",
    "skyblue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
_COLORS = list(OKABE_ITO.values())

#: The rcParams every pyoptim figure is drawn with (see :func:`style`).
RC: dict[str, Any] = {
    "axes.prop_cycle": None,          # filled lazily with a cycler of OKABE_ITO (needs matplotlib)
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "image.cmap": "viridis",
}


def _mpl():
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError('pyoptim.plot needs matplotlib: pip install "pyoptim-dlbook[tour]"') from exc
    return matplotlib


def _rc() -> dict:
    mpl = _mpl()
    rc = dict(RC)
    rc["axes.prop_cycle"] = mpl.cycler(color=_COLORS)
    return rc


@contextlib.contextmanager
def style():
    """Context manager applying pyoptim's style (:data:`RC`, Okabe-Ito colours) to figures drawn inside.

    Example::

        with po.plot.style():
            fig, ax = plt.subplots()
            ax.plot(x, y)          # drawn in the pyoptim style
    """
    mpl = _mpl()
    with mpl.rc_context(_rc()):
        yield


# ------------------------------------------------------------------------------------------------
# Language of the figures
# ------------------------------------------------------------------------------------------------

_LANGUAGE = "en"
_HANGUL_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "Source Han Sans KR", "UnDotum",
                 "Malgun Gothic", "AppleGothic")
_FONT_CACHE: dict[str, str | None] = {}


def _hangul_font() -> str | None:
    """The family name of a font with Hangul glyphs, registering koreanize-matplotlib's NanumGothic
    file when no installed font has them; None when there is none."""
    if "ko" in _FONT_CACHE:
        return _FONT_CACHE["ko"]
    _mpl()
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((n for n in _HANGUL_FONTS if n in names), None)
    if found is None:
        import importlib.util
        import os

        spec = importlib.util.find_spec("koreanize_matplotlib")   # located, not imported (no side effects)
        if spec is not None and spec.submodule_search_locations:
            path = os.path.join(list(spec.submodule_search_locations)[0], "fonts", "NanumGothic.ttf")
            if os.path.exists(path):
                font_manager.fontManager.addfont(path)
                found = font_manager.FontProperties(fname=path).get_name()
    _FONT_CACHE["ko"] = found
    return found


def set_language(lang: str) -> str:
    """Write the texts of pyoptim's figures in ``lang`` ("en" or "ko"); returns the language in force.

    With "ko" every title, axis label and legend entry that a catalog knows is translated when the
    figure is drawn (texts a notebook sets on a pyoptim figure included), in a Hangul font. When no
    Hangul font can be found the language stays "en" and a warning says how to install one
    (``pip install koreanize-matplotlib`` or Debian's ``fonts-nanum``).
    """
    global _LANGUAGE
    from ._lang import LANGUAGES

    if lang not in LANGUAGES:
        raise ValueError(f"Invalid lang: {lang!r} (expected one of {', '.join(map(repr, LANGUAGES))})")
    if lang == "ko" and _hangul_font() is None:
        import warnings

        warnings.warn("pyoptim.plot: no font with Hangul glyphs was found, so figures stay in English; "
                      "pip install koreanize-matplotlib (or apt-get install fonts-nanum) to draw them in Korean",
                      UserWarning, stacklevel=2)
        lang = "en"
    _LANGUAGE = lang
    return lang


def get_language() -> str:
    """The language pyoptim's figures are written in ("en" or "ko")."""
    return _LANGUAGE


@contextlib.contextmanager
def language(lang: str):
    """``with pyoptim.plot.language("ko"): ...``: :func:`set_language` for the figures drawn inside."""
    before = _LANGUAGE
    set_language(lang)
    try:
        yield
    finally:
        set_language(before)


def _translate_texts(fig, lang: str) -> list:
    """Translate every title, label, legend and annotation text of ``fig`` into ``lang`` and give the
    translated ones the Hangul font (with the current family behind it for symbols). Returns
    ``[(text artist, original text, original font properties), ...]`` for :func:`_restore_texts`."""
    from matplotlib.text import Text

    from ._lang import translate

    font = _hangul_font() if lang == "ko" else None
    saved = []
    # tick labels given as names (bars(), set_xticks(..., labels)) are rewritten from their formatter
    # at every draw (a FixedFormatter's list, or the {position: name} dict of set_ticklabels'
    # FuncFormatter): translate the names there (kept in ``saved`` to be put back after the draw)
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            fmt = axis.get_major_formatter()
            names = None
            if isinstance(fmt, FixedFormatter):
                names = fmt.seq = list(fmt.seq)
            elif isinstance(fmt, FuncFormatter) and isinstance(fmt.func, functools.partial):
                names = next((a for a in fmt.func.args if isinstance(a, dict)), None)
            if names is None:
                continue
            keys = range(len(names)) if isinstance(names, list) else list(names)
            for key in keys:
                if isinstance(names[key], str):
                    new = translate(names[key], lang)
                    if new != names[key]:
                        saved.append((names, key, names[key]))
                        names[key] = new
    for t in fig.findobj(Text):
        s = t.get_text()
        new = translate(s, lang)
        hangul = font and any("\uac00" <= ch <= "\ud7a3" for ch in new) and font not in t.get_fontfamily()
        if new == s and not hangul:
            continue
        saved.append((t, s, t.get_fontproperties().copy()))
        if new != s:
            t.set_text(new)
        if hangul:
            t.set_fontfamily([font, "DejaVu Sans", *t.get_fontfamily()])
    return saved


def _restore_texts(saved: list) -> None:
    """Put back the texts :func:`_translate_texts` replaced, without marking the figure stale (the
    figure's texts stay in the language the code wrote them in; only the drawing is translated, so
    code that reads a legend or a title back sees the same strings in every language)."""
    for entry in saved:
        if len(entry) == 3 and isinstance(entry[0], (list, dict)):   # a formatter's tick name
            names, key, original = entry
            names[key] = original
            continue
        t, s, props = entry
        t._text = s
        t._fontproperties = props


def _figure_class():
    _mpl()   # without matplotlib: the ImportError that names the extra
    from matplotlib.figure import Figure

    class PyoptimFigure(Figure):
        """A matplotlib Figure that shows itself as a PNG in Jupyter whatever the backend, and is
        written in :func:`get_language`'s language when drawn."""

        def draw(self, renderer):
            if _LANGUAGE == "en":
                return super().draw(renderer)
            saved = _translate_texts(self, _LANGUAGE)
            try:
                return super().draw(renderer)
            finally:
                _restore_texts(saved)

        def _repr_png_(self) -> bytes:
            buf = io.BytesIO()
            self.savefig(buf, format="png")
            return buf.getvalue()

    return PyoptimFigure


_FIGURE_CLASS = None


def figure(figsize: tuple[float, float] = (5.5, 4.0), nrows: int = 1, ncols: int = 1, **subplot_kw):
    """A new pyoptim-styled Figure (not registered with pyplot) and its Axes.

    Returns ``(fig, axes)`` where ``axes`` is one Axes for a 1x1 grid, else an array of Axes.
    Draw inside :func:`style` to get the colour cycle.
    """
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        _FIGURE_CLASS = _figure_class()
    with style():
        fig = _FIGURE_CLASS(figsize=figsize, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, **subplot_kw)
    return fig, axes


def _target(ax, figsize):
    if ax is None:
        return figure(figsize)
    return ax.figure, ax


def _finish(ax, xlabel: str, ylabel: str, title: str | None = None, legend: bool = True):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend()


# ------------------------------------------------------------------------------------------------
# Trajectories (book 8.3, 8.5, 8.6)
# ------------------------------------------------------------------------------------------------

def optimizer_path(opt_factory: Callable[[list], Any], f_grad: Callable, x0, steps: int) -> np.ndarray:
    """Run a first-order optimizer on a function of a vector and record its iterates.

    Parameters
    ----------
    opt_factory : callable
        ``opt_factory(params) -> optimizer`` where ``params`` is a one-element list holding the
        iterate (a float64 array, updated in place), e.g.
        ``lambda p: po.optim.SGD(p, lr=0.1, momentum=0.9)``. The optimizer must have
        ``step(grads)`` taking a list of gradient arrays (pyoptim's plain-array mode).
    f_grad : callable or objective
        ``f_grad(x)`` returning the gradient at ``x``, or ``(value, gradient)``; an object from
        :mod:`pyoptim.functions` (it has ``.grad``) works too.
    x0 : array_like
        The start θ₀ (copied).
    steps : int
        Number of optimizer steps k.

    Returns
    -------
    path : ndarray, shape (k + 1, n)
        θ₀, θ₁, …, θ_k. If an iterate stops being finite (the learning rate is too large and the run
        diverges), recording stops there, so the path may be shorter.
    """
    if not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"Invalid steps: {steps!r} (expected an integer >= 0)")
    grad = f_grad.grad if hasattr(f_grad, "grad") and callable(f_grad.grad) else f_grad
    x = np.array(x0, dtype=np.float64, copy=True).ravel()
    opt = opt_factory([x])
    path = [x.copy()]
    for _ in range(int(steps)):
        g = grad(x)
        if isinstance(g, tuple):
            g = g[1]
        opt.step([np.ascontiguousarray(g, dtype=np.float64)])
        if not np.all(np.isfinite(x)):
            break
        path.append(x.copy())
    return np.array(path)


def _grid_values(f: Callable, xlim, ylim, n: int):
    fun = f.fun if hasattr(f, "fun") and callable(f.fun) else f
    xs = np.linspace(xlim[0], xlim[1], n)
    ys = np.linspace(ylim[0], ylim[1], n)
    X, Y = np.meshgrid(xs, ys)
    Z = np.empty_like(X)
    p = np.empty(2)
    for i in range(n):
        for j in range(n):
            p[0] = X[i, j]
            p[1] = Y[i, j]
            Z[i, j] = fun(p)
    return X, Y, Z


def _levels(Z: np.ndarray, levels):
    if levels is not None and not isinstance(levels, (int, np.integer)):
        return np.asarray(levels)
    k = 20 if levels is None else int(levels)
    z = Z[np.isfinite(Z)]
    q = np.unique(np.quantile(z, np.linspace(0.0, 1.0, k + 2) ** 1.5)[:-1])
    return q if q.size >= 2 else k


def contour_paths(f: Callable, paths: Mapping[str, np.ndarray], xlim=(-2.0, 2.0), ylim=(-2.0, 2.0),
                  levels=None, ax=None, *, minimum=None, resolution: int = 100, title: str | None = None,
                  markers: bool = True, colors: Sequence[str] | None = None):
    """Contours of a 2-D function with the trajectories of several optimizers (book Fig. 8.5).

    Parameters
    ----------
    f : callable or objective
        ``f(x) -> float`` for ``x`` of shape (2,), or an object from :mod:`pyoptim.functions`.
    paths : dict name -> (k, 2) array
        Iterates, e.g. ``minimize(..., options={"return_path": True}).path`` or
        :func:`optimizer_path`. Drawn in order, start ○ and end ● marked.
    xlim, ylim : (low, high)
    levels : int, array or None
        Contour levels; ``None`` spaces 20 levels by quantiles of f on the grid, denser near the
        minimum, which suits both quadratics and Rosenbrock.
    minimum : (2,) array, optional
        A known minimizer, marked ★.
    resolution : int
        Grid points per axis (f is evaluated resolution² times).

    Returns the Figure.
    """
    fig, ax = _target(ax, (5.5, 4.5))
    X, Y, Z = _grid_values(f, xlim, ylim, int(resolution))
    with style():
        ax.contour(X, Y, Z, levels=_levels(Z, levels), colors="0.6", linewidths=0.7, linestyles="solid")
        for i, (name, path) in enumerate(paths.items()):
            path = np.asarray(path, dtype=float)
            if path.ndim != 2 or path.shape[1] != 2:
                raise ValueError(f"Invalid paths[{name!r}]: shape {path.shape} (expected (k, 2))")
            c = (colors or _COLORS)[i % len(colors or _COLORS)]
            ax.plot(path[:, 0], path[:, 1], "-", color=c, lw=1.6,
                    marker="." if markers and len(path) <= 200 else None, ms=4,
                    label=f"{name} ({len(path) - 1} step{'' if len(path) == 2 else 's'})")
            ax.plot(path[0, 0], path[0, 1], "o", mfc="white", mec=c, ms=7)
            ax.plot(path[-1, 0], path[-1, 1], "o", color=c, ms=6)
        if minimum is not None:
            ax.plot(minimum[0], minimum[1], "*", color="black", ms=12, label="minimum")
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
        ax.grid(False)
        _finish(ax, "$\\theta_1$", "$\\theta_2$", title)
    return fig


# ------------------------------------------------------------------------------------------------
# Training curves (book 7.8, 8.1)
# ------------------------------------------------------------------------------------------------

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
            _finish(a, "epoch (from 0)", "loss" if group is lossy else "accuracy / error", title if a is axes[0] else None)
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
    fig, ax = _target(ax, (5.5, 3.8))
    with style():
        ax.plot(x, gTg, label="$g^\\top g$")
        ax.plot(x, np.abs(gTHg), label="$|g^\\top H g|$")
        if lr is not None:
            ax.plot(x, 0.5 * lr * np.abs(gTHg), ls="--", label=f"$\\frac{{1}}{{2}}\\epsilon\\, g^\\top H g$ (ε={lr:g})")
        ax.set_yscale("log")
        _finish(ax, "training step", "value", title or "Gradient norm and curvature (book Fig. 8.1)")
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
    fig, ax = _target(ax, (5.5, 3.8))
    with style():
        if ratio is not None:
            ax.plot(np.asarray(ratio_steps), np.asarray(ratio, dtype=float), ".", ms=3, alpha=0.5,
                    label="$g^\\top H g / g^\\top g$ (curvature along g)")
        ax.plot(steps, lam_max, "o-", ms=4, label="$\\lambda_{max}$ (Lanczos)")
        ax.axhline(2.0 / lr, color="black", ls="--", lw=1.2, label=f"2/ε = {2.0 / lr:g}")
        top = max(float(np.nanmax(lam_max)), 2.0 / lr)
        ax.set_ylim(0.0, 1.25 * top)
        _finish(ax, "training step", "curvature", title or "Sharpness and the 2/ε limit (book 8.2.1)")
    return fig


# ------------------------------------------------------------------------------------------------
# Chapter 7 pictures
# ------------------------------------------------------------------------------------------------

def _l2_solution(H: np.ndarray, w_star: np.ndarray, alpha: float) -> np.ndarray:
    # book eq. 7.10: w~ = (H + alpha I)^{-1} H w*
    return np.linalg.solve(H + alpha * np.eye(len(w_star)), H @ w_star)


def l2_picture(H, w_star, alpha: float, ax=None, *, lim: float | None = None, title: str | None = None):
    """Book Fig. 7.1: the contours of J, the L2 penalty's circles, the minimum w* and the regularized w̃.

    J(w) = ½(w − w*)ᵀH(w − w*) (the quadratic approximation, eq. 7.6) and the penalty ½α‖w‖².
    w̃ = (H + αI)⁻¹Hw* (eq. 7.10) lies where a contour of J touches a circle of the penalty; along
    H's eigenvectors it scales w* by λᵢ/(λᵢ + α), so low-curvature directions shrink most. The dotted
    line is w̃ for every α from 0 to ∞.

    Returns the Figure.
    """
    H = np.asarray(H, dtype=float)
    w_star = np.asarray(w_star, dtype=float)
    if H.shape != (2, 2) or w_star.shape != (2,):
        raise ValueError(f"Invalid H: shape {H.shape} (expected (2, 2) with w_star of shape (2,))")
    if not alpha >= 0:
        raise ValueError(f"Invalid alpha: {alpha!r} (expected >= 0)")
    w_t = _l2_solution(H, w_star, alpha)
    L = lim or 1.3 * max(np.abs(w_star).max(), 1e-12)
    g = np.linspace(-L, L, 160)
    X, Y = np.meshgrid(g, g)
    D = np.stack([X - w_star[0], Y - w_star[1]])
    J = 0.5 * np.einsum("i...,ij,j...->...", D, H, D)
    R = 0.5 * (X ** 2 + Y ** 2)
    fig, ax = _target(ax, (5.0, 4.8))
    with style():
        # the contour of J and the circle of the penalty that pass through w~ touch there (thick)
        Jt = 0.5 * (w_t - w_star) @ H @ (w_t - w_star)
        Rt = 0.5 * float(w_t @ w_t)
        if Jt > 0:
            ax.contour(X, Y, J, levels=Jt * np.array([0.08, 0.3]), colors=OKABE_ITO["blue"], linewidths=0.8)
            ax.contour(X, Y, J, levels=Jt * np.array([2.5, 6.0]), colors=OKABE_ITO["blue"], linewidths=0.8)
            ax.contour(X, Y, J, levels=[Jt], colors=OKABE_ITO["blue"], linewidths=2.2)
        else:
            ax.contour(X, Y, J, levels=np.quantile(J, [0.01, 0.05, 0.15, 0.35]), colors=OKABE_ITO["blue"],
                       linewidths=0.8)
        if Rt > 0:
            ax.contour(X, Y, R, levels=Rt * np.array([0.1, 0.4, 2.0]), colors=OKABE_ITO["vermillion"],
                       linestyles="--", linewidths=0.8)
            ax.contour(X, Y, R, levels=[Rt], colors=OKABE_ITO["vermillion"], linestyles="--", linewidths=2.0)
        a = np.concatenate([[0.0], np.geomspace(1e-3, 1e3, 200) * np.abs(np.linalg.eigvalsh(H)).max()])
        trace = np.array([_l2_solution(H, w_star, ai) for ai in a] + [np.zeros(2)])
        ax.plot(trace[:, 0], trace[:, 1], ":", color="0.3", lw=1.2, label="$\\tilde w(\\alpha)$, α: 0 → ∞")
        ax.plot(*w_star, "o", color=OKABE_ITO["blue"], ms=8, label="$w^*$ (minimum of J)")
        ax.plot(*w_t, "o", color=OKABE_ITO["vermillion"], ms=8, label=f"$\\tilde w$ (α={alpha:g})")
        ax.plot([], [], color=OKABE_ITO["blue"], label="contours of J")
        ax.plot([], [], color=OKABE_ITO["vermillion"], ls="--", label="contours of ½‖w‖²")
        ax.set_aspect("equal")
        ax.set_xlim(-L, L)
        ax.set_ylim(-L, L)
        ax.axhline(0, color="0.7", lw=0.6)
        ax.axvline(0, color="0.7", lw=0.6)
        ax.grid(False)
        _finish(ax, "$w_1$", "$w_2$", title or "L2 regularization (book Fig. 7.1)")
        ax.legend(loc="lower left", fontsize=8)
    return fig


def l1_path(alphas, W, ax=None, *, names: Sequence[str] | None = None, logx: bool | None = None,
            title: str | None = None):
    """The L1 sparsity path: each weight against the penalty strength α (book 7.1.2).

    ``W`` has shape (len(alphas), n_weights): row i is the solution at ``alphas[i]``. A second panel
    counts the non-zero weights: with L1 they become *exactly* zero one after another.

    Returns the Figure.
    """
    alphas = np.asarray(alphas, dtype=float)
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != alphas.shape[0]:
        raise ValueError(f"Invalid W: shape {W.shape} (expected (len(alphas)={alphas.shape[0]}, n_weights))")
    if logx is None:
        logx = bool(alphas.min() > 0 and alphas.max() / alphas.min() > 20)
    if ax is None:
        fig, (ax, ax2) = figure((5.5, 5.0), 2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    else:
        fig, ax2 = ax.figure, None
    with style():
        for j in range(W.shape[1]):
            ax.plot(alphas, W[:, j], label=(names[j] if names is not None else None),
                    color=_COLORS[j % len(_COLORS)] if W.shape[1] <= len(_COLORS) else None, lw=1.4)
        ax.axhline(0, color="black", lw=0.7)
        if logx:
            ax.set_xscale("log")
        _finish(ax, "" if ax2 is not None else "α", "weight $w_i$", title or "L1 path: weights vs α",
                legend=names is not None)
        if ax2 is not None:
            ax2.step(alphas, (np.abs(W) > 0).sum(axis=1), where="mid", color="black")
            ax2.set_ylim(-0.3, W.shape[1] + 0.3)
            from matplotlib.ticker import MaxNLocator
            ax2.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            _finish(ax2, "penalty strength α", "non-zeros", legend=False)
    return fig


def dropout_masks(masks, ax=None, *, p: float | None = None, max_masks: int = 16, title: str | None = None):
    """Sampled dropout masks (book 7.12): one row per mask, dark = dropped unit.

    ``masks`` is (k, n) for k masks on n units, or (k, h, w) for image-shaped masks (shown as a
    grid of small images). Any non-zero entry counts as kept (inverted-dropout masks hold 1/(1−p)).
    ``p`` (drop probability), when given, goes into the title with the observed drop rate.

    Returns the Figure.
    """
    m = np.asarray(masks) != 0
    if m.ndim not in (2, 3):
        raise ValueError(f"Invalid masks: shape {m.shape} (expected (k, n) or (k, h, w))")
    rate = 1.0 - m.mean()
    label = f"dropped: {rate:.2f}" + (f" (p = {p:g})" if p is not None else "")
    if m.ndim == 3:
        fig = image_grid(m[:max_masks].astype(float), cmap="gray", vmin=0, vmax=1,
                         title=title or f"Dropout masks, {label}", ax=ax)
        return fig
    fig, ax = _target(ax, (6.0, 0.35 * min(len(m), max_masks) + 1.4))
    with style():
        ax.imshow(m[:max_masks], cmap="gray", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        ax.grid(False)
        _finish(ax, "unit", "mask sample", title or f"Dropout masks (white = kept), {label}", legend=False)
    return fig


def activation_stats(stats_by_init: Mapping[str, Sequence[float]], ax=None, *, logy: bool = True,
                     ylabel: str = "std of activations", title: str | None = None):
    """Activation standard deviation by layer, one line per initialization (book 8.4).

    ``stats_by_init`` maps a name (e.g. "Glorot", "N(0, 0.01)") to the std at layers 1..L. With a
    good initialization the line stays flat; with too small a scale it collapses geometrically.

    Returns the Figure.
    """
    fig, ax = _target(ax, (5.5, 3.8))
    with style():
        for name, s in stats_by_init.items():
            s = np.asarray(s, dtype=float)
            ax.plot(np.arange(1, len(s) + 1), s, marker="o", ms=4, label=name)
        if logy:
            ax.set_yscale("log")
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _finish(ax, "layer", ylabel, title or "Activations through depth, per initialization")
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
    fig, ax = _target(ax, (5.0, 3.8))
    with style():
        ax.loglog(m, s, "o-", label=f"measured (fitted slope {slope:.2f})")
        ax.loglog(m, s[0] * (m / m[0]) ** -0.5, "--", color="black", lw=1.0, label="σ/√m (slope −½)")
        _finish(ax, "minibatch size m", "std of the gradient estimate", title or "Minibatch gradient noise")
    return fig


def power_norms(ts, norms_by_lambda: Mapping[Any, Sequence[float]], ax=None, *, title: str | None = None):
    """‖Wᵗx‖ against t for several spectra (book 8.2.5, long-term dependencies).

    ``norms_by_lambda`` maps a label (e.g. a float λ, shown as "λ = 0.9") to the norms at ``ts``.
    With Wᵗ = V diag(λ)ᵗ V⁻¹ the curves are straight lines of slope log|λ| on the log axis:
    |λ| < 1 vanishes, |λ| > 1 explodes.

    Returns the Figure.
    """
    ts = np.asarray(ts)
    fig, ax = _target(ax, (5.5, 3.8))
    with style():
        for lam, v in norms_by_lambda.items():
            label = f"λ = {lam:g}" if isinstance(lam, (int, float, np.floating)) else str(lam)
            ax.semilogy(ts, np.asarray(v, dtype=float), label=label)
        _finish(ax, "t (number of steps)", "$\\|W^t x\\|$", title or "Repeated multiplication by W")
    return fig


def hessian_spectrum(eigs, ax=None, *, bins: int = 40, logy: bool = True, title: str | None = None):
    """Histogram of Hessian eigenvalues (book 8.2.1-8.2.3), extremes and negatives in the legend.

    ``eigs`` is one array, or a dict name -> array (several histograms overlaid). The legend gives
    λ_min, λ_max and the number of negative eigenvalues (a saddle point or a maximum nearby): those
    below −1e-8·max|λ|, the rule of :func:`pyoptim.diagnostics.hessian_spectrum`, so the count equals
    its ``negative_fraction * n``; when none is negative it also gives κ = λ_max/λ_min. ``logy``
    (default) shows the few large eigenvalues next to the bulk near zero. Pass exact eigenvalues only
    (``method="full"``): a Lanczos run gives extremes, not a spectrum to histogram.

    Returns the Figure.
    """
    groups = dict(eigs) if isinstance(eigs, Mapping) else {"eigenvalues": eigs}
    fig, ax = _target(ax, (5.5, 3.8))
    with style():
        allv = np.concatenate([np.asarray(v, dtype=float).ravel() for v in groups.values()])
        edges = np.histogram_bin_edges(allv, bins=bins)
        for name, v in groups.items():
            v = np.asarray(v, dtype=float).ravel()
            from .diagnostics import EXACT_NEGATIVE_RTOL
            neg = int((v < -EXACT_NEGATIVE_RTOL * np.abs(v).max()).sum()) if v.size else 0
            extra = f"κ = {v.max() / v.min():.3g}" if neg == 0 and v.min() > 0 else f"{neg} negative"
            ax.hist(v, bins=edges, alpha=0.6,
                    label=f"{name}: λ ∈ [{v.min():.3g}, {v.max():.3g}], {extra}")
        ax.axvline(0, color="black", lw=0.8)
        if logy:
            ax.set_yscale("log")
        _finish(ax, "eigenvalue λ", "count", title or "Hessian spectrum")
    return fig


# ------------------------------------------------------------------------------------------------
# General helpers used by the notebooks
# ------------------------------------------------------------------------------------------------

def curves(series: Mapping[str, Sequence[float]], x=None, ax=None, *, xlabel: str = "step",
           ylabel: str = "value", logx: bool = False, logy: bool = False, title: str | None = None,
           styles: Mapping[str, str] | None = None):
    """Several named series against a shared x (default 0, 1, ...), e.g. loss per step per schedule.

    ``x`` may also be a dict name -> x values. ``styles`` maps a name to a matplotlib format string
    (e.g. ``"--"``). Returns the Figure.
    """
    fig, ax = _target(ax, (5.5, 3.8))
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
        _finish(ax, xlabel, ylabel, title)
    return fig


def histograms(values: Mapping[str, Sequence[float]], ax=None, *, bins: int = 40, xlabel: str = "value",
               logy: bool = False, title: str | None = None, density: bool = False):
    """Overlaid histograms of named samples (e.g. hidden activations per penalty, book 7.10).

    Shared bin edges; each label reports the fraction of exact zeros. Returns the Figure.
    """
    fig, ax = _target(ax, (5.5, 3.8))
    with style():
        allv = np.concatenate([np.asarray(v, dtype=float).ravel() for v in values.values()])
        edges = np.histogram_bin_edges(allv, bins=bins)
        for name, v in values.items():
            v = np.asarray(v, dtype=float).ravel()
            ax.hist(v, bins=edges, alpha=0.55, density=density, label=f"{name} ({np.mean(v == 0):.0%} zeros)")
        if logy:
            ax.set_yscale("log")
        _finish(ax, xlabel, "density" if density else "count", title)
    return fig


def image_grid(images, titles: Sequence[str] | None = None, ncols: int = 8, ax=None, *, cmap: str = "gray_r",
               vmin=None, vmax=None, title: str | None = None, shape: tuple[int, int] | None = None,
               symmetric: bool | Sequence[bool] = False):
    """Small images in a grid: digits, augmented digits, tangent vectors, masks (book 7.4, 7.14).

    ``images`` is (k, h, w), or (k, h*w) with ``shape=(h, w)`` (8x8 digits are guessed).
    ``symmetric=True`` draws with a diverging colormap centred on 0, each image scaled to its own
    largest magnitude (for tangent vectors and perturbations); a sequence of k booleans chooses per
    image (e.g. digits in grey next to their tangents in red/blue).
    Returns the Figure (``ax`` is accepted for signature symmetry but the grid needs its own figure
    when k > 1; with ``ax`` given only the first image is drawn there).
    """
    imgs = np.asarray(images, dtype=float)
    if imgs.ndim == 2:
        if shape is None:
            side = int(round(np.sqrt(imgs.shape[1])))
            if side * side != imgs.shape[1]:
                raise ValueError(f"Invalid images: shape {imgs.shape} (expected (k, h, w) or pass shape=(h, w))")
            shape = (side, side)
        imgs = imgs.reshape(len(imgs), *shape)
    if imgs.ndim != 3 or len(imgs) == 0:
        raise ValueError(f"Invalid images: shape {imgs.shape} (expected (k, h, w) with k >= 1)")
    sym = [bool(symmetric)] * len(imgs) if isinstance(symmetric, (bool, np.bool_)) else [bool(v) for v in symmetric]
    if len(sym) != len(imgs):
        raise ValueError(f"Invalid symmetric: {len(sym)} flags (expected one per image, {len(imgs)})")

    def show(a, i):
        if sym[i]:
            lim = float(np.abs(imgs[i]).max()) or 1.0
            a.imshow(imgs[i], cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        else:
            a.imshow(imgs[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")

    if ax is not None:
        with style():
            show(ax, 0)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel(titles[0] if titles else "image 0")
            ax.set_ylabel("pixels")
        return ax.figure
    k = len(imgs)
    ncols = max(1, min(ncols, k))
    nrows = int(np.ceil(k / ncols))
    fig, axes = figure((1.1 * ncols + 0.3, 1.15 * nrows + (0.45 if title else 0.1)), nrows, ncols)
    axes = np.atleast_1d(axes).ravel()
    with style():
        for i, a in enumerate(axes):
            a.set_xticks([])
            a.set_yticks([])
            a.grid(False)
            if i >= k:
                a.set_axis_off()
                continue
            show(a, i)
            for s in a.spines.values():
                s.set_visible(False)
            a.set_xlabel(titles[i] if titles is not None else f"#{i}", fontsize=8)
        if title:
            fig.suptitle(title, fontsize=11)
    return fig


def continuation(f: Callable, smoothed: Mapping[float, Callable] | None = None, xlim=(-3.0, 3.0), ax=None, *,
                 path=None, points: Mapping[str, float] | None = None, title: str | None = None):
    """A 1-D objective, its Gaussian-smoothed versions and a continuation path (book 8.7.6).

    ``f`` is the original function (vectorized over a 1-D array, or scalar: it is looped);
    ``smoothed`` maps σ to the smoothed objective f_σ; ``path`` is a sequence of x values
    (e.g. the minimizer found at each σ), drawn on f; ``points`` marks named x positions
    (e.g. {"plain descent": x1, "continuation": x2}).

    Returns the Figure.
    """
    xs = np.linspace(xlim[0], xlim[1], 400)

    def ev(g):
        fun = g.fun if hasattr(g, "fun") and callable(g.fun) else g
        try:
            v = np.asarray(fun(xs), dtype=float)
            if v.shape == xs.shape:
                return v
        except Exception:  # noqa: BLE001 - fall back to a scalar loop for non-vectorized f
            pass
        return np.array([float(np.asarray(fun(np.array([x])), dtype=float).ravel()[0]) for x in xs])

    fig, ax = _target(ax, (6.0, 4.0))
    with style():
        fx = ev(f)
        ax.plot(xs, fx, color="black", lw=2.0, label="f (σ = 0)")
        smooth_colors = [OKABE_ITO[c] for c in ("blue", "green", "skyblue", "purple", "orange")]
        for i, (sigma, g) in enumerate((smoothed or {}).items()):
            ax.plot(xs, ev(g), color=smooth_colors[i % len(smooth_colors)], lw=1.3, alpha=0.9,
                    label=f"$f_\\sigma$, σ = {sigma:g}")
        if path is not None:
            p = np.asarray(path, dtype=float).ravel()
            ax.plot(p, np.interp(p, xs, fx), "o-", color=OKABE_ITO["vermillion"], ms=5, lw=1.0,
                    label="continuation path")
        for j, (name, x) in enumerate((points or {}).items()):
            ax.plot([x], [np.interp(x, xs, fx)], marker="*s^D"[j % 4], ms=13 - 3 * (j % 4), ls="none",
                    color=("black", OKABE_ITO["orange"], OKABE_ITO["purple"], OKABE_ITO["skyblue"])[j % 4],
                    label=name, zorder=3 + j)
        _finish(ax, "x", "objective", title or "Continuation: smoothing removes local minima")
        ax.legend(fontsize=8)
    return fig


def bars(values: Mapping[str, float], ax=None, *, ylabel: str = "value", title: str | None = None,
         fmt: str = "{:.3f}"):
    """A bar chart of named values, each bar labelled with its value. Returns the Figure."""
    fig, ax = _target(ax, (max(3.5, 1.3 * len(values) + 1.5), 3.6))
    with style():
        names = list(values)
        v = np.array([values[n] for n in names], dtype=float)
        b = ax.bar(np.arange(len(v)), v, color=[_COLORS[i % len(_COLORS)] for i in range(len(v))])
        ax.bar_label(b, labels=[fmt.format(x) for x in v], fontsize=8)
        tilt = max(len(n) for n in names) > 12 or len(v) > 6
        ax.set_xticks(np.arange(len(v)), names, rotation=20 if tilt else 0, ha="right" if tilt else "center",
                      rotation_mode="anchor")
        ax.grid(axis="x", visible=False)
        _finish(ax, "", ylabel, title, legend=False)
    return fig


# ------------------------------------------------------------------------------------------------
# Interactive versions (ipywidgets, optional)
# ------------------------------------------------------------------------------------------------

def _have_widgets() -> bool:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (where widget output can be shown)."""
    import sys
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython
    ip = get_ipython()
    return ip is not None and hasattr(ip, "kernel")


class Interactive:
    """A figure plus the sliders that redraw it.

    Attributes
    ----------
    fig : Figure
        The figure, redrawn in place by :meth:`update`.
    values : dict
        The current parameter values.
    sliders : dict name -> ipywidgets slider (empty without ipywidgets)
    widget : ipywidgets.VBox or None
        Sliders above the figure; what Jupyter displays.

    ``update(**values)`` is the callback every slider is bound to: call it yourself to script the
    figure (``inter.update(lr=0.05)``). In Jupyter the object displays as the widget, or, without
    ipywidgets, as the static PNG.
    """

    def __init__(self, draw: Callable[..., Any], values: dict, ranges: dict, fig):
        self._draw = draw
        self.values = dict(values)
        self.fig = fig
        self.sliders: dict = {}
        self.widget = None
        self._out = None
        if _have_widgets():
            import ipywidgets as w
            for name, (lo, hi, step, log) in ranges.items():
                if log:
                    s = w.FloatLogSlider(value=values[name], base=10, min=np.log10(lo), max=np.log10(hi),
                                         step=step, description=name, continuous_update=False)
                else:
                    s = w.FloatSlider(value=values[name], min=lo, max=hi, step=step, description=name,
                                      continuous_update=False, readout_format=".3g")
                s.observe(self._on_change, names="value")
                self.sliders[name] = s
            self._out = w.Output()
            self.widget = w.VBox([w.HBox(list(self.sliders.values())), self._out])
            self._show()

    def _on_change(self, change) -> None:
        owner = change["owner"]
        name = next(k for k, s in self.sliders.items() if s is owner)
        self.update(**{name: change["new"]})

    def update(self, **values) -> None:
        """Set some parameter values and redraw the figure in place."""
        unknown = set(values) - set(self.values)
        if unknown:
            raise ValueError(f"Invalid parameter: {sorted(unknown)!r} (expected one of {sorted(self.values)})")
        self.values.update(values)
        for name, v in values.items():
            s = self.sliders.get(name)
            if s is not None and s.value != v:
                s.unobserve(self._on_change, names="value")
                s.value = v
                s.observe(self._on_change, names="value")
        self._draw(self.fig, **self.values)
        self.fig.canvas.draw_idle()
        self._show()

    def _show(self) -> None:
        if self._out is None or not _in_kernel():
            return
        from IPython.display import Image, display
        self._out.clear_output(wait=True)
        with self._out:
            display(Image(data=self._png()))

    def _png(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png")
        return buf.getvalue()

    def _repr_png_(self) -> bytes | None:
        return None if self.widget is not None else self._png()

    def _ipython_display_(self) -> None:
        from IPython.display import Image, display
        display(self.widget if self.widget is not None else Image(data=self._png()))


def _redraw(fig, plot_fn, **kw):
    fig.clear()
    with style():
        ax = fig.add_subplot()
    plot_fn(ax=ax, **kw)


def _trajectory_paths(f, x0, steps, lr, momentum, beta, methods):
    from . import optim
    factories = {
        "GD": lambda p: optim.SGD(p, lr=lr),
        "momentum": lambda p: optim.SGD(p, lr=lr, momentum=momentum),
        "Nesterov": lambda p: optim.SGD(p, lr=lr, momentum=momentum, nesterov=True),
        "RMSprop": lambda p: optim.RMSprop(p, lr=lr, alpha=beta),
        "Adam": lambda p: optim.Adam(p, lr=lr, betas=(momentum, beta)),
        "Adagrad": lambda p: optim.Adagrad(p, lr=lr),
    }
    bad = [m for m in methods if m not in factories]
    if bad:
        raise ValueError(f"Invalid methods: {bad!r} (expected names from {sorted(factories)})")
    return {m: optimizer_path(factories[m], f, x0, steps) for m in methods}


def interactive_trajectories(f, x0, *, grad: Callable | None = None, lr: float = 0.05, momentum: float = 0.9,
                             beta: float = 0.99,
                             steps: int = 50, methods: Sequence[str] = ("GD", "momentum", "Adam"),
                             xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), levels=None, minimum=None) -> Interactive:
    """Trajectories of first-order optimizers on a 2-D f, with sliders for ε, α (momentum) and β.

    ``methods`` are names among "GD", "momentum", "Nesterov", "RMSprop", "Adam", "Adagrad" (pyoptim's
    optimizers in plain-array mode). ``momentum`` is SGD's α and Adam's β₁; ``beta`` is the decay of
    the squared-gradient average: RMSprop's ρ (``alpha``) and Adam's β₂. ``f`` is an objective from
    :mod:`pyoptim.functions` (it has ``.fun`` and ``.grad``), or a callable f(x) with ``grad=`` given.
    """
    xfun = f
    if grad is None:
        if not (hasattr(f, "grad") and callable(f.grad)):
            raise ValueError(f"Invalid grad: {grad!r} (expected a callable, or an f with a .grad method)")
        grad = f.grad

    def draw(fig, lr, momentum, beta):
        paths = _trajectory_paths(grad, x0, steps, lr, momentum, beta, methods)
        _redraw(fig, contour_paths, f=xfun, paths=paths, xlim=xlim, ylim=ylim, levels=levels, minimum=minimum,
                title=f"ε = {lr:.3g}, momentum = {momentum:.2f}, β = {beta:.3f}")

    fig, _ = figure((5.5, 4.5))
    vals = {"lr": lr, "momentum": momentum, "beta": beta}
    draw(fig, **vals)
    return Interactive(draw, vals, {"lr": (1e-3, 1.0, 0.05, True), "momentum": (0.0, 0.99, 0.01, False),
                                    "beta": (0.5, 0.999, 0.001, False)}, fig)


def interactive_l2(H, w_star, *, alpha: float = 1.0, lim: float | None = None) -> Interactive:
    """:func:`l2_picture` with a slider for α."""
    def draw(fig, alpha):
        _redraw(fig, l2_picture, H=H, w_star=w_star, alpha=alpha, lim=lim)

    fig, _ = figure((5.0, 4.8))
    draw(fig, alpha)
    return Interactive(draw, {"alpha": alpha}, {"alpha": (1e-3, 1e2, 0.05, True)}, fig)


def interactive_l1(w_star, h_diag, *, alpha: float = 0.5) -> Interactive:
    """The L1 solution of book eq. 7.22 for a diagonal Hessian, with a slider for α.

    wᵢ = sign(w*ᵢ)·max(|w*ᵢ| − α/Hᵢᵢ, 0): bars of w* (light) and of w (dark); weights with
    |w*ᵢ| ≤ α/Hᵢᵢ are exactly zero.
    """
    w_star = np.asarray(w_star, dtype=float)
    h = np.asarray(h_diag, dtype=float)

    def draw(fig, alpha):
        fig.clear()
        with style():
            ax = fig.add_subplot()
            w = np.sign(w_star) * np.maximum(np.abs(w_star) - alpha / h, 0.0)
            i = np.arange(len(w_star))
            ax.bar(i - 0.2, w_star, width=0.4, color=OKABE_ITO["skyblue"], label="$w^*$ (unregularized)")
            ax.bar(i + 0.2, w, width=0.4, color=OKABE_ITO["blue"], label=f"$w$, L1 with α = {alpha:.3g}")
            ax.axhline(0, color="black", lw=0.7)
            ax.set_xticks(i)
            _finish(ax, "weight index i", "value",
                    f"{int((w == 0).sum())} of {len(w)} weights exactly zero")
            ax.set_ylim(min(0, w_star.min()) * 1.15 - 0.05, max(0, w_star.max()) * 1.15 + 0.05)

    fig, _ = figure((5.5, 3.8))
    draw(fig, alpha)
    return Interactive(draw, {"alpha": alpha}, {"alpha": (1e-3, 1e1, 0.05, True)}, fig)


def _dropout_masks(p: float, shape: tuple, seed: int) -> np.ndarray:
    try:
        from .nn import Dropout
        return Dropout(p, seed=seed).mask(shape, counter=0)
    except (ImportError, AttributeError, TypeError):
        return (np.random.default_rng(seed).random(shape) >= p).astype(np.float32)


def interactive_dropout(n_units: int = 40, n_masks: int = 12, *, p: float = 0.5, seed: int = 0) -> Interactive:
    """Sampled dropout masks (inverted dropout, drop probability p) with a slider for p.

    The masks are those of ``pyoptim.nn.Dropout(p, seed=seed)`` (its C mask stream, counter 0), so
    every redraw for the same p shows the same masks and only p changes the picture.
    """
    def draw(fig, p):
        masks = _dropout_masks(p, (n_masks, n_units), seed)
        _redraw(fig, dropout_masks, masks=masks, p=p)

    fig, _ = figure((6.0, 0.35 * n_masks + 1.4))
    draw(fig, p)
    return Interactive(draw, {"p": p}, {"p": (0.0, 0.95, 0.05, False)}, fig)


def interactive_continuation(f, smoothed: Callable[[float], Callable], *, sigma: float = 1.0,
                             xlim=(-3.0, 3.0), x0: float | None = None, steps: int = 200,
                             lr: float = 0.01) -> Interactive:
    """A 1-D objective and its Gaussian smoothing f_σ with a slider for σ (book 8.7.6).

    ``smoothed(sigma)`` returns f_σ (e.g. ``po.functions.bumpy().smoothed``). When ``x0`` is given,
    gradient descent on f_σ from x0 (``steps`` steps of size ``lr``, central-difference gradient)
    is drawn as the point it reaches.
    """
    def descend(g):
        fun = g.fun if hasattr(g, "fun") and callable(g.fun) else g
        x = float(x0)
        h = 1e-5
        for _ in range(steps):
            d = (float(np.ravel(fun(np.array([x + h])))[0]) - float(np.ravel(fun(np.array([x - h])))[0])) / (2 * h)
            x -= lr * d
        return x

    def draw(fig, sigma):
        g = smoothed(sigma)
        pts = {f"descent on $f_\\sigma$ from {x0:g}": descend(g)} if x0 is not None else None
        _redraw(fig, continuation, f=f, smoothed={sigma: g}, xlim=xlim, points=pts,
                title=f"Gaussian smoothing, σ = {sigma:.2f}")

    fig, _ = figure((6.0, 4.0))
    draw(fig, sigma)
    return Interactive(draw, {"sigma": sigma}, {"sigma": (0.01, 3.0, 0.05, False)}, fig)
