"""The Campaigns sheet: the factor level each market activity targets."""

from __future__ import annotations

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import FACTOR_KEYS
from leanxl.sheets import book as B
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData
from leanxl.sheets.cells import (
    FACTOR_LABELS,
    N,
    write_text,
)
from leanxl.sheets.layout import start_sheet
from leanxl.sources import CAMPAIGN_TEXT
from leanxl.values import is_blank
from leanxl.xlsx.refs import column_letter

CAMPAIGN_HEADERS = ("Code", "Campaign", "Channel", *FACTOR_LABELS)


def write_campaigns(ws: Worksheet, data: BookData) -> None:
    """The Campaigns rows from ``data.campaigns`` (inputs: yellow, checked 1..ScaleMax)."""
    start_sheet(ws, "Campaigns (market activities)", "What each activity is meant to do to a "
                "lead: the factor level it targets (1 best, blank = this campaign does not "
                "target that factor).", headers=CAMPAIGN_HEADERS, clear_from=HEADER_ROW,
                widths=[8, 34, 18] + [11] * N, freeze=f"D{FIRST_ROW}")
    for i, row in data.campaigns.reset_index(drop=True).iterrows():
        r = FIRST_ROW + int(i)
        for c, key in enumerate(CAMPAIGN_TEXT, start=1):
            cell = ws.cell(row=r, column=c)
            write_text(cell, None if is_blank(row[key]) else str(row[key]))
            S.body(cell, editable=True, wrap=c == 2)
        for j, key in enumerate(FACTOR_KEYS):
            v = row[key]
            cell = ws.cell(row=r, column=4 + j, value=None if is_blank(v) else int(float(v)))
            S.body(cell, S.INTEGER, editable=True)
            cell.alignment = S.CENTER
    S.choices(ws, f"D{FIRST_ROW}:{column_letter(3 + N)}{FIRST_ROW + 49}", "1", "Targeted level: a "
              "whole number from 1 (best) to ScaleMax; blank = not targeted", kind="whole",
              formula2="ScaleMax")


def read_campaigns(ws: Worksheet) -> pd.DataFrame:
    """The Campaigns rows the user edited, one column per key."""
    return B.read_block(ws, (*CAMPAIGN_TEXT, *FACTOR_KEYS))
