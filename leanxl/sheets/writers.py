"""The sheet writers: turn a :class:`~leanxl.sheets.book.BookData` and the scored leads into cells.

The same functions build the template and refresh a workbook, so the two never drift. Each
computed cell is a formula (a ``LEANXL_*`` call or a standard Excel function) and its cached
value is recorded in a :class:`~leanxl.sheets.book.Cache` at the same moment: the value a
reader sees without the add-in is the value leanxl computed for exactly that formula.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.chart import BarChart, LineChart, PieChart, RadarChart, Reference, Series
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.utils import get_column_letter as col_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

from leanxl import kpi
from leanxl.domain import FACTOR_KEYS, FACTORS, MIX_LABELS, SEGMENTS
from leanxl.errors import CellError
from leanxl.sheets import book as B
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData, Cache, set_name

N = len(FACTOR_KEYS)
FACTOR_LABELS = [f.label for f in FACTORS]


# --------------------------------------------------------------------------- helpers
def clear(ws: Worksheet, first_row: int, last_row: int | None = None, first_col: int = 1,
          last_col: int | None = None) -> None:
    """Remove cells (values and styles) in a block, so a shorter table leaves no leftovers."""
    for (r, c) in list(ws._cells):
        if r >= first_row and (last_row is None or r <= last_row) and c >= first_col and (
                last_col is None or c <= last_col):
            del ws._cells[(r, c)]


def text(cell: Any, value: Any) -> None:
    """Write user text as text: a leading ``=`` never becomes a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if out != out else out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and value.strip() == "")


def _rng(ws_title: str, c1: int, r1: int, c2: int, r2: int) -> str:
    return f"{_q(ws_title)}!${col_letter(c1)}${r1}:${col_letter(c2)}${r2}"


def _q(title: str) -> str:
    return f"'{title}'" if not title.replace("_", "").isalnum() else title


