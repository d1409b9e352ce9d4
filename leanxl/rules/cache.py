"""THE cache of decision tables loaded from cells: :func:`load` and the registry go through it.

A cell function may load its table on every recalculation, so a table is parsed once per
distinct *content* and reused (each table then memoises its own compiled form).  The key is
the cells' values *and* their kinds: ``TRUE`` and ``1`` are equal and hash alike in Python, but
a table whose outputs are ``TRUE``/``FALSE`` decides booleans and one written ``1``/``0``
decides numbers, so the positions of boolean cells are part of the key.  ``1`` and ``1.0`` are
the same number (as in Excel) and share an entry.  A table that fails to load is cached too
(its :class:`~leanxl.errors.TableError` is raised again), so a broken table is not re-parsed by
every cell that uses it.  The cache is a thread-safe LRU; the lock is held while parsing, so
concurrent callers of the same new table parse it exactly once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from itertools import chain

from leanxl.errors import TableError
from leanxl.rules.table import DecisionTable, _as_rows, build_table, relative_where

__all__ = ["TABLES", "TableCache", "content_key", "load"]

_PLAIN = frozenset({str, float, int, bool, type(None)})

Cells = tuple[tuple[object, ...], ...]


def _freeze(value: object) -> object:
    """A cell as a hashable Python value (numpy scalars become Python values)."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (TypeError, ValueError):
            return str(value)
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value


def _frozen_cells(rows: Sequence[Sequence[object]]) -> Cells:
    cells = tuple(map(tuple, rows))
    if not set(map(type, chain.from_iterable(cells))) <= _PLAIN:
        cells = tuple(tuple(_freeze(v) for v in row) for row in cells)
    return cells


def content_key(cells: Cells, name: str | None = None) -> Hashable:
    """The cache key of frozen cells: values, where the booleans are, and the name override.

    >>> content_key(((1,),)) == content_key(((1.0,),))
    True
    >>> content_key(((True,),)) == content_key(((1,),))
    False
    """
    flat = chain.from_iterable(cells)
    has_bool = bool in set(map(type, flat))
    # True == 1 == 1.0 with equal hashes: only the kind of each cell tells them apart.
    kinds = tuple(v.__class__ is bool for v in chain.from_iterable(cells)) if has_bool else None
    return (name, cells, kinds)


class TableCache:
    """A thread-safe LRU of decision tables keyed by :func:`content_key`.

    ``hits`` and ``misses`` count lookups (for tests and ``bench/cells.py``).
    """

    def __init__(self, maxsize: int = 256):
        self._maxsize = maxsize
        self._data: OrderedDict[Hashable, DecisionTable | TableError] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, cells: Cells, name: str | None = None) -> DecisionTable:
        """The table of these frozen cells, parsed on the first call only.

        Raises
        ------
        TableError
            The (cached) first mistake of the table, as :func:`load` describes.
        """
        key = content_key(cells, name)
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
                value = _parse(cells, name)
                self._data[key] = value
                if len(self._data) > self._maxsize:
                    self._data.popitem(last=False)
        if isinstance(value, TableError):
            raise value.with_traceback(None)  # a fresh traceback on every raise
        return value

    def clear(self) -> None:
        """Forget every table (and reset the counters)."""
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0


def _parse(cells: Cells, name: str | None) -> DecisionTable | TableError:
    table, errors = build_table(cells, relative_where, name)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return TableError(first.message + more, where=first.where, suggestion=first.suggestion)
    assert table is not None
    return table


TABLES = TableCache()


def load(source: object, *, name: str | None = None) -> DecisionTable:
    """Load one decision table from a 2-D list of cell values (or a ``.csv`` file).

    Parsing is cached by content and kind (see the module docstring), so a cell function may
    call this on every recalculation.

    Parameters
    ----------
    source:
        Rows of cell values, first row ``DECISION <name> | <hit policy>``; or a CSV path.
    name:
        Overrides the name in the title cell.

    Raises
    ------
    TableError
        The first mistake, with its cell (``R3C2``, 1-based within ``source``) and a
        suggestion; the message says how many more there are.
    """
    rows = source if isinstance(source, list | tuple) and all(
        isinstance(r, list | tuple) for r in source) else _as_rows(source)
    try:
        cells = _frozen_cells(rows)
    except TypeError:  # not rows of cells: let _as_rows explain
        cells = _frozen_cells(_as_rows(source))
    return TABLES.get(cells, name)
