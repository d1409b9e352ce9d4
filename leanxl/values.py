"""What a raw cell value means, the same for every path (cells, arrays, frames, sheets, rules).

This is the one definition of a *blank* cell: empty, ``""``, or only spaces; NaN/NA in arrays
and frames.  Scoring, the registry, decision tables and the sheet writers all ask
:func:`is_blank`; none keeps its own copy.
"""

from __future__ import annotations

import math
import sys


def is_blank(value: object) -> bool:
    """True for a cell that holds nothing: ``None``, ``""``, only spaces, NaN, ``pd.NA``/``NaT``.

    >>> [is_blank(v) for v in (None, "", "   ", float("nan"), 0, "x", False)]
    [True, True, True, True, False, False, False]
    """
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float):  # includes numpy.float64
        return math.isnan(value)
    pd = sys.modules.get("pandas")  # never import pandas for this (start-up cost)
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return True
    np = sys.modules.get("numpy")
    return np is not None and isinstance(value, np.floating) and bool(np.isnan(value))
