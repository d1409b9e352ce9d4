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

Decision tables are loaded through :func:`leanxl.rules.load`, whose cache
(:mod:`leanxl.rules.cache`) keys them by the content of their cells, so a table range that did
not change is parsed once however many cells call it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from leanxl import kpi
from leanxl.domain import DEFAULT_SCALE_MAX, N_FACTORS
from leanxl.errors import NUM, VALUE, ArgumentError, CellError, LeanxlError
from leanxl.values import is_blank

Cell = float | int | str | bool | None
Rows = list[list[Any]]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a sheet function, as Excel shows it.

    ``rowwise`` parameters hold one lead per row (see the module docstring); ``optional``
    ones may be omitted or blank, and then take ``default``.
    """

    name: str
    help: str
    rowwise: bool = False
    optional: bool = False
    default: Any = None


@dataclass(frozen=True, slots=True)
class SheetFunction:
    """One spreadsheet function: ``LEANXL_<name>`` in Excel, ``LEANXL.<name>`` in Office.js."""

    name: str
    impl: Callable[..., Rows]
    params: tuple[Param, ...]
    help: str

    @property
    def excel_name(self) -> str:
        return f"LEANXL_{self.name}"


REGISTRY: dict[str, SheetFunction] = {}


def register(
    name: str, help: str, *params: Param
) -> Callable[[Callable[..., Rows]], Callable[..., Rows]]:
    """Add a function to the registry under ``name`` (without the ``LEANXL_`` prefix).

    Parameters
    ----------
    name:
        Upper-case name without prefix, e.g. ``"FIT"``.
    help:
        The description Excel shows (at most 255 characters).
    *params:
        One :class:`Param` per positional parameter of the implementation, in order.
    """
    if len(help) > 255:
        raise ValueError(f"help of {name} is longer than Excel's 255 characters")

    def wrap(impl: Callable[..., Rows]) -> Callable[..., Rows]:
        REGISTRY[name] = SheetFunction(name=name, impl=impl, params=tuple(params), help=help)
        return impl

    return wrap


def call(name: str, *args: Any) -> Rows:
    """Call a registry function by ``FIT``, ``LEANXL_FIT`` or ``LEANXL.FIT`` (any case)."""
    key = name.upper().removeprefix("LEANXL_").removeprefix("LEANXL.")
    fn = REGISTRY.get(key)
    if fn is None:
        import difflib

        close = difflib.get_close_matches(key, list(REGISTRY), n=1)
        raise ArgumentError(f"no spreadsheet function {name!r}", where=name,
                            suggestion=f"did you mean LEANXL_{close[0]}?" if close else
                            f"known: {', '.join(sorted(REGISTRY))}")
    return fn.impl(*args)


# ---------------------------------------------------------------------------------------------
# Argument helpers: raw host values -> plain Python


def as_rows(value: Any) -> Rows:
    """A raw argument as a 2-D list of rows (scalar → 1x1, flat sequence → one row)."""
    if isinstance(value, list):
        if not value:
            return [[None]]
        if isinstance(value[0], list):
            return value
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], list | tuple):
            return [list(row) for row in value]
        return [list(value)] if value else [[None]]
    return [[value]]


def _flat(value: Any) -> list[Any]:
    """A single row or single column (or scalar) as a flat list; anything 2-D as-is flattened."""
    rows = as_rows(value)
    if len(rows) == 1:
        return list(rows[0])
    return [cell for row in rows for cell in row]


def _is_vector(rows: Rows) -> bool:
    return len(rows) == 1 or all(len(row) == 1 for row in rows)


def _scalar(value: Any, what: str) -> Any:
    """A single cell (blank as None); a range of several cells is a malformed argument."""
    rows = as_rows(value)
    if len(rows) != 1 or len(rows[0]) != 1:
        raise _Bad(f"{what} must be a single cell")
    cell = rows[0][0]
    return None if is_blank(cell) else cell


class _Bad(Exception):
    """A malformed argument inside the registry: becomes #VALUE! on every output row."""


def _number_arg(value: Any, what: str, default: float | None) -> float | None:
    cell = _scalar(value, what)
    if cell is None:
        return default
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        raise _Bad(f"{what} must be a number, got {cell!r}")
    return float(cell)


def _scale_max(value: Any) -> int:
    number = _number_arg(value, "scale_max", DEFAULT_SCALE_MAX)
    assert number is not None
    if number != int(number) or number < 2:
        raise _Bad(f"scale_max must be a whole number >= 2, got {number:g}")
    return int(number)


