"""Shared pieces of the workbook tests: plain-Python expectations read with the csv module.

Nothing here imports leanxl.sheets: the expected values come from SPEC's formulas
(tests/scoring_reference.py), a tiny evaluator for the comparison tests the sample
qualification table uses, and counting with plain loops.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

from leanxl.data import SAMPLE_FOLDER, package_file
from tests.scoring_reference import ref_best, ref_fit, ref_match, ref_mix, ref_segment

# The sample files packaged with leanxl (leanxl/data/sample/), wherever leanxl is imported from.
SAMPLE = package_file(SAMPLE_FOLDER)
FACTORS = ("buyer_maturity", "buyer_knowledge", "buyer_influence", "company_size",
           "product_complexity", "interest", "availability", "price_sensitivity", "competition",
           "purchase_history")
PRICE_CUT, COMPLEXITY_CUT = 40000.0, 4.0  # the template's defaults


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _score(text: str) -> int | None:
    return None if text.strip() == "" else int(float(text))


def profiles() -> tuple[list[str], list[list[int | None]]]:
    rows = read_csv(SAMPLE / "profiles.csv")
    return [r["profile"] for r in rows], [[_score(r[k]) for k in FACTORS] for r in rows]


def rule_table() -> tuple[list[str], list[str], list[list[str]]]:
    """(input names, output names, rule rows) of the sample rules.csv."""
    with open(SAMPLE / "rules.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    heads = rows[1]
    end = next((i for i, r in enumerate(rows) if not any(c.strip() for c in r)), len(rows))
    return heads, [h for h in heads if h.startswith("OUT")], rows[2:end]


def _test(cell: str, value: Any) -> bool:
    cell = cell.strip()
    if cell in ("", "-"):
        return True
    if value is None:
        return False
    m = re.fullmatch(r"(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)", cell)
    if m:
        x = float(m.group(2))
        return {"<=": value <= x, ">=": value >= x, "<": value < x, ">": value > x}[m.group(1)]
    m = re.fullmatch(r"\[(\d+)\.\.(\d+)\]", cell)
    if m:
        return float(m.group(1)) <= value <= float(m.group(2))
    return float(cell) == value


def ref_decision(lead: dict[str, Any]) -> str | None:
    """FIRST hit policy over the sample rules.csv (comparisons only, as the sample uses)."""
    heads, _outs, rules = rule_table()
    out_col = next(j for j, h in enumerate(heads) if h.startswith("OUT"))
    rule = ref_rule(lead)
    return rules[rule - 1][out_col] if rule else None


def ref_rule(lead: dict[str, Any]) -> int:
    """The number (1-based) of the sample rule that decides ``lead`` under FIRST; 0 for none."""
    heads, _outs, rules = rule_table()
    for number, rule in enumerate(rules, start=1):
        if all(_test(rule[j], lead[h[3:].strip()]) for j, h in enumerate(heads)
               if h.startswith("IN ")):
            return number
    return 0


def expected_leads(path: Path = SAMPLE / "leads.csv") -> list[dict[str, Any]]:
    """Every computed column of every lead, from SPEC's formulas."""
    names, targets = profiles()
    weights = [1.0] * 10
    out = []
    for row in read_csv(path):
        factors = [_score(row[k]) for k in FACTORS]
        lead = {k: v for k, v in zip(FACTORS, factors, strict=True)}
        best = ref_best(factors, targets, weights, 5)
        decision = ref_decision(lead)
        rec = row.get("recorded_status", "")
        flags = [row[k] == "True" for k in ("in_sales_plan", "reached_by_marketing",
                                             "in_target_market")]
        out.append({
            "row": row,
            "fit": ref_fit(factors, weights, 5),
            "best_profile": None if best is None else names[best],
            "match": None if best is None else ref_match(factors, targets[best], weights, 5),
            "segment": ref_segment(float(row["price"]), float(row["complexity"]), PRICE_CUT,
                                   COMPLEXITY_CUT),
            "mix": ref_mix(*flags),
            "decision": decision,
            "rule": ref_rule(lead),
            "follows": "" if rec == "" else ("Yes" if rec.casefold() == str(decision).casefold()
                                             else "No"),
            "created": dt.date.fromisoformat(row["created"]),
        })
    return out


def header_index(ws: Any) -> dict[str, int]:
    """Header text → 1-based column of a sheet whose header is row 1."""
    return {c.value: c.column for c in ws[1] if c.value is not None}
