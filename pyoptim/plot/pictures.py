"""The book's pictures: the L2 ball (Fig. 7.1), the L1 path (7.1.2), dropout masks (7.12), grids of
small images (7.4, 7.14) and continuation (8.7.6)."""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from ._style import COLORS, OKABE_ITO, finish_axes, target_axes, figure, style


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
    fig, ax = target_axes(ax, (5.0, 4.8))
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
        finish_axes(ax, "$w_1$", "$w_2$", title or "L2 regularization (book Fig. 7.1)")
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
        fig, (ax, ax2) = figure((5.5 if names is None else 6.8, 5.0), 2, 1, sharex=True,   # names: a key beside
                                gridspec_kw={"height_ratios": [3, 1]})
    else:
        fig, ax2 = ax.figure, None
    with style():
        for j in range(W.shape[1]):
            ax.plot(alphas, W[:, j], label=(names[j] if names is not None else None),
                    color=COLORS[j % len(COLORS)] if W.shape[1] <= len(COLORS) else None, lw=1.4)
        ax.axhline(0, color="black", lw=0.7)
        if logx:
            ax.set_xscale("log")
        finish_axes(ax, "" if ax2 is not None else "α", "weight $w_i$", title or "L1 path: weights vs α",
                    legend=False)
        if names is not None:   # beside the panel: every corner of it holds a path at some α
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        if ax2 is not None:
            ax2.step(alphas, (np.abs(W) > 0).sum(axis=1), where="mid", color="black")
            ax2.set_ylim(-0.3, W.shape[1] + 0.3)
            from matplotlib.ticker import MaxNLocator
            ax2.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            finish_axes(ax2, "penalty strength α", "non-zeros", legend=False)
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
    fig, ax = target_axes(ax, (6.0, 0.35 * min(len(m), max_masks) + 1.4))
    with style():
        ax.imshow(m[:max_masks], cmap="gray", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        ax.grid(False)
        finish_axes(ax, "unit", "mask sample", title or f"Dropout masks (white = kept), {label}", legend=False)
        from matplotlib.patches import Patch   # the key, beside the picture (every corner of it is data)
        ax.legend(handles=[Patch(facecolor="white", edgecolor="0.4", label="kept unit"),
                           Patch(facecolor="black", edgecolor="black", label="dropped unit")],
                  loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return fig



def image_grid(images, titles: Sequence[str] | None = None, ncols: int = 8, ax=None, *, cmap: str = "gray_r",
               vmin=None, vmax=None, title: str | None = None, shape: tuple[int, int] | None = None,
               symmetric: bool | Sequence[bool] = False, key: bool = True):
    """Small images in a grid: digits, augmented digits, tangent vectors, masks (book 7.4, 7.14).

    ``images`` is (k, h, w), or (k, h*w) with ``shape=(h, w)`` (8x8 digits are guessed).
    ``symmetric=True`` draws with a diverging colormap centred on 0, each image scaled to its own
    largest magnitude (for tangent vectors and perturbations); a sequence of k booleans chooses per
    image (e.g. digits in grey next to their tangents in red/blue).
    ``key`` (default) puts a colour key under the grid: the colours of the lowest and highest value
    (``vmin``/``vmax`` when given, else each image's own range), and for the red/blue images the
    colours of negative, zero and positive values.
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
    fig, axes = figure((max(1.1 * ncols + 0.3, 3.2 if key else 0.0),
                        1.15 * nrows + (0.45 if title else 0.1) + (0.35 if key else 0.0)), nrows, ncols)
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
        if key:
            _grid_key(fig, sym, cmap, vmin, vmax)
    return fig


def _grid_key(fig, sym: list, cmap: str, vmin, vmax) -> None:
    """A legend under an image grid saying what its colours mean (no extra Axes: fig.legend)."""
    from matplotlib import colormaps
    from matplotlib.patches import Patch

    handles = []
    if not all(sym):
        c = colormaps[cmap]
        own = vmin is None or vmax is None
        handles += [Patch(fc=c(0.0), ec="0.5", label="lowest value" if own else f"{vmin:g}"),
                    Patch(fc=c(1.0), ec="0.5", label="highest value" if own else f"{vmax:g}")]
    if any(sym):
        c = colormaps["RdBu_r"]
        handles += [Patch(fc=c(0.0), ec="0.5", label="negative"), Patch(fc=c(0.5), ec="0.5", label="zero"),
                    Patch(fc=c(1.0), ec="0.5", label="positive")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8, frameon=False,
               handlelength=1.2, columnspacing=1.2)


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

    fig, ax = target_axes(ax, (6.0, 4.0))
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
        finish_axes(ax, "x", "objective", title or "Continuation: smoothing removes local minima")
        ax.legend(fontsize=8)
    return fig
