"""Render pyoptim's plain-text docstrings faithfully in Sphinx (autodoc-process-docstring, run before
napoleon). pyoptim's docstrings are written for ``help()``: formulas as indented plain-text blocks,
|x| for absolute values and norms, ``literals`` for code, numpydoc sections. Six rules, applied to
every docstring, so docstrings added later need no Sphinx-specific markup:

1. An indented block in the prose (before the first section header) that does not continue a list
   item is a formula display: it is shown verbatim (a literal block), with its alignment.
2. Outside literals, ``|`` and a trailing ``_`` after a name (``clip_grad_norm_``) are text, not
   reStructuredText substitutions or link targets: they are escaped.
3. In a Parameters/Returns/Raises/Attributes section, a paragraph after a blank line that is not a
   field (``name : type``) ends the section (numpydoc sections end only at the next header).
4. A bulleted list right under its lead-in line gets the blank line reStructuredText needs.
5. A Raises section written as prose ("TypeError for ...; ValueError for ...") is shown as prose under
   a "Raises" heading (napoleon would read each line as an exception name).
6. A simple table that does not parse (a cell wider than its column) is shown verbatim.
"""
from __future__ import annotations

import re

_SECTION_NAMES = {"parameters", "returns", "raises", "attributes", "other parameters", "yields",
                  "warns", "see also", "notes", "references", "examples", "example", "methods",
                  "warnings", "receives"}
_FIELD_SECTIONS = {"parameters", "returns", "raises", "attributes", "other parameters", "yields",
                   "warns", "receives", "methods"}
_LIST_ITEM = re.compile(r"^\s*([-*+•]|\d+[.)]|[a-z][.)])\s")
_FIELD = re.compile(r"^\*{0,2}[A-Za-z_][\w.]*(\s*,\s*\*{0,2}[A-Za-z_][\w.]*)*\s*(:\s.*|:$|$)")
_LITERAL = re.compile(r"(``.+?``|`[^`]+`_?|:\w+:`[^`]+`)")
_TRAILING_UNDERSCORE = re.compile(r"(?<=[\w)\]])_(?=$|[\s,.;:)\]'\"])")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_header(lines, i) -> bool:
    return (i + 1 < len(lines) and lines[i].strip().lower() in _SECTION_NAMES
            and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1] or "") is not None)


_SUBST = re.compile(r"(?:(?<=^)|(?<=[\s(\[{<'\"]))\|(?=\S)([^|]*?\S)\|")


def _escape(text: str, minimal: bool = False) -> str:
    parts = _LITERAL.split(text)
    for k in range(0, len(parts), 2):   # even parts are outside literals / roles
        p = parts[k]
        if minimal:
            p = _SUBST.sub(lambda m: "\\|" + m.group(1) + "\\|", p)
        else:
            p = re.sub(r"(?<!\\)\|", r"\\|", p)
        p = _TRAILING_UNDERSCORE.sub(r"\\_", p)
        parts[k] = p
    return "".join(parts)


def _table_parses(rows: list[str]) -> bool:
    from docutils.parsers.rst.tableparser import SimpleTableParser, TableMarkupError
    from docutils.statemachine import StringList
    try:
        SimpleTableParser().parse(StringList([_escape(r, minimal=True) for r in rows]))
    except (TableMarkupError, Exception):   # noqa: BLE001  any parse failure: show it verbatim
        return False
    return True


def _fields_only(lines, i) -> bool:
    """True when the section starting at line i lists fields: every unindented line is a name,
    or ``name : type``."""
    while i < len(lines) and not _is_header(lines, i):
        line = lines[i]
        if line.strip() and _indent(line) == 0 and not re.fullmatch(r"[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*(\s*:.*)?", line.strip()):
            return False
        i += 1
    return True


