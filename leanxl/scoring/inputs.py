"""Factor scores in, leanxl's int8 storage out: raw cells, arrays and frames -> codes.

Every accepted input (see :mod:`leanxl.scoring`) becomes a factor-major ``F x N`` int8 array
(``0`` = blank, ``1..S`` = score) plus ``{row: CellError}`` for the rows holding a bad value
(the first bad factor names the row's error; a bad row's codes are all 0).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from leanxl.domain import DEFAULT_SCALE_MAX, FACTOR_KEYS, normalize_name
from leanxl.errors import NUM, VALUE, ArgumentError, CellError
from leanxl.scoring.arguments import (
    N_FACTORS,
    Errors,
    check_scale,
    is_frame,
    is_row,
    is_series,
    python_value,
)
from leanxl.scoring.dispatch import scoring_kernels
from leanxl.scoring.raw import RawColumns, raw_columns
from leanxl.values import is_blank

if TYPE_CHECKING:
    import pandas as pd

_PLAIN_CELLS = frozenset({int, float, type(None)})  # exact types: bool is not a score
_NUMBER_TYPES = (int, float)
#: Up to this many rows of cells (a spreadsheet cell's own row or a few), a Python loop over
#: clean cells beats numpy's per-call costs.
_SMALL = 16


def score_cell(value: object, key: str, scale_max: int) -> int | CellError:
    """One raw cell -> its code (0 = blank, 1..S) or the CellError that makes the row bad."""
    if is_blank(value):
        return 0
    if isinstance(value, CellError):
        return CellError(value.code, f"{key} is {value}")
    if isinstance(value, bool | np.bool_):
        return CellError(VALUE, f"{key} = {value} is TRUE/FALSE, not a score 1..{scale_max}")
    if isinstance(value, numbers.Integral):
        number = int(value)
        if 1 <= number <= scale_max:
            return number
        return CellError(NUM, f"{key} = {number} is outside 1..{scale_max}")
    if isinstance(value, numbers.Real):
        real = float(value)
        if math.isfinite(real) and not real.is_integer():
            return CellError(VALUE, f"{key} = {real:g} is not a whole number")
        if math.isfinite(real) and 1 <= real <= scale_max:
            return int(real)
        return CellError(NUM, f"{key} = {real:g} is outside 1..{scale_max}")
    if isinstance(value, str):
        return CellError(VALUE, f"{key} = {value!r} is text, not a score 1..{scale_max}")
    return CellError(VALUE, f"{key} = {value!r} is not a score 1..{scale_max}")


def bad_cell(value: Any, f: int, scale_max: int) -> CellError:
    """The error for a value the vectorised checks rejected (named by its factor)."""
    error = score_cell(value, FACTOR_KEYS[f], scale_max)
    if isinstance(error, CellError):
        return error
    return CellError(VALUE, f"{FACTOR_KEYS[f]} = {value!r} is not a score 1..{scale_max}")


def _find_factor_columns(frame: pd.DataFrame, where: str) -> list[Any]:
    """The frame's column label for each factor, in factor order (names matched loosely)."""
    by_name: dict[str, list[Any]] = {}
    for column in frame.columns:
        by_name.setdefault(normalize_name(column), []).append(column)
    found: list[Any] = []
    missing: list[str] = []
    for key in FACTOR_KEYS:
        matches = by_name.get(normalize_name(key), [])
        if len(matches) > 1:
            raise ArgumentError(
                f"several columns match factor {key}: {matches}", where=where,
                suggestion="keep one column per factor",
            )
        if matches:
            found.append(matches[0])
        else:
            missing.append(key)
    if missing:
        raise ArgumentError(
            f"no column for factor(s) {', '.join(missing)}; found columns "
            f"{', '.join(map(str, frame.columns))}",
            where=where,
            suggestion="name the ten factor columns by their keys (case and spaces do not matter)",
        )
    return found


def _encode_numeric(
    values: np.ndarray, scale_max: int, codes_row: np.ndarray
) -> np.ndarray:
    """Encode one numeric column into ``codes_row``; return the indices of its bad rows."""
    if values.dtype.kind == "b":
        codes_row[:] = 0
        return np.arange(values.shape[0])
    if values.dtype.kind in "iu" and values.dtype != np.int64:
        # Small integer columns (int8 frames): numpy's min/max check is already cheap.
        low, high = (values.min(), values.max()) if values.size else (1, 1)
        if low >= 1 and high <= scale_max:
            codes_row[:] = values
            return np.empty(0, dtype=np.intp)
        ok = (values >= 1) & (values <= scale_max)
        codes_row[:] = np.where(ok, values, 0)
        return np.flatnonzero(~ok)
    # int64 (CSV integers) and floats (CSV columns with blanks): one kernel pass.
    if values.dtype.kind == "f" and values.dtype != np.float64:
        values = values.astype(np.float64)
    column = np.ascontiguousarray(values).reshape(1, -1)
    kernels = scoring_kernels(column.shape[1])
    n_bad = kernels.encode_scores(column, scale_max, codes_row.reshape(1, -1))
    if not n_bad:
        return np.empty(0, dtype=np.intp)
    bad = np.flatnonzero(codes_row < 0)
    codes_row[bad] = 0
    return bad


