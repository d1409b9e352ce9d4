"""Headless recalculation of workbooks: leanxl calls by kernel, standard formulas by LibreOffice.

``recalc_workbook(path, out)`` recalculates one workbook, ``recalc_workbooks(paths, ...)`` a
batch (local worker processes or a Dask cluster).  Nothing here is imported by ``leanxl``
itself; the command is ``leanxl recalc``.  The names below load their modules on first use, so
that ``leanxl.recalc.engine`` alone is light: the command starts LibreOffice before the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leanxl.recalc.batch import expand_inputs, recalc_workbooks, shutdown_engines
    from leanxl.recalc.workbook import FileReport, recalc_workbook, start_engine

__all__ = ["FileReport", "expand_inputs", "recalc_workbook", "recalc_workbooks",
           "shutdown_engines", "start_engine"]


def __getattr__(name: str) -> Any:
    if name in ("expand_inputs", "recalc_workbooks", "shutdown_engines"):
        from leanxl.recalc import batch

        return getattr(batch, name)
    if name in ("FileReport", "recalc_workbook", "start_engine"):
        from leanxl.recalc import workbook

        return getattr(workbook, name)
    raise AttributeError(f"module 'leanxl.recalc' has no attribute {name!r}")
