"""The KPI functions: KPISTATUS and KPITREND (rules in :mod:`leanxl.kpi`)."""

from __future__ import annotations

from typing import Any

from leanxl import kpi
from leanxl.errors import CellError
from leanxl.functions.arguments import as_rows, broadcast, column_arg, guard, n_rows, scalar
from leanxl.functions.registry import Param, Rows, register
from leanxl.values import is_blank


@register(
    "KPISTATUS",
    "On track / At risk / Off track of a KPI vs its target. direction up: higher is better "
    "(down: lower); tolerance: share of |target| still At risk (default 0.1). Blank actual: "
    "blank.",
    Param("actual", "Actual KPI values, one per row (a column).", rowwise=True),
    Param("target", "Targets, one per row or one for all.", rowwise=True),
    Param("direction", 'Optional: "up" (higher is better, default) or "down".', optional=True,
          rowwise=True, default="up"),
    Param("tolerance", "Optional: fraction of |target| counted as At risk; blank = 0.1.",
          optional=True, rowwise=True, default=kpi.DEFAULT_STATUS_TOLERANCE),
)
def kpi_status(actual: Any, target: Any, direction: Any = "up",
               tolerance: Any = kpi.DEFAULT_STATUS_TOLERANCE) -> Rows:
    names = ["actual", "target", "direction", "tolerance"]
    args = [actual, target, direction, tolerance]

    def body() -> Rows:
        _, cols = broadcast([column_arg(a, name) for a, name in zip(args, names, strict=True)],
                             names)
        out: Rows = []
        for act, tgt, drc, tol in zip(*cols, strict=True):
            bad = next((c for c in (act, tgt, drc, tol) if isinstance(c, CellError)), None)
            out.append([bad if bad is not None else kpi.kpi_status(act, tgt, drc, tol)])
        return out

    return guard(max(n_rows(a) for a in args), body)


@register(
    "KPITREND",
    "Improving / Worsening / Flat: the last value of each row (periods left to right, "
    "blanks skipped) vs the one before. Changes within tolerance (default 1%) are Flat.",
    Param("values_row", "KPI values per period, oldest first; one KPI per row.", rowwise=True),
    Param("direction", 'Optional: "up" (higher is better, default) or "down".', optional=True,
          default="up"),
    Param("tolerance", "Optional: relative change still counted as Flat; blank = 0.01.",
          optional=True, default=kpi.DEFAULT_TREND_TOLERANCE),
)
def kpi_trend(values_row: Any, direction: Any = "up",
              tolerance: Any = kpi.DEFAULT_TREND_TOLERANCE) -> Rows:
    def body() -> Rows:
        drc = scalar(direction, "direction")
        tol = scalar(tolerance, "tolerance")
        return [[None if all(is_blank(c) for c in row) else kpi.kpi_trend(row, drc, tol)]
                for row in as_rows(values_row)]

    return guard(n_rows(values_row), body)
