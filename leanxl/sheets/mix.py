"""The Mix sheet: leads per Sales / Marketing / Market region."""

from __future__ import annotations

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import MIX_LABELS
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, Cache
from leanxl.sheets.cells import is_won, stage_is
from leanxl.sheets.layout import start_sheet
from leanxl.sheets.mix_circles import add_mix_circles

CHART_DATA_COL = 14  # column N: the circles' points, right of the table and the charts

MIX_MEANING = {
    "Sweet spot": "Sales and marketing work the market together: more results, less work.",
    "Ineffective strategy": "Sales and marketing plan it, but it is outside our market.",
    "Uncaptured lead": "Marketing reaches the market but sales never picks it up.",
    "Lead deficit": "Sales works the market alone, without marketing's support.",
    "Untapped market": "In our market, but neither sales nor marketing works it.",
    "Sales off target": "Sales works it alone, outside our market.",
    "Marketing off target": "Marketing reaches it, outside our market, without sales.",
    "Outside": "Neither planned, reached nor in our market.",
}
MIX_HEADERS = ("Mix region", "In sales plan", "Reached by marketing", "In target market",
               "What it means", "Leads", "Won", "Won revenue", "Open pipeline value")


def write_mix(ws: Worksheet, leads: pd.DataFrame, cache: Cache) -> None:
    """Leads, wins, won revenue and open pipeline per mix region, and a bar chart."""
    start_sheet(ws, "Sales, Marketing, Market mix", "Are sales and marketing working the same "
                "market? The goal: move leads into the sweet spot.", headers=MIX_HEADERS,
                clear_from=1, cache=cache, drop_charts=True, drop_colours=True,
                widths=[22, 10, 12, 11, 58, 9, 9, 14, 16], freeze=f"B{FIRST_ROW}")
    order = list(MIX_LABELS.items())
    last = FIRST_ROW + len(order) - 1
    mixcol = leads["mix"] if len(leads) else pd.Series(dtype=object)
    won = is_won(leads) if len(leads) else pd.Series(dtype=bool)
    is_open = stage_is(leads, "open") if len(leads) else won
    for i, ((plan, reach, market), label) in enumerate(order):
        r = FIRST_ROW + i
        ws.cell(row=r, column=1, value=label).font = S.TOTAL_FONT
        for k, flag in ((2, plan), (3, reach), (4, market)):
            cell = ws.cell(row=r, column=k, value="yes" if flag else "-")
            cell.alignment = S.CENTER
        ws.cell(row=r, column=5, value=MIX_MEANING[label])
        mask = mixcol.eq(label).fillna(False) if len(leads) else mixcol
        n = int(mask.sum()) if len(leads) else 0
        w = int((mask & won).sum()) if len(leads) else 0
        rev = float(pd.to_numeric(leads["revenue"], errors="coerce")[mask & won].sum()) if len(
            leads) else 0.0
        pipe = float(pd.to_numeric(leads["price"], errors="coerce")[mask & is_open].sum()) if len(
            leads) else 0.0
        for c, f, v, fmt in (
            ("F", f"=COUNTIF(LeadMix,$A{r})", n, S.INTEGER),
            ("G", f'=COUNTIFS(LeadMix,$A{r},LeadStage,"Won")', w, S.INTEGER),
            ("H", f'=SUMIFS(LeadRevenue,LeadMix,$A{r},LeadStage,"Won")', rev, S.MONEY),
            ("I", f'=SUMIFS(LeadPrice,LeadMix,$A{r},LeadStage,"Open")', pipe, S.MONEY),
        ):
            cache.put(ws, f"{c}{r}", f, v)
            S.body(ws[f"{c}{r}"], fmt)
        for k in range(1, 6):
            S.body(ws.cell(row=r, column=k), wrap=k == 5)
    S.status_colours(ws, f"A{FIRST_ROW}:A{last}", good=("Sweet spot",),
                     warn=("Uncaptured", "Lead deficit", "Untapped"),
                     bad=("Ineffective", "off target"))
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Leads per mix region"
    chart.add_data(Reference(ws, min_col=6, min_row=HEADER_ROW, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=FIRST_ROW, max_row=last))
    chart.legend = None
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"
    chart.width, chart.height = 16, 8.5
    ws.add_chart(chart, f"A{last + 3}")
    add_mix_circles(ws, cache, FIRST_ROW, CHART_DATA_COL, f"F{last + 3}")
    ws.print_area = f"A1:L{last + 34}"  # the tables and both charts, not the circles' points