def _factor_rows(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([pd.to_numeric(frame[k], errors="coerce").to_numpy(float)
                            for k in FACTOR_KEYS]) if len(frame) else np.empty((0, N))


def _cell_value(value: Any, errors: dict[int, Any], i: int) -> Any:
    if i in errors:
        return errors[i]
    return None if _blank(value) else value


# --------------------------------------------------------------------------- About / Factors
SHEET_GUIDE = (
    (B.SETTINGS, "The knobs: factor scale, weights, price and complexity cuts for segments, "
     "fit thresholds, the 12-month period."),
    (B.FACTORS_SHEET, "The ten lead factors of the Lean sales profile: what a 1 (best) and a "
     "5 (worst) mean, and the question to ask."),
    (B.PROFILES, "Your ideal-prospect profiles: target score per factor, pains, awareness and "
     "the assumptions behind them; how many leads fit each."),
    (B.LEADS, "The CRM export, one lead per row, with leanxl's fit %, best profile, match %, "
     "segment, mix region and qualification decision."),
    (B.CAMPAIGNS, "Market activities A1..An and the factor levels each one targets "
     "(blank = not targeted)."),
    (B.MATRIX, "How well each campaign matches each profile, factor by factor, with a web "
     "graph and a pie per campaign."),
    (B.SEGMENTS, "S1-S4 (price x complexity): where we won in the last 12 months versus "
     "where marketing reaches, and the untapped potential."),
    (B.MIX, "The Sales / Marketing / Market mix: how many leads sit in the sweet spot, "
     "uncaptured, lead deficit, ..."),
    (B.RULES, "The qualification decision table every lead goes through - never deviate."),
    (B.KPIS, "KPI definitions with WHY, WHEN, HOW and WHO; a KPI missing one of them has no "
     "buy-in yet."),
    (B.TRACKER, "Actuals per period for each KPI: status, trend, plan adherence, goal reached "
     "and held."),
    (B.INTERNAL, "Who inside the company receives information from sales: white spots and "
     "relays to fix."),
    (B.TEAM, "No heroes: the team-effort arithmetic of the Lean sales seed, and your team."),
    (B.XLWINGS, "Settings for the leanxl Excel add-in (xlwings); leave as is."),
)


def write_about(ws: Worksheet) -> None:
    S.title(ws, "Lean sales workbook",
            "One workbook for sales and marketing: profile leads, match campaigns, follow KPIs.")
    S.subtitle(ws, "A4", "How to use it")
    steps = (
        "1. Edit the yellow cells: profiles, campaigns, weights, rules, KPI definitions.",
        "2. Refresh from your CRM export:  leanxl refresh THIS.xlsx --leads crm.csv "
        "[--campaigns campaigns.csv] [--kpis kpis.csv]",
        "3. Every computed cell is a LEANXL formula with its value stored: the numbers show "
        "with or without the leanxl add-in.",
        "Factor scores run from 1 (best) to 5 (worst); fit and match are % (100 = perfect).",
    )
    for i, line in enumerate(steps, start=5):
        ws.cell(row=i, column=1, value=line)
    S.subtitle(ws, "A10", "What each sheet answers")
    S.header(ws, 11, 1, ("Sheet", "What it is for"))
    for i, (name, what) in enumerate(SHEET_GUIDE, start=12):
        cell = ws.cell(row=i, column=1, value=name)
        cell.hyperlink = f"#'{name}'!A1"
        cell.font = S.Font(color="0563C1", underline="single")
        S.body(cell)
        S.body(ws.cell(row=i, column=2, value=what), wrap=True)
    S.widths(ws, {"A": 20, "B": 110})


def write_factors(ws: Worksheet) -> None:
    S.title(ws, "The ten lead factors",
            "Score every lead 1..5 on each factor. 1 is always best: the perfect prospect "
            "scores 1 everywhere.")
    S.header(ws, HEADER_ROW, 1, ("#", "Key (column name)", "Factor", "1 means", "5 means",
                                 "Question to ask"))
    for i, f in enumerate(FACTORS):
        r = FIRST_ROW + i
        for c, v in enumerate((i + 1, f.key, f.label, f.best, f.worst, f.question), start=1):
            S.body(ws.cell(row=r, column=c, value=v), wrap=c > 2)
    S.widths(ws, (4, 20, 20, 28, 24, 60))
    ws.freeze_panes = "A5"


# --------------------------------------------------------------------------- Settings
SETTING_ROWS = (
    # name, label, attribute, number format, meaning
    ("ScaleMax", "Scale max", "scale_max", S.INTEGER,
     "Factors are scored 1 (best) to this value."),
    ("PriceCut", "Price cut", "price_cut", S.MONEY,
     "A deal priced at or above this is 'high price' (segments S3, S4)."),
    ("ComplexityCut", "Complexity cut", "complexity_cut", S.INTEGER,
     "Product complexity at or above this is 'high complexity' (segments S2, S4)."),
    ("GoodFit", "Good fit from (%)", "good_fit", "0",
     "Fit and match at or above this are shown green."),
    ("WeakFit", "Weak fit below (%)", "weak_fit", "0",
     "Fit and match below this are shown red."),
    ("PeriodEnd", "Period end", "period_end", S.DATE,
     "End of the 12-month window of the Segments sheet; refresh sets it to the newest lead."),
    ("PeriodStart", None, None, S.DATE, "Start of the 12-month window (computed)."),
    ("HoldPeriods", "Goal held for (periods)", "hold_periods", S.INTEGER,
     "A goal KPI counts as 'reached and held' when the last this-many periods met target."),
)
SETTINGS_FIRST = FIRST_ROW
WEIGHTS_ROW = SETTINGS_FIRST + len(SETTING_ROWS) + 3


def write_settings(wb: Workbook, ws: Worksheet, data: BookData, cache: Cache) -> None:
    st = data.settings
    S.title(ws, "Settings", "The knobs every computed sheet uses. Change the yellow cells, then "
            "refresh (or recalculate with the add-in).")
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    S.header(ws, HEADER_ROW, 1, ("Setting", "Value", "What it means"))
    ws.merge_cells(start_row=HEADER_ROW, start_column=3, end_row=HEADER_ROW, end_column=1 + N)
    for i, (name, label, attr, fmt, meaning) in enumerate(SETTING_ROWS):
        r = SETTINGS_FIRST + i
        ws.cell(row=r, column=1, value=label or "Period start")
        S.body(ws.cell(row=r, column=1))
        cell = ws.cell(row=r, column=2)
        if name == "PeriodStart":
            end = st.period_end or dt.date(2025, 12, 1)
            start = (pd.Timestamp(end) - pd.DateOffset(months=12)).date()
            cache.put(ws, f"B{r}", "=EDATE(PeriodEnd,-12)", start)
            S.body(cell, fmt)
        else:
            value = getattr(st, attr)  # type: ignore[arg-type]
            if name == "PeriodEnd" and value is None:
                value = dt.date(2025, 12, 1)
            cell.value = value
            S.body(cell, fmt, editable=True)
        S.body(ws.cell(row=r, column=3, value=meaning))
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=1 + N)
        set_name(wb, name, f"Settings!$B${r}")
    S.subtitle(ws, f"A{WEIGHTS_ROW - 1}", "Factor weights (1 = normal; 2 = counts double; "
               "0 = ignore)")
    S.header(ws, WEIGHTS_ROW, 1, ("Factor", *FACTOR_LABELS))
    ws.cell(row=WEIGHTS_ROW + 1, column=1, value="Weight")
    S.body(ws.cell(row=WEIGHTS_ROW + 1, column=1))
    for j, w in enumerate(st.weights):
        S.body(ws.cell(row=WEIGHTS_ROW + 1, column=2 + j, value=w), "0.0", editable=True)
    set_name(wb, "Weights", f"Settings!$B${WEIGHTS_ROW + 1}:$K${WEIGHTS_ROW + 1}")
    S.widths(ws, [24] + [13] * N)


