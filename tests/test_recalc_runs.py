"""Formula cells kept as runs (a formula filled down is one record): every cell's own formula
comes back, and fills broken in the middle, edited cells, shared and array formulas inside a
fill recalculate as their own text says — through the real ``leanxl recalc`` and LibreOffice."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from leanxl.cli import main
from leanxl.errors import CellError
from leanxl.recalc.book import read_book
from leanxl.recalc.engine import covering_blocks, libreoffice_available
from leanxl.recalc.runs import Fill, FormulaCell, FormulaRuns
from tests.recalc_golden import expected_fit, same

ROWS = range(2, 42)
EQUAL = [1.0] * 10


def _book(path: Path) -> tuple[Path, dict[str, Any]]:
    """Fills broken every way a user breaks them; returns the book and its expected values."""
    rng = random.Random(7)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    want: dict[str, Any] = {}
    factors = {r: [rng.randint(1, 5) for _ in range(10)] for r in ROWS}
    for r in ROWS:
        ws[f"A{r}"] = r * 1.5
        for j, v in enumerate(factors[r]):
            ws.cell(row=r, column=2 + j, value=v)
        ws[f"L{r}"] = f"=LEANXL_FIT(B{r}:K{r})"
        ws[f"M{r}"] = f"=A{r}*2"
        ws[f"N{r}"] = f"=L{r}>=50"
        ws[f"O{r}"] = f"=A{r}*0+1"  # 1, not TRUE: its text gives no boolean
        ws[f"P{r}"] = f"=LEANXL_FIT(Q{r}:Z{r})"  # reads standard formulas: a second pass
        for j in range(10):
            ws.cell(row=r, column=17 + j, value=f"={chr(66 + j)}{r}")
        ws[f"AA{r}"] = f"=A{r}+1"  # made a shared formula below
        ws[f"AB{r}"] = f"=LEANXL_FIT(B{r}:K{r})"  # made a shared formula below
        ws[f"AC{r}"] = f"=A{r}+5"
    ws["L9"] = "=LEANXL_FIT(B10:K10)"  # another text in the middle of the fill
    ws["L20"] = 7  # an edited cell: a value, no formula
    ws["M12"] = "=A12*3"
    ws["M5"] = "=A05*2"  # a row number written with a leading zero
    ws["M30"] = "text"
    ws["N25"] = "=L25*0"  # a number where the fill gives booleans
    ws["Q17"] = "=C17"  # a standard formula the leanxl cell reads, edited
    ws["AC5"] = ArrayFormula("AC5:AC6", "=A5:A6*2")  # an array formula inside a fill
    del ws["AC6"]
    wb.save(path)
    _share(path, "AA", "A{r}+1", edited={10: "A10+100"})
    _share(path, "AB", "LEANXL_FIT(B{r}:K{r})", edited={15: "LEANXL_FIT(B16:K16)"})
    for r in ROWS:
        a = r * 1.5
        fit = expected_fit(factors[r], EQUAL)
        want[f"L{r}"] = fit
        want[f"M{r}"] = a * 2
        want[f"N{r}"] = fit >= 50
        want[f"O{r}"] = 1
        row = list(factors[r])
        if r == 17:
            row[0] = factors[17][1]
        want[f"P{r}"] = expected_fit(row, EQUAL)
        want[f"AA{r}"] = a + 1
        want[f"AB{r}"] = fit
        want[f"AC{r}"] = a + 5
    want["L9"] = expected_fit(factors[10], EQUAL)
    want["AB15"] = expected_fit(factors[16], EQUAL)
    want["L20"] = 7
    want["N20"] = False  # 7 >= 50
    want["M12"] = 12 * 1.5 * 3
    want["M30"] = "text"
    want["N25"] = 0
    want["AA10"] = 10 * 1.5 + 100
    want["AC5"], want["AC6"] = 5 * 1.5 * 2, 6 * 1.5 * 2
    return path, want


def _share(path: Path, col: str, text: str, edited: dict[int, str]) -> None:
    """Store a column as Excel does a filled-down formula: a master and dependants without
    text; the ``edited`` rows (as a user edits a cell of the range) keep their own formula."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    sheet = parts[name].decode()
    first, last = ROWS[0], ROWS[-1]

    def repl(m: re.Match[str]) -> str:
        r = int(m.group(1))
        if r in edited:
            return f'<c r="{col}{r}"><f>{edited[r]}</f></c>'
        if r == first:
            return (f'<c r="{col}{r}"><f t="shared" ref="{col}{first}:{col}{last}" si="{col}">'
                    f'{text.format(r=r)}</f></c>')
        return f'<c r="{col}{r}"><f t="shared" si="{col}"/></c>'

    sheet, n = re.subn(rf'<c r="{col}([0-9]+)"><f>[^<]*</f><v\s*/></c>', repl, sheet)
    assert n == len(ROWS)
    parts[name] = sheet.replace(' si="AA"', ' si="0"').replace(' si="AB"', ' si="1"').encode()
    with zipfile.ZipFile(path, "w") as z:
        for part, data in parts.items():
            z.writestr(part, data)


