"""Compute a workbook: leanxl cells with the registry, standard formulas with an engine.

The loop, in dependency order both ways:

1. group the leanxl cells by formula shape (``=LEANXL_FIT(B2:K2, Weights)`` filled down is one
   group: one vectorised call with every row, split back per cell);
2. evaluate the groups in leanxl-to-leanxl dependency order from the engine's values and put
   the results into the engine as constants; recalculate the standard formulas;
3. groups that read standard formulas (directly or through another group) are evaluated again
   from the fresh values; when none changes, every cell is consistent, else back to 2.
   A bounded number of passes; a loop that does not settle is a circular reference.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from leanxl.errors import CellError, WorkbookError
from leanxl.recalc.book import BookInfo, FormulaCell, LeanxlCell, SheetInfo
from leanxl.recalc.engine import ERROR_MARK, Engine, ErrorMark
from leanxl.recalc.logical import returns_logical
from leanxl.recalc.ordering import BoxIndex, closure, depends_on, postorder
from leanxl.recalc.refs import (
    Name,
    Unsupported,
    array_literal,
    formula_refs,
    parse_arg,
    shift_call,
)
from leanxl.recalc.runs import ValueRuns, cell_at, shared_values
from leanxl.xlsx.refs import Area, coordinate, split_sheet

log = logging.getLogger(__name__)

MAX_PASSES = 12
Box = tuple[int, int, int, int, int]  # sheet, r1, c1, r2, c2 (1-based, inclusive)
Blocks = Sequence[list[list[Any]]]  # one block of values per cell of a group


class _Singles(Sequence[list[list[Any]]]):
    """A group's results when every cell gets one value: the values alone.

    A filled-down column of 10^6 cells would otherwise hold two lists a cell (``[[v]]``);
    the blocks are made as they are read.
    """

    __slots__ = ("values",)

    def __init__(self, values: list[Any]) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    @overload
    def __getitem__(self, i: int) -> list[list[Any]]: ...

    @overload
    def __getitem__(self, i: slice) -> list[list[list[Any]]]: ...

    def __getitem__(self, i: int | slice) -> list[list[Any]] | list[list[list[Any]]]:
        if isinstance(i, slice):
            return [[[v]] for v in self.values[i]]
        return [[self.values[i]]]

    def __iter__(self) -> Iterator[list[list[Any]]]:
        return ([[v]] for v in self.values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Singles):
            return self.values == other.values
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(slots=True)
class Arg:
    """A resolved argument: a row of each cell (``rowwise``), a fixed block, or a constant."""

    kind: str  # "row" | "block" | "const"
    box: Box | None = None  # for "row": sheet, dr, c1, dr, c2 (offsets from the cell's row)
    value: Any = None


@dataclass(slots=True)
class Group:
    function: str
    sheet: int
    cells: list[LeanxlCell]
    args: list[Arg]
    error: CellError | None = None  # the whole group fails the same way (bad argument)
    inputs: list[Box] = field(default_factory=list)
    nested: int | None = None  # index of the call inside its cell's larger expression

    def input_boxes(self) -> Iterable[Box]:
        for a in self.args:
            if a.kind == "block" and a.box is not None:
                yield a.box
            elif a.kind == "row" and a.box is not None:
                s, dr, c1, _, c2 = a.box
                rows = [c.row + dr for c in self.cells]
                yield (s, min(rows), c1, max(rows), c2)


@dataclass(slots=True)
class Computed:
    """Fresh values of every formula cell, per sheet name and A1 address, and the spills."""

    values: dict[str, ValueRuns]  # sheet -> (row, column) -> value, as runs down columns
    spills: dict[str, dict[str, str]]  # sheet -> anchor A1 -> spill range A1:B2
    passes: int
    leanxl_cells: int
    groups: int


def _intersects(a: Box, b: Box) -> bool:
    return a[0] == b[0] and a[1] <= b[3] and b[1] <= a[3] and a[2] <= b[4] and b[2] <= a[4]


class _Reader:
    """Blocks of values from the engine, with this pass's leanxl results laid over them."""

    def __init__(self, engine: Engine, fresh: bool) -> None:
        self.engine = engine
        self.fresh = fresh  # values come from a calculated book: error codes are meaningful
        self.cache: dict[Box, list[list[Any]]] = {}
        # indexed: a chain of 10,000 leanxl cells must not compare every pair of them
        # Each group's values, made into a dict only when a later group reads them: most
        # groups are read by standard formulas only, never through here.
        self.overlay: BoxIndex[_Laid] = BoxIndex()

    def block(self, box: Box) -> list[list[Any]]:
        got = self.cache.get(box)
        if got is None:
            s, r1, c1, r2, c2 = box
            got = self.engine.read(s, r1, c1, r2, c2)
            self._codes(box, got)
            _share_numbers(got)
            self.cache[box] = got
        laid = self.overlay.query(box)
        if laid:
            got = [list(r) for r in got]
        for layer in laid:
            for (r, c), v in layer.values().items():
                if box[1] <= r <= box[3] and box[2] <= c <= box[4]:
                    got[r - box[1]][c - box[2]] = v
        return got

    def _codes(self, box: Box, rows: list[list[Any]]) -> None:
        marks = [(box[1] + i, box[2] + j) for i, row in enumerate(rows)
                 if not _MARK_TYPE.isdisjoint(map(type, row))  # C-level look first
                 for j, v in enumerate(row) if isinstance(v, ErrorMark)]
        if not marks:
            return
        # Before the first calculation values are stale: re-evaluated after it anyway.
        codes = (self.engine.error_codes(box[0], marks) if self.fresh
                 else ["#VALUE!"] * len(marks))
        for (r, c), code in zip(marks, codes, strict=True):
            rows[r - box[1]][c - box[2]] = CellError(code, f"input {coordinate(r, c)} is {code}")

    def lay(self, box: Box, make: Callable[[], dict[tuple[int, int], Any]]) -> None:
        self.overlay.add(box, _Laid(make))


