"""The pure-Python standard-formula engine (pycel): slow, but needs nothing installed.

Used when LibreOffice is not there (``leanxl recalc`` says how to get the fast path).  pycel
compiles each formula to Python; measured ≈ 1.1 ms per formula cell, correct on SUMPRODUCT,
IF, VLOOKUP, INDEX/MATCH, COUNTIF, AVERAGEIF.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from leanxl.errors import ERROR_CODES, CellError
from leanxl.recalc.engine import EngineError
from leanxl.recalc.runs import ValueRuns, value_runs
from leanxl.xlsx.refs import coordinate


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _from_pycel(v: Any) -> Any:
    if isinstance(v, str) and v in ERROR_CODES:
        return CellError(v, "")
    if v == "":
        return None
    return v


def fill_defined_names(xl: Any) -> None:
    """Give pycel the workbook's defined names (it reads an API openpyxl 3.1 removed)."""
    excel = xl.excel
    if getattr(excel, "_defined_names", None):
        return
    wb = excel.workbook
    names: dict[str, list[tuple[str, str]]] = {}
    scoped = [(None, wb.defined_names)] + [(ws.title, ws.defined_names) for ws in wb.worksheets]
    for _scope, table in scoped:
        for d_name in getattr(table, "values", lambda: [])():
            destinations = [(alias, sheet) for sheet, alias in d_name.destinations
                            if sheet in wb]
            if destinations:
                names.setdefault(str(d_name.name), destinations)
    excel._defined_names = names


class PycelEngine:
    """pycel behind the engine interface; leanxl cells become plain values it can read."""

    name = "python"
    alive = True

    def __init__(self) -> None:
        try:
            import pycel  # noqa: F401
        except ImportError as exc:
            raise EngineError("neither LibreOffice nor pycel is installed",
                              suggestion="pip install pycel, or apt-get install "
                                         "libreoffice-calc-nogui python3-uno") from exc
        self.xl: Any = None
        self.sheets: list[str] = []

    def open(self, path: Path, leanxl_cells: list[tuple[str, int, int]] | None = None
             ) -> list[tuple[str, int, int]]:
        from pycel import ExcelCompiler

        self.xl = ExcelCompiler(filename=str(path))
        fill_defined_names(self.xl)
        wb = self.xl.excel.workbook
        cached = self.xl.excel.workbook_dataonly
        # pycel trusts cached values; stale ones must not survive, so forget them all.
        for ws in wb.worksheets:
            stale = cached[ws.title]
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type == "f":
                        stale.cell(row=c.row, column=c.column).value = None
        for sheet, row, col in leanxl_cells or []:
            wb[sheet].cell(row=row, column=col).value = None  # a value pycel never compiles
        self.sheets = list(wb.sheetnames)
        return [(ws.title, ws.max_row, ws.max_column) for ws in wb.worksheets]

    def _range(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> str:
        first, last = coordinate(r1, c1), coordinate(r2, c2)
        return f"{_quote(self.sheets[sheet])}!{first}" + ("" if first == last else f":{last}")

    def read(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> list[list[Any]]:
        got = self.xl.evaluate(self._range(sheet, r1, c1, r2, c2))
        if r1 == r2 and c1 == c2:
            return [[_from_pycel(got)]]
        flat = [v for row in got for v in (row if isinstance(row, list | tuple) else (row,))]
        width = c2 - c1 + 1
        return [[_from_pycel(v) for v in flat[i:i + width]] for i in range(0, len(flat), width)]

    def error_codes(self, sheet: int, cells: list[tuple[int, int]]) -> list[str]:
        return ["#VALUE!"] * len(cells)  # read() already returns codes

    def write(self, blocks: list[tuple[int, int, int, list[list[Any]]]]) -> None:
        for sheet, r0, c0, rows in blocks:
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    addr = self._range(sheet, r0 + i, c0 + j, r0 + i, c0 + j)
                    value = v.code if isinstance(v, CellError) else v
                    if addr not in self.xl.cell_map:
                        self.xl.evaluate(addr)
                    self.xl.set_value(addr, value)

    def clear_array(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> None:
        wb = self.xl.excel.workbook
        ws = wb[self.sheets[sheet]]
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                ws.cell(row=r, column=c).value = None

    def calculate(self) -> None:
        pass  # pycel recomputes what a changed value feeds when it is next read

    def results(self, book: Any, ours: Mapping[int, Mapping[int, list[int]]] | None = None
                ) -> dict[int, ValueRuns]:
        # every leanxl cell is left out already (``ours`` is a subset of them)
        leanxl = {(c.sheet.upper(), c.row, c.col) for c in book.leanxl}
        out: dict[int, ValueRuns] = {}
        for index, sheet in enumerate(book.sheets):
            values: dict[tuple[int, int], Any] = {}
            for (r, c) in sorted(sheet.formulas):
                if (sheet.name.upper(), r, c) in leanxl:
                    continue
                try:
                    values[(r, c)] = self.read(index, r, c, r, c)[0][0]
                except Exception as exc:  # pycel lacks a function: that cell, not the book
                    values[(r, c)] = CellError("#NAME?", f"pycel: {exc}")
            out[index] = value_runs(values, sheet.formulas)
        return out

    def close_book(self) -> None:
        self.xl = None

    def shutdown(self) -> None:
        self.xl = None
