"""Decision-table kernels on raw numeric columns, read in place (no key matrix first).

``columns`` is a tuple of 1-D numeric arrays (a frame's columns, any dtype and stride) and
``masks`` a tuple of bool arrays, each empty or a nullable column's NA mask.  A chunk of
leads is encoded into an int8 key scratch that stays in L2 (``BLANK`` = -128 for NaN or NA,
the whole number itself in -127..127), read column by column in long runs (the scoring
front end's layout, :mod:`leanxl.kernels.raw_scoring`), and looked up by the int8 kernels'
own block code (:mod:`leanxl.kernels.rules`) in a table whose entry -128 is the blank region.
A value that is no whole number in -127..127 stops the kernel, which returns False: the
caller then takes the float64 key path, which handles any number.
"""

from __future__ import annotations

import numpy as np
from numba import literal_unroll, prange, types
from numba.extending import overload

from leanxl.kernels._jit import kernel
from leanxl.kernels.parallel import RULES_PARALLEL_MIN_ROWS
from leanxl.kernels.rules import BLOCK, _first_int8_block, _masks_int8_block
from leanxl.kernels.signatures import read_only

#: Leads per chunk of encoded keys (10 x CHUNK bytes stay in L2).
CHUNK = 65536
#: The key of a blank value (NaN, NA): a table built for these kernels maps it to the blank
#: region.
BLANK = -128


def _key(v):  # pragma: no cover - typed below
    """A raw value's int8 key, or a value > 127 when it has none: see :func:`_key_impl`."""
    raise NotImplementedError


@overload(_key, jit_options={"nogil": True, "error_model": "numpy"})
def _key_impl(v):
    if isinstance(v, types.Float):
        def of_float(v):  # pragma: no cover - jitted
            if v != v:
                return np.int64(BLANK)
            ok = (v >= -127) & (v <= 127) & (v == np.floor(v))
            return np.int64(v) if ok else np.int64(1000)
        return of_float

    def of_integer(v):  # pragma: no cover - jitted
        ok = (v >= -127) & (v <= 127)
        return np.int64(v) if ok else np.int64(1000)
    return of_integer


@kernel()
def _encode_keys(columns, masks, lo, n, scratch):  # pragma: no cover - jitted
    # Keys of leads lo..lo+n into scratch[:, :n]; False when a value has no int8 key.
    f = 0
    fine = True
    for column in literal_unroll(columns):
        seg = column[lo:lo + n]
        dest = scratch[f]
        worst = np.int64(0)
        for i in range(n):
            key = _key(seg[i])
            worst = max(worst, key)
            dest[i] = np.int8(min(key, 127))
        fine &= worst <= 127
        mask = masks[f]
        if mask.shape[0]:
            mseg = mask[lo:lo + n]
            for i in range(n):  # a select, not a branch: NAs fall at random
                dest[i] = BLANK if mseg[i] else dest[i]
        f += 1  # noqa: SIM113 - literal_unroll does not take enumerate()
    return fine


@kernel()
def _first_range(columns, masks, lut, out, used, start, stop):  # pragma: no cover - jitted
    scratch = np.empty((len(masks), CHUNK), np.int8)
    for lo in range(start, stop, CHUNK):
        n = min(lo + CHUNK, stop) - lo
        if not _encode_keys(columns, masks, lo, n, scratch):
            return False
        keys = scratch[:, :n]
        dest = out[lo:lo + n]
        for c0 in range(0, n, BLOCK):
            _first_int8_block(keys, lut, dest, used, c0)
    return True


@kernel()
def first_columns_serial(columns, masks, lut, out, used):  # pragma: no cover - jitted
    """First matching bit per lead (see :func:`leanxl.kernels.rules.first_match`) from raw
    columns; False (and ``out`` unfinished) when a value has no int8 key."""
    return _first_range(columns, masks, lut, out, used, 0, out.shape[0])


