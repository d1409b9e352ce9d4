"""The registry's own contracts: names, shapes, row stacking, threads."""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leanxl import functions
from leanxl.errors import CellError
from leanxl.rules.cache import TABLES
from tests.excel.cases import CASES, OMIT, QUALIFY, merged


def test_call_accepts_every_spelling() -> None:
    expected = [["At risk"]]
    for name in ("KPISTATUS", "kpistatus", "LEANXL_KPISTATUS", "LEANXL.KPISTATUS"):
        assert functions.call(name, 95, 100) == expected


def test_call_unknown_name_says_what_exists() -> None:
    from leanxl.errors import ArgumentError

    with pytest.raises(ArgumentError, match="did you mean LEANXL_KPITREND"):
        functions.call("LEANXL_KPITREN", [[1, 2]])


@pytest.mark.parametrize(
    ("raw", "rows"),
    [
        (5, [[5]]),
        (None, [[None]]),
        ([1, 2], [[1, 2]]),
        ((1, 2), [[1, 2]]),
        (((1,), (2,)), [[1], [2]]),
        ([[1, 2], [3, 4]], [[1, 2], [3, 4]]),
        ([], [[None]]),
    ],
)
def test_as_rows(raw: Any, rows: Any) -> None:
    assert functions.as_rows(raw) == rows


def _rowwise_cases() -> list[Any]:
    out = []
    for case in CASES:
        fn = functions.REGISTRY[case.func]
        stack = [i for i, p in enumerate(fn.params) if p.rowwise and i < len(case.args)]
        args = case.args
        if not stack or any(a is OMIT for a in args):
            continue
        heights = {len(args[i]) for i in stack if isinstance(args[i], list)}
        if len(heights) == 1 and heights.pop() > 1 and all(
                isinstance(args[i], list) for i in stack):
            out.append(pytest.param(case, id=case.id))
    return out


@pytest.mark.parametrize("case", _rowwise_cases())
def test_rowwise_rows_can_be_stacked(case: Any) -> None:
    """What recalc relies on: calling on N stacked rows = N one-row calls, concatenated."""
    if not merged(case.needs):
        pytest.skip(f"leanxl.{case.needs} is not merged yet")
    fn = functions.REGISTRY[case.func]
    rowwise = {i for i, p in enumerate(fn.params) if p.rowwise}
    whole = functions.call(case.func, *case.args)
    n = len(case.args[min(rowwise)])
    pieces = []
    for r in range(n):
        args = [a[r:r + 1] if i in rowwise and isinstance(a, list) else a
                for i, a in enumerate(case.args)]
        pieces.extend(functions.call(case.func, *args))
    width = max(len(row) for row in whole)
    assert whole == [row + [None] * (width - len(row)) for row in pieces] or whole == pieces


# --- the int8 fast path gives what the scoring API's full cell check gives -------------------

_CELLS = [None, 0, 1, 2, 3, 4, 5, 6, 1.0, 5.0, 2.5, -1, "x", "3", True, False, float("nan")]


def _expected_fit(rows: list[list[Any]]) -> list[Any]:
    from leanxl import scoring

    values, errors = scoring.fit(rows, return_errors=True)  # lists: the per-cell checked path
    return [errors[i].code if i in errors else None if math.isnan(v) else v  # NaN: spare row
            for i, v in enumerate(values.tolist())]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_CELLS), min_size=10, max_size=10),
                min_size=1, max_size=24))
def test_fast_path_agrees_with_cell_checks(rows: list[list[Any]]) -> None:
    got = [c.code if isinstance(c, CellError) else c
           for [c] in functions.call("FIT", rows)]
    want = _expected_fit(rows)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == w or (isinstance(w, float) and g == pytest.approx(w)), (rows, got, want)


def test_decide_from_many_threads() -> None:
    """Concurrent cells on two tables: every answer right, each table compiled once."""
    if not merged("rules"):
        pytest.skip("leanxl.rules is not merged yet")
    TABLES.clear()
    headers = [["buyer_maturity", "buyer_influence", "price_sensitivity"]]
    flipped = [list(r) for r in QUALIFY]
    flipped[2][3], flipped[3][3] = "Nurture", "Qualified"  # swap the two decisions
    # hand-read from the tables: [1,1,1] fires rule 1, [3,5,2] rule 2, [5,5,5] rule 3
    want = {0: ["Qualified", "Nurture", "Disqualified"],
            1: ["Nurture", "Qualified", "Disqualified"]}
    inputs = [[1, 1, 1], [3, 5, 2], [5, 5, 5]]
    failures: list[Any] = []
    barrier = threading.Barrier(6)

    def work(k: int) -> None:
        barrier.wait()
        for j in range(40):
            t = (k + j) % 2
            table = [list(r) for r in (QUALIFY if t == 0 else flipped)]
            i = j % 3
            got = functions.call("DECIDE", table, [inputs[i]], headers, "status")
            if got != [[want[t][i]]]:
                failures.append((t, i, got))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert TABLES.misses == 2 and TABLES.hits == 6 * 40 - 2