def _factor_rows(value: Any, what: str) -> Rows:
    """Leads' factors: N rows of 10 cells.

    A column of ten cells is *not* read as one lead: rows must stay stackable (a host may
    stack the rows of many cells into one call); use ``TRANSPOSE`` for a vertical lead.
    """
    rows = as_rows(value)
    width = len(rows[0])
    if width != N_FACTORS or any(len(row) != width for row in rows):
        raise _Bad(f"{what} must have {N_FACTORS} columns (one per factor), got {width}")
    return rows


_NUMBER_TYPES = (int, float)  # exact classes: bool is not a score
_PLAIN_NUMBERS = frozenset({int, float, type(None)})
_SMALL = 16
_INT8_MAX_SCALE = 127


def _fast_codes(rows: Rows, scale: int) -> Any:
    """Clean factor rows as leanxl's int8 storage (0 = blank), or the rows unchanged.

    The scoring API checks raw cells one by one (~3 µs a cell, to say *why* a value is bad);
    rows holding only blanks and whole numbers in 1..S need no such check, so they go as
    int8 (~10x faster per cell).  Anything else — text, TRUE/FALSE, 0, 2.5, out of range —
    goes through the full check and gets its reason.
    """
    import numpy as np

    if scale > _INT8_MAX_SCALE:
        return rows
    if len(rows) <= _SMALL:  # a cell's own row(s): a Python loop beats numpy's per-op cost
        codes = []
        for cell in chain.from_iterable(rows):
            if cell is None:
                codes.append(0)
            elif cell.__class__ in _NUMBER_TYPES and 1 <= cell <= scale and cell == int(cell):
                codes.append(int(cell))
            else:
                return rows
        return np.array(codes, dtype=np.int8).reshape(len(rows), -1)
    if not set(map(type, chain.from_iterable(rows))) <= _PLAIN_NUMBERS:
        return rows
    values = np.array(rows, dtype=np.float64)  # None -> NaN
    blank = np.isnan(values)
    filled = np.where(blank, 1.0, values)
    if not ((filled >= 1) & (filled <= scale) & (filled == np.floor(filled))).all():
        return rows
    return np.where(blank, 0, values).astype(np.int8)


def _weights(value: Any) -> list[Any] | None:
    if value is None:
        return None
    rows = as_rows(value)
    if len(rows) == 1 and len(rows[0]) == 1 and is_blank(rows[0][0]):
        return None
    if not _is_vector(rows):
        raise _Bad("weights must be one row or one column of 10 cells")
    flat = _flat(rows)
    if len(flat) != N_FACTORS:
        raise _Bad(f"weights must have {N_FACTORS} cells, got {len(flat)}")
    return flat


def _column_arg(value: Any, what: str) -> list[Any]:
    rows = as_rows(value)
    if any(len(row) != 1 for row in rows):
        raise _Bad(f"{what} must be a single column (one value per lead)")
    return [row[0] for row in rows]


def _fail_all(n: int, reason: str, width: int = 1) -> Rows:
    error = CellError(VALUE, reason)
    return [[error] * width for _ in range(n)]


def _n_rows(value: Any) -> int:
    return len(as_rows(value))


_PLAIN_CELLS = frozenset({str, int, bool, type(None), CellError})


def _clean(value: Any) -> Any:
    """Kernel output → host cell: numpy scalars to Python, NaN to an error."""
    cls = value.__class__
    if cls in _PLAIN_CELLS:  # the common case, checked first: this runs once per cell
        return value
    if cls is float:
        return CellError(NUM, "no value (all factors blank?)") if value != value else value
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _column(values: Any, errors: dict[Any, CellError]) -> Rows:
    out = [[_clean(v)] for v in (values.tolist() if hasattr(values, "tolist") else values)]
    for i, err in errors.items():
        out[i if isinstance(i, int) else i[0]][0] = err
    return out


def _score(value: Any) -> Any:
    """A scoring result -> host cell: NaN without an error is a row with no factor given,
    which SPEC shows as a blank cell."""
    return None if value != value else value


def _score_column(values: Any, errors: dict[Any, CellError]) -> Rows:
    """FIT / BESTMATCH / BESTPROFILE results as a column; rows with no factor given blank."""
    out = [[_score(v)] for v in values.tolist()]
    for i, err in errors.items():
        out[i][0] = err
    return out


