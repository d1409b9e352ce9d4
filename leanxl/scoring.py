"""The scoring API: fit %, match %, best profile, segment and mix on arrays, frames and cells.

Every function takes many rows (one lead per row) or one row, and returns one value per row.
A bad *value* never raises: that row gets NaN (numbers) or None (labels), and, with
``return_errors=True``, a :class:`~leanxl.errors.CellError` saying why.  A malformed
*argument* (wrong shape, missing column, bad weights or scale) raises
:class:`~leanxl.errors.ArgumentError`.

Inputs for factor scores (``factors``, ``a``, ``b``, ``leads``, ``profiles``):

* a numpy array, ``N x 10`` or one row of 10.  Floats: NaN = blank.  Other integer dtypes hold
  scores (so 0 is out of range).  ``int8`` data (arrays, or int8 frame columns) is taken as
  leanxl's own storage (what :func:`factor_matrix` returns): ``0`` = blank, ``1..S`` = score.
* a pandas DataFrame: the ten factor columns are found by key, ignoring case, spaces, ``_``
  and ``-`` (``"Buyer maturity"`` finds ``buyer_maturity``); other columns are ignored.
  Missing values (NaN, ``pd.NA``) and empty text are blank.
* a list of rows of raw cell values (what a spreadsheet range gives): ``None``, ``""``, only
  spaces or NaN = blank (:func:`leanxl.values.is_blank`); integers and integral floats =
  scores; anything else is an error for that row.

Error values (the row's value is NaN / None):

=========  =================================================================================
``#VALUE!``  a factor is text, a boolean or not a whole number (``2.5``); a segment price or
             complexity is blank or text; a mix flag is not a yes/no value
``#NUM!``    a factor is a whole number outside ``1..S``
``#DIV/0!``  nothing to divide by: the given factors all have weight 0 (for match: no factor
             is given in both rows, or those given in both all have weight 0)
=========  =================================================================================

A row with no factor given at all (blank cells only: a spare row at the end of a range) is not
an error: its value is NaN / None and it has no entry in the errors (a cell shows it blank).

Results are numpy arrays even when the input was a DataFrame (``float64`` for numbers,
``object`` holding ``str`` / ``None`` for labels).
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from leanxl.domain import DEFAULT_SCALE_MAX, FACTOR_KEYS, MIX_LABELS, SEGMENTS, normalize_name
from leanxl.errors import DIV0, NUM, VALUE, ArgumentError, CellError
from leanxl.values import is_blank

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "PARALLEL_MIN_ROWS",
    "PARALLEL_MIN_WORK",
    "best_match",
    "best_profile",
    "error_for",
    "factor_matrix",
    "fit",
    "match",
    "mix",
    "segment",
]

N_FACTORS = len(FACTOR_KEYS)
#: The ``parallel=True`` kernels run when the work (leads, or lead x profile pairs for match
#: and best profile) reaches this, and never below 10^4 leads (a parallel launch costs ~7 µs).
#: Measured on 2 vCPUs shared with other work (bench/kernels.py): when the other core is
#: busy, a descheduled thread holds up the whole call — fit on 10^6 leads went from 1.4 ms
#: serial to 8 ms parallel — while on an idle machine two threads save at most half.  So
#: only calls of tens of milliseconds go parallel.
PARALLEL_MIN_WORK = 5_000_000
PARALLEL_MIN_ROWS = 10_000
#: int8 storage caps the scale (and keeps ``|a - b|`` exact in small integers).
MAX_SCALE = 127

_PLAIN_CELLS = frozenset({int, float, type(None)})  # exact types: bool is not a score
_TRUE_WORDS = frozenset({"true", "yes", "y", "x"})
_FALSE_WORDS = frozenset({"false", "no", "n"})
_SEGMENT_TABLE = np.array([*SEGMENTS, None], dtype=object)  # code -1 -> None
_MIX_TABLE = np.array(
    [MIX_LABELS[(bool(c & 4), bool(c & 2), bool(c & 1))] for c in range(8)] + [None],
    dtype=object,
)

Errors = dict[Any, CellError]
# Default weights, shared (never written to): all 1.
_UNIT_WEIGHTS = np.ones(N_FACTORS)
_UNIT_WEIGHTS_U16 = np.ones(N_FACTORS, dtype=np.uint16)


def _is_frame(value: object) -> bool:
    # pandas is not imported here (it costs ~0.2 s of start-up): if the caller has not
    # imported it, the value cannot be a pandas object.
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.DataFrame)


def _is_series(value: object) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.Series | pd.Index)


# ============================================================================================
# Arguments
# ============================================================================================
def _scale(scale_max: object) -> int:
    """Check ``scale_max``: a whole number 2..127 (Excel passes 5.0, which is fine)."""
    if isinstance(scale_max, bool) or not isinstance(scale_max, numbers.Real):
        raise ArgumentError(
            f"scale_max must be a whole number, got {scale_max!r}",
            where="scale_max", suggestion="use 5 for the usual 1..5 scale",
        )
    value = float(scale_max)
    if not value.is_integer() or not 2 <= value <= MAX_SCALE:
        raise ArgumentError(
            f"scale_max must be a whole number from 2 to {MAX_SCALE}, got {scale_max!r}",
            where="scale_max", suggestion="use 5 for the usual 1..5 scale",
        )
    return int(value)


def _weights(weights: object) -> np.ndarray:
    """Weights as float64 (10,): None -> all 1; a sequence of 10; or a dict key -> weight.

    In a dict, keys are matched like column names and missing factors keep weight 1.  In a
    sequence, an empty cell (None / "") also means the default weight 1; NaN is an error.
    """
    if weights is None:
        return _UNIT_WEIGHTS
    if isinstance(weights, Mapping):
        result = np.ones(N_FACTORS)
        index = {normalize_name(k): i for i, k in enumerate(FACTOR_KEYS)}
        for key, value in weights.items():
            i = index.get(normalize_name(key))
            if i is None:
                raise ArgumentError(
                    f"unknown factor {key!r} in weights", where="weights",
                    suggestion=f"use the factor keys: {', '.join(FACTOR_KEYS)}",
                )
            result[i] = _weight_value(value, FACTOR_KEYS[i])
        return result
    shaped = isinstance(weights, np.ndarray | Sequence) or _is_series(weights)
    if isinstance(weights, str | bytes) or not shaped:
        raise ArgumentError(
            f"weights must be 10 numbers or a dict factor -> weight, got {type(weights).__name__}",
            where="weights",
        )
    try:
        cells = np.asarray(weights, dtype=object).ravel()
    except ValueError as exc:  # ragged nested lists
        raise ArgumentError(f"weights must be a row or column of 10 numbers: {exc}",
                            where="weights") from None
    if cells.size != N_FACTORS:
        raise ArgumentError(
            f"weights must have one value per factor (10), got {cells.size}",
            where="weights", suggestion="give a row or column of 10 weights, in factor order",
        )
    pairs = zip(cells, FACTOR_KEYS, strict=True)
    # A blank weight cell keeps the default 1; NaN is not blank here (it is a bad number).
    return np.array([1.0 if _is_empty_cell(v) else _weight_value(v, k) for v, k in pairs])


def _weight_value(value: object, key: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ArgumentError(f"weight of {key} must be a number, got {value!r}", where="weights")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ArgumentError(
            f"weight of {key} must be a finite number >= 0, got {value!r}", where="weights",
        )
    return number


def _is_empty_cell(value: object) -> bool:
    """A blank weight cell (None, "", spaces) keeps the default; NaN is a bad number here."""
    return (value is None or isinstance(value, str)) and is_blank(value)


# ============================================================================================
# Factor scores: raw input -> int8 factor-major codes
# ============================================================================================
def _score_cell(value: object, key: str, scale_max: int) -> int | CellError:
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
    n_bad = _kernels().encode_scores(column, scale_max, codes_row.reshape(1, -1))
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
    if _kernels().encode_scores(by_factor, scale_max, codes):
        bad = codes < 0
        rows = np.flatnonzero(bad.any(axis=0))
        first = bad[:, rows].argmax(axis=0)  # the first bad factor of each bad row
        for i, f in zip(rows.tolist(), first.tolist(), strict=True):
            errors[i] = _bad_cell(by_factor[f, i].item(), f, scale_max)
        codes[:, rows] = 0
    return codes, errors


def _bad_cell(value: Any, f: int, scale_max: int) -> CellError:
    """The error for a value the vectorised checks rejected (named by its factor)."""
    error = _score_cell(value, FACTOR_KEYS[f], scale_max)
    if isinstance(error, CellError):
        return error
    return CellError(VALUE, f"{FACTOR_KEYS[f]} = {value!r} is not a score 1..{scale_max}")


def _column_values(column: Any) -> np.ndarray:
    """A frame column / array column as a numpy array the encoders understand."""
    if _is_series(column):
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
        values = _column_values(column)
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
                code = _score_cell(cell, key, scale_max)
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
        errors[i] = _bad_cell(_python_value(values_by_factor[f][i]), f, scale_max)
    return codes, errors


def _python_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _codes(
    data: Any, scale_max: int, *, where: str, storage_int8: bool
) -> tuple[np.ndarray, Errors]:
    """Any accepted factor input -> ``(codes F x N int8 C-contiguous, errors by row)``.

    With ``storage_int8`` an int8 array is taken as is (0 = blank) and its range is left to
    the kernel; otherwise every value is checked here.
    """
    if _is_frame(data):
        columns = _find_factor_columns(data, where)
        return _encode_columns([data[c] for c in columns], len(data), scale_max, storage_int8)
    if _is_series(data):
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
                errors[i] = next(e for e in (_score_cell(v, k, scale_max) for v, k in
                                             zip(rows[i], FACTOR_KEYS, strict=True))
                                 if isinstance(e, CellError))
            return codes, errors
    # Mixed cells (text, booleans, error values...): read them one by one.
    codes = np.zeros((N_FACTORS, len(rows)), dtype=np.int8)
    errors = {}
    for i, row in enumerate(rows):
        for f, cell in enumerate(row):
            code = _score_cell(cell, FACTOR_KEYS[f], scale_max)
            if isinstance(code, CellError):
                errors[i] = code  # the first bad factor names the row's error
                codes[:, i] = 0
                break
            codes[f, i] = code
    return codes, errors


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
    if not _is_row(data[0]):  # one flat row
        data = [data]
    rows: list[Sequence[Any]] = []
    for i, row in enumerate(data):
        if not _is_row(row):
            raise ArgumentError(f"row {i + 1} is not a row of cells: {row!r}", where=where)
        if len(row) != N_FACTORS:
            raise ArgumentError(
                f"row {i + 1} has {len(row)} cells; expected 10, one per factor",
                where=where, suggestion=f"columns in this order: {', '.join(FACTOR_KEYS)}",
            )
        rows.append(row)
    return rows


def _is_row(value: object) -> bool:
    if type(value) in (list, tuple):  # the usual case, without the ABC check
        return True
    return isinstance(value, Sequence | np.ndarray) and not isinstance(value, str | bytes)


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
    scale = _scale(scale_max)
    codes, errors = _codes(data, scale, where="factors", storage_int8=False)
    return codes.T, errors


# ============================================================================================
# Kernel dispatch and NaN diagnosis
# ============================================================================================
#: Largest Σw(S-1) for the exact uint16 sums (else the kernels sum in float64).
_UINT16_MAX = 65535


def _kernel_weights(weights: np.ndarray, scale_max: int) -> np.ndarray:
    """Weights in the dtype the kernels should sum in: uint16 when every weight is a whole
    number and the largest possible sum fits (exact and ~2.5x faster), else float64."""
    if weights is _UNIT_WEIGHTS:  # the default, on every single-cell call: no numpy work
        return _UNIT_WEIGHTS_U16
    if (weights == np.floor(weights)).all() and weights.sum() * (scale_max - 1) <= _UINT16_MAX:
        return weights.astype(np.uint16)
    return weights


def _parallel(n_rows: int, n_targets: int = 1) -> bool:
    return n_rows >= PARALLEL_MIN_ROWS and n_rows * max(n_targets, 1) >= PARALLEL_MIN_WORK


def _chunks() -> int:
    import numba

    return 4 * numba.get_num_threads()  # a few chunks per thread: cores are shared


def _kernels() -> Any:
    # numba is imported on the first scoring call, not on import (start-up); then cached.
    kernels = sys.modules.get("leanxl.kernels.scoring")
    if kernels is None:
        from leanxl.kernels import scoring as kernels
    return kernels


def _row_error(codes: np.ndarray, weights: np.ndarray, scale_max: int) -> CellError | None:
    """Why a lead's fit is NaN: an out-of-range stored code or weight 0; None for a row with
    no factor given (a spare row: SPEC gives it a blank cell, not an error)."""
    for f, code in enumerate(codes.tolist()):
        if code < 0 or code > scale_max:
            return CellError(NUM, f"{FACTOR_KEYS[f]} = {code} is outside 1..{scale_max}")
    given = codes > 0
    if not given.any():
        return None
    names = ", ".join(k for k, g in zip(FACTOR_KEYS, given.tolist(), strict=True) if g)
    return CellError(DIV0, f"the given factors ({names}) all have weight 0")


def _pair_error(a: np.ndarray, b: np.ndarray) -> CellError:
    both = (a > 0) & (b > 0)
    if not both.any():
        return CellError(DIV0, "no factor is given in both rows")
    names = ", ".join(k for k, g in zip(FACTOR_KEYS, both.tolist(), strict=True) if g)
    return CellError(DIV0, f"the factors given in both ({names}) all have weight 0")


def _out_of_range(codes: np.ndarray, scale_max: int) -> np.ndarray:
    """Indices of leads (columns) holding a stored code outside 0..S."""
    return np.flatnonzero(((codes < 0) | (codes > scale_max)).any(axis=0))


def error_for(errors: Errors, i: int, j: int | None = None) -> CellError | None:
    """The error of row ``i`` (or of cell ``(i, j)`` of a :func:`match` result), if any.

    :func:`match` reports a bad row ``i`` of ``a`` under key ``i``, a bad row ``j`` of ``b``
    under ``(None, j)`` and a pair with nothing to compare under ``(i, j)``.
    """
    if i in errors:
        return errors[i]
    if j is None:
        return None
    return errors.get((None, j)) or errors.get((i, j))


# ============================================================================================
# fit / match / best profile
# ============================================================================================
@overload
def fit(
    factors: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def fit(
    factors: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def fit(
    factors: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Fit % of each lead: ``100 * (1 - Σ w_i (x_i - 1) / Σ w_i (S - 1))`` over given factors.

    Parameters
    ----------
    factors:
        ``N x 10`` scores (array, DataFrame or rows of cells; one row of 10 is one lead).
    weights:
        None (all 1), 10 numbers in factor order, or a dict ``{factor key: weight}``
        (unlisted factors keep 1).  Weights must be finite and ``>= 0``.
    scale_max:
        S: scores run 1..S, 1 best.
    return_errors:
        Also return ``{row: CellError}`` for the NaN rows.

    Returns
    -------
    numpy.ndarray
        float64 ``(N,)`` in 0..100 (100 = the seed's perfect prospect); NaN for bad rows.

    Examples
    --------
    >>> fit([1] * 10)
    array([100.])
    >>> fit([[5] * 10, [3, None, 3, 3, 3, 3, 3, 3, 3, 3]])
    array([ 0., 50.])
    """
    scale = _scale(scale_max)
    w = _weights(weights)
    codes, errors = _codes(factors, scale, where="factors", storage_int8=True)
    n = codes.shape[1]
    out = np.empty(n)
    kernels = _kernels()
    view = codes.view(np.uint8)  # negative codes read as >= 128: one unsigned range check
    kw = _kernel_weights(w, scale)
    if _parallel(n):
        n_nan = kernels.fit_parallel(view, kw, scale, out, _chunks())
    else:
        n_nan = kernels.fit_serial(view, kw, scale, out)
    if n_nan > len(errors):
        for i in np.flatnonzero(np.isnan(out)).tolist():
            if i not in errors and (error := _row_error(codes[:, i], w, scale)) is not None:
                errors[i] = error
    return (out, errors) if return_errors else out


