"""What a reader can check by eye on a drawn figure, checked on the drawn figure: no two texts overlap (tick
labels, minor ones included, titles, axis labels, legend entries, annotations), no text below a size
one can read at notebook width (MIN_PT once scaled to SHOWN_WIDTH), no text beyond the figure's edge, and
no legend drawn over the plotted lines or bars.

``problems(fig)`` draws ``fig`` (Agg) and returns one message per problem found (empty when legible).
"""
from __future__ import annotations

import itertools

import numpy as np

#: the smallest readable text, in points as the reader sees it: a figure wider than SHOWN_WIDTH inches is
#: shown scaled down to that width (a notebook's output area is about 9 inches at the figure dpi of 110)
MIN_PT = 7.0
SHOWN_WIDTH = 9.0


def _label(t) -> str:
    s = t.get_text().replace("\n", " ")
    return s if len(s) <= 40 else s[:37] + "..."


def _visible_texts(fig, renderer):
    from matplotlib.text import Text

    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        # hidden with its parent (a tick's label when the tick is outside the view, a legend switched off)
        parent, ok = t, True
        while parent is not None:
            if hasattr(parent, "get_visible") and not parent.get_visible():
                ok = False
                break
            parent = getattr(parent, "axes", None) if parent is not getattr(parent, "axes", None) else None
        if not ok:
            continue
        box = t.get_window_extent(renderer)
        if box.width <= 0 or box.height <= 0:
            continue
        out.append((t, box))
    return out


def _tick_texts(fig, renderer):
    """The tick labels actually drawn (matplotlib keeps ticks outside the view as invisible spares)."""
    drawn = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for ticks in (axis.get_major_ticks(), axis.get_minor_ticks()):
                for tick in ticks:
                    for lab in (tick.label1, tick.label2):
                        if lab.get_visible() and lab.get_text().strip():
                            drawn.append(lab)
    return drawn


def problems(fig, *, min_pt: float = MIN_PT, shown_width: float = SHOWN_WIDTH, pad: float = 0.5,
             tight: bool = False) -> list[str]:
    """``tight=True`` for a figure saved with ``bbox_inches="tight"`` (the file grows to hold every text,
    so a text beyond the figure's edge is no problem there)."""
    from pyoptim.plot._language import get_language, restore_texts, translate_texts

    # measured as the reader sees it: in pyoptim.plot's language (a pyoptim figure translates its texts
    # while it draws and puts the English back after, so keep them translated while measuring)
    lang = get_language()
    saved = translate_texts(fig, lang) if lang != "en" else []
    try:
        return _problems(fig, min_pt, shown_width, pad, tight)
    finally:
        restore_texts(saved)


def _problems(fig, min_pt, shown_width, pad, tight):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.legend import Legend
    from matplotlib.patches import Rectangle

    if fig.canvas is None or not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = []

    # which tick labels matplotlib drew this time (the axis updates them in draw)
    ticks = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis._update_ticks():
                for lab in (tick.label1, tick.label2):
                    if lab.get_visible() and lab.get_text().strip():
                        ticks.add(id(lab))
    all_tick_labels = {id(t) for t in _tick_texts(fig, renderer)}
    texts = [(t, b) for t, b in _visible_texts(fig, renderer) if id(t) not in all_tick_labels or id(t) in ticks]

    scale = min(1.0, shown_width / fig.get_figwidth())
    for t, _ in texts:
        if t.get_fontsize() * scale < min_pt - 1e-9:
            found.append(f"text {_label(t)!r} is {t.get_fontsize():.3g} pt, seen at {t.get_fontsize() * scale:.3g} pt "
                         f"(< {min_pt:g} pt) in a figure {fig.get_figwidth():.3g} inches wide")
    edge = fig.bbox
    for t, b in [] if tight else texts:   # a notebook shows the figure as drawn: beyond its edge is cut off
        if b.x0 < edge.x0 - 1 or b.x1 > edge.x1 + 1 or b.y0 < edge.y0 - 1 or b.y1 > edge.y1 + 1:
            found.append(f"text {_label(t)!r} runs beyond the figure's edge")
    for (t1, b1), (t2, b2) in itertools.combinations(texts, 2):
        if b1.x0 + pad < b2.x1 - pad and b2.x0 + pad < b1.x1 - pad and \
           b1.y0 + pad < b2.y1 - pad and b2.y0 + pad < b1.y1 - pad:
            found.append(f"texts {_label(t1)!r} and {_label(t2)!r} overlap")

    # a legend inside an Axes must not sit on the data: a plotted point or a bar under its box
    for ax in fig.axes:
        leg = ax.get_legend()
        if leg is None or not leg.get_visible():
            continue
        box = leg.get_window_extent(renderer)
        box_axes = ax.get_window_extent(renderer)
        if not (box.x0 < box_axes.x1 and box_axes.x0 < box.x1 and box.y0 < box_axes.y1 and box_axes.y0 < box.y1):
            continue   # outside the plotting area
        for line in ax.get_lines():
            if not line.get_visible():
                continue
            xy = np.asarray(line.get_xydata(), dtype=float)
            if len(xy) == 0 or (line.get_transform() != ax.transData and len(xy) == 2):
                continue   # a reference line across the axes (axhline/axvline) may pass behind a legend
            pts = line.get_transform().transform(xy)
            pts = pts[np.all(np.isfinite(pts), axis=1)]
            inside = (pts[:, 0] > box.x0) & (pts[:, 0] < box.x1) & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1)
            if inside.any():
                found.append(f"the legend of {_label(ax.title) or 'a panel'!r} covers {int(inside.sum())} "
                             f"point(s) of {line.get_label()!r}")
                break
        for p in ax.patches:
            if isinstance(p, Rectangle) and p.get_visible() and p.get_height() != 0 and \
                    not isinstance(p.axes, Legend):
                b = p.get_window_extent(renderer)
                if b.x0 + 1 < box.x1 and box.x0 + 1 < b.x1 and b.y0 + 1 < box.y1 and box.y0 + 1 < b.y1:
                    found.append(f"the legend of {_label(ax.title) or 'a panel'!r} covers a bar")
                    break
    return found
