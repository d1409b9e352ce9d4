"""The decision-table functions: DECIDE and EXPLAIN.

Tables come from :func:`leanxl.rules.load`, cached by cell content and kind
(:mod:`leanxl.rules.cache`), so a table range that did not change is parsed once however many
cells call it.
"""

from __future__ import annotations

from typing import Any

from leanxl.errors import CellError, LeanxlError
from leanxl.functions.arguments import BadArgument, as_rows, guard, host_value, n_rows, scalar
from leanxl.functions.registry import Param, Rows, register
from leanxl.values import is_blank

_TABLE_HELP = "The decision table's own cell range (DECISION row, headers, rules)."


_INPUTS_HELP = "Input values, one lead per row, columns named by headers."


_HEADERS_HELP = "Column names of inputs (one row), matched to the table's IN headers."


def _table(cells: Any) -> Any:
    from leanxl import rules  # lazy: the rules engine is only needed by DECIDE/EXPLAIN

    try:
        return rules.load(as_rows(cells))  # cached by content: leanxl.rules.cache
    except LeanxlError as exc:
        raise BadArgument(f"decision table: {exc}") from None


def _inputs(inputs: Any, headers: Any) -> tuple[list[Any], Rows]:
    header_rows = as_rows(headers)
    if len(header_rows) != 1:
        raise BadArgument("headers must be one row of column names")
    names = [None if is_blank(h) else h for h in header_rows[0]]
    rows = as_rows(inputs)
    if any(len(row) != len(names) for row in rows):
        raise BadArgument(f"inputs has {len(rows[0])} columns but headers has {len(names)}")
    return names, rows


def _columns(names: list[Any], rows: Rows) -> dict[str, list[Any]]:
    """Input rows → ``{header: values}`` with blanks as None; blank-headed columns are not
    inputs."""
    return {str(name): _blank_as_none([row[k] for row in rows])
            for k, name in enumerate(names) if name is not None}


def _blank_as_none(values: list[Any]) -> list[Any]:
    # A spilled range is mostly plain numbers: decide by the column's types first, so only a
    # column holding something else asks is_blank of every cell.
    kinds = set(map(type, values))
    if kinds <= _INTS:
        return values
    if kinds <= _NUMBER_SET:
        return [None if v != v else v for v in values]  # only NaN is blank among numbers
    return [None if is_blank(v) else v for v in values]


_INTS = frozenset({int})


_KERNEL_ROWS = 256  # from here on the table's kernels (numba or numpy) beat its plain-Python rows


def _kernel_column(values: list[Any]) -> Any:
    """A column of plain numbers as a numpy array (int8 when it fits); anything else as-is.

    Blank, text or TRUE/FALSE cells keep the list, so the rules engine judges them itself.
    """
    import numpy as np

    if not set(map(type, values)) <= _NUMBER_SET:
        return values
    array = np.array(values, dtype=np.float64)
    if np.isnan(array).any():
        return values
    if (array == np.round(array)).all() and array.min() >= -128 and array.max() <= 127:
        return array.astype(np.int8)
    return array


_NUMBER_SET = frozenset({int, float})


def _decide_rows(table: Any, columns: dict[str, list[Any]], output: str | None) -> list[Any]:
    """Per lead, one slot per output (``evaluate_rows``' shape), fast for many leads.

    Many leads go to the table's vectorised path with plain-number columns as int8/float
    arrays (mixed columns stay lists and the rules engine judges each value itself).
    """
    n = len(next(iter(columns.values()), []))
    if n < _KERNEL_ROWS:
        return list(table.evaluate_rows(columns, output))
    kernel_columns = {k: _kernel_column(v) for k, v in columns.items()}
    return list(table.evaluate_rows(kernel_columns, output))


def _spill_block(decisions: list[list[Any]]) -> Rows:
    """``evaluate_rows`` output (per lead: one slot per output) → rows, lists spilled right.

    Each output slot is as wide as its longest list over all leads, so columns line up; a
    failed lead repeats its error across its cells.
    """
    if not decisions:
        return []
    if len(decisions[0]) == 1 and not any(isinstance(d[0], list | tuple) for d in decisions):
        return [[host_value(d[0])] for d in decisions]  # one output, one value per lead
    n_slots = len(decisions[0])
    widths = [max((len(d[k]) for d in decisions if isinstance(d[k], list | tuple)), default=1)
              for k in range(n_slots)]
    widths = [max(w, 1) for w in widths]
    out: Rows = []
    for lead in decisions:
        row: list[Any] = []
        for value, width in zip(lead, widths, strict=True):
            if isinstance(value, CellError):
                row.extend([value] * width)
            elif isinstance(value, list | tuple):
                row.extend(host_value(x) for x in value)
                row.extend([None] * (width - len(value)))
            else:
                row.append(host_value(value))
                row.extend([None] * (width - 1))
        out.append(row)
    return out


@register(
    "DECIDE",
    "Decision of a decision table for each input row. Several outputs or list results "
    "(RULE ORDER, COLLECT) spill to the right. #N/A: no rule matches; #VALUE!: rules disagree.",
    Param("table", _TABLE_HELP),
    Param("inputs", _INPUTS_HELP, rowwise=True),
    Param("headers", _HEADERS_HELP),
    Param("output_name", "Optional: the OUT column to return; blank = all outputs.",
          optional=True),
)
def decide(table: Any, inputs: Any, headers: Any, output_name: Any = None) -> Rows:
    def body() -> Rows:
        compiled = _table(table)
        names, rows = _inputs(inputs, headers)
        output = scalar(output_name, "output_name") if output_name is not None else None
        out_name = None if output is None else str(output)
        return _spill_block(_decide_rows(compiled, _columns(names, rows), out_name))

    return guard(n_rows(inputs), body)


@register(
    "EXPLAIN",
    "Which rule(s) of a decision table fired for each input row, and why, as text.",
    Param("table", _TABLE_HELP),
    Param("inputs", _INPUTS_HELP, rowwise=True),
    Param("headers", _HEADERS_HELP),
)
def explain(table: Any, inputs: Any, headers: Any) -> Rows:
    def body() -> Rows:
        from leanxl import rules  # lazy, as in _table

        compiled = _table(table)
        names, rows = _inputs(inputs, headers)
        out: Rows = []
        for row in rows:
            record = {str(n): (None if is_blank(c) else c)
                      for n, c in zip(names, row, strict=True) if n is not None}
            out.append([rules.explain(compiled, record)])
        return out

    return guard(n_rows(inputs), body)
