"""pyoptim.plot's look: the Okabe-Ito palette, the rcParams, the figure class every function draws
into (a PNG in Jupyter, translated while drawn) and the small helpers that label an Axes."""
from __future__ import annotations

import contextlib
import io
from typing import Any

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
COLORS = list(OKABE_ITO.values())

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


def matplotlib_module():
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError('pyoptim.plot needs matplotlib: pip install "pyoptim-dlbook[tour]"') from exc
    return matplotlib


def _rc() -> dict:
    mpl = matplotlib_module()
    rc = dict(RC)
    rc["axes.prop_cycle"] = mpl.cycler(color=COLORS)
    # DejaVu Sans first, whatever the session set behind it: `import koreanize_matplotlib` makes
    # NanumGothic the only family, which has no U+2212 minus (boxes in every negative or log tick label)
    families = [f for f in mpl.rcParams["font.family"] if f != "DejaVu Sans"]
    rc["font.family"] = ["DejaVu Sans", *families]
    return rc


@contextlib.contextmanager
def style():
    """Context manager applying pyoptim's style (:data:`RC`, Okabe-Ito colours) to figures drawn inside.

    Example::

        with po.plot.style():
            fig, ax = plt.subplots()
            ax.plot(x, y)          # drawn in the pyoptim style
    """
    mpl = matplotlib_module()
    with mpl.rc_context(_rc()):
        yield



def _figure_class():
    matplotlib_module()   # without matplotlib: the ImportError that names the extra
    from matplotlib.figure import Figure

    from ._language import restore_texts, translate_texts, get_language

    class PyoptimFigure(Figure):
        """A matplotlib Figure that shows itself as a PNG in Jupyter whatever the backend, and is
        written in :func:`get_language`'s language when drawn."""

        def draw(self, renderer):
            lang = get_language()
            if lang == "en":
                return super().draw(renderer)
            saved = translate_texts(self, lang)
            try:
                return super().draw(renderer)
            finally:
                restore_texts(saved)

        def _repr_png_(self) -> bytes:
            buf = io.BytesIO()
            self.savefig(buf, format="png")
            return buf.getvalue()

    return PyoptimFigure


_FIGURE_CLASS = None


def figure(figsize: tuple[float, float] = (5.5, 4.0), nrows: int = 1, ncols: int = 1, **subplot_kw):
    """A new pyoptim-styled Figure (not registered with pyplot) and its Axes.

    Returns ``(fig, axes)`` where ``axes`` is one Axes for a 1x1 grid, else an array of Axes, and
    ``None`` for ``nrows=0`` (an empty figure, e.g. for ``fig.subfigures``). Draw inside :func:`style`
    to get the colour cycle.
    """
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        _FIGURE_CLASS = _figure_class()
    with style():
        fig = _FIGURE_CLASS(figsize=figsize, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, **subplot_kw) if nrows else None
    return fig, axes


def target_axes(ax, figsize):
    if ax is None:
        return figure(figsize)
    return ax.figure, ax


def finish_axes(ax, xlabel: str, ylabel: str, title: str | None = None, legend: bool = True):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend()


def text_width(text: str, size: float = 11.0) -> float:
    """A rough width in inches of ``text`` at ``size`` points, as drawn in the current language
    (a Hangul syllable is about 1.7 Latin letters wide)."""
    from .._lang import translate
    from ._language import get_language

    shown = translate(str(text), get_language())
    longest = max(shown.split("\n"), key=len, default="")
    units = sum(1.7 if "\uac00" <= ch <= "\ud7a3" else 1.0 for ch in longest)
    return 0.0086 * size * units


def widen_for(fig, title: str | None, extra: float = 0.0, margin: float = 1.0) -> None:
    """Widen ``fig`` (one that a pyoptim function made) so that ``title`` fits over its panel:
    the title's width plus ``margin`` inches (the y label and ticks) plus ``extra`` (a key beside)."""
    need = (text_width(title) if title else 0.0) + margin + extra
    if fig.get_figwidth() < need:
        fig.set_figwidth(need)
