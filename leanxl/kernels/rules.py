"""Decision-table kernels: bit sets of rules per input interval, ANDed across inputs.

The compiler (:mod:`leanxl.rules.compile`) turns each input column into sorted boundary
points; the points split the axis into ``2k + 1`` regions (below p0, p0, between p0 and p1,
..., above p[k-1]) plus one region for a blank value.  Each region maps to the set of rules
whose test it satisfies, as ``W`` 64-bit words.  A lead's matching rules are the AND of its
columns' sets, so the work per lead is one lookup per input, not one test per rule (the
bit-vector scheme of packet classification).  Rules sit at bit positions in "bit order"
(rule order, or priority order for PRIORITY / OUTPUT ORDER), so FIRST and PRIORITY are a
count of trailing zeros.

Two lookups:

* ``*_float``: keys are float64 (NaN = blank), found by binary search over the points;
* ``*_int8``: keys are int8 (factor scores), found directly in a 256-entry table per input.

Kernels write into caller-provided outputs (first touch of numba-allocated memory is slow);
``_par`` variants split the leads over threads and are worth it from ~10^4 leads.
"""

from __future__ import annotations

import numpy as np
from numba import prange
from numba.cpython.unsafe.numbers import trailing_zeros

from leanxl.kernels._jit import kernel

ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
CHUNK = 1 << 14  # leads per parallel task (count kernel)


def _region(bounds: np.ndarray, f: int, n: int, x: float) -> int:
    if x != x:  # blank
        return 2 * n + 1
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        if bounds[f, mid] < x:
            lo = mid + 1
        else:
            hi = mid
    if lo < n and bounds[f, lo] == x:
        return 2 * lo + 1
    return 2 * lo


_region_k = kernel()(_region)


# Leads are processed in blocks: one pass per input column over the block ANDs that column's
# sets into a small accumulator (L1-resident), which the compiler can vectorise; a pass per
# 64-rule word keeps any number of rules exact.
BLOCK = 1024


def _first_float(keys, bounds, nbounds, masks, out, used):
    nf, n = keys.shape
    nw = masks.shape[2]
    nblocks = (n + BLOCK - 1) // BLOCK
    for b in prange(nblocks):
        lo = b * BLOCK
        m = min(n, lo + BLOCK) - lo
        acc = np.empty(BLOCK, np.uint64)
        best = np.full(BLOCK, -1, np.int64)
        for w in range(nw):
            acc[:m] = ALL_ONES
            for f in range(nf):
                nb = nbounds[f]
                for k in range(m):
                    acc[k] &= masks[f, _region_k(bounds, f, nb, keys[f, lo + k]), w]
            for k in range(m):
                if best[k] < 0 and acc[k] != 0:
                    best[k] = w * 64 + trailing_zeros(acc[k])
        for k in range(m):
            out[lo + k] = best[k]
            if not used[best[k] + 1]:  # which results occur (see _mark_used)
                used[best[k] + 1] = True


def _first_int8(keys, lut, out, used):
    nf, n = keys.shape
    nw = lut.shape[2]
    nblocks = (n + BLOCK - 1) // BLOCK
    for b in prange(nblocks):
        lo = b * BLOCK
        m = min(n, lo + BLOCK) - lo
        acc = np.empty(BLOCK, np.uint64)
        best = np.full(BLOCK, -1, np.int64)
        for w in range(nw):
            acc[:m] = ALL_ONES
            for f in range(nf):
                row = keys[f]
                table = lut[f, :, w]
                for k in range(m):
                    acc[k] &= table[np.int64(row[lo + k]) + 128]
            for k in range(m):
                if best[k] < 0 and acc[k] != 0:
                    best[k] = w * 64 + trailing_zeros(acc[k])
        for k in range(m):
            out[lo + k] = best[k]
            if not used[best[k] + 1]:  # which results occur (see _mark_used)
                used[best[k] + 1] = True


