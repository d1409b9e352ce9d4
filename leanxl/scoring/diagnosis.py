"""Why a kernel gave NaN: which :class:`~leanxl.errors.CellError` a row (or pair) gets.

The kernels only say *that* a lead has no value; these functions, run on the few NaN rows,
say why (a stored code out of range, or given factors that all weigh 0).  A row with no
factor given at all is no error: it shows as a blank cell (a spare row).
"""

from __future__ import annotations

import numpy as np

from leanxl.domain import FACTOR_KEYS
from leanxl.errors import DIV0, NUM, CellError
from leanxl.scoring.arguments import Errors


def row_error(codes: np.ndarray, weights: np.ndarray, scale_max: int) -> CellError | None:
    """Why a lead's fit is NaN: an out-of-range stored code or weight 0; None for a row with
    no factor given (a spare row: a blank cell, not an error)."""
    for f, code in enumerate(codes.tolist()):
        if code < 0 or code > scale_max:
            return CellError(NUM, f"{FACTOR_KEYS[f]} = {code} is outside 1..{scale_max}")
    given = codes > 0
    if not given.any():
        return None
    names = ", ".join(k for k, g in zip(FACTOR_KEYS, given.tolist(), strict=True) if g)
    return CellError(DIV0, f"the given factors ({names}) all have weight 0")


def pair_error(a: np.ndarray, b: np.ndarray) -> CellError:
    both = (a > 0) & (b > 0)
    if not both.any():
        return CellError(DIV0, "no factor is given in both rows")
    names = ", ".join(k for k, g in zip(FACTOR_KEYS, both.tolist(), strict=True) if g)
    return CellError(DIV0, f"the factors given in both ({names}) all have weight 0")


def out_of_range(codes: np.ndarray, scale_max: int) -> np.ndarray:
    """Indices of leads (columns) holding a stored code outside 0..S."""
    return np.flatnonzero(((codes < 0) | (codes > scale_max)).any(axis=0))


def error_for(errors: Errors, i: int, j: int | None = None) -> CellError | None:
    """The error of row ``i`` (or of cell ``(i, j)`` of a :func:`match` result), if any.

    :func:`match` reports a bad row ``i`` of ``a`` under key ``i``, a bad row ``j`` of ``b``
    under ``(None, j)`` and a pair with nothing to compare under ``(i, j)``.
    """
    if i in errors:
        return errors[i]
    if j is None:
        return None
    return errors.get((None, j)) or errors.get((i, j))