def read_settings(wb: Workbook) -> B.Settings:
    d = B.Settings()
    st = B.Settings(
        scale_max=int(B.name_value(wb, "ScaleMax", d.scale_max)),
        price_cut=float(B.name_value(wb, "PriceCut", d.price_cut)),
        complexity_cut=float(B.name_value(wb, "ComplexityCut", d.complexity_cut)),
        good_fit=float(B.name_value(wb, "GoodFit", d.good_fit)),
        weak_fit=float(B.name_value(wb, "WeakFit", d.weak_fit)),
        hold_periods=int(B.name_value(wb, "HoldPeriods", d.hold_periods)),
        team_average=float(B.name_value(wb, "TeamAverage", d.team_average)),
        top_premium=float(B.name_value(wb, "TopPremium", d.top_premium)),
        team_lift=float(B.name_value(wb, "TeamLift", d.team_lift)),
        top_drop=float(B.name_value(wb, "TopDrop", d.top_drop)),
    )
    end = B.name_value(wb, "PeriodEnd", None)
    if isinstance(end, dt.datetime):
        st.period_end = end.date()
    elif isinstance(end, dt.date):
        st.period_end = end
    found = B.name_ref(wb, "Weights")
    if found is not None:
        ws, ref = found
        cells = [c.value for row in ws[ref] for c in row]
        st.weights = tuple(1.0 if _blank(v) else float(v) for v in cells)
    return st


# --------------------------------------------------------------------------- Profiles
PROFILE_HEADERS = ("Profile", *FACTOR_LABELS, "Who they are", "Their pains", "Awareness",
                   "Assumptions (we target them because...)", "Profile fit %",
                   "Leads best matching", "Avg match % of those leads",
                   "Won revenue of those leads")


def write_profiles(wb: Workbook, ws: Worksheet, data: BookData, leads: pd.DataFrame,
                   cache: Cache) -> None:
    S.title(ws, "Ideal-prospect profiles",
            "Who are we targeting? Target score per factor (1 best, blank = any), the pains and "
            "assumptions, and how many of our leads look like each profile.")
    clear(ws, HEADER_ROW)
    S.header(ws, HEADER_ROW, 1, PROFILE_HEADERS)
    prof = data.profiles.reset_index(drop=True)
    st = data.settings
    targets = _factor_rows(prof)
    from leanxl import scoring

    fits, fit_err = scoring.fit(targets, st.weights, st.scale_max, return_errors=True) if len(
        prof) else (np.empty(0), {})
    c_fit = 2 + N + 4
    for i, row in prof.iterrows():
        r = FIRST_ROW + int(i)
        text(ws.cell(row=r, column=1), row["profile"])
        S.body(ws.cell(row=r, column=1), editable=True)
        ws.cell(row=r, column=1).font = S.TOTAL_FONT
        for j, key in enumerate(FACTOR_KEYS):
            v = row[key]
            cell = ws.cell(row=r, column=2 + j, value=None if _blank(v) else int(float(v)))
            S.body(cell, S.INTEGER, editable=True)
            cell.alignment = S.CENTER
        for j, key in enumerate(B.PROFILE_TEXT):
            cell = ws.cell(row=r, column=2 + N + j)
            text(cell, None if _blank(row[key]) else str(row[key]))
            S.body(cell, editable=True, wrap=True)
        factors = f"B{r}:{col_letter(1 + N)}{r}"
        name = f"$A{r}"
        cache.put(ws, f"{col_letter(c_fit)}{r}", f"=LEANXL_FIT({factors},Weights,ScaleMax)",
                  _cell_value(fits[int(i)], fit_err, int(i)))
        mine = leads[leads["best_profile"] == row["profile"]] if len(leads) else leads
        cache.put(ws, f"{col_letter(c_fit + 1)}{r}", f"=COUNTIF(LeadBestProfile,{name})",
                  len(mine))
        avg = pd.to_numeric(mine["match"], errors="coerce").mean() if len(mine) else None
        cache.put(ws, f"{col_letter(c_fit + 2)}{r}",
                  f'=IFERROR(AVERAGEIF(LeadBestProfile,{name},LeadMatch),"")',
                  None if avg is None or avg != avg else float(avg))
        won = mine[_won(mine)] if len(mine) else mine
        cache.put(ws, f"{col_letter(c_fit + 3)}{r}",
                  f'=SUMIFS(LeadRevenue,LeadBestProfile,{name},LeadStage,"Won")',
                  float(pd.to_numeric(won["revenue"], errors="coerce").sum()) if len(won) else 0)
        for c, fmt in ((c_fit, S.PERCENT_0_100), (c_fit + 1, S.INTEGER),
                       (c_fit + 2, S.PERCENT_0_100), (c_fit + 3, S.MONEY)):
            S.body(ws.cell(row=r, column=c), fmt)
        ws.row_dimensions[r].height = 64
    last = FIRST_ROW + max(len(prof), 1) - 1
    set_name(wb, "ProfileNames", f"Profiles!$A${FIRST_ROW}:$A${last}")
    set_name(wb, "ProfileTargets", f"Profiles!$B${FIRST_ROW}:${col_letter(1 + N)}${last}")
    S.fit_colours(ws, f"{col_letter(c_fit)}{FIRST_ROW}:{col_letter(c_fit)}{last}")
    for row in ws.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW + len(prof) - 1):
        for cell in row:
            cell.alignment = S.Alignment(wrap_text=True, vertical="top",
                                         horizontal=cell.alignment.horizontal)
    S.choices(ws, f"B{FIRST_ROW}:{col_letter(1 + N)}{FIRST_ROW + 49}", "1", "Target score: a "
              "whole number from 1 (best) to ScaleMax; blank = any", kind="whole",
              formula2="ScaleMax")
    S.widths(ws, [20] + [9] * N + [30, 26, 22, 30, 9, 9, 10, 12])
    ws.freeze_panes = f"B{FIRST_ROW}"


