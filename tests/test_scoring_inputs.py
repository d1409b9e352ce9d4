"""fit on the inputs users pass (issue 12): numeric arrays in either layout and frames read
in place by the one-pass kernels give the values of the reference and, for bad values, the
errors the cell-by-cell path gives (the reasons users saw before), on both backends."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leanxl
import leanxl.scoring
from leanxl.domain import FACTOR_KEYS
from leanxl.scoring.raw import raw_columns
from tests.scoring_reference import ref_fit

F = 10
KINDS = ["float_c", "float_f", "float_strided", "float32", "int64_c", "int32_f", "uint16",
         "frame_int", "frame_float", "frame_mixed", "frame_nullable"]
INT_KINDS = {"int64_c", "int32_f", "uint16", "frame_int", "frame_nullable"}


def _cell(scale: int, integer: bool, blanks: bool) -> st.SearchStrategy[Any]:
    good = st.integers(1, scale)
    bad = st.sampled_from([0, scale + 1, 100, 300] + ([] if integer else [-2.0, 2.5, 1e300]))
    blank = st.none()
    return st.one_of(good, good, good, blank, bad) if blanks else st.one_of(good, good, bad)


def _build(kind: str, rows: list[list[Any]]) -> Any:
    """The cells (None = blank) as the input kind under test."""
    as_float = np.array([[np.nan if v is None else v for v in r] for r in rows],
                        dtype=np.float64).reshape(len(rows), F)
    if kind == "float_c":
        return as_float
    if kind == "float_strided":
        return np.repeat(as_float, 2, axis=0)[::2]
    if kind == "float_f":
        return np.asfortranarray(as_float)
    if kind == "float32":
        return np.clip(as_float, -1e6, 1e6).astype(np.float32)
    if kind == "int64_c":
        return as_float.astype(np.int64)
    if kind == "int32_f":
        return np.asfortranarray(as_float.astype(np.int32))
    if kind == "uint16":
        return as_float.astype(np.uint16)
    frame = pd.DataFrame(as_float, columns=list(FACTOR_KEYS))
    if kind == "frame_int":
        return frame.astype(np.int64)
    if kind == "frame_float":
        return frame
    if kind == "frame_mixed":  # even factors int64, odd ones float64 with blanks
        even = list(FACTOR_KEYS[::2])
        frame[even] = frame[even].fillna(1).clip(-1000, 1000)
        return frame.astype({k: np.int64 for k in even})
    assert kind == "frame_nullable"
    return pd.DataFrame({k: pd.array([None if v is None else int(v) for v in col], dtype="Int64")
                         for k, col in zip(FACTOR_KEYS, zip(*rows, strict=True), strict=True)}
                        if rows else {k: pd.array([], dtype="Int64") for k in FACTOR_KEYS})


def _cells(kind: str, data: Any) -> list[list[Any]]:
    """What the input holds, as the Python cells of a spreadsheet range (blank = None)."""
    values = data.to_numpy(dtype=object) if isinstance(data, pd.DataFrame) else data
    cells = []
    for row in values:
        out = []
        for v in row:
            v = v.item() if isinstance(v, np.generic) else v
            out.append(None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v)
        cells.append(out)
    return cells


def _problem() -> st.SearchStrategy[tuple[str, int, list[list[Any]]]]:
    def rows(kind: str, scale: int) -> st.SearchStrategy[list[list[Any]]]:
        # Integer arrays hold no blank; a nullable column's NA is one.
        blanks = kind not in INT_KINDS or kind == "frame_nullable"
        row = st.lists(_cell(scale, kind in INT_KINDS, blanks), min_size=F, max_size=F)
        return st.lists(row, min_size=0, max_size=40)

    return st.tuples(st.sampled_from(KINDS), st.integers(2, 9)).flatmap(
        lambda ks: st.tuples(st.just(ks[0]), st.just(ks[1]), rows(*ks)))


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=_problem(), weighted=st.booleans())
def test_fit_on_each_input_kind_matches_reference_and_cell_errors(
    backend: str, problem: tuple[str, int, list[list[Any]]], weighted: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEANXL_KERNELS", backend)
    kind, scale, rows = problem
    data = _build(kind, rows)
    if len(rows) and kind in ("float_c", "float32", "int64_c", "uint16", "frame_nullable"):
        assert raw_columns(data, list(FACTOR_KEYS) if kind.startswith("frame") else None)
    weights = [0.5, 2, 1, 1, 3, 1, 0, 1, 1, 1] if weighted else None
    out, errors = leanxl.fit(data, weights, scale, return_errors=True)
    cells = _cells(kind, data)
    # The cell-by-cell path: the reasons a spreadsheet range (and every input before) gets.
    expected, expected_errors = leanxl.fit(cells, weights, scale, return_errors=True)
    assert errors == expected_errors
    assert out.tobytes() == np.asarray(expected, dtype=np.float64).reshape(-1).tobytes() \
        if cells else out.shape == (0,)
    w = weights or [1] * F
    for i, row in enumerate(cells):
        if i in errors:
            assert math.isnan(out[i])
            continue
        ref = ref_fit(row, w, scale)
        assert (math.isnan(out[i]) if ref is None else out[i] == pytest.approx(ref, abs=1e-9))


@pytest.mark.parametrize("kind", KINDS)
def test_bad_values_name_the_same_cell_in_every_layout(kind: str) -> None:
    rows = [[1] * F for _ in range(2000)]  # above numpy's small-call size
    rows[3][2] = 9  # out of range
    rows[1500][0] = 0
    rows[1999][9] = 7
    if kind not in INT_KINDS:
        rows[7][5] = 2.5  # not a whole number
        rows[8] = [None] * F  # a spare row: blank, no error
    data = _build(kind, rows)
    out, errors = leanxl.fit(data, return_errors=True)
    assert {i: (e.code, e.reason) for i, e in errors.items()} == {
        3: ("#NUM!", f"{FACTOR_KEYS[2]} = 9 is outside 1..5"),
        1500: ("#NUM!", f"{FACTOR_KEYS[0]} = 0 is outside 1..5"),
        1999: ("#NUM!", f"{FACTOR_KEYS[9]} = 7 is outside 1..5"),
        **({} if kind in INT_KINDS else
           {7: ("#VALUE!", f"{FACTOR_KEYS[5]} = 2.5 is not a whole number")}),
    }
    assert np.isnan(out[sorted(errors)]).all()
    assert (out[[0, 1, 2, 1000]] == 100.0).all()
    if kind not in INT_KINDS and kind != "frame_mixed":  # (its int64 columns have no blank)
        assert math.isnan(out[8]) and 8 not in errors


def test_arrays_and_frames_are_read_in_place() -> None:
    matrix = np.ones((50, F))
    raw = raw_columns(matrix)
    assert raw is not None and isinstance(raw.columns, np.ndarray)
    assert raw.columns.base is matrix and not raw.columns.flags.writeable
    raw = raw_columns(matrix[::2])  # strided: the columns are views
    assert raw is not None and all(np.shares_memory(c, matrix) for c in raw.columns)
    fortran = np.asfortranarray(matrix)
    raw = raw_columns(fortran)  # column-major: its columns, in place
    assert raw is not None and all(np.shares_memory(c, fortran) for c in raw.columns)
    plain = pd.DataFrame({k: np.ones(10) for k in FACTOR_KEYS})
    raw = raw_columns(plain, list(FACTOR_KEYS))  # a frame of plain numpy columns
    assert raw is not None and all(m.shape == (0,) for m in raw.masks)
    frame = pd.DataFrame({k: pd.array([1, None] * 5, dtype="Int64") for k in FACTOR_KEYS})
    raw = raw_columns(frame, list(FACTOR_KEYS))
    assert raw is not None and all(m.shape == (10,) for m in raw.masks)
    # One numba type per call: a frame mixing int64, float64, writable and read-only columns
    # reaches the kernel as float64, read-only (else each mix is a new compile of seconds).
    mixed = pd.DataFrame({k: np.arange(1, 11, dtype=np.int64 if i % 3 else np.float64)
                          for i, k in enumerate(FACTOR_KEYS)})
    raw = raw_columns(mixed, list(FACTOR_KEYS))
    assert raw is not None
    assert {(c.dtype, c.flags.writeable, c.flags.c_contiguous) for c in raw.columns} == {
        (np.dtype(np.float64), False, True)}
    assert np.shares_memory(raw.columns[0], mixed[FACTOR_KEYS[0]].to_numpy())  # float64: a view
    assert {(m.dtype, m.flags.writeable) for m in raw.masks} == {(np.dtype(np.bool_), False)}
    # int8 storage, booleans and text keep the encoding path.
    assert raw_columns(np.ones((5, F), np.int8)) is None
    assert raw_columns(pd.DataFrame({k: np.ones(3, np.int8) for k in FACTOR_KEYS}),
                       list(FACTOR_KEYS)) is None
    assert raw_columns(np.ones((5, F), bool)) is None
    assert raw_columns(pd.DataFrame({k: ["1"] * 3 for k in FACTOR_KEYS}), list(FACTOR_KEYS)) \
        is None


def _profiles(scale: int) -> list[list[Any]]:
    # A full profile, one with blanks, and one giving a single factor (pairs with nothing in
    # common give (i, j) errors in match).
    return [[min(v, scale) for v in (1, 2, 3, 4, 5, 1, 2, 3, 4, 5)],
            [None, 1, None, scale, None, 2, None, 1, None, 1],
            [scale] + [None] * (F - 1)]


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("function", ["match", "best_match", "best_profile"])
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=_problem(), weighted=st.booleans())
def test_match_and_best_on_each_input_kind_give_the_cell_path_results(
    backend: str, function: str, problem: tuple[str, int, list[list[Any]]], weighted: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same results bit for bit, and the same errors, as the cell-by-cell path.
    monkeypatch.setenv("LEANXL_KERNELS", backend)
    kind, scale, rows = problem
    data = _build(kind, rows)
    cells = _cells(kind, data) or np.empty((0, F))
    profiles = _profiles(scale)
    weights = [0.5, 2, 1, 1, 3, 1, 0, 1, 1, 1] if weighted else None
    if function == "match":
        got = leanxl.scoring.match(data, profiles, weights, scale, return_errors=True)
        expected = leanxl.scoring.match(cells, profiles, weights, scale, return_errors=True)
    elif function == "best_match":
        got = leanxl.scoring.best_match(data, profiles, weights, scale, return_errors=True)
        expected = leanxl.scoring.best_match(cells, profiles, weights, scale, return_errors=True)
    else:
        names = ["full", "some", "one"]
        got = leanxl.scoring.best_profile(data, profiles, names, weights, scale, return_errors=True)
        expected = leanxl.scoring.best_profile(cells, profiles, names, weights, scale,
                                       return_errors=True)
    *values, errors = got
    *expected_values, expected_errors = expected
    assert errors == expected_errors
    for value, reference in zip(values, expected_values, strict=True):
        assert value.dtype == reference.dtype and value.shape == reference.shape
        if value.dtype == object:
            assert value.tolist() == reference.tolist()
        else:
            assert value.tobytes() == reference.tobytes()


@pytest.mark.parametrize("kind", KINDS)
def test_match_and_best_name_the_same_cell_in_every_layout(kind: str) -> None:
    rows = [[1] * F for _ in range(3000)]  # above numpy's small-call size
    rows[3][2] = 9
    rows[2999][9] = 0
    data = _build(kind, rows)
    reasons = {3: ("#NUM!", f"{FACTOR_KEYS[2]} = 9 is outside 1..5"),
               2999: ("#NUM!", f"{FACTOR_KEYS[9]} = 0 is outside 1..5")}
    out, errors = leanxl.scoring.match(data, _profiles(5), return_errors=True)
    assert {i: (e.code, e.reason) for i, e in errors.items()} == reasons
    assert np.isnan(out[[3, 2999]]).all() and not np.isnan(out[[0, 1000]]).any()
    best, score, errors = leanxl.scoring.best_match(data, _profiles(5), return_errors=True)
    assert {i: (e.code, e.reason) for i, e in errors.items()} == reasons
    assert best[[3, 2999]].tolist() == [-1, -1] and best[0] == 1


@pytest.mark.parametrize("layout", ["rows", "columns", "masked"])
def test_raw_kernels_across_chunks_and_threads_equal_the_int8_kernels(layout: str) -> None:
    # More leads than one chunk of the front end, split over threads at odd places: every
    # lead scores as leanxl's own int8 codes do (encoded here by numpy), bit for bit.
    from leanxl.kernels import numpy_scoring as nps
    from leanxl.kernels import raw_scoring as raw
    from leanxl.kernels import scoring as k

    n = 2 * raw.CHUNK + 4099
    rng = np.random.default_rng(7)
    values = rng.integers(0, 8, size=(n, F)).astype(np.float64)
    values[rng.random((n, F)) < 0.1] = np.nan
    values[rng.random((n, F)) < 0.001] = 2.5
    empty = np.empty(0, dtype=bool)
    masks = tuple(rng.random(n) < 0.1 if layout == "masked" and f % 2 else empty
                  for f in range(F))
    columns = values if layout == "rows" else tuple(np.asfortranarray(values).T)
    codes = np.empty((F, n), dtype=np.uint8)
    for f in range(F):
        nps._encode_column(values[:, f], masks[f], 5, codes[f])
    targets = np.array([[1, 2, 3, 4, 5] * 2, [0, 1, 0, 5, 0, 2, 0, 1, 0, 1]], dtype=np.uint8)
    for weights in (np.ones(F, np.uint16), np.array([0.5, 2, 1, 1, 3, 1, 0, 1, 1, 1])):
        fits = [np.empty(n) for _ in range(3)]
        counts = [k.fit_serial(codes, weights, 5, fits[0]),
                  k.fit_columns_serial(columns, masks, weights, 5, fits[1]),
                  k.fit_columns_parallel(columns, masks, weights, 5, fits[2], 3)]
        assert len(set(counts)) == 1 and counts[0] > 0
        assert fits[0].tobytes() == fits[1].tobytes() == fits[2].tobytes()
        matches = [np.empty((2, n)) for _ in range(3)]
        counts = [k.match_serial(codes, targets, weights, 5, matches[0]),
                  k.match_columns_serial(columns, masks, targets, weights, 5, matches[1]),
                  k.match_columns_parallel(columns, masks, targets, weights, 5, matches[2], 3)]
        assert len(set(counts)) == 1
        assert matches[0].tobytes() == matches[1].tobytes() == matches[2].tobytes()
        bests = [(np.empty(n, np.int64), np.empty(n)) for _ in range(3)]
        counts = [k.best_serial(codes, targets, weights, 5, *bests[0]),
                  k.best_columns_serial(columns, masks, targets, weights, 5, *bests[1]),
                  k.best_columns_parallel(columns, masks, targets, weights, 5, *bests[2], 3)]
        assert len(set(counts)) == 1
        assert len({b.tobytes() + s.tobytes() for b, s in bests}) == 1