def _blank_out(out: Rows, rows: Sequence[Sequence[Any]], errors: dict[Any, CellError]) -> Rows:
    """A fully blank input row (a spare row at the end of a range) gives a blank result row.

    Only rows that failed can be blank (nothing to score), so only those are looked at.
    """
    for key in errors:
        i = key[0] if isinstance(key, tuple) else key
        if i is not None and all(is_blank(c) for c in rows[i]):
            out[i] = [None] * len(out[i])
    return out


def _broadcast(columns: Sequence[list[Any]], names: Sequence[str]) -> tuple[int, list[list[Any]]]:
    """Columns of equal height; single cells broadcast; shorter ones padded with errors."""
    n = max(len(col) for col in columns)
    out = []
    for col, name in zip(columns, names, strict=True):
        if len(col) == n:
            out.append(col)
        elif len(col) == 1:
            out.append(col * n)
        else:
            missing = CellError(VALUE, f"{name} has only {len(col)} rows, others have {n}")
            out.append(col + [missing] * (n - len(col)))
    return n, out


def _guard(n: int, body: Callable[[], Rows], width: int = 1) -> Rows:
    """Run ``body``; a malformed argument gives every one of the ``n`` rows its #VALUE!."""
    try:
        return body()
    except _Bad as exc:
        return _fail_all(n, str(exc), width)
    except LeanxlError as exc:
        return _fail_all(n, exc.message if exc.where is None else str(exc), width)


# ---------------------------------------------------------------------------------------------
# Scoring functions

_FACTORS_HELP = "Lead factor scores, 10 columns (one lead per row); 1 = best, blank = not given."
_WEIGHTS_HELP = "Optional: 10 factor weights (one row or column); blank = all 1."
_SCALE_HELP = "Optional: the highest score S of the 1..S scale; blank = 5."


def _scoring() -> Any:
    from leanxl import scoring  # lazy: pulls numba in

    return scoring


@register(
    "FIT",
    "Fit % (0..100) of each lead to the perfect prospect (all factors 1): "
    "100*(1 - sum w*(x-1) / (sum w*(S-1))). One value per row.",
    Param("factors", _FACTORS_HELP, rowwise=True),
    Param("weights", _WEIGHTS_HELP, optional=True),
    Param("scale_max", _SCALE_HELP, optional=True, default=DEFAULT_SCALE_MAX),
)
def fit(factors: Any, weights: Any = None, scale_max: Any = DEFAULT_SCALE_MAX) -> Rows:
    def body() -> Rows:
        rows = _factor_rows(factors, "factors")
        scale = _scale_max(scale_max)
        values, errors = _scoring().fit(
            _fast_codes(rows, scale), _weights(weights), scale, return_errors=True
        )
        return _score_column(values, errors)

    return _guard(_n_rows(factors), body)


@register(
    "MATCH",
    "Match % (0..100) of two factor profiles (lead vs profile, campaign vs profile) over the "
    "factors given in both. N rows vs 1 row: a column; 1 vs P rows: a row; N vs P: a grid.",
    Param("a", "First factor rows (10 columns), e.g. leads or campaigns.", rowwise=True),
    Param("b", "Second factor rows (10 columns), e.g. profiles."),
    Param("weights", _WEIGHTS_HELP, optional=True),
    Param("scale_max", _SCALE_HELP, optional=True, default=DEFAULT_SCALE_MAX),
)
def match(a: Any, b: Any, weights: Any = None, scale_max: Any = DEFAULT_SCALE_MAX) -> Rows:
    def body() -> Rows:
        rows_a = _factor_rows(a, "a")
        rows_b = _factor_rows(b, "b")
        scale = _scale_max(scale_max)
        values, errors = _scoring().match(
            _fast_codes(rows_a, scale), _fast_codes(rows_b, scale), _weights(weights), scale,
            return_errors=True,
        )
        grid = [[_score(v) for v in row] for row in values.tolist()]
        for key, err in errors.items():
            if not isinstance(key, tuple):  # row i of a is bad: its whole result row
                grid[key] = [err] * len(grid[key])
            elif key[0] is None:  # row j of b is bad: its whole result column
                for row in grid:
                    row[key[1]] = err
            else:  # that pair has no factor given in both
                grid[key[0]][key[1]] = err
        return grid

    return _guard(_n_rows(a), body, width=1)


