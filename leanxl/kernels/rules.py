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

Kernels write into caller-provided outputs (first touch of numba-allocated memory is slow).
Each has a ``_serial`` and a ``_parallel`` twin; the entry points (:func:`first_match`,
:func:`match_masks`, :func:`result_codes`) pick the parallel one from
:data:`leanxl.kernels.parallel.RULES_PARALLEL_MIN_ROWS` leads.
"""

from __future__ import annotations

import numpy as np
from numba import prange
from numba.cpython.unsafe.numbers import trailing_zeros

from leanxl.kernels._jit import kernel
from leanxl.kernels.parallel import RULES_PARALLEL_MIN_ROWS

ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
CHUNK = 1 << 14  # leads per parallel task (mark_used, remap)


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
# 64-rule word keeps any number of rules exact.  Each kernel's body works on one block (or
# chunk); a serial and a parallel=True twin loop over the blocks.  The twins are separate named
# functions on purpose: numba's on-disk cache is keyed by the function's name, source line and
# signature, not by ``parallel=``, so twins compiled from one function would share one cache
# entry and whichever compiled first would serve both.  A block's rows are sliced so the
# inner index starts at 0: numba then emits no negative-index wraparound check, which would
# block vectorisation (as in kernels/scoring.py).
BLOCK = 1024


@kernel()
def _first_float_block(keys, bounds, nbounds, masks, out, used, lo):  # pragma: no cover - jitted
    nf, n = keys.shape
    nw = masks.shape[2]
    m = min(n, lo + BLOCK) - lo
    acc = np.empty(BLOCK, np.uint64)
    best = np.full(BLOCK, -1, np.int64)
    for w in range(nw):
        acc[:m] = ALL_ONES
        for f in range(nf):
            nb = nbounds[f]
            seg = keys[f, lo:lo + m]
            for k in range(m):
                acc[k] &= masks[f, _region_k(bounds, f, nb, seg[k]), w]
        for k in range(m):
            if best[k] < 0 and acc[k] != 0:
                best[k] = w * 64 + trailing_zeros(acc[k])
    dest = out[lo:lo + m]
    for k in range(m):
        dest[k] = best[k]
        if not used[best[k] + 1]:  # which results occur (see _mark_used_chunk)
            used[best[k] + 1] = True


@kernel()
def first_float_serial(keys, bounds, nbounds, masks, out, used):  # pragma: no cover - jitted
    """First matching bit per lead, float64 keys (see :func:`first_match`)."""
    for lo in range(0, keys.shape[1], BLOCK):
        _first_float_block(keys, bounds, nbounds, masks, out, used, lo)


@kernel(parallel=True)
def first_float_parallel(keys, bounds, nbounds, masks, out, used):  # pragma: no cover - jitted
    """:func:`first_float_serial` with the blocks spread over numba's threads."""
    for b in prange((keys.shape[1] + BLOCK - 1) // BLOCK):
        _first_float_block(keys, bounds, nbounds, masks, out, used, b * BLOCK)


@kernel()
def _first_int8_block(keys, lut, out, used, lo):  # pragma: no cover - jitted
    nf, n = keys.shape
    nw = lut.shape[2]
    m = min(n, lo + BLOCK) - lo
    acc = np.empty(BLOCK, np.uint64)
    best = np.full(BLOCK, -1, np.int64)
    for w in range(nw):
        acc[:m] = ALL_ONES
        for f in range(nf):
            seg = keys[f, lo:lo + m]
            table = lut[f, :, w]
            for k in range(m):
                acc[k] &= table[np.int64(seg[k]) + 128]
        for k in range(m):
            if best[k] < 0 and acc[k] != 0:
                best[k] = w * 64 + trailing_zeros(acc[k])
    dest = out[lo:lo + m]
    for k in range(m):
        dest[k] = best[k]
        if not used[best[k] + 1]:  # which results occur (see _mark_used_chunk)
            used[best[k] + 1] = True


@kernel()
def first_int8_serial(keys, lut, out, used):  # pragma: no cover - jitted
    """First matching bit per lead, int8 keys (see :func:`first_match`)."""
    for lo in range(0, keys.shape[1], BLOCK):
        _first_int8_block(keys, lut, out, used, lo)


@kernel(parallel=True)
def first_int8_parallel(keys, lut, out, used):  # pragma: no cover - jitted
    """:func:`first_int8_serial` with the blocks spread over numba's threads."""
    for b in prange((keys.shape[1] + BLOCK - 1) // BLOCK):
        _first_int8_block(keys, lut, out, used, b * BLOCK)


@kernel()
def _masks_float_block(keys, bounds, nbounds, masks, out, lo):  # pragma: no cover - jitted
    nf, n = keys.shape
    nw = masks.shape[2]
    m = min(n, lo + BLOCK) - lo
    acc = np.empty(BLOCK, np.uint64)
    for w in range(nw):
        acc[:m] = ALL_ONES
        for f in range(nf):
            nb = nbounds[f]
            seg = keys[f, lo:lo + m]
            for k in range(m):
                acc[k] &= masks[f, _region_k(bounds, f, nb, seg[k]), w]
        dest = out[lo:lo + m, w]
        for k in range(m):
            dest[k] = acc[k]


@kernel()
def masks_float_serial(keys, bounds, nbounds, masks, out):  # pragma: no cover - jitted
    """Every lead's matching-rule words, float64 keys (see :func:`match_masks`)."""
    for lo in range(0, keys.shape[1], BLOCK):
        _masks_float_block(keys, bounds, nbounds, masks, out, lo)


@kernel(parallel=True)
def masks_float_parallel(keys, bounds, nbounds, masks, out):  # pragma: no cover - jitted
    """:func:`masks_float_serial` with the blocks spread over numba's threads."""
    for b in prange((keys.shape[1] + BLOCK - 1) // BLOCK):
        _masks_float_block(keys, bounds, nbounds, masks, out, b * BLOCK)


@kernel()
def _masks_int8_block(keys, lut, out, lo):  # pragma: no cover - jitted
    nf, n = keys.shape
    nw = lut.shape[2]
    m = min(n, lo + BLOCK) - lo
    acc = np.empty(BLOCK, np.uint64)
    for w in range(nw):
        acc[:m] = ALL_ONES
        for f in range(nf):
            seg = keys[f, lo:lo + m]
            table = lut[f, :, w]
            for k in range(m):
                acc[k] &= table[np.int64(seg[k]) + 128]
        dest = out[lo:lo + m, w]
        for k in range(m):
            dest[k] = acc[k]


@kernel()
def masks_int8_serial(keys, lut, out):  # pragma: no cover - jitted
    """Every lead's matching-rule words, int8 keys (see :func:`match_masks`)."""
    for lo in range(0, keys.shape[1], BLOCK):
        _masks_int8_block(keys, lut, out, lo)


@kernel(parallel=True)
def masks_int8_parallel(keys, lut, out):  # pragma: no cover - jitted
    """:func:`masks_int8_serial` with the blocks spread over numba's threads."""
    for b in prange((keys.shape[1] + BLOCK - 1) // BLOCK):
        _masks_int8_block(keys, lut, out, b * BLOCK)


@kernel()
def _mark_used_chunk(src, offset, used, lo):  # pragma: no cover - jitted
    # Which results occur at all.  Write only on first sight: threads then share the small
    # array read-only instead of bouncing its cache line (racing writes of True are harmless).
    for i in range(lo, min(src.shape[0], lo + CHUNK)):
        d = src[i] + offset
        if not used[d]:
            used[d] = True


@kernel()
def mark_used_serial(src, offset, used):  # pragma: no cover - jitted
    """Set ``used[src[i] + offset]`` for every lead i."""
    for lo in range(0, src.shape[0], CHUNK):
        _mark_used_chunk(src, offset, used, lo)


@kernel(parallel=True)
def mark_used_parallel(src, offset, used):  # pragma: no cover - jitted
    """:func:`mark_used_serial` with the chunks spread over numba's threads."""
    for c in prange((src.shape[0] + CHUNK - 1) // CHUNK):
        _mark_used_chunk(src, offset, used, c * CHUNK)


@kernel()
def _remap_chunk(src, offset, tables, out, lo):  # pragma: no cover - jitted
    # One pass writing every output column's category code: out[j, i] = tables[j, src[i]].
    nj = tables.shape[0]
    for i in range(lo, min(src.shape[0], lo + CHUNK)):
        d = src[i] + offset
        for j in range(nj):
            out[j, i] = tables[j, d]


@kernel()
def remap_serial(src, offset, tables, out):  # pragma: no cover - jitted
    """``out[j, i] = tables[j, src[i] + offset]`` for every column j and lead i."""
    for lo in range(0, src.shape[0], CHUNK):
        _remap_chunk(src, offset, tables, out, lo)


@kernel(parallel=True)
def remap_parallel(src, offset, tables, out):  # pragma: no cover - jitted
    """:func:`remap_serial` with the chunks spread over numba's threads."""
    for c in prange((src.shape[0] + CHUNK - 1) // CHUNK):
        _remap_chunk(src, offset, tables, out, c * CHUNK)


def first_match(keys: np.ndarray, table: tuple[np.ndarray, ...], out: np.ndarray,
                used: np.ndarray | None = None) -> None:
    """Bit position of each lead's first matching rule (-1: none) into ``out`` (int32).

    ``table`` is ``(lut,)`` for int8 keys or ``(bounds, nbounds, masks)`` for float64 keys.
    ``used[p + 1]`` (bool, length rules + 1) is set for every position p that occurs.
    """
    if used is None:
        used = np.zeros(table[-1].shape[2] * 64 + 1, np.bool_)
    par = keys.shape[1] >= RULES_PARALLEL_MIN_ROWS
    if keys.dtype == np.int8:
        (first_int8_parallel if par else first_int8_serial)(keys, table[0], out, used)
    else:
        bounds, nbounds, masks = table
        (first_float_parallel if par else first_float_serial)(keys, bounds, nbounds, masks, out,
                                                              used)


def match_masks(keys: np.ndarray, table: tuple[np.ndarray, ...], out: np.ndarray) -> None:
    """Every lead's matching rules as ``W`` uint64 words per lead, into ``out`` (N x W)."""
    par = keys.shape[1] >= RULES_PARALLEL_MIN_ROWS
    if keys.dtype == np.int8:
        (masks_int8_parallel if par else masks_int8_serial)(keys, table[0], out)
    else:
        bounds, nbounds, masks = table
        (masks_float_parallel if par else masks_float_serial)(keys, bounds, nbounds, masks, out)


def result_codes(src: np.ndarray, offset: int, n_results: int,
                 build: object, used: np.ndarray | None = None) -> np.ndarray:
    """Spread per-result category codes over leads.

    ``src[i] + offset`` is lead i's result index (0..n_results-1).  ``build(used)`` gets the
    boolean array of results that occur and returns ``tables`` (J x n_results, int8/int16/
    int32): the category code of each result in each of J columns.  Returns J x N codes.
    """
    par = src.shape[0] >= RULES_PARALLEL_MIN_ROWS
    if used is None:
        used = np.zeros(n_results, np.bool_)
        (mark_used_parallel if par else mark_used_serial)(src, offset, used)
    tables = build(used)  # type: ignore[operator]
    out = np.empty((tables.shape[0], src.shape[0]), tables.dtype)
    (remap_parallel if par else remap_serial)(src, offset, tables, out)
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
    used = np.zeros(65, np.bool_)
    twins = (
        (first_float_serial, first_float_parallel, (keys_f, bounds, nb, masks, out_i, used)),
        (first_int8_serial, first_int8_parallel, (keys_i, lut, out_i, used)),
        (masks_float_serial, masks_float_parallel, (keys_f, bounds, nb, masks, out_w)),
        (masks_int8_serial, masks_int8_parallel, (keys_i, lut, out_w)),
    )
    names: list[str] = []
    for serial, parallel, args in twins:
        serial(*args)
        parallel(*args)
        names += [serial.__name__, parallel.__name__]
    # src is int32 (first_match) or int64 (factorize codes); tables int8 or int16 (_frame).
    for src in (np.zeros(n, np.int32), np.zeros(n, np.int64)):
        for dtype in (np.int8, np.int16):
            used = np.zeros(1, np.bool_)
            mark_used_serial(src, 0, used)
            mark_used_parallel(src, 0, used)
            tables = np.zeros((2, 1), dtype)
            codes = np.empty((2, n), dtype)
            remap_serial(src, 0, tables, codes)
            remap_parallel(src, 0, tables, codes)
    return names + [mark_used_serial.__name__, mark_used_parallel.__name__,
                    remap_serial.__name__, remap_parallel.__name__]
