"""Optimizer paths drawn step by step: :func:`animate_paths`, the moving version of
:func:`~pyoptim.plot.contour_paths` (book 8.3, 8.5), for a lecture or a GIF in the notes."""
from __future__ import annotations

import math
import os
from typing import Callable, Mapping, Sequence

import numpy as np

from ._style import COLORS, finish_axes, figure, style
from .paths import grid_values, contour_levels

_ANIMATION_CLASS = None


def _animation_class():
    """A FuncAnimation that shows itself in Jupyter (HTML5 video with ffmpeg, else the JavaScript
    player) and saves to .gif (Pillow) or .mp4 (ffmpeg) by the file's extension."""
    from matplotlib import animation

    class PathAnimation(animation.FuncAnimation):
        """The animation :func:`animate_paths` returns; a :class:`matplotlib.animation.FuncAnimation`.

        Attributes: ``fig``, ``ax``, ``lines`` / ``starts`` / ``ends`` / ``heads`` (one artist per
        path, in the order of ``paths``), ``steps`` (the step drawn in each frame) and
        ``frame(i)``, which draws frame i (what the player and :meth:`save` call).
        """

        def __init__(self, fig, update, steps, interval):
            self.fig = fig
            self.steps = list(steps)
            self._update = update
            super().__init__(fig, update, frames=len(self.steps), interval=interval, blit=False,
                             repeat=True, repeat_delay=1000, cache_frame_data=False)

        def __del__(self):
            # matplotlib warns when an animation is collected without having been drawn, because a
            # pyplot animation then never shows; this figure is not pyplot's, so nothing is lost
            pass

        def frame(self, i: int) -> list:
            """Draw frame ``i`` (0 <= i < len(steps)) into the figure; returns the changed artists."""
            if not 0 <= i < len(self.steps):
                raise ValueError(f"Invalid i: {i!r} (expected 0 <= i < {len(self.steps)})")
            return self._update(i)

        @staticmethod
        def ffmpeg_available() -> bool:
            return animation.writers.is_available("ffmpeg")

        def save(self, filename, writer=None, fps=None, dpi=None, **kwargs):
            """Write the animation to ``filename``: ``.gif`` with Pillow, ``.mp4`` with ffmpeg (a
            RuntimeError says so when ffmpeg is not installed); ``writer=`` overrides the choice,
            as in :meth:`matplotlib.animation.Animation.save`. Returns the path."""
            filename = os.fspath(filename)
            if writer is None:
                ext = os.path.splitext(filename)[1].lower()
                if ext == ".gif":
                    writer = animation.PillowWriter(fps=fps or 1000.0 / self._interval)
                elif ext == ".mp4":
                    if not self.ffmpeg_available():
                        raise RuntimeError("Invalid filename: saving .mp4 needs ffmpeg, which was not found "
                                           "(install it, e.g. apt-get install ffmpeg, or save a .gif)")
                    writer = animation.FFMpegWriter(fps=fps or 1000.0 / self._interval)
                else:
                    raise ValueError(f"Invalid filename: {filename!r} (expected a .gif or .mp4 name, or pass writer=)")
            super().save(filename, writer=writer, dpi=dpi, **kwargs)
            return filename

        def _repr_html_(self) -> str:
            """Jupyter's view: an HTML5 <video> when ffmpeg is installed, else the JavaScript player."""
            return self.to_html5_video() if self.ffmpeg_available() else self.to_jshtml()

    return PathAnimation


def _frame_steps(n_max: int, max_frames: int, hold: int) -> list[int]:
    """The step shown in each frame: 0 .. n_max-1 thinned to at most ``max_frames`` (the last step
    always included), then the last step ``hold`` more times so the end stays on screen."""
    stride = max(1, math.ceil(n_max / max(1, max_frames)))
    steps = list(range(0, n_max, stride))
    if steps[-1] != n_max - 1:
        steps.append(n_max - 1)
    return steps + [n_max - 1] * int(hold)


def _path_artists(ax, arrays: dict, palette: list) -> tuple[list, list, list, list]:
    """One line, moving head, start ○ and (hidden) end ● per path, labelled as contour_paths labels."""
    lines, heads, starts, ends = [], [], [], []
    for i, (name, path) in enumerate(arrays.items()):
        c = palette[i % len(palette)]
        lines.append(ax.plot(path[:1, 0], path[:1, 1], "-", color=c, lw=1.6, marker=".", ms=4,
                             label=f"{name} ({len(path) - 1} step{'' if len(path) == 2 else 's'})")[0])
        starts.append(ax.plot(path[0, 0], path[0, 1], "o", mfc="white", mec=c, ms=7)[0])
        heads.append(ax.plot(path[0, 0], path[0, 1], "o", color=c, ms=4, alpha=0.6)[0])
        ends.append(ax.plot(path[-1, 0], path[-1, 1], "o", color=c, ms=7, mec="black", mew=0.6, zorder=4,
                            visible=False)[0])
    return lines, heads, starts, ends


