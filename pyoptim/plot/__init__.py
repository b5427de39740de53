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
:func:`path_panels`                    the same, one small panel per trajectory             Fig. 8.5
:func:`optimizer_path`                 records the iterates of a first-order optimizer      8.3, 8.5
:func:`animate_paths`                  the trajectories drawn step by step (GIF, MP4, HTML) Fig. 8.5
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
redrawing in place; each slider's steps land on the values the notebooks and their exercises use
(:data:`SLIDERS`). Without ipywidgets they draw the same figure once, statically. Each returns an
:class:`Interactive` whose ``update(**values)`` is exactly the function the sliders call.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
:func:`style` is the context every function draws in, and :data:`RC` its rcParams.

Language: ``set_language("ko")`` (or ``with language("ko"):``) writes every title, axis label and
legend entry of a pyoptim figure in Korean, including the texts a notebook sets itself on a figure
made here, from the catalogs in ``pyoptim._lang``; the text is translated while the figure is drawn
(the figure keeps its texts as written, so code reading them back sees the same strings in every language),
in DejaVu Sans with a Hangul font behind it for the Hangul (an installed NanumGothic or Noto Sans CJK KR,
else the one the ``koreanize-matplotlib`` package ships; NanumGothic's own ‖ ² ≤ are drawn small), and
in the Hangul font first where the text holds mathtext (which has no glyph fallback).
Without a Hangul font the figures stay in English, with one warning saying how to get one.
"""
from __future__ import annotations

# One concern per module (none imports matplotlib at import time):
#   _style.py      palette, rcParams, the figure class, axis-labelling helpers
#   _language.py   set_language / get_language / language, the Hangul font, draw-time translation
#   paths.py       optimizer_path, contour_paths, path_panels   animation.py   animate_paths
#   lines.py       line plots against steps, epochs, layers
#   spectra.py     Hessian spectra, histograms, bars      pictures.py    the book's pictures, image grids
#   interactive.py the ipywidgets layer (Interactive, interactive_*)
from ._language import (hangul_font, restore_texts, translate_texts, get_language,  # noqa: F401
                        language, set_language)
from ._style import OKABE_ITO, RC, finish_axes, matplotlib_module, target_axes, figure, style  # noqa: F401
from .animation import animate_paths
from .interactive import (SLIDERS, Choices, Interactive, have_widgets, in_kernel,  # noqa: F401
                          interactive_continuation, interactive_dropout, interactive_l1, interactive_l2,
                          interactive_trajectories)
from .lines import activation_stats, curvature, curves, gradient_noise, loss_curves, power_norms, sharpness
from .paths import contour_paths, optimizer_path, path_panels
from .pictures import continuation, dropout_masks, image_grid, l1_path, l2_picture
from .spectra import bars, hessian_spectrum, histograms

__all__ = [
    "OKABE_ITO", "RC", "style", "figure", "set_language", "get_language", "language",
    "optimizer_path", "contour_paths", "path_panels", "animate_paths", "loss_curves", "curvature", "sharpness", "l2_picture",
    "l1_path",
    "dropout_masks", "activation_stats", "gradient_noise", "power_norms", "hessian_spectrum",
    "curves", "histograms", "image_grid", "continuation", "bars",
    "Interactive", "Choices", "SLIDERS", "interactive_trajectories", "interactive_l2", "interactive_l1",
    "interactive_dropout", "interactive_continuation",
]