def _masks_float(keys, bounds, nbounds, masks, out):
    nf, n = keys.shape
    nw = masks.shape[2]
    nblocks = (n + BLOCK - 1) // BLOCK
    for b in prange(nblocks):
        lo = b * BLOCK
        m = min(n, lo + BLOCK) - lo
        acc = np.empty(BLOCK, np.uint64)
        for w in range(nw):
            acc[:m] = ALL_ONES
            for f in range(nf):
                nb = nbounds[f]
                for k in range(m):
                    acc[k] &= masks[f, _region_k(bounds, f, nb, keys[f, lo + k]), w]
            for k in range(m):
                out[lo + k, w] = acc[k]


def _masks_int8(keys, lut, out):
    nf, n = keys.shape
    nw = lut.shape[2]
    nblocks = (n + BLOCK - 1) // BLOCK
    for b in prange(nblocks):
        lo = b * BLOCK
        m = min(n, lo + BLOCK) - lo
        acc = np.empty(BLOCK, np.uint64)
        for w in range(nw):
            acc[:m] = ALL_ONES
            for f in range(nf):
                row = keys[f]
                table = lut[f, :, w]
                for k in range(m):
                    acc[k] &= table[np.int64(row[lo + k]) + 128]
            for k in range(m):
                out[lo + k, w] = acc[k]


