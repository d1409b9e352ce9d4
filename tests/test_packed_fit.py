"""fit's packed-sum kernels (leanxl/kernels/packed_fit.py) give the int8 path's result bits.

Large raw inputs (more than two chunks of leads, split over threads) with blanks, bad values,
all-blank rows and weight-0 rows, for each input kind users pass and each kind of weights
(the default, whole numbers that pack, one weight for all, too large to pack, fractional):
``leanxl.fit`` must give, byte for byte, what the exact encoder (``factor_codes``) and then the
int8 kernel give, and the same error for every bad row.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

import leanxl
from leanxl.domain import FACTOR_KEYS
from leanxl.kernels import scoring as kernels
from leanxl.kernels.packed_fit import CHUNK, ROWS, packs, rows_pack
from leanxl.scoring.arguments import check_weights
from leanxl.scoring.diagnosis import row_error
from leanxl.scoring.dispatch import kernel_weights
from leanxl.scoring.inputs import factor_codes

F = 10
N = 2 * CHUNK + 4099  # past two chunks, an odd tail
KINDS = ["float64_rows", "float64_columns", "float32_rows", "int64_rows", "int32_columns",
         "frame_int64", "frame_float64", "frame_mixed", "frame_nullable"]
WEIGHTS = {
    "default": None,
    "one_for_all": [3] * F,  # a row-major matrix packs too
    "whole": [1, 2, 0, 1, 1, 4, 1, 1, 2, 1],  # columns pack; a row-major matrix: the scratch
    "too_large": [400] * F,  # beyond the packed fields: columns take the scratch (a
    # row-major matrix packs: its one weight multiplies the unit sums at the end)
    "too_large_mixed": [400] * 9 + [300],  # the scratch for every kind
    "fractional": [0.5, 2, 1, 1, 3, 1, 0, 1, 1, 1],  # float64 sums: the scratch
}


def _values(integer: bool) -> np.ndarray:
    """Scores 1..5 with blanks (NaN), bad values and spare rows, as float64 N x F."""
    rng = np.random.default_rng(12)
    values = rng.integers(1, 6, size=(N, F)).astype(np.float64)
    values[rng.random((N, F)) < 0.05] = np.nan
    bad = rng.random((N, F)) < 0.002
    values[bad] = rng.choice([0.0, 6.0, 100.0, -2.0, 2.5, 1e300, np.inf], size=bad.sum())
    values[rng.random(N) < 0.01] = np.nan  # spare rows: every factor blank
    values[[0, N - 1]] = [[1] * F, [5] * F]
    if integer:  # integer storage has no blank (3 stands for one) and no fraction (0 does)
        values = np.where(np.isnan(values), 3, values)
        values = np.where(np.isfinite(values) & (values == np.floor(values)), values, 0)
        values = np.clip(values, -2, 1000)
    return values


@cache
def _build(kind: str) -> Any:
    values = _values(integer=kind in ("int64_rows", "int32_columns", "frame_int64"))
    if kind == "float64_rows":
        return values
    if kind == "float64_columns":
        return np.asfortranarray(values)
    if kind == "float32_rows":
        return np.clip(values, -1e6, 1e6).astype(np.float32)
    if kind == "int64_rows":
        return values.astype(np.int64)
    if kind == "int32_columns":
        return np.asfortranarray(values.astype(np.int32))
    frame = pd.DataFrame(values, columns=list(FACTOR_KEYS))
    if kind == "frame_int64":
        return frame.astype(np.int64)
    if kind == "frame_float64":
        return frame
    if kind == "frame_mixed":  # even factors int64 (no blanks), odd ones float64
        even = list(FACTOR_KEYS[::2])
        frame[even] = frame[even].fillna(1).clip(-1000, 1000)
        return frame.astype({k: np.int64 for k in even})
    assert kind == "frame_nullable"
    blank = frame.isna().to_numpy()
    whole = frame.fillna(1).clip(-1000, 1000).to_numpy()
    whole = np.where(whole == np.floor(whole), whole, 0).astype(np.int64)
    return pd.DataFrame({k: pd.arrays.IntegerArray(whole[:, f], blank[:, f].copy())
                         for f, k in enumerate(FACTOR_KEYS)})


@cache
def _encoded(kind: str) -> tuple[np.ndarray, dict[int, Any]]:
    return factor_codes(_build(kind), 5, where="factors", storage_int8=True)


def _int8_path(kind: str, weights: Any) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """What the int8 path gives: the exact encoder, then the int8 kernel, then the diagnosis."""
    w = check_weights(weights)
    codes, found = _encoded(kind)
    out = np.empty(codes.shape[1])
    kernels.fit_serial(codes.view(np.uint8), kernel_weights(w, 5), 5, out)
    errors = {}
    for i in np.flatnonzero(np.isnan(out)).tolist():
        error = found.get(i) or row_error(codes[:, i], w, 5)
        if error is not None:
            errors[i] = (error.code, error.reason)
    return out, errors


@pytest.mark.parametrize("weights", list(WEIGHTS))
@pytest.mark.parametrize("kind", KINDS)
def test_fit_on_raw_input_gives_the_int8_paths_bits_and_errors(
    kind: str, weights: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEANXL_KERNELS", "numba")
    data = _build(kind)
    expected, expected_errors = _int8_path(kind, WEIGHTS[weights])
    out, errors = leanxl.fit(data, WEIGHTS[weights], return_errors=True)
    assert out.tobytes() == expected.tobytes()  # every bit, NaN positions included
    assert {i: (e.code, e.reason) for i, e in errors.items()} == expected_errors
    assert len(errors) > 100 and np.isnan(out).sum() >= len(errors)


def test_which_weights_pack() -> None:
    # The cases above reach the packed kernels where they should (else they test nothing new).
    kw = {name: kernel_weights(check_weights(w), 5) for name, w in WEIGHTS.items()}
    assert [packs(kw[name], 5) for name in WEIGHTS if name != "fractional"] \
        == [True, True, True, False, False]
    assert kw["fractional"].dtype == np.float64
    no_masks = (np.empty(0, dtype=bool),) * F
    rows = np.ones((ROWS + 3, F))
    assert [rows_pack(rows, no_masks, kw[name]) for name in WEIGHTS if name != "fractional"] \
        == [True, True, False, True, False]
