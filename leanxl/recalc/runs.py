"""A sheet's formula cells kept as runs down each column: a formula filled down is one record.

A full sheet holds millions of formula cells, nearly all of them a few formulas filled down
(``=IF(L2>=60,"hot","cold")`` in N2:N1048576).  One entry per cell (its position and text)
took ≈ 3 GB at 6.3 million formulas; a run keeps its first and last row and the first cell's
text with the relative row numbers cut out (:class:`Fill`), from which every cell's own text
comes back exactly (a cell joins a run only if its text is the one expected at its row).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

from leanxl.recalc.refs import RELATIVE_ROW
from leanxl.xlsx.refs import Area

# What a run stores: one plain formula's text (a run of one cell), a plain formula filled
# down (Fill), or a formula cell with attributes (shared, array, data table); a run of shared
# formula dependants of one master stores the first of them.


@dataclass(slots=True)
class FormulaCell:
    """One stored formula cell with attributes on its ``<f>``."""

    row: int
    col: int
    text: str | None  # None for the dependants of a shared formula
    kind: str  # "normal" | "shared" | "array" | "dataTable"
    ref: Area | None = None  # the range of an array formula / shared master
    si: str | None = None


class Fill:
    """A formula with its relative row numbers cut out, to recognise it filled down.

    ``B7:K7`` at row 7 comes back as ``B8:K8`` at row 8: comparing a text with the one
    expected at its row (string joins, no regular expression) tells the cells hold one
    formula filled down.  ``shape`` is free for the caller (the leanxl scan keys parsed calls
    by it).
    """

    __slots__ = ("numbers", "offset", "pieces", "row", "shape", "text")

    def __init__(self, text: str, row: int, shape: str = "") -> None:
        self.text, self.row, self.shape = text, row, shape
        self.pieces: list[str] = []
        self.numbers: list[int] = []
        pos = 0
        for m in RELATIVE_ROW.finditer(text):
            if m.group(2):  # $-anchored: does not move
                continue
            self.pieces.append(text[pos:m.start(3)])
            self.numbers.append(int(m.group(3)))
            pos = m.end(3)
        self.pieces.append(text[pos:])
        # The usual fill (``B7:K7`` at row 7): every number is the row plus one offset, and
        # the text at another row is one join (the scan asks this of every formula cell).
        offsets = {n - row for n in self.numbers}
        self.offset = offsets.pop() if len(offsets) == 1 else 0 if not offsets else None

    def text_at(self, row: int) -> str:
        """The formula's text as filled down (or up) to ``row``."""
        if row == self.row:
            return self.text  # as stored (a row number written ``A02`` stays so)
        if self.offset is not None:
            return str(row + self.offset).join(self.pieces)
        d = row - self.row
        parts = [self.pieces[0]]
        for n, piece in zip(self.numbers, self.pieces[1:], strict=True):
            parts.append(str(n + d))
            parts.append(piece)
        return "".join(parts)

    def matches(self, text: str, row: int) -> bool:
        return self.text_at(row) == text


