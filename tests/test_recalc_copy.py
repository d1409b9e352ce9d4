"""The copy of a workbook LibreOffice loads: whole-call leanxl formulas out, the rest kept."""

from __future__ import annotations

import zipfile
from pathlib import Path

from leanxl.recalc.engine import engine_copy

SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet><sheetData><row r="2">'
    '<c r="A2"><f>LEANXL_FIT(B2:K2,Weights)</f><v>55</v></c>'
    '<c r="B2"><f>_xldudf_LEANXL_DECIDE(Rules!$A$1:$C$5,B2:K2,$B$1:$K$1)</f><v>0</v></c>'
    '<c r="C2"><f>_xludf.leanxl_fit(B2:K2)</f></c>'
    '<c r="D2"><f>IF(LEANXL_FIT(B2:K2)&gt;=60,"hot","cold")</f></c>'
    '<c r="E2"><f>LEANXL_FIT(B2:K2)+LEANXL_FIT(B3:K3)</f></c>'
    '<c r="F2"><f t="shared" ref="F2:F3" si="0">LEANXL_FIT(B2:K2)</f></c>'
    '<c r="G2"><f t="array" ref="G2:H2">LEANXL_EXPLAIN(Rules!A1:C5,B2:K2)</f></c>'
    '<c r="H2"><f>LEANXL_DECIDE(Rules!A1:C5,"x")</f></c>'
    '<c r="I2"><f>SUM(B2:K2)</f><v>10</v></c>'
    "</row></sheetData></worksheet>")
KEPT = ['<c r="D2"><f>IF(LEANXL_FIT(B2:K2)&gt;=60,"hot","cold")</f></c>',
        '<c r="E2"><f>LEANXL_FIT(B2:K2)+LEANXL_FIT(B3:K3)</f></c>',
        '<f t="shared" ref="F2:F3" si="0">LEANXL_FIT(B2:K2)</f>',
        '<f t="array" ref="G2:H2">LEANXL_EXPLAIN(Rules!A1:C5,B2:K2)</f>',
        '<f>LEANXL_DECIDE(Rules!A1:C5,"x")</f>',  # a quoted argument: left alone
        '<c r="I2"><f>SUM(B2:K2)</f><v>10</v></c>']


def _book(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook><f>LEANXL_FIT(A1)</f></workbook>")
        z.writestr("xl/worksheets/sheet1.xml", SHEET)
        z.writestr("xl/vbaProject.bin", b"\x00\x01binary")


def test_whole_call_formulas_are_removed_and_everything_else_kept(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.xlsx", tmp_path / "lo.xlsx"
    _book(src)
    before = src.read_bytes()
    assert engine_copy(src, dst) == (3, False)
    assert src.read_bytes() == before  # the input is untouched
    with zipfile.ZipFile(dst) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert z.read("xl/workbook.xml") == b"<workbook><f>LEANXL_FIT(A1)</f></workbook>"
        assert z.read("xl/vbaProject.bin") == b"\x00\x01binary"
        assert sorted(z.namelist()) == sorted(zipfile.ZipFile(src).namelist())
    assert '<c r="A2"><v>55</v></c>' in sheet
    assert '<c r="B2"><v>0</v></c>' in sheet
    assert '<c r="C2"></c>' in sheet
    for kept in KEPT:
        assert kept in sheet


def test_a_file_that_is_not_a_zip_is_copied_as_is(tmp_path: Path) -> None:
    src, dst = tmp_path / "broken.xlsx", tmp_path / "lo.xlsx"
    src.write_bytes(b"not a zip at all")
    assert engine_copy(src, dst) == (0, True)  # LibreOffice then says what is wrong
    assert dst.read_bytes() == b"not a zip at all"


def test_a_boolean_cell_is_reported(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.xlsx", tmp_path / "lo.xlsx"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml",
                   '<worksheet><sheetData><row r="1"><c r="A1" t="b"><v>1</v></c></row>'
                   "</sheetData></worksheet>")
    assert engine_copy(src, dst) == (0, True)