def test_runs_give_back_every_cells_own_formula(tmp_path: Path) -> None:
    path, _ = _book(tmp_path / "fills.xlsx")
    stored = read_book(path).sheets[0].formulas
    plain = openpyxl.load_workbook(path)["Leads"]
    for row in plain.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("=") and c.column <= 26:
                assert stored[(c.row, c.column)] == c.value[1:], c.coordinate
    assert stored[(5, 13)] == "A05*2"
    assert (20, 12) not in stored and (30, 13) not in stored
    assert len(stored) == 40 * 18 - 3  # 18 formula columns; two values, AC6 in an array
    # one record per unbroken stretch of a fill, not one per cell
    runs = [(col, r1, r2) for col, r1, r2, _ in stored.runs()]
    assert [(r1, r2) for col, r1, r2 in runs if col == 13] == [
        (2, 4), (5, 11), (12, 12), (13, 29), (31, 41)]
    assert len(runs) < 80
    shared = {(r1, r2): e for col, r1, r2, e in stored.runs() if col == 27}
    assert list(shared) == [(2, 2), (3, 9), (10, 10), (11, 41)]
    child = stored[(11 + 5, 27)]
    assert isinstance(child, FormulaCell) and (child.row, child.col, child.si) == (16, 27, "0")


def test_runs_in_any_row_order() -> None:
    runs = FormulaRuns()
    for r in (5, 6, 7, 3, 9, 8):
        runs.add_text(r, 2, f"A{r}+1")
    runs.add_cell(FormulaCell(4, 2, None, "shared", None, "0"))
    assert dict(runs) == {(r, 2): f"A{r}+1" for r in (3, 5, 6, 7, 8, 9)} | {
        (4, 2): FormulaCell(4, 2, None, "shared", None, "0")}
    assert (10, 2) not in runs and (5, 3) not in runs and len(runs) == 7
    fill = Fill("SUM($A$1:A07)&A7", 7)
    assert fill.text_at(7) == "SUM($A$1:A07)&A7" and fill.text_at(9) == "SUM($A$1:A9)&A9"
    # rows at different distances (the general way), none at all, one above
    assert Fill("A6+B7*C18", 7).text_at(10) == "A9+B10*C21"
    assert Fill("$A$1*2", 7).text_at(12) == "$A$1*2"
    assert Fill("LEANXL_FIT(B6:K6,Weights)", 7).text_at(3) == "LEANXL_FIT(B2:K2,Weights)"



@pytest.mark.parametrize("layout", ["dense", "far apart", "odd order"])
def test_blocks_from_runs_are_the_blocks_of_their_cells(layout: str) -> None:
    """The engine reads formula results in the blocks ``covering_blocks`` gives; from runs it
    takes their bounds instead of a key per cell, and must give the very same blocks."""
    runs = FormulaRuns()
    cells = {"dense": [(r, c) for c in (12, 13, 17) for r in range(2, 3000)],
             "far apart": [(1, 1), (2, 1), (1_048_576, 16_384), (70_000, 300)],
             "odd order": [(r, c) for c in (30, 4) for r in (900, 5, 6, 7, 3, 800)]}[layout]
    for r, c in cells:
        runs.add_text(r, c, f"A{r}+1")
    assert runs.bounds() == (min(r for r, _ in cells), min(c for _, c in cells),
                             max(r for r, _ in cells), max(c for _, c in cells))
    assert covering_blocks(runs) == covering_blocks(set(cells))
    assert FormulaRuns().bounds() is None and covering_blocks(FormulaRuns()) == []
@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice_available(),
                    reason="needs soffice and python3-uno (scripts/setup.sh)")
def test_broken_fills_recalculate_cell_by_cell(tmp_path: Path) -> None:
    path, want = _book(tmp_path / "fills.xlsx")
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(path), "-o", str(out), "-q"]) == 0
    got = openpyxl.load_workbook(out, data_only=True)["Leads"]
    bad = {k: (got[k].value, v) for k, v in want.items() if not same(got[k].value, v)}
    assert not bad, f"{len(bad)} cells differ, e.g. {list(bad.items())[:5]}"
    formulas = openpyxl.load_workbook(out)["Leads"]
    assert formulas["L9"].value == "=LEANXL_FIT(B10:K10)"
    assert formulas["M5"].value == "=A05*2" and formulas["L20"].value == 7


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice_available(),
                    reason="needs soffice and python3-uno (scripts/setup.sh)")
