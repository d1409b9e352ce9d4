"""Python-side cost of one spreadsheet cell call, against calling the engine directly.

What a cell costs leanxl once the host has handed over its values (the host's own transport —
COM for classic xlwings, HTTP for xlwings Server — is not included): the registry call
(argument checks, scoring / rules, error mapping) and the host wrapper on top of it (argument
normalisation, rendering errors for the host).  Baselines, measured in the same run:

* FIT: the numba kernel on a pre-encoded int8 factor-major column (``fit_serial``), and the
  public ``leanxl.scoring.fit`` on the same list row;
* DECIDE: the decision table's own fast path ``DecisionTable.evaluate_rows`` on an already
  loaded table (the cell call also finds the compiled table by content, 20 rules x 6 cols).

Run: ``python bench/cells.py`` (a few seconds; medians of repeated timings, after warm-up).
"""

from __future__ import annotations

import random
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's leanxl

from leanxl import functions, rules, scoring  # noqa: E402
from leanxl.excel import udfs  # noqa: E402
from leanxl.kernels import scoring as kernels  # noqa: E402


def per_call_us(fn: Callable[[], Any], number: int, repeat: int = 7) -> float:
    fn()  # warm-up (compiles / fills caches)
    times = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e6


def table_cells(n_rules: int = 20) -> list[list[Any]]:
    """A FIRST table with ``n_rules`` rules over 4 inputs and 2 outputs (20 x 6 cells)."""
    rng = random.Random(7)
    tests = ["-", "<=2", ">=4", "[2..3]", "1,2,5", "not(3)", "<3"]
    rows: list[list[Any]] = [
        ["DECISION Qualify", "FIRST", None, None, None, None],
        ["IN buyer_maturity", "IN buyer_influence", "IN price_sensitivity", "IN interest",
         "OUT status", "OUT route"],
    ]
    for i in range(n_rules - 1):
        rows.append([rng.choice(tests) for _ in range(4)] + [f"status{i % 5}", f"R{i % 3}"])
    rows.append(["-", "-", "-", "-", "Disqualified", None])
    return rows


def main() -> None:
    classic = vars(udfs)  # the generated LEANXL_* functions
    row = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
    codes = np.ascontiguousarray(np.array([row], dtype=np.int8).T)
    weights = np.ones(10)
    out = np.empty(1)
    lines: list[tuple[str, float, float | None]] = []

    kernel_us = per_call_us(lambda: kernels.fit_serial(codes, weights, 5, out), 100_000)
    api_us = per_call_us(lambda: scoring.fit([row], return_errors=True), 10_000)
    reg_us = per_call_us(lambda: functions.call("FIT", [row]), 10_000)
    udf_us = per_call_us(lambda: classic["LEANXL_FIT"]([row]), 10_000)
    lines += [
        ("FIT 1 row: numba kernel (int8, pre-encoded)", kernel_us, None),
        ("FIT 1 row: leanxl.scoring.fit (list row)", api_us, api_us / kernel_us),
        ("FIT 1 row: registry call", reg_us, reg_us / kernel_us),
        ("FIT 1 row: classic UDF wrapper", udf_us, udf_us / kernel_us),
    ]

    cells = table_cells()
    headers = [["buyer_maturity", "buyer_influence", "price_sensitivity", "interest"]]
    table = rules.load(cells)
    one = [[2, 1, 4, 3]]
    columns = {h: [v] for h, v in zip(headers[0], one[0], strict=True)}
    direct_us = per_call_us(lambda: table.evaluate_rows(columns, "status"), 10_000)
    fresh = [list(r) for r in cells]  # hosts hand over new lists on every call
    dec_us = per_call_us(lambda: functions.call("DECIDE", fresh, one, headers, "status"), 10_000)
    decide_udf = classic["LEANXL_DECIDE"]
    dec_udf_us = per_call_us(lambda: decide_udf(fresh, one, headers, "status"), 10_000)
    lines += [
        ("DECIDE 1 row, 20 rules: table.evaluate_rows", direct_us, None),
        ("DECIDE 1 row, 20 rules: registry call (cached table)", dec_us, dec_us / direct_us),
        ("DECIDE 1 row, 20 rules: classic UDF wrapper", dec_udf_us, dec_udf_us / direct_us),
    ]

    rng = random.Random(1)
    big = [[rng.randint(1, 5) for _ in range(4)] for _ in range(10_000)]
    big_cols = {h: [r[k] for r in big] for k, h in enumerate(headers[0])}
    big_direct = per_call_us(lambda: table.evaluate_rows(big_cols, "status"), 3, repeat=5)
    big_reg = per_call_us(lambda: functions.call("DECIDE", fresh, big, headers, "status"), 3,
                          repeat=5)
    big_udf = per_call_us(lambda: classic["LEANXL_DECIDE"](fresh, big, headers, "status"), 3,
                          repeat=5)
    lines += [
        ("DECIDE 10,000-row spill: table.evaluate_rows", big_direct, None),
        ("DECIDE 10,000-row spill: registry call", big_reg, big_reg / big_direct),
        ("DECIDE 10,000-row spill: classic UDF wrapper", big_udf, big_udf / big_direct),
    ]

    rows10k = [[rng.randint(1, 5) for _ in range(10)] for _ in range(10_000)]
    codes10k = np.ascontiguousarray(np.array(rows10k, dtype=np.int8).T)
    out10k = np.empty(10_000)
    fit_k = per_call_us(lambda: kernels.fit_serial(codes10k, weights, 5, out10k), 200)
    fit_api = per_call_us(lambda: scoring.fit(rows10k, return_errors=True), 3, repeat=5)
    fit_reg = per_call_us(lambda: functions.call("FIT", rows10k), 3, repeat=5)
    lines += [
        ("FIT 10,000-row spill: numba kernel (int8, pre-encoded)", fit_k, None),
        ("FIT 10,000-row spill: leanxl.scoring.fit (list rows)", fit_api, fit_api / fit_k),
        ("FIT 10,000-row spill: registry call", fit_reg, fit_reg / fit_k),
    ]

    print(f"{'measurement':58s} {'µs/call':>10s} {'vs base':>8s}")
    for name, us, ratio in lines:
        print(f"{name:58s} {us:10.2f} {'' if ratio is None else f'{ratio:7.2f}x':>8s}")
    print(f"\nper-row cost of the 10,000-row spill (registry): {big_reg / 10_000:.2f} µs")
    print(f"table cache: {rules.cache.TABLES.hits} hits, {rules.cache.TABLES.misses} misses")


if __name__ == "__main__":
    main()
