"""xlsx.package: the workbook part is found through the root relationship, sheets through its rels.

Regression tests for issue 9: cached values used to be written only into a package whose
workbook part is ``xl/workbook.xml``; a package that names it otherwise (valid OOXML: the root
relationship says where it is) failed with a ``KeyError``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from leanxl.errors import CellError
from leanxl.recalc.book import read_book
from leanxl.xlsx import package
from leanxl.xlsx.cached_values import write_cached_values
from tests.package_helpers import rename_workbook_part, rewrite_package

_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws["A1"], ws["B1"] = "lead", "fit"
    ws["B2"], ws["B3"] = "=LEANXL_FIT(D2:M2)", "=LEANXL_FIT(D3:M3)"
    ws["C2"] = "=LEANXL_SEGMENT(D2,E2,3,3)"
    other = wb.create_sheet("My Sheet")
    other["A1"] = "=SUM(1,2)"
    other["B1"] = "text"
    wb.save(path)
    return path


def _renamed_workbook_part(tmp_path: Path) -> Path:
    """The test book with its workbook part stored as ``xl/book.xml``."""
    return rename_workbook_part(_book(tmp_path / "plain.xlsx"), tmp_path / "renamed.xlsx")


def _with_partless_sheet(tmp_path: Path, rid: str) -> Path:
    """The same book with a macro sheet entry that has no part (``r:id`` as given)."""
    src = _book(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(src) as z:
        workbook = z.read("xl/workbook.xml").decode()
    first = re.search(r"<(\w+:)?sheet\b[^>]*/>", workbook)
    assert first is not None
    prefix = first.group(1) or ""
    macro = f'<{prefix}sheet name="Macro1" sheetId="9" state="hidden"{rid}/>'
    return rewrite_package(src, tmp_path / "macro.xlsx", {},
                           {"xl/workbook.xml": (first.group(0), macro + first.group(0))})


def test_renamed_workbook_part_is_a_valid_package(tmp_path: Path) -> None:
    book = _renamed_workbook_part(tmp_path)
    names = zipfile.ZipFile(book).namelist()
    assert "xl/workbook.xml" not in names and "xl/book.xml" in names
    assert openpyxl.load_workbook(book).sheetnames == ["Leads", "My Sheet"]
    with zipfile.ZipFile(book) as z:
        assert package.workbook_part(z) == "xl/book.xml"
        assert package.sheet_parts(z) == {"Leads": "xl/worksheets/sheet1.xml",
                                          "My Sheet": "xl/worksheets/sheet2.xml"}
        assert package.content_type(z, "xl/worksheets/sheet2.xml") == _WORKSHEET_CT


def test_cached_values_go_into_a_renamed_workbook_part(tmp_path: Path) -> None:
    book = _renamed_workbook_part(tmp_path)
    out = tmp_path / "out.xlsx"
    write_cached_values(
        book, out,
        {"Leads": {"B2": 87.5, "B3": CellError("#NUM!", "factor 9"), "C2": "S2", "C3": "S4"},
         "My Sheet": {"A1": 3}},
        spills={"Leads": {"C2": "C2:C3"}},
    )
    values = openpyxl.load_workbook(out, data_only=True)
    assert [[c.value for c in row] for row in values["Leads"]["A1:C3"]] == [
        ["lead", "fit", None], [None, 87.5, "S2"], [None, "#NUM!", "S4"]]
    assert values["My Sheet"]["A1"].value == 3
    assert values["My Sheet"]["B1"].value == "text"
    formulas = openpyxl.load_workbook(out)
    assert formulas["Leads"]["B2"].value == "=LEANXL_FIT(D2:M2)"
    assert formulas["My Sheet"]["A1"].value == "=SUM(1,2)"
    with zipfile.ZipFile(out) as z:
        # The workbook part named by the root relationship is the one cleaned and related.
        assert "xl/workbook.xml" not in z.namelist()
        assert b"fullCalcOnLoad" not in z.read("xl/book.xml")
        rels = z.read("xl/_rels/book.xml.rels").decode()
        assert "sheetMetadata" in rels and 'Target="metadata.xml"' in rels
        assert "xl/_rels/workbook.xml.rels" not in z.namelist()
        assert package.content_type(z, "xl/metadata.xml", ).endswith("sheetMetadata+xml")


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_reads_cached_values_of_a_renamed_workbook_part(tmp_path: Path) -> None:
    book = _renamed_workbook_part(tmp_path)
    out = tmp_path / "out.xlsx"
    write_cached_values(book, out, {"Leads": {"B2": 87.5, "B3": 12}})
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "csv", "--outdir", str(tmp_path), str(out)],
        check=True, capture_output=True, timeout=120,
    )
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in lines[:3]] == ["fit", "87.5", "12"]


@pytest.mark.parametrize("rid", [' r:id=""', ""], ids=["empty-r:id", "no-r:id"])
def test_sheet_without_a_part_is_skipped(tmp_path: Path, rid: str) -> None:
    book = _with_partless_sheet(tmp_path, rid)
    with zipfile.ZipFile(book) as z:
        assert package.sheet_entries(z) == [
            package.SheetEntry("Macro1", None),
            package.SheetEntry("Leads", "xl/worksheets/sheet1.xml"),
            package.SheetEntry("My Sheet", "xl/worksheets/sheet2.xml")]
        assert package.sheet_parts(z) == {"Leads": "xl/worksheets/sheet1.xml",
                                          "My Sheet": "xl/worksheets/sheet2.xml"}
    out = tmp_path / "out.xlsx"
    write_cached_values(book, out, {"Leads": {"B2": 50.0}, "My Sheet": {"A1": 3}})
    with zipfile.ZipFile(out) as z:
        assert b'<c r="B2"><f>LEANXL_FIT(D2:M2)</f><v>50</v></c>' in z.read(
            "xl/worksheets/sheet1.xml")
        assert b"<v>3</v>" in z.read("xl/worksheets/sheet2.xml")
    info = read_book(book)
    assert [(s.name, s.part) for s in info.sheets] == [
        ("Macro1", ""), ("Leads", "xl/worksheets/sheet1.xml"),
        ("My Sheet", "xl/worksheets/sheet2.xml")]
    assert sorted((c.sheet, c.row, c.col) for c in info.leanxl) == [
        ("Leads", 2, 2), ("Leads", 2, 3), ("Leads", 3, 2)]


def test_relationships_resolve_targets(tmp_path: Path) -> None:
    book = _book(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(book) as z:
        assert package.rels_part("xl/workbook.xml") == "xl/_rels/workbook.xml.rels"
        root = package.relationships(z, "")
        assert [r.target for r in root if r.type.endswith("/officeDocument")] == [
            "xl/workbook.xml"]
        assert package.relationships(z, "xl/worksheets/sheet1.xml") == []
        assert package.shared_strings_part(z) is None  # openpyxl writes inline strings
        assert package.content_type(z, "xl/worksheets/sheet1.xml") == _WORKSHEET_CT
        assert package.content_type(z, "xl/nothing.bin") is None


def test_shared_strings_part_is_found_through_the_workbook_rels(tmp_path: Path) -> None:
    src = _book(tmp_path / "plain.xlsx")
    rel = (f'<Relationship Id="rId9" Type="{package.REL_NS}/sharedStrings" '
           'Target="strings/all.xml"/></Relationships>')
    book = rewrite_package(src, tmp_path / "sst.xlsx", {},
                    {"xl/_rels/workbook.xml.rels": ("</Relationships>", rel)})
    with zipfile.ZipFile(book, "a") as z:
        z.writestr("xl/strings/all.xml", "<sst/>")
    with zipfile.ZipFile(book) as z:
        assert package.shared_strings_part(z) == "xl/strings/all.xml"


def test_add_relationship_and_override_take_the_next_id() -> None:
    rels = (b'<Relationships xmlns="x"><Relationship Id="rId1" Type="t" Target="a.xml"/>'
            b'<Relationship Id="rId7" Type="t" Target="b.xml"/></Relationships>')
    new, rid = package.add_relationship(rels, "http://x/y", "c.xml")
    assert rid == "rId8"
    assert new.endswith(b'<Relationship Id="rId8" Type="http://x/y" Target="c.xml"/>'
                        b"</Relationships>")
    types = package.add_override(b"<Types></Types>", "xl/c.xml", "ct")
    assert types == b'<Types><Override PartName="/xl/c.xml" ContentType="ct"/></Types>'
