"""What a raw cell value means, the same for every path (cells, arrays, frames, sheets, rules).

This is the one definition of a *blank* cell: empty, ``""``, or only spaces; NaN/NA in arrays
and frames.  Scoring, the registry, decision tables and the sheet writers all ask
:func:`is_blank`; none keeps its own copy.
"""

from __future__ import annotations

import math
import sys

#: Words a yes/no cell may hold (trimmed, any case), the same for cell functions (LEANXL_MIX)
#: and CRM columns read by refresh: English, the "x" of a ticked box, and the German/Swedish
#: words Excel shows for TRUE/FALSE in those locales.  Blank is not in either set: a cell
#: function treats a blank flag as an error, a CRM column as "no" (each caller decides).
TRUE_WORDS = frozenset({"true", "yes", "y", "x", "1", "ja", "wahr", "sant"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "nein", "nej", "falsch", "falskt", "-"})


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


def flag_word(text: str) -> bool | None:
    """A yes/no word as True/False, or None when it is neither (see :data:`TRUE_WORDS`).

    >>> flag_word(" Yes "), flag_word("x"), flag_word("nein"), flag_word("maybe")
    (True, True, False, None)
    """
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
