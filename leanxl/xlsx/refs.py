"""A1 references: column letters and numbers, cells, ranges, whole columns/rows, ``Sheet!A1``.

The one parser of A1 text in leanxl.  Finding references *inside* a formula (tokenising) is
:mod:`leanxl.recalc.refs`' job; every reference it finds is parsed here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from leanxl.errors import WorkbookError

__all__ = [
    "MAX_COLS",
    "MAX_ROWS",
    "Area",
    "column_index",
    "column_letter",
    "coordinate",
    "parse_area",
    "quote_sheet",
    "split_coordinate",
    "split_sheet",
]

MAX_ROWS = 1_048_576
MAX_COLS = 16_384

_LETTERS = re.compile(r"^[A-Za-z]+$")
_COORDINATE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")
_CELL = r"(\$?)([A-Z]{1,3})(\$?)([0-9]{1,7})"
_AREA = re.compile(rf"^{_CELL}(?::{_CELL})?$", re.IGNORECASE)
_COLUMNS = re.compile(r"^(\$?)([A-Z]{1,3}):(\$?)([A-Z]{1,3})$", re.IGNORECASE)
_ROWS = re.compile(r"^(\$?)([0-9]{1,7}):(\$?)([0-9]{1,7})$")
# A sheet name Excel writes without quotes: a word that cannot be read as a reference.
_BARE_SHEET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_REF = re.compile(r"^(?:[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*(?:[Cc][0-9]*)?|[Cc][0-9]*)$")


@functools.lru_cache(maxsize=4096)  # called for every cell of a sheet
def column_index(letters: str) -> int:
    """Column number of column letters, 1-based: ``"A"`` -> 1, ``"ab"`` -> 28.

    Raises
    ------
    ValueError
        When ``letters`` is empty or holds anything but the letters A-Z.
    """
    if not _LETTERS.match(letters):
        raise ValueError(f"not column letters: {letters!r}")
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@functools.lru_cache(maxsize=4096)  # called for every formula cell of a book
def column_letter(index: int) -> str:
    """Column letters of a 1-based column number: 1 -> ``"A"``, 28 -> ``"AB"``.

    Raises
    ------
    ValueError
        When ``index`` is smaller than 1.
    """
    if index < 1:
        raise ValueError(f"no column number {index}: columns start at 1")
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def coordinate(row: int, col: int) -> str:
    """The A1 address of a cell: ``(12, 2)`` -> ``"B12"``."""
    return f"{column_letter(col)}{row}"


def split_coordinate(text: str) -> tuple[int, int]:
    """``"B12"``, ``"$B$12"`` or ``"b12"`` -> ``(12, 2)`` as (row, column), 1-based.

    Raises
    ------
    WorkbookError
        When ``text`` is not the address of one cell.
    """
    m = _COORDINATE.match(text)
    if not m:
        raise WorkbookError(f"not a cell address: {text!r}", suggestion="use A1 style")
    return int(m.group(2)), column_index(m.group(1))


def quote_sheet(title: str) -> str:
    """A sheet name as it stands before ``!`` in a formula: quoted (``'My Sheet'``) if needed."""
    if _BARE_SHEET.match(title) and not _LOOKS_LIKE_REF.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str]:
    """``"'My ''x'' sheet'!A1"`` -> ``("My 'x' sheet", "A1")``; no sheet -> ``(None, text)``."""
    if text.startswith("'"):
        j = 1
        while j < len(text):
            if text[j] == "'":
                if j + 1 < len(text) and text[j + 1] == "'":
                    j += 2
                    continue
                break
            j += 1
        if j + 1 < len(text) and text[j + 1] == "!":
            return text[1:j].replace("''", "'"), text[j + 2:]
        return None, text
    bang = text.rfind("!")
    if bang > 0 and '"' not in text[:bang]:
        return text[:bang], text[bang + 1:]
    return None, text


@dataclass(frozen=True, slots=True)
class Area:
    """A rectangle on one sheet (1-based, inclusive), with Excel's ``$`` anchors.

    ``sheet`` is ``None`` for "the sheet the reference is written on".  Anchors matter only
    for moving a reference to another cell (shared and filled-down formulas).
    """

    sheet: str | None
    r1: int
    c1: int
    r2: int
    c2: int
    abs_r1: bool = True
    abs_c1: bool = True
    abs_r2: bool = True
    abs_c2: bool = True

    @property
    def rows(self) -> int:
        return self.r2 - self.r1 + 1

    @property
    def cols(self) -> int:
        return self.c2 - self.c1 + 1

    def cells(self) -> list[tuple[int, int]]:
        """Every (row, column) of the rectangle, row by row."""
        return [(r, c) for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)]

    def shifted(self, drow: int, dcol: int) -> Area:
        """This reference as written in a cell ``drow, dcol`` away (relative parts move)."""
        return Area(
            self.sheet,
            self.r1 + (0 if self.abs_r1 else drow),
            self.c1 + (0 if self.abs_c1 else dcol),
            self.r2 + (0 if self.abs_r2 else drow),
            self.c2 + (0 if self.abs_c2 else dcol),
            self.abs_r1, self.abs_c1, self.abs_r2, self.abs_c2,
        )

    def on(self, sheet: str) -> Area:
        """This reference with its sheet made explicit (unchanged if it names one)."""
        return self if self.sheet is not None else Area(
            sheet, self.r1, self.c1, self.r2, self.c2,
            self.abs_r1, self.abs_c1, self.abs_r2, self.abs_c2)

    def a1(self) -> str:
        """``"B2:C3"``, ``"D4"`` or ``"'My sheet'!A1:B2"`` (anchors not written)."""
        first = coordinate(self.r1, self.c1)
        text = first if (self.r1, self.c1) == (self.r2, self.c2) else (
            f"{first}:{coordinate(self.r2, self.c2)}")
        return f"{quote_sheet(self.sheet)}!{text}" if self.sheet else text


def parse_area(text: str) -> Area | None:
    """Parse one A1 reference; ``None`` when ``text`` is not one.

    Accepts a cell (``A1``, ``$A$1``), a range (``B2:C3``), whole columns (``A:C``) or rows
    (``2:3``), each optionally after a sheet (``Sheet1!``, ``'My Sheet'!``), any case.
    """
    sheet, body = split_sheet(text.strip())
    m = _AREA.match(body)
    if m:
        a_c1, c1, a_r1, r1 = m.group(1, 2, 3, 4)
        if m.group(6) is None:
            a_c2, c2, a_r2, r2 = a_c1, c1, a_r1, r1
        else:
            a_c2, c2, a_r2, r2 = m.group(5, 6, 7, 8)
        return Area(sheet, int(r1), column_index(c1), int(r2), column_index(c2),
                    bool(a_r1), bool(a_c1), bool(a_r2), bool(a_c2))
    m = _COLUMNS.match(body)
    if m:
        return Area(sheet, 1, column_index(m.group(2)), MAX_ROWS, column_index(m.group(4)),
                    True, bool(m.group(1)), True, bool(m.group(3)))
    m = _ROWS.match(body)
    if m:
        return Area(sheet, int(m.group(2)), 1, int(m.group(4)), MAX_COLS,
                    bool(m.group(1)), True, bool(m.group(3)), True)
    return None
