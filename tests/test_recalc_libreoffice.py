"""recalc on LibreOffice: golden workbooks reopened and checked cell by cell."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from leanxl.cli import main
from leanxl.recalc import recalc_workbook, recalc_workbooks
from leanxl.recalc.engine import LibreOfficeEngine, libreoffice_available
from tests.recalc_golden import (
    build_golden,
    cached_values,
    ensure_registry,
    make_stale,
    same,
    to_xlsm,
)

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not libreoffice_available(),
                       reason="needs soffice and python3-uno (scripts/setup.sh)"),
]


@pytest.fixture(scope="module")
def engine():  # one soffice for the module, as a batch worker would use it
    ensure_registry()
    eng = LibreOfficeEngine()
    yield eng
    eng.shutdown()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rewrite(src: Path, dst: Path, old: str, new: str) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(old.encode(), new.encode())
            zout.writestr(info, data)


def _check(out: Path, expected: dict) -> None:
    got = cached_values(out)
    bad = {k: (got.get(k), v) for k, v in expected.items() if not same(got.get(k), v)}
    assert not bad, f"{len(bad)} cells differ, e.g. {list(bad.items())[:4]}"


def test_golden_book_both_directions_stale_values_replaced(tmp_path: Path, engine) -> None:
    src = tmp_path / "golden.xlsx"
    expected = build_golden(src)
    make_stale(src)  # every formula cell now caches 999
    before = _digest(src)
    out = tmp_path / "out.xlsx"
    report = recalc_workbook(src, out, engine=engine)
    assert report.ok, report.reason
    assert report.passes >= 2  # leanxl -> standard -> leanxl needs a second pass
    assert _digest(src) == before  # the input is untouched
    _check(out, expected)
    # every formula cell got a fresh value: none of the stale 999s survived
    got = cached_values(out)
    formulas = openpyxl.load_workbook(out)
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    assert got[(ws.title, c.coordinate)] != 999, (ws.title, c.coordinate)


def test_formulas_styles_names_validation_kept(tmp_path: Path, engine) -> None:
    src = tmp_path / "golden.xlsx"
    build_golden(src)
    original = openpyxl.load_workbook(src)
    out = tmp_path / "out.xlsx"
    assert recalc_workbook(src, out, engine=engine).ok
    wb = openpyxl.load_workbook(out)
    for ws in original.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert wb[ws.title][c.coordinate].value == c.value  # formula text untouched
    leads = wb["Leads"]
    assert leads["A1"].font.bold
    assert leads["L2"].fill.fgColor.rgb.endswith("FFFF00")
    assert len(leads.data_validations.dataValidation) == 1
    assert len(list(leads.conditional_formatting)) == 1
    assert wb.defined_names["Weights"].attr_text == "Settings!$A$1:$J$1"


def test_xlsm_vba_kept_byte_identical(tmp_path: Path, engine) -> None:
    src = tmp_path / "golden.xlsx"
    expected = build_golden(src)
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(3000)
    xlsm = tmp_path / "macro.xlsm"
    to_xlsm(src, xlsm, vba)
    out = tmp_path / "out.xlsm"
    report = recalc_workbook(xlsm, out, engine=engine)
    assert report.ok, report.reason
    with zipfile.ZipFile(out) as z:
        assert z.read("xl/vbaProject.bin") == vba
    _check(out, expected)


def test_spill_stored_as_dynamic_array(tmp_path: Path, engine) -> None:
    from leanxl import functions
    from leanxl.functions import Param

    @functions.register("TESTSPILL", "rows x cols of i*10+j", Param("rows", ""),
                        Param("cols", ""))
    def _spill(rows: float, cols: float) -> list[list[float]]:
        return [[i * 10 + j for j in range(int(cols))] for i in range(int(rows))]

    try:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws["A1"] = "=LEANXL_TESTSPILL(3,2)"
        ws["D1"] = "=SUM(A1:B3)"  # a standard formula over the spilled cells
        ws["A6"] = "=LEANXL_TESTSPILL(2,2)"
        ws["B7"] = "in the way"
        src = tmp_path / "spill.xlsx"
        wb.save(src)
        out = tmp_path / "out.xlsx"
        assert recalc_workbook(src, out, engine=engine).ok
        got = cached_values(out)
        assert [got[("Sheet", a)] for a in ("A1", "B1", "A2", "B2", "A3", "B3")] == [
            0, 1, 10, 11, 20, 21]
        assert got[("Sheet", "D1")] == 63
        assert got[("Sheet", "A6")] == "#SPILL!"
        with zipfile.ZipFile(out) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert 't="array" ref="A1:B3"' in sheet and 'cm="1"' in sheet
        # recalculated again with a smaller result: the old spill range is cleared
        again = tmp_path / "again.xlsx"
        _rewrite(out, again, "LEANXL_TESTSPILL(3,2)", "LEANXL_TESTSPILL(2,1)")
        final = tmp_path / "final.xlsx"
        assert recalc_workbook(again, final, engine=engine).ok
        got = cached_values(final)
        assert [got[("Sheet", a)] for a in ("A1", "A2")] == [0, 10]
        assert all(got[("Sheet", a)] in (None, "") for a in ("B1", "B2", "A3", "B3"))
        assert got[("Sheet", "D1")] == 10
        with zipfile.ZipFile(final) as z:
            assert 't="array" ref="A1:A2"' in z.read("xl/worksheets/sheet1.xml").decode()
    finally:
        functions.REGISTRY.pop("TESTSPILL", None)


def test_cycle_through_standard_formulas_is_reported(tmp_path: Path, engine) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([3] * 9 + ["=IF(K1>50,5,1)", "=LEANXL_FIT(A1:J1)"])
    src = tmp_path / "cycle.xlsx"
    wb.save(src)
    report = recalc_workbook(src, tmp_path / "out.xlsx", engine=engine)
    assert not report.ok
    assert "Sheet!K1" in report.reason and "circular" in report.reason, report.reason
    assert not (tmp_path / "out.xlsx").exists()


def test_batch_with_a_corrupt_file_and_cli_exit_code(tmp_path: Path, capsys,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ensure_registry()
    inputs = tmp_path / "in"
    inputs.mkdir()
    expected = build_golden(inputs / "a.xlsx", n=4)
    build_golden(inputs / "b.xlsx", n=4)
    (inputs / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    out = tmp_path / "out"
    monkeypatch.delenv("LEANXL_KERNELS", raising=False)  # the user's choice: none
    code = main(["recalc", str(inputs), "--out-dir", str(out), "--jobs", "2", "-q"])
    assert code == 1
    # The command scores with numpy's kernels, and leaves the caller's environment as it was
    # (it once forced numpy on every later test of the session and on their subprocesses).
    assert "LEANXL_KERNELS" not in os.environ
    err = capsys.readouterr().err
    assert "broken.xlsx" in err and "2 of 3 workbooks recalculated, 1 failed" in err
    assert sorted(p.name for p in out.iterdir()) == ["a.xlsx", "b.xlsx"]
    _check(out / "a.xlsx", expected)


def test_in_place_and_glob(tmp_path: Path) -> None:
    ensure_registry()
    src = tmp_path / "book.xlsx"
    expected = build_golden(src, n=3)
    make_stale(src)
    reports = recalc_workbooks([str(tmp_path / "*.xlsx")], in_place=True, progress=False)
    assert [r.ok for r in reports] == [True]
    _check(src, expected)


def test_dask_local_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    ensure_registry()
    expected = {}
    for name in ("a", "b"):
        expected[name] = build_golden(tmp_path / f"{name}.xlsx", n=3)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        reports = recalc_workbooks([tmp_path / "a.xlsx", tmp_path / "b.xlsx"],
                                   out_dir=tmp_path / "out", client=client, progress=False)
    assert [r.ok for r in reports] == [True, True], [r.reason for r in reports]
    for name in ("a", "b"):
        _check(tmp_path / "out" / f"{name}.xlsx", expected[name])


def test_typed_results_through_an_xlsx_save(tmp_path: Path, engine, monkeypatch) -> None:
    # Many errors / TRUE-FALSE cells make the engine read types from one xlsx save instead.
    from leanxl.recalc import engine as engine_module

    monkeypatch.setattr(engine_module, "ASK_LIMIT", 0)
    src = tmp_path / "golden.xlsx"
    expected = build_golden(src)
    out = tmp_path / "out.xlsx"
    assert recalc_workbook(src, out, engine=engine).ok
    _check(out, expected)


def test_reads_in_bands_of_rows(tmp_path: Path, engine, monkeypatch) -> None:
    # A full sheet is read from LibreOffice in bands of rows; tiny bands here: every read of
    # the golden book (inputs, results) is cut in several, and the values are the same.
    from leanxl.recalc import engine as engine_module

    calls: list[str] = []
    call = engine._call
    monkeypatch.setattr(engine, "_call", lambda op, *a: (calls.append(op), call(op, *a))[1])
    src = tmp_path / "golden.xlsx"
    expected = build_golden(src)
    make_stale(src)
    assert recalc_workbook(src, tmp_path / "whole.xlsx", engine=engine).ok
    whole = calls.count("read")
    calls.clear()
    monkeypatch.setattr(engine_module, "READ_CELLS", 3)
    out = tmp_path / "out.xlsx"
    report = recalc_workbook(src, out, engine=engine)
    assert report.ok, report.reason
    _check(out, expected)
    assert calls.count("read") > whole + 10


def test_calls_inside_expressions(tmp_path: Path, engine) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([1] * 9 + [5, "=ROUND(_xludf.LEANXL_FIT(A1:J1),1)", "=LEANXL_FIT(A1:J1)", "=K1",
                         '=IF(LEANXL_FIT(A1:J1)>=LEANXL_FIT(A2:J2,,9),"a, b",0)'])
    ws.append([2] * 9 + ["=ROUND(K1/100*4,0)+1", '=COUNTIF(A1:J1,">1")+LEANXL_FIT(A2:J2)'])
    src = tmp_path / "nested.xlsx"
    wb.save(src)
    out = tmp_path / "out.xlsx"
    report = recalc_workbook(src, out, engine=engine)
    assert report.ok, report.reason
    got = cached_values(out)
    fit1 = 100 * (1 - 4 / 40)  # nine 1s and one 5 on 1..5
    j2 = round(round(fit1, 1) / 100 * 4) + 1  # a standard formula reading the nested cell
    fit2 = 100 * (1 - (9 * 1 + (j2 - 1)) / 40)  # nine 2s and j2
    fit2_s9 = 100 * (1 - (9 * 1 + (j2 - 1)) / 80)
    assert got[("Sheet", "K1")] == round(fit1, 1) and got[("Sheet", "L1")] == fit1
    assert got[("Sheet", "M1")] == round(fit1, 1)
    assert got[("Sheet", "N1")] == ("a, b" if fit1 >= fit2_s9 else 0)
    assert got[("Sheet", "J2")] == j2
    assert got[("Sheet", "K2")] == pytest.approx(1 + fit2)
    # the stored formulas are untouched
    formulas = openpyxl.load_workbook(out)["Sheet"]
    assert formulas["K1"].value == "=ROUND(_xludf.LEANXL_FIT(A1:J1),1)"


def test_true_false_constants_are_read_as_booleans(tmp_path: Path, engine) -> None:
    # Regression: LibreOffice imports xlsx TRUE/FALSE constants as =TRUE()/=FALSE() formulas
    # that read 0 once automatic calculation is off, which made every MIX "Outside".
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    rows = [(False, True, True), (True, True, True), (True, False, True), (False, False, False)]
    for r, flags in enumerate(rows, start=2):
        for j, flag in enumerate(flags, start=1):
            ws.cell(r, j, flag)
        ws.cell(r, 4, f"=LEANXL_MIX(A{r},B{r},C{r})")
    ws["F1"] = "=LEANXL_FIT(G1:P1)"  # another leanxl group evaluated (and written) first
    for j in range(10):
        ws.cell(1, 7 + j, 2)
    src, out = tmp_path / "flags.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    assert recalc_workbook(src, out, engine=engine).ok
    got = openpyxl.load_workbook(out, data_only=True)["Leads"]
    assert [got[f"D{r}"].value for r in range(2, 6)] == [
        "Uncaptured lead", "Sweet spot", "Lead deficit", "Outside"]
    assert got["F1"].value == 75.0  # 100 * (1 - 10 / 40)


def test_call_returning_a_row_inside_an_expression(tmp_path: Path, engine) -> None:
    # =MAX(LEANXL_MATCH(lead, profiles)): the call's row of P values goes back to the engine
    # as an array constant.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, "=MAX(LEANXL_MATCH(A1:J1,Profiles!A1:J2))"])
    ws.append([5] * 10 + ["=MIN(LEANXL_MATCH(A2:J2,Profiles!A1:J2))"])
    profiles = wb.create_sheet("Profiles")
    profiles.append([1] * 10)
    profiles.append([5] * 10)
    src, out = tmp_path / "nested-row.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    assert recalc_workbook(src, out, engine=engine).ok
    got = openpyxl.load_workbook(out, data_only=True)["Leads"]
    # lead 1 vs all-1: sum |a-1| = 9 -> 77.5; vs all-5: 31 -> 22.5. Lead 2: 0 and 100.
    assert got["K1"].value == 77.5
    assert got["K2"].value == 0


def test_recalc_of_the_demo_workbook_agrees_with_refresh(tmp_path: Path, engine) -> None:
    # The two paths that write cached values — `leanxl refresh` (Python API) and
    # `leanxl recalc` (registry + LibreOffice) — must agree on every cell of the demo book,
    # its 3000 leads and every standard formula that reads their results.
    from leanxl.demo import build_demo_workbook

    src = build_demo_workbook(tmp_path / "demo.xlsx")
    out = tmp_path / "recalc.xlsx"
    report = recalc_workbook(src, out, engine=engine)
    assert report.ok, report.reason
    assert report.leanxl_cells > 15000
    before, after = cached_values(src), cached_values(out)
    assert before.keys() == after.keys()
    bad = {k: (v, after[k]) for k, v in before.items() if not same(after[k], v)}
    assert not bad, f"{len(bad)} cells differ, e.g. {list(bad.items())[:4]}"
