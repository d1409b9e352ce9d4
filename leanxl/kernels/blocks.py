"""Block pieces shared by the scoring kernels on int8 codes and on raw input.

A block is up to :data:`BLOCK` leads of a factor-major uint8 code matrix (``codes[f, lo:lo+n]``;
0 blank, 1..S a score, anything above S invalid); its scratch sums stay in L1 while the loops
over factors and targets run, and the loop over the block's leads is what the compiler
vectorises.
"""

from __future__ import annotations

import numpy as np

from leanxl.kernels._jit import kernel

#: Leads processed per inner block.
BLOCK = 1024


@kernel(inline="always")
def percent(num, den, span):  # pragma: no cover - jitted
    """``100 (1 - num / (den span))`` clamped at 0: in exact arithmetic the weighted distance
    never exceeds its maximum, but fractional weights can round an ulp below 0."""
    return max(0.0, 100.0 * (1.0 - np.float64(num) / (np.float64(den) * span)))


@kernel()
def block_top(codes, lo, n, top):  # pragma: no cover - jitted
    """Largest code of each lead in the block into ``top``: > S means the lead is invalid."""
    for k in range(BLOCK):
        top[k] = 0
    for f in range(codes.shape[0]):
        seg = codes[f, lo:lo + n]
        for k in range(n):
            top[k] = max(top[k], seg[k])


@kernel()
def match_block(codes, target, weights, lo, n, num, den):  # pragma: no cover - jitted
    """Sums of one target (length F) against leads lo..lo+n into ``num`` / ``den``; a blank
    on either side drops the factor from both sums."""
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
def match_scores(codes, c0, n, targets, weights, scale_max, dest, num, den,
                 top):  # pragma: no cover - jitted
    """Match % of leads ``codes[:, c0:c0 + n]`` against every target into ``dest`` (P x n);
    returns the number of NaN cells.  ``num``, ``den``, ``top``: BLOCK-long scratch."""
    span = float(scale_max - 1)
    limit = np.uint8(scale_max)
    n_nan = 0
    block_top(codes, c0, n, top)
    for p in range(targets.shape[0]):
        match_block(codes, targets[p], weights, c0, n, num, den)
        row = dest[p]
        for k in range(n):
            d = den[k]
            if top[k] > limit or d == 0:
                row[k] = np.nan
                n_nan += 1
            else:
                row[k] = percent(num[k], d, span)
    return n_nan


@kernel()
def best_scores(codes, c0, n, targets, weights, scale_max, best, score, num, den,
                top):  # pragma: no cover - jitted
    """Best target (index, -1 if none) and its match % of leads ``codes[:, c0:c0 + n]`` into
    ``best`` / ``score`` (length n); returns the number of -1s.  Ties keep the first."""
    span = float(scale_max - 1)
    limit = np.uint8(scale_max)
    block_top(codes, c0, n, top)
    for k in range(n):
        best[k] = -1
        score[k] = -1.0
    for p in range(targets.shape[0]):
        match_block(codes, targets[p], weights, c0, n, num, den)
        for k in range(n):
            d = den[k]
            if top[k] <= limit and d > 0:
                s = percent(num[k], d, span)
                if s > score[k]:  # strictly greater: ties keep the first (scores are >= 0)
                    best[k] = p
                    score[k] = s
    n_none = 0
    for k in range(n):
        if best[k] < 0:
            score[k] = np.nan
            n_none += 1
    return n_none


@kernel()
def fit_range(codes, weights, scale_max, out, start, stop):  # pragma: no cover - jitted
    """Fit % of leads ``codes[:, start:stop]`` into ``out[start:stop]``; returns the number
    of NaN rows."""
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
                dest[k] = percent(num[k], d, span)
    return n_nan