@kernel(parallel=True)
def first_columns_parallel(columns, masks, lut, out, used):  # pragma: no cover - jitted
    """:func:`first_columns_serial` with the chunks spread over numba's threads."""
    n_chunks = (out.shape[0] + CHUNK - 1) // CHUNK
    fine = np.ones(n_chunks, np.bool_)
    for c in prange(n_chunks):
        fine[c] = _first_range(columns, masks, lut, out, used, c * CHUNK,
                               min(out.shape[0], (c + 1) * CHUNK))
    return fine.all()


@kernel()
def _masks_range(columns, masks, lut, out, start, stop):  # pragma: no cover - jitted
    scratch = np.empty((len(masks), CHUNK), np.int8)
    for lo in range(start, stop, CHUNK):
        n = min(lo + CHUNK, stop) - lo
        if not _encode_keys(columns, masks, lo, n, scratch):
            return False
        keys = scratch[:, :n]
        dest = out[lo:lo + n]
        for c0 in range(0, n, BLOCK):
            _masks_int8_block(keys, lut, dest, c0)
    return True


@kernel()
def masks_columns_serial(columns, masks, lut, out):  # pragma: no cover - jitted
    """Every lead's matching-rule words (see :func:`leanxl.kernels.rules.match_masks`) from
    raw columns; False when a value has no int8 key."""
    return _masks_range(columns, masks, lut, out, 0, out.shape[0])


@kernel(parallel=True)
def masks_columns_parallel(columns, masks, lut, out):  # pragma: no cover - jitted
    """:func:`masks_columns_serial` with the chunks spread over numba's threads."""
    n_chunks = (out.shape[0] + CHUNK - 1) // CHUNK
    fine = np.ones(n_chunks, np.bool_)
    for c in prange(n_chunks):
        fine[c] = _masks_range(columns, masks, lut, out, c * CHUNK,
                               min(out.shape[0], (c + 1) * CHUNK))
    return fine.all()


def first_match_columns(columns: tuple[np.ndarray, ...], masks: tuple[np.ndarray, ...],
                        lut: np.ndarray, out: np.ndarray, used: np.ndarray) -> bool:
    """:func:`leanxl.kernels.rules.first_match` on raw columns (``lut``: blank at -128);
    False when a value has no int8 key (then nothing is decided)."""
    par = out.shape[0] >= RULES_PARALLEL_MIN_ROWS
    return bool((first_columns_parallel if par else first_columns_serial)(
        columns, masks, lut, out, used))


def match_masks_columns(columns: tuple[np.ndarray, ...], masks: tuple[np.ndarray, ...],
                        lut: np.ndarray, out: np.ndarray) -> bool:
    """:func:`leanxl.kernels.rules.match_masks` on raw columns (``lut``: blank at -128);
    False when a value has no int8 key."""
    par = out.shape[0] >= RULES_PARALLEL_MIN_ROWS
    return bool((masks_columns_parallel if par else masks_columns_serial)(
        columns, masks, lut, out))


def warm() -> list[str]:
    """Compile (or load from cache) every kernel on small inputs; returns their names."""
    lut = np.full((2, 256, 1), np.uint64(0xFFFFFFFFFFFFFFFF), np.uint64)
    # Read-only, as ``scoring.raw.uniform_columns`` hands them over.
    no_mask = read_only(np.empty(0, np.bool_))
    for columns in ((read_only(np.ones(3)), read_only(np.ones(3))),
                    (read_only(np.ones(3, np.int64)), read_only(np.ones(3, np.int64)))):
        masks = (no_mask, no_mask)
        used = np.zeros(65, np.bool_)
        for first in (first_columns_serial, first_columns_parallel):
            first(columns, masks, lut, np.empty(3, np.int32), used)
        for words in (masks_columns_serial, masks_columns_parallel):
            words(columns, masks, lut, np.empty((3, 1), np.uint64))
    return ["first_columns_serial", "first_columns_parallel", "masks_columns_serial",
            "masks_columns_parallel"]
