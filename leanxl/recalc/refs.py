"""A1 references and leanxl calls in stored formula text.

Excel stores a leanxl call three ways — bare ``LEANXL_FIT(...)`` (classic UDF),
``_xldudf_LEANXL_FIT(...)`` (Office.js custom function ``LEANXL.FIT``) and
``_xludf.LEANXL_FIT(...)`` (unresolved) — and LibreOffice writes unknown functions lower-case
(``leanxl_fit(...)``).  This module recognises all of them, any case, and parses the call's
arguments into references, names and constants; nothing here reads a workbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from leanxl.xlsx.refs import Area, parse_area, split_sheet

__all__ = [
    "RELATIVE_ROW",
    "Arg",
    "Call",
    "Name",
    "Unsupported",
    "array_literal",
    "fill_shape",
    "formula_refs",
    "has_leanxl_call",
    "inner_calls",
    "literal",
    "parse_arg",
    "parse_call",
    "shift_call",
    "split_top",
]

# The function name, however stored; group 1 is the registry key ("FIT").
_CALL = re.compile(r"(?:_xldudf_|_xludf\.)?LEANXL[_.]([A-Z][A-Z0-9_]*)\s*\(", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_PLAIN = re.compile(r"^[^\"'(){}\[\]]*$")
_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\]*$")


@dataclass(frozen=True, slots=True)
class Name:
    """A defined name (``Weights``), resolved against the workbook later."""

    name: str


@dataclass(frozen=True, slots=True)
class Unsupported:
    """An argument leanxl recalc cannot evaluate (an expression, a table reference)."""

    text: str


Arg = Area | Name | Unsupported | float | str | bool | list | None


@dataclass(frozen=True, slots=True)
class Call:
    """One leanxl call: the registry key and its parsed arguments."""

    function: str
    args: tuple[Arg, ...]


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside strings, quoted sheet names, parentheses and braces."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"' or ch == "'":
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:  # doubled quote = literal quote
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            continue
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def _closing_paren(text: str, open_at: int) -> int:
    """Index of the parenthesis closing the one at ``open_at`` (or -1)."""
    depth = 0
    i = open_at
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"' or ch == "'":
            j = i + 1
            while j < n and not (text[j] == ch and (j + 1 >= n or text[j + 1] != ch)):
                j += 2 if text[j] == ch else 1
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def has_leanxl_call(formula: str) -> bool:
    """Whether the formula text calls a leanxl function anywhere (cheap pre-filter first)."""
    return "leanxl" in formula.lower() and _CALL.search(formula) is not None


def inner_calls(formula: str) -> list[tuple[int, int, Call]] | None:
    """``(start, end, call)`` of each leanxl call inside a larger formula (outside strings).

    ``None`` when a call cannot be delimited or holds another leanxl call.
    """
    text = formula
    out: list[tuple[int, int, Call]] = []
    strings = [m.span() for m in re.finditer(r'"(?:[^"]|"")*"', text)]
    for m in _CALL.finditer(text):
        if any(a <= m.start() < b for a, b in strings):
            continue
        start = m.start()
        close = _closing_paren(text, m.end() - 1)
        if close < 0:
            return None
        call = parse_call(text[start:close + 1])
        if call is None or any(isinstance(a, Unsupported) and has_leanxl_call(a.text)
                               for a in call.args):
            return None
        if out and start < out[-1][1]:
            return None  # nested inside the previous call
        out.append((start, close + 1, call))
    return out or None


def literal(value: Any) -> str:
    """A cell value written as an Excel formula constant."""
    from leanxl.errors import CellError

    if isinstance(value, CellError):
        return value.code
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(float(value)) if value == value else "#NUM!"
    if value is None:
        return "0"
    return '"' + str(value).replace('"', '""') + '"'


def array_literal(block: list[list[Any]]) -> str:
    """A call's result inside a larger formula: a constant, or an array constant ``{1,2;3,4}``.

    An error anywhere makes the whole result that error (Excel array constants hold no
    function calls, and an aggregate over an error is that error anyway).
    """
    from leanxl.errors import CellError

    values = [v for row in block for v in row]
    for v in values:
        if isinstance(v, CellError):
            return v.code
    if len(values) == 1:
        return literal(values[0])
    return "{" + ";".join(",".join('""' if v is None else literal(v) for v in row)
                          for row in block) + "}"


def parse_call(formula: str) -> Call | None:
    """Parse a formula that is exactly one leanxl call, ``None`` when it is anything else.

    ``formula`` is the stored text, with or without a leading ``=``.
    """
    text = formula.strip().removeprefix("=").strip()
    m = _CALL.match(text)
    if not m:
        return None
    if text.count("(") == 1 and text.endswith(")") and '"' not in text:
        close = len(text) - 1  # the common case: nothing nested, nothing quoted
    else:
        close = _closing_paren(text, m.end() - 1)
    if close != len(text) - 1:
        return None  # the call is part of a larger expression
    inner = text[m.end():close]
    if not inner.strip():
        return Call(m.group(1).upper(), ())
    # Fast path: plain references and numbers need no quote/bracket-aware splitting.
    parts = inner.split(",") if _PLAIN.match(inner) else split_top(inner)
    args = tuple(parse_arg(a) for a in parts)
    return Call(m.group(1).upper(), args)


def _literal(text: str) -> Any:
    """A constant argument, or the :class:`Unsupported` marker."""
    if _NUMBER.match(text):
        return float(text)
    up = text.upper()
    if up in ("TRUE", "FALSE"):
        return up == "TRUE"
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return Unsupported(text)


def parse_arg(text: str) -> Arg:
    """One argument of a leanxl call: reference, defined name, constant, ``None`` if omitted."""
    t = text.strip()
    if not t:
        return None
    if "!" not in t and ":" in t:  # the common case first: a range on the formula's own sheet
        area = parse_area(t)
        if area is not None:
            return area
    if t.startswith("{") and t.endswith("}"):
        rows = [[_literal(v.strip()) for v in split_top(r, ",")] for r in split_top(t[1:-1], ";")]
        if any(isinstance(v, Unsupported) for r in rows for v in r):
            return Unsupported(t)
        return rows
    value = _literal(t)
    if not isinstance(value, Unsupported):
        return value
    area = parse_area(t)
    if area is not None:
        return area
    if _NAME.match(t):
        return Name(t)
    sheet, body = split_sheet(t)
    if sheet is not None and _NAME.match(body):
        return Name(f"{sheet}!{body}")  # a sheet-scoped name spelled with its sheet
    return Unsupported(t)


# References inside any formula: optional sheet, then a cell, a range, whole columns or rows.
_REF_IN_FORMULA = re.compile(
    r"(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?"
    r"(?<![A-Za-z0-9_.])(?P<ref>\$?[A-Z]{1,3}\$?[0-9]{1,7}(?::\$?[A-Z]{1,3}\$?[0-9]{1,7})?"
    r"|\$?[A-Z]{1,3}:\$?[A-Z]{1,3})(?![A-Za-z0-9_(!])", re.IGNORECASE)
_STRING = re.compile(r'"(?:[^"]|"")*"')
_WORD = re.compile(r"(?<![A-Za-z0-9_.!$'])([A-Za-z_][A-Za-z0-9_.]*)(?![A-Za-z0-9_.(!])")


def formula_refs(formula: str) -> tuple[list[Area], list[str]]:
    """The areas a formula reads and the bare words that may be defined names.

    Conservative and cheap: used to find circular references through standard formulas.
    """
    text = _STRING.sub('""', formula)
    areas = []
    for m in _REF_IN_FORMULA.finditer(text):
        sheet = m.group("sheet")
        area = parse_area(((sheet + "!") if sheet else "") + m.group("ref"))
        if area is not None:
            areas.append(area)
    stripped = _REF_IN_FORMULA.sub(" ", text)
    words = [w for w in _WORD.findall(stripped) if w.upper() not in ("TRUE", "FALSE")]
    return areas, words


# A row reference that moves when a formula is filled down (not ``$``-anchored, not a sheet).
RELATIVE_ROW = re.compile(
    r"(?<![A-Za-z0-9_.$])(\$?[A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![0-9]*!)(?![A-Za-z0-9_(])")


def fill_shape(formula: str, row: int) -> str | None:
    """The formula with relative row numbers made relative to ``row`` (``B7`` at 5 -> ``B[2]``).

    Cells of one column whose formulas have the same shape differ only by where they are,
    so one parsed call shifted down serves them all.  ``None`` when quotes make it unsafe.
    """
    if '"' in formula or "'" in formula:
        return None
    return RELATIVE_ROW.sub(lambda m: m.group(0) if m.group(2) else
                        f"{m.group(1)}[{int(m.group(3)) - row}]", formula)


def shift_call(call: Call, drow: int) -> Call:
    """The call as written ``drow`` rows further down (relative references move)."""
    return Call(call.function, tuple(a.shifted(drow, 0) if isinstance(a, Area) else a
                                     for a in call.args))
