"""KPI status and trend against hand-worked examples and a property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leanxl.errors import NA, NUM, VALUE, CellError
from leanxl.kpi import kpi_status, kpi_trend


@pytest.mark.parametrize(
    ("actual", "target", "direction", "tolerance", "expected"),
    [
        (100, 100, "up", 0.1, "On track"),
        (101, 100, "up", 0.1, "On track"),
        (90, 100, "up", 0.1, "At risk"),  # exactly on the threshold 100 - 10
        (89.99, 100, "up", 0.1, "Off track"),
        (4, 4, "down", 0.1, "On track"),
        (4.4, 4, "down", 0.1, "At risk"),  # 4 + 0.4
        (4.41, 4, "down", 0.1, "Off track"),
        (3, 4, "DOWN", None, "On track"),  # case-insensitive; blank tolerance = 0.1
        (-10.5, -10, "up", 0.1, "At risk"),  # negative target: threshold -11
        (-11.5, -10, "up", 0.1, "Off track"),
        (99, 100, None, 0, "Off track"),  # zero tolerance: no "At risk" band
        ("95", 100, "up", 0.1, "At risk"),  # numeric text is a number
    ],
)
def test_status(actual, target, direction, tolerance, expected) -> None:
    assert kpi_status(actual, target, direction, tolerance) == expected


def code(value: object) -> str:
    assert isinstance(value, CellError), value
    return value.code


def test_status_blank_and_bad() -> None:
    assert kpi_status(None, 100) is None
    assert kpi_status("", 100) is None
    assert kpi_status(5, None) == CellError(NA, "no target")
    assert code(kpi_status("lots", 100)) == VALUE
    assert code(kpi_status(True, 100)) == VALUE
    assert code(kpi_status(5, 10, "sideways")) == VALUE
    assert code(kpi_status(5, 10, "up", -1)) == NUM
    # one definition of blank (leanxl.values.is_blank): spaces and NaN are a blank actual
    assert kpi_status("   ", 100) is None
    assert kpi_status(float("nan"), 10) is None


@pytest.mark.parametrize(
    ("values", "direction", "expected"),
    [
        ([1, 2], "up", "Improving"),
        ([2, 1], "up", "Worsening"),
        ([2, 1], "down", "Improving"),
        ([10, None, 12, None], "up", "Improving"),  # blanks skipped: 10 → 12
        ([50, 10, 100, 100.9], "up", "Flat"),  # 0.9 % change is within 1 %
        ([100, 98.9], "up", "Worsening"),  # 1.1 %
        ([0, 0], "up", "Flat"),
        ([0, 3], "up", "Improving"),
        ([0, -3], "up", "Worsening"),
    ],
)
def test_trend(values, direction, expected) -> None:
    assert kpi_trend(values, direction) == expected


def test_trend_needs_two_values_and_numbers() -> None:
    assert code(kpi_trend([None, 5])) == NA
    assert code(kpi_trend([])) == NA
    assert code(kpi_trend([1, "x", 2])) == VALUE
    assert code(kpi_trend([1, 2], "up", -0.5)) == NUM
    assert kpi_trend([100, 104], "up", 0.05) == "Flat"


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.sampled_from(["up", "down"]),
       st.floats(0, 1))
def test_status_mirrors_between_directions(actual, target, direction, tolerance) -> None:
    # lower-is-better on x is higher-is-better on -x
    other = "down" if direction == "up" else "up"
    assert kpi_status(actual, target, direction, tolerance) == kpi_status(
        -actual, -target, other, tolerance)
