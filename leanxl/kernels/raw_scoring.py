"""Scoring kernels on raw input: validation and scoring in one pass, the input read in place.

Users pass float64 / int64 / int32 columns (a frame's, or a matrix's), not int8 codes.
``columns`` is a tuple of F 1-D arrays in any numeric dtype (a frame's columns, a matrix's
columns as views) or a row-major ``N x F`` matrix; ``masks`` is a tuple of F bool arrays, each
empty or the NA mask of a nullable column.  A value is a blank (NaN, or masked), a whole
number in 1..S, or bad; a lead with a bad value comes out NaN (the caller sends the NaN rows
through the exact encoding path, which says why).

The validation front end encodes a chunk of :data:`CHUNK` leads into a uint8 scratch matrix
(F x CHUNK, 0 blank, 1..S, ``BAD`` = 255) that stays in L2, reading each column in one long
contiguous run; the int8 kernels' own block code (:mod:`.blocks`) then scores the scratch,
so the result bits are those of encoding first (``fit`` with whole-number weights skips the
scratch: :mod:`.packed_fit`, packed integer sums per lead, the same bits).  Why chunks and
not blocks of 1,024 (bench/inputs.py, RESULTS.md): at 10^7 float64 leads, serial CPU time,
encoding 1,024-lead blocks of the ten columns (or adding them straight into per-block sums)
took 90-120 ms against 44 ms for reading the bytes once: hopping between ten columns every
8-32 KB keeps the hardware prefetchers from streaming.  Runs of 64-128K leads per column
reach 44-48 ms.
"""

from __future__ import annotations

import numpy as np
from numba import literal_unroll, prange, types
from numba.extending import overload

from leanxl.kernels._jit import kernel
from leanxl.kernels.blocks import BLOCK, best_scores, fit_range, match_scores
from leanxl.kernels.packed_fit import fit_packed_range, fit_rows_packed_range, packs, rows_pack

#: Leads per chunk: the scratch (10 x CHUNK bytes) stays in L2, the column runs are long.
CHUNK = 65536
#: leanxl's factor count (the kernels take any; this one gets unrolled loops).
FACTORS = 10
#: The code of a bad value: above any S, so the int8 code marks the lead invalid.
BAD = 255


def _code(v, scale_max):  # pragma: no cover - typed below
    """A raw value's code (0 blank, 1..S, BAD): typed by :func:`_code_impl`."""
    raise NotImplementedError


@overload(_code, inline="always", jit_options={"nogil": True, "error_model": "numpy"})
def _code_impl(v, scale_max):
    # Floats have blanks (NaN) and fractions to reject, integers only a range.
    bad = np.uint8(BAD)
    if isinstance(v, types.Float):
        def of_float(v, scale_max):  # pragma: no cover - jitted
            # Selects, no branches: the loops around it vectorise.
            given = v == v
            t = v if given else 0.0
            ok = ((t >= 1.0) & (t <= scale_max) & (t == np.floor(t))) | (not given)
            return np.uint8(t) if ok else bad
        return of_float

    def of_integer(v, scale_max):  # pragma: no cover - jitted
        return np.uint8(v) if (v >= 1) & (v <= scale_max) else bad
    return of_integer


@kernel()
def _blank_masked(mseg, dest, n):  # pragma: no cover - jitted
    # A nullable column's NA entries are blanks, whatever value lies under them.
    for i in range(n):  # a select, not a branch: NAs fall at random
        dest[i] = 0 if mseg[i] else dest[i]


def _encode_chunk(source, masks, scale_max, lo, n, scratch, flat):  # pragma: no cover - stub
    """Codes of leads lo..lo+n into ``scratch[:, :n]`` (``flat``: room for a row-major
    chunk's codes): typed by :func:`_encode_chunk_impl`."""
    raise NotImplementedError


