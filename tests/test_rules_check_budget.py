"""leanxl check is bounded: a budget stops the analysis and the findings say what it covered."""

from __future__ import annotations

import random
from pathlib import Path

from leanxl.cli import main
from leanxl.rules import check, load
from leanxl.rules.soundness import Budget


def _not_table(rules: int, inputs: int, seed: int = 3) -> list[list[object]]:
    """A FIRST table of ``not(...)`` tests: the shape that ran past 600 s unbounded."""
    rnd = random.Random(seed)
    rows: list[list[object]] = [["DECISION Wide", "FIRST"],
                                [f"IN x{j}" for j in range(inputs)] + ["OUT status"]]
    for i in range(rules):
        rows.append([f"not({rnd.randint(1, 9)})" if rnd.random() < 0.7 else "-"
                     for _ in range(inputs)] + [f"r{i}"])
    return rows


def test_tiny_budget_stops_and_reports_coverage() -> None:
    table = load(_not_table(60, 12))
    findings = check(table, budget=Budget(seconds=None, steps=500))
    incomplete = [f.message for f in findings if f.kind == "incomplete"]
    assert any(m.startswith("gaps: found") and "stopped at the budget" in m
               for m in incomplete), incomplete
    covered = [m for m in incomplete if m.startswith("unreachable rules: checked rules 1 to")]
    assert covered and "of 60; stopped at the budget" in covered[0], incomplete


def test_enough_budget_reports_nothing_incomplete() -> None:
    table = load(_not_table(6, 3))
    findings = check(table, budget=Budget(seconds=None, steps=10_000_000))
    assert not [f for f in findings if f.kind == "incomplete"]
    # the same table without a budget gives the same findings
    assert [str(f) for f in findings] == [str(f) for f in check(table)]


def test_cli_budget_flag(tmp_path: Path, capsys) -> None:
    import csv

    path = tmp_path / "wide.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(_not_table(300, 30))
    code = main(["check", str(path), "--budget", "0.2"])
    out = capsys.readouterr().out
    assert "stopped at the budget" in out, out
    assert code == 0  # warnings only
