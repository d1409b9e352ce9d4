"""Refresh sources (CSV, xlsx, Parquet, SQLite) and bad input: clear errors, workbook untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from leanxl.errors import SourceError, TableError, WorkbookError
from leanxl.sheets.refresh import refresh
from leanxl.sheets.template import build_template
from tests.sheets_helpers import SAMPLE, header_index

LEADS = SAMPLE / "leads.csv"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "template.xlsx")


@pytest.fixture()
def book(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    path.write_bytes(template.read_bytes())
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lead_ids(path: Path) -> list[str]:
    wb = load_workbook(path, read_only=True)
    try:
        ws = wb["Leads"]
        rows = ws.iter_rows(values_only=True)
        heads = next(rows)
        i = heads.index("lead_id")
        return [r[i] for r in rows]
    finally:
        wb.close()


def sample(n: int = 40) -> pd.DataFrame:
    return pd.read_csv(LEADS).head(n)


def test_sqlite_table_and_query(book: Path, tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    with sqlite3.connect(db) as conn:
        sample(200).to_sql("leads", conn, index=False)
    refresh(book, f"sqlite:///{db}", table="leads", progress=False)
    assert lead_ids(book) == list(sample(200)["lead_id"])
    refresh(book, f"sqlite:///{db}", query="select * from leads where region = 'North'",
            progress=False)
    want = sample(200)
    assert lead_ids(book) == list(want[want["region"] == "North"]["lead_id"])


def test_xlsx_and_parquet_sources(book: Path, tmp_path: Path) -> None:
    frame = sample(30)
    frame.to_excel(tmp_path / "crm.xlsx", index=False)
    refresh(book, str(tmp_path / "crm.xlsx"), progress=False)
    assert lead_ids(book) == list(frame["lead_id"])
    frame.head(7).to_parquet(tmp_path / "crm.parquet")
    refresh(book, str(tmp_path / "crm.parquet"), progress=False)
    assert lead_ids(book) == list(frame.head(7)["lead_id"])


def test_semicolon_csv_with_spelled_out_headers(book: Path, tmp_path: Path) -> None:
    frame = sample(5).rename(columns={"buyer_maturity": "Buyer Maturity",
                                      "in_sales_plan": "In sales plan"})
    frame.to_csv(tmp_path / "eu.csv", sep=";", index=False)
    refresh(book, str(tmp_path / "eu.csv"), progress=False)
    ws = load_workbook(book)["Leads"]
    assert "buyer_maturity" in header_index(ws)


def test_european_excel_csv_decimal_commas_and_cp1252(book: Path, tmp_path: Path) -> None:
    frame = sample(8).assign(price=lambda f: f["price"] + 0.25,
                             company=["Müller GmbH", *sample(8)["company"][1:]])
    frame.to_csv(tmp_path / "eu.csv", sep=";", decimal=",", index=False, encoding="cp1252")
    assert b"12600,25" in (tmp_path / "eu.csv").read_bytes()
    refresh(book, str(tmp_path / "eu.csv"), progress=False)
    wb = load_workbook(book, read_only=True)
    try:
        rows = wb["Leads"].iter_rows(values_only=True)
        heads = next(rows)
        got = [(r[heads.index("company")], r[heads.index("price")]) for r in rows]
    finally:
        wb.close()
    assert got == list(zip(frame["company"], frame["price"], strict=True))


def _missing_column(tmp: Path) -> Path:
    sample().drop(columns=["price_sensitivity"]).to_csv(tmp / "s.csv", index=False)
    return tmp / "s.csv"


def _text_in_factor(tmp: Path) -> Path:
    frame = sample().astype({"interest": object})
    frame.loc[6, "interest"] = "very high"
    frame.to_csv(tmp / "s.csv", index=False)
    return tmp / "s.csv"


def _empty_file(tmp: Path) -> Path:
    (tmp / "s.csv").write_text("")
    return tmp / "s.csv"


def _header_only(tmp: Path) -> Path:
    sample(0).to_csv(tmp / "s.csv", index=False)
    return tmp / "s.csv"


def _bad_flag(tmp: Path) -> Path:
    frame = sample().astype({"in_target_market": object})
    frame.loc[2, "in_target_market"] = "maybe"
    frame.to_csv(tmp / "s.csv", index=False)
    return tmp / "s.csv"


@pytest.mark.parametrize(("make", "words"), [
    (_missing_column, ["missing column", "price_sensitivity"]),
    (_text_in_factor, ["'interest'", "very high", "row 7"]),
    (_empty_file, ["no rows"]),
    (_header_only, ["no rows"]),
    (_bad_flag, ["in_target_market", "maybe"]),
])
def test_bad_source_is_refused_and_the_book_is_untouched(
        book: Path, tmp_path: Path, make: Callable[[Path], Path], words: list[str]) -> None:
    src = make(tmp_path)
    before = digest(book)
    with pytest.raises(SourceError) as err:
        refresh(book, str(src), progress=False)
    for word in words:
        assert word in str(err.value)
    assert digest(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["book.xlsx", "s.csv"])


def test_database_without_query_or_table(book: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="--query or --table"):
        refresh(book, f"sqlite:///{tmp_path / 'x.db'}", progress=False)


def test_locked_workbook_is_refused(book: Path) -> None:
    lock = book.with_name("~$" + book.name)
    lock.write_bytes(b"owner")
    before = digest(book)
    with pytest.raises(WorkbookError, match="open in Excel"):
        refresh(book, str(LEADS), progress=False)
    assert digest(book) == before


def test_broken_rule_table_is_refused(book: Path) -> None:
    wb = load_workbook(book)
    wb["Rules"]["A6"] = "<=two"
    wb.save(book)
    before = digest(book)
    with pytest.raises(TableError):
        refresh(book, str(LEADS), progress=False)
    assert digest(book) == before


def test_not_a_workbook(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("hello")
    with pytest.raises(WorkbookError, match="not a workbook"):
        refresh(fake, str(LEADS), progress=False)
    assert fake.read_text() == "hello"


def test_bad_factor_value_becomes_a_cell_error(book: Path, tmp_path: Path) -> None:
    frame = sample(5)
    frame.loc[1, "buyer_knowledge"] = 9  # outside 1..5: #NUM! in that row, the rest scored
    frame.to_csv(tmp_path / "s.csv", index=False)
    refresh(book, str(tmp_path / "s.csv"), progress=False)
    ws = load_workbook(book, data_only=True)["Leads"]
    col = header_index(ws)
    assert ws.cell(3, col["Fit %"]).value == "#NUM!"
    assert isinstance(ws.cell(2, col["Fit %"]).value, int | float)  # 50.0 is stored as 50


def test_output_must_keep_the_file_type(book: Path, tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="cannot write a .xlsx workbook as .xlsm"):
        refresh(book, str(LEADS), out=tmp_path / "x.xlsm", progress=False)
    assert not (tmp_path / "x.xlsm").exists()
