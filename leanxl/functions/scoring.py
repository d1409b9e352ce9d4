"""The scoring functions: FIT, MATCH, BESTPROFILE, BESTMATCH, SEGMENT, MIX.

Thin adapters over :mod:`leanxl.scoring`: ranges in, the Python API's values and errors out
as rows.  A row with no factor given is a blank cell (the API gives it NaN / None with no
error); a fully blank SEGMENT / MIX row is blank too.
"""

from __future__ import annotations

from typing import Any

from leanxl.domain import DEFAULT_SCALE_MAX
from leanxl.errors import CellError
from leanxl.functions.arguments import (
    BadArgument,
    as_rows,
    blank_out,
    broadcast,
    column_arg,
    factor_rows,
    flat_cells,
    guard,
    is_vector,
    n_rows,
    result_column,
    scalar,
    scale_max_arg,
    weights_arg,
)
from leanxl.functions.registry import Param, Rows, register

_FACTORS_HELP = "Lead factor scores, 10 columns (one lead per row); 1 = best, blank = not given."


_WEIGHTS_HELP = "Optional: 10 factor weights (one row or column); blank = all 1."


_SCALE_HELP = "Optional: the highest score S of the 1..S scale; blank = 5."


def _scoring() -> Any:
    from leanxl import scoring  # lazy: pulls numba in

    return scoring


def _score(value: Any) -> Any:
    """A scoring result -> host cell: NaN without an error is a row with no factor given,
    which shows as a blank cell."""
    return None if value != value else value


def _score_column(values: Any, errors: dict[Any, CellError]) -> Rows:
    """FIT / BESTMATCH / BESTPROFILE results as a column; rows with no factor given blank."""
    out = [[_score(v)] for v in values.tolist()]
    for i, err in errors.items():
        out[i][0] = err
    return out


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
        rows = factor_rows(factors, "factors")
        scale = scale_max_arg(scale_max)
        values, errors = _scoring().fit(
            rows, weights_arg(weights), scale, return_errors=True
        )
        return _score_column(values, errors)

    return guard(n_rows(factors), body)


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
        rows_a = factor_rows(a, "a")
        rows_b = factor_rows(b, "b")
        scale = scale_max_arg(scale_max)
        values, errors = _scoring().match(
            rows_a, rows_b, weights_arg(weights), scale,
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

    return guard(n_rows(a), body, width=1)


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
        leads = factor_rows(lead, "lead")
        profs = factor_rows(profiles, "profiles")
        name_rows = as_rows(names)
        if not is_vector(name_rows):
            raise BadArgument("names must be one row or one column")
        name_list = flat_cells(name_rows)
        if len(name_list) != len(profs):
            raise BadArgument(
                f"names has {len(name_list)} cells but profiles has {len(profs)} rows"
            )
        scale = scale_max_arg(scale_max)
        values, errors = _scoring().best_profile(
            leads, profs, name_list, weights_arg(weights),
            scale, return_errors=True,
        )
        return _score_column(values, errors)

    return guard(n_rows(lead), body)


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
        leads = factor_rows(lead, "lead")
        profs = factor_rows(profiles, "profiles")
        scale = scale_max_arg(scale_max)
        _, values, errors = _scoring().best_match(
            leads, profs, weights_arg(weights), scale,
            return_errors=True,
        )
        return _score_column(values, errors)

    return guard(n_rows(lead), body)


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
        n, (p, c) = broadcast(
            [column_arg(price, "price"), column_arg(complexity, "complexity")],
            ["price", "complexity"],
        )
        pcut = scalar(price_cut, "price_cut")
        ccut = scalar(complexity_cut, "complexity_cut")
        return _rowwise_kernel("segment", n, [p, c], pcut, ccut)

    return guard(max(n_rows(price), n_rows(complexity)), body)


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
        n, cols = broadcast([column_arg(a, name) for a, name in zip(args, names, strict=True)],
                             names)
        return _rowwise_kernel("mix", n, cols)

    return guard(max(n_rows(a) for a in args), body)


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
    out = result_column(values, errors)
    for i, err in pre.items():
        out[i][0] = err
    return blank_out(out, list(zip(*cols, strict=True)), errors)
