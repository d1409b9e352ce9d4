"""The Rules sheet: the qualification decision table and a summary of decisions."""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData, Cache, set_name
from leanxl.sheets.cells import (
    write_text,
)
from leanxl.sheets.layout import start_sheet
from leanxl.values import is_blank
from leanxl.xlsx.refs import column_letter

RULES_TOP = HEADER_ROW  # the decision table's first row (DECISION <name> | policy)


def write_rules(wb: Workbook, ws: Worksheet, data: BookData, leads: pd.DataFrame,
                cache: Cache) -> tuple[int, int]:
    """The qualification table (laid out as leanxl.rules reads it) at A4, and a summary of
    decisions beside it.

    Returns the table's last row and column.
    """
    # Widths come at the end: they follow the table's own columns.
    start_sheet(ws, "Qualification rules", "The correct criteria for qualifying a lead - and "
                "never deviate. Edit the rules below; the Decision column of Leads follows them.",
                clear_from=1, cache=cache)
    block, below = split_rules(data.rules)
    n_rows = len(block)
    n_cols = max((len(r) for r in block), default=1)
    for i, row in enumerate(block):
        for j, v in enumerate(row):
            cell = ws.cell(row=RULES_TOP + i, column=1 + j)
            write_text(cell, v)
            if i == 0:
                cell.font = S.SUBTITLE_FONT
            elif i == 1:
                cell.font, cell.fill, cell.alignment = S.HEADER_FONT, S.HEADER_FILL, S.CENTER
                cell.border = S.BOX
            else:
                S.body(cell, editable=True, wrap=True)
    last_row = RULES_TOP + n_rows - 1
    set_name(wb, "QualifyTable", f"Rules!$A${RULES_TOP}:${column_letter(n_cols)}${last_row}")
    # What follows the table (its EXAMPLES block, which `leanxl check` runs) stays below it.
    for i, row in enumerate(below, start=last_row + 1):
        for j, v in enumerate(row):
            cell = ws.cell(row=i, column=1 + j)
            write_text(cell, v)
            if isinstance(v, str) and v.strip().upper().startswith("EXAMPLES"):
                cell.font = S.SUBTITLE_FONT
    S.note(ws, "A3", "IN <column of Leads> holds a test ('-' any, <=2, [3..4], S1,S2, not(5)); "
           "OUT columns hold the result; FIRST: the first matching rule wins. The table ends "
           "at the first empty row; EXAMPLES below are its test cases (leanxl check).")
    # Summary beside the table.
    sc = n_cols + 2
    S.header(ws, HEADER_ROW, sc, ("Decision", "Leads", "Share"))
    decisions = leads["decision"] if len(leads) else pd.Series(dtype=object)
    outcomes = _outputs_in_order(block)
    total = int(decisions.notna().sum()) if len(leads) else 0
    for i, outcome in enumerate(outcomes):
        r = FIRST_ROW + i
        n = int(decisions.eq(outcome).sum()) if len(leads) else 0
        ws.cell(row=r, column=sc, value=outcome)
        L, M = column_letter(sc), column_letter(sc + 1)
        cache.put(ws, f"{M}{r}", f"=COUNTIF(LeadDecision,{L}{r})", n)
        cache.put(ws, f"{column_letter(sc + 2)}{r}",
                  f"=IF(COUNTA(LeadDecision)=0,0,{M}{r}/COUNTA(LeadDecision))",
                  n / total if total else 0)
        for c, fmt in ((sc, None), (sc + 1, S.INTEGER), (sc + 2, S.SHARE)):
            S.body(ws.cell(row=r, column=c), fmt)
    r = FIRST_ROW + len(outcomes) + 1
    ws.cell(row=r, column=sc, value="Deviations (CRM status differs)").font = S.TOTAL_FONT
    dev = int(leads["follows"].eq("No").sum()) if len(leads) and "follows" in leads else 0
    cache.put(ws, f"{column_letter(sc + 1)}{r}", '=COUNTIF(LeadFollows,"No")', dev)
    ws.cell(row=r, column=sc + 1).font = S.TOTAL_FONT
    heads = [str(h or "") for h in (block[1] if len(block) > 1 else [])]
    S.widths(ws, [16] * len(heads) + [3, 30, 9, 9])
    if heads and heads[-1].strip().upper() == "NOTE":
        ws.column_dimensions[column_letter(len(heads))].width = 36
    return last_row, n_cols


def _outputs_in_order(block: list[list[Any]]) -> list[str]:
    """The distinct values of the table's first OUT column, in rule order."""
    if len(block) < 2:
        return []
    heads = [str(h or "") for h in block[1]]
    col = next((j for j, h in enumerate(heads) if h.strip().upper().startswith("OUT")), None)
    if col is None:
        return []
    seen: list[str] = []
    for row in block[2:]:
        v = row[col] if col < len(row) else None
        if not is_blank(v) and str(v) not in seen:
            seen.append(str(v))
    return seen


def split_rules(rows: list[list[Any]]) -> tuple[list[list[Any]], list[list[Any]]]:
    """The decision table (until the first empty row) and what follows it (EXAMPLES, ...)."""
    for i, row in enumerate(rows):
        if all(is_blank(v) for v in row):
            below = rows[i:]
            while below and all(is_blank(v) for v in below[-1]):
                below.pop()
            return rows[:i], below
    return rows, []


def read_rules(ws: Worksheet) -> list[list[Any]]:
    """The Rules sheet's block from A4 down: the table, then its EXAMPLES (if any).

    Columns: those of the table's header row (the decision summary sits beyond them).
    """
    head = [c.value for c in ws[RULES_TOP + 1]]
    width = 0
    for v in head:  # the table ends at the first empty header cell (the summary sits beyond)
        if is_blank(v):
            break
        width += 1
    rows = [list(row) for row in ws.iter_rows(min_row=RULES_TOP, max_row=ws.max_row,
                                              max_col=max(width, 2), values_only=True)]
    table, below = split_rules(rows)
    return table + below