def _realign(old: str, new: str) -> str:
    """Keep a simple table's columns: each escape character added is taken back from the next
    run of two or more spaces (the gap before the next column)."""
    out, extra = [], 0
    i = 0
    while i < len(new):
        ch = new[i]
        if ch == "\\" and i + 1 < len(new) and new[i + 1] in "|_":
            extra += 1
        if ch == " " and extra and i + 1 < len(new) and new[i + 1] == " ":
            extra -= 1          # drop this space
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def process(lines: list[str]) -> None:
    out: list[str] = []
    literal_lines: set[int] = set()
    table_lines: set[int] = set()
    section = None        # current section name (lower case) or None for the prose
    i, n = 0, len(lines)
    base = 0
    in_table = False
    while i < n:
        line = lines[i]
        if not in_table and re.fullmatch(r"\s*=+( +=+)+\s*", line):
            # a simple table runs to the next blank line: kept as a table when it parses, else shown
            # verbatim (help()'s rendering) so a column overflow is never a build error
            end = i
            while end < n and lines[end].strip():
                end += 1
            if not _table_parses(lines[i:end]):
                out += ["", ".. code-block:: text", ""]
                for t in lines[i:end]:
                    literal_lines.add(len(out))
                    out.append("    " + t)
                out.append("")
                i = end
                continue
            in_table = True
        elif line.strip() == "":
            in_table = False
        if in_table:
            table_lines.add(len(out))
            out.append(line)
            i += 1
            continue
        if _is_header(lines, i):
            section = line.strip().lower()
            if section in ("raises", "warns") and not _fields_only(lines, i + 2):
                # written as prose ("TypeError for ...; ValueError for ..."): a heading and the text
                out += ["", "", f".. rubric:: {line.strip()}", ""]
                section = "prose-after-fields"
            else:
                out += [line, lines[i + 1]]
            i += 2
            continue
        if section in _FIELD_SECTIONS and line.strip() == "" and i + 1 < n:
            nxt = lines[i + 1]
            if nxt.strip() and _indent(nxt) == 0 and not _is_header(lines, i + 1) and not _FIELD.match(nxt):
                out += ["", ""]       # two blank lines: napoleon ends the section here
                section = "prose-after-fields"
                i += 1
                continue
        if (section in (None, "prose-after-fields", "notes") and line.strip() and i > 0
                and _indent(line) > base and not out[-1].rstrip().endswith("::")):
            # find the paragraph line this block hangs from
            j = len(out) - 1
            while j >= 0 and out[j].strip() == "":
                j -= 1
            prev = out[j] if j >= 0 else ""
            if prev and _indent(prev) == base and not _LIST_ITEM.match(prev) and not prev.strip().startswith(("..", ">>>", "...")):
                # a formula display: verbatim block
                if out and out[-1].strip() != "":
                    out.append("")
                out += [".. code-block:: text", ""]
                while i < n and (lines[i].strip() == "" or _indent(lines[i]) > base):
                    if lines[i].strip() == "" and (i + 1 >= n or _indent(lines[i + 1]) <= base):
                        break
                    literal_lines.add(len(out))
                    out.append(lines[i])
                    i += 1
                out.append("")
                continue
        if (_LIST_ITEM.match(line) and out and out[-1].strip() and not _LIST_ITEM.match(out[-1])
                and _indent(out[-1]) == _indent(line) and section in (None, "prose-after-fields", "notes")):
            out.append("")      # a list right under its lead-in line: RST needs the blank line
        out.append(line)
        i += 1
    # rule 2 outside literal blocks (existing "::" blocks included)
    in_block, block_indent = False, 0
    for k, line in enumerate(out):
        if k in literal_lines:
            continue
        if in_block:
            if line.strip() == "" or _indent(line) > block_indent:
                continue
            in_block = False
        if line.rstrip().endswith("::"):
            in_block, block_indent = True, _indent(line)
        if line.lstrip().startswith((">>>", "...", "..")):
            continue
        if re.match(r"^\s*[+|=][-=+| ]*$", line) or re.match(r"^\s*\+[-=+]+\+\s*$", line):
            continue
        if k in table_lines:   # columns are measured on the raw text: escape only real start-strings
            new = _realign(line, _escape(line, minimal=True))
        else:
            new = _escape(line)
        out[k] = new
    lines[:] = out


def on_docstring(app, what, name, obj, options, lines):
    if what == "data" and lines and type(obj).__doc__ and "\n".join(lines).strip() == type(obj).__doc__.strip():
        lines[:] = []        # a constant without a docstring of its own: not its type's docstring
        return
    if what == "module":
        return process(lines)
    process(lines)


def setup(app):
    app.connect("autodoc-process-docstring", on_docstring, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
