"""Scoring kernels: fit %, match %, best profile, segment and mix codes.

Storage conventions (the Python layer in :mod:`leanxl.scoring` prepares them):

* factor scores are ``int8`` in a **factor-major** ``(F, N)`` C-contiguous matrix: one row per
  factor, one column per lead, passed to the kernels as a ``uint8`` view.  ``0`` means blank
  (the factor is dropped from both sums); ``1..S`` is a score; anything else (a negative int8
  reads as >= 128) makes that lead invalid (NaN).
  Factor-major lets the compiler vectorise the inner loop over leads, and a pandas frame's
  columns land in it without a transpose.
* weights are ``float64`` of length F, already checked (finite, ``>= 0``).
* outputs are caller-provided buffers: at 10^7 leads, letting the kernel allocate (and touch
  fresh memory for the first time) costs more than the arithmetic.

Every public kernel has a serial and a ``parallel=True`` twin with the same body; the Python
layer picks the parallel one only for large inputs (a parallel launch costs ~7 µs, and on two
shared cores it only pays off on big arrays).  The twins are separate functions on purpose:
numba's on-disk cache is keyed by function name and source, not by the ``parallel`` flag.

Invalid leads and zero denominators give NaN and are counted; the caller then looks only at
the NaN rows to say *why* (kept out of the hot loop).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import literal_unroll, prange, types
from numba.extending import overload

from leanxl.kernels._jit import kernel

#: Leads processed per inner block: scratch sums stay in L1 while the loops over factors and
#: profiles run, and the loop over the block is what the compiler vectorises.
BLOCK = 1024
# Scores are clamped at 0: in exact arithmetic the weighted distance never exceeds its maximum,
# but with fractional weights the two float sums can round an ulp apart (-2e-14 instead of 0).

# Why the loops look the way they do (each measured, see bench/kernels.py):
# * codes arrive as uint8 (a view of the int8 storage): a negative int8 becomes >= 128, so one
#   unsigned ``max`` per lead finds every out-of-range code;
# * blanks are handled without a branch: g = min(x, 1) is 1 for a given factor and 0 for a
#   blank, so multiplying by g drops a blank from both sums; |x - b| is max - min in uint8;
# * the sums take the weights' dtype.  Whole-number weights (the default: all 1) come as
#   uint16 when Σw(S-1) fits, and the sums are exact small integers that vectorise 2.5x
#   better than float64; other weights come as float64.  Both give the same result bits:
#   integer sums are exact in float64 too, and the last step is the same division;
# * rows are sliced per block (``codes[f, lo:lo + n]``) so the inner index starts at 0 and numba
#   emits no negative-index wraparound check, which otherwise blocks vectorisation (5x slower).


def chunks() -> int:
    """How many chunks a parallel kernel call splits its leads into."""
    return 4 * numba.get_num_threads()  # a few chunks per thread: cores are shared


# --------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------
@kernel()
def _fit_range(codes, weights, scale_max, out, start, stop):  # pragma: no cover - jitted
    n_factors = codes.shape[0]
    num = np.empty(BLOCK, dtype=weights.dtype)
    den = np.empty(BLOCK, dtype=weights.dtype)
    top = np.empty(BLOCK, dtype=np.uint8)
    span = float(scale_max - 1)
    limit = np.uint8(scale_max)
    one = np.uint8(1)
    n_nan = 0
    for lo in range(start, stop, BLOCK):
        n = min(lo + BLOCK, stop) - lo
        for k in range(BLOCK):
            num[k] = 0
            den[k] = 0
            top[k] = 0
        for f in range(n_factors):
            w = weights[f]
            seg = codes[f, lo:lo + n]
            for k in range(n):
                x = seg[k]
                g = min(x, one)  # 1 if given, 0 if blank
                num[k] += (x - g) * w  # = w (x - 1) if given, 0 if blank
                den[k] += g * w
            for k in range(n):
                top[k] = max(top[k], seg[k])
        dest = out[lo:lo + n]
        for k in range(n):
            d = den[k]
            if top[k] > limit or d == 0:
                dest[k] = np.nan
                n_nan += 1
            else:
                dest[k] = max(0.0, 100.0 * (1.0 - np.float64(num[k]) / (np.float64(d) * span)))
    return n_nan


@kernel()
def fit_serial(codes, weights, scale_max, out):  # pragma: no cover - jitted
    """Fit % of each lead (column of ``codes``, uint8 F x N) into ``out``; returns the number
    of NaN rows (a code > S, or nothing to divide by)."""
    return _fit_range(codes, weights, scale_max, out, 0, codes.shape[1])


@kernel(parallel=True)
def fit_parallel(codes, weights, scale_max, out, n_chunks):  # pragma: no cover - jitted
    """:func:`fit_serial` split into ``n_chunks`` ranges run on numba's threads."""
    n = codes.shape[1]
    size = (n + n_chunks - 1) // n_chunks
    size = ((size + BLOCK - 1) // BLOCK) * BLOCK
    n_nan = 0
    for c in prange(n_chunks):
        lo = min(c * size, n)
        hi = min(lo + size, n)
        n_nan += _fit_range(codes, weights, scale_max, out, lo, hi)
    return n_nan


# --------------------------------------------------------------------------------------------
# match and best profile
# --------------------------------------------------------------------------------------------
@kernel()
def _block_top(codes, lo, n, top):  # pragma: no cover - jitted
    # Largest code of each lead in the block: > S means the lead is invalid.
    for k in range(BLOCK):
        top[k] = 0
    for f in range(codes.shape[0]):
        seg = codes[f, lo:lo + n]
        for k in range(n):
            top[k] = max(top[k], seg[k])


@kernel()
def _match_block(codes, target, weights, lo, n, num, den):  # pragma: no cover - jitted
    # Sums of one target (length F) against leads lo..lo+n; a blank on either side drops the
    # factor from both sums.
    one = np.uint8(1)
    for k in range(BLOCK):
        num[k] = 0
        den[k] = 0
    for f in range(codes.shape[0]):
        b = target[f]
        if b == 0:
            continue
        w = weights[f]
        seg = codes[f, lo:lo + n]
        for k in range(n):
            x = seg[k]
            g = min(x, one)  # 1 if given, 0 if blank
            diff = (max(x, b) - min(x, b)) * g  # |x - b| in uint8, 0 if blank
            num[k] += diff * w
            den[k] += g * w


@kernel()
def _match_range(codes, targets, weights, scale_max, out, start, stop):  # pragma: no cover
    num = np.empty(BLOCK, dtype=weights.dtype)
    den = np.empty(BLOCK, dtype=weights.dtype)
    top = np.empty(BLOCK, dtype=np.uint8)
    span = float(scale_max - 1)
    limit = np.uint8(scale_max)
    n_nan = 0
    for lo in range(start, stop, BLOCK):
        n = min(lo + BLOCK, stop) - lo
        _block_top(codes, lo, n, top)
        for p in range(targets.shape[0]):
            _match_block(codes, targets[p], weights, lo, n, num, den)
            dest = out[p, lo:lo + n]
            for k in range(n):
                d = den[k]
                if top[k] > limit or d == 0:
                    dest[k] = np.nan
                    n_nan += 1
                else:
                    dest[k] = max(0.0, 100.0 * (1.0 - np.float64(num[k]) / (np.float64(d) * span)))
    return n_nan


@kernel()
def match_serial(codes, targets, weights, scale_max, out):  # pragma: no cover - jitted
    """Match % of every lead (column of ``codes``, uint8 F x N) against every target (row of
    ``targets``, uint8 P x F) into ``out`` (P x N); returns the number of NaN cells.

    ``targets`` must hold only ``0..S`` (checked by the caller: it is small).
    """
    return _match_range(codes, targets, weights, scale_max, out, 0, codes.shape[1])


@kernel(parallel=True)
def match_parallel(codes, targets, weights, scale_max, out, n_chunks):  # pragma: no cover
    """:func:`match_serial` split into ``n_chunks`` ranges run on numba's threads."""
    n = codes.shape[1]
    size = (n + n_chunks - 1) // n_chunks
    size = ((size + BLOCK - 1) // BLOCK) * BLOCK
    n_nan = 0
    for c in prange(n_chunks):
        lo = min(c * size, n)
        hi = min(lo + size, n)
        n_nan += _match_range(codes, targets, weights, scale_max, out, lo, hi)
    return n_nan


@kernel()
def _best_range(codes, targets, weights, scale_max, best, score, start, stop):  # pragma: no cover
    num = np.empty(BLOCK, dtype=weights.dtype)
    den = np.empty(BLOCK, dtype=weights.dtype)
    top = np.empty(BLOCK, dtype=np.uint8)
    span = float(scale_max - 1)
    limit = np.uint8(scale_max)
    n_none = 0
    for lo in range(start, stop, BLOCK):
        n = min(lo + BLOCK, stop) - lo
        _block_top(codes, lo, n, top)
        best_seg = best[lo:lo + n]
        score_seg = score[lo:lo + n]
        for k in range(n):
            best_seg[k] = -1
            score_seg[k] = -1.0
        for p in range(targets.shape[0]):
            _match_block(codes, targets[p], weights, lo, n, num, den)
            for k in range(n):
                d = den[k]
                if top[k] <= limit and d > 0:
                    s = max(0.0, 100.0 * (1.0 - np.float64(num[k]) / (np.float64(d) * span)))
                    # Strictly greater: ties keep the first profile (scores are >= 0).
                    if s > score_seg[k]:
                        best_seg[k] = p
                        score_seg[k] = s
        for k in range(n):
            if best_seg[k] < 0:
                score_seg[k] = np.nan
                n_none += 1
    return n_none


@kernel()
def best_serial(codes, targets, weights, scale_max, best, score):  # pragma: no cover - jitted
    """Index (into ``targets``) of each lead's best match, -1 if none, and that match %.

    Outputs ``best`` (int64, N) and ``score`` (float64, N); returns the count of -1 rows.
    """
    return _best_range(codes, targets, weights, scale_max, best, score, 0, codes.shape[1])


@kernel(parallel=True)
def best_parallel(codes, targets, weights, scale_max, best, score, n_chunks):  # pragma: no cover
    """:func:`best_serial` split into ``n_chunks`` ranges run on numba's threads."""
    n = codes.shape[1]
    size = (n + n_chunks - 1) // n_chunks
    size = ((size + BLOCK - 1) // BLOCK) * BLOCK
    n_none = 0
    for c in prange(n_chunks):
        lo = min(c * size, n)
        hi = min(lo + size, n)
        n_none += _best_range(codes, targets, weights, scale_max, best, score, lo, hi)
    return n_none


# --------------------------------------------------------------------------------------------
# fit on raw input: validation and scoring fused, in the input's own layout
# --------------------------------------------------------------------------------------------
# Users pass float64 / int64 / int32 columns (a frame's, or a matrix's rows or columns), not
# int8 codes.  ``columns`` is a tuple of F 1-D arrays in any dtype (a frame's columns, a
# column-major matrix's rows of its transpose) or a row-major N x F matrix, read as they lie
# (no copy, no transpose); ``masks`` is a tuple
# of F bool arrays, each empty or the NA mask of a nullable column.  Each block of leads is
# encoded into a uint8 scratch block (255 = a bad value: the lead is NaN, and the caller's
# exact path says why) and then scored with the same arithmetic as :func:`_fit_range`, so the
# result bits are the same as encoding first and fitting after.
BAD = 255


@kernel(inline="always")
def _code(v, scale_max):  # pragma: no cover - jitted
    # A raw value's code: 0 blank (NaN), 1..S, BAD otherwise (selects, no branches: the
    # loops around it vectorise).
    ok = (v >= 1) & (v <= scale_max)
    t = v if ok else 0
    c = np.int32(t)
    bad = (not ok and v == v) or (c != t)  # out of range, or not a whole number
    return np.uint8(c | (-np.int32(bad) & BAD))


@kernel()
def _mask_block(masks, lo, n, scratch):  # pragma: no cover - jitted
    # A nullable column's NA entries are blanks, whatever value sits under them.
    for f in range(len(masks)):
        mask = masks[f]
        if mask.shape[0]:
            mseg = mask[lo:lo + n]
            dest = scratch[f]
            for k in range(n):
                if mseg[k]:
                    dest[k] = 0


def _encode_block(source, masks, scale_max, lo, n, scratch):  # pragma: no cover - stub
    """Codes of leads lo..lo+n into ``scratch`` (F x BLOCK): typed by :func:`_encode_impl`."""
    raise NotImplementedError


@overload(_encode_block, jit_options={"nogil": True, "error_model": "numpy"})
def _encode_impl(source, masks, scale_max, lo, n, scratch):
    # Chosen when the kernel is typed: a tuple of columns (a frame's, or a column-major
    # matrix's rows) is read column by column; a row-major matrix row by row, so its memory
    # is read in order.
    if isinstance(source, types.BaseTuple):
        def by_columns(source, masks, scale_max, lo, n, scratch):  # pragma: no cover
            f = 0
            for column in literal_unroll(source):
                seg = column[lo:lo + n]
                dest = scratch[f]
                for k in range(n):
                    dest[k] = _code(seg[k], scale_max)
                f += 1  # noqa: SIM113 - literal_unroll does not take enumerate()
            _mask_block(masks, lo, n, scratch)
        return by_columns

    def by_rows(source, masks, scale_max, lo, n, scratch):  # pragma: no cover
        for f in range(source.shape[1]):  # the block's rows stay in cache across factors
            seg = source[lo:lo + n, f]
            dest = scratch[f]
            for k in range(n):
                dest[k] = _code(seg[k], scale_max)
        _mask_block(masks, lo, n, scratch)
    return by_rows


@kernel()
def _fit_columns_range(columns, masks, weights, scale_max, out, start, stop):  # pragma: no cover
    n_factors = len(masks)
    scratch = np.empty((n_factors, BLOCK), dtype=np.uint8)
    num = np.empty(BLOCK, dtype=weights.dtype)
    den = np.empty(BLOCK, dtype=weights.dtype)
    top = np.empty(BLOCK, dtype=np.uint8)
    span = float(scale_max - 1)
    limit = np.uint8(scale_max)
    one = np.uint8(1)
    n_nan = 0
    for lo in range(start, stop, BLOCK):
        n = min(lo + BLOCK, stop) - lo
        _encode_block(columns, masks, scale_max, lo, n, scratch)
        for k in range(BLOCK):
            num[k] = 0
            den[k] = 0
            top[k] = 0
        for f in range(n_factors):
            w = weights[f]
            seg = scratch[f]
            for k in range(n):
                x = seg[k]
                g = min(x, one)
                num[k] += (x - g) * w
                den[k] += g * w
            for k in range(n):
                top[k] = max(top[k], seg[k])
        dest = out[lo:lo + n]
        for k in range(n):
            d = den[k]
            if top[k] > limit or d == 0:
                dest[k] = np.nan
                n_nan += 1
            else:
                dest[k] = max(0.0, 100.0 * (1.0 - np.float64(num[k]) / (np.float64(d) * span)))
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
# conversion
# --------------------------------------------------------------------------------------------
@kernel()
def encode_scores(values, scale_max, out):  # pragma: no cover - jitted
    """Scores (F x N, int64 or float64; NaN = blank) into int8 codes in ``out`` (F x N): 0 for
    blank, 1..S, or -1 for a bad value (not a whole number, or outside 1..S).  Returns the
    number of -1s.  One pass (and one call for a whole matrix) instead of numpy's
    check-mask-cast passes; a single column goes in as a 1 x N view."""
    n_bad = 0
    for f in range(values.shape[0]):
        row = values[f]
        dest = out[f]
        for i in range(values.shape[1]):
            v = row[i]
            if v != v:  # NaN: blank
                dest[i] = 0
            elif v >= 1 and v <= scale_max and v == np.floor(v):
                dest[i] = np.int8(v)
            else:
                dest[i] = -1
                n_bad += 1
    return n_bad


# --------------------------------------------------------------------------------------------
# segment and mix
# --------------------------------------------------------------------------------------------
@kernel()
def segment_codes(price, complexity, price_cut, complexity_cut, out):  # pragma: no cover
    """Segment code per row into ``out`` (int8): 0 = S1 (low price, low complexity),
    1 = S2 (low, high), 2 = S3 (high, low), 3 = S4 (high, high); -1 when either is NaN.
    "High" means ``>= cut``.  Returns the number of -1 rows."""
    n_bad = 0
    for i in range(price.shape[0]):
        p = price[i]
        c = complexity[i]
        if np.isnan(p) or np.isnan(c):
            out[i] = -1
            n_bad += 1
        else:
            out[i] = 2 * np.int8(p >= price_cut) + np.int8(c >= complexity_cut)
    return n_bad


@kernel()
def mix_codes(in_sales_plan, reached_by_marketing, in_target_market, out):  # pragma: no cover
    """Mix region code per row into ``out`` (int8): ``4*sales + 2*marketing + market`` from
    three int8 flags (0/1); -1 when any flag is invalid (< 0).  Returns the count of -1 rows."""
    n_bad = 0
    for i in range(out.shape[0]):
        s = in_sales_plan[i]
        m = reached_by_marketing[i]
        t = in_target_market[i]
        if s < 0 or m < 0 or t < 0:
            out[i] = -1
            n_bad += 1
        else:
            out[i] = 4 * s + 2 * m + t
    return n_bad


# --------------------------------------------------------------------------------------------
def warm() -> list[str]:
    """Call every kernel of this module on tiny inputs so numba compiles and caches them."""
    codes = np.ones((10, 3), dtype=np.uint8)
    targets = np.ones((2, 10), dtype=np.uint8)
    fit_out = np.empty(3, dtype=np.float64)
    match_out = np.empty((2, 3), dtype=np.float64)
    best = np.empty(3, dtype=np.int64)
    score = np.empty(3, dtype=np.float64)
    for weights in (np.ones(10, dtype=np.uint16), np.ones(10, dtype=np.float64)):
        fit_serial(codes, weights, 5, fit_out)
        fit_parallel(codes, weights, 5, fit_out, 2)
        match_serial(codes, targets, weights, 5, match_out)
        match_parallel(codes, targets, weights, 5, match_out, 2)
        best_serial(codes, targets, weights, 5, best, score)
        best_parallel(codes, targets, weights, 5, best, score, 2)
    # The raw inputs users pass most: a float64 matrix, CSV frames (int64, float64 with NaN).
    no_masks = (np.empty(0, dtype=np.bool_),) * 10
    for raw in (np.ones((3, 10)), tuple(np.ones((10, 3))),
                tuple(np.ones((10, 3), dtype=np.int64))):
        fit_columns_serial(raw, no_masks, np.ones(10, dtype=np.uint16), 5, fit_out)
        fit_columns_parallel(raw, no_masks, np.ones(10, dtype=np.uint16), 5, fit_out, 2)
    encoded = np.empty((10, 3), dtype=np.int8)
    encode_scores(np.ones((10, 3), dtype=np.int64), 5, encoded)
    encode_scores(np.ones((10, 3), dtype=np.float64), 5, encoded)
    values = np.ones(3, dtype=np.float64)
    segment_codes(values, values, 1.0, 1.0, np.empty(3, dtype=np.int8))
    flags = np.ones(3, dtype=np.int8)
    mix_codes(flags, flags, flags, np.empty(3, dtype=np.int8))
    return [
        "fit_serial", "fit_parallel", "match_serial", "match_parallel", "best_serial",
        "best_parallel", "fit_columns_serial", "fit_columns_parallel", "encode_scores",
        "segment_codes", "mix_codes",
    ]
