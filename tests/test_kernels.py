"""The scoring kernels against plain-Python references: numba's by default, numpy's when
``LEANXL_KERNELS=numpy`` (the backend's choice, :mod:`leanxl.kernels.backend`).

Kept small and quick: test_scoring.py also runs this file with ``NUMBA_DISABLE_JIT=1`` so the
kernels' Python path is exercised too, and tests/test_numpy_backend.py with numba blocked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leanxl.kernels.backend import scoring_kernels
from tests.scoring_reference import ref_best, ref_fit, ref_match, ref_mix, ref_segment

F = 10
settings.register_profile("kernels", deadline=None, max_examples=60)
k = scoring_kernels()


def codes_of(rows: Sequence[Sequence[int | None]]) -> np.ndarray:
    """Rows of scores (None = blank) -> factor-major codes (0 = blank) as the kernels take
    them: int8 storage viewed as uint8."""
    matrix = np.array([[0 if x is None else x for x in row] for row in rows], dtype=np.int8)
    return np.ascontiguousarray(matrix.reshape(len(rows), F).T).view(np.uint8)


def close(value: float, expected: float | None) -> bool:
    if expected is None:
        return math.isnan(value)
    return math.isclose(value, expected, rel_tol=1e-12, abs_tol=1e-9)


@st.composite
def problems(draw: st.DrawFn, max_rows: int = 12) -> tuple:
    scale = draw(st.integers(2, 9))
    cell = st.one_of(st.none(), st.integers(1, scale))
    row = st.lists(cell, min_size=F, max_size=F)
    rows = draw(st.lists(row, min_size=0, max_size=max_rows))
    targets = draw(st.lists(row, min_size=1, max_size=5))
    weight = st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 10.0, allow_nan=False))
    weights = draw(st.lists(weight, min_size=F, max_size=F))
    return scale, rows, targets, weights


# ---------------------------------------------------------------------------------- fit
def test_fit_kernel_fixed_cases() -> None:
    rows: list[list[int | None]] = [[1] * F, [5] * F, [3] * F, [None] * F, [1, 5, *[None] * 8]]
    out = np.empty(len(rows))
    n_nan = k.fit_serial(codes_of(rows), np.ones(F), 5, out)
    assert out[:3].tolist() == [100.0, 0.0, 50.0]
    assert math.isnan(out[3])
    assert out[4] == 50.0
    assert n_nan == 1


@settings(settings.get_profile("kernels"))
@given(problems(), st.integers(1, 3))
def test_fit_kernel_matches_reference(problem: tuple, n_chunks: int) -> None:
    scale, rows, _, weights = problem
    codes = codes_of(rows) if rows else np.zeros((F, 0), dtype=np.uint8)
    w = np.array(weights)
    for parallel in (False, True):
        out = np.full(len(rows), -7.0)
        if parallel:
            n_nan = k.fit_parallel(codes, w, scale, out, n_chunks)
        else:
            n_nan = k.fit_serial(codes, w, scale, out)
        expected = [ref_fit(r, weights, scale) for r in rows]
        assert all(close(v, e) for v, e in zip(out.tolist(), expected, strict=True))
        assert n_nan == sum(e is None for e in expected)


@settings(settings.get_profile("kernels"))
@given(problems(), st.lists(st.integers(0, 60), min_size=F, max_size=F))
def test_integer_weight_kernels_match_reference(problem: tuple, int_weights: list[int]) -> None:
    # Whole-number weights are summed in uint16 (the API's fast path): same results.
    scale, rows, targets, _ = problem
    weights = [float(x) for x in int_weights]
    codes = codes_of(rows) if rows else np.zeros((F, 0), dtype=np.uint8)
    target_codes = np.ascontiguousarray(codes_of(targets).T)
    w = np.array(int_weights, dtype=np.uint16)
    fit_out = np.empty(len(rows))
    k.fit_parallel(codes, w, scale, fit_out, 2)
    assert all(close(v, ref_fit(r, weights, scale))
               for v, r in zip(fit_out.tolist(), rows, strict=True))
    match_out = np.empty((len(targets), len(rows)))
    k.match_serial(codes, target_codes, w, scale, match_out)
    for i, row in enumerate(rows):
        for j, target in enumerate(targets):
            assert close(match_out[j, i], ref_match(row, target, weights, scale))


def test_fit_kernel_out_of_range_codes_give_nan() -> None:
    rows = [[1] * F, [6] + [1] * 9, [1] * 9 + [-3], [2] * F]
    out = np.empty(4)
    assert k.fit_serial(codes_of(rows), np.ones(F), 5, out) == 2
    assert out[0] == 100.0 and out[3] == 75.0
    assert math.isnan(out[1]) and math.isnan(out[2])


@pytest.mark.parametrize("n", [k.BLOCK - 1, k.BLOCK, k.BLOCK + 1, 2 * k.BLOCK + 3])
def test_fit_and_match_kernels_across_block_edges(n: int) -> None:
    rng = np.random.default_rng(n)
    matrix = rng.integers(0, 6, size=(n, F))
    rows = [[None if x == 0 else int(x) for x in r] for r in matrix]
    targets: list[list[int | None]] = [[None, 2, 3, 4, 5, 1, 2, 3, 4, 5], [1] * F]
    weights = rng.uniform(0, 3, size=F).tolist()
    codes = codes_of(rows)
    w = np.array(weights)
    fit_out = np.empty(n)
    k.fit_parallel(codes, w, 5, fit_out, 3)
    match_out = np.empty((2, n))
    k.match_parallel(codes, codes_of(targets).T.copy(), w, 5, match_out, 3)
    for i, row in enumerate(rows):
        assert close(fit_out[i], ref_fit(row, weights, 5))
        for j, target in enumerate(targets):
            assert close(match_out[j, i], ref_match(row, target, weights, 5))


# ---------------------------------------------------------------------------------- match
@settings(settings.get_profile("kernels"))
@given(problems(), st.integers(1, 3))
def test_match_kernel_matches_reference(problem: tuple, n_chunks: int) -> None:
    scale, rows, targets, weights = problem
    codes = codes_of(rows) if rows else np.zeros((F, 0), dtype=np.uint8)
    target_codes = np.ascontiguousarray(codes_of(targets).T)
    w = np.array(weights)
    for parallel in (False, True):
        out = np.full((len(targets), len(rows)), -7.0)
        if parallel:
            k.match_parallel(codes, target_codes, w, scale, out, n_chunks)
        else:
            k.match_serial(codes, target_codes, w, scale, out)
        for i, row in enumerate(rows):
            for j, target in enumerate(targets):
                assert close(out[j, i], ref_match(row, target, weights, scale))


def test_match_kernel_bad_lead_is_nan_for_every_target() -> None:
    rows = [[1] * F, [9] + [1] * 9]
    targets = np.ones((3, F), dtype=np.uint8)
    out = np.empty((3, 2))
    assert k.match_serial(codes_of(rows), targets, np.ones(F), 5, out) == 3
    assert out[:, 0].tolist() == [100.0] * 3
    assert np.isnan(out[:, 1]).all()


# ---------------------------------------------------------------------------------- best
@settings(settings.get_profile("kernels"))
@given(problems(), st.lists(st.integers(0, 3), min_size=F, max_size=F))
def test_best_kernel_is_first_argmax(problem: tuple, int_weights: list[int]) -> None:
    # Integer weights keep both sides' arithmetic exact, so ties are real ties.
    scale, rows, targets, _ = problem
    weights = [float(x) for x in int_weights]
    codes = codes_of(rows) if rows else np.zeros((F, 0), dtype=np.uint8)
    target_codes = np.ascontiguousarray(codes_of(targets).T)
    best = np.empty(len(rows), dtype=np.int64)
    score = np.empty(len(rows))
    n_none = k.best_serial(codes, target_codes, np.array(weights), scale, best, score)
    best_p = np.empty(len(rows), dtype=np.int64)
    score_p = np.empty(len(rows))
    k.best_parallel(codes, target_codes, np.array(int_weights, dtype=np.uint16), scale,
                    best_p, score_p, 2)
    expected = [ref_best(r, targets, weights, scale) for r in rows]
    assert best.tolist() == [-1 if e is None else e for e in expected]
    assert best_p.tolist() == best.tolist()  # uint16 sums pick the same profiles
    np.testing.assert_array_equal(score_p, score)
    assert n_none == sum(e is None for e in expected)
    for i, e in enumerate(expected):
        wanted = None if e is None else ref_match(rows[i], targets[e], weights, scale)
        assert close(score[i], wanted)


def test_best_kernel_tie_goes_to_first() -> None:
    # Lead 3s everywhere: targets of all 2s and all 4s both match 75 %.
    targets = np.array([[4] * F, [2] * F, [3] * F], dtype=np.uint8)
    best = np.empty(1, dtype=np.int64)
    score = np.empty(1)
    k.best_serial(codes_of([[3] * F]), targets[:2].copy(), np.ones(F), 5, best, score)
    assert best.tolist() == [0] and score.tolist() == [75.0]


# ---------------------------------------------------------------------------------- encode
def test_encode_scores_kernel() -> None:
    floats = [1.0, 5.0, float("nan"), 2.5, 0.0, 6.0, -1.0, float("inf"), 3.0, -0.0]
    out = np.empty((1, len(floats)), dtype=np.int8)
    assert k.encode_scores(np.array([floats]), 5, out) == 6
    assert out.tolist() == [[1, 5, 0, -1, -1, -1, -1, -1, 3, -1]]
    ints = [[1, 5, 0, 6], [-3, 2**40, 4, 2]]
    out = np.empty((2, 4), dtype=np.int8)
    assert k.encode_scores(np.array(ints, dtype=np.int64), 5, out) == 4
    assert out.tolist() == [[1, 5, -1, -1], [-1, -1, 4, 2]]
    out = np.empty((1, 2), dtype=np.int8)
    assert k.encode_scores(np.array([[7.0, 8.0]]), 7, out) == 1
    assert out.tolist() == [[7, -1]]


# ---------------------------------------------------------------------------------- segment / mix
def test_segment_kernel_against_reference() -> None:
    prices = [10.0, 100.0, 99.99, 100.0, float("nan"), 5.0]
    complexity = [1.0, 4.0, 4.0, 3.0, 2.0, float("nan")]
    out = np.empty(len(prices), dtype=np.int8)
    assert k.segment_codes(np.array(prices), np.array(complexity), 100.0, 4.0, out) == 2
    names = ["S1", "S2", "S3", "S4"]
    for i in range(4):
        assert names[out[i]] == ref_segment(prices[i], complexity[i], 100.0, 4.0)
    assert out[4:].tolist() == [-1, -1]


def test_mix_kernel_against_reference() -> None:
    combos = [(s, m, t) for s in (0, 1) for m in (0, 1) for t in (0, 1)]
    sales, marketing, market = (np.array(c, dtype=np.int8) for c in zip(*combos, strict=True))
    out = np.empty(8, dtype=np.int8)
    assert k.mix_codes(sales, marketing, market, out) == 0
    from leanxl.domain import MIX_LABELS

    labels = {(bool(c & 4), bool(c & 2), bool(c & 1)): c for c in range(8)}
    for code, (s, m, t) in zip(out.tolist(), combos, strict=True):
        assert code == labels[(bool(s), bool(m), bool(t))]
        assert MIX_LABELS[(bool(s), bool(m), bool(t))] == ref_mix(bool(s), bool(m), bool(t))
    bad = np.array([1, -1], dtype=np.int8)
    ok = np.array([1, 1], dtype=np.int8)
    out2 = np.empty(2, dtype=np.int8)
    assert k.mix_codes(ok, bad, ok, out2) == 1
    assert out2.tolist() == [7, -1]


def test_warm_names_every_kernel() -> None:
    from leanxl.kernels.warmup import warmup

    names = warmup()
    for name in ("fit_serial", "fit_parallel", "match_serial", "match_parallel",
                 "best_serial", "best_parallel", "segment_codes", "mix_codes"):
        assert f"leanxl.kernels.scoring.{name}" in names
    import leanxl.kernels.rules as kr

    rules = sorted(n.removeprefix("leanxl.kernels.rules.") for n in names
                   if n.startswith("leanxl.kernels.rules."))
    assert rules == sorted(f"{k}_{twin}" for k in ("first_float", "first_int8", "masks_float",
                                                    "masks_int8", "mark_used", "remap")
                           for twin in ("serial", "parallel"))
    assert all(hasattr(kr, name) for name in rules)  # names of real kernels


def test_warmup_command_says_each_step_once(capsys: pytest.CaptureFixture[str]) -> None:
    """``leanxl warmup`` prints what it compiled and refreshed, not the throw-away CSVs' dialect
    lines (it printed "leads.csv: UTF-8, ',' separated" twice, one per sample refresh)."""
    import logging

    from leanxl.cli import main
    from leanxl.kernels.backend import backend_name

    assert backend_name() == "numba"  # the command compiles nothing on the numpy backend
    assert main(["warmup"]) == 0
    out, err = capsys.readouterr()
    assert "compiled and cached" in out and "refreshed a sample book" in out
    assert "separated" not in out + err, err
    assert logging.getLogger("leanxl.sources").level == logging.NOTSET  # left as it was