@overload(_encode_chunk, jit_options={"nogil": True, "error_model": "numpy"})
def _encode_chunk_impl(source, masks, scale_max, lo, n, scratch, flat):
    # A tuple of columns is read column by column; a row-major matrix in memory order, its
    # codes then moved row by row into the factor-major scratch.
    if isinstance(source, types.BaseTuple):
        def by_columns(source, masks, scale_max, lo, n, scratch, flat):  # pragma: no cover
            f = 0
            for column in literal_unroll(source):
                seg = column[lo:lo + n]
                dest = scratch[f]
                for i in range(n):
                    dest[i] = _code(seg[i], scale_max)
                if masks[f].shape[0]:
                    _blank_masked(masks[f][lo:lo + n], dest, n)
                f += 1  # noqa: SIM113 - literal_unroll does not take enumerate()
        return by_columns

    def by_rows(source, masks, scale_max, lo, n, scratch, flat):  # pragma: no cover
        n_factors = source.shape[1]
        values = source[lo:lo + n].reshape(-1)  # in memory order: vectorises
        for j in range(n * n_factors):
            flat[j] = _code(values[j], scale_max)
        if n_factors == FACTORS:  # a constant count unrolls (1.3x faster)
            for i in range(n):
                codes = flat[i * FACTORS:(i + 1) * FACTORS]
                for f in range(FACTORS):
                    scratch[f, i] = codes[f]
        else:
            for i in range(n):  # rows of codes into the factor-major scratch
                codes = flat[i * n_factors:(i + 1) * n_factors]
                for f in range(n_factors):
                    scratch[f, i] = codes[f]
        for f in range(len(masks)):
            if masks[f].shape[0]:
                _blank_masked(masks[f][lo:lo + n], scratch[f], n)
    return by_rows


# --------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------
def _fit_columns_range(columns, masks, weights, scale_max, out, start,
                       stop):  # pragma: no cover - typed below
    """Fit % of leads start..stop into ``out``: typed by :func:`_fit_columns_range_impl`."""
    raise NotImplementedError


@overload(_fit_columns_range, jit_options={"nogil": True, "error_model": "numpy"})
def _fit_columns_range_impl(columns, masks, weights, scale_max, out, start, stop):
    # Whole-number weights: packed integer sums (.packed_fit), columns column by column, a
    # row-major matrix row by row when one weight serves all factors; else the int8 scratch.
    if isinstance(columns, types.BaseTuple) and isinstance(weights.dtype, types.Integer):
        def packed(columns, masks, weights, scale_max, out, start, stop):  # pragma: no cover
            if packs(weights, scale_max):
                return fit_packed_range(columns, masks, weights, scale_max, out, start, stop)
            return _fit_encoded_range(columns, masks, weights, scale_max, out, start, stop)
        return packed
    if isinstance(columns, types.Array) and isinstance(weights.dtype, types.Integer):
        def packed_rows(columns, masks, weights, scale_max, out, start, stop):  # pragma: no cover
            if rows_pack(columns, masks, weights):
                return fit_rows_packed_range(columns, weights, scale_max, out, start, stop)
            return _fit_encoded_range(columns, masks, weights, scale_max, out, start, stop)
        return packed_rows

    def encoded(columns, masks, weights, scale_max, out, start, stop):  # pragma: no cover
        return _fit_encoded_range(columns, masks, weights, scale_max, out, start, stop)
    return encoded


@kernel()
def _fit_encoded_range(columns, masks, weights, scale_max, out, start, stop):  # pragma: no cover
    scratch = np.empty((len(masks), CHUNK), dtype=np.uint8)
    flat = np.empty(len(masks) * CHUNK, dtype=np.uint8)
    n_nan = 0
    for lo in range(start, stop, CHUNK):
        n = min(lo + CHUNK, stop) - lo
        _encode_chunk(columns, masks, scale_max, lo, n, scratch, flat)
        n_nan += fit_range(scratch[:, :n], weights, scale_max, out[lo:lo + n], 0, n)
    return n_nan


@kernel()
def fit_columns_serial(columns, masks, weights, scale_max, out):  # pragma: no cover - jitted
    """Fit % of each lead from raw scores into ``out``: ``columns`` is a tuple of F 1-D
    arrays (any numeric dtypes) or a row-major ``N x F`` matrix; NaN or a set ``masks[f]``
    entry is a blank.  Returns the number of NaN rows (a bad value, or nothing to divide by)."""
    return _fit_columns_range(columns, masks, weights, scale_max, out, 0, out.shape[0])