def animate_paths(f: Callable, paths: Mapping[str, np.ndarray], xlim=(-2.0, 2.0), ylim=(-2.0, 2.0),
                  levels=None, *, minimum=None, resolution: int = 100, title: str | None = None,
                  colors: Sequence[str] | None = None, interval: int = 80, max_frames: int = 120,
                  hold: int = 12, figsize=(5.5, 4.5)):
    """The trajectories of :func:`contour_paths`, drawn one step per frame (book Fig. 8.5).

    Takes the same ``f``, ``paths``, ``xlim``, ``ylim``, ``levels``, ``minimum``, ``resolution``,
    ``title`` and ``colors`` as :func:`contour_paths`. Frame k draws every path up to its step k
    (a path that stopped earlier stays at its end), a moving dot at the current iterate and the
    start ○; the end markers ● appear in the last frame, which is then held for ``hold`` more frames.

    Parameters
    ----------
    interval : int
        Milliseconds between frames (also the GIF/MP4 frame rate: 1000/interval fps).
    max_frames : int
        Long paths are thinned to at most this many frames (every s-th step, the last one kept).
    hold : int
        Extra copies of the last frame, so a looping GIF pauses on the result.

    Returns
    -------
    PathAnimation
        A :class:`matplotlib.animation.FuncAnimation`. In Jupyter it displays as an HTML5 video
        (with ffmpeg) or the JavaScript player (``to_jshtml()``, without); ``anim.save("x.gif")``
        writes a GIF with Pillow, ``anim.save("x.mp4")`` an MP4 with ffmpeg.

    Example::

        paths = {"GD": P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.05), f, x0, 60)}
        anim = P.animate_paths(f, paths, minimum=f.minimum)
        anim                     # a player in the notebook
        anim.save("gd.gif")
    """
    if not (isinstance(max_frames, int) and max_frames >= 1):
        raise ValueError(f"Invalid max_frames: {max_frames!r} (expected an integer >= 1)")
    if not (isinstance(hold, int) and hold >= 0):
        raise ValueError(f"Invalid hold: {hold!r} (expected an integer >= 0)")
    arrays = {}
    for name, path in paths.items():
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
            raise ValueError(f"Invalid paths[{name!r}]: shape {path.shape} (expected (k, 2) with k >= 1)")
        arrays[name] = path
    if not arrays:
        raise ValueError("Invalid paths: empty (expected at least one (k, 2) path)")
    n_max = max(len(p) for p in arrays.values())
    steps = _frame_steps(n_max, max_frames, hold)
    fig, ax = figure(figsize)
    X, Y, Z = grid_values(f, xlim, ylim, int(resolution))
    palette = list(colors or COLORS)
    with style():
        ax.contour(X, Y, Z, levels=contour_levels(Z, levels), colors="0.6", linewidths=0.7, linestyles="solid")
        lines, heads, starts, ends = _path_artists(ax, arrays, palette)
        if minimum is not None:
            ax.plot(minimum[0], minimum[1], "*", color="black", ms=12, label="minimum")
        counter = ax.text(0.02, 0.97, "step 0", transform=ax.transAxes, va="top", ha="left", fontsize=9,
                          bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.7", "alpha": 0.9})
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
        ax.grid(False)
        finish_axes(ax, "$\\theta_1$", "$\\theta_2$", title)
    last = len(steps) - 1 - int(hold)

    def update(i: int) -> list:
        k = steps[i]
        for path, line, head, end in zip(arrays.values(), lines, heads, ends):
            j = min(k, len(path) - 1)
            line.set_data(path[: j + 1, 0], path[: j + 1, 1])
            head.set_data([path[j, 0]], [path[j, 1]])
            end.set_visible(i >= last)
        counter.set_text(f"step {k}")
        return [*lines, *heads, *ends, counter]

    global _ANIMATION_CLASS
    if _ANIMATION_CLASS is None:
        _ANIMATION_CLASS = _animation_class()
    anim = _ANIMATION_CLASS(fig, update, steps, int(interval))
    anim.ax, anim.lines, anim.heads, anim.starts, anim.ends = ax, lines, heads, starts, ends
    update(0)
    return anim
