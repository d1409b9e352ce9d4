"""leanxl refresh: the refreshed sample workbook, reopened and checked cell by cell.

Expected values come from SPEC's formulas (tests/scoring_reference.py), a small evaluator of
the sample rules and plain counting over the CSV (tests/sheets_helpers.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from leanxl import kpi
from leanxl.cli import main
from leanxl.sheets.refresh import refresh
from leanxl.sheets.template import build_template
from tests.scoring_reference import ref_match
from tests.sheets_helpers import FACTORS, SAMPLE, expected_leads, header_index, profiles, read_csv

COMPUTED = {"fit": "Fit %", "best_profile": "Best profile", "match": "Match %",
            "segment": "Segment", "mix": "Mix region", "decision": "Decision",
            "follows": "Follows rules"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "template.xlsx")


@pytest.fixture(scope="module")
def demo(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    refresh(template, str(SAMPLE / "leads.csv"), kpis=str(SAMPLE / "kpis.csv"), out=out,
            progress=False)
    return out


@pytest.fixture(scope="module")
def books(demo: Path) -> tuple[Any, Any]:
    return load_workbook(demo), load_workbook(demo, data_only=True)


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def test_every_lead_has_formulas_and_the_spec_values(books: tuple[Any, Any]) -> None:
    wf, wv = books
    sf, sv = wf["Leads"], wv["Leads"]
    col = header_index(sf)
    expected = expected_leads()
    assert sv.max_row == len(expected) + 1
    f0, f9 = sf.cell(1, col[FACTORS[0]]).column_letter, sf.cell(1, col[FACTORS[-1]]).column_letter
    bad = []
    for i, exp in enumerate(expected):
        r = i + 2
        assert sf.cell(r, col["Fit %"]).value == f"=LEANXL_FIT({f0}{r}:{f9}{r},Weights,ScaleMax)"
        got = {k: sv.cell(r, col[h]).value for k, h in COMPUTED.items()}
        for key in ("fit", "match"):
            if not close(got[key], exp[key]):
                bad.append((r, key, got[key], exp[key]))
        for key in ("best_profile", "segment", "mix", "decision", "follows"):
            if (got[key] or "") != (exp[key] or ""):
                bad.append((r, key, got[key], exp[key]))
        # The CRM columns are written as they came.
        row = exp["row"]
        assert sv.cell(r, col["lead_id"]).value == row["lead_id"]
        assert sv.cell(r, col["company"]).value == row["company"]
        assert close(sv.cell(r, col["price"]).value, row["price"])
        for k in FACTORS:
            want = None if row[k] == "" else float(row[k])
            assert close(sv.cell(r, col[k]).value, want), (r, k)
        assert sv.cell(r, col["in_sales_plan"]).value is (row["in_sales_plan"] == "True")
        assert sv.cell(r, col["created"]).value.date() == exp["created"]
    assert not bad, bad[:10]


def test_formulas_of_every_computed_column(books: tuple[Any, Any]) -> None:
    sf = books[0]["Leads"]
    col = header_index(sf)
    letter = {h: sf.cell(1, c).column_letter for h, c in col.items()}
    r = 57
    fac = f"{letter[FACTORS[0]]}{r}:{letter[FACTORS[-1]]}{r}"
    last_in = sf.cell(1, col["Decision"] - 1).column_letter
    assert sf.cell(r, col["Best profile"]).value == (
        f"=LEANXL_BESTPROFILE({fac},ProfileTargets,ProfileNames,Weights,ScaleMax)")
    assert sf.cell(r, col["Match %"]).value == (
        f"=LEANXL_BESTMATCH({fac},ProfileTargets,Weights,ScaleMax)")
    assert sf.cell(r, col["Segment"]).value == (
        f"=LEANXL_SEGMENT({letter['price']}{r},{letter['complexity']}{r},PriceCut,ComplexityCut)")
    assert sf.cell(r, col["Mix region"]).value == (
        f"=LEANXL_MIX({letter['in_sales_plan']}{r},{letter['reached_by_marketing']}{r},"
        f"{letter['in_target_market']}{r})")
    assert sf.cell(r, col["Decision"]).value == (
        f'=LEANXL_DECIDE(QualifyTable,$A{r}:${last_in}{r},$A$1:${last_in}$1,"status")')


def test_table_and_names_cover_exactly_the_leads(books: tuple[Any, Any]) -> None:
    wb = books[0]
    ws = wb["Leads"]
    n = len(read_csv(SAMPLE / "leads.csv"))
    (table,) = ws.tables.values()
    last = ws.cell(1, len(header_index(ws))).column_letter
    assert table.ref == f"A1:{last}{n + 1}"
    assert [c.name for c in table.tableColumns] == [c.value for c in ws[1]]
    col = header_index(ws)
    seg = ws.cell(1, col["Segment"]).column_letter
    assert wb.defined_names["LeadSegment"].attr_text == f"Leads!${seg}$2:${seg}${n + 1}"
    assert wb.defined_names["QualifyTable"].attr_text.startswith("Rules!$A$4:")


def test_summary_sheets_match_plain_counts(books: tuple[Any, Any]) -> None:
    wv = books[1]
    exp = expected_leads()
    # Segments: leads, wins in the 12 months up to the newest lead, reach.
    end = max(e["created"] for e in exp)
    start = dt.date(end.year - 1, end.month, end.day)
    seg = wv["Segments"]
    for r in range(5, 9):
        s = seg.cell(r, 1).value
        mine = [e for e in exp if e["segment"] == s]
        won = [e for e in mine if e["row"]["stage"] == "Won" and start <= e["created"] <= end]
        assert seg.cell(r, 3).value == len(mine)
        assert seg.cell(r, 4).value == len(won)
        assert close(seg.cell(r, 5).value, sum(float(e["row"]["revenue"]) for e in won))
        assert seg.cell(r, 7).value == sum(e["row"]["reached_by_marketing"] == "True"
                                           for e in mine)
        untapped = [e for e in mine if e["row"]["in_target_market"] == "True"
                    and e["row"]["in_sales_plan"] == "False"]
        assert seg.cell(r, 10).value == len(untapped)
    assert seg["C9"].value == len(exp)
    # Mix: leads and won revenue per region.
    mix = wv["Mix"]
    for r in range(5, 13):
        label = mix.cell(r, 1).value
        mine = [e for e in exp if e["mix"] == label]
        assert mix.cell(r, 6).value == len(mine), label
        assert close(mix.cell(r, 8).value, sum(float(e["row"]["revenue"]) for e in mine
                                               if e["row"]["stage"] == "Won"))
    # Profiles: leads whose best profile it is, and their average match.
    prof = wv["Profiles"]
    names, _targets = profiles()
    for i, name in enumerate(names):
        r = 5 + i
        mine = [e for e in exp if e["best_profile"] == name]
        assert prof.cell(r, 1).value == name
        assert prof.cell(r, 17).value == len(mine)
        if mine:
            assert close(prof.cell(r, 18).value, sum(e["match"] for e in mine) / len(mine))
    # Rules summary: decisions per outcome.
    rules = wv["Rules"]
    summary = {rules.cell(r, c).value: rules.cell(r, c + 1).value
               for r in range(5, 9) for c in range(1, 20)
               if rules.cell(r, c).value in ("Qualified", "Nurture", "Disqualified")
               and isinstance(rules.cell(r, c + 1).value, int)}
    for outcome, count in summary.items():
        assert count == sum(e["decision"] == outcome for e in exp)
    assert set(summary) == {"Qualified", "Nurture", "Disqualified"}


def test_campaign_matrix_and_gaps(books: tuple[Any, Any]) -> None:
    wv = books[1]
    camps = read_csv(SAMPLE / "campaigns.csv")
    names, targets = profiles()
    m = wv["CampaignMatrix"]
    for i, c in enumerate(camps):
        a = [None if c[k] == "" else int(c[k]) for k in FACTORS]
        assert m.cell(5 + i, 1).value == c["code"]
        for j in range(len(names)):
            assert close(m.cell(5 + i, 3 + j).value, ref_match(a, targets[j], [1.0] * 10, 5))
    # The gap block: one row per (campaign, profile) pair after a title, a note and a header.
    g = 5 + len(camps) + 2 + 3
    for i, c in enumerate(camps):
        for j in range(len(names)):
            r = g + i * len(names) + j
            assert m.cell(r, 2).value == names[j]
            for k, key in enumerate(FACTORS):
                want = (None if c[key] == "" or targets[j][k] is None
                        else int(c[key]) - targets[j][k])
                got = m.cell(r, 3 + k).value
                assert (got in (None, "") and want is None) or got == want, (r, key)
    # Leads each campaign speaks to: the profile's leads x the campaign's match %.
    exp = expected_leads()
    counts = [sum(e["best_profile"] == name for e in exp) for name in names]
    for i, c in enumerate(camps):
        a = [None if c[k] == "" else int(c[k]) for k in FACTORS]
        for j in range(len(names)):
            want = counts[j] * ref_match(a, targets[j], [1.0] * 10, 5) / 100
            assert close(m.cell(34 + i, 3 + j).value, want)


def test_charts_point_at_the_right_ranges(demo: Path) -> None:
    with zipfile.ZipFile(demo) as z:
        charts = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")}
    text = "\n".join(charts.values()).replace("'", "")
    assert len(re.findall(r"<(?:c:)?radarChart>", text)) == 4  # a web graph per campaign
    # Two pies per campaign: over the profiles and over the segments.
    assert len(re.findall(r"<(?:c:)?pieChart>", text)) == 8
    assert "Campaigns!$D$5:$M$5" in text and "Profiles!$B$8:$K$8" in text
    # Pies: the "leads each campaign speaks to" rows below the 4 x 4 gap block.
    assert "CampaignMatrix!$C$34:$F$34" in text and "CampaignMatrix!$C$37:$F$37" in text
    assert "Segments!$F$5:$F$8" in text and "Mix!$F$5:$F$12" in text


def test_kpi_tracker_values(books: tuple[Any, Any]) -> None:
    wf, wv = books
    rows = read_csv(SAMPLE / "kpis.csv")
    defs = read_csv(SAMPLE / "kpi_definitions.csv")
    t = wv["KPITracker"]
    for i, d in enumerate(defs):
        r = 5 + i
        values = [float(x["actual"]) for x in rows if x["kpi"] == d["kpi"]]
        target = float(d["target"])
        lower = d["direction"] == "lower"
        assert t.cell(r, 1).value == d["kpi"]
        assert close(t.cell(r, 3).value, values[-1])
        assert t.cell(r, 4).value == kpi.kpi_status(values[-1], target, d["direction"],
                                                    float(d["tolerance"]))
        assert t.cell(r, 5).value == kpi.kpi_trend(values, d["direction"])
        on = [v <= target if lower else v >= target for v in values]
        assert close(t.cell(r, 6).value, sum(on) / len(on))
        assert t.cell(r, 7).value == ("Yes" if all(on[-3:]) else "No")
        assert t.cell(r, 8).value == values[0]  # the first period column
    assert wf["KPITracker"]["D5"].value == "=LEANXL_KPISTATUS(C5,KPIs!G5,KPIs!H5,KPIs!I5)"
    buy_in = {wv["KPIs"].cell(5 + i, 1).value: wv["KPIs"].cell(5 + i, 11).value
              for i in range(len(defs))}
    assert buy_in["Marketing-sourced leads"] == "Missing: HOW WHO"
    assert buy_in["Win rate of qualified leads"] == "OK"


def test_internal_customers_and_team(books: tuple[Any, Any]) -> None:
    wv = books[1]
    ic = wv["InternalCustomers"]
    rows = read_csv(SAMPLE / "internal_customers.csv")
    for i, row in enumerate(rows):
        want = ("White spot" if not row["provided_by"] else "Relay" if row["via"]
                else "Direct")
        assert ic.cell(5 + i, 6).value == want
    team = wv["Team"]
    # The seed: average 100k, top +30% → 130k, the others 92.5k; lift 10%, top drops 20%.
    assert close(team["B11"].value, 130000) and close(team["B12"].value, 92500)
    assert close(team["B16"].value, 500000)
    assert close(team["C16"].value, 130000 * 0.8 + 4 * 92500 * 1.1)
    assert close(team["D16"].value, 5 * 92500 * 1.1)
    assert team["B18"].value == "Yes"
    exp = expected_leads()
    owners = sorted({e["row"]["owner"] for e in exp})
    for i, owner in enumerate(owners):
        r = 23 + i
        assert team.cell(r, 1).value == owner
        won = sum(float(e["row"]["revenue"]) for e in exp
                  if e["row"]["owner"] == owner and e["row"]["stage"] == "Won")
        assert close(team.cell(r, 2).value, won)


def test_every_formula_cell_has_a_cached_value(books: tuple[Any, Any]) -> None:
    wf, wv = books
    missing = []
    for ws in wf.worksheets:
        if ws.title == "Leads":
            continue
        for row in ws.iter_rows():
            for cell in row:
                if (isinstance(cell.value, str) and cell.value.startswith("=")
                        and wv[ws.title][cell.coordinate].value is None):
                    missing.append(f"{ws.title}!{cell.coordinate}")
    # Empty-text results ("" from IF) read back as None: those are the gap blanks only.
    assert all(m.startswith("CampaignMatrix!") or m.startswith("Team!D") for m in missing), \
        missing[:10]


def test_user_content_survives_and_rows_shrink(template: Path, tmp_path: Path) -> None:
    book = tmp_path / "mine.xlsx"
    wb = load_workbook(template)
    ws = wb.create_sheet("My notes")
    ws["A1"] = "Quarter plan"
    ws["A1"].font = Font(bold=True, size=14)
    ws["B2"] = 1234.5
    ws["B2"].number_format = "#,##0.00"
    ws["C3"] = "=B2*2"
    ws["D4"].fill = PatternFill("solid", fgColor="FFCC00")
    dv = DataValidation(type="list", formula1='"a,b,c"')
    ws.add_data_validation(dv)
    dv.add("E5")
    wb.defined_names["MyTarget"] = DefinedName("MyTarget", attr_text="'My notes'!$B$2")
    wb["Settings"]["B6"] = 55000  # a user's own price cut
    wb.save(book)
    before = load_workbook(book)["My notes"]

    refresh(book, str(SAMPLE / "leads.csv"), progress=False)
    small = tmp_path / "few.csv"
    lines = (SAMPLE / "leads.csv").read_text().splitlines()[:51]
    small.write_text("\n".join(lines) + "\n")
    refresh(book, str(small), progress=False)

    wb2 = load_workbook(book)
    after = wb2["My notes"]
    for row in before.iter_rows():
        for cell in row:
            other = after[cell.coordinate]
            assert other.value == cell.value
            assert other.number_format == cell.number_format
            assert (other.font.b, other.font.sz) == (cell.font.b, cell.font.sz)
            assert (other.fill.fill_type, other.fill.fgColor.rgb) == (
                cell.fill.fill_type, cell.fill.fgColor.rgb)
    assert str(after.data_validations.dataValidation[0].sqref) == "E5"
    assert wb2.defined_names["MyTarget"].attr_text == "'My notes'!$B$2"
    assert wb2["Settings"]["B6"].value == 55000
    leads = load_workbook(book, data_only=True)["Leads"]
    assert leads.max_row == 51
    col = header_index(leads)
    seg = leads.cell(1, col["Segment"]).column_letter
    assert wb2.defined_names["LeadSegment"].attr_text == f"Leads!${seg}$2:${seg}$51"
    price = {r["lead_id"]: float(r["price"]) for r in read_csv(small)}
    cplx = {r["lead_id"]: float(r["complexity"]) for r in read_csv(small)}
    for r in range(2, 52):
        lid = leads.cell(r, col["lead_id"]).value
        high_p, high_c = price[lid] >= 55000, cplx[lid] >= 4
        assert leads.cell(r, col["Segment"]).value == ["S1", "S2", "S3", "S4"][2 * high_p + high_c]


def test_xlsm_keeps_its_vba(template: Path, tmp_path: Path) -> None:
    book = tmp_path / "macro.xlsm"
    vba = b"\xd0\xcf\x11\xe0 fake vba project " * 20
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(book, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
                    b"<Default ", b'<Default Extension="bin" '
                    b'ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>'))
            dst.writestr(info, data)
        dst.writestr("xl/vbaProject.bin", vba)
    out = tmp_path / "out.xlsm"
    refresh(book, str(SAMPLE / "leads.csv"), out=out, progress=False)
    with zipfile.ZipFile(out) as z:
        assert z.read("xl/vbaProject.bin") == vba
        assert b"macroEnabled" in z.read("[Content_Types].xml")


def test_crm_text_that_looks_like_a_formula_stays_text(template: Path, tmp_path: Path) -> None:
    src = tmp_path / "evil.csv"
    rows = read_csv(SAMPLE / "leads.csv")[:7]
    evil = ['=HYPERLINK("http://x","click")', "+1-2", "-3+4", "@SUM(A1)", "A & B <Ltd>",
            "Åkesson Bröd 中文", " padded "]
    for row, text in zip(rows, evil, strict=True):
        row["company"] = text
    with open(src, "w", newline="") as fh:
        import csv

        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "evil.xlsx"
    refresh(template, str(src), out=out, progress=False)
    ws = load_workbook(out)["Leads"]
    col = header_index(ws)["company"]
    for r, text in enumerate(evil, start=2):
        cell = ws.cell(r, col)
        assert cell.value == text and cell.data_type == "s"
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet5.xml").decode()
    assert "HYPERLINK" in xml and "<f>HYPERLINK" not in xml


def test_cli_refresh(template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "b.xlsx"
    shutil.copy(template, book)
    assert main(["refresh", str(book), "--leads", str(SAMPLE / "leads.csv"),
                 "--campaigns", str(SAMPLE / "campaigns.csv"), "--no-progress"]) == 0
    assert "3000 leads" in capsys.readouterr().out
    assert main(["refresh", str(book), "--leads", str(tmp_path / "nope.csv")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_cached_values_equal_the_add_in_functions(books: tuple[Any, Any]) -> None:
    """Evaluate each Leads formula through the function registry (what Excel's add-in runs),
    with the cell values its ranges hold, and compare with the cached value."""
    from leanxl.functions import call

    wv = books[1]
    ws = wv["Leads"]
    col = header_index(ws)
    heads = [c.value for c in ws[1]]
    settings = wv["Settings"]
    weights = [[settings.cell(17, c).value for c in range(2, 12)]]
    prof = wv["Profiles"]
    targets = [[prof.cell(r, c).value for c in range(2, 12)] for r in range(5, 9)]
    names = [[prof.cell(r, 1).value] for r in range(5, 9)]
    table = [[c.value for c in row] for row in wv["Rules"]["A4:J12"]]
    last_in = col["Decision"] - 1
    for r in range(2, ws.max_row + 1, 97):
        row = [c.value for c in ws[r]]
        factors = [[row[col[k] - 1] for k in FACTORS]]
        assert close(call("FIT", factors, weights, 5)[0][0], ws.cell(r, col["Fit %"]).value)
        assert call("BESTPROFILE", factors, targets, names, weights, 5)[0][0] == ws.cell(
            r, col["Best profile"]).value
        assert close(max(call("MATCH", factors, targets, weights, 5)[0]),
                     ws.cell(r, col["Match %"]).value)
        assert call("SEGMENT", [[row[col["price"] - 1]]], [[row[col["complexity"] - 1]]],
                    40000, 4)[0][0] == ws.cell(r, col["Segment"]).value
        assert call("MIX", *([[row[col[k] - 1]]] for k in ("in_sales_plan",
                                                          "reached_by_marketing",
                                                          "in_target_market")))[0][0] == \
            ws.cell(r, col["Mix region"]).value
        assert call("DECIDE", table, [row[:last_in]], [heads[:last_in]], "status")[0][0] == \
            ws.cell(r, col["Decision"]).value


def test_users_own_lead_columns_are_kept(template: Path, tmp_path: Path) -> None:
    """A formula column is filled down; a notes column follows its lead, not its row."""
    book = tmp_path / "cols.xlsx"
    refresh(template, str(SAMPLE / "leads.csv"), out=book, progress=False)
    wb = load_workbook(book)
    ws = wb["Leads"]
    width = len(header_index(ws))
    ws.cell(1, width + 1, "Label")
    ws.cell(2, width + 1, '=A2&"-"&B2')
    ws.cell(1, width + 2, "Notes")
    ws.cell(3, width + 2, "call back in May")  # lead L00002
    ws.cell(6, width + 2, 42)  # lead L00005
    wb.save(book)

    # Re-export: the CRM now sends the leads in reverse order, fewer of them.
    rows = read_csv(SAMPLE / "leads.csv")[:10][::-1]
    src = tmp_path / "rev.csv"
    import csv

    with open(src, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for _ in range(2):  # twice: the second refresh must still know they are the user's
        refresh(book, str(src), progress=False)
    ws = load_workbook(book)["Leads"]
    col = header_index(ws)
    assert list(col)[-2:] == ["Label", "Notes"]
    for r in range(2, 12):
        assert ws.cell(r, col["Label"]).value == f'=A{r}&"-"&B{r}'
    notes = {ws.cell(r, col["lead_id"]).value: ws.cell(r, col["Notes"]).value
             for r in range(2, 12)}
    assert notes["L00002"] == "call back in May" and notes["L00005"] == 42
    assert sum(v is not None for v in notes.values()) == 2


def test_campaign_and_profile_tables_grow_and_shrink(template: Path, tmp_path: Path) -> None:
    camps = tmp_path / "c.csv"
    camps.write_text("\n".join((SAMPLE / "campaigns.csv").read_text().splitlines()[:3]) + "\n")
    profs = tmp_path / "p.csv"
    lines = (SAMPLE / "profiles.csv").read_text().splitlines()
    profs.write_text("\n".join(lines + [lines[1].replace("Perfect prospect", "Twin")]) + "\n")
    out = tmp_path / "gs.xlsx"
    refresh(template, str(SAMPLE / "leads.csv"), campaigns=str(camps), profiles=str(profs),
            out=out, progress=False)
    wb = load_workbook(out)
    assert wb.defined_names["ProfileTargets"].attr_text == "Profiles!$B$5:$K$9"
    assert wb["Profiles"]["A9"].value == "Twin"
    m = wb["CampaignMatrix"]
    assert [m.cell(4, c).value for c in range(3, 9)] == [
        "Perfect prospect", "Enterprise champion", "Complex project", "Curious small firm",
        "Twin", "Best matching profile"]
    assert m["A7"].value is None  # only two campaign rows (5, 6)
    with zipfile.ZipFile(out) as z:
        charts = "".join(z.read(n).decode() for n in z.namelist()
                         if n.startswith("xl/charts/chart"))
    assert len(re.findall(r"<(?:c:)?radarChart>", charts)) == 2
    assert len(re.findall(r"<(?:c:)?pieChart>", charts)) == 4  # profiles + segments, each


def test_settings_cells_blank_or_text(template: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    # A Settings cell of spaces used to crash refresh with a raw ValueError traceback.
    book = tmp_path / "book.xlsx"
    shutil.copy(template, book)
    wb = load_workbook(book)
    ws, ref = next(iter(wb.defined_names["PriceCut"].destinations))
    wb[ws][ref.replace("$", "")].value = "   "  # blank: the default cut
    wb.save(book)
    assert main(["refresh", str(book), "--leads", str(SAMPLE / "leads.csv")]) == 0
    assert load_workbook(book)[ws][ref.replace("$", "")].value == 40000  # the default, written

    wb = load_workbook(book)
    wb[ws][ref.replace("$", "")].value = "40k"  # text: one clear line, book untouched
    wb.save(book)
    before = book.read_bytes()
    capsys.readouterr()
    assert main(["refresh", str(book), "--leads", str(SAMPLE / "leads.csv")]) == 2
    err = capsys.readouterr().err
    assert f"{ws}!{ref.replace('$', '')}" in err and "PriceCut must be a number" in err
    assert "Traceback" not in err
    assert book.read_bytes() == before
