"""Translations of the strings pyoptim writes into figures (see :func:`pyoptim.plot.set_language`).

Each module ``<lang>_<topic>.py`` in this package defines ``STRINGS`` (exact English text -> translated
text) and optionally ``PATTERNS`` (a list of ``(regex, replacement)`` pairs for text with numbers in
it, such as ``"gd (217 steps)"``). :func:`catalog` merges every module of a language, so the strings of
one notebook or one part of the library live in a file of their own.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import re

LANGUAGES = ("en", "ko")


@functools.lru_cache(maxsize=None)
def catalog(lang: str) -> tuple[dict, tuple]:
    """``(strings, patterns)`` for ``lang``, merged from every ``<lang>_*.py`` module here."""
    strings: dict[str, str] = {}
    patterns: list[tuple[re.Pattern, str]] = []
    if lang == "en":
        return strings, tuple(patterns)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith(lang + "_"):
            mod = importlib.import_module(f"{__name__}.{info.name}")
            strings.update(getattr(mod, "STRINGS", {}))
            patterns.extend((re.compile(p), r) for p, r in getattr(mod, "PATTERNS", ()))
    return strings, tuple(patterns)


def translate(text: str, lang: str) -> str:
    """``text`` in ``lang``: the exact entry if there is one, else the first matching pattern, else
    ``text`` unchanged. A multi-line text is translated as a whole, then line by line."""
    if lang == "en" or not text:
        return text
    strings, patterns = catalog(lang)
    if text in strings:
        return strings[text]
    for rx, repl in patterns:
        out, n = rx.subn(repl, text)
        if n:
            return out
    if "\n" in text:
        return "\n".join(translate(line, lang) for line in text.split("\n"))
    return text
