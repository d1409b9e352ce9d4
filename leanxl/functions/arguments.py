"""Raw cell-range arguments -> plain Python, shared by the function families.

Hosts hand over a range as a 2-D list of rows (a single cell may come as a scalar); these
adapters check its shape, turn it into what the Python API takes, and turn results back into
rows of host cells.  A malformed argument raises :class:`BadArgument`, which :func:`guard`
turns into the same ``#VALUE!`` on every output row ("N rows in, N rows out").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from leanxl.domain import DEFAULT_SCALE_MAX, N_FACTORS
from leanxl.errors import NUM, VALUE, CellError, LeanxlError
from leanxl.functions.registry import Rows
from leanxl.values import is_blank


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


def flat_cells(value: Any) -> list[Any]:
    """A single row or single column (or scalar) as a flat list; anything 2-D as-is flattened."""
    rows = as_rows(value)
    if len(rows) == 1:
        return list(rows[0])
    return [cell for row in rows for cell in row]


def is_vector(rows: Rows) -> bool:
    return len(rows) == 1 or all(len(row) == 1 for row in rows)


def scalar(value: Any, what: str) -> Any:
    """A single cell (blank as None); a range of several cells is a malformed argument."""
    rows = as_rows(value)
    if len(rows) != 1 or len(rows[0]) != 1:
        raise BadArgument(f"{what} must be a single cell")
    cell = rows[0][0]
    return None if is_blank(cell) else cell


class BadArgument(Exception):
    """A malformed argument of a sheet function: :func:`guard` makes it #VALUE! on every row."""


def number_arg(value: Any, what: str, default: float | None) -> float | None:
    cell = scalar(value, what)
    if cell is None:
        return default
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        raise BadArgument(f"{what} must be a number, got {cell!r}")
    return float(cell)


def scale_max_arg(value: Any) -> int:
    number = number_arg(value, "scale_max", DEFAULT_SCALE_MAX)
    assert number is not None
    if number != int(number) or number < 2:
        raise BadArgument(f"scale_max must be a whole number >= 2, got {number:g}")
    return int(number)


def factor_rows(value: Any, what: str) -> Rows:
    """Leads' factors: N rows of 10 cells.

    A column of ten cells is *not* read as one lead: rows must stay stackable (a host may
    stack the rows of many cells into one call); use ``TRANSPOSE`` for a vertical lead.
    """
    rows = as_rows(value)
    width = len(rows[0])
    if width != N_FACTORS or any(len(row) != width for row in rows):
        raise BadArgument(f"{what} must have {N_FACTORS} columns (one per factor), got {width}")
    return rows


def weights_arg(value: Any) -> list[Any] | None:
    if value is None:
        return None
    rows = as_rows(value)
    if len(rows) == 1 and len(rows[0]) == 1 and is_blank(rows[0][0]):
        return None
    if not is_vector(rows):
        raise BadArgument("weights must be one row or one column of 10 cells")
    flat = flat_cells(rows)
    if len(flat) != N_FACTORS:
        raise BadArgument(f"weights must have {N_FACTORS} cells, got {len(flat)}")
    return flat


def column_arg(value: Any, what: str) -> list[Any]:
    rows = as_rows(value)
    if any(len(row) != 1 for row in rows):
        raise BadArgument(f"{what} must be a single column (one value per lead)")
    return [row[0] for row in rows]


def fail_all(n: int, reason: str, width: int = 1) -> Rows:
    error = CellError(VALUE, reason)
    return [[error] * width for _ in range(n)]


def n_rows(value: Any) -> int:
    return len(as_rows(value))


_PLAIN_CELLS = frozenset({str, int, bool, type(None), CellError})


def host_value(value: Any) -> Any:
    """Kernel output → host cell: numpy scalars to Python, NaN to an error."""
    cls = value.__class__
    if cls in _PLAIN_CELLS:  # the common case, checked first: this runs once per cell
        return value
    if cls is float:
        return CellError(NUM, "no value (all factors blank?)") if value != value else value
    if hasattr(value, "item"):
        return host_value(value.item())
    return value


def result_column(values: Any, errors: dict[Any, CellError]) -> Rows:
    out = [[host_value(v)] for v in (values.tolist() if hasattr(values, "tolist") else values)]
    for i, err in errors.items():
        out[i if isinstance(i, int) else i[0]][0] = err
    return out


def blank_out(out: Rows, rows: Sequence[Sequence[Any]], errors: dict[Any, CellError]) -> Rows:
    """A fully blank input row (a spare row at the end of a range) gives a blank result row.

    Only rows that failed can be blank (nothing to score), so only those are looked at.
    """
    for key in errors:
        i = key[0] if isinstance(key, tuple) else key
        if i is not None and all(is_blank(c) for c in rows[i]):
            out[i] = [None] * len(out[i])
    return out


def broadcast(columns: Sequence[list[Any]], names: Sequence[str]) -> tuple[int, list[list[Any]]]:
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


def guard(n: int, body: Callable[[], Rows], width: int = 1) -> Rows:
    """Run ``body``; a malformed argument gives every one of the ``n`` rows its #VALUE!."""
    try:
        return body()
    except BadArgument as exc:
        return fail_all(n, str(exc), width)
    except LeanxlError as exc:
        return fail_all(n, exc.message if exc.where is None else str(exc), width)
