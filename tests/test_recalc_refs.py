"""Stored formula text: every spelling of a leanxl call, its arguments, shared formulas."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from leanxl.errors import WorkbookError
from leanxl.recalc.book import read_book
from leanxl.recalc.refs import (
    Name,
    Unsupported,
    formula_refs,
    has_leanxl_call,
    parse_call,
)
from leanxl.xlsx.refs import Area, parse_area


@pytest.mark.parametrize("text", [
    "LEANXL_FIT(B2:K2,Weights)", "=LEANXL_FIT(B2:K2,Weights)", "_xludf.LEANXL_FIT(B2:K2,Weights)",
    "_xldudf_LEANXL_FIT(B2:K2,Weights)", "leanxl_fit(B2:K2,Weights)",
    "_XLUDF.Leanxl_Fit( B2:K2 , Weights )", "LEANXL.FIT(B2:K2,Weights)",
])
def test_every_spelling_is_one_call(text: str) -> None:
    call = parse_call(text)
    assert call is not None and call.function == "FIT"
    assert call.args == (Area(None, 2, 2, 2, 11, False, False, False, False), Name("Weights"))


def test_arguments() -> None:
    call = parse_call("LEANXL_DECIDE('Rules sheet'!$A$1:$C$4,Data!B2:K2,$B$1:$K$1,\"out, x\","
                      "3,TRUE,,{1,2;3,4},A:A,1+2)")
    assert call is not None
    table, inputs, headers, out, num, flag, missing, arr, col, expr = call.args
    assert table == Area("Rules sheet", 1, 1, 4, 3)
    assert inputs == Area("Data", 2, 2, 2, 11, False, False, False, False)
    assert headers == Area(None, 1, 2, 1, 11)
    assert (out, num, flag, missing) == ("out, x", 3.0, True, None)
    assert arr == [[1.0, 2.0], [3.0, 4.0]]
    assert col.c1 == col.c2 == 1 and col.r2 == 1_048_576
    assert isinstance(expr, Unsupported)


def test_calls_inside_expressions_and_lookalikes() -> None:
    assert parse_call("ROUND(LEANXL_FIT(B2:K2),0)") is None
    assert has_leanxl_call("ROUND(LEANXL_FIT(B2:K2),0)")
    assert parse_call("LEANXL_FIT(B2:K2)+1") is None
    assert parse_call("SUM(A1)") is None


def test_shift_keeps_anchors() -> None:
    area = parse_area("$B2:K$2")
    assert area is not None
    assert area.shifted(3, 1) == Area(None, 5, 2, 2, 12, False, True, True, False)


def test_formula_refs_for_cycle_search() -> None:
    areas, words = formula_refs("SUM('My sheet'!A1:B2,C:C,$D$4)+Weights*LOG10(2)+\"B9\"")
    assert [a.a1() for a in areas] == ["'My sheet'!A1:B2", "C1:C1048576", "D4"]
    assert words == ["Weights"]


def test_read_book_expands_shared_formulas(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["L2"] = "=LEANXL_FIT(B2:K2,$M$1)"
    ws["N2"] = "=L2*2"
    path = tmp_path / "shared.xlsx"
    wb.save(path)
    # what Excel writes for a filled-down formula: a master and dependants without text
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace('<c r="L2"><f>LEANXL_FIT(B2:K2,$M$1)</f><v /></c>',
                          '<c r="L2"><f t="shared" ref="L2:L4" si="0">'
                          'LEANXL_FIT(B2:K2,$M$1)</f></c>')
    sheet = sheet.replace("</sheetData>", '<row r="3"><c r="L3"><f t="shared" si="0"/></c></row>'
                          '<row r="4"><c r="L4"><f t="shared" si="0"/></c></row></sheetData>')
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    book = read_book(path)
    calls = {(c.row, c.col): c.call for c in book.leanxl}
    assert sorted(calls) == [(2, 12), (3, 12), (4, 12)]
    assert calls[(4, 12)].args == (Area(None, 4, 2, 4, 11, False, False, False, False),
                                   Area(None, 1, 13, 1, 13))
    assert (2, 14) in book.sheets[0].formulas


def test_corrupt_file_is_a_workbook_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(WorkbookError, match="bad.xlsx"):
        read_book(bad)


def _filled_book(path: Path) -> Path:
    """Columns filled down as users fill them, with the odd cell that breaks the pattern."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(2, 40):
        ws[f"L{r}"] = f"=LEANXL_FIT(B{r}:K{r},Weights)"
        # a relative two-row block: each cell reads its own block, not one shared shape
        ws[f"M{r}"] = f"=LEANXL_FIT(B{r}:K{r},B{r}:K{r + 1})"
        ws[f"N{r}"] = f"=LEANXL_KPISTATUS(N{r - 1},50)" if r > 2 else "=LEANXL_KPISTATUS(1,50)"
        ws[f"O{r}"] = f"=LEANXL_DECIDE(Rules!$A$1:$C$5,B{r}:K{r},$B$1:$K$1)"
        ws[f"P{r}"] = f"=ROUND(LEANXL_FIT(B{r}:K{r}),1)"  # inside a larger expression
    ws["L9"] = "=LEANXL_FIT(B9:K10,Weights)"  # breaks the fill in the middle
    ws["L10"] = "=LEANXL_FIT(B10:K10,Weights)"
    ws["O20"] = "=LEANXL_DECIDE(Rules!$A$1:$C$5,B20:K20,$B$2:$K$2)"
    wb.create_sheet("Rules")
    wb.save(path)
    return path


def test_filled_down_cells_share_a_call_that_is_their_own(tmp_path: Path) -> None:
    """A column filled down is parsed once (read_book recognises the fill without parsing);
    every cell's call is still exactly the call its own text gives."""
    book = read_book(_filled_book(tmp_path / "filled.xlsx"))
    assert len(book.leanxl) == 5 * 38
    for cell in book.leanxl:
        assert cell.call == parse_call(cell.formula), (cell.row, cell.col)
    assert sum(1 for c in book.leanxl if c.shift) > 100  # the fast path was taken


def test_filled_down_groups_are_the_groups_of_each_cell(tmp_path: Path) -> None:
    """Grouping by fill shape gives the groups resolving every cell on its own gives."""
    from leanxl import functions
    from leanxl.recalc.evaluate import BookComputer

    book = read_book(_filled_book(tmp_path / "filled.xlsx"))

    class Engine:
        name = "libreoffice"

        def set_formulas(self, cells: object) -> None: ...

    def groups() -> list[tuple[object, ...]]:
        out = BookComputer(book, Engine(), functions.REGISTRY).build_groups()  # type: ignore[arg-type]
        return sorted(
            (g.function, g.nested if g.nested is not None else -1,
             tuple((c.row, c.col) for c in g.cells), repr(g.args), repr(g.error))
            for g in out)

    fast = groups()
    for cell in book.leanxl:
        cell.shape = -1  # every cell resolved on its own
    assert fast == groups()
    assert any(len(g[2]) == 37 for g in fast)  # L's fill, broken at L9
