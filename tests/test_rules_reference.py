"""Random tables and leads: the compiled engine (Python and kernel paths) vs the plain-Python
rule-by-rule interpreter of :mod:`leanxl.rules.reference`, every hit policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leanxl.rules.compile as compile_mod
from leanxl.errors import CellError
from leanxl.rules import load
from leanxl.rules.reference import evaluate as reference

POLICIES = ["UNIQUE", "ANY", "PRIORITY", "FIRST", "RULE ORDER", "OUTPUT ORDER", "COLLECT",
            "C+", "C<", "C>", "C#"]
LABELS = ["X", "Y", "Z"]
TEXTS = ["a", "b", "c"]

num = st.integers(0, 6).map(str) | st.sampled_from(["2.5", "-1"])


@st.composite
def num_atom(draw):
    kind = draw(st.sampled_from(["lit", "cmp", "range"]))
    if kind == "lit":
        return draw(num)
    if kind == "cmp":
        return draw(st.sampled_from(["<", "<=", ">", ">="])) + draw(num)
    lo, hi = sorted([draw(st.integers(0, 6)), draw(st.integers(0, 6))])
    return (draw(st.sampled_from(["[", "(", "]"])) + f"{lo}..{hi}"
            + draw(st.sampled_from(["]", ")", "["])))


def cell_strategy(kind):
    if kind == "num":
        atom = num_atom()
    elif kind == "text":
        atom = st.sampled_from(TEXTS) | st.sampled_from(TEXTS).map(lambda s: f'"{s}"')
    else:
        atom = st.sampled_from(["true", "false"])
    listed = st.lists(atom, min_size=1, max_size=3).map(",".join)
    return st.one_of(st.just("-"), st.just(None), atom, listed,
                     listed.map(lambda s: f"not({s})"))


@st.composite
def tables(draw, numeric_only=False):
    kinds = draw(st.lists(st.just("num") if numeric_only else
                          st.sampled_from(["num", "num", "text", "bool"]), min_size=1, max_size=4))
    policy = draw(st.sampled_from(POLICIES))
    aggregated = policy.startswith("C") and len(policy) == 2
    n_out = 1 if aggregated else draw(st.integers(1, 2))
    n_rules = draw(st.one_of(st.integers(1, 8), st.integers(60, 70)))
    header = [f"IN c{j}" for j in range(len(kinds))]
    header += ["OUT o0" if aggregated else "OUT o0 {X, Y, Z}"] + (["OUT o1"] if n_out > 1 else [])
    out_value = st.sampled_from([1, 2, 3.5]) if aggregated else st.sampled_from(LABELS)
    rows = []
    for _ in range(n_rules):
        rows.append([draw(cell_strategy(k)) for k in kinds]
                    + [draw(out_value) for _ in range(n_out)])
    return load([["DECISION R", policy], header, *rows]), kinds


def lead_value(kind):
    if kind == "num":
        return st.one_of(st.integers(-1, 7), st.sampled_from([2.5, 0.5, None, "bad"]))
    if kind == "text":
        return st.sampled_from([*TEXTS, "d", None, 3])
    return st.sampled_from([True, False, None, "x"])


def normalize(v):
    if isinstance(v, CellError):
        return ("error", v.code)
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def check_same(table, leads):
    columns = {f"c{j}": [lead[f"c{j}"] for lead in leads] for j in range(len(table.inputs))}
    want = reference(table, leads)
    got = table.evaluate(columns)
    for i, (values, rules) in enumerate(want):
        for k, out in enumerate(table.outputs):
            assert normalize(got[out.name].iloc[i]) == normalize(values[k]), (i, leads[i])
        if not isinstance(values[0], CellError) or values[0].code != "#VALUE!" or rules:
            assert got["rules"].iloc[i] == rules, (i, leads[i])
    rows = table.evaluate_rows(columns)
    for i, (values, _) in enumerate(want):
        assert [normalize(v) for v in rows[i]] == [normalize(v) for v in values]


@st.composite
def table_and_leads(draw, numeric_only=False):
    table, kinds = draw(tables(numeric_only))
    leads = draw(st.lists(st.fixed_dictionaries(
        {f"c{j}": lead_value(k) for j, k in enumerate(kinds)}), min_size=1, max_size=20))
    return table, leads


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_and_leads())
def test_python_path_matches_reference(case):
    check_same(*case)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_and_leads())
def test_kernel_path_matches_reference(case):
    saved = compile_mod.SMALL_N
    compile_mod.SMALL_N = 0
    try:
        check_same(*case)
    finally:
        compile_mod.SMALL_N = saved


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(numeric_only=True), st.data())
def test_int8_kernel_matches_reference(case, data):
    table, kinds = case
    n = data.draw(st.integers(1, 300))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    cols = {f"c{j}": rng.integers(-1, 8, n).astype(np.int8) for j in range(len(kinds))}
    frame = pd.DataFrame(cols)
    leads = [{k: int(v[i]) for k, v in cols.items()} for i in range(n)]
    saved = compile_mod.SMALL_N
    compile_mod.SMALL_N = 0
    try:
        got = table.evaluate(frame)
    finally:
        compile_mod.SMALL_N = saved
    want = reference(table, leads)
    for i, (values, rules) in enumerate(want):
        assert [normalize(got[o.name].iloc[i]) for o in table.outputs] == [
            normalize(v) for v in values]
        assert got["rules"].iloc[i] == rules


def test_large_frame_parallel_kernel_matches_reference():
    """Above the parallel threshold, with blanks (float path) and without (int8 path)."""
    table = load([["DECISION Q", "FIRST"],
                  ["IN buyer_maturity", "IN interest", "OUT status"],
                  ["<=2", "not(5)", "Qualified"], ["[3..4]", "<3", "Nurture"],
                  ["-", "-", "Disqualified"]])
    rng = np.random.default_rng(1)
    n = 50_000
    a = rng.integers(1, 6, n).astype(np.int8)
    b = rng.integers(1, 6, n).astype(np.int8)
    got = table.evaluate(pd.DataFrame({"buyer_maturity": a, "interest": b}))
    want = np.where((a <= 2) & (b != 5), "Qualified",
                    np.where((a >= 3) & (a <= 4) & (b < 3), "Nurture", "Disqualified"))
    assert (got["status"].astype(str).to_numpy() == want).all()
    af = a.astype(float)
    af[::7] = np.nan  # a blank only passes "-": those leads fall to the catch-all
    got = table.evaluate(pd.DataFrame({"buyer_maturity": af, "interest": b}))
    want[::7] = "Disqualified"
    assert (got["status"].astype(str).to_numpy() == want).all()
