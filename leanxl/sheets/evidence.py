"""The Evidence sheet: do the factors, the weights and the rules win deals?

Three tables from the closed leads (stage Won or Lost), computed by :mod:`leanxl.evidence` and
:func:`leanxl.rules.deviation_cost` and written as values (they are evidence as of the refresh,
not formulas to recalculate): the win rate per factor score as a heat map, suggested weights
beside the weights in use with the ROC AUC of FIT for each, and the deviation cost per rule.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import FACTORS
from leanxl.evidence import factor_evidence, suggest_weights, win_rate_table
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, BookData, Cache
from leanxl.sheets.layout import start_sheet
from leanxl.xlsx.refs import column_letter

EVIDENCE = "Evidence"
FOLDS = 5
RATE = "0%"
WEIGHT = "0.00"


def write_evidence(ws: Worksheet, data: BookData, leads: pd.DataFrame, output: str,
                   cache: Cache) -> None:
    """Factor evidence (heat map), suggested weights with their AUC, and the deviation cost."""
    st = data.settings
    s_max = int(st.scale_max)
    start_sheet(ws, "Evidence: what wins deals", "From the closed leads (stage Won or Lost) at "
                "this refresh. Which factors separate wins from losses, which weights would "
                "rank them better, and what deviating from the rules costs.",
                headers=("Factor", *[f"Win rate at {s}" for s in range(1, s_max + 1)],
                         "Best - worst", *[f"Closed at {s}" for s in range(1, s_max + 1)]),
                clear_from=1, cache=cache, drop_charts=True, drop_colours=True,
                widths=[24] + [10] * (2 * s_max + 1), freeze=f"B{FIRST_ROW}")
    evidence = factor_evidence(leads, s_max)
    rates = win_rate_table(evidence)
    closed = win_rate_table(evidence, "closed")
    for i, f in enumerate(FACTORS):
        r = FIRST_ROW + i
        S.body(ws.cell(row=r, column=1, value=f.label))
        row_rates = rates.loc[f.key]
        for s in range(1, s_max + 1):
            v = row_rates[s]
            S.body(ws.cell(row=r, column=1 + s, value=None if v != v else float(v)), RATE)
            S.body(ws.cell(row=r, column=2 + s_max + s, value=int(closed.loc[f.key, s])),
                   S.INTEGER)
        known = row_rates.dropna()
        spread = float(known.iloc[0] - known.iloc[-1]) if len(known) >= 2 else None
        S.body(ws.cell(row=r, column=2 + s_max, value=spread), "+0%;-0%;0%")
    last = FIRST_ROW + len(FACTORS) - 1
    ws.conditional_formatting.add(
        f"B{FIRST_ROW}:{column_letter(1 + s_max)}{last}",
        ColorScaleRule(start_type="min", start_color="F8696B", mid_type="percentile",
                       mid_value=50, mid_color="FFEB84", end_type="max", end_color="63BE7B"))
    S.note(ws, f"A{last + 1}", "1 is the best score. A factor that separates wins from losses "
           "runs from green at 1 to red at 5 (a large Best - worst); a flat row barely matters.")
    r = _weights(ws, data, leads, last + 3)
    _deviation_cost(ws, data, leads, output, r + 2)


def _weights(ws: Worksheet, data: BookData, leads: pd.DataFrame, top: int) -> int:
    """Suggested weights in Settings' layout (one row of ten) and the AUC table; next free row."""
    st = data.settings
    sug = suggest_weights(leads, st.weights, int(st.scale_max), folds=FOLDS)
    S.subtitle(ws, f"A{top}", "Suggested weights (fitted to won / lost, all >= 0)")
    S.note(ws, f"A{top + 1}", "Nothing changes by itself: to use them, copy the Suggested row "
           "into Settings' Weights row and refresh.")
    S.header(ws, top + 2, 1, ("Weights", *[f.label for f in FACTORS]), height=44)
    for k, (name, column) in enumerate((("In use", "in_use"), ("Suggested", "suggested"))):
        r = top + 3 + k
        S.body(ws.cell(row=r, column=1, value=name))
        for j, v in enumerate(sug.weights[column]):
            S.body(ws.cell(row=r, column=2 + j, value=float(v)), WEIGHT)
    a0 = top + 6
    S.header(ws, a0, 1, ("Weights", f"ROC AUC of FIT ({sug.folds}-fold cross-validation)",
                         "ROC AUC on all closed leads"), height=48)
    for k, row in enumerate(sug.auc.itertuples(index=False)):
        r = a0 + 1 + k
        S.body(ws.cell(row=r, column=1, value=row.weights))
        for c, v in ((2, row.auc_cv), (3, row.auc_all)):
            S.body(ws.cell(row=r, column=c, value=None if v != v else float(v)),
                   "0.000")
    end = a0 + len(sug.auc)
    S.note(ws, f"A{end + 1}", f"{sug.closed} closed leads, {sug.won} won. AUC: the chance that a "
           "won lead has a higher FIT than a lost one (0.5 = no better than chance); the "
           "cross-validated figure scores each fold with weights fitted without it.")
    return end + 1


