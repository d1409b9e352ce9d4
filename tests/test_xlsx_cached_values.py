"""xlsx.cached_values: formula cells get cached values in the package XML, nothing else changes."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from leanxl.errors import CellError, WorkbookError
from leanxl.xlsx.cached_values import write_cached_values
from leanxl.xlsx.refs import column_index, column_letter, split_coordinate


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws["A1"], ws["B1"], ws["C1"] = "lead", "fit", "note"
    ws["A2"], ws["B2"] = 1, "=LEANXL_FIT(D2:M2)"
    ws["A3"], ws["B3"] = 2, "=LEANXL_FIT(D3:M3)"
    ws["C3"] = "keep me"
    ws["A5"] = "=_xludf.LEANXL_DECIDE(Rules!A1:C4,D5:M5,D1:M1)"
    other = wb.create_sheet("User & Co")
    other["A1"] = "=SUM(1,2)"
    other["B7"] = "untouched"
    wb.save(path)
    return path


def test_coordinates_round_trip() -> None:
    assert column_index("A") == 1 and column_index("Z") == 26 and column_index("AB") == 28
    assert column_letter(28) == "AB" and column_letter(16384) == "XFD"
    assert split_coordinate("$C$12") == (12, 3)
    with pytest.raises(WorkbookError):
        split_coordinate("12C")


def test_values_are_cached_and_formulas_kept(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    write_cached_values(src, out, {
        "Leads": {"B2": 87.5, "B3": CellError("#NUM!", "factor 9 outside 1..5"), "A5": "Qualified"},
        "User & Co": {"A1": 3},
    })
    values = openpyxl.load_workbook(out, data_only=True)
    formulas = openpyxl.load_workbook(out)
    assert values["Leads"]["B2"].value == 87.5
    assert values["Leads"]["B3"].value == "#NUM!"
    assert values["Leads"]["A5"].value == "Qualified"
    assert values["User & Co"]["A1"].value == 3
    assert formulas["Leads"]["B2"].value == "=LEANXL_FIT(D2:M2)"
    assert formulas["Leads"]["A5"].value == "=_xludf.LEANXL_DECIDE(Rules!A1:C4,D5:M5,D1:M1)"
    assert formulas["Leads"]["C3"].value == "keep me"
    assert formulas["User & Co"]["B7"].value == "untouched"
    # openpyxl's "recalculate everything on load" would make Excel drop the cached values.
    assert b"fullCalcOnLoad" not in zipfile.ZipFile(out).read("xl/workbook.xml")
    assert src.read_bytes() != out.read_bytes()


def test_other_parts_byte_identical(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    # A stand-in for a VBA project: any extra part must come through unchanged.
    with zipfile.ZipFile(src, "a") as z:
        z.writestr("xl/vbaProject.bin", bytes(range(256)) * 10)
    out = tmp_path / "out.xlsx"
    write_cached_values(src, out, {"Leads": {"B2": 1.0}})
    a, b = zipfile.ZipFile(src), zipfile.ZipFile(out)
    assert a.namelist() == b.namelist()
    changed = {n for n in a.namelist() if a.read(n) != b.read(n)}
    assert changed == {"xl/worksheets/sheet1.xml", "xl/workbook.xml"}


def test_spill_is_stored_as_dynamic_array(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    write_cached_values(
        src, out,
        {"Leads": {"B2": 10, "B3": 20, "B4": 30, "C2": True, "C3": None, "C4": False}},
        spills={"Leads": {"B2": "B2:C4"}},
    )
    package = zipfile.ZipFile(out)
    sheet = package.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="B2" t="array"' not in sheet  # t is the value type, ref goes on <f>
    assert '<f t="array" ref="B2:C4">LEANXL_FIT(D2:M2)</f>' in sheet
    assert 'cm="1"' in sheet
    assert "xl/metadata.xml" in package.namelist()
    assert "sheetMetadata" in package.read("xl/_rels/workbook.xml.rels").decode()
    assert "/xl/metadata.xml" in package.read("[Content_Types].xml").decode()
    values = openpyxl.load_workbook(out, data_only=True)["Leads"]
    assert [[c.value for c in row] for row in values["B2:C4"]] == [
        [10, True], [20, None], [30, False]]
    # Row 4 did not exist before: it is created between rows 3 and 5, cells in column order.
    assert sheet.index('<row r="3"') < sheet.index('<row r="4"') < sheet.index('<row r="5"')
    assert sheet.index('<c r="B4"') < sheet.index('<c r="C4"')


def test_unknown_sheet_and_bad_file_leave_nothing(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    before = src.read_bytes()
    with pytest.raises(WorkbookError, match="no sheet named 'Nope'"):
        write_cached_values(src, src, {"Nope": {"A1": 1}})
    assert src.read_bytes() == before
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip")
    with pytest.raises(WorkbookError, match="cannot open"):
        write_cached_values(bad, tmp_path / "x.xlsx", {})
    assert not (tmp_path / "x.xlsx").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".leanxl-")] == []


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_shows_cached_values(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    write_cached_values(src, out, {"Leads": {"B2": 87.5, "B3": 12, "A5": "Qualified"}})
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "csv", "--outdir", str(tmp_path), str(out)],
        check=True, capture_output=True, timeout=120,
    )
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[1].split(",")[:2] == ["1", "87.5"]
    assert lines[2].split(",")[:3] == ["2", "12", "keep me"]
    assert lines[4].split(",")[0] == "Qualified"


def test_sheet_streams_through_in_pieces(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A sheet part patched piece by piece (cut at row ends; full sheets are never held whole)
    gives the same package as in one piece: existing cells, cells and rows to create
    between and after the pieces, a spill, True beside 1.0, every other part unchanged."""
    from leanxl.xlsx import cached_values

    src = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    for r in range(1, 301):
        if r % 7:  # rows 7, 14, ... do not exist: their cells are created
            ws.cell(r, 1, r)
            ws.cell(r, 2, f"=A{r}*2")
    wb.create_sheet("Other")["A1"] = "=1+1"
    wb.save(src)
    values: dict[str, dict[object, object]] = {
        "Leads": {(r, 2): (True if r == 3 else float(r * 2)) if r % 7 else f"new {r}"
                  for r in range(1, 301)},
        "Other": {"A1": 2.0},
    }
    values["Leads"][(305, 3)] = CellError("#N/A", "")  # after the last row
    values["Leads"][(2, 5)] = 1.0  # a cell to create inside an existing row
    spills = {"Leads": {"B10": "B10:C11"}}
    values["Leads"][(10, 3)] = values["Leads"][(11, 3)] = "spilled"
    whole, pieces = tmp_path / "whole.xlsx", tmp_path / "pieces.xlsx"
    write_cached_values(src, whole, values, spills)  # type: ignore[arg-type]
    monkeypatch.setattr(cached_values, "PIECE_BYTES", 97)
    write_cached_values(src, pieces, values, spills)  # type: ignore[arg-type]
    with zipfile.ZipFile(whole) as a, zipfile.ZipFile(pieces) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    got = openpyxl.load_workbook(pieces, data_only=True)["Leads"]
    assert [got.cell(r, 2).value for r in (2, 3, 7, 300)] == [4, True, "new 7", 600]
    assert got["C305"].value == "#N/A" and got["E2"].value == 1 and got["C11"].value == "spilled"
    assert openpyxl.load_workbook(pieces)["Leads"]["B299"].value == "=A299*2"