class _Laid:
    """One group's values laid over the engine's, made on first use."""

    __slots__ = ("_make", "_vals")

    def __init__(self, make: Callable[[], dict[tuple[int, int], Any]]) -> None:
        self._make: Callable[[], dict[tuple[int, int], Any]] | None = make
        self._vals: dict[tuple[int, int], Any] = {}

    def values(self) -> dict[tuple[int, int], Any]:
        if self._make is not None:
            self._vals, self._make = self._make(), None
        return self._vals


class BookComputer:
    """Recalculates one opened workbook; see the module docstring for the loop."""

    def __init__(self, book: BookInfo, engine: Engine, registry: dict[str, Any]) -> None:
        self.book = book
        self.engine = engine
        self.registry = registry
        self.sheet_index = {s.name.upper(): i for i, s in enumerate(book.sheets)}
        self.used: list[tuple[int, int]] = []
        self._names: dict[tuple[str, str], Any] = {}
        # Calls inside larger expressions need an engine that takes formulas back.
        self.nested_ok = hasattr(engine, "set_formulas")
        self._needs_used = False
        self._plan: tuple[list[Group], list[int], set[int]] | None = None
        self._std: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self._own: dict[int, dict[int, list[int]]] = {}  # see _own_rows (set by prepare)

    def prepare(self) -> None:
        """Group, order and check the leanxl cells before the engine has opened the book.

        Run while LibreOffice starts (it needs nothing from the engine); only whole-column or
        whole-row arguments need the engine's used area, and then :meth:`run` groups again.
        """
        groups = self._split_chains(self.build_groups())
        order = self._order(groups)
        dynamic = self._dynamic(groups)
        if dynamic:
            self._check_cycles(groups, dynamic)
        self._plan = (groups, order, dynamic)

    # --- arguments -----------------------------------------------------------------------------
    def _name(self, name: str, sheet: str, depth: int = 0) -> Any:
        key = (name, sheet)
        got = self._names.get(key)
        if got is None:
            got = self._names[key] = self._lookup_name(name, sheet, depth)
        return got

    def _lookup_name(self, name: str, sheet: str, depth: int = 0) -> Any:
        if "!" in name:
            scope, bare = split_sheet(name)
            keys: list[tuple[str | None, str]] = [((scope or "").upper(), bare.upper())]
        else:
            keys = [(sheet.upper(), name.upper()), (None, name.upper())]
        for key in keys:
            if key in self.book.names:
                text = self.book.names[key].strip().removeprefix("=")
                value = parse_arg(text)
                if isinstance(value, Name) and depth < 5:
                    return self._name(value.name, sheet, depth + 1)
                if isinstance(value, Area) and value.sheet is None:
                    return CellError("#REF!", f"defined name {name} has no sheet")
                if isinstance(value, Unsupported):
                    return CellError("#VALUE!", f"defined name {name} = {text} is not a "
                                                "reference or a constant")
                return value
        return CellError("#NAME?", f"no defined name {name!r} in this workbook")

    def _box(self, area: Area, sheet: str) -> Box | CellError:
        index = self.sheet_index.get((area.sheet or sheet).upper())
        if index is None:
            return CellError("#REF!", f"no sheet named {area.sheet!r}")
        r2, c2 = area.r2, area.c2
        whole = (area.r1 == 1 and r2 >= 1_048_576) or (area.c1 == 1 and c2 >= 16_384)
        if whole and not self.used:
            self._needs_used = True  # groups built before the engine opened: rebuild then
        rows, cols = self.used[index] if index < len(self.used) else (area.r2, area.c2)
        if area.r1 == 1 and r2 >= 1_048_576:  # whole columns: the used rows are enough
            r2 = max(rows, 1)
        if area.c1 == 1 and c2 >= 16_384:
            c2 = max(cols, 1)
        return (index, area.r1, area.c1, r2, c2)

    def _resolve(self, cell: LeanxlCell, raw: Any, rowwise: bool) -> Arg | CellError:
        if isinstance(raw, Name):
            raw = self._name(raw.name, cell.sheet)
        if isinstance(raw, CellError):
            return raw
        if isinstance(raw, Unsupported):
            return CellError("#VALUE!", f"argument {raw.text!r} is an expression; leanxl recalc "
                                        "takes references, defined names and constants here — "
                                        "put the expression in its own cell")
        if isinstance(raw, Area):
            box = self._box(raw, cell.sheet)
            if isinstance(box, CellError):
                return box
            if rowwise and box[1] == box[3]:
                return Arg("row", (box[0], box[1] - cell.row, box[2], box[1] - cell.row, box[4]))
            return Arg("block", box)
        return Arg("const", value=raw)

    def _is_nested(self, cell: LeanxlCell) -> bool:
        """A call inside a larger expression that the engine can take back as a formula."""
        return cell.base is None and cell.inner is not None and self.nested_ok

    def _group_for(self, cell: LeanxlCell, call: Any, sheet: int) -> Group:
        """A one-cell group for ``call`` (its arguments resolved, or the error they give)."""
        fn = self.registry.get(call.function)
        if fn is None:
            return Group(call.function, sheet, [cell], [], CellError(
                "#NAME?", f"no leanxl function LEANXL_{call.function}; known: "
                          + ", ".join(sorted(self.registry))))
        params = fn.params
        if len(call.args) > len(params):
            return Group(fn.name, sheet, [cell], [], CellError(
                "#VALUE!", f"LEANXL_{fn.name} takes at most {len(params)} arguments"))
        required = sum(1 for p in params if not p.optional)
        if len(call.args) < required:
            return Group(fn.name, sheet, [cell], [], CellError(
                "#VALUE!", f"LEANXL_{fn.name} needs at least {required} arguments"))
        args: list[Arg] = []
        for raw, param in zip(call.args, params, strict=False):
            arg = self._resolve(cell, raw, param.rowwise)
            if isinstance(arg, CellError):
                return Group(fn.name, sheet, [cell], [], arg)
            args.append(arg)
        return Group(fn.name, sheet, [cell], args)

    def build_groups(self) -> list[Group]:
        groups: dict[tuple[Any, ...], Group] = {}
        singles: list[Group] = []
        filled: dict[tuple[int, int], tuple[Any, ...]] = {}  # (sheet, fill shape) -> group key
        for cell in self.book.leanxl:
            sheet = self.sheet_index[cell.sheet.upper()]
            if self._is_nested(cell):
                assert cell.inner is not None
                for k, (_, _, inner) in enumerate(cell.inner):
                    g = self._group_for(cell, inner, sheet)
                    g.nested = k
                    singles.append(g)
                continue
            if cell.base is None:
                singles.append(Group("?", sheet, [cell], [], CellError(
                    "#VALUE!", "this engine computes a leanxl call only as the whole formula "
                               "(=LEANXL_FIT(...)); put the surrounding expression in another "
                               "cell, or use LibreOffice")))
                continue
            if cell.shape >= 0:
                known = filled.get((sheet, cell.shape))
                if known is not None:  # one formula filled down: the group its shape gives
                    groups[known].cells.append(cell)
                    continue
            call = cell.call
            g = self._group_for(cell, call, sheet)
            if g.error is not None or not any(a.kind == "row" for a in g.args):
                singles.append(g)
                continue
            key = (g.function, sheet, tuple((a.kind, a.box, _hashable(a.value)) for a in g.args))
            if cell.shape >= 0 and call is not None and self._same_below(cell, call, key):
                filled[(sheet, cell.shape)] = key
            group = groups.get(key)
            if group is None:
                groups[key] = g
            else:
                group.cells.append(cell)
        out = list(groups.values()) + singles
        for g in out:
            g.inputs = list(g.input_boxes())
        return out

    def _same_below(self, cell: LeanxlCell, call: Any, key: tuple[Any, ...]) -> bool:
        """Whether the call, filled down, lands in the same group (its arguments resolve the
        same relative to each row): then cells of its fill shape skip resolving."""
        probe = LeanxlCell(cell.sheet, cell.row + 7, cell.col, cell.formula, shift_call(call, 7))
        g = self._group_for(probe, probe.base, key[1])
        return g.error is None and key == (
            g.function, key[1], tuple((a.kind, a.box, _hashable(a.value)) for a in g.args))

    # --- evaluation ----------------------------------------------------------------------------
    def evaluate(self, group: Group, reader: _Reader) -> Blocks:
        """One block of values per cell (1x1 for a plain value, bigger for a spill)."""
        n = len(group.cells)
        if group.error is not None:
            return [[[group.error]] for _ in range(n)]
        call_args: list[Any] = []
        row_errors: list[CellError | None] = [None] * n
        for a in group.args:
            if a.kind == "const":
                call_args.append(a.value)
                continue
            assert a.box is not None
            if a.kind == "block":
                rows = reader.block(a.box)
                bad = _first_error(rows)
                if bad is not None:
                    return [[[bad]] for _ in range(n)]
                call_args.append(rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows)
                continue
            s, dr, c1, _, c2 = a.box
            wanted = [c.row + dr for c in group.cells]
            lo, hi = min(wanted), max(wanted)
            if lo < 1:
                return [[[CellError("#REF!", "reference above row 1")]] for _ in range(n)]
            block = reader.block((s, lo, c1, hi, c2))
            stacked = []
            clean = _ERROR_TYPES.isdisjoint
            for i, r in enumerate(wanted):
                row = block[r - lo]
                if row_errors[i] is None and not clean(map(type, row)):
                    row_errors[i] = _first_error([row])
                stacked.append([None if isinstance(v, CellError) else v for v in row]
                               if row_errors[i] is not None else row)
            call_args.append(stacked)
        try:
            result = self.registry[group.function].impl(*call_args)
        except Exception as exc:  # a bug in a function must not stop the batch: log it
            log.exception("LEANXL_%s failed on %s", group.function, _where(group))
            err = CellError("#VALUE!", f"LEANXL_{group.function} failed: {exc}")
            return [[[err]] for _ in range(n)]
        rows = [list(r) if isinstance(r, list | tuple) else [r] for r in (result or [])]
        if n == 1:  # one cell: whatever shape comes back is its spill
            if row_errors[0] is not None:
                return [[[row_errors[0]]]]
            return [_pad(rows) if rows else [[None]]]
        if len(rows) != n:
            err = CellError("#VALUE!", f"LEANXL_{group.function} returned {len(rows)} rows "
                                       f"for {n} cells")
            return [[[err]] for _ in range(n)]
        if all(len(r) <= 1 for r in rows):  # one value a cell: no block a cell
            return _Singles([row_errors[i] if row_errors[i] is not None
                             else rows[i][0] if rows[i] else None for i in range(n)])
        out = []
        for i in range(n):
            if row_errors[i] is not None:
                out.append([[row_errors[i]]])
            else:
                out.append([rows[i] if rows[i] else [None]])
        return out

    # --- the loop ------------------------------------------------------------------------------
    def run(self, opened: list[tuple[str, int, int]] | None = None) -> Computed:
        """Compute the book; ``opened`` when the engine has already opened it."""
        if opened is None:
            opened = self.engine.open(self.book.path,
                                      [(c.sheet, c.row, c.col) for c in self.book.leanxl])
        self.used = [(r, c) for _, r, c in opened]
        if [n.upper() for n, _, _ in opened] != [s.name.upper() for s in self.book.sheets]:
            log.warning("%s: the engine sees sheets %s", self.book.path, [n for n, _, _ in opened])
        for cell in self.book.leanxl:
            if cell.old_spill is not None and (cell.old_spill.rows > 1 or cell.old_spill.cols > 1):
                a = cell.old_spill
                self.engine.clear_array(self.sheet_index[cell.sheet.upper()], a.r1, a.c1, a.r2,
                                        a.c2)
        log.debug("opened %s", self.book.path)
        if self._plan is None or self._needs_used:
            self._plan = None
            self.prepare()
        assert self._plan is not None
        groups, order, dynamic = self._plan
        results: dict[int, Blocks] = {}
        spilled: dict[int, list[Box | None]] = {}
        passes = 0
        for passes in range(1, MAX_PASSES + 1):
            reader = _Reader(self.engine, fresh=passes > 1)
            changed: list[int] = []
            nested_changed: set[int] = set()
            for gi in order:
                if groups[gi].nested is not None:
                    if passes == 1 or gi in dynamic:
                        new = self.evaluate(groups[gi], reader)
                        if results.get(gi) != new:
                            changed.append(gi)
                            nested_changed.add(id(groups[gi].cells[0]))
                        results[gi] = new
                        spilled[gi] = [None]
                    continue
                if passes > 1 and gi not in dynamic:
                    self._lay(reader, groups[gi], results[gi], spilled[gi])
                    continue
                new = self.evaluate(groups[gi], reader)
                boxes = self._spill_boxes(groups[gi], new, reader, spilled, gi)
                if results.get(gi) != new or spilled.get(gi) != boxes:
                    changed.append(gi)
                    self._write(groups[gi], new, boxes, spilled.get(gi))
                results[gi] = new
                spilled[gi] = boxes
                self._lay(reader, groups[gi], new, boxes)
            if nested_changed:
                self._set_nested(groups, results, nested_changed)
            log.debug("pass %d evaluated, %d groups changed", passes, len(changed))
            if passes > 1 and not changed:
                break
            self.engine.calculate()
            log.debug("pass %d calculated", passes)
            if not dynamic:
                break
        else:
            cells = [_where(groups[gi]) for gi in sorted(dynamic)][:5]
            raise WorkbookError(
                f"leanxl cells {', '.join(cells)} still change after {MAX_PASSES} passes: "
                "a circular reference through standard formulas",
                where=str(self.book.path),
                suggestion="break the loop between these cells and the formulas they read")
        # The last pass's blocks and laid values are done with: a full sheet's inputs and
        # results must not stay resident while every formula's value is collected.
        del reader
        return self._collect(groups, results, spilled, passes)

    def _set_nested(self, groups: list[Group], results: dict[int, Blocks],
                    cells: set[int]) -> None:
        """Give the engine each expression with its leanxl calls replaced by their values."""
        values: dict[int, dict[int, Any]] = {}
        owners: dict[int, LeanxlCell] = {}
        for gi, g in enumerate(groups):
            if g.nested is not None and id(g.cells[0]) in cells and gi in results:
                values.setdefault(id(g.cells[0]), {})[g.nested] = results[gi][0]
                owners[id(g.cells[0])] = g.cells[0]
        formulas = []
        for key, cell in owners.items():
            assert cell.inner is not None
            text, pos, parts = cell.text, 0, []
            for k, (start, end, _) in enumerate(cell.inner):
                parts.append(text[pos:start])
                parts.append(array_literal(values[key].get(k, [[None]])))
                pos = end
            parts.append(text[pos:])
            formulas.append((self.sheet_index[cell.sheet.upper()], cell.row, cell.col,
                             "=" + "".join(parts)))
        self.engine.set_formulas(formulas)  # type: ignore[attr-defined]

    def _lay(self, reader: _Reader, group: Group, blocks: Blocks,
             boxes: list[Box | None]) -> None:
        """Lay a group's values over the engine's for the rest of the pass: the box they
        cover now, the values themselves when a later group reads them."""
        r1 = c1 = 10**9
        r2 = c2 = 0
        if isinstance(blocks, _Singles):  # one value a cell: the cells are the box
            for cell in group.cells:
                r1, c1 = min(r1, cell.row), min(c1, cell.col)
                r2, c2 = max(r2, cell.row), max(c2, cell.col)
        else:
            for cell, block, box in zip(group.cells, blocks, boxes, strict=True):
                for i, row in enumerate(block if box is not None else [[None]]):
                    if row:
                        r1, c1 = min(r1, cell.row + i), min(c1, cell.col)
                        r2, c2 = max(r2, cell.row + i), max(c2, cell.col + len(row) - 1)
        reader.lay((group.sheet, r1, c1, r2, c2), lambda: self._layer(group, blocks, boxes))

    def _layer(self, group: Group, blocks: Blocks,
               boxes: list[Box | None]) -> dict[tuple[int, int], Any]:
        vals: dict[tuple[int, int], Any] = {}
        for cell, block, box in zip(group.cells, blocks, boxes, strict=True):
            if box is None:  # one value (a blocked spill was already turned into #SPILL!)
                vals[(cell.row, cell.col)] = block[0][0]
                continue
            for i, row in enumerate(block):
                for j, v in enumerate(row):
                    vals[(cell.row + i, cell.col + j)] = v
        return vals

    def _spill_boxes(self, group: Group, blocks: Blocks, reader: _Reader,
                     spilled: dict[int, list[Box | None]], gi: int) -> list[Box | None]:
        """The spill range of each cell, ``None`` for one value or a blocked spill (#SPILL!)."""
        if isinstance(blocks, _Singles):
            return [None] * len(blocks)
        out: list[Box | None] = []
        sheet = self.book.sheets[group.sheet]
        for i, (cell, block) in enumerate(zip(group.cells, blocks, strict=True)):
            if len(block) == 1 and len(block[0]) == 1:
                out.append(None)
                continue
            box = (group.sheet, cell.row, cell.col, cell.row + len(block) - 1,
                   cell.col + len(block[0]) - 1)
            own = spilled.get(gi, [])
            previous = own[i] if i < len(own) else None
            blocked = any(
                (r, c) in sheet.formulas for r in range(box[1], box[3] + 1)
                for c in range(box[2], box[4] + 1) if (r, c) != (cell.row, cell.col))
            if not blocked:
                current = reader.engine.read(*box)
                for r, row in enumerate(current):
                    for c, v in enumerate(row):
                        inside_previous = previous is not None and _intersects(
                            previous, (box[0], box[1] + r, box[2] + c, box[1] + r, box[2] + c))
                        if (r, c) != (0, 0) and v is not None and not inside_previous:
                            blocked = True
            if blocked:
                block[:] = [[CellError("#SPILL!", f"the spill range {_a1(box)} is not empty")]]
                out.append(None)
            else:
                out.append(box)
        return out

    def _write(self, group: Group, blocks: Blocks, boxes: list[Box | None],
               previous: list[Box | None] | None) -> None:
        first = group.cells[0]
        if (not previous and isinstance(blocks, _Singles) and all(b is None for b in boxes)
                and all(c.col == first.col and c.row == first.row + i
                        for i, c in enumerate(group.cells))):
            # The usual group, a column filled down: one block, as it is.
            self.engine.write([(group.sheet, first.row, first.col,
                                [[v] for v in blocks.values])])
            return
        writes: list[tuple[int, int, int, list[list[Any]]]] = []
        # Blank what an earlier pass spilled and this one does not cover.
        for old in previous or []:
            if old is not None:
                width, height = old[4] - old[2] + 1, old[3] - old[1] + 1
                writes.append((old[0], old[1], old[2], [[None] * width for _ in range(height)]))
        run: list[tuple[LeanxlCell, Any]] = []

        def flush() -> None:
            if run:
                writes.append((group.sheet, run[0][0].row, run[0][0].col, [[v] for _, v in run]))
                run.clear()

        cells = sorted(zip(group.cells, blocks, boxes, strict=True),
                       key=lambda t: (t[0].col, t[0].row))
        for cell, block, box in cells:
            if box is not None:
                flush()
                width = box[4] - box[2] + 1
                writes.append((group.sheet, cell.row, cell.col,
                               [list(r) + [None] * (width - len(r)) for r in block]))
                continue
            if run and not (run[-1][0].col == cell.col and run[-1][0].row + 1 == cell.row):
                flush()
            run.append((cell, block[0][0]))
        flush()
        self.engine.write(writes)

    def _split_chains(self, groups: list[Group]) -> list[Group]:
        """A filled-down group whose cells read each other (A2:A5 = ``LEANXL_KPISTATUS(A1,
        50)`` ... ) is a chain, not a cycle: it becomes one group per cell, ordered below."""
        out: list[Group] = []
        for g in groups:
            if len(g.cells) > 1 and depends_on([g.inputs], [self._outputs(g)])[0]:
                for cell in g.cells:
                    single = Group(g.function, g.sheet, [cell], g.args, g.error)
                    single.inputs = list(single.input_boxes())
                    out.append(single)
            else:
                out.append(g)
        return out

    def _order(self, groups: list[Group]) -> list[int]:
        """Groups in leanxl-to-leanxl dependency order (a cycle is an error naming its cells).

        Linear in the cells (indexed look-ups, an explicit stack): chains of any length.
        """
        deps = depends_on([g.inputs for g in groups], [self._outputs(g) for g in groups])
        order, cycle = postorder(deps)
        if cycle is not None:
            cells = [_where(groups[j]) for j in cycle]
            raise WorkbookError(
                f"circular reference between leanxl cells: {' -> '.join(cells[-6:])}",
                where=str(self.book.path),
                suggestion="a leanxl call must not read its own result")
        self._deps = deps
        return order

    def _outputs(self, g: Group) -> list[Box]:
        """Where a group's values land: its cells, their column runs, and old spill ranges."""
        boxes: list[Box] = []
        if g.nested is not None:
            return boxes  # its value is computed by the engine, inside the cell's expression
        run: list[int] = []  # column, first row, last row: cells one below the other
        for c in g.cells:  # joined as they come: no box a cell for a column of 10^6
            if run and c.col == run[0] and c.row == run[2] + 1:
                run[2] = c.row
            else:
                if run:
                    boxes.append((g.sheet, run[1], run[0], run[2], run[0]))
                run = [c.col, c.row, c.row]
            if c.old_spill is not None:
                a = c.old_spill
                boxes.append((g.sheet, a.r1, a.c1, a.r2, a.c2))
        if run:
            boxes.append((g.sheet, run[1], run[0], run[2], run[0]))
        return _merge_column_runs(boxes)

    def _own_rows(self) -> dict[int, dict[int, list[int]]]:
        """Sheet -> column -> rows (ascending) of the cells whose values leanxl sets itself:
        every leanxl cell but a nested call's, whose cell is the engine's formula."""
        own: dict[int, dict[int, list[int]]] = {}
        for cell in self.book.leanxl:
            if not self._is_nested(cell):
                own.setdefault(self.sheet_index[cell.sheet.upper()], {}).setdefault(
                    cell.col, []).append(cell.row)
        for cols in own.values():
            for rows in cols.values():
                rows.sort()
        return own

    def _standard_runs(self) -> dict[tuple[int, int], list[tuple[int, int]]]:
        """(sheet, column) -> runs of rows (first, last) holding standard formulas: the
        formula runs the scan kept minus the cells leanxl computes (never one entry a cell)."""
        self._own = self._own_rows()
        out: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for index, sheet in enumerate(self.book.sheets):
            for col, r1, r2, _ in sheet.formulas.runs():
                rows = self._own.get(index, {}).get(col)
                runs = out.setdefault((index, col), [])
                if rows is None:
                    runs.append((r1, r2))
                    continue
                lo = bisect.bisect_left(rows, r1)
                start = r1
                while lo < len(rows) and rows[lo] <= r2:  # the gaps between leanxl rows
                    if rows[lo] > start:
                        runs.append((start, rows[lo] - 1))
                    start = rows[lo] + 1
                    lo += 1
                if start <= r2:
                    runs.append((start, r2))
        return {k: v for k, v in out.items() if v}

    def _dynamic(self, groups: list[Group]) -> set[int]:
        """Groups that read standard formulas, directly or through other groups."""
        self._std = self._standard_runs()
        std: list[Box] = [(index, r1, c, r2, c) for (index, c), runs in self._std.items()
                          for r1, r2 in runs]
        for index, sheet in enumerate(self.book.sheets):
            std.extend((index, a.r1, a.c1, a.r2, a.c2) for a in sheet.arrays)
        std_index: BoxIndex[bool] = BoxIndex()
        for b in _merge_column_runs(std):
            std_index.add(b, True)
        seeds = [i for i, g in enumerate(groups) if any(std_index.query(b) for b in g.inputs)]
        return closure(seeds, self._deps)

    def _check_cycles(self, groups: list[Group], dynamic: set[int]) -> None:
        """Refuse a leanxl cell that reads itself through standard formulas.

        The pass loop would stop at any fixed point, errors included, so a loop is found from
        the formulas' references (conservative: every reference counts, INDIRECT is not seen).
        """
        columns = self._std  # per column, runs of standard formulas' rows (from _dynamic)
        outs: BoxIndex[int] = BoxIndex()
        for hj, g in enumerate(groups):
            for o in self._outputs(g):
                outs.add(o, hj)
        edges: dict[int, set[int]] = {}
        for gi in dynamic:
            reach: set[int] = set()
            seen: set[tuple[int, int, int]] = set()
            stack = list(groups[gi].inputs)
            while stack and len(seen) < 500_000:
                box = stack.pop()
                reach.update(outs.query(box))
                for c in range(box[2], box[4] + 1):
                    col_runs = columns.get((box[0], c))
                    if not col_runs:
                        continue
                    lo = max(bisect.bisect_right(col_runs, (box[1], 0)) - 1, 0)
                    for first, last in col_runs[lo:]:
                        if first > box[3]:
                            break
                        for r in range(max(first, box[1]), min(last, box[3]) + 1):
                            key = (box[0], r, c)
                            if key not in seen:
                                seen.add(key)
                                stack.extend(self._refs_of(box[0], r, c))
            edges[gi] = reach
        graph = [edges.get(i, set()) for i in range(len(groups))]
        _, cycle = postorder(graph, sorted(edges))
        if cycle is not None:
            cells = [_where(groups[j]) for j in cycle[:-1]]
            raise WorkbookError(
                "circular reference: leanxl cell(s) " + ", ".join(cells[:5])
                + " read their own result through standard formulas",
                where=str(self.book.path),
                suggestion="break the loop between these cells and the formulas they read")

    def _refs_of(self, index: int, row: int, col: int) -> list[Box]:
        sheet = self.book.sheets[index]
        cell = sheet.formulas[(row, col)]
        if isinstance(cell, str):
            return self._text_refs(cell, 0, 0, sheet)
        text, dr, dc = cell.text, 0, 0
        if text is None and cell.si is not None and cell.si in sheet.masters:
            master = sheet.masters[cell.si]
            text, dr, dc = master.text, row - master.row, col - master.col
        return self._text_refs(text, dr, dc, sheet)

    def _text_refs(self, text: str | None, dr: int, dc: int, sheet: SheetInfo) -> list[Box]:
        """The boxes a formula's text reads, written ``dr, dc`` away from the cell."""
        if not text:
            return []
        areas, words = formula_refs(text)
        boxes: list[Box] = []
        for a in areas:
            b = self._box(a.shifted(dr, dc), sheet.name)
            if not isinstance(b, CellError):
                boxes.append(b)
        for w in words:
            v = self._name(w, sheet.name)
            if isinstance(v, Area):
                b = self._box(v, sheet.name)
                if not isinstance(b, CellError):
                    boxes.append(b)
        return boxes

    def _collect(self, groups: list[Group], results: dict[int, Blocks],
                 spilled: dict[int, list[Box | None]], passes: int) -> Computed:
        std = self.engine.results(self.book, self._own)  # their own cells are not read
        log.debug("results read")
        values: dict[str, ValueRuns] = {}
        spills: dict[str, dict[str, str]] = {}
        not_calculated = CellError("#VALUE!", "not calculated")
        for index, sheet in enumerate(self.book.sheets):
            if not sheet.part:
                continue  # listed without a part (a macro sheet): nothing to write there
            # The engine's values of this sheet become what is written (no second dict).
            out = values[sheet.name] = std.get(index) or ValueRuns()
            for col, r1, r2, entry in sheet.formulas.runs():  # a run at a time, text if asked
                seg = out.segment(r1, col)
                if seg is not None and seg[1] + r2 - r1 < len(seg[0]):  # every value there
                    vs, k = seg
                    for i in range(k, k + r2 - r1 + 1):
                        v = vs[i]
                        if type(v) is float and (v == 0.0 or v == 1.0):  # maybe a boolean
                            vs[i] = _logical(v, _text_of(cell_at(entry, r1 + i - k, col),
                                                         sheet))
                    continue
                for r in range(r1, r2 + 1):
                    pos = (r, col)
                    v = out.get(pos, not_calculated)
                    if type(v) is float and (v == 0.0 or v == 1.0):  # maybe a boolean
                        out[pos] = _logical(v, _text_of(cell_at(entry, r, col), sheet))
                    elif v is not_calculated:
                        out[pos] = v
            for a in sheet.arrays:
                master = sheet.formulas.get((a.r1, a.c1))
                text = _text_of(master, sheet) if isinstance(master, FormulaCell) and (
                    master.kind == "array") else None
                for r in range(a.r1, a.r2 + 1):
                    for c in range(a.c1, a.c2 + 1):
                        out[(r, c)] = _logical(out.get((r, c)), text)
            for a in sheet.dead_tables:
                for r in range(a.r1, a.r2 + 1):
                    for c in range(a.c1, a.c2 + 1):
                        out[(r, c)] = CellError(
                            "#REF!", "the data table's input cell was deleted")
        for gi, g in enumerate(groups):
            if g.nested is not None:
                continue  # the cell's own value came from the engine
            title = self.book.sheets[g.sheet].name
            out = values.setdefault(title, ValueRuns())
            seg_values: list[Any] = []  # the run the last cell went into
            seg_row = seg_col = 0
            for cell, block, box in zip(g.cells, results[gi], spilled[gi], strict=True):
                old = cell.old_spill
                if old is not None:  # what the last spill left and this one does not cover
                    for r in range(old.r1, old.r2 + 1):
                        for c in range(old.c1, old.c2 + 1):
                            out.setdefault((r, c), None)
                if box is None:  # the usual leanxl cell: straight into its run
                    if (cell.col != seg_col or not 0 <= cell.row - seg_row < len(seg_values)):
                        found = out.segment(cell.row, cell.col)
                        if found is None:
                            out[(cell.row, cell.col)] = block[0][0]
                            continue
                        seg_values, seg_row, seg_col = found[0], cell.row - found[1], cell.col
                    seg_values[cell.row - seg_row] = block[0][0]
                    continue
                for i, row in enumerate(block):
                    for j, v in enumerate(row):
                        out[(cell.row + i, cell.col + j)] = v
                spills.setdefault(title, {})[coordinate(cell.row, cell.col)] = _a1(box)
        return Computed(values, spills, passes, len(self.book.leanxl), len(groups))


