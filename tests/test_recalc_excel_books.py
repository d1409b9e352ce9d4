"""recalc on what books saved by Excel hold: data tables, cm/vm attributes, partless sheets,
LibreOffice's error numbers, booleans LibreOffice gives as 1/0 — through real LibreOffice."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from leanxl.recalc import recalc_workbook
from leanxl.recalc.book import read_book
from leanxl.recalc.engine import EngineError, LibreOfficeEngine, libreoffice_available
from tests import excel_corpus as corpus
from tests.recalc_golden import ensure_registry

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not libreoffice_available(),
                       reason="needs soffice and python3-uno (scripts/setup.sh)"),
]
BOOKS = corpus.CORPUS


@pytest.fixture(scope="module")
def engine():
    ensure_registry()
    eng = LibreOfficeEngine()
    yield eng
    eng.shutdown()


def _recalc_stale(name: str, tmp_path: Path, engine) -> tuple[corpus.Book, corpus.Book]:
    """Excel's book, and leanxl's recalculation of a copy whose cached values are stale."""
    source = BOOKS / name
    excel = corpus.read_package(source)
    stale = tmp_path / name
    corpus.make_stale(source, stale, excel.computed)
    out = tmp_path / f"out-{name}"
    report = recalc_workbook(stale, out, engine=engine)
    assert report.ok, report.reason
    return excel, corpus.read_package(out)


@pytest.mark.parametrize("name", ["closedxml__one-variable.xlsx", "closedxml__multi-table.xlsx",
                                  "closedxml__DataTableFormula-Excel-Input.xlsx"])
def test_every_cell_of_a_data_table_gets_a_fresh_value(name: str, tmp_path: Path,
                                                        engine) -> None:
    excel, ours = _recalc_stale(name, tmp_path, engine)
    cells = [k for k in excel.computed if excel.values.get(k) is not None]
    assert len(cells) > 5
    bad = {k: (excel.values[k], ours.values.get(k)) for k in cells
           if not corpus.same(excel.values[k], ours.values.get(k))}
    assert not bad, f"{len(bad)} cells, e.g. {list(bad.items())[:5]}"


def test_a_one_variable_table_follows_its_new_inputs(tmp_path: Path, engine) -> None:
    # The table's row inputs change; every result cell must follow, not only the master.
    src = BOOKS / "closedxml__one-variable.xlsx"
    before = corpus.read_package(src)
    table = sorted(k for k in before.computed if k[0] == "One-Var" and k[2] == 2 and k[1] >= 5)
    assert len(table) == 7  # B5:B11, the master and six plain cells
    changed = tmp_path / "changed.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(changed, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":  # the inputs A5:A11, times 10
                data = re.sub(rb'(<c r="A(?:[5-9]|1[01])" s="2"><v>)(\d+)(</v>)',
                              lambda m: m.group(1) + str(int(m.group(2)) * 10).encode()
                              + m.group(3), data)
            zout.writestr(info, data)
    out = tmp_path / "out.xlsx"
    assert recalc_workbook(changed, out, engine=engine).ok
    after = corpus.read_package(out)
    moved = [k for k in table if not corpus.same(before.values[k], after.values.get(k))]
    assert len(moved) == len(table), (table, [after.values.get(k) for k in table])


def test_cm_and_vm_of_excel_cells_are_kept(tmp_path: Path, engine) -> None:
    for name in ("xlsxwriter__dynamic_array01.xlsx", "closedxml__CubeFromRange-Input.xlsx",
                 "sheetjs__metadata_2019.xlsx"):
        excel, ours = _recalc_stale(name, tmp_path, engine)
        kept = [(k, a) for k, attrs in excel.attrs.items() for a in ("cm", "vm") if a in attrs]
        assert kept
        lost = [(k, a) for k, a in kept if ours.attrs.get(k, {}).get(a) != excel.attrs[k][a]]
        assert not lost, (name, lost[:5])


def test_a_book_listing_a_sheet_without_a_part_recalculates(tmp_path: Path, engine) -> None:
    name = "closedxml__tdf111974.xlsm"
    with zipfile.ZipFile(BOOKS / name) as z:
        assert b'r:id=""' in z.read("xl/workbook.xml")
    excel, ours = _recalc_stale(name, tmp_path, engine)
    cells = [k for k in excel.computed if excel.values.get(k) is not None]
    assert len(cells) > 500
    bad = [k for k in cells if not corpus.same(excel.values[k], ours.values.get(k))]
    assert not bad, bad[:5]


ERROR_FORMULAS = ["=1/0", "=NA()", "=SQRT(-1)", '="a"+1', "=FOOBAR(1)", "=RATE(1,1,1)",
                  "=INDEX(A1:A2,5)", "=IRR(B1:B2)", "=TEXT(1,1,1)", "=ACOS(2)",
                  "=MATCH(1,{2,3},0)", "=1E308*10"]


def test_both_read_paths_give_one_error_code(tmp_path: Path, engine) -> None:
    # Direct (error numbers through UNO) and through LibreOffice's xlsx export must agree:
    # RATE/IRR without convergence (523) was #NUM! one way and #N/A the other.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B1"], ws["B2"] = 1, 1
    for i, f in enumerate(ERROR_FORMULAS, 1):
        ws.cell(i, 3, f)
    path = tmp_path / "errors.xlsx"
    wb.save(path)
    book = read_book(path)
    engine.open(path)
    try:
        engine.calculate()
        cells = sorted(book.sheets[0].formulas)
        direct = engine.error_codes(0, cells)
        exported = engine._stored_results(book)[0]
    finally:
        engine.close_book()
    assert [exported[c].code for c in cells] == direct
    assert direct[5] == "#N/A"  # what LibreOffice's export writes for 523


def test_libreoffice_that_cannot_load_a_book_says_so_plainly(tmp_path: Path, engine) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is no workbook")
    with pytest.raises(EngineError) as info:
        engine.open(bad)
    assert "LibreOffice cannot load this workbook" in str(info.value)
    assert "Exception" not in str(info.value)


def test_boolean_formulas_are_stored_as_booleans(tmp_path: Path, engine) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = 3, 0
    formulas = {"B1": "=A1>2", "B2": "=AND(A1>1,A2=0)", "B3": "=ISNUMBER(A1)",
                "B4": "=IF(A1>5,TRUE,FALSE)", "B5": "=(A1>2)*1", "B6": "=A2", "B7": "=NOT(A2)",
                "B8": "=CEILING(A1,1)=A1"}
    for ref, f in formulas.items():
        ws[ref] = f
        ws[ref].number_format = "0.00"  # a number format: LibreOffice then gives 1/0
    src, out = tmp_path / "logical.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    assert recalc_workbook(src, out, engine=engine).ok
    got = {ref: c.value for ref, c in zip(
        formulas, openpyxl.load_workbook(out, data_only=True).active["B1":"B8"], strict=True)
        for c in c}
    assert got == {"B1": True, "B2": True, "B3": True, "B4": False, "B5": 1, "B6": 0,
                   "B7": True, "B8": True}
    assert all(type(got[r]) is bool for r in ("B1", "B2", "B3", "B4", "B7", "B8"))
