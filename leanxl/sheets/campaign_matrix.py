"""The CampaignMatrix sheet: campaign x profile match, per-factor gaps, web graphs and pies."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from openpyxl.chart import PieChart, RadarChart, Reference, Series
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.sheets import book as B
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData, Cache
from leanxl.sheets.campaign_segments import segment_pie, write_campaign_segments
from leanxl.sheets.cells import (
    FACTOR_LABELS,
    N,
    factor_rows,
)
from leanxl.sheets.layout import start_sheet
from leanxl.xlsx.refs import column_letter, quote_sheet


def write_matrix(ws: Worksheet, data: BookData, leads: pd.DataFrame, cache: Cache) -> None:
    """Campaign x profile match %, per-factor gaps, web graphs (radar) and pies."""
    from leanxl import scoring

    camp = data.campaigns.reset_index(drop=True)
    prof = data.profiles.reset_index(drop=True)
    st = data.settings
    n_c, n_p = len(camp), len(prof)
    start_sheet(ws, "Campaigns matched against profiles", "Does each campaign reach the profiles "
                "we want? Match % per pair (100 = the campaign aims exactly at the profile), "
                "then the gap on every factor.",
                headers=("Code", "Campaign", *prof["profile"].astype(str),
                         "Best matching profile"),
                clear_from=1, cache=cache, drop_charts=True, drop_colours=True,
                widths=[8, 30] + [14] * max(N, n_p + 1), freeze=f"C{FIRST_ROW}")
    ws.row_breaks = RowBreak()
    m, errs = (scoring.match(factor_rows(camp), factor_rows(prof), st.weights, st.scale_max,
                             return_errors=True) if n_c and n_p else (np.empty((n_c, n_p)), {}))
    for i in range(n_c):
        r = FIRST_ROW + i
        cr = FIRST_ROW + i  # the campaign's row on the Campaigns sheet
        cache.put(ws, f"A{r}", f"=Campaigns!A{cr}", str(camp.at[i, "code"]))
        cache.put(ws, f"B{r}", f"=Campaigns!B{cr}", str(camp.at[i, "name"]))
        for c in (1, 2):
            S.body(ws.cell(row=r, column=c))
        for j in range(n_p):
            pr = FIRST_ROW + j
            value = errs[i] if i in errs else m[i, j]
            cache.put(ws, f"{column_letter(3 + j)}{r}",
                      f"=LEANXL_MATCH(Campaigns!D{cr}:M{cr},Profiles!B{pr}:K{pr},Weights,"
                      "ScaleMax)", None if value is None or value != value else value)
            S.body(ws.cell(row=r, column=3 + j), S.PERCENT_0_100)
        if n_p:
            row_ref = f"C{r}:{column_letter(2 + n_p)}{r}"
            head = f"$C${HEADER_ROW}:${column_letter(2 + n_p)}${HEADER_ROW}"
            finite = np.where(np.isnan(m[i]), -np.inf, m[i]) if i not in errs else None
            best = (None if finite is None or not np.isfinite(finite).any()
                    else str(prof.at[int(np.argmax(finite)), "profile"]))
            cache.put(ws, f"{column_letter(3 + n_p)}{r}",
                      f"=IFERROR(INDEX({head},MATCH(MAX({row_ref}),{row_ref},0)),\"\")", best)
            S.body(ws.cell(row=r, column=3 + n_p))
    if n_c and n_p:
        S.heat(ws, f"C{FIRST_ROW}:{column_letter(2 + n_p)}{FIRST_ROW + n_c - 1}")

    # Per-factor gaps: campaign target minus profile target; negative = the campaign pulls
    # the profile towards the ideal, positive = aimed beside it, 0 = already there.
    g0 = FIRST_ROW + n_c + 2
    S.subtitle(ws, f"A{g0}", "Gap per factor = campaign target - profile target")
    S.note(ws, f"A{g0 + 1}", "Negative (green): the campaign pulls this profile towards the "
           "ideal. 0: the profile is already there (little effect). Positive (amber): aimed "
           "beside this profile. Blank: not targeted.")
    S.header(ws, g0 + 2, 1, ("Code", "Profile", *FACTOR_LABELS))
    ct, pt = factor_rows(camp), factor_rows(prof)
    r = g0 + 3
    for i in range(n_c):
        for j in range(n_p):
            cr, pr = FIRST_ROW + i, FIRST_ROW + j
            cache.put(ws, f"A{r}", f"=Campaigns!A{cr}", str(camp.at[i, "code"]))
            cache.put(ws, f"B{r}", f"=Profiles!A{pr}", str(prof.at[j, "profile"]))
            S.body(ws.cell(row=r, column=1))
            S.body(ws.cell(row=r, column=2))
            for k in range(N):
                cc, pc = column_letter(4 + k), column_letter(2 + k)
                a, b = ct[i, k], pt[j, k]
                value = None if np.isnan(a) or np.isnan(b) else float(a - b)
                cache.put(ws, f"{column_letter(3 + k)}{r}",
                          f'=IF(OR(Campaigns!{cc}{cr}="",Profiles!{pc}{pr}=""),"",'
                          f"Campaigns!{cc}{cr}-Profiles!{pc}{pr})", value)
                S.body(ws.cell(row=r, column=3 + k), '+0;-0;0')
                ws.cell(row=r, column=3 + k).alignment = S.CENTER
            r += 1
    if n_c and n_p:
        gaps = f"C{g0 + 3}:{column_letter(2 + N)}{r - 1}"
        ws.conditional_formatting.add(gaps, S.CellIsRule(
            operator="lessThan", formula=["0"], fill=S.GOOD_FILL, font=S.GOOD_FONT))
        ws.conditional_formatting.add(gaps, S.CellIsRule(
            operator="greaterThan", formula=["0"], fill=S.WARN_FILL, font=S.WARN_FONT))

    # Leads each campaign speaks to: a profile's leads weighted by the campaign's match.
    q0 = r + 2
    S.subtitle(ws, f"A{q0}", "Leads each campaign speaks to = leads best matching the profile "
               "x campaign match %")
    S.header(ws, q0 + 1, 1, ("Code", "Campaign", *prof["profile"].astype(str), "Total"))
    counts = [0] * n_p
    if len(leads):
        counts = [int(leads["best_profile"].eq(name).sum()) for name in prof["profile"]]
    reach_rows = []
    for i in range(n_c):
        r = q0 + 2 + i
        reach_rows.append(r)
        cache.put(ws, f"A{r}", f"=A{FIRST_ROW + i}", str(camp.at[i, "code"]))
        cache.put(ws, f"B{r}", f"=B{FIRST_ROW + i}", str(camp.at[i, "name"]))
        total = 0.0
        for j in range(n_p):
            mval = m[i, j] if i not in errs else float("nan")
            v = counts[j] * mval / 100 if mval == mval else None
            total += v or 0.0
            cache.put(ws, f"{column_letter(3 + j)}{r}",
                      f"=IFERROR(Profiles!$Q${FIRST_ROW + j}*{column_letter(3 + j)}"
                      f"{FIRST_ROW + i}/100,0)", v if v is not None else 0)
            S.body(ws.cell(row=r, column=3 + j), "#,##0")
        cache.put(ws, f"{column_letter(3 + n_p)}{r}",
                  f"=SUM(C{r}:{column_letter(2 + n_p)}{r})", total)
        S.body(ws.cell(row=r, column=3 + n_p), "#,##0")
        S.body(ws.cell(row=r, column=1))
        S.body(ws.cell(row=r, column=2))
    r = q0 + 2 + n_c
    s0 = r + 2
    r, segment_rows = write_campaign_segments(ws, camp, prof, m, errs, leads, cache, s0)

    # The seed's "Campaign Webgraph" (campaign vs every profile) and "Matrix view" pies.
    c0 = r + 2
    S.subtitle(ws, f"A{c0}", "Web graph per campaign (closer to the centre = closer to the "
               "ideal prospect) and how the leads it speaks to spread over profiles and segments")
    for i in range(n_c):
        anchor_row = c0 + 1 + i * 25
        ws.row_breaks.append(Break(id=anchor_row - 1))  # one campaign per printed page
        ws.add_chart(_radar(camp, prof, i), f"A{anchor_row}")
        if n_p:
            ws.add_chart(_pie(ws, camp, n_p, i, reach_rows[i], q0 + 1), f"G{anchor_row}")
        ws.add_chart(segment_pie(ws, str(camp.at[i, "code"]), segment_rows[i], s0 + 1),
                     f"K{anchor_row}")


def _radar(camp: pd.DataFrame, prof: pd.DataFrame, i: int) -> RadarChart:
    chart = RadarChart()
    chart.type = "marker"
    chart.style = 26
    chart.title = f"{camp.at[i, 'code']}: {camp.at[i, 'name']}"
    cr = FIRST_ROW + i
    campaign = _row_series(B.CAMPAIGNS, cr, 4, f"{camp.at[i, 'code']} (campaign)")
    # The campaign stands out: thick dark line with markers (it leaves factors blank, and a
    # lone targeted factor between two blanks is only visible as a marker).
    campaign.graphicalProperties.line.solidFill = "1F1F1F"
    campaign.graphicalProperties.line.width = 44450
    campaign.marker.symbol = "circle"
    campaign.marker.size = 8
    campaign.marker.graphicalProperties = GraphicalProperties(solidFill="1F1F1F")
    chart.series.append(campaign)
    for j in range(len(prof)):
        s = _row_series(B.PROFILES, FIRST_ROW + j, 2, str(prof.at[j, "profile"]))
        s.graphicalProperties.line.solidFill = PROFILE_COLOURS[j % len(PROFILE_COLOURS)]
        s.graphicalProperties.line.width = 19050
        s.marker.symbol = "none"
        chart.series.append(s)
    from openpyxl.chart.reference import Reference as Ref

    for s in chart.series:
        s.cat = _cat_ref(Ref, B.PROFILES, HEADER_ROW, 2, 1 + N)
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 5
    chart.y_axis.majorUnit = 1
    chart.y_axis.delete = False
    chart.legend.position = "b"
    chart.width, chart.height = 17, 12
    return chart


PROFILE_COLOURS = ("C00000", "2E75B6", "70AD47", "ED7D31", "7030A0", "00B0F0", "FFC000")


def _row_series(title: str, row: int, first_col: int, label: str) -> Series:
    first, last = column_letter(first_col), column_letter(first_col + N - 1)
    ref = f"{quote_sheet(title)}!${first}${row}:${last}${row}"
    return Series(ref, title=label)


def _cat_ref(_ref: Any, title: str, row: int, c1: int, c2: int) -> Any:
    from openpyxl.chart.data_source import AxDataSource, StrRef

    return AxDataSource(strRef=StrRef(f"{quote_sheet(title)}!${column_letter(c1)}${row}:"
                                      f"${column_letter(c2)}${row}"))


def _pie(ws: Worksheet, camp: pd.DataFrame, n_p: int, i: int, row: int,
         head_row: int) -> PieChart:
    chart = PieChart()
    chart.title = f"{camp.at[i, 'code']}: whose leads it speaks to"
    chart.add_data(Reference(ws, min_col=3, min_row=row, max_col=2 + n_p, max_row=row),
                   from_rows=True, titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=3, min_row=head_row, max_col=2 + n_p,
                                   max_row=head_row))
    for j in range(n_p):  # the same colour per profile as in the web graph
        point = DataPoint(idx=j)
        point.graphicalProperties.solidFill = PROFILE_COLOURS[j % len(PROFILE_COLOURS)]
        chart.series[0].dPt.append(point)
    chart.dataLabels = DataLabelList(showPercent=True, showVal=False, showCatName=False,
                                     showSerName=False, showLegendKey=False)
    chart.legend.position = "b"
    chart.width, chart.height = 12, 12
    return chart
