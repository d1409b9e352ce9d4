"""What a leanxl workbook holds, independent of its cells: settings, profiles, campaigns, KPIs.

The sheet modules (:mod:`leanxl.sheets.profiles`, ...) turn a :class:`BookData` into cells; the
readers here turn the input areas of an existing workbook back into a :class:`BookData`, so a
refresh keeps whatever the user edited (profiles, weights, rules, KPI definitions, ...).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import DEFAULT_SCALE_MAX, FACTOR_KEYS
from leanxl.errors import WorkbookError
from leanxl.values import is_blank

# Sheet titles, in the order a reader meets them.
ABOUT = "About"
SETTINGS = "Settings"
FACTORS_SHEET = "Factors"
PROFILES = "Profiles"
LEADS = "Leads"
CAMPAIGNS = "Campaigns"
MATRIX = "CampaignMatrix"
SEGMENTS = "Segments"
MIX = "Mix"
RULES = "Rules"
KPIS = "KPIs"
TRACKER = "KPITracker"
INTERNAL = "InternalCustomers"
TEAM = "Team"
XLWINGS = "xlwings.conf"
SHEET_ORDER = (ABOUT, SETTINGS, FACTORS_SHEET, PROFILES, LEADS, CAMPAIGNS, MATRIX, SEGMENTS, MIX,
               RULES, KPIS, TRACKER, INTERNAL, TEAM, XLWINGS)

HEADER_ROW = 4  # input tables on every sheet but Leads start here; Leads' header is row 1
FIRST_ROW = HEADER_ROW + 1

INTERNAL_FIELDS = ("receiver", "information", "frequency", "provided_by", "via")


@dataclass
class Settings:
    """The Settings sheet's inputs (names are the workbook's defined names)."""

    scale_max: int = DEFAULT_SCALE_MAX
    price_cut: float = 40000.0
    complexity_cut: float = 4.0
    good_fit: float = 70.0
    weak_fit: float = 45.0
    period_end: dt.date | None = None
    hold_periods: int = 3
    weights: tuple[float, ...] = (1.0,) * len(FACTOR_KEYS)
    team_average: float = 100000.0
    top_premium: float = 0.30
    team_lift: float = 0.10
    top_drop: float = 0.20


@dataclass
class BookData:
    """Everything the computed sheets are made from."""

    settings: Settings
    profiles: pd.DataFrame  # profile, 10 factor keys, description, pains, awareness, assumptions
    campaigns: pd.DataFrame  # code, name, channel, 10 factor keys
    kpis: pd.DataFrame  # KPI_FIELDS
    actuals: pd.DataFrame  # index kpi names, columns periods (str), values float
    internal: pd.DataFrame  # INTERNAL_FIELDS
    rules: list[list[Any]]  # the Rules sheet's table block as 2-D cell values
    xlwings_conf: list[tuple[str, str]] = field(default_factory=list)


class Cache:
    """Formula cells written with openpyxl, and the cached value each one must show.

    openpyxl can store a formula or a value, not both; the values recorded here are put into
    the saved file by :func:`leanxl.xlsx.cached_values.write_cached_values`.
    """

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}

    def put(self, ws: Worksheet, coord: str, formula: str, value: Any) -> Any:
        cell = ws[coord]
        cell.value = formula if formula.startswith("=") else "=" + formula
        self.values.setdefault(ws.title, {})[coord] = _plain(value)
        return cell

    def forget_sheet(self, title: str) -> None:
        self.values.pop(title, None)


def _plain(value: Any) -> Any:
    """numpy scalars / NaN / dates → what :mod:`leanxl.xlsx.cached_values` stores."""
    if value is None:
        return None
    if isinstance(value, float | int | str | bool):
        if isinstance(value, float) and value != value:
            return None
        return value
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return excel_serial(value)
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def excel_serial(value: dt.date | dt.datetime | pd.Timestamp) -> float:
    """A date as Excel's serial number (1900 date system)."""
    stamp = pd.Timestamp(value)
    return (stamp - pd.Timestamp("1899-12-30")).total_seconds() / 86400.0


def set_name(wb: Workbook, name: str, ref: str) -> None:
    """Create or move a workbook-level defined name (``ref`` like ``Settings!$B$5``)."""
    if name in wb.defined_names:
        del wb.defined_names[name]
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def name_ref(wb: Workbook, name: str) -> tuple[Worksheet, str] | None:
    """The sheet and range a defined name points at, or None."""
    dn = wb.defined_names.get(name)
    if dn is None:
        return None
    for title, ref in dn.destinations:
        if title in wb.sheetnames:
            return wb[title], ref.replace("$", "")
    return None


def name_value(wb: Workbook, name: str, default: Any) -> Any:
    found = name_ref(wb, name)
    if found is None:
        return default
    ws, ref = found
    value = ws[ref.split(":")[0]].value
    return default if is_blank(value) else value


def read_block(ws: Worksheet, keys: tuple[str, ...], *, first_row: int = FIRST_ROW,
               first_col: int = 1) -> pd.DataFrame:
    """Rows of an input table (one column per key, in order) until column A is blank."""
    rows = []
    for values in ws.iter_rows(min_row=first_row, min_col=first_col,
                               max_col=first_col + len(keys) - 1, values_only=True):
        if values[0] is None or str(values[0]).strip() == "":
            break
        rows.append(values)
    return pd.DataFrame(rows, columns=list(keys))


def sheet(wb: Workbook, title: str) -> Worksheet:
    if title not in wb.sheetnames:
        raise WorkbookError(
            f"the workbook has no sheet {title!r}",
            suggestion="refresh a workbook made by `leanxl new BOOK.xlsx`")
    return wb[title]

