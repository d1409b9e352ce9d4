"""The rules recalc applies to books saved by Excel, without LibreOffice: which formulas are
boolean, LibreOffice's error numbers, text escapes, cell attributes leanxl does not own."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from leanxl.office import excel_code
from leanxl.recalc.book import read_book, read_results
from leanxl.recalc.logical import returns_logical
from leanxl.xlsx.cached_values import escape_xml_text, unescape_xstring, write_cached_values


@pytest.mark.parametrize("formula", [
    "=A1=B1", "=A1+1>B1", "=(A1>2)", "=TRUE", "=FALSE()", "=AND(A1,B1)", "=or(A1,B1)",
    "=NOT(A1)", "=_xlfn.XOR(A1,B1)", "=ISNUMBER(A1)", "=_xlfn.ISFORMULA(A1)",
    "=ISBLANK('My > sheet'!A1)", "=EXACT(A1,B1)", "=IF(A1,TRUE,FALSE)", "=IF(A1>0,B1<2)",
    "=IFERROR(A1>1,FALSE)", "=CEILING(A1,1)=B1", '=A1="x"', "=SUM(A1:A3)<>0"])
def test_boolean_formulas(formula: str) -> None:
    assert returns_logical(formula)


@pytest.mark.parametrize("formula", [
    "=(A1>1)*1", "=SUM(A1:A2)", '="a<b"', "=IF(A1,1,FALSE)", "=A1", "=Sheet1!A1",
    "='a>b'!A1", "=Table1[[#This Row],[x>y]]", "=(A1>1)*(B1<2)", "=MAX(A1>1)",
    "=ISNUMBER(A1)+1", "=INDEX(A1:A3,2)", "=IF(A1>1,B1)", "=N(A1>1)", "={1,2}", "=(A1", ""])
def test_formulas_that_are_not_certainly_boolean(formula: str) -> None:
    assert not returns_logical(formula)


def test_libreoffice_error_numbers() -> None:
    assert [excel_code(n) for n in (532, 32767, 519, 502, 503, 524, 525, 521, 530)] == [
        "#DIV/0!", "#N/A", "#VALUE!", "#VALUE!", "#NUM!", "#REF!", "#NAME?", "#NULL!",
        "#NAME?"]
    # Numbers the export does not name are #N/A, as LibreOffice's export writes them
    # (was #VALUE!, and 523 was #NUM! one way and #N/A the other).
    assert excel_code(523) == excel_code(539) == excel_code(1) == "#N/A"


def test_control_characters_are_escaped_the_way_excel_does() -> None:
    assert escape_xml_text("\x077\x07") == "_x0007_7_x0007_"  # was "7": characters lost
    assert escape_xml_text("a_x0041_<") == "a_x005F_x0041_&lt;"
    for text in ("\x077\x07", "a_x0041_b", "plain", "_x005F_"):
        assert unescape_xstring(escape_xml_text(text).replace("&lt;", "<")) == text


def _package_with(tmp_path: Path, cells: str) -> Path:
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    src = tmp_path / "plain.xlsx"
    wb.save(src)
    out = tmp_path / "in.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>",
                              b"<sheetData>" + cells.encode() + b"</sheetData>", data, flags=re.S)
            zout.writestr(info, data)
    return out


def test_attributes_leanxl_does_not_own_are_kept(tmp_path: Path) -> None:
    src = _package_with(tmp_path, (
        '<row r="1"><c r="A1" s="0" cm="1"><f t="array" ref="A1:A2">SORT(B1:B2)</f><v>0</v></c>'
        '<c r="B1" vm="2" t="e"><f>CUBEVALUE("x")</f><v>#N/A</v></c>'
        '<c r="C1" cm="3"><f>LEANXL_FIT(D1:M1)</f><v>0</v></c></row>'
        '<row r="2"><c r="A2"><v>0</v></c></row>'))
    out = tmp_path / "out.xlsx"
    write_cached_values(src, out, {"Sheet": {"A1": 1, "A2": 2, "B1": 5, "C1": 7, "C2": 8}},
                        spills={"Sheet": {"C1": "C1:C2"}})
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="A1" s="0" cm="1">' in sheet  # Excel's dynamic array: cm kept (was dropped)
    assert '<c r="B1" vm="2">' in sheet  # a CUBE cell's value metadata kept, t now a number
    assert re.search(r'<c r="C1" cm="3"[^>]*>', sheet)  # leanxl's spill: its cm not doubled
    assert sheet.count("cm=") == 2


def test_cm_added_to_leanxl_spills_only(tmp_path: Path) -> None:
    src = _package_with(tmp_path, (
        '<row r="1"><c r="A1"><f>SUM(B1:B2)</f><v>0</v></c>'
        '<c r="C1"><f>LEANXL_FIT(D1:M1)</f><v>0</v></c></row>'))
    out = tmp_path / "out.xlsx"
    write_cached_values(src, out, {"Sheet": {"A1": 1, "C1": 7, "C2": 8}},
                        spills={"Sheet": {"C1": "C1:C2"}})
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<c r="A1"[^>]*>', sheet).group(0) == '<c r="A1">'  # type: ignore[union-attr]
    assert 'cm="1"' in re.search(r'<c r="C1"[^>]*>', sheet).group(0)  # type: ignore[union-attr]


def test_data_table_ranges_and_deleted_inputs_are_scanned(tmp_path: Path) -> None:
    src = _package_with(tmp_path, (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1*2</f><v>2</v></c></row>'
        '<row r="2"><c r="B2"><f t="dataTable" ref="B2:B4" dt2D="0" dtr="0" r1="A1"/>'
        '<v>2</v></c><c r="D2" t="e"><f t="dataTable" ref="D2:D3" dt2D="0" dtr="0" '
        'del1="1" r1="A1"/><v>#REF!</v></c></row>'))
    sheet = read_book(src).sheets[0]
    assert [(a.r1, a.c1, a.r2, a.c2) for a in sheet.arrays] == [(2, 2, 4, 2), (2, 4, 3, 4)]
    assert [(a.r1, a.c1, a.r2, a.c2) for a in sheet.dead_tables] == [(2, 4, 3, 4)]


def test_results_of_an_export_are_found_by_sheet_name(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "First"
    wb.active["A1"] = "=1+1"
    wb.create_sheet("Second")["A1"] = "=2+2"
    path = tmp_path / "book.xlsx"
    wb.save(path)
    book = read_book(path)
    export = tmp_path / "export.xlsx"  # the engine's export lists only the second sheet
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(export, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb'<sheet name="First"[^>]*/>', b"", data)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"<f>2+2</f>", b"<f>2+2</f><v>4</v>")
            zout.writestr(info, data)
    assert read_results(export, book)[1] == {(1, 1): 4.0}