def _text_of(cell: FormulaCell | str, sheet: SheetInfo) -> str | None:
    """A formula cell's own text; a shared formula's dependants have their master's."""
    if isinstance(cell, str):
        return cell
    if cell.text is None and cell.kind == "shared":
        master = sheet.masters.get(cell.si or "")
        return master.text if master is not None else None
    return cell.text


def _logical(value: Any, text: str | None) -> Any:
    """The engine's 1/0 as TRUE/FALSE where the formula certainly gives a boolean."""
    if (text and type(value) is float and value in (0.0, 1.0)
            and returns_logical(text)):
        return value == 1.0
    return value


#: Blocks of at least this many cells share their repeated numbers (below, the memory saved
#: is a few MB and the pass costs ≈ 0.1 µs a cell on the recalc's critical path).
SHARE_FROM_CELLS = 1 << 20


def _share_numbers(rows: list[list[Any]]) -> None:
    """One object for each repeated number (or text) of a block read from the engine.

    The engine hands every cell a new float; leanxl's inputs are mostly scores on a small
    scale (1..5), so 10 factor columns of a full sheet were 10^7 floats (240 MB) holding a
    handful of values (:func:`~leanxl.recalc.runs.shared_values` says which are shared).
    """
    if len(rows) * (len(rows[0]) if rows else 0) < SHARE_FROM_CELLS:
        return
    shared: dict[Any, Any] = {}
    for row in rows:
        shared_values(row, shared)