def test_truncated_sheet_is_one_clear_error_and_no_output(tmp_path: Path) -> None:
    """A sheet part that ends inside <sheetData> fails in one line, mid-stream, leaving no
    output and no temporary file (the part being written is closed, not left open)."""
    src = _book(tmp_path / "in.xlsx")
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[:data.index(b"</sheetData>")]
            zout.writestr(info, data)
    out = tmp_path / "out" / "bad.xlsx"
    with pytest.raises(WorkbookError, match="sheetData"):
        write_cached_values(bad, out, {"Leads": {"B2": 1.0}})
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


@pytest.mark.parametrize("piece_bytes", [97, 1 << 20])
def test_values_as_column_runs_write_the_same_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece_bytes: int) -> None:
    """Values kept as runs down columns (recalc's ValueRuns, made into rows a band at a time)
    give the same bytes as the same values cell by cell: runs with a gap, a run in a column
    of rows that do not exist, cells beside the runs, a spill anchor inside a run."""
    from leanxl.recalc.runs import ValueRuns
    from leanxl.xlsx import cached_values

    src = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    for r in range(1, 301):
        if r % 7:
            ws.cell(r, 1, r)
            ws.cell(r, 2, f"=A{r}*2")
    wb.save(src)
    cells: dict[tuple[int, int], object] = {
        (r, 2): (True if r == 3 else float(r * 2)) if r % 7 else f"new {r}"
        for r in range(1, 301)}
    cells.update({(r, 4): CellError("#N/A", "") for r in range(50, 60)})
    cells[(305, 3)] = "after"
    cells[(10, 3)] = cells[(11, 3)] = "spilled"
    runs = ValueRuns()
    runs.add_run(2, 1, [cells[(r, 2)] for r in range(1, 121)])
    runs.add_run(2, 130, [cells[(r, 2)] for r in range(130, 301)])
    runs.add_run(4, 50, [cells[(r, 4)] for r in range(50, 60)])
    for pos, v in cells.items():
        if pos not in runs:
            runs[pos] = v
    assert dict(runs.items()) == cells and len(runs) == len(cells)
    spills = {"Leads": {"B10": "B10:C11"}}
    monkeypatch.setattr(cached_values, "PIECE_BYTES", piece_bytes)
    by_cell, by_run = tmp_path / "cells.xlsx", tmp_path / "runs.xlsx"
    write_cached_values(src, by_cell, {"Leads": cells}, spills)
    write_cached_values(src, by_run, {"Leads": runs}, spills)
    with zipfile.ZipFile(by_cell) as a, zipfile.ZipFile(by_run) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    got = openpyxl.load_workbook(by_run, data_only=True)["Leads"]
    assert [got.cell(r, 2).value for r in (2, 3, 7, 125, 300)] == [4, True, "new 7", 250, 600]
    assert got["D55"].value == "#N/A" and got["C305"].value == "after"
