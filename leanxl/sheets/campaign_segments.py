"""Campaigns mapped against segments (the seed's "Campaigns mapped against segments and Lead
Profiles, pies"): the leads each campaign speaks to in each segment S1..S4 — every lead of a
segment counted for its best profile, weighted by the campaign's match with that profile — and
a pie per campaign over the segments, beside its pie over the profiles."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from openpyxl.chart import PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import SEGMENTS
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, Cache
from leanxl.xlsx.refs import column_letter

SEGMENT_COLOURS = ("A9D18E", "FFD966", "F4B183", "C00000")


def write_campaign_segments(ws: Worksheet, camp: pd.DataFrame, prof: pd.DataFrame,
                            match: np.ndarray, errors: Mapping[int, object],
                            leads: pd.DataFrame, cache: Cache, top: int) -> tuple[int, list[int]]:
    """The campaign x segment table from row ``top``; returns (next free row, campaign rows).

    The match % of campaign i and profile j is in row FIRST_ROW + i, column 3 + j.
    """
    n_c, n_p = len(camp), len(prof)
    S.subtitle(ws, f"A{top}", "Leads each campaign speaks to per segment = each segment's leads "
               "by best profile x campaign match %")
    S.header(ws, top + 1, 1, ("Code", "Campaign", *SEGMENTS, "Total"))
    names = prof["profile"].astype(str).tolist()
    seg = leads["segment"] if len(leads) else pd.Series(dtype=object)
    best = leads["best_profile"] if len(leads) else pd.Series(dtype=object)
    counts = np.array([[int((seg.eq(s) & best.eq(p)).sum()) if len(leads) else 0 for p in names]
                       for s in SEGMENTS], dtype=float).reshape(len(SEGMENTS), n_p)
    profiles_ref = f"Profiles!$A${FIRST_ROW}:$A${FIRST_ROW + max(n_p, 1) - 1}"
    rows = []
    for i in range(n_c):
        r = top + 2 + i
        rows.append(r)
        cache.put(ws, f"A{r}", f"=A{FIRST_ROW + i}", str(camp.at[i, "code"]))
        cache.put(ws, f"B{r}", f"=B{FIRST_ROW + i}", str(camp.at[i, "name"]))
        m = np.zeros(n_p) if i in errors else np.nan_to_num(match[i], nan=0.0)
        match_ref = f"$C${FIRST_ROW + i}:${column_letter(2 + max(n_p, 1))}${FIRST_ROW + i}"
        total = 0.0
        for k, s in enumerate(SEGMENTS):
            value = float(counts[k] @ m / 100) if n_p else 0.0
            total += value
            cache.put(ws, f"{column_letter(3 + k)}{r}",
                      f'=IFERROR(SUMPRODUCT(COUNTIFS(LeadSegment,"{s}",LeadBestProfile,'
                      f"TRANSPOSE({profiles_ref})),{match_ref})/100,0)", value)
            S.body(ws.cell(row=r, column=3 + k), "#,##0")
        cache.put(ws, f"{column_letter(3 + len(SEGMENTS))}{r}",
                  f"=SUM(C{r}:{column_letter(2 + len(SEGMENTS))}{r})", total)
        S.body(ws.cell(row=r, column=3 + len(SEGMENTS)), "#,##0")
        S.body(ws.cell(row=r, column=1))
        S.body(ws.cell(row=r, column=2))
    return top + 2 + n_c, rows


def segment_pie(ws: Worksheet, code: str, row: int, head_row: int) -> PieChart:
    """One campaign's leads spread over S1..S4 (row ``row`` of the campaign x segment table)."""
    chart = PieChart()
    chart.title = f"{code}: which segments it reaches"
    chart.add_data(Reference(ws, min_col=3, min_row=row, max_col=2 + len(SEGMENTS), max_row=row),
                   from_rows=True, titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=3, min_row=head_row, max_col=2 + len(SEGMENTS),
                                   max_row=head_row))
    for k, colour in enumerate(SEGMENT_COLOURS):
        point = DataPoint(idx=k)
        point.graphicalProperties.solidFill = colour
        chart.series[0].dPt.append(point)
    chart.dataLabels = DataLabelList(showPercent=True, showVal=False, showCatName=False,
                                     showSerName=False, showLegendKey=False)
    chart.legend.position = "b"
    chart.width, chart.height = 12, 12
    return chart
