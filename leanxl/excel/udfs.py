"""Classic xlwings UDFs (Windows Excel): one ``LEANXL_*`` function per registry entry.

Use with the xlwings add-in: ``UDF Modules = leanxl.excel.udfs`` (the template's
``xlwings.conf`` sheet carries it), then *Import Functions*.

The wrappers are generated from :data:`leanxl.functions.REGISTRY`, so no function is written
twice.  Each is a real function with a real signature (``inspect.signature`` sees the
registry's parameter names, optional ones defaulting to ``None``), because xlwings reads the
signature to build the VBA wrapper, and carries the registry's help as its docstring (Excel's
function description) and per-argument ``doc``.  Every argument is read with ``ndim=2`` (so a
single cell, a row and a column all arrive as lists of rows) and ``err_to_str=True`` (so an
error cell in the input arrives as ``"#N/A"`` text and gives ``#VALUE!``, never a silent
blank).  Results are 2-D lists, which Excel 365 spills as a dynamic array (no legacy
``expand``).  Errors are shown as text ``"<code> <reason>"`` (see :mod:`.convert`).

On Linux/macOS without the classic add-in, ``xw.func`` is a no-op and these are plain
functions (still callable, same results).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xlwings as xw

from leanxl.excel.convert import build, classic_cell
from leanxl.functions import REGISTRY, SheetFunction

CATEGORY = "leanxl"


def _classic(fn: SheetFunction) -> Callable[..., Any]:
    return build(fn, fn.excel_name, __name__, classic_cell, xw.func, xw.arg, category=CATEGORY)


__all__ = [fn.excel_name for fn in REGISTRY.values()]
globals().update({fn.excel_name: _classic(fn) for fn in REGISTRY.values()})
