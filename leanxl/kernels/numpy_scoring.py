"""The scoring kernels in vectorised numpy: the fallback where numba is missing (Pyodide,
xlwings Lite, LibreOffice's own Python) and the fast start for small calls.

Function by function the same contract as :mod:`leanxl.kernels.scoring` (same arguments,
same caller-provided outputs, same return counts) and the same result bits: every sum is
taken factor by factor in factor order, in the weights' dtype, and finished with the same
float64 operations, so a cell shows the same number whichever backend ran.  Small calls add
all factors in one broadcast; large ones loop over the ten factors, vectorised over targets
and leads, in blocks of leads so the scratch arrays stay small.  No loop runs over leads.
Imports numpy only.
"""

from __future__ import annotations

import numpy as np

#: Leads per block of a large call, against 8 targets (fewer targets: more leads).
BLOCK = 4096
#: Up to this many terms (targets x factors x leads) a call adds all factors in one
#: broadcast (few numpy calls); above it, factor by factor (less memory traffic).
SMALL_TERMS = 4096


def chunks() -> int:
    """numpy runs on one thread: a "parallel" call is one chunk."""
    return 1


def _finish(num: np.ndarray, den: np.ndarray, bad: np.ndarray, span: float,
            out: np.ndarray) -> int:
    # 100 (1 - num / (den span)) clamped at 0, as the numba kernels compute it; NaN where bad.
    bad = bad | (den == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = 100.0 * (1.0 - num.astype(np.float64) / (den.astype(np.float64) * span))
    np.maximum(score, 0.0, out=out)
    out[bad] = np.nan
    return int(np.count_nonzero(bad))


def _sums(x: np.ndarray, targets: np.ndarray,
          weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted distance and weight sums (P x n) of targets (P x F) against leads (F x n).

    The terms are added in factor order, as the numba loop adds them (``sum()`` may pair
    terms up and round floats differently; ``accumulate`` and ``+=`` are sequential).  A
    blank on either side adds an exact zero, where the numba kernel skips the factor.
    """
    p, (n_factors, n) = targets.shape[0], x.shape
    if p * n_factors * n <= SMALL_TERMS:  # all factors at once: P x F x n
        b = targets[:, :, None]
        g = np.minimum(x, 1)[None] * np.minimum(b, 1)  # 1 if given on both sides
        w = weights[None, :, None]
        num = np.add.accumulate((np.maximum(x, b) - np.minimum(x, b)) * g * w, axis=1)
        den = np.add.accumulate(g * w, axis=1)
        return num[:, -1], den[:, -1]
    num = np.zeros((p, n), dtype=weights.dtype)
    den = np.zeros((p, n), dtype=weights.dtype)
    for f in range(n_factors):
        xf = x[f][None, :]
        b = targets[:, f][:, None]
        g = np.minimum(xf, 1) * np.minimum(b, 1)
        num += (np.maximum(xf, b) - np.minimum(xf, b)) * g * weights[f]
        den += g * weights[f]
    return num, den


# --------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------
def fit_serial(codes: np.ndarray, weights: np.ndarray, scale_max: int, out: np.ndarray) -> int:
    """Fit % of each lead (column of ``codes``, uint8 F x N) into ``out``; returns the number
    of NaN rows (see :func:`leanxl.kernels.scoring.fit_serial`)."""
    # fit is a match against the target "all 1": w |x - 1| = w (x - 1) for a given x.
    return match_serial(codes, np.ones((1, codes.shape[0]), np.uint8), weights, scale_max,
                        out[None, :])


def fit_parallel(codes: np.ndarray, weights: np.ndarray, scale_max: int, out: np.ndarray,
                 n_chunks: int) -> int:
    """:func:`fit_serial` (numpy has no threads of its own here)."""
    return fit_serial(codes, weights, scale_max, out)


# --------------------------------------------------------------------------------------------
# match and best profile
# --------------------------------------------------------------------------------------------
def _step(p: int) -> int:
    # Leads per block against p targets: P x step scratch arrays stay about 8 x BLOCK.
    return max(1, BLOCK * 8 // max(p, 1))


def match_serial(codes: np.ndarray, targets: np.ndarray, weights: np.ndarray, scale_max: int,
                 out: np.ndarray) -> int:
    """Match % of every lead (column of ``codes``) against every target (row of ``targets``)
    into ``out`` (P x N); returns the number of NaN cells
    (see :func:`leanxl.kernels.scoring.match_serial`)."""
    n_nan = 0
    step = _step(targets.shape[0])
    for lo in range(0, codes.shape[1], step):
        x = codes[:, lo:lo + step]
        num, den = _sums(x, targets, weights)
        bad = np.broadcast_to(x.max(axis=0, initial=0) > scale_max, num.shape)
        n_nan += _finish(num, den, bad, float(scale_max - 1), out[:, lo:lo + x.shape[1]])
    return n_nan


def match_parallel(codes: np.ndarray, targets: np.ndarray, weights: np.ndarray, scale_max: int,
                   out: np.ndarray, n_chunks: int) -> int:
    """:func:`match_serial` (numpy has no threads of its own here)."""
    return match_serial(codes, targets, weights, scale_max, out)


def best_serial(codes: np.ndarray, targets: np.ndarray, weights: np.ndarray, scale_max: int,
                best: np.ndarray, score: np.ndarray) -> int:
    """Index of each lead's best target, -1 if none, and that match % (NaN if none); returns
    the count of -1 rows (see :func:`leanxl.kernels.scoring.best_serial`)."""
    n_none = 0
    p = targets.shape[0]
    step = _step(p)
    for lo in range(0, codes.shape[1], step):
        x = codes[:, lo:lo + step]
        m = x.shape[1]
        scores = np.empty((p, m))
        match_serial(x, targets, weights, scale_max, scores)
        scores[np.isnan(scores)] = -1.0  # scores are >= 0: an invalid pair never wins
        if p:
            index = scores.argmax(axis=0)  # the first of equal maxima: ties keep the first
            top = scores[index, np.arange(m)]
        else:
            index = np.full(m, -1, dtype=np.int64)
            top = np.full(m, -1.0)
        none = top < 0
        best[lo:lo + m] = np.where(none, -1, index)
        score[lo:lo + m] = np.where(none, np.nan, top)
        n_none += int(np.count_nonzero(none))
    return n_none


def best_parallel(codes: np.ndarray, targets: np.ndarray, weights: np.ndarray, scale_max: int,
                  best: np.ndarray, score: np.ndarray, n_chunks: int) -> int:
    """:func:`best_serial` (numpy has no threads of its own here)."""
    return best_serial(codes, targets, weights, scale_max, best, score)


# --------------------------------------------------------------------------------------------
# fit on raw input (see :func:`leanxl.kernels.scoring.fit_columns_serial`)
# --------------------------------------------------------------------------------------------
BAD = 255


def _encode_column(values: np.ndarray, mask: np.ndarray, scale_max: int,
                   dest: np.ndarray) -> None:
    # 0 blank (NaN or masked), 1..S, BAD for anything else: as the numba kernel encodes.
    ok = (values >= 1) & (values <= scale_max)
    code = np.where(ok, values, 0).astype(np.uint8)
    bad = ~ok if values.dtype.kind != "f" else ~ok & ~np.isnan(values)
    bad |= ok & (code != values)
    code[bad] = BAD
    if mask.shape[0]:
        code[mask] = 0
    dest[:] = code


def _encode_columns(columns: tuple[np.ndarray, ...] | np.ndarray, masks: tuple[np.ndarray, ...],
                    scale_max: int, lo: int, hi: int) -> np.ndarray:
    """Codes (uint8 F x (hi - lo)) of leads lo..hi of raw columns or a row-major matrix."""
    if isinstance(columns, np.ndarray):  # a row-major N x F matrix
        columns = tuple(columns.T)
    codes = np.empty((len(columns), hi - lo), dtype=np.uint8)
    for f, (column, mask) in enumerate(zip(columns, masks, strict=True)):
        _encode_column(column[lo:hi], mask[lo:hi], scale_max, codes[f])
    return codes


def _steps(n: int) -> list[tuple[int, int]]:
    step = BLOCK * 8
    return [(lo, min(lo + step, n)) for lo in range(0, n, step)]


def fit_columns_serial(columns: tuple[np.ndarray, ...] | np.ndarray, masks: tuple[np.ndarray, ...],
                       weights: np.ndarray, scale_max: int, out: np.ndarray) -> int:
    """Fit % of each lead from raw factor columns into ``out``; returns the number of NaN
    rows (see :func:`leanxl.kernels.raw_scoring.fit_columns_serial`)."""
    return sum(fit_serial(_encode_columns(columns, masks, scale_max, lo, hi), weights,
                          scale_max, out[lo:hi]) for lo, hi in _steps(out.shape[0]))


def fit_columns_parallel(columns: tuple[np.ndarray, ...] | np.ndarray,
                         masks: tuple[np.ndarray, ...],
                         weights: np.ndarray, scale_max: int, out: np.ndarray,
                         n_chunks: int) -> int:
    """:func:`fit_columns_serial` (numpy has no threads of its own here)."""
    return fit_columns_serial(columns, masks, weights, scale_max, out)


def match_columns_serial(columns: tuple[np.ndarray, ...] | np.ndarray,
                         masks: tuple[np.ndarray, ...], targets: np.ndarray,
                         weights: np.ndarray, scale_max: int, out: np.ndarray) -> int:
    """Match % of raw leads against targets into ``out`` (P x N); returns the number of NaN
    cells (see :func:`leanxl.kernels.raw_scoring.match_columns_serial`)."""
    return sum(match_serial(_encode_columns(columns, masks, scale_max, lo, hi), targets,
                            weights, scale_max, out[:, lo:hi])
               for lo, hi in _steps(out.shape[1]))


def match_columns_parallel(columns: tuple[np.ndarray, ...] | np.ndarray,
                           masks: tuple[np.ndarray, ...], targets: np.ndarray,
                           weights: np.ndarray, scale_max: int, out: np.ndarray,
                           n_chunks: int) -> int:
    """:func:`match_columns_serial` (numpy has no threads of its own here)."""
    return match_columns_serial(columns, masks, targets, weights, scale_max, out)


def best_columns_serial(columns: tuple[np.ndarray, ...] | np.ndarray,
                        masks: tuple[np.ndarray, ...], targets: np.ndarray,
                        weights: np.ndarray, scale_max: int, best: np.ndarray,
                        score: np.ndarray) -> int:
    """Best target of each raw lead and its match % (see
    :func:`leanxl.kernels.raw_scoring.best_columns_serial`)."""
    return sum(best_serial(_encode_columns(columns, masks, scale_max, lo, hi), targets,
                           weights, scale_max, best[lo:hi], score[lo:hi])
               for lo, hi in _steps(best.shape[0]))


def best_columns_parallel(columns: tuple[np.ndarray, ...] | np.ndarray,
                          masks: tuple[np.ndarray, ...], targets: np.ndarray,
                          weights: np.ndarray, scale_max: int, best: np.ndarray,
                          score: np.ndarray, n_chunks: int) -> int:
    """:func:`best_columns_serial` (numpy has no threads of its own here)."""
    return best_columns_serial(columns, masks, targets, weights, scale_max, best, score)


# --------------------------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------------------------
def encode_scores(values: np.ndarray, scale_max: int, out: np.ndarray) -> int:
    """Scores (F x N, int64 or float64; NaN = blank) into int8 codes in ``out``: 0 blank,
    1..S, -1 bad; returns the number of -1s (see :func:`leanxl.kernels.scoring.encode_scores`)."""
    blank = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
    ok = (values >= 1) & (values <= scale_max) & (values == np.floor(values))
    # Only checked values are cast: NaN or 1e300 never reach the int8 cast.
    out[...] = np.where(ok, values, np.where(blank, 0, -1)).astype(np.int8)
    return int(values.size - np.count_nonzero(ok) - np.count_nonzero(blank))


# --------------------------------------------------------------------------------------------
# segment and mix
# --------------------------------------------------------------------------------------------
def segment_codes(price: np.ndarray, complexity: np.ndarray, price_cut: float,
                  complexity_cut: float, out: np.ndarray) -> int:
    """Segment code per row (0..3 = S1..S4, -1 when either is NaN) into ``out``; returns the
    number of -1 rows (see :func:`leanxl.kernels.scoring.segment_codes`)."""
    # The cuts as float64 numpy scalars: compared in float64 like the numba kernel (a plain
    # Python float would be cast to a float32 column's dtype under numpy 2's promotion).
    high_price = price >= np.float64(price_cut)
    high_complexity = complexity >= np.float64(complexity_cut)
    bad = np.isnan(price) | np.isnan(complexity)
    out[:] = np.where(bad, -1, 2 * high_price.astype(np.int8) + high_complexity)
    return int(np.count_nonzero(bad))


def mix_codes(in_sales_plan: np.ndarray, reached_by_marketing: np.ndarray,
              in_target_market: np.ndarray, out: np.ndarray) -> int:
    """Mix region code ``4*sales + 2*marketing + market`` per row into ``out``, -1 when any
    flag is < 0; returns the count of -1 rows (see :func:`leanxl.kernels.scoring.mix_codes`)."""
    bad = (in_sales_plan < 0) | (reached_by_marketing < 0) | (in_target_market < 0)
    code = 4 * in_sales_plan.astype(np.int8) + 2 * reached_by_marketing + in_target_market
    out[:] = np.where(bad, -1, code)
    return int(np.count_nonzero(bad))