def _targets(data: Any, scale: int, where: str) -> tuple[np.ndarray, Errors]:
    """The small side (profiles, campaigns): codes as P x F C-order, fully checked."""
    codes, errors = _codes(data, scale, where=where, storage_int8=True)
    for j in _out_of_range(codes, scale).tolist():
        error = _row_error(codes[:, j], np.ones(N_FACTORS), scale)
        assert error is not None  # an out-of-range code always names itself
        errors[j] = error
        codes[:, j] = 0
    return np.ascontiguousarray(codes.T), errors


@overload
def match(
    a: Any,
    b: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def match(
    a: Any,
    b: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def match(
    a: Any,
    b: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Match % of every row of ``a`` with every row of ``b`` (lead vs profile, campaign vs
    profile): ``100 * (1 - Σ w_i |a_i - b_i| / Σ w_i (S - 1))`` over factors given in both.

    Parameters
    ----------
    a, b:
        ``N x 10`` and ``P x 10`` scores (arrays, DataFrames or rows of cells); a blank factor
        (a campaign's untargeted factor) drops out of both sums.
    weights, scale_max:
        As for :func:`fit`.
    return_errors:
        Also return the errors: key ``i`` = row ``i`` of ``a`` is bad (whole result row NaN),
        ``(None, j)`` = row ``j`` of ``b`` is bad (whole column NaN), ``(i, j)`` = that pair
        has no factor given in both (or only weight-0 ones).  :func:`error_for` looks a cell up.

    Returns
    -------
    numpy.ndarray
        float64 ``(N, P)`` in 0..100.  ``match(a, b) == match(b, a).T``.
    """
    scale = _scale(scale_max)
    w = _weights(weights)
    codes, errors = _codes(a, scale, where="a", storage_int8=True)
    targets, target_errors = _targets(b, scale, "b")
    n, p = codes.shape[1], targets.shape[0]
    out = np.empty((p, n))
    kernels = _kernels()
    view, target_view = codes.view(np.uint8), targets.view(np.uint8)
    kw = _kernel_weights(w, scale)
    if _parallel(n, p):
        n_nan = kernels.match_parallel(view, target_view, kw, scale, out, _chunks())
    else:
        n_nan = kernels.match_serial(view, target_view, kw, scale, out)
    errors.update({(None, j): e for j, e in target_errors.items()})
    if n_nan:
        bad_rows = set(_out_of_range(codes, scale).tolist()) - set(errors)
        for i in sorted(bad_rows):
            error = _row_error(codes[:, i], w, scale)
            assert error is not None  # an out-of-range code always names itself
            errors[i] = error
        nan_rows = np.flatnonzero(np.isnan(out).any(axis=0)).tolist()
        target_given: np.ndarray = np.any(targets > 0, axis=1)
        for i in nan_rows:
            if i in errors or not codes[:, i].any():  # a row with no factor given: blank
                continue
            for j in np.flatnonzero(np.isnan(out[:, i])).tolist():
                if j not in target_errors and target_given[j]:
                    errors[(i, j)] = _pair_error(codes[:, i], targets[j])
    result = out.T
    return (result, errors) if return_errors else result


@overload
def best_match(
    leads: Any,
    profiles: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[False] = ...,
) -> tuple[np.ndarray, np.ndarray]: ...


@overload
def best_match(
    leads: Any,
    profiles: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, np.ndarray, Errors]: ...


def best_match(
    leads: Any,
    profiles: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: bool = False,
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, Errors]:
    """Index of each lead's best-matching profile and that match %.

    Returns ``(index, score)``: int64 ``(N,)`` (-1 where no profile could be compared) and
    float64 ``(N,)`` (NaN there); with ``return_errors`` also ``{row: CellError}``.  Ties go
    to the first profile.  A bad profile row raises :class:`ArgumentError`; see
    :func:`best_profile`.
    """
    scale = _scale(scale_max)
    w = _weights(weights)
    targets, target_errors = _targets(profiles, scale, "profiles")
    if target_errors:
        j, error = min(target_errors.items())
        raise ArgumentError(
            f"profile row {j + 1}: {error.reason}", where="profiles",
            suggestion="fix the profile's scores (1..S or blank)",
        )
    if targets.shape[0] == 0:
        raise ArgumentError("no profiles given", where="profiles")
    best, score, errors = _best(leads, targets, w, scale)
    return (best, score, errors) if return_errors else (best, score)


def _best(
    leads: Any, targets: np.ndarray, w: np.ndarray, scale: int
) -> tuple[np.ndarray, np.ndarray, Errors]:
    """best_match on checked targets (P x F int8 C-order, all valid)."""
    codes, errors = _codes(leads, scale, where="leads", storage_int8=True)
    n = codes.shape[1]
    best = np.empty(n, dtype=np.int64)
    score = np.empty(n)
    kernels = _kernels()
    view, target_view = codes.view(np.uint8), targets.view(np.uint8)
    kw = _kernel_weights(w, scale)
    if _parallel(n, targets.shape[0]):
        n_none = kernels.best_parallel(view, target_view, kw, scale, best, score, _chunks())
    else:
        n_none = kernels.best_serial(view, target_view, kw, scale, best, score)
    if n_none > len(errors):
        for i in np.flatnonzero(best < 0).tolist():
            if i in errors:
                continue
            error = _row_error(codes[:, i], w, scale)
            if error is None:
                continue  # a lead with no factor given: blank, not an error
            if error.code == DIV0:
                error = CellError(DIV0, "no profile shares a weighted factor with this lead")
            errors[i] = error
    return best, score, errors


@overload
def best_profile(
    leads: Any,
    profiles: Any,
    names: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def best_profile(
    leads: Any,
    profiles: Any,
    names: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def best_profile(
    leads: Any,
    profiles: Any,
    names: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Name of the profile each lead matches best (ties go to the first profile).

    Parameters
    ----------
    leads:
        ``N x 10`` lead scores.
    profiles:
        ``P x 10`` profile targets (blank = the profile does not care).  A bad value in a
        profile, or a profile with no factor at all, is a malformed argument:
        :class:`ArgumentError`.  Fully empty rows (blank name and no factor) are skipped, so a
        spreadsheet range may include spare rows.
    names:
        ``P`` profile names.
    weights, scale_max:
        As for :func:`fit`.

    Returns
    -------
    numpy.ndarray
        object ``(N,)``: a name, or None where no profile could be compared (errors say why).
    """
    scale = _scale(scale_max)
    name_list = _names(names)
    targets, target_errors = _targets(profiles, scale, "profiles")
    if len(name_list) != targets.shape[0]:
        raise ArgumentError(
            f"{targets.shape[0]} profiles but {len(name_list)} names", where="names",
            suggestion="give one name per profile row",
        )
    keep = []
    gives: list[bool] = np.any(targets > 0, axis=1).tolist()
    for j, name in enumerate(name_list):
        empty = not gives[j] and j not in target_errors
        if empty and is_blank(name):
            continue  # a spare row in the profiles range
        if empty:
            raise ArgumentError(
                f"profile {name!r} gives no factor", where="profiles",
                suggestion="fill at least one target score, or remove the profile",
            )
        if j in target_errors:
            raise ArgumentError(
                f"profile {name!r}: {target_errors[j].reason}", where="profiles",
                suggestion="fix the profile's scores (1..S or blank)",
            )
        keep.append(j)
    if not keep:
        raise ArgumentError("no profiles given", where="profiles")
    kept_names = [name_list[j] for j in keep]
    kept = targets if len(keep) == len(targets) else targets[keep]
    best, _, errors = _best(leads, kept, _weights(weights), scale)
    table = np.array([*kept_names, None], dtype=object)
    result = table[best]
    return (result, errors) if return_errors else result


def _names(names: Any) -> list[Any]:
    if isinstance(names, str) or names is None:
        raise ArgumentError("names must be a list of profile names", where="names")
    if _is_series(names) or isinstance(names, np.ndarray):
        return list(np.asarray(names, dtype=object).ravel())
    if not isinstance(names, Sequence):
        raise ArgumentError("names must be a list of profile names", where="names")
    flat: list[Any] = []
    for item in names:  # a spreadsheet column arrives as [[name], [name], ...]
        if _is_row(item):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


# ============================================================================================
# segment / mix
# ============================================================================================
def _column(data: Any, where: str) -> list[Any] | np.ndarray:
    """One value per row: scalar, 1-D array/Series/list, or a one-column/one-row range."""
    if _is_frame(data):
        if data.shape[1] != 1:
            raise ArgumentError(f"expected one column, got {data.shape[1]}", where=where)
        data = data.iloc[:, 0]
    if _is_series(data):
        return _column_values(data)
    if isinstance(data, np.ndarray):
        if data.ndim == 0:
            return data.reshape(1)
        if data.ndim == 2 and 1 in data.shape:
            return data.ravel()
        if data.ndim != 1:
            raise ArgumentError(f"expected one value per row, got shape {data.shape}", where=where)
        return data
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        return [data]  # a single cell
    values = list(data)
    if values and all(_is_row(v) for v in values):
        if all(len(v) == 1 for v in values):
            return [v[0] for v in values]
        if len(values) == 1:
            return list(values[0])
        raise ArgumentError("expected one column or one row of values", where=where)
    return values


def _numbers(data: Any, where: str) -> tuple[np.ndarray, Errors]:
    """Prices / complexities -> float64 with NaN for bad rows, and their errors."""
    values = _column(data, where)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        result = values.astype(np.float64)
        bad = np.flatnonzero(~np.isfinite(result))
        return result, {i: _number_error(values[i].item(), where) for i in bad.tolist()}
    result = np.empty(len(values))
    errors: Errors = {}
    for i, value in enumerate(values):
        if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
            number = float(value)
            if math.isfinite(number):
                result[i] = number
                continue
        result[i] = np.nan
        errors[i] = _number_error(_python_value(value), where)
    return result, errors


def _number_error(value: Any, where: str) -> CellError:
    if isinstance(value, CellError):
        return CellError(value.code, f"{where} is {value}")
    if is_blank(value):
        return CellError(VALUE, f"{where} is blank")
    if isinstance(value, str):
        return CellError(VALUE, f"{where} = {value!r} is text, not a number")
    if isinstance(value, bool | np.bool_):
        return CellError(VALUE, f"{where} = {value} is TRUE/FALSE, not a number")
    if isinstance(value, float) and math.isinf(value):
        return CellError(NUM, f"{where} = {value} is not finite")
    return CellError(VALUE, f"{where} = {value!r} is not a number")


def _cut(value: Any, where: str) -> float:
    if _is_row(value) and len(np.asarray(value, dtype=object).ravel()) == 1:
        value = np.asarray(value, dtype=object).ravel()[0]
    value = _python_value(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(
        float(value)
    ):
        raise ArgumentError(f"{where} must be a number, got {value!r}", where=where)
    return float(value)


def _same_length(where: str, *lengths: int) -> int:
    if len(set(lengths)) > 1:
        raise ArgumentError(
            f"the inputs have different numbers of rows: {', '.join(map(str, lengths))}",
            where=where, suggestion="give one value per lead in each input",
        )
    return lengths[0]


@overload
def segment(
    price: Any,
    complexity: Any,
    price_cut: Any,
    complexity_cut: Any,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def segment(
    price: Any,
    complexity: Any,
    price_cut: Any,
    complexity_cut: Any,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def segment(
    price: Any,
    complexity: Any,
    price_cut: Any,
    complexity_cut: Any,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Price x complexity segment of each lead: ``S1`` low/low, ``S2`` low price/high
    complexity, ``S3`` high/low, ``S4`` high/high; "high" means ``>= cut``.

    Parameters
    ----------
    price, complexity:
        One number per lead (arrays, Series, lists, a one-column range, or a single value).
        Blank, text or TRUE/FALSE gives that row ``#VALUE!``.
    price_cut, complexity_cut:
        Numbers (a malformed cut raises :class:`ArgumentError`).

    Returns
    -------
    numpy.ndarray
        object ``(N,)`` of ``"S1"``..``"S4"`` (names of :data:`leanxl.domain.SEGMENTS`) or None.
    """
    prices, errors = _numbers(price, "price")
    complexities, complexity_errors = _numbers(complexity, "complexity")
    _same_length("segment", len(prices), len(complexities))
    for i, error in complexity_errors.items():
        errors.setdefault(i, error)
    codes = np.empty(len(prices), dtype=np.int8)
    _kernels().segment_codes(
        prices, complexities, _cut(price_cut, "price_cut"),
        _cut(complexity_cut, "complexity_cut"), codes,
    )
    result = _SEGMENT_TABLE[codes]
    return (result, errors) if return_errors else result


def _flags(data: Any, where: str) -> tuple[np.ndarray, Errors]:
    """Yes/no flags -> int8 0/1 (-1 for bad rows) and their errors.

    Accepted: booleans, 0/1 (ints or floats), and text TRUE/FALSE, yes/no, y/n, or x (= yes),
    any case.  Anything else (including blank) is ``#VALUE!``: a missing flag is not guessed.
    """
    values = _column(data, where)
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        return values.astype(np.int8), {}
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        ok = (values == 0) | (values == 1)
        result = np.where(ok, values, -1).astype(np.int8)
        bad = np.flatnonzero(~ok).tolist()
        return result, {i: _flag_error(values[i].item(), where) for i in bad}
    result = np.empty(len(values), dtype=np.int8)
    errors: Errors = {}
    for i, value in enumerate(values):
        flag = _flag(_python_value(value))
        if flag is None:
            result[i] = -1
            errors[i] = _flag_error(_python_value(value), where)
        else:
            result[i] = flag
    return result, errors


def _flag(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real):
        return int(float(value)) if value in (0, 1) else None
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in _TRUE_WORDS:
            return 1
        if word in _FALSE_WORDS:
            return 0
    return None


def _flag_error(value: Any, where: str) -> CellError:
    if isinstance(value, CellError):
        return CellError(value.code, f"{where} is {value}")
    if is_blank(value):
        return CellError(VALUE, f"{where} is blank; give TRUE or FALSE")
    return CellError(VALUE, f"{where} = {value!r} is not TRUE/FALSE (or yes/no, 1/0, x)")


@overload
def mix(
    in_sales_plan: Any,
    reached_by_marketing: Any,
    in_target_market: Any,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def mix(
    in_sales_plan: Any,
    reached_by_marketing: Any,
    in_target_market: Any,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def mix(
    in_sales_plan: Any,
    reached_by_marketing: Any,
    in_target_market: Any,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Region of the seed's Sales / Marketing / Market diagram for each lead.

    Parameters
    ----------
    in_sales_plan, reached_by_marketing, in_target_market:
        One flag per lead each: booleans, 0/1, or text TRUE/FALSE, yes/no, y/n, x (= yes),
        any case.  Anything else (blank included) gives that row ``#VALUE!``.

    Returns
    -------
    numpy.ndarray
        object ``(N,)`` of labels from :data:`leanxl.domain.MIX_LABELS` (``"Sweet spot"``,
        ``"Lead deficit"``, ...) or None.
    """
    sales, errors = _flags(in_sales_plan, "in_sales_plan")
    marketing, marketing_errors = _flags(reached_by_marketing, "reached_by_marketing")
    market, market_errors = _flags(in_target_market, "in_target_market")
    n = _same_length("mix", len(sales), len(marketing), len(market))
    for more in (marketing_errors, market_errors):
        for i, error in more.items():
            errors.setdefault(i, error)
    codes = np.empty(n, dtype=np.int8)
    _kernels().mix_codes(sales, marketing, market, codes)
    result = _MIX_TABLE[codes]
    return (result, errors) if return_errors else result
