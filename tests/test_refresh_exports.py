"""leanxl refresh fed the exports CRMs and Excel write (issue 11): nothing mangled or lost.

Every export is written byte for byte (tests/exports.py); every check opens the refreshed
workbook again with openpyxl, cell by cell (LibreOffice where the issue is another program).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from leanxl.cli import main
from leanxl.sheets.template import build_template
from tests.exports import crm_csv, csv_utf8_bom, european_excel_csv, sample_rows, unicode_text
from tests.sheets_helpers import header_index


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "template.xlsx")


@pytest.fixture
def book(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(template, tmp_path / "sales.xlsx"))


def refresh(book: Path, leads: Path, *extra: str) -> int:
    return main(["refresh", str(book), "--leads", str(leads), "--no-progress", *extra])


def leads_sheet(book: Path, data_only: bool = True) -> tuple[Any, dict[str, int]]:
    ws = load_workbook(book, data_only=data_only)["Leads"]
    return ws, header_index(ws)


def column(book: Path, head: str) -> list[Any]:
    ws, col = leads_sheet(book)
    return [ws.cell(r, col[head]).value for r in range(2, ws.max_row + 1)]


def period_end(book: Path) -> dt.date:
    wb = load_workbook(book, data_only=True)
    sheet, ref = next(iter(wb.defined_names["PeriodEnd"].destinations))
    value = wb[sheet][ref.replace("$", "")].value
    return value.date() if isinstance(value, dt.datetime) else value


# --------------------------------------------------------------------------- formula injection
def test_source_text_is_never_a_formula(book: Path, tmp_path: Path) -> None:
    rows = sample_rows(20)
    evil = '=HYPERLINK("http://evil.example","hdr")'
    for r in rows:
        r[evil] = "x"
    leads = crm_csv(tmp_path / "leads.csv", rows)
    camps = tmp_path / "campaigns.csv"
    camps.write_text("code,name,channel," + ",".join(
        ["buyer_maturity", "buyer_knowledge", "buyer_influence", "company_size",
         "product_complexity", "interest", "availability", "price_sensitivity", "competition",
         "purchase_history"]) + '\r\nA1,"=1+1",=2+2,2,2,1,1,,2,,,,\r\n', encoding="utf-8")
    profs = tmp_path / "profiles.csv"
    profs.write_text("profile,buyer_maturity,buyer_knowledge,buyer_influence,company_size,"
                     "product_complexity,interest,availability,price_sensitivity,competition,"
                     "purchase_history\r\n=3+3,1,1,1,1,1,1,1,1,1,1\r\n", encoding="utf-8")
    kpis = tmp_path / "kpis.csv"
    kpis.write_text("kpi,=SUM(9),W02\r\nCalls to qualified leads per day,9,10\r\n",
                    encoding="utf-8")
    assert refresh(book, leads, "--campaigns", str(camps), "--profiles", str(profs),
                   "--kpis", str(kpis)) == 0
    wb = load_workbook(book)
    found = {}
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and v in (evil, "=1+1", "=2+2", "=3+3", "=SUM(9)"):
                    found.setdefault(v, []).append((ws.title, cell.coordinate, cell.data_type))
    assert set(found) == {evil, "=1+1", "=2+2", "=3+3", "=SUM(9)"}
    formulas = [f for cells in found.values() for f in cells if f[2] != "s"]
    assert formulas == []
    assert any(t == "Leads" for t, _c, _d in found[evil])
    assert any(t == "CampaignMatrix" for t, _c, _d in found["=3+3"])
    assert any(t == "KPITracker" for t, _c, _d in found["=SUM(9)"])


# --------------------------------------------------------------------------- dates
def test_one_us_date_first_keeps_every_iso_date(book: Path, tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0]["created"] = "07/28/2025"
    assert refresh(book, crm_csv(tmp_path / "leads.csv", rows)) == 0
    got = column(book, "created")
    want = [dt.datetime(2025, 7, 28)] + [dt.datetime.fromisoformat(r["created"])
                                         for r in rows[1:]]
    assert got == want


def test_mixed_date_formats_each_read_and_unreadable_ones_named(
        book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows(15)
    texts = ["2025-07-28", "07/28/2025", "28.07.2025", "45866", "2025-07-28T09:30:00Z",
             "3/4/2025", "12/31/2024", "31.12.2024", "1.2.2025", "2025-01-05", "Jul 28, 2025",
             "soon", "", "2025-02-30", "2024-12-31 23:59"]
    for r, t in zip(rows, texts, strict=True):
        r["created"] = t
    assert refresh(book, crm_csv(tmp_path / "leads.csv", rows)) == 0
    got = [v if v is None else v.replace(hour=0, minute=0, second=0) for v in
           column(book, "created")]
    d = dt.datetime
    assert got == [d(2025, 7, 28), d(2025, 7, 28), d(2025, 7, 28), d(2025, 7, 28),
                   d(2025, 7, 28), d(2025, 3, 4), d(2024, 12, 31), d(2024, 12, 31),
                   d(2025, 2, 1), d(2025, 1, 5), d(2025, 7, 28), None, None, None,
                   d(2024, 12, 31)]
    err = capsys.readouterr().err
    assert "column 'created': 2 value(s) could not be read as dates" in err
    assert "data rows 12, 14" in err and "'soon'" in err
    assert "dates like a/b/yyyy read month first (as '07/28/2025' shows)" in err
    assert "dates like a.b.yyyy read day first (as '28.07.2025' shows)" in err


@pytest.mark.parametrize("other", [None, "07/28/2025"])
def test_iso_days_in_bulk_and_years_no_date_type_holds(
        book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        other: str | None) -> None:
    """An ISO-only column (read in bulk, issue 12) and a mixed one (read value by value) give
    the same dates; a day that does not exist and a year outside 1677..2262 are named and
    left blank (such a year stopped the refresh with a traceback before)."""
    rows = sample_rows(8)
    texts = ["2025-07-28", " 2025-07-29 ", "", "2025-02-30", "0001-01-01", "9999-12-31",
             "2024-02-29", other or "2025-01-05"]
    for r, t in zip(rows, texts, strict=True):
        r["created"] = t
    assert refresh(book, crm_csv(tmp_path / "leads.csv", rows)) == 0
    d = dt.datetime
    assert column(book, "created") == [d(2025, 7, 28), d(2025, 7, 29), None, None, None, None,
                                       d(2024, 2, 29), d(2025, 7, 28) if other
                                       else d(2025, 1, 5)]
    err = capsys.readouterr().err
    assert "column 'created': 3 value(s) could not be read as dates" in err
    assert "data rows 4, 5, 6" in err and "'2025-02-30', '0001-01-01', '9999-12-31'" in err


def test_a_2099_typo_does_not_move_the_period(book: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows()
    latest = max(dt.date.fromisoformat(r["created"]) for r in rows)
    rows[5]["created"] = "2099-12-31"
    assert refresh(book, crm_csv(tmp_path / "leads.csv", rows)) == 0
    assert period_end(book) == latest
    assert "1 lead date(s) after today (2099-12-31) do not move the reporting period" in \
        capsys.readouterr().err
    assert column(book, "created")[5] == dt.datetime(2099, 12, 31)  # the lead keeps its date


# --------------------------------------------------------------------------- identifiers, numbers
def test_identifiers_keep_their_text_and_european_numbers_read_right(
        book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows(40)
    for i, r in enumerate(rows):
        r["lead_id"] = f"{i + 1:05d}"
        r["phone"] = f"+491701234{i:04d}"
        r["account"] = f"1234567890123456789{i % 10}"
        r["company"] = "Müller Straße GmbH"
    path = european_excel_csv(tmp_path / "leads.csv", rows)
    assert b"12.600;" in path.read_bytes() and b"\xfc" in path.read_bytes()  # as Excel writes
    assert refresh(book, path) == 0
    assert column(book, "lead_id") == [f"{i + 1:05d}" for i in range(40)]
    assert column(book, "phone") == [f"+491701234{i:04d}" for i in range(40)]
    assert column(book, "account") == [f"1234567890123456789{i % 10}" for i in range(40)]
    assert column(book, "company") == ["Müller Straße GmbH"] * 40
    assert column(book, "price") == [float(r["price"]) for r in rows]
    assert column(book, "revenue") == [float(r["revenue"]) for r in rows]
    assert column(book, "in_sales_plan") == [r["in_sales_plan"] == "True" for r in rows]
    assert column(book, "created") == [dt.datetime.fromisoformat(r["created"]) for r in rows]
    assert column(book, "Segment")[0] == "S1"  # 12.600 is 12600 (< 40000), complexity 2
    err = capsys.readouterr().err
    assert "leads.csv: Windows-1252, ';' separated, decimal ','" in err


@pytest.mark.parametrize("writer, line", [
    (unicode_text, "leads.csv: UTF-16LE, '\\t' separated, decimal '.'"),
    (csv_utf8_bom, "leads.csv: UTF-8 with BOM, ',' separated, decimal '.'"),
    (crm_csv, "leads.csv: UTF-8, ',' separated, decimal '.'"),
])
def test_excel_and_crm_encodings_read_and_said(book: Path, tmp_path: Path, writer: Any,
                                               line: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows(30)
    for r in rows:
        r["company"] = "Åkesson & Søn, “Zürich”"
        r["notes"] = "first line\r\nsecond; line\twith tab, and \"quotes\""
    assert refresh(book, writer(tmp_path / "leads.csv", rows)) == 0
    assert line in capsys.readouterr().err
    assert column(book, "company") == ["Åkesson & Søn, “Zürich”"] * 30
    assert column(book, "notes") == ["first line\nsecond; line\twith tab, and \"quotes\""] * 30
    assert column(book, "lead_id") == [r["lead_id"] for r in rows]
    assert column(book, "price") == [float(r["price"]) for r in rows]


def test_a_value_that_is_not_a_number_is_named_with_the_file_format(
        book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows(5)
    path = european_excel_csv(tmp_path / "leads.csv", rows)
    lines = path.read_bytes().split(b"\r\n")
    price = f"{float(rows[3]['price']):,.0f}".replace(",", ".").encode()
    lines[4] = lines[4].replace(b";" + price + b";", b";12.600,00 EUR;")
    path.write_bytes(b"\r\n".join(lines))
    before = book.read_bytes()
    assert refresh(book, path) == 2
    err = capsys.readouterr().err
    assert "column 'price' has '12.600,00 EUR' in data row 4, not a finite number as this " \
        "file writes them (decimal ',', thousands '.')" in err
    assert book.read_bytes() == before


# --------------------------------------------------------------------------- XML
def test_infinite_numbers_and_characters_xml_forbids(book: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    rows = sample_rows(40)
    for i, r in enumerate(rows):
        r["score"] = ["inf", "-inf", "NaN", "1.5"][i % 4]
        r["notes"] = f"bad\x01char\x0bs\ufffe and \uffff row {i}"
    leads = tmp_path / "leads.csv"
    leads.write_bytes(crm_csv(tmp_path / "x.csv", rows).read_bytes())
    assert refresh(book, leads) == 0
    assert "removed characters a workbook cannot hold" in capsys.readouterr().err
    with zipfile.ZipFile(book) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
    assert not re.search(rb"<v>-?(inf|nan)</v>", xml, re.I)
    notes = column(book, "notes")
    assert notes == [f"badchars and  row {i}" for i in range(40)]
    assert column(book, "score")[:4] == ["inf", "-inf", "NaN", "1.5"]  # text, as exported

    # A frame (or Parquet file) with real infinities in a column of its own.
    import pandas as pd

    from leanxl.sheets.refresh import refresh as api_refresh

    frame = pd.read_csv(leads).assign(score=[float("inf"), float("-inf"), float("nan"), 1.5]
                                      * 10)
    api_refresh(book, frame, progress=False)
    with zipfile.ZipFile(book) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
    assert not re.search(rb"<v>-?(inf|nan)</v>", xml, re.I)
    assert column(book, "score")[:4] == ["#NUM!", "#NUM!", None, 1.5]
    assert len(pd.read_excel(book, sheet_name="Leads", engine="openpyxl")) == 40  # pandas reads it
    assert main(["check", str(book)]) == 0  # and so does leanxl check

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice not installed")
    wb = load_workbook(book, read_only=True)
    index = wb.sheetnames.index("Leads") + 1
    wb.close()
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile}",
                    "--convert-to", f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,"
                    f"true,false,false,false,{index}", "--outdir", str(tmp_path / "lo"),
                    str(book)], check=True, capture_output=True, timeout=300)
    out = next((tmp_path / "lo").glob("*.csv")).read_text(encoding="utf-8")
    import csv
    import io

    lo_rows = list(csv.reader(io.StringIO(out)))
    assert len([r for r in lo_rows if any(r)]) == 41
    # A frame handed to the API skips the CSV reader's clean-up: its text is written whole,
    # with Excel's own escape for what XML cannot hold (_x0001_), and comes back whole.
    assert lo_rows[40][lo_rows[0].index("notes")] == "bad\x01char\x0bs\ufffe and \uffff row 39"


def test_price_inf_is_refused(book: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows(5)
    rows[2]["price"] = "inf"
    before = book.read_bytes()
    assert refresh(book, crm_csv(tmp_path / "leads.csv", rows)) == 2
    assert "column 'price' has 'inf' in data row 3, not a finite number" in \
        capsys.readouterr().err
    assert book.read_bytes() == before
