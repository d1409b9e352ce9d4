"""The KPITracker sheet: actuals per period, status, trend, adherence, a chart."""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.chart import LineChart, Reference, Series
from openpyxl.worksheet.worksheet import Worksheet

from leanxl import kpi
from leanxl.errors import CellError
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData, Cache
from leanxl.sheets.cells import (
    number,
)
from leanxl.sheets.layout import start_sheet
from leanxl.values import is_blank
from leanxl.xlsx.refs import column_letter

TRACKER_FIXED = ("KPI", "Target", "Latest", "Status", "Trend", "Plan adherence",
                 "Goal reached and held")
P0 = len(TRACKER_FIXED) + 1  # first period column


def write_tracker(ws: Worksheet, data: BookData, cache: Cache) -> None:
    """Actuals per KPI and period with status, trend, adherence, goal held, and a chart."""
    kpis = data.kpis.reset_index(drop=True)
    periods = [str(p) for p in data.actuals.columns]
    n_p = len(periods)
    start_sheet(ws, "KPI tracker", "Actual per period. Status compares the latest period with "
                "the target (within tolerance = at risk); plan adherence = share of periods on "
                "target.", headers=(*TRACKER_FIXED, *periods), clear_from=1, cache=cache,
                drop_charts=True, drop_colours=True,
                widths=[30, 9, 9, 11, 12, 11, 12] + [8] * n_p, freeze=f"B{FIRST_ROW}")
    first_p, last_p = column_letter(P0), column_letter(P0 + max(n_p, 1) - 1)
    for i, row in kpis.iterrows():
        r = FIRST_ROW + int(i)
        kr = FIRST_ROW + int(i)  # the KPI's row on the KPIs sheet
        name = row["kpi"]
        values = (data.actuals.loc[name].tolist() if name in data.actuals.index
                  else [None] * n_p)
        values = [None if is_blank(v) else number(v) for v in values]
        for j, v in enumerate(values):
            cell = ws.cell(row=r, column=P0 + j, value=v)
            S.body(cell, "General", editable=True)
        target, direction = number(row["target"]), str(row["direction"] or "higher")
        cache.put(ws, f"A{r}", f"=KPIs!A{kr}", str(name))
        cache.put(ws, f"B{r}", f"=KPIs!G{kr}", target)
        span = f"{first_p}{r}:{last_p}{r}"
        filled = [v for v in values if v is not None]
        latest = filled[-1] if filled else None
        cache.put(ws, f"C{r}", f'=IF(COUNT({span})=0,"",LOOKUP(9.99E+307,{span}))', latest)
        # The same functions the add-in's LEANXL_KPISTATUS / LEANXL_KPITREND call.
        status = kpi.kpi_status(latest, row["target"], direction, row["tolerance"])
        cache.put(ws, f"D{r}", f"=LEANXL_KPISTATUS(C{r},KPIs!G{kr},KPIs!H{kr},KPIs!I{kr})",
                  "" if status is None else status)
        cache.put(ws, f"E{r}", f"=LEANXL_KPITREND({span},KPIs!H{kr})",
                  kpi.kpi_trend(values, direction))
        on = [on_target(v, target, direction) for v in filled]
        adherence = (sum(on) / len(on)) if on else None
        cache.put(ws, f"F{r}",
                  f'=IF(COUNT({span})=0,"",IF({_is_lower(f"KPIs!H{kr}")},COUNTIF({span},"<="&KPIs!G{kr}),'
                  f'COUNTIF({span},">="&KPIs!G{kr}))/COUNT({span}))', adherence)
        hold = data.settings.hold_periods
        tail = values[-hold:] if hold <= len(values) else []
        held = ("Yes" if tail and all(v is not None and on_target(v, target, direction)
                                       for v in tail) else "No")
        last_cell = f"{last_p}{r}"
        window = f"OFFSET({last_cell},0,1-HoldPeriods,1,HoldPeriods)"
        cache.put(ws, f"G{r}",
                  f'=IF(COUNT({span})<HoldPeriods,"No",IF(IF({_is_lower(f"KPIs!H{kr}")},'
                  f'COUNTIF({window},"<="&KPIs!G{kr}),COUNTIF({window},">="&KPIs!G{kr}))'
                  f'=HoldPeriods,"Yes","No"))', held)
        for c, fmt in (("A", None), ("B", "General"), ("C", "General"), ("D", None), ("E", None),
                       ("F", S.SHARE), ("G", None)):
            S.body(ws[f"{c}{r}"], fmt)
        ws[f"A{r}"].font = S.TOTAL_FONT
    last = FIRST_ROW + max(len(kpis), 1) - 1
    S.status_colours(ws, f"D{FIRST_ROW}:D{last}", good=("on track",), warn=("at risk",),
                     bad=("off track",))
    S.status_colours(ws, f"G{FIRST_ROW}:G{last}", good=("Yes",), warn=(), bad=())
    S.status_colours(ws, f"E{FIRST_ROW}:E{last}", good=("improving",), warn=(),
                     bad=("worsening",))
    # One line per KPI: actual as % of its target (100 = on target), so units do not clash.
    if len(kpis) and n_p:
        h0 = last + 3
        S.subtitle(ws, f"A{h0}", "Actual as % of target (100 = on target; for 'lower is "
                   "better' KPIs, target / actual)")
        S.header(ws, h0 + 1, 1, ("KPI", *[""] * (P0 - 2), *periods))
        for i, row in kpis.iterrows():
            r, src = h0 + 2 + int(i), FIRST_ROW + int(i)
            kr = src
            cache.put(ws, f"A{r}", f"=A{src}", str(row["kpi"]))
            values = (data.actuals.loc[row["kpi"]].tolist() if row["kpi"] in data.actuals.index
                      else [None] * n_p)
            target = number(row["target"])
            lower = _lower(row["direction"])
            for j, v in enumerate(values):
                c = column_letter(P0 + j)
                v = number(v)
                pct = (None if v is None or not target or (lower and v == 0)
                       else (target / v if lower else v / target) * 100)
                cache.put(ws, f"{c}{r}",
                          f'=IF(OR({c}{src}="",KPIs!G{kr}=0),NA(),IF({_is_lower(f"KPIs!H{kr}")},'
                          f"KPIs!G{kr}/{c}{src},{c}{src}/KPIs!G{kr})*100)",
                          pct if pct is not None else CellError("#N/A", "no actual"))
                S.body(ws[f"{c}{r}"], "0")
        chart = LineChart()
        chart.title = "KPIs against target (100 = on target)"
        for i in range(len(kpis)):
            r = h0 + 2 + i
            s = Series(Reference(ws, min_col=P0, min_row=r, max_col=P0 + n_p - 1, max_row=r),
                       title=str(kpis.at[i, "kpi"]))
            s.smooth = False
            chart.series.append(s)
        chart.set_categories(Reference(ws, min_col=P0, min_row=HEADER_ROW,
                                       max_col=P0 + n_p - 1))
        chart.y_axis.title = "% of target"
        chart.y_axis.delete = False
        chart.x_axis.delete = False
        chart.width, chart.height = 24, 9
        ws.add_chart(chart, f"A{h0 + 3 + len(kpis)}")


LOWER_WORDS = ("lower", "down")


def _lower(direction: Any) -> bool:
    return str(direction or "").strip().casefold() in LOWER_WORDS


def on_target(value: float, target: float | None, direction: str) -> bool:
    """What the tracker's COUNTIF formulas count: at or beyond target in the good direction."""
    if target is None:
        return False
    return value <= target if _lower(direction) else value >= target


def _is_lower(cell: str) -> str:
    """Excel test for a "lower is better" direction cell."""
    return f'OR({cell}="lower",{cell}="down")'


def read_actuals(ws: Worksheet, kpis: pd.DataFrame) -> pd.DataFrame:
    """The tracker's period block back as a KPI x period frame."""
    heads = [c.value for c in ws[HEADER_ROW]][P0 - 1:]
    periods = [str(h) for h in heads if not is_blank(h)]
    rows = {}
    for i, name in enumerate(kpis["kpi"]):
        r = FIRST_ROW + i
        rows[name] = [ws.cell(row=r, column=P0 + j).value for j in range(len(periods))]
    return pd.DataFrame.from_dict(rows, orient="index", columns=periods)
