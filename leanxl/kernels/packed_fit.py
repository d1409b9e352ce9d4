"""fit on raw columns with packed integer sums: no int8 scratch, no second pass over it.

With whole-number weights (the default, all 1) a lead's fit sums are small integers:
``num = Σ w (x - 1)`` and ``den = Σ w`` over its given factors.  Each value adds one uint32
term holding both, plus a count of bad values above them::

    term = w (x - 1) << DEN_BITS  +  w  +  (BAD_UNIT if the value is bad)

so a chunk of leads needs one uint32 accumulator per lead, added to column by column (each
column read in one long run, as in :mod:`.raw_scoring`).  The sums are exact integers, the
same as the int8 kernels' uint16 sums, and :func:`.blocks.percent` finishes them with the same
float64 operations: the same result bits.  Measured (bench/fit_serial.py, RESULTS.md): at
10^7 leads this takes 20-25% less CPU than encoding a chunk into int8 codes and scoring those.
:func:`packs` says when the fields cannot overflow; other weights keep the int8-scratch path.
"""

from __future__ import annotations

import numpy as np
from numba import literal_unroll, types
from numba.extending import overload

from leanxl.kernels._jit import kernel
from leanxl.kernels.blocks import percent

#: Leads per chunk: the uint32 accumulators (256 KB) stay in L2, each column run is 512 KB.
CHUNK = 65536
#: Width of the ``den`` field (Σw < 1024), then of the ``num`` field (Σw (S - 1) < 4096).
DEN_BITS = 10
NUM_BITS = 12
#: One bad value; at most a lead's factor count of them fits above the two fields.
BAD_UNIT = 1 << (DEN_BITS + NUM_BITS)
_DEN_MASK = (1 << DEN_BITS) - 1
_NUM_MASK = (1 << NUM_BITS) - 1


@kernel(inline="always")
def packs(weights, scale_max):  # pragma: no cover - jitted
    """Whether whole-number ``weights`` fit the packed fields (and the bad count above them:
    up to 1,023 factors)."""
    total = 0
    for f in range(weights.shape[0]):
        total += weights[f]
    return (total <= _DEN_MASK) & (total * (scale_max - 1) <= _NUM_MASK) & (
        weights.shape[0] < (1 << (32 - DEN_BITS - NUM_BITS)))


@kernel(inline="always")
def _finish(acc, w, span, dest, n):  # pragma: no cover - jitted
    """Fit % of ``n`` leads from their packed sums (times ``w``) into ``dest``; returns the
    number of NaN rows.  A select, not a branch: the loop vectorises (the division by a zero
    ``den`` gives inf under numpy's error model, and is not selected)."""
    n_nan = 0
    for k in range(n):
        a = acc[k]
        den = np.int64(a & _DEN_MASK) * w
        ok = (a < BAD_UNIT) & (den != 0)
        score = percent(np.int64((a >> DEN_BITS) & _NUM_MASK) * w, den, span)
        dest[k] = score if ok else np.nan
        n_nan += not ok
    return n_nan


def _term(v, w, blank, scale_max):  # pragma: no cover - typed below
    """One value's packed term (``blank``: a set NA mask entry): typed by :func:`_term_impl`."""
    raise NotImplementedError


@overload(_term, jit_options={"nogil": True, "error_model": "numpy"})
def _term_impl(v, w, blank, scale_max):
    # The same test as raw_scoring._code: a blank is NaN (floats) or masked; a given value is a
    # whole number in 1..S; anything else is bad.  Selects, no branches: the loops vectorise.
    zero, one, bad = np.uint32(0), np.uint32(1), np.uint32(BAD_UNIT)
    if isinstance(v, types.Float):
        def of_float(v, w, blank, scale_max):  # pragma: no cover - jitted
            none = (v != v) | blank
            ok = ((v >= 1.0) & (v <= scale_max) & (v == np.floor(v))) | none
            use = ok & (not none)
            x = np.uint32(v) if use else zero
            g = one if use else zero
            return np.uint32((((x - g) * w) << DEN_BITS) + g * w + (zero if ok else bad))
        return of_float

    def of_integer(v, w, blank, scale_max):  # pragma: no cover - jitted
        ok = ((v >= 1) & (v <= scale_max)) | blank
        use = ok & (not blank)
        x = np.uint32(v) if use else zero
        g = one if use else zero
        return np.uint32((((x - g) * w) << DEN_BITS) + g * w + (zero if ok else bad))
    return of_integer


