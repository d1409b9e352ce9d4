"""Each DMN 1.3 hit policy on hand-made tables; expected values written from the standard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import leanxl.rules.compile as compile_mod
from leanxl.errors import NA, VALUE, ArgumentError, CellError
from leanxl.rules import load

# One input (a score 1..5) and rules that overlap on purpose:
#   rule 1: <=2 -> A ; rule 2: [2..4] -> B ; rule 3: >=4 -> C ; rule 4: 2 -> A
BODY = [
    ["IN score", "OUT grade {C, B, A}"],
    ["<=2", "A"],
    ["[2..4]", "B"],
    [">=4", "C"],
    ["2", "A"],
]


def table(policy: str, body: list[list[object]] = BODY):
    return load([["DECISION T", policy], *body])


@pytest.fixture(params=["python", "kernel"])
def path(request, monkeypatch):
    """Run each test on the plain-Python path and on the numba kernel path."""
    if request.param == "kernel":
        monkeypatch.setattr(compile_mod, "SMALL_N", 0)
    return request.param


def decide(t, scores, output=None):
    frame = t.evaluate({"score": scores}, output)
    return frame.iloc[:, 0].tolist(), frame["rules"].tolist()


def code(v):
    return v.code if isinstance(v, CellError) else v


def test_unique(path):
    t = table("UNIQUE")
    values, rules = decide(t, [1, 3, 5, 2, 4, 0.5])
    # 1: only rule 1. 3: only rule 2. 5: only rule 3. 2: rules 1, 2, 4. 4: rules 2, 3.
    assert [code(v) for v in values] == ["A", "B", "C", VALUE, VALUE, "A"]
    assert rules == [(1,), (2,), (3,), (1, 2, 4), (2, 3), (1,)]
    assert "rules 1, 2 and 4" in values[3].reason


def test_unique_no_match_is_na(path):
    t = load([["DECISION T", "U"], ["IN score", "OUT g"], ["[1..2]", "x"]])
    values, rules = decide(t, [3, 1])
    assert code(values[0]) == NA and rules[0] == ()
    assert values[1] == "x"


def test_any(path):
    t = table("ANY")
    values, rules = decide(t, [2, 4, 1])
    # 2: rules 1, 2, 4 with A, B, A -> disagree. 4: B vs C -> disagree. 1: rule 1 alone.
    assert [code(v) for v in values] == [VALUE, VALUE, "A"]
    agree = table("A", [["IN score", "OUT g"], ["<=2", "A"], ["2", "A"], [">2", "B"]])
    values, rules = decide(agree, [2, 3])
    assert values == ["A", "B"]
    assert rules == [(1,), (3,)]


def test_first(path):
    t = table("FIRST")
    values, rules = decide(t, [2, 4, 5, 3])
    assert values == ["A", "B", "C", "B"]
    assert rules == [(1,), (2,), (3,), (2,)]


def test_priority_uses_output_value_order(path):
    # Priority list {C, B, A}: C highest.  Score 2 matches A, B, A -> B.  4 matches B, C -> C.
    t = table("PRIORITY")
    values, rules = decide(t, [2, 4, 1])
    assert values == ["B", "C", "A"]
    assert rules == [(2,), (3,), (1,)]


def test_priority_compound_outputs_first_output_first(path):
    body = [
        ["IN x", "OUT level {high, low}", "OUT team {gold, silver}"],
        ["-", "low", "gold"],
        ["-", "high", "silver"],
        ["-", "high", "gold"],
    ]
    t = table("P", body)
    frame = t.evaluate({"x": [1]})
    # high beats low on the first output; among the two highs, gold beats silver.
    assert frame["level"].tolist() == ["high"] and frame["team"].tolist() == ["gold"]
    assert frame["rules"].tolist() == [(3,)]


def test_rule_order(path):
    t = table("RULE ORDER")
    values, rules = decide(t, [2, 5, 9])
    assert values[0] == ["A", "B", "A"] and rules[0] == (1, 2, 4)
    assert values[1] == ["C"]
    assert values[2] == ["C"] and rules[2] == (3,)  # 9 >= 4


def test_output_order(path):
    # Decreasing priority {C, B, A}; equal priority keeps rule order.
    t = table("OUTPUT ORDER")
    values, rules = decide(t, [2, 4])
    assert values[0] == ["B", "A", "A"] and rules[0] == (2, 1, 4)
    assert values[1] == ["C", "B"] and rules[1] == (3, 2)


def test_collect(path):
    t = table("COLLECT")
    values, rules = decide(t, [2])
    assert values[0] == ["A", "B", "A"]  # leanxl collects in rule order
    assert rules[0] == (1, 2, 4)


NUMERIC = [
    ["IN score", "OUT points"],
    ["<=2", 10],
    ["[2..4]", 5],
    [">=4", 1],
    ["2", 10],
]


@pytest.mark.parametrize("policy,expected", [
    # score 2 matches rules 1, 2, 4 (10, 5, 10); 4 matches 2, 3 (5, 1); 9 matches 3 (1);
    # -1 matches rule 1 (10).  DMN sums every output, duplicates included.
    ("C+", [25.0, 6.0, 1.0, 10.0]),
    ("C<", [5.0, 1.0, 1.0, 10.0]),
    ("C>", [10.0, 5.0, 1.0, 10.0]),
    ("C#", [3.0, 2.0, 1.0, 0.0]),
    ("COLLECT SUM", [25.0, 6.0, 1.0, 10.0]),
])
def test_collect_aggregators(path, policy, expected):
    t = table(policy, NUMERIC)
    values, _ = decide(t, [2, 4, 9, -1] if policy != "C#" else [2, 4, 9, 0.5])
    if policy == "C#":  # 0.5 matches rule 1 only
        expected = [3.0, 2.0, 1.0, 1.0]
    assert [code(v) for v in values] == expected


@pytest.mark.parametrize("policy", ["C+", "C<", "C>", "C", "R", "O"])
def test_aggregation_over_no_match_is_na(path, policy):
    t = load([["DECISION T", policy], ["IN score", "OUT n {1, 2}"], ["1", 1], ["2", 2]])
    values, rules = decide(t, [5, 1])
    assert code(values[0]) == NA and rules[0] == ()
    assert values[1] in (1.0, [1.0])


def test_count_with_no_match_is_zero(path):
    t = load([["DECISION T", "C#"], ["IN score", "OUT n"], ["1", 1]])
    values, rules = decide(t, [5])
    assert values == [0.0] and rules == [()]


def test_multiple_outputs_and_output_argument(path):
    t = load([["DECISION Q", "FIRST"],
              ["IN buyer_maturity", "IN segment", "OUT status", "OUT route", "NOTE"],
              ["<=2", '"S1","S2"', "Qualified", "AE", "ready"],
              ["-", "not(S4)", "Nurture", "SDR", None],
              ["-", "-", "Disqualified", None, "catch-all"]])
    data = {"Buyer Maturity": [1, 1, 3, 3, None], "SEGMENT": ["S2", "S4", "S1", "S4", "S1"]}
    frame = t.evaluate(data)
    assert frame["status"].tolist() == ["Qualified", "Disqualified", "Nurture", "Disqualified",
                                        "Nurture"]
    route = frame["route"].tolist()
    assert route[0] == "AE" and route[2] == "SDR" and pd.isna(route[1])
    assert list(t.evaluate(data, output="route").columns) == ["route", "rules"]


def test_bad_values_give_value_error_for_the_row(path):
    t = load([["DECISION Q", "FIRST"], ["IN buyer_maturity", "IN segment", "OUT s"],
              ["<=2", "S1", "yes"], ["-", "-", "no"]])
    frame = t.evaluate({"buyer_maturity": [1, "high", 1, True], "segment": ["S1", "S1", 3, "S1"]})
    values = frame["s"].tolist()
    assert values[0] == "yes"
    assert [code(v) for v in values[1:]] == [VALUE, VALUE, VALUE]
    assert "buyer_maturity" in values[1].reason and "segment" in values[2].reason


def test_blank_input_matches_only_dash(path):
    t = load([["DECISION T", "FIRST"], ["IN a", "IN b", "OUT o"],
              ["not(1)", "-", "x"], ["-", "<5", "y"], ["-", "-", "z"]])
    frame = t.evaluate({"a": [None, np.nan], "b": [None, 1]})
    assert frame["o"].tolist() == ["z", "y"]


def test_missing_input_column_is_argument_error():
    t = table("FIRST")
    with pytest.raises(ArgumentError, match="score"):
        t.evaluate({"scor": [1]})


def test_dataframe_index_is_kept(path):
    t = table("FIRST")
    frame = t.evaluate(pd.DataFrame({"score": [1, 5]}, index=["x", "y"]))
    assert list(frame.index) == ["x", "y"]
    assert frame.loc["y", "grade"] == "C"


def test_evaluate_rows_fast_path():
    t = table("FIRST")
    assert t.evaluate_rows({"score": [1, 5, "bad"]}) == [["A"], ["C"], [
        t.evaluate_rows({"score": ["bad"]})[0][0]]]
    err = t.evaluate_rows({"score": ["bad"]})[0][0]
    assert isinstance(err, CellError) and err.code == VALUE


def test_more_than_64_rules_use_several_words(path):
    # Rule k (1-based) matches exactly score k; a catch-all last.  FIRST and COLLECT.
    body = [["IN score", "OUT o"]] + [[str(k), f"r{k}"] for k in range(1, 101)] + [["-", "all"]]
    first = load([["DECISION Big", "FIRST"], *body])
    scores = [1, 64, 65, 100, 101, 0.5]
    frame = first.evaluate({"score": scores})
    assert frame["o"].tolist() == ["r1", "r64", "r65", "r100", "all", "all"]
    collect = load([["DECISION Big", "RULE ORDER"], *body])
    frame = collect.evaluate({"score": scores})
    assert frame["o"].tolist()[2] == ["r65", "all"]
    assert frame["rules"].tolist()[3] == (100, 101)


def test_compiled_form_is_shared_by_content_and_thread_safe():
    from concurrent.futures import ThreadPoolExecutor

    cells = [["DECISION T", "FIRST"], ["IN score", "OUT o"], ["<=2", "lo"], ["-", "hi"]]
    a = load(cells)
    b = load([list(r) for r in cells])  # same cells: the one cache of tables (rules.cache)
    assert a is b and a.compiled is b.compiled
    rng = np.random.default_rng(5)
    batches = [rng.integers(0, 5, 2000) for _ in range(8)]

    def run(batch):
        return load(cells).evaluate({"score": batch})["o"].tolist()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, batches))
    for batch, got in zip(batches, results, strict=True):
        assert got == ["lo" if s <= 2 else "hi" for s in batch]


def test_evaluate_rows_many_rows_uses_kernels_with_same_results():
    t = load([["DECISION T", "UNIQUE"], ["IN score", "IN seg", "OUT o", "OUT p"],
              ["<=2", "S1", "a", 1], [">=2", "-", "b", 2]])
    n = 1000
    scores = [i % 5 for i in range(n)]
    segs = ["S1" if i % 3 else None for i in range(n)]
    scores[7] = "bad"
    rows = t.evaluate_rows({"score": scores, "seg": segs})
    small = [t.evaluate_rows({"score": [s], "seg": [g]})[0] for s, g in zip(scores, segs,
                                                                              strict=True)]
    assert [[code(v) for v in r] for r in rows] == [[code(v) for v in r] for r in small]
    assert code(rows[7][0]) == VALUE and code(rows[2][0]) == VALUE  # 2 matches both rules
    assert t.evaluate_rows({"score": scores, "seg": segs}, output="p")[1] == [1.0]


def test_booleans_are_not_numbers_and_zero_is_not_false(path):
    # Regression: pandas.factorize merges False with 0 and True with 1; a mixed column must
    # still reject the booleans alone (a number column) and decide the numbers.
    t = table("FIRST", [["IN score", "OUT grade"], ["<=2", "low"], ["-", "other"]])
    got, _ = decide(t, [False, 0, True, 1, 5])
    assert [code(v) for v in got] == [VALUE, "low", VALUE, "low", "other"]
    assert "`False` is not a number" in got[0].reason
