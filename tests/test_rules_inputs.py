"""Decision tables on the inputs users pass (issue 12): numeric frames and arrays are read in
place by the raw-column kernels and decide exactly as the same values given as Python lists
(the key-by-key path), on both backends, for FIRST and COLLECT tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leanxl.rules.compile as compile_mod
from leanxl.rules import load

BODY = [
    ["IN a", "IN b", "IN c", "OUT grade"],
    ["<=2", "-", ">3", "A"],
    ["[2..4]", "1", "-", "B"],
    ["-", "<0", "-", "C"],
    ["5", "-", "[1..3]", "D"],
    ["-", "-", "-", "E"],
]
KINDS = ["frame_float", "frame_int", "frame_nullable", "arrays_float", "arrays_int32",
         "frame_int8"]
INTEGER = {"frame_int", "arrays_int32", "frame_int8"}


def _table(policy: str) -> Any:
    return load([["DECISION T", policy], *BODY])


def _build(kind: str, columns: dict[str, list[Any]]) -> Any:
    as_float = {k: np.array([np.nan if v is None else v for v in c], dtype=np.float64)
                for k, c in columns.items()}
    if kind == "frame_float":
        return pd.DataFrame(as_float)
    if kind == "frame_int":
        return pd.DataFrame({k: c.astype(np.int64) for k, c in as_float.items()})
    if kind == "frame_int8":
        return pd.DataFrame({k: c.astype(np.int8) for k, c in as_float.items()})
    if kind == "frame_nullable":
        return pd.DataFrame({k: pd.array([None if v is None else int(v) for v in c],
                                         dtype="Int64") for k, c in columns.items()})
    if kind == "arrays_float":
        return as_float
    assert kind == "arrays_int32"
    return {k: c.astype(np.int32) for k, c in as_float.items()}


def _values(kind: str) -> st.SearchStrategy[Any]:
    good = st.integers(-3, 6)
    odd = st.sampled_from([200, -128, -127, 127, 1000] + ([] if kind in INTEGER else [2.5, -0.5]))
    if kind == "frame_int8":
        odd = st.sampled_from([-128, -127, 127])
    blank = st.none() if kind not in INTEGER else good
    return st.one_of(good, good, good, blank, odd)


@st.composite
def _problem(draw: st.DrawFn) -> tuple[str, dict[str, list[Any]]]:
    kind = draw(st.sampled_from(KINDS))
    n = draw(st.integers(0, 40))
    columns = {k: draw(st.lists(_values(kind), min_size=n, max_size=n)) for k in "abc"}
    if kind == "frame_nullable":  # no fractions in an integer column
        columns = {k: [v if v is None else int(v) for v in c] for k, c in columns.items()}
    return kind, columns


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("policy", ["FIRST", "COLLECT"])
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=_problem())
def test_numeric_inputs_decide_as_python_lists(
    backend: str, policy: str, problem: tuple[str, dict[str, list[Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEANXL_KERNELS", backend)
    monkeypatch.setattr(compile_mod, "SMALL_N", 0)  # the kernels, whatever the size
    kind, columns = problem
    data = _build(kind, columns)
    cells = {k: [None if isinstance(v, float) and np.isnan(v) else
                 (v.item() if isinstance(v, np.generic) else v) for v in
                 (c.astype(object).where(c.notna(), None) if isinstance(c, pd.Series) else c)]
             for k, c in (data.items() if isinstance(data, pd.DataFrame) else data.items())}
    table = _table(policy)
    got = table.evaluate(data)
    expected = table.evaluate(cells)
    assert list(got.columns) == list(expected.columns)
    for name in got.columns:
        assert got[name].tolist() == expected[name].tolist(), name


def test_numeric_frames_are_read_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    # Float, int64 and nullable columns reach the raw-column kernels (no key matrix); a value
    # with no int8 key (2.5) sends the call to the float64 keys, with the same decisions.
    calls: list[str] = []
    compiled = _table("FIRST").compiled
    real = compiled._keys
    monkeypatch.setattr(compiled, "_keys", lambda *a: calls.append("keys") or real(*a))
    n = 5000
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.integers(1, 6, n).astype(float),
                          "b": rng.integers(-1, 3, n),
                          "c": pd.array(rng.integers(1, 6, n), dtype="Int64")})
    frame.loc[::7, "a"] = np.nan
    frame.loc[::11, "c"] = pd.NA
    first = compiled.evaluate(frame)
    assert calls == []
    frame.loc[3, "a"] = 2.5
    second = compiled.evaluate(frame)
    assert calls == ["keys"]
    assert second["grade"].tolist()[4:] == first["grade"].tolist()[4:]
