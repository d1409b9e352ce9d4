"""The cells to write into one sheet, row by row, made a band of rows at a time.

Recalculating a full sheet writes 6.3 million cached values.  The engine keeps them as runs
down each column (:class:`ColumnRunValues`); a ``row -> column -> value`` dict of every row,
built beside them for the write-back, was ≈ 0.4 GB more.  :class:`RowTargets` turns the runs
into rows only for the band of rows about to be written, and forgets each row once written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ColumnRunValues(Protocol):
    """Values kept as runs down columns (:class:`leanxl.recalc.runs.ValueRuns`)."""

    def segments(self) -> Iterable[tuple[int, int, list[Any]]]:
        """``(column, first row, values)`` of every run."""
        ...

    def extra_items(self) -> Iterable[tuple[tuple[int, int], Any]]:
        """``((row, column), value)`` of the cells outside every run."""
        ...


class RowTargets:
    """``rows``: row -> column -> value of the rows made so far; :meth:`upto` makes the rows
    up to a row and hands them out in order, once each.

    Parameters
    ----------
    rows:
        Rows given cell by cell (made at once, as before).
    segments:
        ``(column, first row, values)`` runs, made into rows band by band.
    """

    def __init__(self, rows: dict[int, dict[int, Any]],
                 segments: Iterable[tuple[int, int, list[Any]]] = ()) -> None:
        self.rows = rows
        self._order = sorted(rows)  # the rows given cell by cell, handed out in order
        self._next = 0
        self._fresh: list[int] = []  # rows made from runs, not handed out yet, ascending
        self._segments = sorted((s for s in segments if s[2]), key=lambda s: s[1])
        self._seg_next = 0
        self._active: list[tuple[int, int, list[Any]]] = []
        self._built = 0  # every row up to this one is made
        self.last = 0  # the last row number handed out up to

    def __bool__(self) -> bool:
        return bool(self.rows) or bool(self._segments)

    def _build(self, upto: int | None) -> None:
        """Make the rows up to ``upto`` (None: all) from the runs."""
        segs = self._segments
        if upto is None:
            upto = max((s[1] + len(s[2]) - 1 for s in segs), default=0)
        if upto <= self._built:
            return
        lo = self._built + 1
        while self._seg_next < len(segs) and segs[self._seg_next][1] <= upto:
            self._active.append(segs[self._seg_next])
            self._seg_next += 1
        rows = self.rows
        made: list[int] = []
        still: list[tuple[int, int, list[Any]]] = []
        for seg in self._active:
            col, first, values = seg
            end = first + len(values) - 1
            a, b = max(lo, first), min(upto, end)
            for r, v in zip(range(a, b + 1), values[a - first:b - first + 1], strict=True):
                row = rows.get(r)
                if row is None:
                    rows[r] = {col: v}
                    made.append(r)
                else:
                    row[col] = v
            if end > upto:
                still.append(seg)
        self._active = still
        made.sort()
        self._fresh.extend(made)
        self._built = upto

    def upto(self, row: int | None) -> list[int]:
        """The rows up to ``row`` (None: all) not handed out yet, ascending, made first."""
        self._build(row)
        order, fresh = self._order, self._fresh
        start = self._next
        while self._next < len(order) and (row is None or order[self._next] <= row):
            self._next += 1
        k = 0
        while k < len(fresh) and (row is None or fresh[k] <= row):
            k += 1
        out = order[start:self._next]
        if k:
            out = sorted(out + fresh[:k]) if out else fresh[:k]
            del fresh[:k]
        if row is not None:
            self.last = row
        return out

    def forget(self, rows: list[int]) -> None:
        """Drop the rows whose cells were all written (a written row keeps an empty dict)."""
        for r in rows:
            if not self.rows.get(r, True):
                del self.rows[r]
