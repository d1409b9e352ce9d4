"""``leanxl new``: a fresh .xlsx / .xlsm from the packaged template, refused over an existing
file, and what ``refresh`` says about a workbook that does not exist."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from leanxl.cli import main
from leanxl.data import sample_path, template_path
from tests.sheets_helpers import read_csv

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def workbook_content_type(path: Path) -> str:
    """The content type [Content_Types].xml gives the workbook part, read with plain regex."""
    with zipfile.ZipFile(path) as z:
        types = z.read("[Content_Types].xml").decode()
    found = re.findall(r'PartName="/xl/workbook\.xml" ContentType="([^"]+)"', types)
    assert len(found) == 1, types
    return found[0]


def test_new_xlsx_is_the_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "sub" / "sales.xlsx"
    assert main(["new", str(book)]) == 0
    assert f"leanxl refresh {book} --leads crm.csv" in capsys.readouterr().out
    assert book.read_bytes() == template_path().read_bytes()
    assert workbook_content_type(book) == XLSX
    assert book.stat().st_mode & 0o077 != 0  # an ordinary file, not mkstemp's private one
    assert [p.name for p in book.parent.iterdir()] == ["sales.xlsx"]  # no temp file left


def test_new_xlsm_is_macro_enabled_and_otherwise_the_template(tmp_path: Path) -> None:
    book = tmp_path / "Sales.XLSM"
    assert main(["new", str(book)]) == 0
    assert workbook_content_type(book) == XLSM
    with zipfile.ZipFile(book) as new, zipfile.ZipFile(template_path()) as tpl:
        assert new.namelist() == tpl.namelist()
        for name in tpl.namelist():
            if name != "[Content_Types].xml":
                assert new.read(name) == tpl.read(name), name
    wb = load_workbook(book, keep_vba=True)
    assert wb.sheetnames == load_workbook(template_path()).sheetnames
    assert wb["Leads"]["A1"].value == "lead_id" and wb["Leads"]["A2"].value is None


def test_refresh_of_a_new_xlsm_stays_macro_enabled(tmp_path: Path) -> None:
    book = tmp_path / "sales.xlsm"
    leads = tmp_path / "leads.csv"
    leads.write_text("\n".join(sample_path("leads.csv").read_text().splitlines()[:41]) + "\n")
    assert main(["new", str(book)]) == 0
    assert main(["refresh", str(book), "--leads", str(leads), "--no-progress"]) == 0
    assert workbook_content_type(book) == XLSM
    wb = load_workbook(book, keep_vba=True, read_only=True)
    ids = [row[0] for row in wb["Leads"].iter_rows(min_row=2, max_col=1, values_only=True)]
    wb.close()
    assert ids == [row["lead_id"] for row in read_csv(leads)]


def test_new_refuses_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "sales.xlsx"
    book.write_bytes(b"mine")
    assert main(["new", str(book)]) == 2
    err = capsys.readouterr().err
    assert err == f"leanxl new: {book}: the file exists (choose another name, or add --force " \
                  "to replace it)\n"
    assert book.read_bytes() == b"mine"
    book.chmod(0o640)
    assert main(["new", str(book), "--force"]) == 0
    assert book.read_bytes() == template_path().read_bytes()
    assert book.stat().st_mode & 0o777 == 0o640  # --force keeps the replaced file's mode


def test_new_refuses_a_locked_file_even_with_force(tmp_path: Path) -> None:
    book = tmp_path / "sales.xlsx"
    book.write_bytes(b"mine")
    (tmp_path / "~$sales.xlsx").write_bytes(b"")
    assert main(["new", str(book), "--force"]) == 2
    assert book.read_bytes() == b"mine"


@pytest.mark.parametrize("name", ["sales.xls", "sales.csv", "sales", "sales.xltx"])
def test_new_refuses_other_extensions(name: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert "a leanxl workbook ends in .xlsx or .xlsm" in err and "name it sales.xlsx" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "book.xlsx").mkdir()
    assert main(["new", str(tmp_path / "book.xlsx"), "--force"]) == 2
    assert "a folder has that name" in capsys.readouterr().err


def test_refresh_of_a_missing_book_says_how_to_create_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "my sales.xlsx"
    assert main(["refresh", str(book), "--leads", str(sample_path("leads.csv"))]) == 2
    err = capsys.readouterr().err
    assert err == f"leanxl refresh: {book}: workbook not found (create it with: leanxl new " \
                  f"'{book}')\n"


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_libreoffice_opens_new_xlsx_and_xlsm(tmp_path: Path) -> None:
    books = [tmp_path / "a.xlsx", tmp_path / "b.xlsm"]
    for book in books:
        assert main(["new", str(book)]) == 0
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile}",
                    "--convert-to", "csv", "--outdir", str(tmp_path / "csv"),
                    *map(str, books)], check=True, capture_output=True, timeout=180)
    # The first sheet (About) as LibreOffice read it: the same text from both packages.
    a, b = (tmp_path / "csv" / "a.csv").read_text(), (tmp_path / "csv" / "b.csv").read_text()
    assert "leanxl" in a and a == b
