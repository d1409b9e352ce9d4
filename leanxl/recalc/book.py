"""Read what recalc needs from an ``.xlsx``/``.xlsm`` package, fast and without openpyxl.

Only formulas matter here: where every formula cell is (its cached value must be replaced),
which ones call leanxl (with their parsed arguments, shared formulas expanded), the array
ranges, the sheets and the defined names.  Constants are read later from the engine.
A 10k-row book scans in a few tens of milliseconds with two regular expressions per sheet.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from leanxl.errors import WorkbookError
from leanxl.recalc.refs import (
    Call,
    fill_shape,
    has_leanxl_call,
    inner_calls,
    parse_call,
    shift_call,
)
from leanxl.recalc.runs import Fill, FormulaCell, FormulaRuns
from leanxl.xlsx import package
from leanxl.xlsx.cached_values import unescape_xstring
from leanxl.xlsx.refs import Area, column_index, parse_area, split_coordinate

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# A cell whose first child is a formula: column letters, row, other attributes of <c>,
# attributes of <f>, formula text.  Every writer we know puts ``r`` first; others fall back.
_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"([^>]*)>\s*<f\b([^>]*?)(?:/>|>([^<]*)</f>)', re.DOTALL)
_FORMULA_CELL_ANY = re.compile(
    rb"<c\b([^>]*)>\s*<f\b([^>]*?)(?:/>|>([^<]*)</f>)", re.DOTALL)
_ATTR = re.compile(rb'([A-Za-z:][A-Za-z0-9:]*)="([^"]*)"')


@dataclass(slots=True)
class LeanxlCell:
    """A cell whose formula is (or contains) a leanxl call."""

    sheet: str
    row: int
    col: int
    # The formula text, or (a cell of a fill) the fill it belongs to: 10^6 cells of one
    # column share one Fill, not 10^6 copies of nearly the same text.  See ``formula``.
    source: str | Fill
    base: Call | None  # the call as parsed at row ``base_row``; see ``call``
    old_spill: Area | None = None  # the array range Excel (or a previous recalc) stored
    inner: list[tuple[int, int, Call]] | None = None  # calls inside a larger expression
    text: str = ""  # the full formula text (shared formulas: this cell's own, shifted)
    base_row: int = 0  # 0: ``base`` is this cell's own call (one shared int, not a shift each)
    # Cells of one sheet with the same ``shape`` (>= 0) hold one formula filled down: the
    # same call with its relative rows moved.  -1: not known to be part of such a fill.
    shape: int = -1

    @property
    def formula(self) -> str:
        """The cell's formula text as stored."""
        src = self.source
        return src if isinstance(src, str) else src.text_at(self.row)

    @property
    def shift(self) -> int:
        """How many rows below ``base_row`` the cell is."""
        return self.row - self.base_row if self.base_row else 0

    @property
    def call(self) -> Call | None:
        """The parsed call (None when the call sits inside a larger expression).

        A filled-down column shares one parsed call: 10^6 cells are not parsed, nor moved,
        one by one unless something asks for their own call.
        """
        if self.base is None or not self.shift:
            return self.base
        return shift_call(self.base, self.shift)


@dataclass(slots=True)
class SheetInfo:
    name: str
    part: str  # "" for a sheet listed without a part in the package
    # (row, column) -> a plain formula's text (no attributes on its <f>), or a FormulaCell
    # (shared, array, data table); kept as runs down each column (a full sheet has millions).
    formulas: FormulaRuns = field(default_factory=FormulaRuns)
    arrays: list[Area] = field(default_factory=list)  # array formula and data-table ranges
    masters: dict[str, FormulaCell] = field(default_factory=dict)  # shared formulas by si
    # Data tables whose input cell was deleted (del1/del2): Excel shows #REF! in every cell,
    # LibreOffice imports them as plain values (the old cached ones).
    dead_tables: list[Area] = field(default_factory=list)


@dataclass(slots=True)
class BookInfo:
    path: Path
    sheets: list[SheetInfo]
    names: dict[tuple[str | None, str], str]  # (sheet scope or None, NAME upper) -> text
    leanxl: list[LeanxlCell]

    def sheet(self, name: str) -> SheetInfo:
        for s in self.sheets:
            if s.name.lower() == name.lower():
                return s
        raise KeyError(name)


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode(): html.unescape(v.decode()) for k, v in _ATTR.findall(raw)}


