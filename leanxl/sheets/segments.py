"""The Segments sheet: customer spread vs marketing spread over S1..S4."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import SEGMENTS
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData, Cache
from leanxl.sheets.cells import (
    is_won,
)
from leanxl.sheets.layout import start_sheet
from leanxl.sheets.segment_grid import write_segment_grid

GRID_COLUMN = 8  # H: the profile spread grid, beside the chart

SEGMENT_HEADERS = ("Segment", "Price / complexity", "Leads", "Won (12 months)",
                   "Won revenue (12 months)", "Customer spread (% of wins)",
                   "Reached by marketing", "Marketing spread (% of reach)",
                   "Marketing minus customers", "Untapped leads (in market, not in sales plan)",
                   "Untapped pipeline value")


def write_segments(ws: Worksheet, data: BookData, leads: pd.DataFrame, cache: Cache) -> None:
    """Wins and marketing reach per segment S1..S4 over the 12-month window, and a chart."""
    start_sheet(ws, "Segments: customer spread vs marketing spread", "Where did we win in the "
                "last 12 months, where does marketing reach, and where is potential nobody "
                "works? S1 low price/low complexity ... S4 high/high.",
                headers=SEGMENT_HEADERS, header_height=48, clear_from=1, cache=cache,
                drop_charts=True, drop_colours=True,
                widths=[10, 28, 9, 11, 14, 14, 12, 16, 20, 18, 16, 12, 30], freeze=f"B{FIRST_ROW}")
    st = data.settings
    end = pd.Timestamp(st.period_end or dt.date(2025, 12, 1))
    start = end - pd.DateOffset(months=12)
    seg = leads["segment"] if len(leads) else pd.Series(dtype=object)
    won = is_won(leads) if len(leads) else pd.Series(dtype=bool)
    created = pd.to_datetime(leads["created"], errors="coerce") if len(leads) else seg
    in_window = (created >= start) & (created <= end) if len(leads) else seg
    totals = {"won": 0, "reach": 0}
    per = {}
    for s in SEGMENTS:
        mask = seg.eq(s).fillna(False) if len(leads) else seg
        if len(leads):
            w = mask & won & in_window.fillna(False)
            reach = mask & leads["reached_by_marketing"].eq(True)
            untapped = mask & leads["in_target_market"].eq(True) & leads["in_sales_plan"].eq(False)
            price = pd.to_numeric(leads["price"], errors="coerce")
            per[s] = (int(mask.sum()), int(w.sum()),
                      float(pd.to_numeric(leads["revenue"], errors="coerce")[w].sum()),
                      int(reach.sum()), int(untapped.sum()), float(price[untapped].sum()))
        else:
            per[s] = (0, 0, 0.0, 0, 0, 0.0)
        totals["won"] += per[s][1]
        totals["reach"] += per[s][3]
    last = FIRST_ROW + len(SEGMENTS) - 1
    for i, (s, meaning) in enumerate(SEGMENTS.items()):
        r = FIRST_ROW + i
        n, w, rev, reach, untapped, value = per[s]
        ws.cell(row=r, column=1, value=s).font = S.TOTAL_FONT
        ws.cell(row=r, column=2, value=meaning)
        crit_win = (f'LeadSegment,$A{r},LeadStage,"Won",LeadCreated,">="&PeriodStart,'
                    f'LeadCreated,"<="&PeriodEnd')
        cust = w / totals["won"] if totals["won"] else 0
        mkt = reach / totals["reach"] if totals["reach"] else 0
        cells = (
            ("C", f"=COUNTIF(LeadSegment,$A{r})", n, S.INTEGER),
            ("D", f"=COUNTIFS({crit_win})", w, S.INTEGER),
            ("E", f"=SUMIFS(LeadRevenue,{crit_win})", rev, S.MONEY),
            ("F", f"=IF(SUM($D${FIRST_ROW}:$D${last})=0,0,D{r}/SUM($D${FIRST_ROW}:$D${last}))",
             cust, S.SHARE),
            ("G", f"=COUNTIFS(LeadSegment,$A{r},LeadReached,TRUE)", reach, S.INTEGER),
            ("H", f"=IF(SUM($G${FIRST_ROW}:$G${last})=0,0,G{r}/SUM($G${FIRST_ROW}:$G${last}))",
             mkt, S.SHARE),
            ("I", f"=H{r}-F{r}", mkt - cust, '+0%;-0%;0%'),
            ("J", f"=COUNTIFS(LeadSegment,$A{r},LeadMarket,TRUE,LeadPlan,FALSE)", untapped,
             S.INTEGER),
            ("K", f"=SUMIFS(LeadPrice,LeadSegment,$A{r},LeadMarket,TRUE,LeadPlan,FALSE)", value,
             S.MONEY),
        )
        for c, f, v, fmt in cells:
            cache.put(ws, f"{c}{r}", f, v)
            S.body(ws[f"{c}{r}"], fmt)
        S.body(ws.cell(row=r, column=1))
        S.body(ws.cell(row=r, column=2))
    t = last + 1
    ws.cell(row=t, column=1, value="Total").font = S.TOTAL_FONT
    for c, key, fmt in (("C", 0, S.INTEGER), ("D", 1, S.INTEGER), ("E", 2, S.MONEY),
                        ("G", 3, S.INTEGER), ("J", 4, S.INTEGER), ("K", 5, S.MONEY)):
        total = sum(per[s][key] for s in SEGMENTS)
        cache.put(ws, f"{c}{t}", f"=SUM({c}{FIRST_ROW}:{c}{last})", total)
        S.body(ws[f"{c}{t}"], fmt)
        ws[f"{c}{t}"].font = S.TOTAL_FONT
    ws.conditional_formatting.add(f"I{FIRST_ROW}:I{last}", S.CellIsRule(
        operator="greaterThan", formula=["0.1"], fill=S.WARN_FILL, font=S.WARN_FONT))
    ws.conditional_formatting.add(f"I{FIRST_ROW}:I{last}", S.CellIsRule(
        operator="lessThan", formula=["-0.1"], fill=S.WARN_FILL, font=S.WARN_FONT))
    S.note(ws, f"A{t + 2}", "Marketing minus customers: a large + means marketing reaches a "
           "segment where we rarely win (over-reaching or wrong approach?); a large - means we "
           "win where marketing is absent.")
    S.note(ws, f"A{t + 3}", "Window: from Settings' Period start to Period end (12 months).")

    chart = BarChart()
    chart.type = "col"
    chart.title = "Customer spread vs marketing spread"
    chart.y_axis.title = "share"
    chart.y_axis.number_format = "0%"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    for col in (6, 8):
        chart.add_data(Reference(ws, min_col=col, min_row=HEADER_ROW, max_row=last),
                       titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=FIRST_ROW, max_row=last))
    chart.width, chart.height = 16, 8.5
    ws.add_chart(chart, f"A{t + 5}")
    write_segment_grid(ws, data, leads, cache, t + 5, GRID_COLUMN)
