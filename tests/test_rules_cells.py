"""The S-FEEL cell language: what each cell accepts, and what a mistake suggests."""

from __future__ import annotations

import pytest

from leanxl.rules.cells import CellSyntaxError, parse_output, parse_test


@pytest.mark.parametrize("cell,yes,no", [
    ("-", [1, "a", True, 2.5], []),
    (None, [1, "a"], []),
    ("", [1], []),
    ("3", [3, 3.0], [2, 4, "3"]),
    (3, [3], [2]),
    ("<2", [1, 1.99, -5], [2, 3]),
    ("<=2", [2, 1], [2.01]),
    (">4", [4.5, 5], [4]),
    (">=4", [4, 5], [3.99]),
    ("[1..3]", [1, 2, 3], [0.99, 3.01]),
    ("(1..3)", [1.5, 2], [1, 3]),
    ("]1..3[", [2], [1, 3]),
    ("[1..3)", [1, 2.99], [3]),
    ("(1..3]", [3], [1]),
    ("1,2,5", [1, 2, 5], [3, 4]),
    ('"S1","S2"', ["S1", "S2"], ["S3", "s1"]),
    ("S4", ["S4"], ["S 4", "S1"]),
    ("Sweet spot", ["Sweet spot"], ["Sweet"]),
    ("true", [True], [False, 1]),
    (True, [True], [False]),
    ("FALSE", [False], [True]),
    ("not(1,2)", [3, 0], [1, 2]),
    ("not([2..4])", [1, 5], [2, 3, 4]),
    ('not("S4")', ["S1"], ["S4"]),
    ("<=2, >=4", [1, 2, 4, 5], [3]),
    ("-1", [-1], [1]),
    ("2.5", [2.5], [2]),
])
def test_accepts(cell, yes, no):
    test = parse_test(cell)
    for v in yes:
        assert test.matches(v), (cell, v)
    for v in no:
        assert not test.matches(v), (cell, v)


@pytest.mark.parametrize("cell", ["<=2", "not(1)", "S4", "true", "[1..3]"])
def test_blank_value_matches_only_dash(cell):
    assert not parse_test(cell).matches(None)
    assert parse_test("-").matches(None)


@pytest.mark.parametrize("cell,message,suggestion", [
    ("1..3", "cannot read", "`[1..3]`"),
    ("1-3", "cannot read", "`[1..3]`"),
    ("[3..1]", "starts above its end", "`[1..3]`"),
    ("[1,3]", "with `..`", "`[1..3]`"),
    ("=<2", "cannot read", "`<=2`"),
    ("=>4", "cannot read", "`>=4`"),
    ("=3", "cannot read", "`3`"),
    ("!=3", "cannot read", "`not(3)`"),
    ("<>3", "cannot read", "`not(3)`"),
    ("not 3", "parentheses", "`not(3)`"),
    ('"S1', "quote is not closed", None),
    ("1,,2", "empty item", "extra comma"),
    ("<=high", "cannot read", "needs a number"),
    ("not(not(1))", "nested", "`1`"),
    ("1, S2", "mixes", None),
    ("not()", "needs a test", None),
])
def test_mistakes_suggest_a_fix(cell, message, suggestion):
    with pytest.raises(CellSyntaxError) as info:
        parse_test(cell)
    assert message in info.value.message
    if suggestion:
        assert suggestion in (info.value.suggestion or "")


@pytest.mark.parametrize("cell,value", [
    ("Qualified", "Qualified"), ('"Qualified"', "Qualified"), ("3", 3.0), (3, 3.0),
    ("true", True), (None, None), ("", None), (" AE ", "AE"),
])
def test_output_literals(cell, value):
    assert parse_output(cell) == value and type(parse_output(cell)) is type(value)
