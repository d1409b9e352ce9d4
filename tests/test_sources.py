"""One reader of leads for every command: a CSV as a European Excel writes it (semicolons,
decimal commas, Windows-1252 or UTF-8 with a BOM) reads the same in ``audit`` as in
``refresh``."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from leanxl.cli import main
from leanxl.data import sample_path
from leanxl.sources import read_source

# Prices with decimal commas: 1.000,5 is "one thousand and a half".
EXCEL_EU_CSV = (
    "lead_id;company;price;recorded\r\n"
    "L1;Müller GmbH;1.000,5;High\r\n"
    "L2;Søren ApS;999,75;Low\r\n"
    "L3;Café Crème;2500;High\r\n"
    "L4;Straße AG;12,5;High\r\n"
)


def excel_csv(tmp_path: Path, encoding: str) -> Path:
    path = tmp_path / f"crm-{encoding}.csv"
    path.write_bytes(EXCEL_EU_CSV.encode(encoding))
    return path


def rules_book(tmp_path: Path) -> Path:
    path = tmp_path / "rules.xlsx"
    wb = openpyxl.Workbook()
    for r, row in enumerate([["DECISION Size", "FIRST"], ["IN price", "OUT status"],
                             [">=1000.5", "High"], ["-", "Low"]], start=1):
        for c, v in enumerate(row, start=1):
            wb.active.cell(r, c, v)
    wb.save(path)
    return path


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_audit_reads_a_european_excel_csv(tmp_path: Path, encoding: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    crm = excel_csv(tmp_path, encoding)
    code = main(["audit", str(rules_book(tmp_path)), "--leads", str(crm),
                 "--recorded", "recorded"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    # Only L4 (12,5 < 1000,5) deviates: recorded High, the rules say Low.  Read as one
    # column, or with 1.000,5 as text, the audit cannot say that.
    assert "Size: 1 of 4 leads (25.0%) recorded a status other than the rules'" in captured.out
    assert "L4" in captured.out and "L2" not in captured.out.split("deviating leads:")[1]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_read_source_decodes_separators_decimal_commas_and_text(tmp_path: Path,
                                                                encoding: str) -> None:
    frame = read_source(str(excel_csv(tmp_path, encoding)))
    assert list(frame.columns) == ["lead_id", "company", "price", "recorded"]
    assert frame["price"].tolist() == [1000.5, 999.75, 2500.0, 12.5]
    assert frame["company"].tolist() == ["Müller GmbH", "Søren ApS", "Café Crème", "Straße AG"]


def test_semicolon_file_with_text_that_looks_numeric_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("code;price\nA1,5;10\nB;20\n", encoding="utf-8")
    frame = read_source(str(path))
    assert frame["code"].tolist() == ["A1,5", "B"]
    assert frame["price"].tolist() == [10, 20]


def test_comma_csv_is_read_as_before(tmp_path: Path) -> None:
    frame = pd.DataFrame({"lead_id": ["L1", "L2"], "price": [1.5, 2.25]})
    frame.to_csv(tmp_path / "plain.csv", index=False)
    pd.testing.assert_frame_equal(read_source(str(tmp_path / "plain.csv")), frame,
                                  check_dtype=False)


def test_check_reads_a_semicolon_table_csv(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import csv

    with sample_path("rules.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    table = tmp_path / "rules-eu.csv"
    with table.open("w", encoding="cp1252", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    assert main(["check", str(table)]) == 0
    assert "Qualify (FIRST, 7 rules, 6 examples): ok" in capsys.readouterr().out


# --------------------------------------------------------------------------- Arrow's CSV path
_UNQUOTED = {
    "crlf.csv": ("lead_id,price,created,flag,note\r\n00017,12.5,2025-01-02,yes, padded \r\n"
                 "L2,,2025-01-03,no,\r\n\r\nL3,7,,x,n/a\r\n", "utf-8"),
    "semicolon.csv": ("\ufeffLead ID;Price;Note\nA1;1.234,5;ä ö\nA2;12,5;NaN\nA3;;-\n", "utf-8"),
    "cr.csv": ("a,b\r1,+4917012345678\r2,3\r", "utf-8"),
    "tabs.csv": ("k\tv\tw\nx\t1e5\t \ny\t2\t\n", "utf-8"),
    "cp1252.csv": ("name;amount\nMüller;1.000\nSøren;2.500\n", "cp1252"),
}


@pytest.mark.parametrize("name", sorted(_UNQUOTED))
def test_arrow_and_pandas_read_an_unquoted_csv_alike(tmp_path: Path, name: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from leanxl import sources

    text, encoding = _UNQUOTED[name]
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    taken = []
    arrow = sources._read_csv_arrow
    monkeypatch.setattr(sources, "_read_csv_arrow", lambda *a: taken.append(arrow(*a))
                        or taken[-1])
    for as_text in (False, True):
        ours = sources.read_csv(path, text=as_text)
        assert taken[-1] is not None  # Arrow read it
        with monkeypatch.context() as m:
            m.setattr(sources, "_read_csv_arrow", lambda *a: None)
            theirs = sources.read_csv(path, text=as_text)
        assert list(ours.columns) == list(theirs.columns)
        assert ours.attrs == theirs.attrs
        for col in ours.columns:
            assert ours[col].dtype == theirs[col].dtype, col
            for a, b in zip(ours[col].tolist(), theirs[col].tolist(), strict=True):
                assert (a == b and type(a) is type(b)) or (a != a and b != b), (col, a, b)


@pytest.mark.parametrize("text", [
    'a,b\n"x, y",1\n',  # quotes: pandas' rules
    "a,b\n1,2\n3\n",  # a short row
    "a,a\n1,2\n",  # a repeated header
    "a,,c\n1,2,3\n",  # an empty header
    "a\n1\n",  # one column
    "a,b\n1,2\x00\n",  # a NUL byte
])
def test_irregular_csv_is_left_to_pandas(text: str) -> None:
    from leanxl.sources import _read_csv_arrow

    assert _read_csv_arrow(text.encode(), ",", None) is None