def read_profiles(ws: Worksheet) -> pd.DataFrame:
    return B.read_block(ws, ("profile", *FACTOR_KEYS, *B.PROFILE_TEXT))


def _won(frame: pd.DataFrame) -> pd.Series:
    return frame["stage"].astype("string").str.strip().str.casefold().eq("won").fillna(False)


# --------------------------------------------------------------------------- Campaigns
CAMPAIGN_HEADERS = ("Code", "Campaign", "Channel", *FACTOR_LABELS)


def write_campaigns(ws: Worksheet, data: BookData) -> None:
    S.title(ws, "Campaigns (market activities)",
            "What each activity is meant to do to a lead: the factor level it targets "
            "(1 best, blank = this campaign does not target that factor).")
    clear(ws, HEADER_ROW)
    S.header(ws, HEADER_ROW, 1, CAMPAIGN_HEADERS)
    for i, row in data.campaigns.reset_index(drop=True).iterrows():
        r = FIRST_ROW + int(i)
        for c, key in enumerate(B.CAMPAIGN_TEXT, start=1):
            cell = ws.cell(row=r, column=c)
            text(cell, None if _blank(row[key]) else str(row[key]))
            S.body(cell, editable=True, wrap=c == 2)
        for j, key in enumerate(FACTOR_KEYS):
            v = row[key]
            cell = ws.cell(row=r, column=4 + j, value=None if _blank(v) else int(float(v)))
            S.body(cell, S.INTEGER, editable=True)
            cell.alignment = S.CENTER
    S.choices(ws, f"D{FIRST_ROW}:{col_letter(3 + N)}{FIRST_ROW + 49}", "1", "Targeted level: a "
              "whole number from 1 (best) to ScaleMax; blank = not targeted", kind="whole",
              formula2="ScaleMax")
    S.widths(ws, [8, 34, 18] + [11] * N)
    ws.freeze_panes = f"D{FIRST_ROW}"


def read_campaigns(ws: Worksheet) -> pd.DataFrame:
    return B.read_block(ws, (*B.CAMPAIGN_TEXT, *FACTOR_KEYS))


