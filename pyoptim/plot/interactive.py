"""Interactive versions of the figures: sliders (ipywidgets, optional) that redraw in place."""
from __future__ import annotations

import io
from typing import Any, Callable, Sequence

import numpy as np

from ._style import OKABE_ITO, finish_axes, figure, style
from .paths import contour_paths, optimizer_path
from .pictures import continuation, dropout_masks, l2_picture


def have_widgets() -> bool:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def in_kernel() -> bool:
    """True inside a Jupyter kernel (where widget output can be shown)."""
    import sys
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython
    ip = get_ipython()
    return ip is not None and hasattr(ip, "kernel")


class Choices(tuple):
    """The values a slider offers, in order (a SelectionSlider): for parameters that span decades,
    where a log-spaced grid would step past round values such as 0.5 or 5."""


def _one_two_five(lo_exp: int, hi_exp: int, zero: bool = True) -> Choices:
    """0 (optional), then 1, 2, 5 times 10^k for k in [lo_exp, hi_exp), then 10^hi_exp."""
    vals = [round(m * 10.0 ** k, 12) for k in range(lo_exp, hi_exp) for m in (1, 2, 5)] + [10.0 ** hi_exp]
    return Choices(([0.0] if zero else []) + vals)


#: The slider grid of every ``interactive_*`` parameter. Each holds the value its notebook starts from
#: and every value an exercise asks for (tests/plot/test_plot_sliders.py reads the notebooks and checks):
SLIDERS: dict[str, Any] = {
    # ε: 0.02 (8.3), 2/λ_max = 0.08 and the momentum limit 2(1 + α)/λ_max = 0.152 (8.3 exercise 1: the
    # largest ε that converges is 0.151 on this grid), 0.05 and 0.1 (8.5)
    "lr": (0.001, 1.0, 0.001),
    "momentum": (0.0, 0.99, 0.01),      # α: 0.8 (8.3), 0.9 (8.3 exercise 1, Adam's β₁)
    "beta": (0.5, 0.999, 0.001),        # β: 0.99 (8.3), 0.999 (Adam), a short memory 0.5 or 0.9 (8.5 exercise 3)
    "alpha_l2": _one_two_five(-3, 2),   # α: 0 (no penalty), 1.0 (7.1), 0.001 ... 100
    "alpha_l1": (0.0, 10.0, 0.01),      # α: 0.5 (7.1.2); 0 and every threshold |w*ᵢ|·Hᵢᵢ to two decimals
    "p": (0.0, 0.95, 0.05),             # p: 0.5 (7.12), 0.2 (7.12 exercise 1)
    "sigma": (0.0, 3.0, 0.05),          # σ: 0.5 (8.7.6) and the stages 1, 0.5, 0.3, 0.2, 0.1, 0.05, 0 (8.7 ex. 2)
}


def _slider(w, name: str, spec, value):
    """The ipywidgets slider of one parameter (see :class:`Interactive` for ``spec``)."""
    if isinstance(spec, Choices):
        options = tuple(sorted({*spec, value}))
        return w.SelectionSlider(options=[(f"{v:g}", v) for v in options], value=value, description=name,
                                 continuous_update=False)
    lo, hi, step, *log = spec
    if log and log[0]:
        return w.FloatLogSlider(value=value, base=10, min=np.log10(lo), max=np.log10(hi), step=step,
                                description=name, continuous_update=False)
    hi = max(hi, lo + step * np.ceil((value - lo) / step - 1e-9))     # a start above the range widens it
    return w.FloatSlider(value=value, min=lo, max=hi, step=step, description=name, continuous_update=False,
                         readout_format=".3g")


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

    ``ranges`` maps each parameter to its slider: ``(low, high, step)`` for a linear grid (a
    ``(low, high, step, log)`` with ``log`` true spaces the steps in log10), or a :class:`Choices` of the
    values offered (parameters spanning decades). :data:`SLIDERS` holds the grids the ``interactive_*``
    functions use.

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
        from . import have_widgets   # looked up on the package, so pyoptim.plot.have_widgets can be replaced

        if have_widgets():
            import ipywidgets as w
            for name, spec in ranges.items():
                s = _slider(w, name, spec, values[name])
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
                offered = [o[1] for o in getattr(s, "options", ())]
                if hasattr(s, "options") and v not in offered:       # a value between the offered ones
                    s.options = [(f"{o:g}", o) for o in sorted({*offered, v})]
                s.value = v
                s.observe(self._on_change, names="value")
        self._draw(self.fig, **self.values)
        self.fig.canvas.draw_idle()
        self._show()

    def _show(self) -> None:
        if self._out is None or not in_kernel():
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
    from .. import optim
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
    return Interactive(draw, vals, {k: SLIDERS[k] for k in vals}, fig)


def interactive_l2(H, w_star, *, alpha: float = 1.0, lim: float | None = None) -> Interactive:
    """:func:`l2_picture` with a slider for α."""
    def draw(fig, alpha):
        _redraw(fig, l2_picture, H=H, w_star=w_star, alpha=alpha, lim=lim)

    fig, _ = figure((5.0, 4.8))
    draw(fig, alpha)
    return Interactive(draw, {"alpha": alpha}, {"alpha": SLIDERS["alpha_l2"]}, fig)


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
            finish_axes(ax, "weight index i", "value",
                    f"{int((w == 0).sum())} of {len(w)} weights exactly zero")
            ax.set_ylim(min(0, w_star.min()) * 1.15 - 0.05, max(0, w_star.max()) * 1.15 + 0.05)

    fig, _ = figure((5.5, 3.8))
    draw(fig, alpha)
    return Interactive(draw, {"alpha": alpha}, {"alpha": SLIDERS["alpha_l1"]}, fig)


def _dropout_masks(p: float, shape: tuple, seed: int) -> np.ndarray:
    try:
        from ..nn import Dropout
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
    return Interactive(draw, {"p": p}, {"p": SLIDERS["p"]}, fig)


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
    return Interactive(draw, {"sigma": sigma}, {"sigma": SLIDERS["sigma"]}, fig)
