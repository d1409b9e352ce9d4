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
