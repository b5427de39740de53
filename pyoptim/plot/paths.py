"""Optimizer trajectories on the contours of a 2-D function (book 8.3, 8.5, 8.6)."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ._style import COLORS, OKABE_ITO, figure, finish_axes, target_axes, style


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


def grid_values(f: Callable, xlim, ylim, n: int):
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


def contour_levels(Z: np.ndarray, levels):
    if levels is not None and not isinstance(levels, (int, np.integer)):
        return np.asarray(levels)
    k = 20 if levels is None else int(levels)
    z = Z[np.isfinite(Z)]
    q = np.unique(np.quantile(z, np.linspace(0.0, 1.0, k + 2) ** 1.5)[:-1])
    return q if q.size >= 2 else k


def contour_paths(f: Callable, paths: Mapping[str, np.ndarray], xlim=(-2.0, 2.0), ylim=(-2.0, 2.0),
                  levels=None, ax=None, *, minimum=None, resolution: int = 100, title: str | None = None,
                  markers: bool = True, colors: Sequence[str] | None = None,
                  linestyles: Sequence[str] | None = None):
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
    linestyles : sequence of str, optional
        One line style per path (cycled), e.g. ``("-", "--", ":")``, so that paths running on top of
        each other stay distinguishable; default solid. Where they overlap for long, prefer
        :func:`path_panels` (one panel each).

    Returns the Figure.
    """
    fig, ax = target_axes(ax, (5.5, 4.5))
    X, Y, Z = grid_values(f, xlim, ylim, int(resolution))
    with style():
        ax.contour(X, Y, Z, levels=contour_levels(Z, levels), colors="0.6", linewidths=0.7, linestyles="solid")
        for i, (name, path) in enumerate(paths.items()):
            path = np.asarray(path, dtype=float)
            if path.ndim != 2 or path.shape[1] != 2:
                raise ValueError(f"Invalid paths[{name!r}]: shape {path.shape} (expected (k, 2))")
            c = (colors or COLORS)[i % len(colors or COLORS)]
            ls = linestyles[i % len(linestyles)] if linestyles else "-"
            ax.plot(path[:, 0], path[:, 1], ls=ls, color=c, lw=1.6,
                    marker="." if markers and len(path) <= 200 else None, ms=4,
                    label=f"{name} ({len(path) - 1} step{'' if len(path) == 2 else 's'})")
            ax.plot(path[0, 0], path[0, 1], "o", mfc="white", mec=c, ms=7)
            ax.plot(path[-1, 0], path[-1, 1], "o", color=c, ms=6)
        if minimum is not None:
            ax.plot(minimum[0], minimum[1], "*", color="black", ms=12, label="minimum")
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
        ax.grid(False)
        finish_axes(ax, "$\\theta_1$", "$\\theta_2$", title)
    return fig


#: one marker per path in :func:`path_panels` (with the colour, the path is known in greyscale too)
PATH_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")


def path_panels(f: Callable, paths: Mapping[str, np.ndarray], xlim=None, ylim=None, levels=None, *,
                minimum=None, resolution: int = 100, title: str | None = None, ncols: int | None = None,
                fig=None, key: bool = True, colors: Sequence[str] | None = None):
    """Small multiples of book Fig. 8.5: one panel per trajectory, all on the same contours and axes.

    Where paths run on top of each other (every method follows Rosenbrock's curved valley) one panel
    each keeps every path readable. Each panel is titled with the path's name and step count, its
    path drawn in its own colour and marker; the start ○, the end ■ and the ``minimum`` ★ are the
    same in every panel and explained by one key under the panels.

    Parameters
    ----------
    f, paths, levels, minimum, resolution, colors
        As in :func:`contour_paths`.
    xlim, ylim : (low, high), optional
        The view of every panel; by default the box around all paths (and the minimum), padded by 8 %.
    title : str, optional
        A title over all panels.
    ncols : int, optional
        Panels per row (default: all in one row up to 4).
    fig : Figure or SubFigure, optional
        Draw into this (e.g. one of ``fig.subfigures(...)`` to stack two problems); default a new Figure.
    key : bool
        Draw the shared key of the markers under the panels.

    Returns the Figure (or the SubFigure passed as ``fig``); its Axes are ``fig.axes``.
    """
    from matplotlib.lines import Line2D

    paths = {name: np.asarray(p, dtype=float) for name, p in paths.items()}
    for name, p in paths.items():
        if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0:
            raise ValueError(f"Invalid paths[{name!r}]: shape {p.shape} (expected (k, 2) with k >= 1)")
    if not paths:
        raise ValueError("Invalid paths: empty (expected at least one path)")
    pts = np.concatenate([p[np.all(np.isfinite(p), axis=1)] for p in paths.values()]
                         + ([np.asarray(minimum, dtype=float).reshape(1, 2)] if minimum is not None else []))
    lo, hi = pts.min(0), pts.max(0)
    pad = 0.08 * np.maximum(hi - lo, 1e-9)
    xlim = tuple(xlim) if xlim is not None else (lo[0] - pad[0], hi[0] + pad[0])
    ylim = tuple(ylim) if ylim is not None else (lo[1] - pad[1], hi[1] + pad[1])
    n = len(paths)
    ncols = int(ncols) if ncols else min(n, 4)
    nrows = -(-n // ncols)
    if fig is None:
        fig, _ = figure((3.0 * ncols + 0.4, 2.9 * nrows + (0.9 if key else 0.4) + (0.3 if title else 0.0)), 0)
    X, Y, Z = grid_values(f, xlim, ylim, int(resolution))
    palette = list(colors or [c for c in COLORS if c != OKABE_ITO["yellow"]])
    with style():
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)).ravel()
        lev = contour_levels(Z, levels)
        for k, (ax, (name, p)) in enumerate(zip(axes, paths.items())):
            c = palette[k % len(palette)]
            ax.contour(X, Y, Z, levels=lev, colors="0.75", linewidths=0.6, linestyles="solid")
            ax.plot(p[:, 0], p[:, 1], "-", color=c, lw=1.3, marker=PATH_MARKERS[k % len(PATH_MARKERS)], ms=3.5,
                    markevery=max(1, (len(p) - 1) // 25))
            ax.plot(p[0, 0], p[0, 1], "o", ms=8, mfc="white", mec="black", mew=1.2, zorder=5)
            ax.plot(p[-1, 0], p[-1, 1], "s", ms=7, mfc=c, mec="black", mew=1.0, zorder=6)
            if minimum is not None:
                ax.plot(minimum[0], minimum[1], "*", ms=11, color="black", zorder=4)
            ax.set_xlim(xlim)
            ax.set_ylim(ylim)
            ax.grid(False)
            ax.set_title(f"{name} ({len(p) - 1} step{'' if len(p) == 2 else 's'})", color=c)
            finish_axes(ax, "$\\theta_1$", "$\\theta_2$", legend=False)
        for i in range(n, len(axes)):
            axes[i].set_visible(False)
            if i - ncols >= 0:      # the panel above an empty cell is the last of its column: its θ₁ ticks
                axes[i - ncols].xaxis.set_tick_params(labelbottom=True)
        if key:
            handles = [Line2D([], [], ls="", marker="o", ms=8, mfc="white", mec="black", label="start"),
                       Line2D([], [], ls="", marker="s", ms=7, mfc="0.6", mec="black", label="end")]
            if minimum is not None:
                handles.append(Line2D([], [], ls="", marker="*", ms=11, color="black", label="minimum"))
            fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
        if title:
            fig.suptitle(title)
    return fig
