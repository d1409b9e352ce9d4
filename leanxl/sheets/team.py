"""The Team sheet: the seed's no-heroes arithmetic, and the workbook's own sellers."""

from __future__ import annotations

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData, Cache, set_name
from leanxl.sheets.cells import (
    is_won,
    write_text,
)
from leanxl.sheets.layout import start_sheet


def write_team(wb: Workbook, ws: Worksheet, data: BookData, leads: pd.DataFrame,
               cache: Cache) -> None:
    """The no-heroes arithmetic and the same figures for the sellers found in Leads."""
    st = data.settings
    start_sheet(ws, "There are no heroes", "5 sellers, the top one 30% over the group average. "
                "Lift the other four by 10% and the top seller can drop 20%: the team still "
                "sells more.", headers=("Assumption", "Value"), clear_from=1, cache=cache,
                drop_charts=True, widths=[40, 14, 18, 22, 18])
    inputs = (("TeamAverage", "Average revenue per seller", st.team_average, S.MONEY),
              ("TopPremium", "Top seller above the average", st.top_premium, S.SHARE),
              ("TeamLift", "Lift for the other four (clear routines)", st.team_lift, S.SHARE),
              ("TopDrop", "Top seller drops by", st.top_drop, S.SHARE))
    for i, (name, label, value, fmt) in enumerate(inputs):
        r = FIRST_ROW + i
        S.body(ws.cell(row=r, column=1, value=label))
        S.body(ws.cell(row=r, column=2, value=value), fmt, editable=True)
        set_name(wb, name, f"Team!$B${r}")
    h = FIRST_ROW + len(inputs) + 1
    S.header(ws, h, 1, ("Seller", "Today", "Team lifted, top drops",
                        "Top leaves, an average Joe joins"))
    avg, prem, lift, drop = st.team_average, st.top_premium, st.team_lift, st.top_drop
    top = avg * (1 + prem)
    other = (5 * avg - top) / 4
    joe = other * (1 + lift)
    rows = [("Top seller", "=TeamAverage*(1+TopPremium)", top,
             f"=B{h + 1}*(1-TopDrop)", top * (1 - drop), f"=B{h + 2}*(1+TeamLift)", joe)]
    for k in range(2, 6):
        rows.append((f"Seller {k}", "=(5*TeamAverage-TeamAverage*(1+TopPremium))/4", other,
                     f"=B{h + k}*(1+TeamLift)", other * (1 + lift),
                     f"=B{h + k}*(1+TeamLift)", other * (1 + lift)))
    for k, (label, f1, v1, f2, v2, f3, v3) in enumerate(rows, start=1):
        r = h + k
        S.body(ws.cell(row=r, column=1, value=label))
        for c, f, v in (("B", f1, v1), ("C", f2, v2), ("D", f3, v3)):
            cache.put(ws, f"{c}{r}", f, v)
            S.body(ws[f"{c}{r}"], S.MONEY)
    t = h + 6
    ws.cell(row=t, column=1, value="Team total").font = S.TOTAL_FONT
    totals = [float(sum(float(r[i]) for r in rows)) for i in (2, 4, 6)]
    for c, v in zip("BCD", totals, strict=True):
        cache.put(ws, f"{c}{t}", f"=SUM({c}{h + 1}:{c}{h + 5})", v)
        S.body(ws[f"{c}{t}"], S.MONEY)
        ws[f"{c}{t}"].font = S.TOTAL_FONT
    ws.cell(row=t + 1, column=1, value="Change vs today")
    for c, v in zip("CD", totals[1:], strict=True):
        cache.put(ws, f"{c}{t + 1}", f"=IF($B${t}=0,0,{c}{t}/$B${t}-1)",
                  v / totals[0] - 1 if totals[0] else 0)
        S.body(ws[f"{c}{t + 1}"], "+0.0%;-0.0%;0.0%")
    ws.cell(row=t + 2, column=1, value="Team still ahead?").font = S.TOTAL_FONT
    cache.put(ws, f"B{t + 2}", f'=IF(AND(C{t}>B{t},D{t}>B{t}),"Yes","No")',
              "Yes" if totals[1] > totals[0] and totals[2] > totals[0] else "No")
    ws[f"B{t + 2}"].font = S.TOTAL_FONT
    S.status_colours(ws, f"B{t + 2}", good=("Yes",), warn=(), bad=("No",))

    chart = BarChart()
    chart.type = "col"
    chart.title = "Team revenue: today vs no-heroes scenarios"
    chart.add_data(Reference(ws, min_col=2, min_row=h, max_col=4, max_row=h),
                   from_rows=True, titles_from_data=False)
    chart.series[0].tx = None
    chart.set_categories(Reference(ws, min_col=2, min_row=h, max_col=4, max_row=h))
    chart.series[0].val.numRef.f = f"Team!$B${t}:$D${t}"
    chart.legend = None
    chart.y_axis.number_format = "#,##0"
    chart.y_axis.scaling.min = 0
    chart.dataLabels = DataLabelList(showVal=True, showPercent=False, showCatName=False,
                                     showSerName=False, showLegendKey=False)
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.width, chart.height = 14, 7.5
    ws.add_chart(chart, f"F{HEADER_ROW}")

    # The same arithmetic on your own sellers (won revenue per owner in Leads).
    y = t + 5
    S.subtitle(ws, f"A{y}", "Your team: won revenue per seller (owner in Leads)")
    S.header(ws, y + 1, 1, ("Seller", "Won revenue", "vs team average", "Role",
                            "Team lifted, top drops"))
    owners: list[str] = []
    won_by: dict[str, float] = {}
    if len(leads) and "owner" in leads:
        w = leads[is_won(leads)]
        rev = pd.to_numeric(w["revenue"], errors="coerce")
        won_by = rev.groupby(w["owner"].astype(str)).sum().to_dict()
        owners = sorted(str(o) for o in leads["owner"].dropna().astype(str).unique())
    first, last = y + 2, y + 1 + max(len(owners), 1)
    values = [float(won_by.get(o, 0.0)) for o in owners]
    mean = sum(values) / len(values) if values else 0
    top_v = max(values) if values else None
    after = []
    for k, owner in enumerate(owners):
        r = first + k
        v = values[k]
        write_text(ws.cell(row=r, column=1), owner)
        S.body(ws.cell(row=r, column=1))
        cache.put(ws, f"B{r}", f'=SUMIFS(LeadRevenue,LeadOwner,A{r},LeadStage,"Won")', v)
        cache.put(ws, f"C{r}", f"=IF(AVERAGE($B${first}:$B${last})=0,0,"
                  f"B{r}/AVERAGE($B${first}:$B${last})-1)", v / mean - 1 if mean else 0)
        is_top = v == top_v
        cache.put(ws, f"D{r}", f'=IF(B{r}=MAX($B${first}:$B${last}),"Top seller","")',
                  "Top seller" if is_top else "")
        a = v * (1 - drop) if is_top else v * (1 + lift)
        after.append(a)
        cache.put(ws, f"E{r}", f'=IF(D{r}="Top seller",B{r}*(1-TopDrop),B{r}*(1+TeamLift))', a)
        for letter, fmt2 in (("B", S.MONEY), ("C", "+0%;-0%;0%"), ("D", None), ("E", S.MONEY)):
            S.body(ws[f"{letter}{r}"], fmt2)
    if owners:
        tt = last + 1
        ws.cell(row=tt, column=1, value="Team total").font = S.TOTAL_FONT
        cache.put(ws, f"B{tt}", f"=SUM(B{first}:B{last})", sum(values))
        cache.put(ws, f"E{tt}", f"=SUM(E{first}:E{last})", sum(after))
        for c in "BE":
            S.body(ws[f"{c}{tt}"], S.MONEY)
            ws[f"{c}{tt}"].font = S.TOTAL_FONT