def test_results_skip_leanxl_runs_and_keep_every_other_value(tmp_path: Path) -> None:
    """LibreOffice's results are not read for runs made only of leanxl cells (leanxl sets
    those itself): runs above the first standard formula, a column alternating leanxl and
    standard runs, leanxl errors, and a sheet of leanxl cells alone all keep their values."""
    rng = random.Random(11)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    only = wb.create_sheet("Only")
    want: dict[tuple[str, str], Any] = {}
    rows = range(2, 61)
    factors = {r: [rng.randint(1, 5) for _ in range(10)] for r in rows}
    for r in rows:
        ws[f"A{r}"] = r * 1.5
        for j, v in enumerate(factors[r]):
            ws.cell(row=r, column=2 + j, value=v)
        fit = expected_fit(factors[r], EQUAL)
        ws[f"L{r}"] = f"=LEANXL_FIT(B{r}:K{r})"
        want["Leads", f"L{r}"] = fit
        if r >= 30:  # the first standard formula is far below the first leanxl run
            ws[f"M{r}"] = f"=A{r}*2"
            want["Leads", f"M{r}"] = r * 3.0
        if 21 <= r <= 40:  # a standard run between two leanxl runs of one column
            ws[f"N{r}"] = f"=L{r}>=50"
            want["Leads", f"N{r}"] = fit >= 50
        else:
            ws[f"N{r}"] = f"=LEANXL_FIT(B{r}:K{r})"
            want["Leads", f"N{r}"] = fit
        bad = r % 7 == 0  # a leanxl error, read by a standard formula beside it
        ws[f"O{r}"] = f"=LEANXL_FIT({'A' if bad else 'B'}{r}:{'J' if bad else 'K'}{r})"
        # A is r * 1.5: a whole number out of 1..5 is #NUM!, a fraction #VALUE!
        want["Leads", f"O{r}"] = (CellError("#VALUE!" if r % 2 else "#NUM!", "") if bad
                                  else fit)
        if r >= 10:  # every standard formula below row 10: the leanxl runs start above
            ws[f"P{r}"] = f"=ISERROR(O{r})"
            want["Leads", f"P{r}"] = bad
    for r in range(1, 6):  # a sheet whose formulas are all leanxl's: nothing to read there
        for j, v in enumerate(factors[r + 1]):
            only.cell(row=r, column=1 + j, value=v)
        only[f"K{r}"] = f"=LEANXL_FIT(A{r}:J{r})"
        want["Only", f"K{r}"] = expected_fit(factors[r + 1], EQUAL)
    wb.save(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(tmp_path / "in.xlsx"), "-o", str(out), "-q"]) == 0
    got = openpyxl.load_workbook(out, data_only=True)
    bad_cells = {k: (got[k[0]][k[1]].value, v) for k, v in want.items()
                 if not same(got[k[0]][k[1]].value, v)}
    assert not bad_cells, f"{len(bad_cells)} cells differ, e.g. {list(bad_cells.items())[:5]}"


def test_repeated_numbers_of_a_block_share_one_float_and_keep_their_value() -> None:
    import math

    from leanxl.recalc.evaluate import SHARE_FROM_CELLS, _share_numbers

    n = SHARE_FROM_CELLS // 10 + 1
    rows: list[list[Any]] = [[float(1 + (r + c) % 5) for c in range(10)] for r in range(n)]
    rows[3][:6] = [-0.0, 0.0, math.nan, True, 2, "5.0"]
    before = [list(r) for r in rows]
    small = [list(r) for r in rows[: SHARE_FROM_CELLS // 10 - 1]]
    _share_numbers(small)  # a smaller block is left as it is
    assert len({id(v) for r in small[4:] for v in r}) == 10 * (len(small) - 4)
    _share_numbers(rows)
    assert len({id(v) for r in rows[4:] for v in r}) == 5  # one object a value
    assert math.copysign(1, rows[3][0]) == -1 and math.isnan(rows[3][2])
    assert [type(v) for v in rows[3][:6]] == [float, float, float, bool, int, str]
    assert all(a == b or (a != a and b != b) for r, s in zip(rows, before, strict=True)
               for a, b in zip(r, s, strict=True))


def test_value_runs_are_a_mapping_of_cells() -> None:
    """Values by run: look-ups and setting through the runs, cells beside them, a run right
    under another joins it, overlapping runs refused."""
    from leanxl.recalc.runs import ValueRuns, value_runs

    v = ValueRuns()
    v.add_run(3, 2, [1.0, 2.0])
    v.add_run(3, 4, [3.0])  # joins the run above
    v.add_run(3, 10, ["x"])
    v[(20, 3)] = "beside"
    v[(3, 3)] = 9.0  # set in its run
    assert dict(v) == {(2, 3): 1.0, (3, 3): 9.0, (4, 3): 3.0, (10, 3): "x", (20, 3): "beside"}
    assert list(v.segments()) == [(3, 2, [1.0, 9.0, 3.0]), (3, 10, ["x"])]
    assert (5, 3) not in v and v.get((5, 3)) is None and v.setdefault((5, 3)) is None
    assert (5, 3) in v and len(v) == 6 and v == dict(v.items())
    with pytest.raises(ValueError):
        v.add_run(3, 10, [0.0])
    runs = FormulaRuns()
    for r in range(2, 6):
        runs.add_text(r, 1, f"=B{r}")
    got = value_runs({(2, 1): 1, (3, 1): 2, (5, 1): 4, (1, 9): "x"}, runs)
    assert list(got.segments()) == [(1, 2, [1, 2]), (1, 5, [4])]
    assert dict(got.extra_items()) == {(1, 9): "x"} and (4, 1) not in got
