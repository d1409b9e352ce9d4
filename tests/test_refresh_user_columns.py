"""The user's own Leads columns follow their lead, or the refresh refuses (issue 11).

A book is refreshed once, notes are typed into a column of the user's (openpyxl, as a user's
Excel would save them), then the book is refreshed again from a changed export.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from leanxl.cli import main
from leanxl.sheets.template import build_template
from tests.exports import crm_csv, sample_rows
from tests.sheets_helpers import header_index

N = 12


@pytest.fixture(scope="module")
def noted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book refreshed once, with a Notes and a Rating column typed in by the user."""
    folder = tmp_path_factory.mktemp("noted")
    book = build_template(folder / "sales.xlsx")
    assert main(["refresh", str(book), "--leads",
                 str(crm_csv(folder / "leads.csv", sample_rows(N))), "--no-progress"]) == 0
    wb = load_workbook(book)
    ws = wb["Leads"]
    col = header_index(ws)
    notes, rating = ws.max_column + 1, ws.max_column + 2
    ws.cell(1, notes, "Notes")
    ws.cell(1, rating, "Rating")
    for r in range(2, N + 2):
        lead = ws.cell(r, col["lead_id"]).value
        ws.cell(r, notes, f"call {lead} back")
        ws.cell(r, rating, r * 10)
    wb.save(book)
    return book


@pytest.fixture
def book(noted: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(noted, tmp_path / "sales.xlsx"))


def notes_by_lead(book: Path) -> dict[str, tuple[str, int]]:
    ws = load_workbook(book, data_only=True)["Leads"]
    col = header_index(ws)
    return {ws.cell(r, col["lead_id"]).value: (ws.cell(r, col["Notes"]).value,
                                                ws.cell(r, col["Rating"]).value)
            for r in range(2, ws.max_row + 1)}


def refresh(book: Path, leads: Path) -> int:
    return main(["refresh", str(book), "--leads", str(leads), "--no-progress"])


def test_reordered_rows_keep_each_lead_its_notes(book: Path, tmp_path: Path) -> None:
    rows = sample_rows(N)[::-1]
    assert refresh(book, crm_csv(tmp_path / "leads.csv", rows)) == 0
    got = notes_by_lead(book)
    assert got == {f"L{i:05d}": (f"call L{i:05d} back", (i + 1) * 10) for i in range(1, N + 1)}
    ws = load_workbook(book)["Leads"]
    assert ws.cell(2, header_index(ws)["lead_id"]).value == f"L{N:05d}"


def test_renamed_id_column_is_refused(book: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows(N)
    header = ["Lead #", *list(rows[0])[1:]]
    before = book.read_bytes()
    assert refresh(book, crm_csv(tmp_path / "leads.csv", rows, header=header)) == 2
    err = capsys.readouterr().err
    assert "your own Leads columns ('Notes', 'Rating') are matched to leads by lead_id, but " \
        "the export has no lead_id values (rename 'Lead #' to lead_id in the export)" in err
    assert book.read_bytes() == before


def test_duplicate_ids_are_refused_with_their_rows(book: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows(N)
    for r in rows[5:10]:
        r["lead_id"] = "L00001"
    before = book.read_bytes()
    assert refresh(book, crm_csv(tmp_path / "leads.csv", rows)) == 2
    err = capsys.readouterr().err
    assert "lead_id 'L00001' appears in data rows 1, 6, 7, 8, 9 and 1 more of the export" in err
    assert "cannot tell which lead their values belong to" in err
    assert book.read_bytes() == before


def test_leads_gone_from_the_export_are_named(book: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows(N)[2:]
    assert refresh(book, crm_csv(tmp_path / "leads.csv", rows)) == 0
    assert "2 lead(s) with values in your own columns ('Notes', 'Rating') are not in the " \
        "export (L00001, L00002)" in capsys.readouterr().err
    assert notes_by_lead(book) == {f"L{i:05d}": (f"call L{i:05d} back", (i + 1) * 10)
                                   for i in range(3, N + 1)}
