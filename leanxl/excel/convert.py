"""Raw host values ↔ the registry's uniform 2-D lists, and error values per host.

Every xlwings host delivers arguments a little differently: classic UDFs (with
``@xw.arg(ndim=2)``) give lists of lists, Office.js gives a scalar for a single cell and
``None`` for an omitted optional argument, COM may give tuples.  Results go back as a
rectangular 2-D list; what an error looks like depends on the host:

* classic (COM) UDFs cannot return a real Excel error through xlwings (xlwings issue 776:
  returned text stays text), so the cell shows the code *and* the reason as text,
  e.g. ``#N/A no rule matches``;
* Office.js (xlwings Server) turns the strings ``#N/A``, ``#VALUE!``, ``#NUM!`` ... into real
  Excel errors (custom-functions runtime >= 1.4), so the cell holds the bare code and
  ``ISERROR``/``IFERROR``/``IFNA`` work; the reason is logged by the server.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from leanxl.errors import VALUE, CellError
from leanxl.functions import Rows, SheetFunction, as_rows

logger = logging.getLogger(__name__)


def to_rows(value: Any) -> Any:
    """One host argument → what registry functions take.

    ``None`` (omitted argument or blank single cell) stays ``None`` so optional parameters get
    their defaults; anything else becomes a 2-D list of rows.  Blank cells arrive as ``None``
    (xlwings' ``empty_as`` default); the registry reads a stray ``""`` as blank too.
    """
    if value is None:
        return None
    return as_rows(value)


def classic_cell(value: Any) -> Any:
    """A registry cell as a classic UDF shows it: errors as ``"<code> <reason>"`` text."""
    return str(value) if isinstance(value, CellError) else value


def officejs_cell(value: Any) -> Any:
    """A registry cell for Office.js: errors as bare codes, which xlwings makes real errors."""
    return value.code if isinstance(value, CellError) else value


def render(rows: Rows, cell: Callable[[Any], Any]) -> list[list[Any]]:
    """Registry rows → a rectangular 2-D list for the host (short rows padded with blanks)."""
    width = max((len(row) for row in rows), default=1)
    return [[cell(v) for v in row] + [None] * (width - len(row)) for row in rows] or [[None]]


def call_for_host(
    fn: SheetFunction, args: tuple[Any, ...], cell: Callable[[Any], Any], log_errors: bool = False
) -> Any:
    """Convert the host's arguments, call the registry function, render the result.

    A bug (an unexpected exception) is logged with its traceback and shown as one
    ``#VALUE!`` cell naming the exception: never a traceback in a cell.  With ``log_errors``
    (hosts whose error cells cannot carry a reason), error cells are logged at INFO: how
    many, and the first one's reason.
    """
    try:
        result = fn.impl(*(to_rows(a) for a in args))
    except Exception as exc:  # the host must get a value; the log gets the traceback
        logger.exception("%s failed", fn.excel_name)
        result = [[CellError(VALUE, f"internal error in {fn.excel_name}: "
                                    f"{type(exc).__name__}: {exc}")]]
    if log_errors:
        errors = [v for row in result for v in row if isinstance(v, CellError)]
        if errors:
            logger.info("%s: %d error cell(s); first: %s", fn.excel_name, len(errors), errors[0])
    return render(result, cell)


def build(
    fn: SheetFunction,
    name: str,
    module: str,
    cell: Callable[[Any], Any],
    func: Callable[..., Any],
    arg: Callable[..., Any],
    log_errors: bool = False,
    **func_options: Any,
) -> Callable[..., Any]:
    """Build one xlwings UDF for a registry function.

    Parameters
    ----------
    fn:
        The registry entry.
    name:
        The Python (and Excel-facing) name, e.g. ``LEANXL_FIT`` or ``FIT``.
    module:
        The module the function is published in (xlwings looks it up there).
    cell:
        How a result cell is rendered for the host (:func:`.convert.classic_cell` ...).
    func, arg:
        The host's ``xw.func``/``xw.arg`` decorators (classic or ``xlwings.server``).
    log_errors:
        Log error cells' reasons (for hosts that show bare error codes).
    **func_options:
        Passed to ``func`` (e.g. ``category``).
    """

    def udf(*args: Any) -> Any:
        return call_for_host(fn, args, cell, log_errors)

    empty = inspect.Parameter.empty
    udf.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=None if p.optional else empty,
            )
            for p in fn.params
        ]
    )
    udf.__annotations__ = {}  # no converter from a type hint: plain values both ways
    udf.__name__ = udf.__qualname__ = name
    udf.__doc__ = fn.help
    udf.__module__ = module
    for p in fn.params:
        udf = arg(p.name, ndim=2, err_to_str=True, doc=p.help[:255])(udf)
    return func(**func_options)(udf)
