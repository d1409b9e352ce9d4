"""The decision-table kernels in vectorised numpy: the fallback where numba is missing.

The same entry points and outputs as :mod:`leanxl.kernels.rules` (:func:`first_match`,
:func:`match_masks`, :func:`result_codes`): per input column, one lookup of every lead's
region (a fancy index into the 256-entry table for int8 keys, ``searchsorted`` over the
boundary points for float64 keys), ANDed across columns; FIRST and PRIORITY take the lowest
set bit of the first non-zero word.  Loops run over input columns and 64-rule words, never
over leads.  Imports numpy only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


def _regions(keys: np.ndarray, bounds: np.ndarray, nbounds: np.ndarray, f: int) -> np.ndarray:
    # Region of each float key: 2i below point i, 2i + 1 on it, 2n + 1 blank (NaN).
    n = int(nbounds[f])
    points = bounds[f, :n]
    x = keys[f]
    lo = np.searchsorted(points, x, side="left")  # first point >= x (NaN sorts last)
    on = np.zeros(x.shape, bool)
    inside = lo < n
    on[inside] = points[lo[inside]] == x[inside]
    region = 2 * lo + on
    region[np.isnan(x)] = 2 * n + 1
    return region


def _column_sets(keys: np.ndarray, table: tuple[np.ndarray, ...], f: int) -> np.ndarray:
    # Every lead's rule words (N x W) for input column f.
    if keys.dtype == np.int8:
        return table[0][f, keys[f].astype(np.intp) + 128]
    bounds, nbounds, masks = table
    return masks[f, _regions(keys, bounds, nbounds, f)]


def match_masks(keys: np.ndarray, table: tuple[np.ndarray, ...], out: np.ndarray) -> None:
    """Every lead's matching rules as ``W`` uint64 words per lead, into ``out`` (N x W).

    ``table`` is ``(lut,)`` for int8 keys or ``(bounds, nbounds, masks)`` for float64 keys
    (see :func:`leanxl.kernels.rules.match_masks`).
    """
    out[...] = ALL_ONES
    for f in range(keys.shape[0]):
        out &= _column_sets(keys, table, f)


def _lowest_bit(words: np.ndarray) -> np.ndarray:
    # Position of the lowest set bit of non-zero uint64 words: isolate it (x & -x), then its
    # exponent, exact for every power of two in float64.
    low = words & (~words + np.uint64(1))
    return np.frexp(low.astype(np.float64))[1].astype(np.int64) - 1


def first_match(keys: np.ndarray, table: tuple[np.ndarray, ...], out: np.ndarray,
                used: np.ndarray | None = None) -> None:
    """Bit position of each lead's first matching rule (-1: none) into ``out`` (int32);
    ``used[p + 1]`` is set for every position p that occurs
    (see :func:`leanxl.kernels.rules.first_match`)."""
    n_words = table[-1].shape[2]
    if used is None:
        used = np.zeros(n_words * 64 + 1, np.bool_)
    words = np.empty((keys.shape[1], n_words), np.uint64)
    match_masks(keys, table, words)
    best = np.full(keys.shape[1], -1, np.int64)
    for w in range(n_words):
        todo = (best < 0) & (words[:, w] != 0)
        best[todo] = w * 64 + _lowest_bit(words[todo, w])
    out[:] = best
    used[best + 1] = True


def _int8_keys(columns: tuple[np.ndarray, ...], masks: tuple[np.ndarray, ...],
               n: int) -> np.ndarray | None:
    # Keys as the numba kernels encode them (-128 blank), or None when a value has none.
    keys = np.empty((len(columns), n), np.int8)
    for f, (column, mask) in enumerate(zip(columns, masks, strict=True)):
        blank = np.isnan(column) if column.dtype.kind == "f" else np.zeros(n, bool)
        if mask.shape[0]:
            blank |= mask
        with np.errstate(invalid="ignore"):
            ok = (column >= -127) & (column <= 127)
            if column.dtype.kind == "f":
                ok &= column == np.floor(column)
        if not (ok | blank).all():
            return None
        keys[f] = np.where(blank, -128, np.where(ok, column, 0))
    return keys


def first_match_columns(columns: tuple[np.ndarray, ...], masks: tuple[np.ndarray, ...],
                        lut: np.ndarray, out: np.ndarray, used: np.ndarray) -> bool:
    """:func:`first_match` on raw columns (see
    :func:`leanxl.kernels.rules_columns.first_match_columns`)."""
    keys = _int8_keys(columns, masks, out.shape[0])
    if keys is None:
        return False
    first_match(keys, (lut,), out, used)
    return True


def match_masks_columns(columns: tuple[np.ndarray, ...], masks: tuple[np.ndarray, ...],
                        lut: np.ndarray, out: np.ndarray) -> bool:
    """:func:`match_masks` on raw columns (see
    :func:`leanxl.kernels.rules_columns.match_masks_columns`)."""
    keys = _int8_keys(columns, masks, out.shape[0])
    if keys is None:
        return False
    match_masks(keys, (lut,), out)
    return True


def result_codes(src: np.ndarray, offset: int, n_results: int,
                 build: Callable[[np.ndarray], np.ndarray],
                 used: np.ndarray | None = None) -> np.ndarray:
    """Per-result category codes spread over leads: J x N, ``tables[j, src[i] + offset]``
    (see :func:`leanxl.kernels.rules.result_codes`)."""
    index = src + offset
    if used is None:
        used = np.zeros(n_results, np.bool_)
        used[index] = True
    tables = build(used)
    return tables[:, index]
