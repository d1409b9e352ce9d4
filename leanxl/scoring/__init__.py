"""The scoring API: fit %, match %, best profile, segment and mix on arrays, frames and cells.

Every function takes many rows (one lead per row) or one row, and returns one value per row.
A bad *value* never raises: that row gets NaN (numbers) or None (labels), and, with
``return_errors=True``, a :class:`~leanxl.errors.CellError` saying why.  A malformed
*argument* (wrong shape, missing column, bad weights or scale) raises
:class:`~leanxl.errors.ArgumentError`.

Inputs for factor scores (``factors``, ``a``, ``b``, ``leads``, ``profiles``):

* a numpy array, ``N x 10`` or one row of 10.  Floats: NaN = blank.  Other integer dtypes hold
  scores (so 0 is out of range).  ``int8`` data (arrays, or int8 frame columns) is taken as
  leanxl's own storage (what :func:`factor_matrix` returns): ``0`` = blank, ``1..S`` = score.
* a pandas DataFrame: the ten factor columns are found by key, ignoring case, spaces, ``_``
  and ``-`` (``"Buyer maturity"`` finds ``buyer_maturity``); other columns are ignored.
  Missing values (NaN, ``pd.NA``) and empty text are blank.
* a list of rows of raw cell values (what a spreadsheet range gives): ``None``, ``""``, only
  spaces or NaN = blank (:func:`leanxl.values.is_blank`); integers and integral floats =
  scores; anything else is an error for that row.

Error values (the row's value is NaN / None):

=========  =================================================================================
``#VALUE!``  a factor is text, a boolean or not a whole number (``2.5``); a segment price or
             complexity is blank or text; a mix flag is not a yes/no value
``#NUM!``    a factor is a whole number outside ``1..S``
``#DIV/0!``  nothing to divide by: the given factors all have weight 0 (for match: no factor
             is given in both rows, or those given in both all have weight 0)
=========  =================================================================================

A row with no factor given at all (blank cells only: a spare row at the end of a range) is not
an error: its value is NaN / None and it has no entry in the errors (a cell shows it blank).

Results are numpy arrays even when the input was a DataFrame (``float64`` for numbers,
``object`` holding ``str`` / ``None`` for labels).
"""

from __future__ import annotations

from leanxl.kernels.parallel import PARALLEL_MIN_ROWS, PARALLEL_MIN_WORK
from leanxl.scoring.diagnosis import error_for
from leanxl.scoring.factors import best_match, best_profile, fit, match
from leanxl.scoring.inputs import factor_matrix
from leanxl.scoring.labels import mix, segment

__all__ = [
    "PARALLEL_MIN_ROWS",
    "PARALLEL_MIN_WORK",
    "best_match",
    "best_profile",
    "error_for",
    "factor_matrix",
    "fit",
    "match",
    "mix",
    "segment",
]
