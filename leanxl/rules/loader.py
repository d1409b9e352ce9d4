"""Find decision tables in cells, CSV files and worksheets, and load them.

:func:`load` reads one table from a 2-D list of cell values (what a cell function receives;
errors name cells ``R3C2`` relative to the list) or a ``.csv`` file, and caches parsing by
content.  :func:`load_sheet` and :func:`scan_sheet` read every ``DECISION`` and ``EXAMPLES``
block of any worksheet-like object (``ws.title`` and ``ws.iter_rows()`` yielding cells with
``.value``, ``.row``, ``.column``; errors name ``Sheet!B3``).  This module never imports
openpyxl.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leanxl.csvfiles import read_grid
from leanxl.domain import normalize_name
from leanxl.errors import TableError
from leanxl.rules.table import (
    DecisionTable,
    Example,
    Where,
    build_examples,
    build_table,
)
from leanxl.values import is_blank
from leanxl.xlsx.refs import column_index, column_letter, quote_sheet

# On a sheet, only upper-case DECISION / EXAMPLES followed by a name start a block, so a note
# such as "Decision makers" is not mistaken for a table.
_SHEET_TITLE_RE = re.compile(r"^DECISION\s+\S")
_EXAMPLES_RE = re.compile(r"^EXAMPLES\s+(\S.*)$", re.DOTALL)


def cell_rows(source: object) -> list[list[object]]:
    """Rows of cell values from a 2-D sequence, a DataFrame of cells or a ``.csv`` file."""
    if isinstance(source, str | Path):
        path = Path(source)
        if path.suffix.lower() != ".csv":
            raise TableError("load() reads a 2-D list of cells or a .csv file",
                             where=str(path),
                             suggestion="for a workbook use load_sheet(ws) or `leanxl check`")
        if not path.exists():
            raise TableError("file not found", where=str(path))
        grid: list[list[object]] = [list(row) for row in read_grid(path)]
        return grid  # `;` or UTF-16 exports read as in `leanxl check`
    if hasattr(source, "values") and hasattr(source, "columns"):  # a DataFrame of cells
        body = [list(r) for r in source.values.tolist()]
        if type(source.columns).__name__ == "RangeIndex":  # read with header=None
            return body
        return [list(source.columns), *body]
    if not isinstance(source, Sequence) or not all(
            isinstance(r, Sequence) and not isinstance(r, str) for r in source):
        raise TableError("a decision table is a 2-D list of cells (rows of values)",
                         where="table", suggestion="pass the table's whole range, title row "
                         "`DECISION <name>` first")
    return [list(r) for r in source]


def _sheet_where(title: str, top: int, left: int) -> Where:
    quoted = quote_sheet(title)

    def where(r: int, c: int) -> str:
        return f"{quoted}!{column_letter(left + c)}{top + r}"

    return where


def _existing_cells(ws: Any) -> Iterable[Any]:
    """The cells a worksheet holds, never the empty grid up to its far corner.

    ``iter_rows()`` walks every cell of the used range: one value in XFD1048576 makes that
    17 billion cells.  An openpyxl worksheet keeps its cells in a dict (``_cells``); a
    read-only one pads its rows only up to the stored dimension, which is dropped first.
    """
    cells = getattr(ws, "_cells", None)
    if isinstance(cells, dict):
        yield from cells.values()
        return
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    for row in ws.iter_rows():
        yield from row


def _sheet_cells(ws: Any) -> dict[tuple[int, int], object]:
    grid: dict[tuple[int, int], object] = {}
    for cell in _existing_cells(ws):
        value = getattr(cell, "value", None)
        if is_blank(value):
            continue
        r = getattr(cell, "row", None)
        c = getattr(cell, "column", None)
        if r is None or c is None:
            continue
        if isinstance(c, str):  # very old openpyxl: column letters
            c = column_index(c)
        grid[int(r), int(c)] = value
    return grid


def _block(grid: Mapping[tuple[int, int], object], top: int, left: int) -> list[list[object]]:
    """Title row, header row (to its first empty cell) and rows up to the first empty row."""
    width = 0
    while (top + 1, left + width) in grid:
        width += 1
    width = max(width, 2)
    rows = [[grid.get((top, left + c)) for c in range(width)],
            [grid.get((top + 1, left + c)) for c in range(width)]]
    r = top + 2
    while any((r, left + c) in grid for c in range(width)):
        rows.append([grid.get((r, left + c)) for c in range(width)])
        r += 1
    return rows


class GridSheet:
    """A worksheet-like view of a 2-D list (a CSV file), so it can hold several blocks."""

    class _Cell:
        __slots__ = ("value", "row", "column")

        def __init__(self, value: object, row: int, column: int):
            self.value, self.row, self.column = value, row, column

    def __init__(self, title: str, rows: Sequence[Sequence[object]]):
        self.title = title
        self._rows = rows

    def iter_rows(self) -> Iterable[list[GridSheet._Cell]]:
        for r, row in enumerate(self._rows, start=1):
            yield [GridSheet._Cell(v, r, c) for c, v in enumerate(row, start=1)]


@dataclass
class SheetBlocks:
    """What one worksheet holds: tables, their errors, and example blocks."""

    tables: list[DecisionTable]
    errors: list[TableError]
    examples: list[tuple[str, list[Example], str]]  # (table name, examples, where)


def scan_sheet(ws: Any) -> SheetBlocks:
    """Find every ``DECISION`` and ``EXAMPLES`` block on a worksheet, collecting errors."""
    grid = _sheet_cells(ws)
    title = str(getattr(ws, "title", "Sheet"))
    tables: list[DecisionTable] = []
    errors: list[TableError] = []
    examples: list[tuple[str, list[Example], str]] = []
    for (r, c), value in sorted(grid.items()):
        if not isinstance(value, str):
            continue
        where = _sheet_where(title, r, c)
        if _SHEET_TITLE_RE.match(value.strip()):
            table, errs = build_table(_block(grid, r, c), where)
            errors.extend(errs)
            if table is not None:
                tables.append(table)
        else:
            em = _EXAMPLES_RE.match(value.strip())
            if em:
                try:
                    examples.append((em.group(1).strip(),
                                     build_examples(_block(grid, r, c), where), where(0, 0)))
                except TableError as exc:
                    errors.append(exc)
    return SheetBlocks(tables, errors, examples)


def load_sheet(ws: Any) -> list[DecisionTable]:
    """Every decision table on a worksheet, with its EXAMPLES attached.

    Parameters
    ----------
    ws:
        A worksheet-like object: ``ws.title`` and ``ws.iter_rows()`` yielding cells with
        ``.value``, ``.row`` and ``.column``.

    Raises
    ------
    TableError
        The first mistake, named ``Sheet!B3``, with a suggestion.
    """
    blocks = scan_sheet(ws)
    if blocks.errors:
        raise blocks.errors[0]
    # Examples for a table on another sheet are attached by the workbook-level check.
    attach_examples(blocks.tables, blocks.examples, strict=False)
    return blocks.tables


def attach_examples(tables: Iterable[DecisionTable],
                    examples: Iterable[tuple[str, list[Example], str]],
                    strict: bool = True) -> None:
    """Give each table the EXAMPLES blocks named after it (unknown names are errors)."""
    by_name = {normalize_name(t.name): t for t in tables}
    for name, rows, where in examples:
        table = by_name.get(normalize_name(name))
        if table is None:
            if not strict:
                continue
            close = difflib.get_close_matches(name, [t.name for t in by_name.values()], n=1)
            raise TableError(f"EXAMPLES for unknown table '{name}'", where=where,
                             suggestion=f"did you mean {close[0]}?" if close else
                             "name the table as in its DECISION cell")
        table.examples.extend(rows)
