"""Plain-Python references for the scoring formulas, written straight from SPEC.md.

Deliberately naive (lists, loops, None = blank) and independent of leanxl's code: tests
compare the kernels and the API against these.
"""

from __future__ import annotations

from collections.abc import Sequence

Row = Sequence[int | None]


def ref_fit(row: Row, weights: Sequence[float], scale_max: int) -> float | None:
    """FIT = 100 * (1 - Σ w_i (x_i - 1) / (Σ w_i * (S - 1))) over the given factors."""
    top = 0.0
    bottom = 0.0
    for x, w in zip(row, weights, strict=True):
        if x is None:
            continue
        top += w * (x - 1)
        bottom += w * (scale_max - 1)
    if bottom == 0:
        return None
    return 100 * (1 - top / bottom)


def ref_match(a: Row, b: Row, weights: Sequence[float], scale_max: int) -> float | None:
    """MATCH = 100 * (1 - Σ w_i |a_i - b_i| / (Σ w_i * (S - 1))) over factors given in both."""
    top = 0.0
    bottom = 0.0
    for x, y, w in zip(a, b, weights, strict=True):
        if x is None or y is None:
            continue
        top += w * abs(x - y)
        bottom += w * (scale_max - 1)
    if bottom == 0:
        return None
    return 100 * (1 - top / bottom)


def ref_best(lead: Row, profiles: Sequence[Row], weights: Sequence[float], scale_max: int
             ) -> int | None:
    """Index of the profile with the highest match; ties go to the first; None if none."""
    best: int | None = None
    best_score = -1.0
    for j, profile in enumerate(profiles):
        score = ref_match(lead, profile, weights, scale_max)
        if score is not None and score > best_score:
            best, best_score = j, score
    return best


def ref_segment(price: float, complexity: float, price_cut: float, complexity_cut: float) -> str:
    """SPEC: S1 low/low, S2 low price/high complexity, S3 high/low, S4 high/high; high = >= cut."""
    high_price = price >= price_cut
    high_complexity = complexity >= complexity_cut
    if not high_price and not high_complexity:
        return "S1"
    if not high_price and high_complexity:
        return "S2"
    if high_price and not high_complexity:
        return "S3"
    return "S4"


def ref_mix(sales: bool, marketing: bool, market: bool) -> str:
    """SPEC's mix regions, spelled out case by case."""
    if sales and marketing and market:
        return "Sweet spot"
    if sales and marketing:
        return "Ineffective strategy"
    if marketing and market:
        return "Uncaptured lead"
    if sales and market:
        return "Lead deficit"
    if market:
        return "Untapped market"
    if sales:
        return "Sales off target"
    if marketing:
        return "Marketing off target"
    return "Outside"
