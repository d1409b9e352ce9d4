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
from numba import prange

from leanxl.kernels._jit import kernel
from leanxl.kernels.blocks import BLOCK, best_scores, fit_range, match_scores
from leanxl.kernels.raw_scoring import (  # noqa: F401 - the backend serves them from here
    best_columns_parallel,
    best_columns_serial,
    fit_columns_parallel,
    fit_columns_serial,
    match_columns_parallel,
    match_columns_serial,
)
from leanxl.kernels.signatures import read_only

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
def fit_serial(codes, weights, scale_max, out):  # pragma: no cover - jitted
    """Fit % of each lead (column of ``codes``, uint8 F x N) into ``out``; returns the number
    of NaN rows (a code > S, or nothing to divide by)."""
    return fit_range(codes, weights, scale_max, out, 0, codes.shape[1])


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
        n_nan += fit_range(codes, weights, scale_max, out, lo, hi)
    return n_nan


# --------------------------------------------------------------------------------------------
# match and best profile
# --------------------------------------------------------------------------------------------
@kernel()
def _match_range(codes, targets, weights, scale_max, out, start, stop):  # pragma: no cover
    num = np.empty(BLOCK, dtype=weights.dtype)
    den = np.empty(BLOCK, dtype=weights.dtype)
    top = np.empty(BLOCK, dtype=np.uint8)
    n_nan = 0
    for lo in range(start, stop, BLOCK):
        n = min(lo + BLOCK, stop) - lo
        n_nan += match_scores(codes, lo, n, targets, weights, scale_max, out[:, lo:lo + n],
                              num, den, top)
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
    n_none = 0
    for lo in range(start, stop, BLOCK):
        n = min(lo + BLOCK, stop) - lo
        n_none += best_scores(codes, lo, n, targets, weights, scale_max, best[lo:lo + n],
                              score[lo:lo + n], num, den, top)
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
    # The raw inputs users pass most: a float64 matrix, CSV frames (int64, float64 with NaN),
    # read-only as ``scoring.raw`` hands every raw input over (one signature per dtype).
    no_masks = tuple(read_only(np.empty(0, dtype=np.bool_)) for _ in range(10))
    for raw in (read_only(np.ones((3, 10))), tuple(map(read_only, np.ones((10, 3)))),
                tuple(map(read_only, np.ones((10, 3), dtype=np.int64)))):
        for weights in (np.ones(10, dtype=np.uint16),):  # the default weights' dtype only
            fit_columns_serial(raw, no_masks, weights, 5, fit_out)
            fit_columns_parallel(raw, no_masks, weights, 5, fit_out, 2)
            match_columns_serial(raw, no_masks, targets, weights, 5, match_out)
            match_columns_parallel(raw, no_masks, targets, weights, 5, match_out, 2)
            best_columns_serial(raw, no_masks, targets, weights, 5, best, score)
            best_columns_parallel(raw, no_masks, targets, weights, 5, best, score, 2)
    encoded = np.empty((10, 3), dtype=np.int8)
    for dtype in (np.int64, np.float64):  # profiles and targets arrive writable or frozen
        encode_scores(np.ones((10, 3), dtype=dtype), 5, encoded)
        encode_scores(read_only(np.ones((10, 3), dtype=dtype)), 5, encoded)
    values = np.ones(3, dtype=np.float64)
    segment_codes(values, values, 1.0, 1.0, np.empty(3, dtype=np.int8))
    flags = np.ones(3, dtype=np.int8)
    mix_codes(flags, flags, flags, np.empty(3, dtype=np.int8))
    return [
        "fit_serial", "fit_parallel", "match_serial", "match_parallel", "best_serial",
        "best_parallel", "fit_columns_serial", "fit_columns_parallel", "match_columns_serial",
        "match_columns_parallel", "best_columns_serial", "best_columns_parallel", "encode_scores",
        "segment_codes", "mix_codes",
    ]