@register(
    "BESTPROFILE",
    "Name of the profile that matches each lead best (highest match %; ties go to the first "
    "profile). One name per lead row.",
    Param("lead", "Lead factor scores, 10 columns (one lead per row).", rowwise=True),
    Param("profiles", "Profile factor rows, 10 columns (one profile per row)."),
    Param("names", "Profile names, one per profile row (a column or a row)."),
    Param("weights", _WEIGHTS_HELP, optional=True),
    Param("scale_max", _SCALE_HELP, optional=True, default=DEFAULT_SCALE_MAX),
)
def best_profile(
    lead: Any, profiles: Any, names: Any, weights: Any = None, scale_max: Any = DEFAULT_SCALE_MAX
) -> Rows:
    def body() -> Rows:
        leads = _factor_rows(lead, "lead")
        profs = _factor_rows(profiles, "profiles")
        name_rows = as_rows(names)
        if not _is_vector(name_rows):
            raise _Bad("names must be one row or one column")
        name_list = _flat(name_rows)
        if len(name_list) != len(profs):
            raise _Bad(f"names has {len(name_list)} cells but profiles has {len(profs)} rows")
        scale = _scale_max(scale_max)
        values, errors = _scoring().best_profile(
            _fast_codes(leads, scale), _fast_codes(profs, scale), name_list, _weights(weights),
            scale, return_errors=True,
        )
        return _score_column(values, errors)

    return _guard(_n_rows(lead), body)


@register(
    "BESTMATCH",
    "Match % of each lead with the profile that matches it best (the profile "
    "LEANXL_BESTPROFILE names). One value per lead row.",
    Param("lead", "Lead factor scores, 10 columns (one lead per row).", rowwise=True),
    Param("profiles", "Profile factor rows, 10 columns (one profile per row)."),
    Param("weights", _WEIGHTS_HELP, optional=True),
    Param("scale_max", _SCALE_HELP, optional=True, default=DEFAULT_SCALE_MAX),
)
def best_match(lead: Any, profiles: Any, weights: Any = None,
               scale_max: Any = DEFAULT_SCALE_MAX) -> Rows:
    # One function instead of MAX(LEANXL_MATCH(...)): a plain call stacks across rows in
    # every host, where a call inside an expression is evaluated cell by cell.
    def body() -> Rows:
        leads = _factor_rows(lead, "lead")
        profs = _factor_rows(profiles, "profiles")
        scale = _scale_max(scale_max)
        _, values, errors = _scoring().best_match(
            _fast_codes(leads, scale), _fast_codes(profs, scale), _weights(weights), scale,
            return_errors=True,
        )
        return _score_column(values, errors)

    return _guard(_n_rows(lead), body)


@register(
    "SEGMENT",
    "Price x complexity segment of each lead: S1 low/low, S2 low price/high complexity, "
    "S3 high/low, S4 high/high; high means >= the cut.",
    Param("price", "Deal price or value, one per lead (a column).", rowwise=True),
    Param("complexity", "Product complexity, one per lead (a column).", rowwise=True),
    Param("price_cut", "Price from which a deal counts as high price."),
    Param("complexity_cut", "Complexity from which a deal counts as high complexity."),
)
def segment(price: Any, complexity: Any, price_cut: Any, complexity_cut: Any) -> Rows:
    def body() -> Rows:
        n, (p, c) = _broadcast(
            [_column_arg(price, "price"), _column_arg(complexity, "complexity")],
            ["price", "complexity"],
        )
        pcut = _scalar(price_cut, "price_cut")
        ccut = _scalar(complexity_cut, "complexity_cut")
        return _rowwise_kernel("segment", n, [p, c], pcut, ccut)

    return _guard(max(_n_rows(price), _n_rows(complexity)), body)


@register(
    "MIX",
    "Region of the Sales / Marketing / Market mix: Sweet spot, Ineffective strategy, "
    "Uncaptured lead, Lead deficit, Untapped market, Sales off target, Marketing off target, "
    "Outside.",
    Param("in_sales_plan", "TRUE if the lead is in the sales plan (one per row).", rowwise=True),
    Param("reached_by_marketing", "TRUE if marketing reaches the lead (one per row).",
          rowwise=True),
    Param("in_target_market", "TRUE if the lead is in the target market (one per row).",
          rowwise=True),
)
def mix(in_sales_plan: Any, reached_by_marketing: Any, in_target_market: Any) -> Rows:
    names = ["in_sales_plan", "reached_by_marketing", "in_target_market"]
    args = [in_sales_plan, reached_by_marketing, in_target_market]

    def body() -> Rows:
        n, cols = _broadcast([_column_arg(a, name) for a, name in zip(args, names, strict=True)],
                             names)
        return _rowwise_kernel("mix", n, cols)

    return _guard(max(_n_rows(a) for a in args), body)


