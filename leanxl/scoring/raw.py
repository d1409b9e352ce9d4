"""Numeric input read where it lies (a frame's columns, a column-major matrix's columns, a
row-major matrix itself) for the kernels that validate and score in one pass: no int8 copy,
no transpose.

:func:`raw_columns` says whether an input can go that way; anything else (int8 storage,
booleans, object columns, rows of cells) keeps the encoding path of :mod:`.inputs`.  Rows the
fast pass leaves NaN go back through that exact path (:meth:`RawColumns.subset`), so an error
reads exactly as it always did.

Every numeric frame and array but int8 storage goes this way (bench/inputs.py, RESULTS.md:
at 10^7 leads within 1-1.4x of reading the bytes once, serial CPU time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from leanxl.kernels.signatures import read_only
from leanxl.scoring.arguments import N_FACTORS, is_frame, is_series

#: dtype kinds the fused kernels read (booleans are not scores).
_KINDS = "iuf"
_NO_MASK = read_only(np.empty(0, dtype=np.bool_))


@dataclass(frozen=True)
class RawColumns:
    """F 1-D arrays (one per factor: one dtype, C-contiguous, read-only; see
    :func:`uniform_columns`) or a read-only row-major matrix, their NA masks (empty = none)
    and the input they view."""

    columns: tuple[np.ndarray, ...] | np.ndarray  # or a row-major N x F matrix
    masks: tuple[np.ndarray, ...]
    source: Any
    labels: list[Any] | None = None  # a frame's factor columns

    @property
    def n_rows(self) -> int:
        return len(self.source)

    def subset(self, rows: np.ndarray) -> Any:
        """The input restricted to ``rows``, in its own kind (for the exact, slow path)."""
        if self.labels is not None:
            return self.source.iloc[rows]
        return self.source[rows]


def _usable(values: np.ndarray) -> bool:
    # int8 is leanxl's storage (0 = blank), already as cheap as it gets on the encoding path.
    return values.dtype.kind in _KINDS and values.dtype not in (np.float16, np.int8)


def _frame_column(series: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """A frame column's values and NA mask without a copy, or None (take the slow path)."""
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        values = series.to_numpy()
        return (values, _NO_MASK) if _usable(values) else None
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not pd.api.types.is_bool_dtype(
        dtype
    ):
        array = series.array
        # Nullable Int64 / Float64 keep their values and NA mask apart; pandas has no public
        # accessor for them without a converted copy, so read the two arrays if they are there.
        data, mask = getattr(array, "_data", None), getattr(array, "_mask", None)
        if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray) and _usable(data):
            return data, mask
    return None


def numeric_column(column: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """A frame column or 1-D array as ``(values, NA mask)`` read in place (an empty mask: no
    NA), or None when it is no numeric column the one-pass kernels read (then the caller's
    slower path handles it).  The decision-table path shares this front end."""
    if is_series(column):
        return _frame_column(column)
    if isinstance(column, np.ndarray) and column.ndim == 1 and _usable(column):
        return column, _NO_MASK
    return None


def raw_columns(data: Any, columns: list[Any] | None = None) -> RawColumns | None:
    """``data`` (a frame whose factor columns are ``columns``, or an ``N x 10`` numeric
    array) as :class:`RawColumns`, or None when it must take the encoding path."""
    if is_frame(data) and columns is not None:
        views, masks = [], []
        for label in columns:
            found = _frame_column(data[label])
            if found is None:
                return None
            views.append(found[0])
            masks.append(found[1])
        return RawColumns(*uniform_columns(views, masks), data, columns)
    if (isinstance(data, np.ndarray) and data.ndim == 2 and data.shape[1] == N_FACTORS
            and _usable(data)):
        # Row-major: the kernel reads it in memory order; otherwise column by column (views).
        if data.flags.c_contiguous:
            return RawColumns(read_only(data), (_NO_MASK,) * N_FACTORS, data)
        return RawColumns(*uniform_columns(list(data.T), [_NO_MASK] * N_FACTORS), data)
    return None


def uniform_columns(values: list[np.ndarray], masks: list[np.ndarray]
                    ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Columns and masks as one numba type each: one dtype (float64 when they differ), one
    layout, read-only.

    numba compiles a kernel once per argument signature, and a tuple's signature holds every
    array's dtype, layout and read-only flag: a frame with one int64 column among float64
    ones, or one writable column among read-only ones, would be a new compile of seconds
    (measured 5.2 s for a first ``fit``).  Whole numbers are exact in float64 far past any
    score, and a value the cast could change is out of range either way, so its row goes
    back through the exact path from the original input.  Only the odd columns are copied.
    """
    dtypes = {v.dtype for v in values}
    dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64)
    # A strided matrix's columns stay views (all of one layout); a mix of layouts does not.
    mixed = len({v.flags.c_contiguous for v in values}) > 1

    def one(v: np.ndarray) -> np.ndarray:
        if v.dtype != dtype or (mixed and not v.flags.c_contiguous):
            v = np.ascontiguousarray(v, dtype=dtype)
        return read_only(v)

    return tuple(one(v) for v in values), tuple(read_only(np.ascontiguousarray(m)) for m in masks)

