"""The InternalCustomers sheet: who receives information from sales, white spots, relays."""

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
from leanxl.values import is_blank

INTERNAL_HEADERS = ("Internal customer (receiver)", "Information they need from sales",
                    "How often", "Provided by", "Via (secondary party)", "Status", "What to do")


def write_internal(ws: Worksheet, data: BookData, cache: Cache) -> None:
    """The internal-customer map with each row's status (direct, relay, white spot)."""
    start_sheet(ws, "Internal customers of sales", "Who inside the company receives information "
                "from sales? White spot: a group needs it and nobody provides it. Relay: it "
                "passes through a secondary party.", headers=INTERNAL_HEADERS,
                clear_from=HEADER_ROW, cache=cache, drop_colours=True,
                widths=[30, 46, 14, 16, 22, 12, 44], freeze=f"B{FIRST_ROW}")
    rows = data.internal.reset_index(drop=True)
    n_white = n_relay = 0
    for i, row in rows.iterrows():
        r = FIRST_ROW + int(i)
        for c, key in enumerate(B.INTERNAL_FIELDS, start=1):
            cell = ws.cell(row=r, column=c)
            write_text(cell, None if is_blank(row[key]) else str(row[key]))
            S.body(cell, editable=True, wrap=True)
        if is_blank(row["provided_by"]):
            status, todo = "White spot", "Set up a routine: sales should provide this"
            n_white += 1
        elif not is_blank(row["via"]):
            status, todo = "Relay", f"Send it directly instead of via {row['via']}"
            n_relay += 1
        else:
            status, todo = "Direct", "Keep"
        cache.put(ws, f"F{r}", f'=IF(D{r}="","White spot",IF(E{r}<>"","Relay","Direct"))',
                  status)
        cache.put(ws, f"G{r}", f'=IF(F{r}="White spot","Set up a routine: sales should provide '
                  f'this",IF(F{r}="Relay","Send it directly instead of via "&E{r},"Keep"))', todo)
        S.body(ws[f"F{r}"])
        S.body(ws[f"G{r}"], wrap=True)
        ws.row_dimensions[r].height = 32
    last = FIRST_ROW + max(len(rows), 1) - 1
    S.status_colours(ws, f"F{FIRST_ROW}:F{last}", good=("Direct",), warn=("Relay",),
                     bad=("White spot",))
    t = last + 2
    for k, (label, n, word) in enumerate((("White spots", n_white, "White spot"),
                                          ("Relays", n_relay, "Relay"))):
        ws.cell(row=t + k, column=1, value=label).font = S.TOTAL_FONT
        cache.put(ws, f"B{t + k}", f'=COUNTIF(F{FIRST_ROW}:F{last},"{word}")', n)
        ws[f"B{t + k}"].font = S.TOTAL_FONT
        ws[f"B{t + k}"].alignment = S.Alignment(horizontal="left")


def read_internal(ws: Worksheet) -> pd.DataFrame:
    """The internal-customer rows the user edited, one column per key."""
    return B.read_block(ws, B.INTERNAL_FIELDS)
