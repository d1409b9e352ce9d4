"""The Settings sheet: scale, weights, cuts and period, as defined names."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.errors import WorkbookError
from leanxl.sheets import book as B
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW, HEADER_ROW, BookData, Cache, set_name
from leanxl.sheets.cells import (
    FACTOR_LABELS,
    N,
)
from leanxl.sheets.layout import start_sheet
from leanxl.values import is_blank

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
    """The settings and factor weights, each behind the defined name formulas use."""
    st = data.settings
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    start_sheet(ws, "Settings", "The knobs every computed sheet uses. Change the yellow cells, "
                "then refresh (or recalculate with the add-in).",
                headers=("Setting", "Value", "What it means"), widths=[24] + [13] * N)
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


def read_settings(wb: Workbook) -> B.Settings:
    """The workbook's settings, read through their defined names (defaults where absent)."""
    d = B.Settings()

    def number(name: str, default: float) -> float:
        return _setting_number(wb, name, default, whole=False)

    def whole(name: str, default: int) -> int:
        return int(_setting_number(wb, name, default, whole=True))

    st = B.Settings(
        scale_max=whole("ScaleMax", d.scale_max),
        price_cut=number("PriceCut", d.price_cut),
        complexity_cut=number("ComplexityCut", d.complexity_cut),
        good_fit=number("GoodFit", d.good_fit),
        weak_fit=number("WeakFit", d.weak_fit),
        hold_periods=whole("HoldPeriods", d.hold_periods),
        team_average=number("TeamAverage", d.team_average),
        top_premium=number("TopPremium", d.top_premium),
        team_lift=number("TeamLift", d.team_lift),
        top_drop=number("TopDrop", d.top_drop),
    )
    end = B.name_value(wb, "PeriodEnd", None)
    if isinstance(end, dt.datetime):
        st.period_end = end.date()
    elif isinstance(end, dt.date):
        st.period_end = end
    found = B.name_ref(wb, "Weights")
    if found is not None:
        ws, ref = found
        cells = [c for row in ws[ref] for c in row]
        st.weights = tuple(
            1.0 if is_blank(c.value) else _as_number(c.value, f"{ws.title}!{c.coordinate}",
                                                     "Weights")
            for c in cells)
    return st


def _setting_number(wb: Workbook, name: str, default: float, *, whole: bool) -> float:
    """The number in the cell a setting's defined name points at; blank -> ``default``."""
    found = B.name_ref(wb, name)
    if found is None:
        return default
    ws, ref = found
    cell = ws[ref.split(":")[0]]
    if is_blank(cell.value):
        return default
    number = _as_number(cell.value, f"{ws.title}!{cell.coordinate}", name)
    if whole and not number.is_integer():
        raise WorkbookError(f"{name} must be a whole number, got {cell.value!r}",
                            where=f"{ws.title}!{cell.coordinate}",
                            suggestion=f"type a whole number, or clear the cell for {default}")
    return number


def _as_number(value: object, where: str, name: str) -> float:
    """A Settings cell as a float; text or a boolean is a clear error naming the cell."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(str(value).strip())
        except ValueError:
            raise WorkbookError(f"{name} must be a number, got {value!r}", where=where,
                                suggestion="type a plain number (no units or text), or clear "
                                           "the cell for the default") from None
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise WorkbookError(f"{name} must be a finite number, got {value!r}", where=where)
    return number