def read_book(path: str | Path) -> BookInfo:
    """Scan a workbook package for formulas, sheets and defined names.

    Raises
    ------
    WorkbookError
        When the file is not a readable ``.xlsx``/``.xlsm`` package.
    """
    path = Path(path)
    try:
        with package.open_package(path) as z:  # the size caps of every workbook reader
            wb_part = package.workbook_part(z)
            entries = package.sheet_entries(z, wb_part)
            # A sheet without a part (r:id="": an Excel 4 macro or dialog sheet some writers
            # save) stays in the list with part "": LibreOffice loads it as an empty sheet,
            # and the book's sheet indexes must be the engine's.  It has no cells to write.
            sheets = [SheetInfo(name=e.name, part=e.part or "") for e in entries]
            root = ElementTree.fromstring(z.read(wb_part))
            names: dict[tuple[str | None, str], str] = {}
            for dn in root.iter(f"{_NS_MAIN}definedName"):
                local = dn.get("localSheetId")
                scope = sheets[int(local)].name if local is not None else None
                names[(scope.upper() if scope else None, dn.get("name", "").upper())] = (
                    dn.text or "")
            leanxl: list[LeanxlCell] = []
            for info in sheets:
                if info.part:  # in pieces: a full sheet's XML is never held whole
                    _scan_sheet(package.row_pieces(z.pieces(info.part)), info, leanxl)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError,
            WorkbookError) as exc:
        raise WorkbookError(
            f"not a readable Excel workbook ({type(exc).__name__}: {exc})", where=str(path),
            suggestion="open and save it again in Excel, or restore it from a backup") from exc
    return BookInfo(path=path, sheets=sheets, names=names, leanxl=leanxl)


_COLUMNS: dict[bytes, int] = {}  # column letters -> number, as met (16,384 at most)


def _formula_cells(xml: bytes, sheet: str) -> Iterator[tuple[int, int, bytes, bytes | None]]:
    """(row, col, <f> attributes, text) of every formula cell."""
    hits = _FORMULA_CELL.findall(xml)
    columns = _COLUMNS
    for letters, row, _c_attrs, f_raw, text in hits:
        col = columns.get(letters)
        if col is None:
            col = columns[letters] = column_index(letters.decode())
        yield int(row), col, f_raw, text
    if len(hits) < xml.count(b"<f"):  # some cells spell their address differently: slow path
        for m in _FORMULA_CELL_ANY.finditer(xml):
            ref = _attrs(m.group(1)).get("r")
            if ref is None:
                raise ValueError(f"sheet {sheet!r} has a formula cell without an address")
            row, col = split_coordinate(ref)
            yield row, col, m.group(2), m.group(3) or None


def _scan_sheet(pieces: Iterable[bytes], info: SheetInfo, leanxl: list[LeanxlCell]) -> None:
    """Record the formulas of one sheet, coming in pieces that end at row ends."""
    masters = info.masters
    shapes: dict[tuple[int, str], tuple[int, Call | None, int]] = {}
    last_fill: dict[int, Fill] = {}  # per column: the last leanxl formula with a fill shape
    last_rows: dict[int, int] = {}  # per column: the lowest formula row so far
    for xml in pieces:
        _scan_piece(xml, info, masters, shapes, last_fill, last_rows, leanxl)
    # Dependants of a shared leanxl formula (Excel saves a column filled down so), in the
    # order of the sheet: rows, then columns.
    children: list[tuple[int, int, FormulaCell]] = []
    for col, r1, r2, entry in info.formulas.runs():
        if not isinstance(entry, FormulaCell) or entry.kind != "shared" or entry.text:
            continue
        master = masters.get(entry.si or "")
        if master is not None and master.text and has_leanxl_call(master.text):
            children.extend((row, col, master) for row in range(r1, r2 + 1))
    children.sort(key=lambda t: (t[0], t[1]))
    for row, col, master in children:
        assert master.text is not None
        call = parse_call(master.text)
        if call is not None:
            dr, dc = row - master.row, col - master.col
            call = Call(call.function, tuple(
                a.shifted(dr, dc) if isinstance(a, Area) else a for a in call.args))
        leanxl.append(LeanxlCell(info.name, row, col, master.text, call))


def _scan_piece(xml: bytes, info: SheetInfo, masters: dict[str, FormulaCell],
                shapes: dict[tuple[int, str], tuple[int, Call | None, int]],
                last_fill: dict[int, Fill], last_rows: dict[int, int],
                leanxl: list[LeanxlCell]) -> None:
    """One piece of a sheet's XML (whole rows); the state in between comes along."""
    formulas = info.formulas
    for row, col, f_raw, raw_text in _formula_cells(xml, info.name):
        # Rows come in order: only a cell at or above its column's last one can be a repeat
        # (the slow path finds the fast path's cells again; a writer may repeat a cell).
        if row <= last_rows.get(col, 0) and (row, col) in formulas:
            continue
        last_rows[col] = max(row, last_rows.get(col, 0))
        text = raw_text.decode() if raw_text else None
        if text is not None and "&" in text:
            text = html.unescape(text)
        if f_raw.strip():
            f_attrs = _attrs(f_raw)
            kind = f_attrs.get("t", "normal")
            area = parse_area(f_attrs["ref"]) if "ref" in f_attrs else None
            cell = FormulaCell(row, col, text, kind, area, f_attrs.get("si"))
            if kind == "dataTable" and "1" in (f_attrs.get("del1"), f_attrs.get("del2")):
                info.dead_tables.append(area or Area(None, row, col, row, col))
        else:  # a plain formula, the bulk of a sheet: its text is all there is to keep
            formulas.add_text(row, col, text or "")
            if text:
                _scan_leanxl(info.name, row, col, text, None, shapes, last_fill, leanxl)
            continue
        formulas.add_cell(cell)
        if kind == "shared":
            if text:
                masters[cell.si or ""] = cell
            else:
                continue
        if text and _scan_leanxl(info.name, row, col, text, area if kind == "array" else None,
                                 shapes, last_fill, leanxl):
            continue
        if kind in ("array", "dataTable") and area is not None and (
                area.rows > 1 or area.cols > 1):
            # Every cell of an array range or of a data table (what-if table) is computed:
            # each needs the engine's fresh value, not only the cell holding the <f>.
            info.arrays.append(area)