COST_HEADERS = ("Rule", "Rules' decision", "Followed: closed", "Followed: won",
                "Followed: win rate", "Deviated: closed", "Deviated: won", "Deviated: win rate",
                "Difference", "Note")


def _deviation_cost(ws: Worksheet, data: BookData, leads: pd.DataFrame, output: str,
                    top: int) -> None:
    S.subtitle(ws, f"A{top}", "Deviation cost: closed leads whose recorded status followed the "
               "rules' decision vs those that deviated")
    cost = deviation_cost_of(data, leads, output)
    if cost is None:
        S.note(ws, f"A{top + 1}", "No decision table on Rules or no recorded_status column in "
               "the leads: nothing to compare.")
        return
    S.header(ws, top + 1, 1, COST_HEADERS)
    for k, row in enumerate(cost.itertuples(index=False)):
        r = top + 2 + k
        label: Any = "All rules" if row.rule == "all" else (row.rule if row.rule else "none")
        values = (label, row.expected, row.followed_closed, row.followed_won,
                  row.followed_win_rate, row.deviated_closed, row.deviated_won,
                  row.deviated_win_rate, row.difference, row.note)
        formats = (None, None, S.INTEGER, S.INTEGER, RATE, S.INTEGER, S.INTEGER, RATE,
                   "+0%;-0%;0%", None)
        for c, (v, fmt) in enumerate(zip(values, formats, strict=True), start=1):
            if isinstance(v, float) and v != v:
                v = None
            S.body(ws.cell(row=r, column=c, value=v), fmt)
        if row.rule == "all":
            for c in range(1, len(values) + 1):
                ws.cell(row=r, column=c).font = S.TOTAL_FONT
    end = top + 1 + len(cost)
    S.note(ws, f"A{end + 1}", "Leads with no recorded status, and open leads, are left out. "
           "A positive difference: following the rules won more often. Same numbers: "
           "leanxl audit BOOK --leads CRM --recorded recorded_status.")


def deviation_cost_of(data: BookData, leads: pd.DataFrame, output: str) -> pd.DataFrame | None:
    """:func:`leanxl.rules.deviation_cost` of the Rules sheet's table over the scored leads
    (None without a table or a recorded_status column)."""
    from leanxl.rules import audit, deviation_cost, load
    from leanxl.sheets.leads import COMPUTED_HEADERS
    from leanxl.sheets.rules_sheet import split_rules

    block, _examples = split_rules(data.rules)
    if not block or "recorded_status" not in leads.columns or "stage" not in leads.columns:
        return None
    table = load(block, name="Rules!A4")
    if table.list_result:
        return None
    # The table names its inputs as the Leads headers name them ("Segment", "Fit %", ...).
    frame = leads.rename(columns=COMPUTED_HEADERS)
    report = audit(table, frame, "recorded_status", output=output or None)
    return deviation_cost(report, leads["recorded_status"].tolist(), leads["stage"].tolist())


