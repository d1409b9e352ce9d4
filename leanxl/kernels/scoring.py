"""Scoring kernels: fit %, match %, best profile, segment and mix codes.

Storage conventions (the Python layer in :mod:`leanxl.scoring` prepares them):

* factor scores are ``int8`` in a **factor-major** ``(F, N)`` C-contiguous matrix: one row per
  factor, one column per lead.  ``0`` means blank (the factor is dropped from both sums);
  ``1..S`` is a score; anything else (negative or ``> S``) makes that lead invalid (NaN).
  Factor-major lets the compiler vectorise the inner loop over leads, and a pandas frame's
  columns land in it without a transpose.
* weights are ``float64`` of length F, already checked (finite, ``>= 0``).
* outputs are caller-provided buffers: at 10^7 leads, letting the kernel allocate costs more
  than the arithmetic (PERFORMANCE.md).

Every public kernel has a serial and a ``parallel=True`` twin with the same body; the Python
layer picks the parallel one only for large inputs (a parallel launch costs ~7 µs, and on two
shared cores it only pays off on big arrays).  The twins are separate functions on purpose:
numba's on-disk cache is keyed by function name and source, not by the ``parallel`` flag.

Invalid leads and zero denominators give NaN and are counted; the caller then looks only at
the NaN rows to say *why* (kept out of the hot loop).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from leanxl.kernels._jit import kernel

#: Leads processed per inner block: scratch sums stay in L1 while the loops over factors and
#: profiles run, and the loop over the block is what the compiler vectorises.
BLOCK = 512


# --------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------
@kernel()
def _fit_range(codes, weights, scale_max, out, start, stop):  # pragma: no cover - jitted
    n_factors = codes.shape[0]
    num = np.empty(BLOCK, dtype=np.float64)
    den = np.empty(BLOCK, dtype=np.float64)
    bad = np.empty(BLOCK, dtype=np.int8)
    span = float(scale_max - 1)
    n_nan = 0
    for lo in range(start, stop, BLOCK):
        hi = min(lo + BLOCK, stop)
        n = hi - lo
        for k in range(n):
            num[k] = 0.0
            den[k] = 0.0
            bad[k] = 0
        for f in range(n_factors):
            w = weights[f]
            row = codes[f]
            for k in range(n):
                a = np.int64(row[lo + k])
                m = w if a > 0 else 0.0
                num[k] += m * (a - 1)
                den[k] += m
                bad[k] |= (a < 0) | (a > scale_max)
        for k in range(n):
            if bad[k] != 0 or den[k] == 0.0:
                out[lo + k] = np.nan
                n_nan += 1
            else:
                out[lo + k] = 100.0 * (1.0 - num[k] / (den[k] * span))
    return n_nan


@kernel()
def fit_serial(codes, weights, scale_max, out):  # pragma: no cover - jitted
    """Fit % of each lead (column of ``codes``) into ``out``; returns the number of NaN rows."""
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
def _check_block(codes, scale_max, lo, n, bad):  # pragma: no cover - jitted
    # Out-of-range codes invalidate the whole lead, whatever the profile.
    for k in range(n):
        bad[k] = 0
    for f in range(codes.shape[0]):
        row = codes[f]
        for k in range(n):
            a = np.int64(row[lo + k])
            bad[k] |= (a < 0) | (a > scale_max)


@kernel()
def _match_block(codes, target, weights, lo, n, num, den):  # pragma: no cover - jitted
    # Sums of one profile (``target``, length F) against leads lo..lo+n; a blank on either
    # side drops the factor from both sums.
    for k in range(n):
        num[k] = 0.0
        den[k] = 0.0
    for f in range(codes.shape[0]):
        b = np.int64(target[f])
        if b <= 0:
            continue
        w = weights[f]
        row = codes[f]
        for k in range(n):
            a = np.int64(row[lo + k])
            m = w if a > 0 else 0.0
            num[k] += m * abs(a - b)
            den[k] += m


@kernel()
def _match_range(codes, targets, weights, scale_max, out, start, stop):  # pragma: no cover
    num = np.empty(BLOCK, dtype=np.float64)
    den = np.empty(BLOCK, dtype=np.float64)
    bad = np.empty(BLOCK, dtype=np.int8)
    span = float(scale_max - 1)
    n_nan = 0
    for lo in range(start, stop, BLOCK):
        n = min(lo + BLOCK, stop) - lo
        _check_block(codes, scale_max, lo, n, bad)
        for p in range(targets.shape[0]):
            _match_block(codes, targets[p], weights, lo, n, num, den)
            dest = out[p]
            for k in range(n):
                if bad[k] != 0 or den[k] == 0.0:
                    dest[lo + k] = np.nan
                    n_nan += 1
                else:
                    dest[lo + k] = 100.0 * (1.0 - num[k] / (den[k] * span))
    return n_nan


@kernel()
def match_serial(codes, targets, weights, scale_max, out):  # pragma: no cover - jitted
    """Match % of every lead (column of ``codes``, F x N) against every target (row of
    ``targets``, P x F) into ``out`` (P x N); returns the number of NaN cells.

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
    num = np.empty(BLOCK, dtype=np.float64)
    den = np.empty(BLOCK, dtype=np.float64)
    bad = np.empty(BLOCK, dtype=np.int8)
    span = float(scale_max - 1)
    n_none = 0
    for lo in range(start, stop, BLOCK):
        n = min(lo + BLOCK, stop) - lo
        _check_block(codes, scale_max, lo, n, bad)
        for k in range(n):
            best[lo + k] = -1
            score[lo + k] = np.nan
        for p in range(targets.shape[0]):
            _match_block(codes, targets[p], weights, lo, n, num, den)
            for k in range(n):
                if bad[k] == 0 and den[k] > 0.0:
                    s = 100.0 * (1.0 - num[k] / (den[k] * span))
                    # Strictly greater: ties keep the first profile.
                    if best[lo + k] < 0 or s > score[lo + k]:
                        best[lo + k] = p
                        score[lo + k] = s
        for k in range(n):
            if best[lo + k] < 0:
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
    codes = np.ones((10, 3), dtype=np.int8)
    targets = np.ones((2, 10), dtype=np.int8)
    weights = np.ones(10, dtype=np.float64)
    fit_out = np.empty(3, dtype=np.float64)
    match_out = np.empty((2, 3), dtype=np.float64)
    best = np.empty(3, dtype=np.int64)
    score = np.empty(3, dtype=np.float64)
    fit_serial(codes, weights, 5, fit_out)
    fit_parallel(codes, weights, 5, fit_out, 2)
    match_serial(codes, targets, weights, 5, match_out)
    match_parallel(codes, targets, weights, 5, match_out, 2)
    best_serial(codes, targets, weights, 5, best, score)
    best_parallel(codes, targets, weights, 5, best, score, 2)
    values = np.ones(3, dtype=np.float64)
    segment_codes(values, values, 1.0, 1.0, np.empty(3, dtype=np.int8))
    flags = np.ones(3, dtype=np.int8)
    mix_codes(flags, flags, flags, np.empty(3, dtype=np.int8))
    return [
        "fit_serial", "fit_parallel", "match_serial", "match_parallel", "best_serial",
        "best_parallel", "segment_codes", "mix_codes",
    ]
