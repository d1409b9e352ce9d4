"""THE registry of spreadsheet functions: one typed Python callable per ``LEANXL_*`` name.

Every host (xlwings classic UDFs, xlwings Server, headless recalc, the template writer) calls
these, so every host behaves the same.  Functions take raw cell values — a range is a 2-D list
of rows holding ``float``/``int``, ``str``, ``bool`` or ``None`` (blank); a single cell may
also come as a scalar — and do their own conversion.  They return a 2-D list of rows: one row
per input row (a spilled column, or a spilled block for list results).  A bad row holds a
:class:`~leanxl.errors.CellError` instead of a value; functions never raise for bad *values*.
A malformed *argument* (wrong width, unknown output, broken decision table) gives every row
the same ``#VALUE!`` with the reason, so the shape contract "N rows in, N rows out" holds.
A completely blank input row (spare rows at the end of a range) gives a blank result row in
FIT, MATCH, BESTPROFILE, SEGMENT, MIX and KPITREND (and KPISTATUS with a blank actual);
DECIDE still decides it, since a table may have a rule for blank inputs.

Parameters marked ``rowwise`` carry one lead per row: a host may stack the rows of many cells
that share a formula shape into one call and split the result again (what ``recalc`` does).
A rowwise argument given as a single row (or a scalar) is broadcast to the others' rows.

Shapes, per function
    FIT, BESTPROFILE, DECIDE, EXPLAIN, KPITREND: one value (or one spilled row) per row of the
    rowwise argument.  MATCH(a, b): ``a`` N rows and ``b`` one row → N values (a column);
    ``a`` one row and ``b`` P rows → a row of P values; N x P → the N x P grid.  SEGMENT, MIX,
    KPISTATUS: columns of equal height (a single cell broadcasts); rows beyond a shorter
    argument get ``#VALUE!``.  Factor ranges are rows of ten cells (one lead per row; a
    vertical lead needs ``TRANSPOSE``).

Modules: :mod:`~leanxl.functions.registry` (:class:`Param`, :class:`SheetFunction`,
:func:`register`, :func:`call`, ``FUNCTIONS``), :mod:`~leanxl.functions.arguments` (the raw
range adapters the families share) and one module per family: :mod:`~leanxl.functions.scoring`,
:mod:`~leanxl.functions.decisions`, :mod:`~leanxl.functions.kpis`.  Importing this package
registers every function.
"""

from __future__ import annotations

# isort: off
# The families register their functions on import, in the order the hosts list them.
from leanxl.functions import scoring  # noqa: F401
from leanxl.functions import decisions  # noqa: F401
from leanxl.functions import kpis  # noqa: F401

# isort: on
from leanxl.functions.arguments import as_rows
from leanxl.functions.registry import (
    FUNCTIONS,
    REGISTRY,
    Cell,
    Param,
    Rows,
    SheetFunction,
    call,
    register,
)

__all__ = [
    "FUNCTIONS",
    "REGISTRY",
    "Cell",
    "Param",
    "Rows",
    "SheetFunction",
    "as_rows",
    "call",
    "register",
]