_POOLS = {
    "whole numbers": [1, 2, 3, 4, 5],
    "messy": [1, 2, 3, 4, 5, None, "x", True, False, 2.5, "3", 0, 7, 1.0],
    "messy, no TRUE/FALSE": [1, 2, 3, 4, 5, None, "x", 2.5, "3", 0, 7, 1.0],
}


@pytest.mark.parametrize("pool", list(_POOLS))
@pytest.mark.parametrize("table_name", ["QUALIFY", "COLLECT", "UNIQUE_OVERLAP"])
def test_big_decide_matches_row_by_row(pool: str, table_name: str) -> None:
    """>= 256 rows go through the vectorised path: each row as when decided alone."""
    if not merged("rules"):
        pytest.skip("leanxl.rules is not merged yet")
    import random

    from tests.excel import cases

    table = getattr(cases, table_name)
    headers = [[h.removeprefix("IN ") for h in table[1] if str(h).startswith("IN ")]]
    rng = random.Random(f"{pool}-{table_name}")
    rows = [[rng.choice(_POOLS[pool]) for _ in headers[0]] for _ in range(300)]
    whole = functions.call("DECIDE", table, rows, headers)
    assert len(whole) == len(rows)
    for r, row in enumerate(rows):
        [alone] = functions.call("DECIDE", table, [row], headers)
        if isinstance(alone[0], CellError):  # an error fills the row's spill
            assert whole[r] == [alone[0]] * len(whole[r]), (row, whole[r], alone)
        else:
            assert whole[r] == alone + [None] * (len(whole[r]) - len(alone)), (row, alone)


# --- one definition of blank (leanxl.values.is_blank) ----------------------------------------

_BLANK_ROWS = {"spaces": ["   "] * 10, "empty text": [""] * 10, "None": [None] * 10,
               "NaN": [math.nan] * 10, "mixed": [None, "", " ", math.nan] + [None] * 6}


@pytest.mark.parametrize("blank", list(_BLANK_ROWS))
def test_row_with_no_factor_gives_a_blank_cell(blank: str) -> None:
    # Regression (issue 9): LEANXL_FIT of a row of spaces gave #DIV/0!, of "" a blank cell.
    rows = [[1] * 10, _BLANK_ROWS[blank], [5] * 10]
    assert functions.call("LEANXL_FIT", rows) == [[100.0], [None], [0.0]]
    profiles = [[1] * 10, [5] * 10]
    names = [["Best"], ["Worst"]]
    assert functions.call("BESTPROFILE", rows, profiles, names) == [["Best"], [None], ["Worst"]]
    assert functions.call("BESTMATCH", rows, profiles) == [[100.0], [None], [100.0]]
    assert functions.call("MATCH", rows, [[1] * 10]) == [[100.0], [None], [0.0]]


def test_fit_weight_zero_and_match_nothing_in_common_stay_div0() -> None:
    [[cell]] = functions.call("FIT", [[1] * 5 + ["  "] * 5], [[0] * 5 + [1] * 5])
    assert isinstance(cell, CellError) and cell.code == "#DIV/0!"
    [[cell]] = functions.call("MATCH", [[1] * 5 + [None] * 5], [[None] * 5 + [1] * 5])
    assert isinstance(cell, CellError) and cell.code == "#DIV/0!"


def test_spaces_are_blank_in_scalar_and_kpi_arguments() -> None:
    assert functions.call("FIT", [[5] * 10], None, "  ") == [[0.0]]  # scale_max blank: 5
    assert functions.call("KPITREND", [["  ", "", None]]) == [[None]]


def test_mix_and_refresh_share_one_yes_no_vocabulary() -> None:
    # LEANXL_MIX used to reject "ja" and "1" that refresh accepted from a CRM export.
    from leanxl.values import FALSE_WORDS, TRUE_WORDS

    for word in sorted(TRUE_WORDS):
        assert functions.call("LEANXL_MIX", word, word, word) == [["Sweet spot"]], word
    for word in sorted(FALSE_WORDS):
        assert functions.call("LEANXL_MIX", word, word, word) == [["Outside"]], word
