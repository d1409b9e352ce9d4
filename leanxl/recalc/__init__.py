"""Headless recalculation of workbooks: leanxl calls by kernel, standard formulas by LibreOffice.

``recalc_workbook(path, out)`` recalculates one workbook, ``recalc_workbooks(paths, ...)`` a
batch (local worker processes or a Dask cluster).  Nothing here is imported by ``leanxl``
itself; the command is ``leanxl recalc``.
"""

from __future__ import annotations

from leanxl.recalc.batch import expand_inputs, recalc_workbooks, shutdown_engines
from leanxl.recalc.workbook import FileReport, recalc_workbook, start_engine

__all__ = ["FileReport", "expand_inputs", "recalc_workbook", "recalc_workbooks",
           "shutdown_engines", "start_engine"]
