"""The seed's picture of the Sales / Marketing / Market mix: three overlapping circles with the
leads (and won revenue) of each region written inside.

Drawn as a native scatter chart so Excel and LibreOffice both show it: each circle is a series
of points on its outline (smooth lines, no markers), each region's text is a one-point series
at a spot inside exactly that region, labelled with its series name, which is a cell holding a
formula over the Mix table (so Excel updates it with the counts). The points live in cells to
the right of the sheet's tables, under a "Chart data" header.
"""

from __future__ import annotations

import math

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import SeriesLabel
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import MIX_LABELS
from leanxl.sheets import style as S
from leanxl.sheets.book import Cache
from leanxl.xlsx.refs import column_letter, quote_sheet

RADIUS = 1.0
# (plan, reach, market) circles: Sales, Marketing, Market.
CIRCLES = (("Sales", (-0.55, 0.4), "C00000"), ("Marketing", (0.55, 0.4), "2E75B6"),
           ("Market", (0.0, -0.5), "70AD47"))
# A point inside exactly the circles of each region (checked by a test); Outside in a corner.
REGION_SPOTS = {
    (True, True, True): (0.0, 0.1), (True, True, False): (0.0, 0.95),
    (True, False, True): (-0.72, -0.35), (False, True, True): (0.72, -0.35),
    (True, False, False): (-1.05, 0.8), (False, True, False): (1.05, 0.8),
    (False, False, True): (0.0, -1.15), (False, False, False): (1.55, -1.55),
}
TITLE_SPOTS = ((-1.2, 1.55), (1.2, 1.55), (0.0, -1.72))
POINTS = 73  # per circle (every 5 degrees, closed)
X_RANGE, Y_RANGE = (-2.1, 2.1), (-1.9, 1.75)


def add_mix_circles(ws: Worksheet, cache: Cache, first_row: int, data_col: int,
                    anchor: str) -> None:
    """Write the chart's points from ``data_col`` and add the chart at ``anchor``.

    ``first_row`` is the first row of the Mix table (region in A, leads in F, won revenue H),
    in :data:`~leanxl.domain.MIX_LABELS` order.
    """
    S.subtitle(ws, f"{column_letter(data_col)}1", "Chart data (the circles' outlines)")
    head = 3
    chart = ScatterChart()
    chart.title = "Sales, Marketing, Market: leads (won revenue) per region"
    chart.style = 13
    for k, (name, (cx, cy), colour) in enumerate(CIRCLES):
        xc, yc = data_col + 2 * k, data_col + 2 * k + 1
        ws.cell(row=head, column=xc, value=f"{name} x")
        ws.cell(row=head, column=yc, value=name)
        for i in range(POINTS):
            a = 2 * math.pi * i / (POINTS - 1)
            ws.cell(row=head + 1 + i, column=xc, value=round(cx + RADIUS * math.cos(a), 4))
            ws.cell(row=head + 1 + i, column=yc, value=round(cy + RADIUS * math.sin(a), 4))
        series = Series(Reference(ws, min_col=yc, min_row=head + 1, max_row=head + POINTS),
                        Reference(ws, min_col=xc, min_row=head + 1, max_row=head + POINTS),
                        title_from_data=False, title=name)
        series.smooth = True
        series.marker.symbol = "none"
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.width = 38100
        chart.series.append(series)
    # Label points: x, y, label text (a formula: region, leads, won revenue).
    lx = data_col + 2 * len(CIRCLES)
    ws.cell(row=head, column=lx, value="label x")
    ws.cell(row=head, column=lx + 1, value="label y")
    ws.cell(row=head, column=lx + 2, value="label")
    labels: list[tuple[float, float, str, str]] = []
    for i, (flags, region) in enumerate(MIX_LABELS.items()):
        r = first_row + i
        x, y = REGION_SPOTS[flags]
        labels.append((x, y, f'=A{r}&CHAR(10)&TEXT(F{r},"#,##0")&" leads"&CHAR(10)&'
                             f'TEXT(H{r},"#,##0")&" won"', region))
    for (name, _c, _colour), (x, y) in zip(CIRCLES, TITLE_SPOTS, strict=True):
        labels.append((x, y, name.upper(), name.upper()))
    for i, (x, y, text, region) in enumerate(labels):
        r = head + 1 + i
        ws.cell(row=r, column=lx, value=x)
        ws.cell(row=r, column=lx + 1, value=y)
        label = ws.cell(row=r, column=lx + 2)
        if text.startswith("="):
            cache.put(ws, label.coordinate, text, _label_value(ws, cache, first_row, region))
        else:
            label.value = text
        series = Series(Reference(ws, min_col=lx + 1, min_row=r, max_row=r),
                        Reference(ws, min_col=lx, min_row=r, max_row=r), title_from_data=False)
        series.tx = SeriesLabel(strRef=StrRef(
            f"{quote_sheet(ws.title)}!${column_letter(lx + 2)}${r}"))
        series.marker.symbol = "none"
        series.graphicalProperties.line.noFill = True
        series.dLbls = DataLabelList(showSerName=True, showVal=False, showCatName=False,
                                     showLegendKey=False, showPercent=False)
        series.dLbls.position = "ctr"
        chart.series.append(series)
    for axis, (lo, hi) in ((chart.x_axis, X_RANGE), (chart.y_axis, Y_RANGE)):
        axis.scaling.min, axis.scaling.max = lo, hi
        axis.delete = True
        axis.majorGridlines = None
    chart.legend = None
    chart.width, chart.height = 17, 15.5  # ~ the axes' ratio, so the circles stay round
    ws.add_chart(chart, anchor)


def _label_value(ws: Worksheet, cache: Cache, first_row: int, region: str) -> str:
    """What the label formula shows: read from the Mix table's cached values."""
    values = cache.values.get(ws.title, {})
    i = list(MIX_LABELS.values()).index(region)
    r = first_row + i
    leads, won = values.get(f"F{r}") or 0, values.get(f"H{r}") or 0
    return f"{region}\n{leads:,.0f} leads\n{won:,.0f} won"
