"""The Korean edition's one rule, shared by the lessons' and the solutions' tests: a Korean source has the
English one's cells, the same kinds in the same order, its code cells identical character for character,
and every prose cell translated (Hangul in it, unless the English cell has no words at all)."""
from __future__ import annotations

from pathlib import Path


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def assert_korean_twin(parse, en_src: Path, ko_src: Path) -> list[tuple[str, str, str]]:
    """Assert the rule for one source pair (``parse``: the notebook builder's percent-format parser) and
    return the aligned cells as (kind, english, korean) for checks of the caller's own."""
    assert ko_src.exists(), f"the Korean edition lacks {ko_src.name}"
    en_cells = parse(en_src.read_text(encoding="utf-8"))
    ko_cells = parse(ko_src.read_text(encoding="utf-8"))
    assert [k for k, _ in ko_cells] == [k for k, _ in en_cells], f"{ko_src.name}: cells differ in kind or number"
    for i, ((kind, en), (_, tr)) in enumerate(zip(en_cells, ko_cells)):
        if kind == "code":
            assert tr == en, f"{ko_src.name}: code cell {i} differs from the English one"
        else:
            assert _hangul(tr) or not any(c.isalpha() for c in en), \
                f"{ko_src.name}: markdown cell {i} is not translated"
    return [(kind, en, tr) for (kind, en), (_, tr) in zip(en_cells, ko_cells)]
