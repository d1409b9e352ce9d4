"""Cases run through every host: the registry, the classic UDF and the xlwings Server call.

Expected values come from the SPEC's formulas written out here in plain Python (``ref_*``) or
by hand — never from leanxl.  ``Err(code)`` stands for an error cell (reasons are free text).
Arguments are given as a worksheet would deliver them: 2-D lists of rows, ``None`` = blank,
a bare scalar = one cell, ``OMIT`` = optional argument left out.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from dataclasses import dataclass, field
from typing import Any

VALUE, NUM, NA = "#VALUE!", "#NUM!", "#N/A"


@dataclass(frozen=True)
class Err:
    code: str


@dataclass(frozen=True)
class Contains:
    """A text cell containing this (explanations are prose; the facts in them are checked)."""

    text: str


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


OMIT = _Omit()


@dataclass
class Case:
    id: str
    func: str
    args: tuple[Any, ...]
    expected: list[list[Any]]
    needs: str = ""  # "scoring" / "rules": the module that must be merged for this case
    tags: set[str] = field(default_factory=set)


# --- independent references (SPEC formulas) ---------------------------------------------------


def ref_fit(row: list[Any], w: list[float] | None = None, s: int = 5) -> Any:
    w = w or [1.0] * 10
    num = den = 0.0
    for x, wi in zip(row, w, strict=True):
        if x is None:
            continue
        if isinstance(x, str):
            return Err(VALUE)
        if not 1 <= x <= s:
            return Err(NUM)
        num += wi * (x - 1)
        den += wi * (s - 1)
    return 100 * (1 - num / den)


def ref_match(a: list[Any], b: list[Any], w: list[float] | None = None, s: int = 5) -> Any:
    w = w or [1.0] * 10
    num = den = 0.0
    for x, y, wi in zip(a, b, w, strict=True):
        for v in (x, y):
            if isinstance(v, str):
                return Err(VALUE)
            if v is not None and not 1 <= v <= s:
                return Err(NUM)
        if x is None or y is None:
            continue
        num += wi * abs(x - y)
        den += wi * (s - 1)
    return 100 * (1 - num / den)


def ref_best(lead: list[Any], profiles: list[list[Any]], names: list[str]) -> Any:
    scores = [ref_match(lead, p) for p in profiles]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return names[best]


def ref_segment(price: float, complexity: float, pcut: float, ccut: float) -> str:
    high_p, high_c = price >= pcut, complexity >= ccut
    return {(False, False): "S1", (False, True): "S2", (True, False): "S3",
            (True, True): "S4"}[(high_p, high_c)]


def col(values: list[Any]) -> list[list[Any]]:
    return [[v] for v in values]


# --- data ----------------------------------------------------------------------------------

L1 = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
L2 = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5]
L3 = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
L4 = [2, None, 3, None, 1, 4, None, 2, 5, 1]  # blanks drop factors
BAD_NUM = [1, 1, 6, 1, 1, 1, 1, 1, 1, 1]
BAD_TEXT = [1, "high", 1, 1, 1, 1, 1, 1, 1, 1]
W = [2, 1, 1, 3, 1, 1, 1, 1, 0.5, 1]
P1 = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2]
P2 = [4, 4, 4, 4, 4, 4, 4, 4, 4, 4]
CAMPAIGN = [1, None, None, 2, None, None, None, 3, None, None]

QUALIFY: list[list[Any]] = [
    ["DECISION Qualify", "FIRST", None, None, None, None],
    ["IN buyer_maturity", "IN buyer_influence", "IN price_sensitivity", "OUT status",
     "OUT route", "NOTE"],
    ["<=2", "<=2", "-", "Qualified", "AE", "ready decision maker"],
    ["[3..4]", "-", "<=3", "Nurture", "SDR", None],
    ["-", "-", "-", "Disqualified", None, "catch-all"],
]
NO_CATCH_ALL = [row[:] for row in QUALIFY[:4]]
UNIQUE_OVERLAP = [
    ["DECISION Route", "UNIQUE"],
    ["IN buyer_maturity", "OUT route"],
    ["<=3", "AE"],
    [">=3", "SDR"],
]
COLLECT = [
    ["DECISION Channels", "COLLECT"],
    ["IN buyer_maturity", "OUT channel"],
    ["<=3", "Email"],
    ["<=2", "Call"],
    ["1", "Visit"],
]
BROKEN = [
    ["DECISION Broken", "FIRST"],
    ["IN buyer_maturity", "OUT status"],
    ["[1..", "Qualified"],
]
HEADERS = [["buyer_maturity", "buyer_influence", "price_sensitivity"]]


def _cases() -> list[Case]:
    c: list[Case] = []
    # FIT ---------------------------------------------------------------------------------
    c += [
        Case("fit-one-row", "FIT", ([L3],), [[50.0]], "scoring"),
        Case("fit-best-worst", "FIT", ([L1, L2],), col([100.0, 0.0]), "scoring"),
        Case("fit-many-blanks-bad", "FIT", ([L3, L4, BAD_NUM, BAD_TEXT],),
             col([ref_fit(L3), ref_fit(L4), Err(NUM), Err(VALUE)]), "scoring"),
        Case("fit-spare-blank-rows", "FIT", ([L1, [None] * 10, L2, [None] * 10],),
             col([100.0, None, 0.0, None]), "scoring"),
        Case("fit-weights-row", "FIT", ([L3, L4], [W]),
             col([ref_fit(L3, W), ref_fit(L4, W)]), "scoring"),
        Case("fit-weights-column", "FIT", ([L3], col(W)), [[ref_fit(L3, W)]], "scoring"),
        Case("fit-scale-7", "FIT", ([[7, 1, 1, 1, 1, 1, 1, 1, 1, 4]], OMIT, 7),
             [[ref_fit([7, 1, 1, 1, 1, 1, 1, 1, 1, 4], s=7)]], "scoring"),
        Case("fit-vertical-lead", "FIT", (col(L3),), col([Err(VALUE)] * 10), "scoring"),
        Case("fit-wrong-width", "FIT", ([L3[:9], L1[:9]],), col([Err(VALUE), Err(VALUE)]),
             "scoring"),
        Case("fit-weights-wrong-length", "FIT", ([L3], [W[:9]]), [[Err(VALUE)]], "scoring"),
        Case("fit-scale-text", "FIT", ([L3], OMIT, "five"), [[Err(VALUE)]], "scoring"),
        Case("fit-scale-not-whole", "FIT", ([L3], OMIT, 4.5), [[Err(VALUE)]], "scoring"),
    ]
    # MATCH -------------------------------------------------------------------------------
    c += [
        Case("match-leads-vs-profile", "MATCH", ([L1, L3, L4], [P1]),
             col([ref_match(L1, P1), ref_match(L3, P1), ref_match(L4, P1)]), "scoring"),
        Case("match-lead-vs-profiles", "MATCH", ([L3], [P1, P2]),
             [[ref_match(L3, P1), ref_match(L3, P2)]], "scoring"),
        Case("match-grid", "MATCH", ([L1, L3], [P1, P2]),
             [[ref_match(L1, P1), ref_match(L1, P2)], [ref_match(L3, P1), ref_match(L3, P2)]],
             "scoring"),
        Case("match-campaign-blanks", "MATCH", ([CAMPAIGN], [P1, P2], [W]),
             [[ref_match(CAMPAIGN, P1, W), ref_match(CAMPAIGN, P2, W)]], "scoring"),
        Case("match-bad-row", "MATCH", ([L1, BAD_NUM, BAD_TEXT], [P1]),
             col([ref_match(L1, P1), Err(NUM), Err(VALUE)]), "scoring"),
        Case("match-spare-blank-row", "MATCH", ([L1, [None] * 10], [P1, P2]),
             [[ref_match(L1, P1), ref_match(L1, P2)], [None, None]], "scoring"),
        Case("match-wrong-width", "MATCH", ([L1], [P1[:8]]), [[Err(VALUE)]], "scoring"),
    ]
    # BESTPROFILE -------------------------------------------------------------------------
    names = [["Enterprise", "SMB"]]
    c += [
        Case("best-one", "BESTPROFILE", ([L1], [P1, P2], names), [["Enterprise"]], "scoring"),
        Case("best-many", "BESTPROFILE",
             ([L1, L2, L4, BAD_NUM], [P1, P2], col(["Enterprise", "SMB"])),
             col([ref_best(L1, [P1, P2], ["Enterprise", "SMB"]),
                  ref_best(L2, [P1, P2], ["Enterprise", "SMB"]),
                  ref_best(L4, [P1, P2], ["Enterprise", "SMB"]), Err(NUM)]), "scoring"),
        Case("best-spare-blank-row", "BESTPROFILE", ([L1, [None] * 10], [P1, P2], names),
             col(["Enterprise", None]), "scoring"),
        Case("best-tie-first", "BESTPROFILE", ([L1], [P1, P1], [["First", "Second"]]),
             [["First"]], "scoring"),
        Case("best-profiles-wrong-width", "BESTPROFILE", ([L1], [P1[:9]], [["a"]]),
             [[Err(VALUE)]], "scoring"),
        Case("best-names-mismatch", "BESTPROFILE", ([L1, L2], [P1, P2], [["Only one"]]),
             col([Err(VALUE), Err(VALUE)]), "scoring"),
    ]
    # BESTMATCH ---------------------------------------------------------------------------
    c += [
        Case("bestmatch-many", "BESTMATCH", ([L1, L2, L4, BAD_NUM, [None] * 10], [P1, P2]),
             col([max(ref_match(L1, P1), ref_match(L1, P2)),
                  max(ref_match(L2, P1), ref_match(L2, P2)),
                  max(ref_match(L4, P1), ref_match(L4, P2)), Err(NUM), None]), "scoring"),
        Case("bestmatch-campaign-weights", "BESTMATCH", ([CAMPAIGN], [P1, P2], [W]),
             [[max(ref_match(CAMPAIGN, P1, W), ref_match(CAMPAIGN, P2, W))]], "scoring"),
        Case("bestmatch-profiles-wrong-width", "BESTMATCH", ([L1], [P1[:9]]),
             [[Err(VALUE)]], "scoring"),
    ]
    # SEGMENT -----------------------------------------------------------------------------
    prices, cplx = [100, 500, 1000, 20], [1, 4, 2, 3]
    c += [
        Case("segment-one", "SEGMENT", (250, 4, 500, 3), [["S2"]], "scoring"),
        Case("segment-many", "SEGMENT", (col(prices), col(cplx), 500, 3),
             col([ref_segment(p, x, 500, 3) for p, x in zip(prices, cplx, strict=True)]),
             "scoring"),
        Case("segment-text-price", "SEGMENT", (col([100, "lots"]), col([1, 1]), 500, 3),
             col(["S1", Err(VALUE)]), "scoring"),
        Case("segment-short-column", "SEGMENT", (col([100, 900, 50]), col([1, 5]), 500, 3),
             col(["S1", "S4", Err(VALUE)]), "scoring"),
        Case("segment-broadcast", "SEGMENT", (col([100, 900]), 5, 500, 3),
             col(["S2", "S4"]), "scoring"),
        Case("segment-blank-price", "SEGMENT", (col([None, 100]), 1, 500, 3),
             col([Err(VALUE), "S1"]), "scoring"),
        Case("segment-spare-blank-row", "SEGMENT", (col([100, None]), col([1, None]), 500, 3),
             col(["S1", None]), "scoring"),
        Case("segment-two-columns", "SEGMENT", ([[1, 2]], 1, 500, 3), [[Err(VALUE)]],
             "scoring"),
    ]
    # MIX ---------------------------------------------------------------------------------
    t, f = True, False
    combos = [(t, t, t), (t, t, f), (f, t, t), (t, f, t), (f, f, t), (t, f, f), (f, t, f),
              (f, f, f)]
    labels = ["Sweet spot", "Ineffective strategy", "Uncaptured lead", "Lead deficit",
              "Untapped market", "Sales off target", "Marketing off target", "Outside"]
    c += [
        Case("mix-one", "MIX", (True, True, True), [["Sweet spot"]], "scoring"),
        Case("mix-all-regions", "MIX",
             (col([x[0] for x in combos]), col([x[1] for x in combos]),
              col([x[2] for x in combos])), col(labels), "scoring"),
        Case("mix-blank", "MIX", (col([None, True]), True, True),
             col([Err(VALUE), "Sweet spot"]), "scoring"),
        Case("mix-spare-blank-row", "MIX", (col([True, None]), col([True, None]),
                                            col([False, None])),
             col(["Ineffective strategy", None]), "scoring"),
        Case("mix-two-columns", "MIX", ([[True, False]], True, True), [[Err(VALUE)]],
             "scoring"),
        Case("mix-text", "MIX", (col([True, "maybe"]), col([True, True]), col([True, True])),
             col(["Sweet spot", Err(VALUE)]), "scoring"),
    ]
    # KPI ---------------------------------------------------------------------------------
    c += [
        Case("kpistatus-one", "KPISTATUS", (95, 100), [["At risk"]]),
        Case("kpistatus-up", "KPISTATUS", (col([120, 100, 90, 89.9, None]), 100),
             col(["On track", "On track", "At risk", "Off track", None])),
        Case("kpistatus-down", "KPISTATUS", (col([3, 4, 4.4, 4.41]), 4, "down", 0.1),
             col(["On track", "On track", "At risk", "Off track"])),
        Case("kpistatus-per-row-targets", "KPISTATUS", (col([10, 10]), col([10, 20]), OMIT, 0),
             col(["On track", "Off track"])),
        Case("kpistatus-bad", "KPISTATUS", (col(["ten", 5, 5]), col([10, None, 10]),
                                            col([None, None, "sideways"])),
             col([Err(VALUE), Err(NA), Err(VALUE)])),
        Case("kpistatus-negative-tolerance", "KPISTATUS", (5, 10, "up", -0.1), [[Err(NUM)]]),
        Case("kpitrend-one", "KPITREND", ([[10, 12, None, 15]],), [["Improving"]]),
        Case("kpitrend-many", "KPITREND", ([[10, 12], [12, 10], [100, 100.5], [7, None],
                                             [1, "x"]],),
             col(["Improving", "Worsening", "Flat", Err(NA), Err(VALUE)])),
        Case("kpitrend-blank-row", "KPITREND", ([[10, 12], [None, None]],),
             col(["Improving", None])),
        Case("kpitrend-down", "KPITREND", ([[10, 12], [12, 10]], "down"),
             col(["Worsening", "Improving"])),
        Case("kpitrend-direction-range", "KPITREND", ([[10, 12]], [["up", "down"]]),
             [[Err(VALUE)]]),
    ]
    # DECIDE / EXPLAIN --------------------------------------------------------------------
    inputs = [[1, 1, 5], [3, 5, 2], [5, 5, 5]]
    c += [
        Case("decide-one-output", "DECIDE", (QUALIFY, [[1, 2, 4]], HEADERS, "status"),
             [["Qualified"]], "rules"),
        Case("decide-all-outputs", "DECIDE", (QUALIFY, inputs, HEADERS),
             [["Qualified", "AE"], ["Nurture", "SDR"], ["Disqualified", None]], "rules"),
        Case("decide-headers-any-case", "DECIDE",
             (QUALIFY, [[4, 1, 2]], [["Price Sensitivity", "BUYER MATURITY", "buyer influence"]],
              "route"), [["AE"]], "rules"),
        Case("decide-no-match", "DECIDE", (NO_CATCH_ALL, [[1, 1, 1], [5, 5, 5]], HEADERS,
                                           "status"),
             col(["Qualified", Err(NA)]), "rules"),
        Case("decide-unique-overlap", "DECIDE", (UNIQUE_OVERLAP, [[1], [3], [5]],
                                                 [["buyer_maturity"]]),
             col(["AE", Err(VALUE), "SDR"]), "rules"),
        Case("decide-collect-spills", "DECIDE", (COLLECT, [[1], [2], [3]],
                                                 [["buyer_maturity"]]),
             [["Email", "Call", "Visit"], ["Email", "Call", None], ["Email", None, None]],
             "rules"),
        Case("decide-broken-table", "DECIDE", (BROKEN, [[1], [2]], [["buyer_maturity"]]),
             col([Err(VALUE), Err(VALUE)]), "rules"),
        Case("decide-blank-inputs", "DECIDE", (QUALIFY, [[None, 1, 1], [1, None, 1]], HEADERS),
             [["Disqualified", None], ["Disqualified", None]], "rules"),
        Case("decide-width-mismatch", "DECIDE", (QUALIFY, [[1, 1]], HEADERS), [[Err(VALUE)]],
             "rules"),
        Case("decide-unknown-output", "DECIDE", (QUALIFY, [[1, 1, 1]], HEADERS, "nope"),
             [[Err(VALUE)]], "rules"),
        Case("decide-missing-input", "DECIDE", (QUALIFY, [[1, 1, 1]],
                                                [["buyer_maturity", "x", "y"]]),
             [[Err(VALUE)]], "rules"),
        Case("decide-text-input", "DECIDE", (QUALIFY, [[1, 1, 1], ["high", 1, 1]], HEADERS),
             [["Qualified", "AE"], [Err(VALUE), Err(VALUE)]], "rules"),
        Case("explain-fired", "EXPLAIN", (QUALIFY, inputs, HEADERS),
             col([Contains("rule 1 fired"), Contains("rule 2 fired"), Contains("rule 3 fired")]),
             "rules"),
        Case("explain-one-row", "EXPLAIN", (QUALIFY, [[1, 2, 4]], HEADERS),
             [[Contains("buyer_influence = 2")]], "rules"),
        Case("explain-blank-and-text", "EXPLAIN", (QUALIFY, [[None, 1, 1], ["high", 1, 1]],
                                                   HEADERS),
             col([Contains("rule 3 fired"), Contains("#VALUE!")]), "rules"),
        Case("explain-no-match", "EXPLAIN", (NO_CATCH_ALL, [[5, 5, 5]], HEADERS),
             [[Contains("no rule matched")]], "rules"),
        Case("explain-broken-table", "EXPLAIN", (BROKEN, [[1]], [["buyer_maturity"]]),
             [[Err(VALUE)]], "rules"),
    ]
    return c


CASES = _cases()


def merged(needs: str) -> bool:
    """Whether the leanxl part a case needs has landed (scoring module, rules.load)."""
    if not needs:
        return True
    if importlib.util.find_spec(f"leanxl.{needs}") is None:
        return False
    return needs != "rules" or hasattr(importlib.import_module("leanxl.rules"), "load")


def approx_equal(actual: Any, expected: Any) -> bool:
    if isinstance(expected, Contains):
        return isinstance(actual, str) and expected.text in actual
    if isinstance(expected, float) and isinstance(actual, int | float):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)
    return actual == expected
