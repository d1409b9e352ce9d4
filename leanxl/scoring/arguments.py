"""The scoring API's arguments: scale_max, weights, and what shape a value has.

A malformed argument raises :class:`~leanxl.errors.ArgumentError` naming it and what to fix;
bad *values* in factor rows are the business of :mod:`leanxl.scoring.inputs`.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from leanxl.domain import FACTOR_KEYS, normalize_name
from leanxl.errors import ArgumentError, CellError
from leanxl.values import is_blank

N_FACTORS = len(FACTOR_KEYS)


#: int8 storage caps the scale (and keeps ``|a - b|`` exact in small integers).
MAX_SCALE = 127


Errors = dict[Any, CellError]


# Default weights, shared (never written to): all 1.
UNIT_WEIGHTS = np.ones(N_FACTORS)


def is_frame(value: object) -> bool:
    """Whether ``value`` is a pandas DataFrame.

    pandas is not imported here (it costs ~0.2 s of start-up): if the caller has not imported
    it, the value cannot be a pandas object.
    """
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.DataFrame)


def is_series(value: object) -> bool:
    """Whether ``value`` is a pandas Series or Index (without importing pandas)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.Series | pd.Index)


def is_row(value: object) -> bool:
    """Whether ``value`` is a row of cells (a list, tuple or array, not text)."""
    if type(value) in (list, tuple):  # the usual case, without the ABC check
        return True
    return isinstance(value, Sequence | np.ndarray) and not isinstance(value, str | bytes)


def python_value(value: Any) -> Any:
    """A numpy scalar as the Python value it holds; anything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def check_scale(scale_max: object) -> int:
    """Check ``scale_max``: a whole number 2..127 (Excel passes 5.0, which is fine)."""
    if isinstance(scale_max, bool) or not isinstance(scale_max, numbers.Real):
        raise ArgumentError(
            f"scale_max must be a whole number, got {scale_max!r}",
            where="scale_max", suggestion="use 5 for the usual 1..5 scale",
        )
    value = float(scale_max)
    if not value.is_integer() or not 2 <= value <= MAX_SCALE:
        raise ArgumentError(
            f"scale_max must be a whole number from 2 to {MAX_SCALE}, got {scale_max!r}",
            where="scale_max", suggestion="use 5 for the usual 1..5 scale",
        )
    return int(value)


def check_weights(weights: object) -> np.ndarray:
    """Weights as float64 (10,): None -> all 1; a sequence of 10; or a dict key -> weight.

    In a dict, keys are matched like column names and missing factors keep weight 1.  In a
    sequence, an empty cell (None / "") also means the default weight 1; NaN is an error.
    """
    if weights is None:
        return UNIT_WEIGHTS
    if isinstance(weights, Mapping):
        result = np.ones(N_FACTORS)
        index = {normalize_name(k): i for i, k in enumerate(FACTOR_KEYS)}
        for key, value in weights.items():
            i = index.get(normalize_name(key))
            if i is None:
                raise ArgumentError(
                    f"unknown factor {key!r} in weights", where="weights",
                    suggestion=f"use the factor keys: {', '.join(FACTOR_KEYS)}",
                )
            result[i] = _weight_value(value, FACTOR_KEYS[i])
        return result
    shaped = isinstance(weights, np.ndarray | Sequence) or is_series(weights)
    if isinstance(weights, str | bytes) or not shaped:
        raise ArgumentError(
            f"weights must be 10 numbers or a dict factor -> weight, got {type(weights).__name__}",
            where="weights",
        )
    try:
        cells = np.asarray(weights, dtype=object).ravel()
    except ValueError as exc:  # ragged nested lists
        raise ArgumentError(f"weights must be a row or column of 10 numbers: {exc}",
                            where="weights") from None
    if cells.size != N_FACTORS:
        raise ArgumentError(
            f"weights must have one value per factor (10), got {cells.size}",
            where="weights", suggestion="give a row or column of 10 weights, in factor order",
        )
    pairs = zip(cells, FACTOR_KEYS, strict=True)
    # A blank weight cell keeps the default 1; NaN is not blank here (it is a bad number).
    return np.array([1.0 if _is_empty_cell(v) else _weight_value(v, k) for v, k in pairs])


def _weight_value(value: object, key: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ArgumentError(f"weight of {key} must be a number, got {value!r}", where="weights")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ArgumentError(
            f"weight of {key} must be a finite number >= 0, got {value!r}", where="weights",
        )
    return number


def _is_empty_cell(value: object) -> bool:
    """A blank weight cell (None, "", spaces) keeps the default; NaN is a bad number here."""
    return (value is None or isinstance(value, str)) and is_blank(value)
