"""The Profiles sheet: ideal-prospect targets, their fit and the leads best matching each."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import FACTOR_KEYS
from leanxl.sheets import book as B
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData, Cache, set_name
from leanxl.sheets.cells import (
    FACTOR_LABELS,
    N,
    cell_value,
    factor_rows,
    is_won,
    write_text,
)
from leanxl.sheets.layout import start_sheet
from leanxl.sources import PROFILE_TEXT
from leanxl.values import is_blank
from leanxl.xlsx.refs import column_letter

PROFILE_HEADERS = ("Profile", *FACTOR_LABELS, "Who they are", "Their pains", "Awareness",
                   "Assumptions (we target them because...)", "Profile fit %",
                   "Leads best matching", "Avg match % of those leads",
                   "Won revenue of those leads")


def write_profiles(wb: Workbook, ws: Worksheet, data: BookData, leads: pd.DataFrame,
                   cache: Cache) -> None:
    """The profiles with their fit % and the count, match and won revenue of their leads."""
    start_sheet(ws, "Ideal-prospect profiles", "Who are we targeting? Target score per factor "
                "(1 best, blank = any), the pains and assumptions, and how many of our leads "
                "look like each profile.", headers=PROFILE_HEADERS, clear_from=HEADER_ROW,
                widths=[20] + [9] * N + [30, 26, 22, 30, 9, 9, 10, 12], freeze=f"B{FIRST_ROW}")
    prof = data.profiles.reset_index(drop=True)
    st = data.settings
    targets = factor_rows(prof)
    from leanxl import scoring

    fits, fit_err = scoring.fit(targets, st.weights, st.scale_max, return_errors=True) if len(
        prof) else (np.empty(0), {})
    c_fit = 2 + N + 4
    for i, row in prof.iterrows():
        r = FIRST_ROW + int(i)
        write_text(ws.cell(row=r, column=1), row["profile"])
        S.body(ws.cell(row=r, column=1), editable=True)
        ws.cell(row=r, column=1).font = S.TOTAL_FONT
        for j, key in enumerate(FACTOR_KEYS):
            v = row[key]
            cell = ws.cell(row=r, column=2 + j, value=None if is_blank(v) else int(float(v)))
            S.body(cell, S.INTEGER, editable=True)
            cell.alignment = S.CENTER
        for j, key in enumerate(PROFILE_TEXT):
            cell = ws.cell(row=r, column=2 + N + j)
            write_text(cell, None if is_blank(row[key]) else str(row[key]))
            S.body(cell, editable=True, wrap=True)
        factors = f"B{r}:{column_letter(1 + N)}{r}"
        name = f"$A{r}"
        cache.put(ws, f"{column_letter(c_fit)}{r}", f"=LEANXL_FIT({factors},Weights,ScaleMax)",
                  cell_value(fits[int(i)], fit_err, int(i)))
        mine = leads[leads["best_profile"] == row["profile"]] if len(leads) else leads
        cache.put(ws, f"{column_letter(c_fit + 1)}{r}", f"=COUNTIF(LeadBestProfile,{name})",
                  len(mine))
        avg = pd.to_numeric(mine["match"], errors="coerce").mean() if len(mine) else None
        cache.put(ws, f"{column_letter(c_fit + 2)}{r}",
                  f'=IFERROR(AVERAGEIF(LeadBestProfile,{name},LeadMatch),"")',
                  None if avg is None or avg != avg else float(avg))
        won = mine[is_won(mine)] if len(mine) else mine
        cache.put(ws, f"{column_letter(c_fit + 3)}{r}",
                  f'=SUMIFS(LeadRevenue,LeadBestProfile,{name},LeadStage,"Won")',
                  float(pd.to_numeric(won["revenue"], errors="coerce").sum()) if len(won) else 0)
        for c, fmt in ((c_fit, S.PERCENT_0_100), (c_fit + 1, S.INTEGER),
                       (c_fit + 2, S.PERCENT_0_100), (c_fit + 3, S.MONEY)):
            S.body(ws.cell(row=r, column=c), fmt)
        ws.row_dimensions[r].height = 64
    last = FIRST_ROW + max(len(prof), 1) - 1
    set_name(wb, "ProfileNames", f"Profiles!$A${FIRST_ROW}:$A${last}")
    set_name(wb, "ProfileTargets", f"Profiles!$B${FIRST_ROW}:${column_letter(1 + N)}${last}")
    S.fit_colours(ws, f"{column_letter(c_fit)}{FIRST_ROW}:{column_letter(c_fit)}{last}")
    for row in ws.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW + len(prof) - 1):
        for cell in row:
            cell.alignment = S.Alignment(wrap_text=True, vertical="top",
                                         horizontal=cell.alignment.horizontal)
    S.choices(ws, f"B{FIRST_ROW}:{column_letter(1 + N)}{FIRST_ROW + 49}", "1", "Target score: a "
              "whole number from 1 (best) to ScaleMax; blank = any", kind="whole",
              formula2="ScaleMax")


def read_profiles(ws: Worksheet) -> pd.DataFrame:
    """The profile rows the user edited, one column per key."""
    return B.read_block(ws, ("profile", *FACTOR_KEYS, *PROFILE_TEXT))
