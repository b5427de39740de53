"""Distributions of values: Hessian spectra (book 8.2.1-8.2.3), overlaid histograms (7.10) and
labelled bar charts."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ._style import COLORS, finish_axes, target_axes, style, widen_for


def _shared_bins(groups: Mapping, bins):
    """Each named sample as a flat float64 array, and ``bins`` bin edges over all of them together
    (overlaid histograms share their edges so their bars line up)."""
    flat = {name: np.asarray(v, dtype=float).ravel() for name, v in groups.items()}
    edges = np.histogram_bin_edges(np.concatenate(list(flat.values())), bins=bins)
    return flat, edges


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
    fig, ax = target_axes(ax, (5.5, 3.8))
    with style():
        flat, edges = _shared_bins(groups, bins)
        for name, v in flat.items():
            from ..diagnostics import EXACT_NEGATIVE_RTOL
            neg = int((v < -EXACT_NEGATIVE_RTOL * np.abs(v).max()).sum()) if v.size else 0
            extra = f"κ = {v.max() / v.min():.3g}" if neg == 0 and v.min() > 0 else f"{neg} negative"
            ax.hist(v, bins=edges, alpha=0.6,
                    label=f"{name}: λ ∈ [{v.min():.3g}, {v.max():.3g}], {extra}")
        ax.axvline(0, color="black", lw=0.8)
        if logy:
            ax.set_yscale("log")
        # headroom above the tallest bar for the legend (the bulk near 0 reaches the top otherwise)
        _headroom(ax, 0.08 + 0.09 * len(groups), logy)
        finish_axes(ax, "eigenvalue λ", "count", title or "Hessian spectrum", legend=False)
        ax.legend(loc="upper left", frameon=True, facecolor="white", framealpha=0.9, edgecolor="none")  # over the λ = 0 line
    return fig



def _headroom(ax, frac: float, log: bool) -> None:
    """Raise the top of ``ax``'s y range so that the top ``frac`` of the panel is free of data."""
    lo, hi = ax.get_ylim()
    if log:
        lo, hi = np.log10(lo), np.log10(hi)
        ax.set_ylim(top=10 ** (lo + (hi - lo) / (1.0 - frac)))
    else:
        ax.set_ylim(top=lo + (hi - lo) / (1.0 - frac))


def histograms(values: Mapping[str, Sequence[float]], ax=None, *, bins: int = 40, xlabel: str = "value",
               logy: bool = False, title: str | None = None, density: bool = False):
    """Overlaid histograms of named samples (e.g. hidden activations per penalty, book 7.10).

    Shared bin edges; each label reports the fraction of exact zeros. Returns the Figure.
    """
    fig, ax = target_axes(ax, (5.5, 3.8))
    with style():
        flat, edges = _shared_bins(values, bins)
        for name, v in flat.items():
            ax.hist(v, bins=edges, alpha=0.55, density=density, label=f"{name} ({np.mean(v == 0):.0%} zeros)")
        if logy:
            ax.set_yscale("log")
        finish_axes(ax, xlabel, "density" if density else "count", title)
    return fig



def bars(values: Mapping[str, float], ax=None, *, ylabel: str = "value", title: str | None = None,
         fmt: str = "{:.3f}"):
    """A bar chart of named values, each bar labelled with its value. Returns the Figure."""
    names = list(values)
    longest = max((len(line) for n in names for line in str(n).split("\n")), default=0)
    multiline = any("\n" in str(n) for n in names)
    # tilt long one-line names; names already broken into lines stay level, centred under their bar
    tilt = not multiline and (longest > 12 or len(names) > 6)
    # a level name needs about 0.085 inch per character at 9 pt under its bar
    per_bar = 1.3 if tilt else max(1.3, 0.085 * longest + 0.3)
    own = ax is None
    fig, ax = target_axes(ax, (max(3.5, per_bar * len(values) + 1.2), 3.6))
    if own:
        widen_for(fig, title)      # a long title over few bars would run off the figure
    with style():
        v = np.array([values[n] for n in names], dtype=float)
        b = ax.bar(np.arange(len(v)), v, color=[COLORS[i % len(COLORS)] for i in range(len(v))])
        ax.bar_label(b, labels=[fmt.format(x) for x in v], fontsize=8)
        ax.set_xticks(np.arange(len(v)), names, rotation=20 if tilt else 0, ha="right" if tilt else "center",
                      rotation_mode="anchor", linespacing=1.1)
        ax.margins(y=0.08)
        ax.grid(axis="x", visible=False)
        finish_axes(ax, "", ylabel, title, legend=False)
    return fig