# --------------------------------------------------------------------------- CampaignMatrix
def write_matrix(ws: Worksheet, data: BookData, leads: pd.DataFrame, cache: Cache) -> None:
    """Campaign x profile match %, per-factor gaps, web graphs (radar) and pies."""
    from leanxl import scoring

    clear(ws, 1)
    ws._charts = []
    ws.row_breaks = RowBreak()
    ws.conditional_formatting = type(ws.conditional_formatting)()
    cache.forget_sheet(ws.title)
    S.title(ws, "Campaigns matched against profiles",
            "Does each campaign reach the profiles we want? Match % per pair (100 = the "
            "campaign aims exactly at the profile), then the gap on every factor.")
    camp = data.campaigns.reset_index(drop=True)
    prof = data.profiles.reset_index(drop=True)
    st = data.settings
    n_c, n_p = len(camp), len(prof)
    S.header(ws, HEADER_ROW, 1, ("Code", "Campaign", *prof["profile"].astype(str),
                                 "Best matching profile"))
    m, errs = (scoring.match(_factor_rows(camp), _factor_rows(prof), st.weights, st.scale_max,
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
            cache.put(ws, f"{col_letter(3 + j)}{r}",
                      f"=LEANXL_MATCH(Campaigns!D{cr}:M{cr},Profiles!B{pr}:K{pr},Weights,"
                      "ScaleMax)", None if value is None or value != value else value)
            S.body(ws.cell(row=r, column=3 + j), S.PERCENT_0_100)
        if n_p:
            row_ref = f"C{r}:{col_letter(2 + n_p)}{r}"
            head = f"$C${HEADER_ROW}:${col_letter(2 + n_p)}${HEADER_ROW}"
            finite = np.where(np.isnan(m[i]), -np.inf, m[i]) if i not in errs else None
            best = (None if finite is None or not np.isfinite(finite).any()
                    else str(prof.at[int(np.argmax(finite)), "profile"]))
            cache.put(ws, f"{col_letter(3 + n_p)}{r}",
                      f"=IFERROR(INDEX({head},MATCH(MAX({row_ref}),{row_ref},0)),\"\")", best)
            S.body(ws.cell(row=r, column=3 + n_p))
    if n_c and n_p:
        S.heat(ws, f"C{FIRST_ROW}:{col_letter(2 + n_p)}{FIRST_ROW + n_c - 1}")

    # Per-factor gaps: campaign target minus profile target; negative = the campaign pulls
    # the profile towards the ideal, positive = aimed beside it, 0 = already there.
    g0 = FIRST_ROW + n_c + 2
    S.subtitle(ws, f"A{g0}", "Gap per factor = campaign target - profile target")
    S.note(ws, f"A{g0 + 1}", "Negative (green): the campaign pulls this profile towards the "
           "ideal. 0: the profile is already there (little effect). Positive (amber): aimed "
           "beside this profile. Blank: not targeted.")
    S.header(ws, g0 + 2, 1, ("Code", "Profile", *FACTOR_LABELS))
    ct, pt = _factor_rows(camp), _factor_rows(prof)
    r = g0 + 3
    for i in range(n_c):
        for j in range(n_p):
            cr, pr = FIRST_ROW + i, FIRST_ROW + j
            cache.put(ws, f"A{r}", f"=Campaigns!A{cr}", str(camp.at[i, "code"]))
            cache.put(ws, f"B{r}", f"=Profiles!A{pr}", str(prof.at[j, "profile"]))
            S.body(ws.cell(row=r, column=1))
            S.body(ws.cell(row=r, column=2))
            for k in range(N):
                cc, pc = col_letter(4 + k), col_letter(2 + k)
                a, b = ct[i, k], pt[j, k]
                value = None if np.isnan(a) or np.isnan(b) else float(a - b)
                cache.put(ws, f"{col_letter(3 + k)}{r}",
                          f'=IF(OR(Campaigns!{cc}{cr}="",Profiles!{pc}{pr}=""),"",'
                          f"Campaigns!{cc}{cr}-Profiles!{pc}{pr})", value)
                S.body(ws.cell(row=r, column=3 + k), '+0;-0;0')
                ws.cell(row=r, column=3 + k).alignment = S.CENTER
            r += 1
    if n_c and n_p:
        gaps = f"C{g0 + 3}:{col_letter(2 + N)}{r - 1}"
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
            cache.put(ws, f"{col_letter(3 + j)}{r}",
                      f"=IFERROR(Profiles!$Q${FIRST_ROW + j}*{col_letter(3 + j)}"
                      f"{FIRST_ROW + i}/100,0)", v if v is not None else 0)
            S.body(ws.cell(row=r, column=3 + j), "#,##0")
        cache.put(ws, f"{col_letter(3 + n_p)}{r}",
                  f"=SUM(C{r}:{col_letter(2 + n_p)}{r})", total)
        S.body(ws.cell(row=r, column=3 + n_p), "#,##0")
        S.body(ws.cell(row=r, column=1))
        S.body(ws.cell(row=r, column=2))
    r = q0 + 2 + n_c

    # The seed's "Campaign Webgraph" (campaign vs every profile) and "Matrix view" pies.
    c0 = r + 2
    S.subtitle(ws, f"A{c0}", "Web graph per campaign (closer to the centre = closer to the "
               "ideal prospect) and how its match is spread over the profiles")
    for i in range(n_c):
        anchor_row = c0 + 1 + i * 25
        ws.row_breaks.append(Break(id=anchor_row - 1))  # one campaign per printed page
        ws.add_chart(_radar(camp, prof, i), f"A{anchor_row}")
        if n_p:
            ws.add_chart(_pie(ws, camp, n_p, i, reach_rows[i], q0 + 1), f"G{anchor_row}")
    S.widths(ws, [8, 30] + [14] * max(N, n_p + 1))
    ws.freeze_panes = f"C{FIRST_ROW}"


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
    ref = f"{_q(title)}!${col_letter(first_col)}${row}:${col_letter(first_col + N - 1)}${row}"
    return Series(ref, title=label)


def _cat_ref(_ref: Any, title: str, row: int, c1: int, c2: int) -> Any:
    from openpyxl.chart.data_source import AxDataSource, StrRef

    return AxDataSource(strRef=StrRef(f"{_q(title)}!${col_letter(c1)}${row}:"
                                      f"${col_letter(c2)}${row}"))


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


# --------------------------------------------------------------------------- Segments
SEGMENT_HEADERS = ("Segment", "Price / complexity", "Leads", "Won (12 months)",
                   "Won revenue (12 months)", "Customer spread (% of wins)",
                   "Reached by marketing", "Marketing spread (% of reach)",
                   "Marketing minus customers", "Untapped leads (in market, not in sales plan)",
                   "Untapped pipeline value")


def write_segments(ws: Worksheet, data: BookData, leads: pd.DataFrame, cache: Cache) -> None:
    clear(ws, 1)
    ws._charts = []
    ws.conditional_formatting = type(ws.conditional_formatting)()
    cache.forget_sheet(ws.title)
    S.title(ws, "Segments: customer spread vs marketing spread",
            "Where did we win in the last 12 months, where does marketing reach, and where is "
            "potential nobody works? S1 low price/low complexity ... S4 high/high.")
    S.header(ws, HEADER_ROW, 1, SEGMENT_HEADERS, height=48)
    st = data.settings
    end = pd.Timestamp(st.period_end or dt.date(2025, 12, 1))
    start = end - pd.DateOffset(months=12)
    seg = leads["segment"] if len(leads) else pd.Series(dtype=object)
    won = _won(leads) if len(leads) else pd.Series(dtype=bool)
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
    S.widths(ws, [10, 28, 9, 11, 14, 14, 12, 14, 13, 18, 16])
    ws.freeze_panes = f"B{FIRST_ROW}"


# --------------------------------------------------------------------------- Mix
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
    clear(ws, 1)
    ws._charts = []
    cache.forget_sheet(ws.title)
    S.title(ws, "Sales, Marketing, Market mix",
            "Are sales and marketing working the same market? The goal: move leads into the "
            "sweet spot.")
    S.header(ws, HEADER_ROW, 1, MIX_HEADERS)
    order = list(MIX_LABELS.items())
    last = FIRST_ROW + len(order) - 1
    mixcol = leads["mix"] if len(leads) else pd.Series(dtype=object)
    won = _won(leads) if len(leads) else pd.Series(dtype=bool)
    is_open = (leads["stage"].astype("string").str.strip().str.casefold().eq("open").fillna(False)
               if len(leads) else won)
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
    ws.conditional_formatting = type(ws.conditional_formatting)()
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
    S.widths(ws, [22, 10, 12, 11, 58, 9, 9, 14, 16])
    ws.freeze_panes = f"B{FIRST_ROW}"


# --------------------------------------------------------------------------- Rules
RULES_TOP = HEADER_ROW  # the decision table's first row (DECISION <name> | policy)


def write_rules(wb: Workbook, ws: Worksheet, data: BookData, leads: pd.DataFrame,
                cache: Cache) -> tuple[int, int]:
    """The qualification table (laid out as :mod:`leanxl.rules.table` reads it) at A4, and a
    summary of decisions beside it.

    Returns the table's last row and column.
    """
    clear(ws, 1, last_col=None)
    cache.forget_sheet(ws.title)
    S.title(ws, "Qualification rules",
            "The correct criteria for qualifying a lead - and never deviate. Edit the rules "
            "below; the Decision column of Leads follows them.")
    block, below = split_rules(data.rules)
    n_rows = len(block)
    n_cols = max((len(r) for r in block), default=1)
    for i, row in enumerate(block):
        for j, v in enumerate(row):
            cell = ws.cell(row=RULES_TOP + i, column=1 + j)
            text(cell, v)
            if i == 0:
                cell.font = S.SUBTITLE_FONT
            elif i == 1:
                cell.font, cell.fill, cell.alignment = S.HEADER_FONT, S.HEADER_FILL, S.CENTER
                cell.border = S.BOX
            else:
                S.body(cell, editable=True, wrap=True)
    last_row = RULES_TOP + n_rows - 1
    set_name(wb, "QualifyTable", f"Rules!$A${RULES_TOP}:${col_letter(n_cols)}${last_row}")
    # What follows the table (its EXAMPLES block, which `leanxl check` runs) stays below it.
    for i, row in enumerate(below, start=last_row + 1):
        for j, v in enumerate(row):
            cell = ws.cell(row=i, column=1 + j)
            text(cell, v)
            if isinstance(v, str) and v.strip().upper().startswith("EXAMPLES"):
                cell.font = S.SUBTITLE_FONT
    S.note(ws, "A3", "IN <column of Leads> holds a test ('-' any, <=2, [3..4], S1,S2, not(5)); "
           "OUT columns hold the result; FIRST: the first matching rule wins. The table ends "
           "at the first empty row; EXAMPLES below are its test cases (leanxl check).")
    # Summary beside the table.
    sc = n_cols + 2
    S.header(ws, HEADER_ROW, sc, ("Decision", "Leads", "Share"))
    decisions = leads["decision"] if len(leads) else pd.Series(dtype=object)
    outcomes = _outputs_in_order(block)
    total = int(decisions.notna().sum()) if len(leads) else 0
    for i, outcome in enumerate(outcomes):
        r = FIRST_ROW + i
        n = int(decisions.eq(outcome).sum()) if len(leads) else 0
        ws.cell(row=r, column=sc, value=outcome)
        L, M = col_letter(sc), col_letter(sc + 1)
        cache.put(ws, f"{M}{r}", f"=COUNTIF(LeadDecision,{L}{r})", n)
        cache.put(ws, f"{col_letter(sc + 2)}{r}",
                  f"=IF(COUNTA(LeadDecision)=0,0,{M}{r}/COUNTA(LeadDecision))",
                  n / total if total else 0)
        for c, fmt in ((sc, None), (sc + 1, S.INTEGER), (sc + 2, S.SHARE)):
            S.body(ws.cell(row=r, column=c), fmt)
    r = FIRST_ROW + len(outcomes) + 1
    ws.cell(row=r, column=sc, value="Deviations (CRM status differs)").font = S.TOTAL_FONT
    dev = int(leads["follows"].eq("No").sum()) if len(leads) and "follows" in leads else 0
    cache.put(ws, f"{col_letter(sc + 1)}{r}", '=COUNTIF(LeadFollows,"No")', dev)
    ws.cell(row=r, column=sc + 1).font = S.TOTAL_FONT
    heads = [str(h or "") for h in (block[1] if len(block) > 1 else [])]
    S.widths(ws, [16] * len(heads) + [3, 30, 9, 9])
    if heads and heads[-1].strip().upper() == "NOTE":
        ws.column_dimensions[col_letter(len(heads))].width = 36
    return last_row, n_cols


def _outputs_in_order(block: list[list[Any]]) -> list[str]:
    """The distinct values of the table's first OUT column, in rule order."""
    if len(block) < 2:
        return []
    heads = [str(h or "") for h in block[1]]
    col = next((j for j, h in enumerate(heads) if h.strip().upper().startswith("OUT")), None)
    if col is None:
        return []
    seen: list[str] = []
    for row in block[2:]:
        v = row[col] if col < len(row) else None
        if not _blank(v) and str(v) not in seen:
            seen.append(str(v))
    return seen


def split_rules(rows: list[list[Any]]) -> tuple[list[list[Any]], list[list[Any]]]:
    """The decision table (until the first empty row) and what follows it (EXAMPLES, ...)."""
    for i, row in enumerate(rows):
        if all(_blank(v) for v in row):
            below = rows[i:]
            while below and all(_blank(v) for v in below[-1]):
                below.pop()
            return rows[:i], below
    return rows, []


def read_rules(ws: Worksheet) -> list[list[Any]]:
    """The Rules sheet's block from A4 down: the table, then its EXAMPLES (if any).

    Columns: those of the table's header row (the decision summary sits beyond them).
    """
    head = [c.value for c in ws[RULES_TOP + 1]]
    width = 0
    for v in head:  # the table ends at the first empty header cell (the summary sits beyond)
        if _blank(v):
            break
        width += 1
    rows = [list(row) for row in ws.iter_rows(min_row=RULES_TOP, max_row=ws.max_row,
                                              max_col=max(width, 2), values_only=True)]
    table, below = split_rules(rows)
    return table + below


# --------------------------------------------------------------------------- KPIs
KPI_HEADERS = ("KPI", "Level", "WHY: purpose", "WHEN: frequency",
               "HOW: how to report and read it", "WHO: takes part of the report", "Target",
               "Better when", "Tolerance", "Unit", "Buy-in")


def write_kpis(ws: Worksheet, data: BookData, cache: Cache) -> None:
    clear(ws, HEADER_ROW)
    cache.forget_sheet(ws.title)
    ws.conditional_formatting = type(ws.conditional_formatting)()
    S.title(ws, "KPIs: why, when, how, who",
            "Sell the KPI to the people providing the numbers: a KPI without a clear WHY, WHEN, "
            "HOW and WHO has no buy-in. Levels: operational (daily), tactical (weekly), goal.")
    S.header(ws, HEADER_ROW, 1, KPI_HEADERS)
    kpis = data.kpis.reset_index(drop=True)
    for i, row in kpis.iterrows():
        r = FIRST_ROW + int(i)
        for c, key in enumerate(B.KPI_FIELDS, start=1):
            v = row[key]
            cell = ws.cell(row=r, column=c)
            text(cell, None if _blank(v) else v)
            fmt = S.SHARE if key == "tolerance" else None
            S.body(cell, fmt, editable=True, wrap=True)
        ws.cell(row=r, column=1).font = S.TOTAL_FONT
        missing = [w for w, k in (("WHY", "why"), ("WHEN", "when"), ("HOW", "how"),
                                  ("WHO", "who")) if _blank(row[k])]
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
    S.widths(ws, [28, 12, 34, 14, 36, 24, 9, 10, 10, 9, 16])
    ws.freeze_panes = f"B{FIRST_ROW}"


def read_kpis(ws: Worksheet) -> pd.DataFrame:
    return B.read_block(ws, B.KPI_FIELDS)


TRACKER_FIXED = ("KPI", "Target", "Latest", "Status", "Trend", "Plan adherence",
                 "Goal reached and held")
P0 = len(TRACKER_FIXED) + 1  # first period column


def write_tracker(ws: Worksheet, data: BookData, cache: Cache) -> None:
    clear(ws, 1)
    ws._charts = []
    cache.forget_sheet(ws.title)
    ws.conditional_formatting = type(ws.conditional_formatting)()
    S.title(ws, "KPI tracker", "Actual per period. Status compares the latest period with the "
            "target (within tolerance = at risk); plan adherence = share of periods on target.")
    kpis = data.kpis.reset_index(drop=True)
    periods = [str(p) for p in data.actuals.columns]
    S.header(ws, HEADER_ROW, 1, (*TRACKER_FIXED, *periods))
    n_p = len(periods)
    first_p, last_p = col_letter(P0), col_letter(P0 + max(n_p, 1) - 1)
    for i, row in kpis.iterrows():
        r = FIRST_ROW + int(i)
        kr = FIRST_ROW + int(i)  # the KPI's row on the KPIs sheet
        name = row["kpi"]
        values = (data.actuals.loc[name].tolist() if name in data.actuals.index
                  else [None] * n_p)
        values = [None if _blank(v) else _num(v) for v in values]
        for j, v in enumerate(values):
            cell = ws.cell(row=r, column=P0 + j, value=v)
            S.body(cell, "General", editable=True)
        target, direction = _num(row["target"]), str(row["direction"] or "higher")
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
    S.widths(ws, [30, 9, 9, 11, 12, 11, 12] + [8] * n_p)
    ws.freeze_panes = f"B{FIRST_ROW}"
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
            target = _num(row["target"])
            lower = _lower(row["direction"])
            for j, v in enumerate(values):
                c = col_letter(P0 + j)
                v = _num(v)
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
    periods = [str(h) for h in heads if not _blank(h)]
    rows = {}
    for i, name in enumerate(kpis["kpi"]):
        r = FIRST_ROW + i
        rows[name] = [ws.cell(row=r, column=P0 + j).value for j in range(len(periods))]
    return pd.DataFrame.from_dict(rows, orient="index", columns=periods)


# --------------------------------------------------------------------------- InternalCustomers
INTERNAL_HEADERS = ("Internal customer (receiver)", "Information they need from sales",
                    "How often", "Provided by", "Via (secondary party)", "Status", "What to do")


def write_internal(ws: Worksheet, data: BookData, cache: Cache) -> None:
    clear(ws, HEADER_ROW)
    cache.forget_sheet(ws.title)
    ws.conditional_formatting = type(ws.conditional_formatting)()
    S.title(ws, "Internal customers of sales",
            "Who inside the company receives information from sales? White spot: a group "
            "needs it and nobody provides it. Relay: it passes through a secondary party.")
    S.header(ws, HEADER_ROW, 1, INTERNAL_HEADERS)
    rows = data.internal.reset_index(drop=True)
    n_white = n_relay = 0
    for i, row in rows.iterrows():
        r = FIRST_ROW + int(i)
        for c, key in enumerate(B.INTERNAL_FIELDS, start=1):
            cell = ws.cell(row=r, column=c)
            text(cell, None if _blank(row[key]) else str(row[key]))
            S.body(cell, editable=True, wrap=True)
        if _blank(row["provided_by"]):
            status, todo = "White spot", "Set up a routine: sales should provide this"
            n_white += 1
        elif not _blank(row["via"]):
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
    S.widths(ws, [30, 46, 14, 16, 22, 12, 44])
    ws.freeze_panes = f"B{FIRST_ROW}"


def read_internal(ws: Worksheet) -> pd.DataFrame:
    return B.read_block(ws, B.INTERNAL_FIELDS)


# --------------------------------------------------------------------------- Team
def write_team(wb: Workbook, ws: Worksheet, data: BookData, leads: pd.DataFrame,
               cache: Cache) -> None:
    clear(ws, 1)
    ws._charts = []
    cache.forget_sheet(ws.title)
    st = data.settings
    S.title(ws, "There are no heroes",
            "5 sellers, the top one 30% over the group average. Lift the other four by 10% "
            "and the top seller can drop 20%: the team still sells more.")
    S.header(ws, HEADER_ROW, 1, ("Assumption", "Value"))
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
        w = leads[_won(leads)]
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
        text(ws.cell(row=r, column=1), owner)
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
    S.widths(ws, [40, 14, 18, 22, 18])


# --------------------------------------------------------------------------- xlwings.conf
def write_xlwings_conf(ws: Worksheet, data: BookData) -> None:
    clear(ws, 1)
    for i, (key, value) in enumerate(data.xlwings_conf, start=1):
        ws.cell(row=i, column=1, value=key)
        ws.cell(row=i, column=2, value=value)
    S.widths(ws, [28, 60])
