"""xlsx.refs: every spelling of an A1 reference, parsed in one place."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leanxl.errors import WorkbookError
from leanxl.xlsx.refs import (
    MAX_COLS,
    MAX_ROWS,
    Area,
    column_index,
    column_letter,
    coordinate,
    parse_area,
    quote_sheet,
    split_coordinate,
    split_sheet,
)


@pytest.mark.parametrize(("text", "area"), [
    ("A1", Area(None, 1, 1, 1, 1, False, False, False, False)),
    ("$A$1", Area(None, 1, 1, 1, 1)),
    ("a$1", Area(None, 1, 1, 1, 1, True, False, True, False)),
    ("xfd1048576", Area(None, MAX_ROWS, MAX_COLS, MAX_ROWS, MAX_COLS,
                        False, False, False, False)),
    ("B2:C3", Area(None, 2, 2, 3, 3, False, False, False, False)),
    ("'My Sheet'!B2:C3", Area("My Sheet", 2, 2, 3, 3, False, False, False, False)),
    ("'Bob''s'!$B$2", Area("Bob's", 2, 2, 2, 2)),
    ("Sheet1!A:A", Area("Sheet1", 1, 1, MAX_ROWS, 1, True, False, True, False)),
    ("Sheet1!$B:$C", Area("Sheet1", 1, 2, MAX_ROWS, 3)),
    ("2:3", Area(None, 2, 1, 3, MAX_COLS, False, True, False, True)),
    (" Data!B2:K2 ", Area("Data", 2, 2, 2, 11, False, False, False, False)),
])
def test_every_spelling(text: str, area: Area) -> None:
    assert parse_area(text) == area


@pytest.mark.parametrize("text", ["", "A", "1A", "ABCD1", "A1:", "Weights", "'Sheet'A1",
                                  "A1B2", "A1:B"])
def test_not_a_reference(text: str) -> None:
    assert parse_area(text) is None


def test_cell_coordinates() -> None:
    assert split_coordinate("B12") == (12, 2)
    assert split_coordinate("$B$12") == (12, 2)
    assert split_coordinate("xfd1048576") == (MAX_ROWS, MAX_COLS)
    assert coordinate(12, 2) == "B12"
    for bad in ("12B", "B", "B2:C3", "Sheet1!B2", ""):
        with pytest.raises(WorkbookError):
            split_coordinate(bad)


def test_column_arithmetic_edges() -> None:
    assert [column_index(s) for s in ("A", "z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD")] == [
        1, 26, 27, 52, 53, 702, 703, 16384]
    for bad in ("", "A1", "$A", "Ä"):
        with pytest.raises(ValueError):
            column_index(bad)
    with pytest.raises(ValueError):
        column_letter(0)


@given(st.integers(min_value=1, max_value=MAX_COLS))
def test_column_letter_and_index_are_inverse(index: int) -> None:
    letters = column_letter(index)
    assert 1 <= len(letters) <= 3 and letters.isascii() and letters.isupper()
    assert column_index(letters) == index
    assert column_index(letters.lower()) == index


@given(st.text(min_size=1, max_size=31).filter(lambda t: not t.startswith("'")))
def test_quoted_sheet_names_round_trip(title: str) -> None:
    sheet, body = split_sheet(f"{quote_sheet(title)}!B2")
    assert (sheet, body) == (title, "B2")


@given(st.sampled_from(["Leads", "My Sheet", "Bob's", "2024", "A1", "R1C1", "Ventes été"]),
       st.integers(1, MAX_ROWS), st.integers(1, MAX_COLS),
       st.integers(0, 5), st.integers(0, 5))
def test_a1_text_parses_back(title: str, row: int, col: int, drow: int, dcol: int) -> None:
    area = Area(title, row, col, min(row + drow, MAX_ROWS), min(col + dcol, MAX_COLS),
                False, False, False, False)  # a1() writes no $ anchors
    assert parse_area(area.a1()) == area


def test_sheet_quoting() -> None:
    assert quote_sheet("Leads") == "Leads"
    assert quote_sheet("My Sheet") == "'My Sheet'"
    assert quote_sheet("Bob's") == "'Bob''s'"
    assert quote_sheet("t.csv") == "'t.csv'"
    # Names Excel would read as a reference or a number must be quoted too.
    assert [quote_sheet(t) for t in ("A1", "R1C1", "2024", "C")] == [
        "'A1'", "'R1C1'", "'2024'", "'C'"]
    assert split_sheet("A1") == (None, "A1")
