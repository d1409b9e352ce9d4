"""Dependency order of leanxl cells in linear time, without recursion.

Two pieces the recalc loop needs for books of any shape: which boxes of cells intersect a
given box (an index by sheet and column, so a chain of 10,000 calls costs 10,000 look-ups,
not 10^8 comparisons), and a depth-first order that walks a chain of any length with an
explicit stack (a recursive walk ended in ``RecursionError`` at about 3,000 cells).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

Box = tuple[int, int, int, int, int]  # sheet, r1, c1, r2, c2 (1-based, inclusive)
T = TypeVar("T")

WIDE = 64  # boxes wider than this many columns are kept apart and checked one by one


class BoxIndex(Generic[T]):
    """Boxes with a payload each; :meth:`query` returns those intersecting a box.

    Results come in the order the boxes were added (later ones override earlier ones where
    the caller lays values over each other).
    """

    def __init__(self) -> None:
        # (sheet, column) -> sorted r1 list, entries, longest box in rows
        self._cols: dict[tuple[int, int], tuple[list[int], list[tuple[int, int, int, T]]]] = {}
        self._span: dict[tuple[int, int], int] = {}
        self._sheet_cols: dict[int, list[int]] = {}
        self._wide: list[tuple[int, Box, T]] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, box: Box, item: T) -> None:
        seq = self._count
        self._count += 1
        s, r1, c1, r2, c2 = box
        if c2 - c1 + 1 > WIDE:
            self._wide.append((seq, box, item))
            return
        for c in range(c1, c2 + 1):
            key = (s, c)
            bucket = self._cols.get(key)
            if bucket is None:
                bucket = self._cols[key] = ([], [])
                bisect.insort(self._sheet_cols.setdefault(s, []), c)
            starts, entries = bucket
            i = bisect.bisect_right(starts, r1)
            starts.insert(i, r1)
            entries.insert(i, (r2, seq, c, item))
            self._span[key] = max(self._span.get(key, 0), r2 - r1)

    def query(self, box: Box) -> list[T]:
        """Payloads of the boxes that intersect ``box``, each once, in the order added."""
        s, r1, c1, r2, c2 = box
        found: dict[int, T] = {}
        cols = self._sheet_cols.get(s, [])
        lo, hi = bisect.bisect_left(cols, c1), bisect.bisect_right(cols, c2)
        for c in cols[lo:hi]:  # only columns that hold boxes: a query over XFD costs nothing
            starts, entries = self._cols[(s, c)]
            first = bisect.bisect_left(starts, r1 - self._span[(s, c)])
            last = bisect.bisect_right(starts, r2)
            for k in range(first, last):
                end, seq, _, item = entries[k]
                if end >= r1:
                    found.setdefault(seq, item)
        for seq, (ws, wr1, wc1, wr2, wc2), item in self._wide:
            if ws == s and wr1 <= r2 and r1 <= wr2 and wc1 <= c2 and c1 <= wc2:
                found.setdefault(seq, item)
        return [found[k] for k in sorted(found)]


def depends_on(inputs: Sequence[Iterable[Box]], outputs: Sequence[Iterable[Box]]
               ) -> list[set[int]]:
    """For each node, the nodes whose outputs its inputs intersect (itself included)."""
    index: BoxIndex[int] = BoxIndex()
    for j, boxes in enumerate(outputs):
        for b in boxes:
            index.add(b, j)
    return [{j for box in boxes for j in index.query(box)} for boxes in inputs]


def postorder(deps: Sequence[set[int]], roots: Iterable[int] | None = None
              ) -> tuple[list[int], list[int] | None]:
    """Dependencies first (depth-first, deps in sorted order), iteratively.

    Returns
    -------
    (order, cycle)
        ``cycle`` is ``None``, or the nodes of the first cycle met, in dependency order
        (a node that depends on itself is a cycle of one).
    """
    state = [0] * len(deps)  # 0 new, 1 on the current path, 2 done
    order: list[int] = []
    for root in (range(len(deps)) if roots is None else roots):
        if state[root]:
            continue
        path = [root]
        stack = [iter(sorted(deps[root]))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                done = path.pop()
                state[done] = 2
                order.append(done)
                continue
            if state[nxt] == 1:
                return order, path[path.index(nxt):] + [nxt]
            if state[nxt] == 0:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(deps[nxt])))
    return order, None


def closure(seeds: Iterable[int], deps: Sequence[set[int]]) -> set[int]:
    """The seeds and every node that depends on one of them, directly or not."""
    users: list[list[int]] = [[] for _ in deps]
    for i, d in enumerate(deps):
        for j in d:
            users[j].append(i)
    out = set(seeds)
    todo = list(out)
    while todo:
        j = todo.pop()
        for i in users[j]:
            if i not in out:
                out.add(i)
                todo.append(i)
    return out
