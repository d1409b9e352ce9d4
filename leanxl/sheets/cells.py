"""Small cell-level helpers the sheet modules share: user text, numbers, factor rows, wins."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leanxl.domain import FACTOR_KEYS, FACTORS
from leanxl.values import is_blank

N = len(FACTOR_KEYS)
FACTOR_LABELS = [f.label for f in FACTORS]


def write_text(cell: Any, value: Any) -> None:
    """Write user text as text: a leading ``=`` never becomes a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def number(value: Any) -> float | None:
    """``value`` as a float, or None when it is not a number (or NaN)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if out != out else out


def factor_rows(frame: pd.DataFrame) -> np.ndarray:
    """The ten factor columns of a frame as an N x 10 float array (NaN = not given)."""
    return np.column_stack([pd.to_numeric(frame[k], errors="coerce").to_numpy(float)
                            for k in FACTOR_KEYS]) if len(frame) else np.empty((0, N))


def cell_value(value: Any, errors: dict[int, Any], i: int) -> Any:
    """What row ``i``'s cell shows: its error value, else the value (None when blank)."""
    if i in errors:
        return errors[i]
    return None if is_blank(value) else value


def is_won(frame: pd.DataFrame) -> pd.Series:
    """Leads whose stage is ``Won`` (any case and spacing)."""
    return stage_is(frame, "won")


def stage_is(frame: pd.DataFrame, word: str) -> pd.Series:
    """Leads whose stage is ``word`` (lower case) in any case and spacing; each distinct
    stage is folded once (a million leads hold a handful of stages)."""
    codes, uniques = pd.factorize(frame["stage"], use_na_sentinel=True)
    folded = pd.Series(uniques, dtype=object).astype("string").str.strip().str.casefold()
    hit = np.append(folded.eq(word).fillna(False).to_numpy(bool), False)  # NA: no
    return pd.Series(hit[codes], index=frame.index)