def _encode_matrix(
    matrix: np.ndarray, scale_max: int, storage_int8: bool
) -> tuple[np.ndarray, Errors]:
    """A numeric ``N x 10`` array -> ``(codes F x N int8 C-order, errors by row)``, checking
    the whole matrix in one kernel call (as int64 / float64): one call beats ten numpy
    passes at any size, and ten per-column calls on small inputs."""
    kind = matrix.dtype.kind
    if kind == "b" or matrix.dtype == np.int8:
        by_factor = np.ascontiguousarray(matrix.T)  # one transpose, then contiguous columns
        return _encode_columns(list(by_factor), matrix.shape[0], scale_max, storage_int8)
    by_factor = np.ascontiguousarray(matrix.T, dtype=np.float64 if kind == "f" else np.int64)
    codes = np.empty(by_factor.shape, dtype=np.int8)
    errors: Errors = {}
    if scoring_kernels(by_factor.shape[1]).encode_scores(by_factor, scale_max, codes):
        bad = codes < 0
        rows = np.flatnonzero(bad.any(axis=0))
        first = bad[:, rows].argmax(axis=0)  # the first bad factor of each bad row
        for i, f in zip(rows.tolist(), first.tolist(), strict=True):
            errors[i] = bad_cell(by_factor[f, i].item(), f, scale_max)
        codes[:, rows] = 0
    return codes, errors


def column_values(column: Any) -> np.ndarray:
    """A frame column / array column as a numpy array the encoders understand."""
    if is_series(column):
        import pandas as pd

        dtype = column.dtype
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not isinstance(
            dtype, pd.CategoricalDtype
        ):
            if pd.api.types.is_bool_dtype(dtype):
                return column.to_numpy(dtype=object, na_value=None)
            if pd.api.types.is_numeric_dtype(dtype):
                return column.to_numpy(dtype=np.float64, na_value=np.nan)
            return column.to_numpy(dtype=object, na_value=None)
        return column.to_numpy()
    return np.asarray(column)


def _encode_columns(
    columns: Sequence[Any], n_rows: int, scale_max: int, storage_int8: bool
) -> tuple[np.ndarray, Errors]:
    """Columns (one per factor) -> ``(codes F x N int8 C-order, errors by row)``."""
    codes = np.empty((N_FACTORS, n_rows), dtype=np.int8)
    first_bad = np.full(n_rows, -1, dtype=np.int64)
    values_by_factor: list[np.ndarray] = []
    for f, column in enumerate(columns):
        values = column_values(column)
        values_by_factor.append(values)
        if values.dtype == np.int8:
            # leanxl's own storage: 0 = blank.  The kernels check the range themselves, so
            # only factor_matrix (validate here) scans for codes outside 0..S.
            codes[f] = values
            if storage_int8:
                continue
            bad = np.flatnonzero((values < 0) | (values > scale_max))
        elif values.dtype.kind in "biuf":
            bad = _encode_numeric(values, scale_max, codes[f])
        else:
            bad_list: list[int] = []
            row = codes[f]
            key = FACTOR_KEYS[f]
            for i, cell in enumerate(values):
                code = score_cell(cell, key, scale_max)
                if isinstance(code, CellError):
                    row[i] = 0
                    bad_list.append(i)
                else:
                    row[i] = code
            bad = np.asarray(bad_list, dtype=np.intp)
        if bad.size:
            bad = bad[first_bad[bad] < 0]
            first_bad[bad] = f
    errors: Errors = {}
    for i in np.flatnonzero(first_bad >= 0).tolist():
        f = int(first_bad[i])
        codes[:, i] = 0
        errors[i] = bad_cell(python_value(values_by_factor[f][i]), f, scale_max)
    return codes, errors


def raw_input(data: Any, where: str) -> RawColumns | None:
    """A numeric frame or ``N x 10`` array read in place for the one-pass kernels, or None
    (see :mod:`leanxl.scoring.raw`)."""
    columns = _find_factor_columns(data, where) if is_frame(data) else None
    return raw_columns(data, columns)


