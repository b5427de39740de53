"""The language of pyoptim's figures: set_language / get_language / language, the Hangul font, and
the translation of a figure's texts while it is drawn (from the catalogs in :mod:`pyoptim._lang`)."""
from __future__ import annotations

import contextlib
import functools

from ._style import matplotlib_module

_LANGUAGE = "en"
_HANGUL_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "Source Han Sans KR", "UnDotum",
                 "Malgun Gothic", "AppleGothic")
_FONT_CACHE: dict[str, str | None] = {}


def hangul_font() -> str | None:
    """The family name of a font with Hangul glyphs, registering koreanize-matplotlib's NanumGothic
    file when no installed font has them; None when there is none."""
    if "ko" in _FONT_CACHE:
        return _FONT_CACHE["ko"]
    matplotlib_module()
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
    from .._lang import LANGUAGES
    from . import hangul_font   # looked up on the package, so pyoptim.plot.hangul_font can be replaced (tests)

    if lang not in LANGUAGES:
        raise ValueError(f"Invalid lang: {lang!r} (expected one of {', '.join(map(repr, LANGUAGES))})")
    if lang == "ko" and hangul_font() is None:
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


def translate_texts(fig, lang: str) -> list:
    """Translate every title, label, legend and annotation text of ``fig`` into ``lang`` and give the
    translated ones the Hangul font behind DejaVu Sans (which draws the Latin letters and the symbols). Returns
    ``[(text artist, original text, original font properties), ...]`` for :func:`restore_texts`."""
    from matplotlib.text import Text

    from .._lang import translate

    font = hangul_font() if lang == "ko" else None
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
        families = None
        if font and any("\uac00" <= ch <= "\ud7a3" for ch in new):
            current = list(t.get_fontfamily())
            families = _hangul_families(new, font, [f for f in current if f not in (font, "DejaVu Sans")])
            families = None if families == current else families
        if new == s and families is None:
            continue
        saved.append((t, s, t.get_fontproperties().copy()))
        if families is not None and families[0] == font:
            new = _symbols_to_math(new)     # mathtext + Hangul: α, ∞, ‖, ² drawn by mathtext, not NanumGothic
        if new != s:
            t.set_text(new)
        if families is not None:
            t.set_fontfamily(families)
    return saved


def _hangul_families(text: str, font: str, current: list) -> list:
    """The font families for a text with Hangul in it.

    Plain text: DejaVu Sans first and the Hangul font for the glyphs it lacks (matplotlib falls back
    glyph by glyph), because NanumGothic's own ‖ ² ≤ ½ √ ᵀ are drawn small and thin beside DejaVu's.
    Text with mathtext in it (``$...$``): the Hangul font first, because mathtext draws the text
    outside the dollars in the first family only, with no fallback (DejaVu first would give boxes).
    """
    n = text.count("$") - text.count("\\$")
    if n >= 2 and n % 2 == 0:
        return [font, "DejaVu Sans", *current]
    return ["DejaVu Sans", font, *current]


def _symbols_to_math(text: str) -> str:
    """Wrap the symbols outside ``$...$`` of a Hangul+mathtext text in dollars (``α를`` -> ``$α$를``), so
    mathtext draws them in its DejaVu fonts: outside the dollars they would be drawn in the Hangul font,
    whose α ∞ ‖ ² are small or thin."""
    import re

    parts = re.split(r"(?<!\\)\$", text)
    for i in range(0, len(parts), 2):                 # the segments outside math
        parts[i] = re.sub(r"[^\x00-\x7f\uac00-\ud7a3\u3131-\u318e\s]+", lambda m: f"${m.group(0)}$", parts[i])
    return "$".join(parts)


def restore_texts(saved: list) -> None:
    """Put back the texts :func:`translate_texts` replaced, without marking the figure stale (the
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
