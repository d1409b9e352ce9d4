"""The template workbook: its sheets, names and formulas, and that the committed file is current."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from leanxl.data import template_path
from leanxl.domain import FACTORS
from leanxl.sheets.refresh import refresh
from leanxl.sheets.template import build_template
from tests.sheets_helpers import SAMPLE, read_csv

SHEETS = ["About", "Settings", "Factors", "Profiles", "Leads", "Campaigns", "CampaignMatrix",
          "Segments", "Mix", "Rules", "KPIs", "KPITracker", "InternalCustomers", "Team",
          "xlwings.conf"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "template.xlsx")


def test_sheets_names_and_settings(fresh: Path) -> None:
    wb = load_workbook(fresh)
    assert wb.sheetnames == SHEETS
    names = {n: wb.defined_names[n].attr_text for n in wb.defined_names}
    assert names["ScaleMax"] == "Settings!$B$5"
    assert names["PriceCut"] == "Settings!$B$6"
    assert names["ComplexityCut"] == "Settings!$B$7"
    assert names["Weights"] == "Settings!$B$17:$K$17"
    assert names["ProfileTargets"] == "Profiles!$B$5:$K$8"
    assert names["QualifyTable"] == "Rules!$A$4:$J$12"
    settings = wb["Settings"]
    assert [settings.cell(17, c).value for c in range(2, 12)] == [1.0] * 10
    assert [settings.cell(16, c).value for c in range(2, 12)] == [f.label for f in FACTORS]
    factors = wb["Factors"]
    assert [factors.cell(5 + i, 2).value for i in range(10)] == [f.key for f in FACTORS]
    assert wb["xlwings.conf"]["A1"].value == "UDF Modules"
    # The Rules sheet holds the sample table exactly as the sample rules.csv has it.
    with open(SAMPLE / "rules.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    rules = wb["Rules"]
    for i, row in enumerate(rows):  # the table, a blank row, and its EXAMPLES block
        for j, v in enumerate(row):
            assert str(rules.cell(4 + i, 1 + j).value or "") == v


def test_empty_template_shows_zeros_not_errors(fresh: Path) -> None:
    wv = load_workbook(fresh, data_only=True)
    assert [wv["Segments"].cell(r, 3).value for r in range(5, 10)] == [0] * 5
    assert [wv["Mix"].cell(r, 6).value for r in range(5, 13)] == [0] * 8
    leads = wv["Leads"]
    assert leads.max_row == 2 and leads["A2"].value is None
    assert leads["A1"].value == "lead_id"
    # Profile fit % is computed even without leads (the perfect prospect is 100).
    assert wv["Profiles"]["P5"].value == 100
    kpis = read_csv(SAMPLE / "kpi_definitions.csv")
    assert wv["KPITracker"].cell(5, 1).value == kpis[0]["kpi"]


def test_committed_template_is_current(fresh: Path) -> None:
    """The packaged template must equal a fresh build, formula and value alike."""
    template = template_path()
    for data_only in (False, True):
        a, b = load_workbook(template, data_only=data_only), load_workbook(fresh,
                                                                           data_only=data_only)
        assert a.sheetnames == b.sheetnames
        for ws in a.worksheets:
            other = b[ws.title]
            assert ws.max_row == other.max_row and ws.max_column == other.max_column, ws.title
            for row in ws.iter_rows():
                for cell in row:
                    assert other[cell.coordinate].value == cell.value, (
                        f"{ws.title}!{cell.coordinate} differs: rebuild the template with "
                        "python -m leanxl.sheets.template")


def test_repository_template_is_the_packaged_one() -> None:
    """workbook/leanxl-template.xlsx, where users of a checkout look, links to the one copy."""
    link = Path(__file__).resolve().parents[1] / "workbook" / "leanxl-template.xlsx"
    assert link.is_symlink()
    assert link.resolve() == template_path().resolve()


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="needs LibreOffice and poppler")
def test_libreoffice_opens_and_renders_a_refreshed_book(fresh: Path, tmp_path: Path) -> None:
    book = tmp_path / "demo.xlsx"
    small = tmp_path / "leads.csv"
    small.write_text("\n".join((SAMPLE / "leads.csv").read_text().splitlines()[:60]) + "\n")
    refresh(fresh, str(small), kpis=str(SAMPLE / "kpis.csv"), out=book, progress=False)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "demo.pdf"
    assert pdf.is_file()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines()
                     if line.startswith("Pages:")))
    assert pages >= len(SHEETS) - 1
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for title in ("Segments: customer spread vs marketing spread", "Sales, Marketing, Market mix",
                  "Campaigns matched against profiles", "There are no heroes"):
        assert title in text
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=120)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 2 and all(p.stat().st_size > 5000 for p in pngs)
    # LibreOffice has no LEANXL_* functions: every sheet must show the cached values, never
    # #NAME? (all sheets exported as CSV, one file per sheet).
    csv_dir = tmp_path / "csv"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,"
                    "false,-1", "--outdir", str(csv_dir), str(book)],
                   check=True, capture_output=True, timeout=180)
    sheets = {p.stem.removeprefix("demo-"): p.read_text() for p in csv_dir.glob("*.csv")}
    assert "Leads" in sheets and "Segments" in sheets
    assert not [name for name, body in sheets.items() if "#NAME?" in body]
    leads = list(csv.reader(sheets["Leads"].splitlines()))
    fit = leads[0].index("Fit %")
    assert all(0 <= float(row[fit]) <= 100 for row in leads[1:])


def test_input_cells_are_checked(fresh: Path, tmp_path: Path) -> None:
    """Factor targets accept 1..ScaleMax; KPI level and direction offer their choices; a
    refresh (twice) keeps exactly one check per range."""
    out = tmp_path / "dv.xlsx"
    refresh(fresh, str(SAMPLE / "leads.csv"), out=out, progress=False)
    refresh(out, str(SAMPLE / "leads.csv"), progress=False)
    wb = load_workbook(out)
    checks = {t: {str(d.sqref): (d.type, d.formula1, d.formula2)
                  for d in wb[t].data_validations.dataValidation}
              for t in ("Profiles", "Campaigns", "KPIs")}
    assert checks["Profiles"] == {"B5:K54": ("whole", "1", "ScaleMax")}
    assert checks["Campaigns"] == {"D5:M54": ("whole", "1", "ScaleMax")}
    assert checks["KPIs"]["H5:H54"] == ("list", '"higher,lower"', None)
    assert len(wb["KPIs"].data_validations.dataValidation) == 2
