"""Chains of leanxl calls in recalc: time against length (linear means ratio ≈ length ratio).

Each cell reads the one to its left (``B1 = LEANXL_KPISTATUS(A1,50)``, ``C1 = ...(B1,50)``),
so every call is its own group and the order is a chain.  Before issue 10, 1,000 took 6.6 s
and 10,000 took 132 s (quadratic); 3,000 right to left ended in RecursionError.

Rerun: ``PYTHONPATH=. .venv/bin/python bench/recalc_chains.py [--lengths 1000 3000]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import openpyxl

from leanxl.recalc import recalc_workbook
from leanxl.xlsx.refs import column_letter


def chain_book(path: Path, n: int, right_to_left: bool) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    if right_to_left:
        ws.cell(1, n + 1, 60)
        for c in range(n, 0, -1):
            ws.cell(1, c, f"=LEANXL_KPISTATUS({column_letter(c + 1)}1,50)")
    else:
        ws["A1"] = 60
        for c in range(2, n + 2):
            ws.cell(1, c, f"=LEANXL_KPISTATUS({column_letter(c - 1)}1,50)")
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", type=int, nargs="+", default=[1000, 3000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base: float | None = None
        for n in args.lengths:
            for rtl in (False, True):
                src = folder / f"chain{n}{rtl}.xlsx"
                chain_book(src, n, rtl)
                start = time.perf_counter()
                report = recalc_workbook(src, folder / "out.xlsx")
                seconds = time.perf_counter() - start
                assert report.ok, report.reason
                base = base or seconds / n
                print(f"{n:>6} calls {'right to left' if rtl else 'left to right'}: "
                      f"{seconds:6.1f} s, {1000 * seconds / n:5.2f} ms per call, "
                      f"x{seconds / n / base:.2f} per call vs the first line")


if __name__ == "__main__":
    main()