def _merge_column_runs(boxes: list[Box]) -> list[Box]:
    """Join single cells of one column on consecutive rows into one box (fewer checks)."""
    out: list[Box] = []
    for b in sorted(boxes, key=lambda b: (b[0], b[2], b[4], b[1])):
        if out:
            p = out[-1]
            if p[0] == b[0] and p[2] == b[2] and p[4] == b[4] and b[1] <= p[3] + 1:
                out[-1] = (p[0], p[1], p[2], max(p[3], b[3]), p[4])
                continue
        out.append(b)
    return out


_ERROR_TYPES = frozenset((CellError, ErrorMark))  # neither has subclasses
_MARK_TYPE = frozenset((ErrorMark,))


def _first_error(rows: list[list[Any]]) -> CellError | None:
    for row in rows:
        if _ERROR_TYPES.isdisjoint(map(type, row)):  # C-level look first: most rows are clean
            continue
        for v in row:
            if isinstance(v, CellError):
                return v
            if isinstance(v, ErrorMark):
                return CellError("#VALUE!", "input has an error")
    return None


def _pad(rows: list[list[Any]]) -> list[list[Any]]:
    width = max(len(r) for r in rows)
    return [r + [None] * (width - len(r)) for r in rows]


def _hashable(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    return v


def _a1(box: Box) -> str:
    return f"{coordinate(box[1], box[2])}:{coordinate(box[3], box[4])}"


def _where(group: Group) -> str:
    c = group.cells[0]
    more = f" (+{len(group.cells) - 1} more)" if len(group.cells) > 1 else ""
    return f"{c.sheet}!{coordinate(c.row, c.col)}{more}"


__all__ = ["ERROR_MARK", "BookComputer", "Computed"]
