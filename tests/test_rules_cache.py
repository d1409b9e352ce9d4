"""THE cache of decision tables (leanxl.rules.cache), through the real paths that use it."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from leanxl import functions, rules
from leanxl.errors import CellError, TableError
from leanxl.rules.cache import TABLES, content_key
from tests.excel.cases import QUALIFY

ONES = [["DECISION Hot", "FIRST"], ["IN score", "OUT hot"], ["<=2", 1], ["-", 0]]
BOOLS = [["DECISION Hot", "FIRST"], ["IN score", "OUT hot"], ["<=2", True], ["-", False]]
FLOATS = [["DECISION Hot", "FIRST"], ["IN score", "OUT hot"], ["<=2", 1.0], ["-", 0.0]]


def _decide(cells: list[list[Any]]) -> list[list[Any]]:
    return functions.call("LEANXL_DECIDE", [list(r) for r in cells], [[1], [5]], [["score"]])


def test_registry_tells_true_false_table_from_one_zero_table() -> None:
    # Regression (issue 9): after the 1/0 table, the TRUE/FALSE table returned 1.0/0.0.
    TABLES.clear()
    ones = _decide(ONES)
    bools = _decide(BOOLS)
    assert ones == [[1.0], [0.0]] and all(type(v) is float for [v] in ones)
    assert bools == [[True], [False]] and all(type(v) is bool for [v] in bools)
    assert _decide(ONES) == [[1.0], [0.0]]  # and back again
    assert type(_decide(ONES)[0][0]) is float


def test_load_tells_true_false_table_from_one_zero_table() -> None:
    TABLES.clear()
    assert rules.load(ONES).evaluate_rows({"score": [1, 5]}) == [[1.0], [0.0]]
    got = rules.load(BOOLS).evaluate_rows({"score": [1, 5]})
    assert got == [[True], [False]] and type(got[0][0]) is bool


def test_one_and_one_point_zero_are_the_same_table() -> None:
    TABLES.clear()
    assert rules.load(FLOATS) is rules.load(ONES)  # 1 and 1.0 are one number, as in Excel
    assert (TABLES.misses, TABLES.hits) == (1, 1)
    assert content_key(((True,),)) != content_key(((1,),))


def test_load_and_registry_share_one_cache() -> None:
    TABLES.clear()
    table = rules.load([list(r) for r in QUALIFY])
    headers = [["buyer_maturity", "buyer_influence", "price_sensitivity"]]
    assert functions.call("DECIDE", [list(r) for r in QUALIFY], [[1, 1, 1]], headers,
                          "status") == [["Qualified"]]
    assert rules.load([list(r) for r in QUALIFY]) is table
    assert (TABLES.misses, TABLES.hits) == (1, 2)


def test_name_override_is_part_of_the_key() -> None:
    TABLES.clear()
    assert rules.load(ONES).name == "Hot"
    assert rules.load(ONES, name="Other").name == "Other"
    assert rules.load(ONES).name == "Hot"


def test_broken_table_is_parsed_once_and_raises_every_time() -> None:
    TABLES.clear()
    broken = [["DECISION Bad", "FIRST"], ["IN score", "OUT o"], ["<=>2", "x"]]
    for _ in range(3):
        with pytest.raises(TableError, match="R3C1"):
            rules.load(broken)
    assert (TABLES.misses, TABLES.hits) == (1, 2)
    [[cell]] = functions.call("DECIDE", broken, [[1]], [["score"]])
    assert isinstance(cell, CellError) and cell.code == "#VALUE!"
    assert "decision table" in cell.reason and "R3C1" in cell.reason


def test_evicts_least_recently_used() -> None:
    cache = rules.cache.TableCache(maxsize=2)
    tables = [((f"DECISION T{i}", "FIRST"), ("IN x", "OUT o"), ("-", "y")) for i in range(3)]
    first = cache.get(tables[0])
    cache.get(tables[1])
    assert cache.get(tables[0]) is first  # T0 now the most recent
    cache.get(tables[2])  # evicts T1
    assert cache.get(tables[0]) is first
    cache.get(tables[1])
    assert cache.misses == 4


def test_concurrent_loads_parse_each_table_once() -> None:
    TABLES.clear()
    tables = [[["DECISION t", "FIRST"], ["IN x", f"OUT y{i}"], ["-", i]] for i in range(3)]
    results: list[tuple[int, Any]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(k: int) -> None:
        try:
            barrier.wait()
            for j in range(60):
                i = (k + j) % 3
                # a fresh copy each time, as a host delivers it
                results.append((i, rules.load([list(r) for r in tables[i]])))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert TABLES.misses == 3 and TABLES.hits == 8 * 60 - 3  # each table parsed exactly once
    for i, table in results:
        assert table.outputs[0].name == f"y{i}"


def test_numpy_cells_are_keyed_by_kind_too() -> None:
    import numpy as np

    TABLES.clear()
    assert rules.load(ONES).evaluate_rows({"score": [1]}) == [[1.0]]
    numpy_bools = [list(r) for r in BOOLS]
    numpy_bools[2][1], numpy_bools[3][1] = np.True_, np.False_
    got = rules.load(numpy_bools).evaluate_rows({"score": [1, 5]})
    assert got == [[True], [False]] and type(got[0][0]) is bool
    numpy_ones = [list(r) for r in ONES]
    numpy_ones[2][1], numpy_ones[3][1] = np.int64(1), np.float64(0.0)
    assert rules.load(numpy_ones).evaluate_rows({"score": [1, 5]}) == [[1.0], [0.0]]


def test_unhashable_cells_are_read_as_text() -> None:
    with pytest.raises(TableError, match="R3C1"):
        rules.load([["DECISION a", "FIRST"], ["IN x", "OUT y"], [["<=2"], "z"]])