def _popcount(m):
    # SWAR popcount; LLVM turns it into one instruction where the CPU has it.
    m = m - ((m >> np.uint64(1)) & np.uint64(0x5555555555555555))
    m = (m & np.uint64(0x3333333333333333)) + ((m >> np.uint64(2)) & np.uint64(0x3333333333333333))
    m = (m + (m >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((m * np.uint64(0x0101010101010101)) >> np.uint64(56))


_popcount_k = kernel()(_popcount)


def _count_words(words, out):
    n, nw = words.shape
    nchunks = (n + CHUNK - 1) // CHUNK
    for c in prange(nchunks):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            total = 0
            for w in range(nw):
                total += _popcount_k(words[i, w])
            out[i] = total


first_float = kernel()(_first_float)
first_float_par = kernel(parallel=True)(_first_float)
first_int8 = kernel()(_first_int8)
first_int8_par = kernel(parallel=True)(_first_int8)
masks_float = kernel()(_masks_float)
masks_float_par = kernel(parallel=True)(_masks_float)
masks_int8 = kernel()(_masks_int8)
masks_int8_par = kernel(parallel=True)(_masks_int8)
def _mark_used(src, offset, used):
    # Which results occur at all.  Write only on first sight: threads then share the small
    # array read-only instead of bouncing its cache line (racing writes of True are harmless).
    n = src.shape[0]
    nchunks = (n + CHUNK - 1) // CHUNK
    for c in prange(nchunks):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            d = src[i] + offset
            if not used[d]:
                used[d] = True


def _remap(src, offset, tables, out):
    # One pass writing every output column's category code: out[j, i] = tables[j, src[i]].
    n = src.shape[0]
    nj = tables.shape[0]
    nchunks = (n + CHUNK - 1) // CHUNK
    for c in prange(nchunks):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            d = src[i] + offset
            for j in range(nj):
                out[j, i] = tables[j, d]


count_words = kernel()(_count_words)
mark_used_k = kernel()(_mark_used)
mark_used_par = kernel(parallel=True)(_mark_used)
remap_k = kernel()(_remap)
remap_par = kernel(parallel=True)(_remap)
count_words_par = kernel(parallel=True)(_count_words)

PARALLEL_FROM = 20_000  # below this, thread start-up costs more than it saves


def first_match(keys: np.ndarray, table: tuple[np.ndarray, ...], out: np.ndarray,
                used: np.ndarray | None = None) -> None:
    """Bit position of each lead's first matching rule (-1: none) into ``out`` (int32).

    ``table`` is ``(lut,)`` for int8 keys or ``(bounds, nbounds, masks)`` for float64 keys.
    ``used[p + 1]`` (bool, length rules + 1) is set for every position p that occurs.
    """
    if used is None:
        used = np.zeros(table[-1].shape[2] * 64 + 1, np.bool_)
    par = keys.shape[1] >= PARALLEL_FROM
    if keys.dtype == np.int8:
        (first_int8_par if par else first_int8)(keys, table[0], out, used)
    else:
        bounds, nbounds, masks = table
        (first_float_par if par else first_float)(keys, bounds, nbounds, masks, out, used)


def match_masks(keys: np.ndarray, table: tuple[np.ndarray, ...], out: np.ndarray) -> None:
    """Every lead's matching rules as ``W`` uint64 words per lead, into ``out`` (N x W)."""
    par = keys.shape[1] >= PARALLEL_FROM
    if keys.dtype == np.int8:
        (masks_int8_par if par else masks_int8)(keys, table[0], out)
    else:
        bounds, nbounds, masks = table
        (masks_float_par if par else masks_float)(keys, bounds, nbounds, masks, out)


def count_matches(words: np.ndarray, out: np.ndarray) -> None:
    """Number of set bits per row of ``words`` (N x W uint64) into ``out`` (int64)."""
    (count_words_par if words.shape[0] >= PARALLEL_FROM else count_words)(words, out)


def result_codes(src: np.ndarray, offset: int, n_results: int,
                 build: object, used: np.ndarray | None = None) -> np.ndarray:
    """Spread per-result category codes over leads.

    ``src[i] + offset`` is lead i's result index (0..n_results-1).  ``build(used)`` gets the
    boolean array of results that occur and returns ``tables`` (J x n_results, int8/int16/
    int32): the category code of each result in each of J columns.  Returns J x N codes.
    """
    par = src.shape[0] >= PARALLEL_FROM
    if used is None:
        used = np.zeros(n_results, np.bool_)
        (mark_used_par if par else mark_used_k)(src, offset, used)
    tables = build(used)  # type: ignore[operator]
    out = np.empty((tables.shape[0], src.shape[0]), tables.dtype)
    (remap_par if par else remap_k)(src, offset, tables, out)
    return out


def warm() -> list[str]:
    """Compile (or load from cache) every kernel on small inputs; returns their names."""
    n = 3
    keys_f = np.array([[1.0, np.nan, 3.0]])
    bounds = np.array([[2.0]])
    nb = np.array([1], np.int64)
    masks = np.full((1, 4, 1), ALL_ONES, np.uint64)
    keys_i = np.array([[1, 2, 3]], np.int8)
    lut = np.full((1, 256, 1), ALL_ONES, np.uint64)
    out_i = np.empty(n, np.int32)
    out_w = np.empty((n, 1), np.uint64)
    out_c = np.empty(n, np.int64)
    used = np.zeros(65, np.bool_)
    first_float(keys_f, bounds, nb, masks, out_i, used)
    first_float_par(keys_f, bounds, nb, masks, out_i, used)
    first_int8(keys_i, lut, out_i, used)
    first_int8_par(keys_i, lut, out_i, used)
    masks_float(keys_f, bounds, nb, masks, out_w)
    masks_float_par(keys_f, bounds, nb, masks, out_w)
    masks_int8(keys_i, lut, out_w)
    masks_int8_par(keys_i, lut, out_w)
    count_words(out_w, out_c)
    count_words_par(out_w, out_c)
    for src in (out_i, out_c):
        for dtype in (np.int8, np.int16):
            src[:] = 0
            used = np.zeros(1, np.bool_)
            mark_used_k(src, 0, used)
            mark_used_par(src, 0, used)
            tables = np.zeros((2, 1), dtype)
            codes = np.empty((2, n), dtype)
            remap_k(src, 0, tables, codes)
            remap_par(src, 0, tables, codes)
    return ["rules.first_float", "rules.first_int8", "rules.masks_float", "rules.masks_int8",
            "rules.count_words", "rules.mark_used", "rules.remap"]
