"""The KPIs sheet: each KPI's WHY, WHEN, HOW and WHO, and its buy-in."""

from __future__ import annotations

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.sheets import book as B
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData, Cache
from leanxl.sheets.cells import (
    write_text,
)
from leanxl.sheets.layout import start_sheet
from leanxl.sources import KPI_FIELDS
from leanxl.values import is_blank

KPI_HEADERS = ("KPI", "Level", "WHY: purpose", "WHEN: frequency",
               "HOW: how to report and read it", "WHO: takes part of the report", "Target",
               "Better when", "Tolerance", "Unit", "Buy-in")


def write_kpis(ws: Worksheet, data: BookData, cache: Cache) -> None:
    """The KPI definitions with their buy-in check (WHY, WHEN, HOW and WHO all given)."""
    start_sheet(ws, "KPIs: why, when, how, who", "Sell the KPI to the people providing the "
                "numbers: a KPI without a clear WHY, WHEN, HOW and WHO has no buy-in. Levels: "
                "operational (daily), tactical (weekly), goal.", headers=KPI_HEADERS,
                clear_from=HEADER_ROW, cache=cache, drop_colours=True,
                widths=[28, 12, 34, 14, 36, 24, 9, 10, 10, 9, 16], freeze=f"B{FIRST_ROW}")
    kpis = data.kpis.reset_index(drop=True)
    for i, row in kpis.iterrows():
        r = FIRST_ROW + int(i)
        for c, key in enumerate(KPI_FIELDS, start=1):
            v = row[key]
            cell = ws.cell(row=r, column=c)
            write_text(cell, None if is_blank(v) else v)
            fmt = S.SHARE if key == "tolerance" else None
            S.body(cell, fmt, editable=True, wrap=True)
        ws.cell(row=r, column=1).font = S.TOTAL_FONT
        missing = [w for w, k in (("WHY", "why"), ("WHEN", "when"), ("HOW", "how"),
                                  ("WHO", "who")) if is_blank(row[k])]
        cache.put(ws, f"K{r}",
                  f'=IF(AND(C{r}<>"",D{r}<>"",E{r}<>"",F{r}<>""),"OK","Missing: "&'
                  f'TRIM(IF(C{r}="","WHY ","")&IF(D{r}="","WHEN ","")&IF(E{r}="","HOW ","")'
                  f'&IF(F{r}="","WHO","")))',
                  "OK" if not missing else "Missing: " + " ".join(missing))
        S.body(ws[f"K{r}"], wrap=True)
        ws.row_dimensions[r].height = 62
    last = FIRST_ROW + max(len(kpis), 1) - 1
    S.status_colours(ws, f"K{FIRST_ROW}:K{last}", good=("OK",), warn=(), bad=("Missing",))
    S.choices(ws, f"B{FIRST_ROW}:B{FIRST_ROW + 49}", '"operational,tactical,goal"',
              "operational (daily feedback), tactical (weekly) or goal")
    S.choices(ws, f"H{FIRST_ROW}:H{FIRST_ROW + 49}", '"higher,lower"',
              "higher: bigger is better; lower: smaller is better")


def read_kpis(ws: Worksheet) -> pd.DataFrame:
    """The KPI definitions the user edited, one column per key."""
    return B.read_block(ws, KPI_FIELDS)
