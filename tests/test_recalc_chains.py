"""Chains of leanxl calls: ordered in linear time, without recursion; real cycles named."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from leanxl.errors import CellError
from leanxl.kpi import kpi_status
from leanxl.recalc import recalc_workbook
from leanxl.recalc.ordering import BoxIndex, postorder
from leanxl.xlsx.refs import column_letter
from tests.recalc_golden import cached_values, same


def _expected_chain(first: object, n: int) -> list[object]:
    """KPISTATUS(previous, 50) applied n times, by the plain Python rule."""
    out: list[object] = []
    value = first
    for _ in range(n):
        value = kpi_status(value, 50)
        out.append(value)
    return out


def _check_chain(out: Path, cells: list[str], first: object) -> None:
    got = cached_values(out)
    want = _expected_chain(first, len(cells))
    bad = [(a, got.get(("Sheet", a)), w) for a, w in zip(cells, want, strict=True)
           if not same(got.get(("Sheet", a)), w if not isinstance(w, CellError) else w)]
    assert not bad, f"{len(bad)} cells differ, e.g. {bad[:3]}"


@pytest.mark.slow
@pytest.mark.parametrize("direction", ["left_to_right", "right_to_left"])
def test_chain_of_3000_across_a_row(tmp_path: Path, direction: str) -> None:
    n = 3000
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet"
    if direction == "left_to_right":  # A1 = 60, B1 = f(A1), C1 = f(B1), ...
        ws["A1"] = 60
        cols = list(range(2, n + 2))
        for c in cols:
            ws.cell(1, c, f"=LEANXL_KPISTATUS({column_letter(c - 1)}1,50)")
    else:  # the value at the far right, each cell reads the one to its right
        ws.cell(1, n + 1, 60)
        cols = list(range(n, 0, -1))
        for c in cols:
            ws.cell(1, c, f"=LEANXL_KPISTATUS({column_letter(c + 1)}1,50)")
    src, out = tmp_path / "chain.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    report = recalc_workbook(src, out)
    assert report.ok, report.reason  # was RecursionError right to left
    _check_chain(out, [f"{column_letter(c)}1" for c in cols], 60)


def test_filled_down_kpistatus_chain_is_not_circular(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet"
    ws["A1"] = 60
    for r in range(2, 6):
        ws[f"A{r}"] = f"=LEANXL_KPISTATUS(A{r - 1},50)"
    src, out = tmp_path / "down.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    report = recalc_workbook(src, out)
    assert report.ok, report.reason  # was "circular reference between leanxl cells"
    _check_chain(out, [f"A{r}" for r in range(2, 6)], 60)


def test_real_cycle_names_its_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet"
    ws["A1"] = "=LEANXL_KPISTATUS(C1,50)"
    ws["B1"] = "=LEANXL_KPISTATUS(A1,50)"
    ws["C1"] = "=LEANXL_KPISTATUS(B1,50)"
    src, out = tmp_path / "cycle.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    report = recalc_workbook(src, out)
    assert not report.ok and "circular reference" in report.reason
    for cell in ("A1", "B1", "C1"):
        assert cell in report.reason, report.reason
    assert not out.exists()


def test_postorder_is_iterative_and_finds_cycles() -> None:
    n = 50_000  # far past Python's recursion limit
    deps = [{i - 1} if i else set() for i in range(n)]
    order, cycle = postorder(deps)
    assert cycle is None and order == list(range(n))
    deps[0] = {n - 1}
    _, cycle = postorder(deps)
    assert cycle is not None and cycle[0] == cycle[-1] and len(cycle) == n + 1


def test_box_index_matches_brute_force() -> None:
    import random

    rnd = random.Random(5)
    boxes = []
    index: BoxIndex[int] = BoxIndex()
    for k in range(400):
        r1, c1 = rnd.randint(1, 60), rnd.randint(1, 90)
        box = (rnd.randint(0, 1), r1, c1, r1 + rnd.choice([0, 0, 3, 40]),
               c1 + rnd.choice([0, 0, 2, 70]))
        boxes.append(box)
        index.add(box, k)
    for _ in range(300):
        r1, c1 = rnd.randint(1, 70), rnd.randint(1, 100)
        q = (rnd.randint(0, 1), r1, c1, r1 + rnd.randint(0, 20), c1 + rnd.randint(0, 20))
        want = [k for k, b in enumerate(boxes) if b[0] == q[0] and b[1] <= q[3]
                and q[1] <= b[3] and b[2] <= q[4] and q[2] <= b[4]]
        assert index.query(q) == want