@kernel(parallel=True)
def fit_columns_parallel(columns, masks, weights, scale_max, out, n_chunks):  # pragma: no cover
    """:func:`fit_columns_serial` split into ``n_chunks`` ranges run on numba's threads."""
    n = out.shape[0]
    size = (n + n_chunks - 1) // n_chunks
    size = ((size + BLOCK - 1) // BLOCK) * BLOCK
    n_nan = 0
    for c in prange(n_chunks):
        lo = min(c * size, n)
        hi = min(lo + size, n)
        n_nan += _fit_columns_range(columns, masks, weights, scale_max, out, lo, hi)
    return n_nan


# --------------------------------------------------------------------------------------------
# match and best profile
# --------------------------------------------------------------------------------------------
@kernel()
def _match_columns_range(columns, masks, targets, weights, scale_max, out, start,
                         stop):  # pragma: no cover - jitted
    scratch = np.empty((len(masks), CHUNK), dtype=np.uint8)
    flat = np.empty(len(masks) * CHUNK, dtype=np.uint8)
    num = np.empty(BLOCK, dtype=weights.dtype)
    den = np.empty(BLOCK, dtype=weights.dtype)
    top = np.empty(BLOCK, dtype=np.uint8)
    n_nan = 0
    for lo in range(start, stop, CHUNK):
        n = min(lo + CHUNK, stop) - lo
        _encode_chunk(columns, masks, scale_max, lo, n, scratch, flat)
        for c0 in range(0, n, BLOCK):
            m = min(c0 + BLOCK, n) - c0
            n_nan += match_scores(scratch, c0, m, targets, weights, scale_max,
                                  out[:, lo + c0:lo + c0 + m], num, den, top)
    return n_nan


@kernel()
def match_columns_serial(columns, masks, targets, weights, scale_max, out):  # pragma: no cover
    """Match % of every lead (raw ``columns``, as for :func:`fit_columns_serial`) against
    every target (uint8 P x F, 0..S) into ``out`` (P x N); returns the number of NaN cells."""
    return _match_columns_range(columns, masks, targets, weights, scale_max, out, 0,
                                out.shape[1])


@kernel(parallel=True)
def match_columns_parallel(columns, masks, targets, weights, scale_max, out,
                           n_chunks):  # pragma: no cover - jitted
    """:func:`match_columns_serial` split into ``n_chunks`` ranges run on numba's threads."""
    n = out.shape[1]
    size = (n + n_chunks - 1) // n_chunks
    size = ((size + BLOCK - 1) // BLOCK) * BLOCK
    n_nan = 0
    for c in prange(n_chunks):
        lo = min(c * size, n)
        hi = min(lo + size, n)
        n_nan += _match_columns_range(columns, masks, targets, weights, scale_max, out, lo, hi)
    return n_nan


@kernel()
def _best_columns_range(columns, masks, targets, weights, scale_max, best, score, start,
                        stop):  # pragma: no cover - jitted
    scratch = np.empty((len(masks), CHUNK), dtype=np.uint8)
    flat = np.empty(len(masks) * CHUNK, dtype=np.uint8)
    num = np.empty(BLOCK, dtype=weights.dtype)
    den = np.empty(BLOCK, dtype=weights.dtype)
    top = np.empty(BLOCK, dtype=np.uint8)
    n_none = 0
    for lo in range(start, stop, CHUNK):
        n = min(lo + CHUNK, stop) - lo
        _encode_chunk(columns, masks, scale_max, lo, n, scratch, flat)
        for c0 in range(0, n, BLOCK):
            m = min(c0 + BLOCK, n) - c0
            i = lo + c0
            n_none += best_scores(scratch, c0, m, targets, weights, scale_max,
                                  best[i:i + m], score[i:i + m], num, den, top)
    return n_none


@kernel()
def best_columns_serial(columns, masks, targets, weights, scale_max, best,
                        score):  # pragma: no cover - jitted
    """:func:`leanxl.kernels.scoring.best_serial` on raw ``columns`` (as for
    :func:`fit_columns_serial`); returns the count of -1 rows."""
    return _best_columns_range(columns, masks, targets, weights, scale_max, best, score, 0,
                               best.shape[0])


@kernel(parallel=True)
def best_columns_parallel(columns, masks, targets, weights, scale_max, best, score,
                          n_chunks):  # pragma: no cover - jitted
    """:func:`best_columns_serial` split into ``n_chunks`` ranges run on numba's threads."""
    n = best.shape[0]
    size = (n + n_chunks - 1) // n_chunks
    size = ((size + BLOCK - 1) // BLOCK) * BLOCK
    n_none = 0
    for c in prange(n_chunks):
        lo = min(c * size, n)
        hi = min(lo + size, n)
        n_none += _best_columns_range(columns, masks, targets, weights, scale_max, best, score,
                                      lo, hi)
    return n_none