def _scan_leanxl(sheet: str, row: int, col: int, text: str, array: Area | None,
                 shapes: dict[tuple[int, str], tuple[int, Call | None, int]],
                 last_fill: dict[int, Fill], leanxl: list[LeanxlCell]) -> bool:
    """Record the cell if its formula calls leanxl (returns whether it does)."""
    fill = last_fill.get(col)
    source: str | Fill = text
    if fill is not None and fill.matches(text, row):
        # The column's previous leanxl formula filled down: its parsed call, moved.
        base_row, call, shape_id = shapes[(col, fill.shape)]
        source = fill
    elif has_leanxl_call(text):
        shape = fill_shape(text, row)
        seen = shapes.get((col, shape)) if shape is not None else None
        shape_id = -1
        if seen is not None:  # filled down: the parsed call of an earlier row, moved
            base_row, call, shape_id = seen
        else:
            call, base_row = parse_call(text), 0
            if shape is not None:
                shape_id = len(shapes)
                shapes[(col, shape)] = (row, call, shape_id)
        if shape is not None:
            last_fill[col] = Fill(text, row, shape)
    else:
        return False
    if base_row == row:
        base_row = 0  # the cell that was parsed: its own call
    cell = LeanxlCell(sheet, row, col, source, call, array, base_row=base_row, shape=shape_id)
    if call is None:
        cell.inner = inner_calls(text.strip().removeprefix("="))
        cell.text = text.strip().removeprefix("=")
    leanxl.append(cell)
    return True


_RESULT_FORMULA = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"([^>]*)>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)'
    rb"\s*(?:<v>([^<]*)</v>|<v/>)?")
_RESULT_ANY = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"([^>]*?)(?:/>|>(?:\s*<f\b[^>]*?(?:/>|>[^<]*</f>))?'
    rb'\s*(?:<v>([^<]*)</v>|<v/>)?)')
_T_ATTR = re.compile(rb' t="([a-zA-Z]+)"')
_SHARED_TEXT = re.compile(rb"<si>(.*?)</si>", re.DOTALL)
_T_TEXT = re.compile(rb"<t\b[^>]*>([^<]*)</t>")


def _cell_value(t: str, raw: bytes | None, shared: list[str] | None) -> object:
    from leanxl.errors import CellError

    if not raw:
        return "" if t in ("str", "inlineStr") else None
    text = html.unescape(raw.decode())
    if t == "b":
        return text.strip() in ("1", "true")
    if t == "e":
        return CellError(text, "")
    if t in ("str", "inlineStr"):
        return unescape_xstring(text)
    if t == "s":
        return unescape_xstring(shared[int(text)]) if shared is not None else ""
    try:
        return float(text)
    except ValueError:
        return text


def read_results(path: str | Path, book: BookInfo) -> dict[int, dict[tuple[int, int], object]]:
    """Values of ``book``'s formula cells (and array ranges) in a calculated copy at ``path``.

    The copy is LibreOffice's xlsx export of the same workbook: same sheets, same order.
    """
    out: dict[int, dict[tuple[int, int], object]] = {}
    with package.open_package(path) as z:
        # By name: the export need not list the sheets the book lists (partless ones).
        parts = {name.upper(): part for name, part in package.sheet_parts(z).items()}
        shared: list[str] | None = None
        for index, info in enumerate(book.sheets):
            formulas = info.formulas  # asked cell by cell: never a set of 10^6 positions
            in_arrays = {(r, c) for a in info.arrays
                         for r in range(a.r1, a.r2 + 1) for c in range(a.c1, a.c2 + 1)}
            values: dict[tuple[int, int], object] = {}
            out[index] = values
            part = parts.get(info.name.upper())
            if not (formulas or in_arrays) or part is None:
                continue
            xml = z.read(part)
            pattern = _RESULT_ANY if info.arrays else _RESULT_FORMULA
            for letters, row, c_attrs, raw in pattern.findall(xml):
                pos = (int(row), column_index(letters.decode()))
                if pos not in formulas and pos not in in_arrays:
                    continue
                if b" t=" not in c_attrs or b' t="n"' in c_attrs:
                    try:
                        values[pos] = float(raw) if raw else None
                        continue
                    except ValueError:
                        pass
                tm = _T_ATTR.search(c_attrs)
                t = tm.group(1).decode() if tm else "n"
                if t == "s" and shared is None:
                    shared = _shared_strings(z)
                values[pos] = _cell_value(t, raw or None, shared)
    return out


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    part = package.shared_strings_part(z)
    if part is None:
        return []
    xml = z.read(part)
    return ["".join(html.unescape(t.decode()) for t in _T_TEXT.findall(si))
            for si in _SHARED_TEXT.findall(xml)]
