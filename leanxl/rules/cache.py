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
from collections.abc import Hashable
from itertools import chain

from leanxl.errors import TableError
from leanxl.rules.loader import cell_rows
from leanxl.rules.table import DecisionTable, build_table, relative_where

__all__ = ["TABLES", "TableCache", "content_key", "load"]

_ROW_TYPES = frozenset({list, tuple})
_TEXT_OR_BLANK = frozenset({str, type(None)})
_PLAIN = frozenset({str, float, int, type(None)})
_KIND: dict[type, type] = {int: float}

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


def _kinds(cells: Cells) -> tuple[type, ...] | None:
    """The kind of every cell, or None when the values alone say it all.

    ``True == 1 == 1.0`` with equal hashes, so a table holding any cell equal to 0 or 1, or
    anything but text, numbers and blanks (a boolean, a numpy scalar...), is keyed by the
    kind of each cell too (int and float are one kind: 1 and 1.0 are one number, as in Excel).
    A table without such cells cannot equal one with a boolean, which is what lets a cache hit
    on it skip this scan.
    """
    flat = tuple(chain.from_iterable(cells))
    classes = set(map(type, flat))
    if classes <= _TEXT_OR_BLANK:
        return None
    if classes <= _PLAIN and not any(c == 0 or c == 1 for c in flat if c.__class__ is not str
                                     and c is not None):
        return None
    return tuple(_KIND.get(c, c) for c in map(type, flat))


def content_key(cells: Cells, name: str | None = None) -> Hashable:
    """The cache key of cells (rows as tuples): the name override, the values, the kinds.

    >>> content_key(((1,),)) == content_key(((1.0,),))
    True
    >>> content_key(((True,),)) == content_key(((1,),))
    False
    """
    return (name, cells, _kinds(cells))


class TableCache:
    """A thread-safe LRU of decision tables keyed by :func:`content_key`.

    ``hits`` and ``misses`` count lookups (for tests and ``bench/cells.py``).
    """

    def __init__(self, maxsize: int = 256):
        self._maxsize = maxsize
        # (name, cells) -> {kinds (None: the values say it all): table or its error}
        self._data: OrderedDict[Hashable, dict[Hashable, DecisionTable | TableError]] = (
            OrderedDict())
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, cells: Cells, name: str | None = None) -> DecisionTable:
        """The table of these cells (rows as tuples), parsed on the first call only.

        Raises
        ------
        TableError
            The (cached) first mistake of the table, as :func:`load` describes.
        """
        key: Hashable = (name, cells)
        with self._lock:
            try:
                variants = self._data.get(key)
            except TypeError:  # an unhashable cell (a list...): key its text instead
                cells = tuple(tuple(map(_freeze, row)) for row in cells)
                key = (name, cells)
                variants = self._data.get(key)
            # The cheap path: a table whose values say it all has one variant, kinds None.
            kinds = None if variants is not None and None in variants else _kinds(cells)
            value = None if variants is None else variants.get(kinds)
            if value is not None:
                self._data.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
                value = _parse(cells, name)
                self._data.setdefault(key, {})[kinds] = value
                self._data.move_to_end(key)
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
    if not set(map(type, chain.from_iterable(cells))) <= _PLAIN | {bool}:
        cells = tuple(tuple(map(_freeze, row)) for row in cells)  # numpy scalars -> Python
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
    rows = source if source.__class__ in _ROW_TYPES and set(map(type, source)) <= _ROW_TYPES \
        else cell_rows(source)
    return TABLES.get(tuple(map(tuple, rows)), name)