def factor_codes(
    data: Any, scale_max: int, *, where: str, storage_int8: bool
) -> tuple[np.ndarray, Errors]:
    """Any accepted factor input -> ``(codes F x N int8 C-contiguous, errors by row)``.

    With ``storage_int8`` an int8 array is taken as is (0 = blank) and its range is left to
    the kernel; otherwise every value is checked here.
    """
    if is_frame(data):
        columns = _find_factor_columns(data, where)
        return _encode_columns([data[c] for c in columns], len(data), scale_max, storage_int8)
    if is_series(data):
        data = data.to_numpy()
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        matrix = data
        if matrix.ndim == 1:
            matrix = matrix.reshape(1, -1)
        if matrix.ndim != 2 or matrix.shape[1] != N_FACTORS:
            raise ArgumentError(
                f"factors must have 10 columns, one per factor, got shape {data.shape}",
                where=where, suggestion=f"columns in this order: {', '.join(FACTOR_KEYS)}",
            )
        if storage_int8 and matrix.dtype == np.int8:
            codes = np.ascontiguousarray(matrix.T)
            if not codes.flags.writeable:  # a read-only array would compile a second kernel
                codes = codes.copy()
            return codes, {}
        return _encode_matrix(matrix, scale_max, storage_int8)
    rows = _rows(data, where)
    if len(rows) <= _SMALL:
        small = _small_codes(rows, scale_max)
        if small is not None:
            return small, {}
    if rows and set(map(type, chain.from_iterable(rows))) <= _PLAIN_CELLS:
        # Only ints, floats and blanks (a typical range): one float array, NaN = blank.
        plain: np.ndarray | None
        try:
            plain = np.array(rows, dtype=np.float64)
        except OverflowError:  # an int too big for a float: the cell-by-cell path says so
            plain = None
        if plain is not None:
            codes, errors = _encode_matrix(plain, scale_max, storage_int8)
            for i in errors:  # name the cell as it was given (an int, not its float)
                errors[i] = next(e for e in (score_cell(v, k, scale_max) for v, k in
                                             zip(rows[i], FACTOR_KEYS, strict=True))
                                 if isinstance(e, CellError))
            return codes, errors
    # Mixed cells (text, booleans, error values...): read them one by one.
    codes = np.zeros((N_FACTORS, len(rows)), dtype=np.int8)
    errors = {}
    for i, row in enumerate(rows):
        for f, cell in enumerate(row):
            code = score_cell(cell, FACTOR_KEYS[f], scale_max)
            if isinstance(code, CellError):
                errors[i] = code  # the first bad factor names the row's error
                codes[:, i] = 0
                break
            codes[f, i] = code
    return codes, errors


def _small_codes(rows: list[Sequence[Any]], scale_max: int) -> np.ndarray | None:
    """A few rows holding only blanks (None) and whole numbers in 1..S as codes, or None.

    Checking raw cells one by one costs ~3 µs a cell (to say *why* a value is bad); a clean
    row needs no such check.  Anything else (text, TRUE/FALSE, 0, 2.5, NaN, out of range)
    returns None: the full check gives it its reason.
    """
    codes = []
    for cell in chain.from_iterable(rows):
        if cell is None:
            codes.append(0)
        elif cell.__class__ in _NUMBER_TYPES and 1 <= cell <= scale_max and cell == int(cell):
            codes.append(int(cell))
        else:
            return None
    return np.ascontiguousarray(np.array(codes, dtype=np.int8).reshape(len(rows), N_FACTORS).T)


def _rows(data: Any, where: str) -> list[Sequence[Any]]:
    """Lists of raw cells -> list of rows of 10 (one flat row of 10 is one lead)."""
    if isinstance(data, np.ndarray):
        data = data.tolist() if data.ndim else [data.item()]
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        raise ArgumentError(
            f"factors must be an array, a DataFrame or rows of cells, got {type(data).__name__}",
            where=where,
        )
    if len(data) == 0:
        return []
    if not is_row(data[0]):  # one flat row
        data = [data]
    rows: list[Sequence[Any]] = []
    for i, row in enumerate(data):
        if not is_row(row):
            raise ArgumentError(f"row {i + 1} is not a row of cells: {row!r}", where=where)
        if len(row) != N_FACTORS:
            raise ArgumentError(
                f"row {i + 1} has {len(row)} cells; expected 10, one per factor",
                where=where, suggestion=f"columns in this order: {', '.join(FACTOR_KEYS)}",
            )
        rows.append(row)
    return rows


def factor_matrix(data: Any, scale_max: int = DEFAULT_SCALE_MAX) -> tuple[np.ndarray, Errors]:
    """Validate factor scores and convert them to leanxl's int8 storage.

    Parameters
    ----------
    data:
        ``N x 10`` numpy array (or one row of 10), DataFrame with the factor columns (found by
        key), or rows of raw cell values; see the module docstring.
    scale_max:
        S, the worst score (scores are 1..S).

    Returns
    -------
    matrix:
        ``(N, 10)`` int8, ``0`` = blank (int8 input is storage already: its 0s stay blank).
        Fortran-ordered: ``matrix.T`` is the factor-major C-contiguous array the kernels
        read, so passing ``matrix`` back to :func:`fit` or :func:`match` costs no copy.
        Rows listed in ``errors`` are all 0.
    errors:
        ``{row index: CellError}`` for rows with a bad value (the first bad factor is named).
    """
    scale = check_scale(scale_max)
    codes, errors = factor_codes(data, scale, where="factors", storage_int8=False)
    return codes.T, errors