class _Column:
    """Runs of one column, by first row: parallel lists (no object per run)."""

    __slots__ = ("ends", "entries", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.entries: list[str | Fill | FormulaCell] = []

    def find(self, row: int) -> int:
        """Index of the run holding ``row``, or -1."""
        ends = self.ends
        if ends and row > ends[-1]:
            return -1  # the scan's usual question: past every run so far
        i = bisect.bisect_right(self.starts, row) - 1
        return i if i >= 0 and row <= ends[i] else -1

    def put(self, row: int, entry: str | Fill | FormulaCell) -> None:
        """A run of one cell (rows arrive in order; a writer's odd order still works)."""
        if not self.ends or row > self.ends[-1]:
            self.starts.append(row)
            self.ends.append(row)
            self.entries.append(entry)
            return
        i = bisect.bisect_right(self.starts, row)
        self.starts.insert(i, row)
        self.ends.insert(i, row)
        self.entries.insert(i, entry)


class FormulaRuns(Mapping[tuple[int, int], str | FormulaCell]):
    """Formula cells of one sheet: ``(row, column) -> text`` (a plain formula) or its
    :class:`~leanxl.recalc.book.FormulaCell` (one with attributes), stored as runs.

    A mapping like the dict it replaces (look-ups by bisection, iteration makes the keys as it
    goes); :meth:`runs` gives the runs themselves to the passes that can work a run at once.
    """

    def __init__(self) -> None:
        self._cols: dict[int, _Column] = {}
        self._count = 0

    def add_text(self, row: int, col: int, text: str) -> None:
        """A plain formula: extends its column's last run if it is that formula filled down."""
        column = self._cols.get(col)
        if column is None:
            column = self._cols[col] = _Column()
        elif column.ends and column.ends[-1] == row - 1:
            entry = column.entries[-1]
            if entry.__class__ is Fill:
                if entry.matches(text, row):
                    column.ends[-1] = row
                    self._count += 1
                    return
            elif entry.__class__ is str and column.starts[-1] == row - 1:
                fill = Fill(entry, row - 1)
                if fill.matches(text, row):
                    column.entries[-1] = fill
                    column.ends[-1] = row
                    self._count += 1
                    return
        column.put(row, text)
        self._count += 1

    def add_cell(self, cell: FormulaCell) -> None:
        """A formula with attributes; shared-formula dependants of one master, one below the
        other, make one run."""
        column = self._cols.get(cell.col)
        if column is None:
            column = self._cols[cell.col] = _Column()
        elif (cell.kind == "shared" and cell.text is None and cell.ref is None and column.ends
              and column.ends[-1] == cell.row - 1):
            last = column.entries[-1]
            if (not isinstance(last, str | Fill) and last.kind == "shared"
                    and last.text is None and last.ref is None and last.si == cell.si):
                column.ends[-1] = cell.row
                self._count += 1
                return
        column.put(cell.row, cell)
        self._count += 1

    def runs(self) -> Iterator[tuple[int, int, int, str | Fill | FormulaCell]]:
        """``(column, first row, last row, entry)`` of every run, column by column."""
        for col in sorted(self._cols):
            column = self._cols[col]
            yield from zip(repeat(col), column.starts, column.ends, column.entries)

    def bounds(self) -> tuple[int, int, int, int] | None:
        """``(first row, first column, last row, last column)`` of every cell, or None when
        empty: from the runs, without making a key per cell."""
        cols = [c for c, column in self._cols.items() if column.starts]
        if not cols:
            return None
        return (min(self._cols[c].starts[0] for c in cols), min(cols),
                max(max(self._cols[c].ends) for c in cols), max(cols))

    def __getitem__(self, pos: tuple[int, int]) -> str | FormulaCell:
        row, col = pos
        column = self._cols.get(col)
        i = column.find(row) if column is not None else -1
        if column is None or i < 0:
            raise KeyError(pos)
        return cell_at(column.entries[i], row, col)

    def __contains__(self, pos: object) -> bool:
        if not isinstance(pos, tuple) or len(pos) != 2:
            return False
        column = self._cols.get(pos[1])
        return column is not None and column.find(pos[0]) >= 0

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return chain.from_iterable(
            zip(range(r1, r2 + 1), repeat(col)) for col, r1, r2, _ in self.runs())

    def __len__(self) -> int:
        return self._count


def cell_at(entry: str | Fill | FormulaCell, row: int, col: int) -> str | FormulaCell:
    """The stored formula of the cell at ``row`` of a run: its text, or its FormulaCell."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Fill):
        return entry.text_at(row)
    if entry.row == row:
        return entry
    return FormulaCell(row, col, None, entry.kind, None, entry.si)  # a shared dependant


class ValueRuns(Mapping[tuple[int, int], Any]):
    """Values of one sheet's cells, ``(row, column) -> value``, kept as runs down each column.

    A full sheet's 6.3 million formula values as a dict keyed by ``(row, column)`` took
    ≈ 0.8 GB; as one list per run of a column they are a pointer each.  Cells outside every
    run (a spill's cells, an array's) go to a small dict beside.  Setting a cell in a run
    replaces its value; runs are never split or grown by setting.
    """

    __slots__ = ("_cols", "_count", "_extra")

    def __init__(self) -> None:
        self._cols: dict[int, _ValueColumn] = {}
        self._extra: dict[tuple[int, int], Any] = {}
        self._count = 0

    def add_run(self, col: int, first: int, values: Iterable[Any]) -> None:
        """Values of rows ``first``, ``first + 1``, ... of ``col``, below every run of it so
        far (a run starting right under the last one extends it)."""
        column = self._cols.get(col)
        if column is None:
            column = self._cols[col] = _ValueColumn()
        n = len(column.values[-1]) if column.values else 0
        if column.values and column.starts[-1] + n == first:
            column.values[-1].extend(values)
            self._count += len(column.values[-1]) - n
            return
        if column.values and first < column.starts[-1] + n:
            raise ValueError(f"run at row {first} of column {col} overlaps the one above")
        run = list(values)
        column.starts.append(first)
        column.values.append(run)
        self._count += len(run)

    def segments(self) -> Iterator[tuple[int, int, list[Any]]]:
        """``(column, first row, values)`` of every run (the lists themselves, to set in)."""
        for col in sorted(self._cols):
            column = self._cols[col]
            yield from zip(repeat(col), column.starts, column.values)

    def segment(self, row: int, col: int) -> tuple[list[Any], int] | None:
        """The run holding ``(row, col)`` and the cell's index in it, or None."""
        column = self._cols.get(col)
        if column is None:
            return None
        i = column.find(row)
        return None if i < 0 else (column.values[i], row - column.starts[i])

    def extra_items(self) -> Iterator[tuple[tuple[int, int], Any]]:
        """The cells outside every run."""
        return iter(self._extra.items())

    def __getitem__(self, pos: tuple[int, int]) -> Any:
        seg = self.segment(pos[0], pos[1])
        if seg is None:
            return self._extra[pos]
        return seg[0][seg[1]]

    def __setitem__(self, pos: tuple[int, int], value: Any) -> None:
        seg = self.segment(pos[0], pos[1])
        if seg is None:
            self._extra[pos] = value
        else:
            seg[0][seg[1]] = value

    def setdefault(self, pos: tuple[int, int], default: Any = None) -> Any:
        if pos in self:
            return self[pos]
        self._extra[pos] = default
        return default

    def __contains__(self, pos: object) -> bool:
        if not isinstance(pos, tuple) or len(pos) != 2:
            return False
        return self.segment(pos[0], pos[1]) is not None or pos in self._extra

    def __iter__(self) -> Iterator[tuple[int, int]]:
        runs = (zip(range(r1, r1 + len(vs)), repeat(col)) for col, r1, vs in self.segments())
        return chain(chain.from_iterable(runs), self._extra)

    def items(self) -> Iterator[tuple[tuple[int, int], Any]]:  # type: ignore[override]
        runs = (zip(zip(range(r1, r1 + len(vs)), repeat(col)), vs, strict=True)
                for col, r1, vs in self.segments())
        return chain(chain.from_iterable(runs), self._extra.items())

    def __len__(self) -> int:
        return self._count + len(self._extra)


class _ValueColumn:
    """Runs of values of one column: first rows and value lists, parallel; ``hint`` is the
    last run found (cells are mostly asked for down a column)."""

    __slots__ = ("hint", "starts", "values")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.values: list[list[Any]] = []
        self.hint = 0

    def find(self, row: int) -> int:
        """Index of the run holding ``row``, or -1."""
        h = self.hint
        if h < len(self.starts) and 0 <= row - self.starts[h] < len(self.values[h]):
            return h
        i = bisect.bisect_right(self.starts, row) - 1
        if i >= 0 and row - self.starts[i] < len(self.values[i]):
            self.hint = i
            return i
        return -1


_SHARED_MAX = 4096  # distinct values shared per read, at most


def shared_values(values: list[Any], shared: dict[Any, Any]) -> list[Any]:
    """``values`` with each repeated text or non-zero number one object (kept in ``shared``).

    LibreOffice hands every cell a new object: a full sheet's columns of labels ("hot",
    "cold") and small scores were millions of copies of a handful of values.  Zeros are left
    alone (-0.0 == 0.0 but is another value), and so is NaN and anything not a str or float.
    """
    for i, v in enumerate(values):
        cls = v.__class__
        if (cls is str or (cls is float and v and v == v)):
            got = shared.get(v)
            if got is None:
                if len(shared) < _SHARED_MAX:
                    shared[v] = v
            elif got is not v and got.__class__ is cls:
                values[i] = got
    return values


_ABSENT = object()


def value_runs(cells: dict[tuple[int, int], Any], formulas: FormulaRuns) -> ValueRuns:
    """``cells`` (consumed) as runs along the formula runs; a cell without a formula goes
    beside them, a formula cell without a value stays absent."""
    out = ValueRuns()
    for col, r1, r2, _ in formulas.runs():
        run: list[Any] = []
        start = r1
        for r in range(r1, r2 + 1):
            v = cells.pop((r, col), _ABSENT)
            if v is _ABSENT:
                if run:
                    out.add_run(col, start, run)
                    run = []
                start = r + 1
            else:
                run.append(v)
        if run:
            out.add_run(col, start, run)
    for pos, v in cells.items():
        out[pos] = v
    return out