def _rowwise_kernel(kernel: str, n: int, cols: list[list[Any]], *extra: Any) -> Rows:
    """Call a scoring kernel on columns, keeping rows that broadcasting already failed."""
    pre: dict[int, CellError] = {}
    clean_cols = []
    for col in cols:
        clean = list(col)
        for i, cell in enumerate(col):
            if isinstance(cell, CellError):
                pre.setdefault(i, cell)
                clean[i] = None
        clean_cols.append(clean)
    values, errors = getattr(_scoring(), kernel)(*clean_cols, *extra, return_errors=True)
    out = _column(values, errors)
    for i, err in pre.items():
        out[i][0] = err
    return _blank_out(out, list(zip(*cols, strict=True)), errors)


# ---------------------------------------------------------------------------------------------
# Decision tables

_TABLE_HELP = "The decision table's own cell range (DECISION row, headers, rules)."
_INPUTS_HELP = "Input values, one lead per row, columns named by headers."
_HEADERS_HELP = "Column names of inputs (one row), matched to the table's IN headers."


def _table(cells: Any) -> Any:
    from leanxl import rules  # lazy: the rules engine is only needed by DECIDE/EXPLAIN

    try:
        return rules.load(as_rows(cells))  # cached by content: leanxl.rules.cache
    except LeanxlError as exc:
        raise _Bad(f"decision table: {exc}") from None


def _inputs(inputs: Any, headers: Any) -> tuple[list[Any], Rows]:
    header_rows = as_rows(headers)
    if len(header_rows) != 1:
        raise _Bad("headers must be one row of column names")
    names = [None if is_blank(h) else h for h in header_rows[0]]
    rows = as_rows(inputs)
    if any(len(row) != len(names) for row in rows):
        raise _Bad(f"inputs has {len(rows[0])} columns but headers has {len(names)}")
    return names, rows


def _columns(names: list[Any], rows: Rows) -> dict[str, list[Any]]:
    """Input rows → ``{header: values}``; blank-headed columns are not inputs."""
    return {str(name): [None if is_blank(row[k]) else row[k] for row in rows]
            for k, name in enumerate(names) if name is not None}


_KERNEL_ROWS = 256  # from here on the table's numba kernel beats its plain-Python row path


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
        return [[_clean(d[0])] for d in decisions]  # one output, one value per lead
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
                row.extend(_clean(x) for x in value)
                row.extend([None] * (width - len(value)))
            else:
                row.append(_clean(value))
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
        output = _scalar(output_name, "output_name") if output_name is not None else None
        out_name = None if output is None else str(output)
        return _spill_block(_decide_rows(compiled, _columns(names, rows), out_name))

    return _guard(_n_rows(inputs), body)


@register(
    "EXPLAIN",
    "Which rule(s) of a decision table fired for each input row, and why, as text.",
    Param("table", _TABLE_HELP),
    Param("inputs", _INPUTS_HELP, rowwise=True),
    Param("headers", _HEADERS_HELP),
)
def explain(table: Any, inputs: Any, headers: Any) -> Rows:
    def body() -> Rows:
        compiled = _table(table)
        names, rows = _inputs(inputs, headers)
        out: Rows = []
        for row in rows:
            record = {str(n): (None if is_blank(c) else c)
                      for n, c in zip(names, row, strict=True) if n is not None}
            out.append([compiled.explain(record)])
        return out

    return _guard(_n_rows(inputs), body)


# ---------------------------------------------------------------------------------------------
# KPIs


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
        _, cols = _broadcast([_column_arg(a, name) for a, name in zip(args, names, strict=True)],
                             names)
        out: Rows = []
        for act, tgt, drc, tol in zip(*cols, strict=True):
            bad = next((c for c in (act, tgt, drc, tol) if isinstance(c, CellError)), None)
            out.append([bad if bad is not None else kpi.kpi_status(act, tgt, drc, tol)])
        return out

    return _guard(max(_n_rows(a) for a in args), body)


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
        drc = _scalar(direction, "direction")
        tol = _scalar(tolerance, "tolerance")
        return [[None if all(is_blank(c) for c in row) else kpi.kpi_trend(row, drc, tol)]
                for row in as_rows(values_row)]

    return _guard(_n_rows(values_row), body)


__all__ = [
    "REGISTRY",
    "Cell",
    "Param",
    "Rows",
    "SheetFunction",
    "as_rows",
    "call",
    "register",
]