@kernel()
def fit_packed_range(columns, masks, weights, scale_max, out, start,
                     stop):  # pragma: no cover - jitted
    """Fit % of leads start..stop of raw ``columns`` (a tuple of F 1-D arrays; ``masks`` as
    in :mod:`.raw_scoring`) into ``out``, whole-number ``weights`` that :func:`packs`;
    returns the number of NaN rows."""
    acc = np.empty(CHUNK, dtype=np.uint32)
    span = float(scale_max - 1)
    n_nan = 0
    for lo in range(start, stop, CHUNK):
        n = min(lo + CHUNK, stop) - lo
        acc[:n] = 0
        f = 0
        for column in literal_unroll(columns):
            seg = column[lo:lo + n]
            w = np.uint32(weights[f])
            if masks[f].shape[0]:
                mseg = masks[f][lo:lo + n]
                for k in range(n):
                    acc[k] += _term(seg[k], w, mseg[k], scale_max)
            else:
                for k in range(n):
                    acc[k] += _term(seg[k], w, False, scale_max)
            f += 1  # noqa: SIM113 - literal_unroll does not take enumerate()
        n_nan += _finish(acc, np.int64(1), span, out[lo:lo + n], n)
    return n_nan


# --------------------------------------------------------------------------------------------
# a row-major matrix
# --------------------------------------------------------------------------------------------
#: Rows per step of a row-major matrix: the terms (40 bytes a row) stay in L1.
ROWS = 512
#: The factor count the row-major kernel sums with a fixed pattern (leanxl's ten).
FACTORS = 10


@kernel(inline="always")
def rows_pack(values, masks, weights):  # pragma: no cover - jitted
    """Whether a row-major matrix takes :func:`fit_rows_packed_range`: ten factors, no NA
    masks, one whole-number weight for all (the default: all 1)."""
    same = values.shape[1] == FACTORS
    for f in range(weights.shape[0]):
        same &= weights[f] == weights[0]
    for f in range(len(masks)):
        same &= masks[f].shape[0] == 0
    return same


@kernel()
def fit_rows_packed_range(values, weights, scale_max, out, start,
                          stop):  # pragma: no cover - jitted
    """Fit % of rows start..stop of a row-major ``N x 10`` matrix into ``out``, one weight
    ``w`` for every factor (:func:`rows_pack`); returns the number of NaN rows.

    Each value's term is packed with weight 1, in memory order (one stream, vectorised); a
    row's ten terms, read as five uint64 pairs, add up to its unit sums (at most 10 and
    10 (S - 1): they always fit), and ``w`` multiplies them at the end:
    ``Σ w (x - 1) = w Σ (x - 1)`` exactly, so the same integers as the int8 kernels' and the
    same result bits, without moving codes into factor-major order."""
    terms = np.empty(ROWS * FACTORS, dtype=np.uint32)
    pairs = terms.view(np.uint64)
    acc = np.empty(ROWS, dtype=np.uint32)
    w = np.int64(weights[0])
    unit = np.uint32(1)
    span = float(scale_max - 1)
    n_nan = 0
    for lo in range(start, stop, ROWS):
        m = min(lo + ROWS, stop) - lo
        flat = values[lo:lo + m].reshape(-1)
        for j in range(m * FACTORS):
            terms[j] = _term(flat[j], unit, False, scale_max)
        for i in range(m):
            p = pairs[i * (FACTORS // 2):(i + 1) * (FACTORS // 2)]
            s = p[0] + p[1] + p[2] + p[3] + p[4]
            acc[i] = (s & np.uint64(0xFFFFFFFF)) + (s >> np.uint64(32))
        n_nan += _finish(acc, w, span, out[lo:lo + m], m)
    return n_nan
