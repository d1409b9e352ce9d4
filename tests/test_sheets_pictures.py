"""The seed's pictures: the mix as three circles, the segments as a 2 x 2 grid of the profiles'
leads, campaigns against segments with pies. Reopened with openpyxl and checked cell by cell
against counting over the CSV (tests/sheets_helpers.py); rendered with LibreOffice and read
back as text. (`leanxl recalc` agreeing with these cached values, formula by formula, is
tests/test_recalc_libreoffice.py::test_recalc_of_the_demo_workbook_agrees_with_refresh.)"""

from __future__ import annotations

import math
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from leanxl.sheets.refresh import refresh
from leanxl.sheets.template import build_template
from tests.render_helpers import render
from tests.scoring_reference import ref_match
from tests.sheets_helpers import FACTORS, SAMPLE, expected_leads, profiles, read_csv

SEGMENTS = ("S1", "S2", "S3", "S4")
MIX = ("Sweet spot", "Ineffective strategy", "Uncaptured lead", "Lead deficit",
       "Untapped market", "Sales off target", "Marketing off target", "Outside")
FLAGS = {"Sweet spot": (1, 1, 1), "Ineffective strategy": (1, 1, 0),
         "Uncaptured lead": (0, 1, 1), "Lead deficit": (1, 0, 1), "Untapped market": (0, 0, 1),
         "Sales off target": (1, 0, 0), "Marketing off target": (0, 1, 0), "Outside": (0, 0, 0)}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pictures")
    out = folder / "book.xlsx"
    refresh(build_template(folder / "template.xlsx"), str(SAMPLE / "leads.csv"), out=out,
            progress=False)
    return out


@pytest.fixture(scope="module")
def leads() -> list[dict[str, Any]]:
    return expected_leads(SAMPLE / "leads.csv")


def mix_counts(leads: list[dict[str, Any]]) -> dict[str, tuple[int, float]]:
    out = {m: (0, 0.0) for m in MIX}
    for e in leads:
        n, rev = out[e["mix"]]
        won = e["row"]["stage"] == "Won"
        out[e["mix"]] = (n + 1, rev + (float(e["row"]["revenue"]) if won else 0.0))
    return out


def test_mix_circles_chart_points_and_labels(book: Path, leads: list[dict[str, Any]]) -> None:
    ws = load_workbook(book)["Mix"]
    charts = ws._charts
    assert len(charts) == 2  # the bar chart and the circles
    scatter = charts[1]
    assert scatter.tagname == "scatterChart"
    circles, labels = scatter.series[:3], scatter.series[3:]
    assert len(labels) == 8 + 3
    # Each circle series: points in cells, all at one distance from their mean (a circle).
    centres = []
    for s in circles:
        xs = _values(ws, s.xVal.numRef.f)
        ys = _values(ws, s.yVal.numRef.f)
        cx, cy = sum(xs[:-1]) / len(xs[:-1]), sum(ys[:-1]) / len(ys[:-1])
        radii = [math.hypot(x - cx, y - cy) for x, y in zip(xs, ys, strict=True)]
        assert max(radii) - min(radii) < 1e-3 and len(xs) > 30
        centres.append((cx, cy, sum(radii) / len(radii)))
    wv = load_workbook(book, data_only=True)["Mix"]
    expected = mix_counts(leads)
    for s in labels[:8]:
        (x,), (y,) = _values(ws, s.xVal.numRef.f), _values(ws, s.yVal.numRef.f)
        text = _cell(wv, s.tx.strRef.f)
        region = text.split("\n")[0]
        # The label sits inside exactly the circles of its region (Sales, Marketing, Market).
        inside = tuple(int(math.hypot(x - cx, y - cy) < r) for cx, cy, r in centres)
        assert inside == FLAGS[region], region
        n, rev = expected[region]
        assert text == f"{region}\n{n:,} leads\n{rev:,.0f} won"
        assert s.dLbls.showSerName


def _values(ws: Any, ref: str) -> list[float]:
    sheet, rng = ref.split("!")
    cells = ws[rng.replace("$", "")]
    return [c[0].value if isinstance(c, tuple) else c.value for c in
            (cells if isinstance(cells, tuple) else (cells,))]


def _cell(ws: Any, ref: str) -> str:
    return ws[ref.split("!")[1].replace("$", "")].value


def test_segment_grid_counts_profiles_per_segment(book: Path,
                                                  leads: list[dict[str, Any]]) -> None:
    wv = load_workbook(book, data_only=True)["Segments"]
    names, _targets = profiles()
    counts = Counter((e["segment"], e["best_profile"]) for e in leads)
    totals = Counter(e["segment"] for e in leads)
    top = next(r for r in range(1, 60) if wv.cell(row=r, column=8).value == "High complexity")
    seen = 0
    for band_row, pair in ((top, ("S2", "S4")), (top + 1 + len(names), ("S1", "S3"))):
        for k, s in enumerate(pair):
            c = 10 + 2 * k
            assert wv.cell(row=band_row, column=c).value == totals[s]
            assert wv.cell(row=band_row, column=c + 1).value == s
            for j, name in enumerate(names):
                r = band_row + 1 + j
                assert wv.cell(row=r, column=9).value == name
                assert wv.cell(row=r, column=c).value == counts[(s, name)]
                assert wv.cell(row=r, column=c + 1).value == pytest.approx(
                    counts[(s, name)] / totals[s] if totals[s] else 0)
                seen += counts[(s, name)]
    assert seen == len(leads)


def test_campaigns_against_segments(book: Path, leads: list[dict[str, Any]]) -> None:
    wb = load_workbook(book)
    wv = load_workbook(book, data_only=True)["CampaignMatrix"]
    names, targets = profiles()
    camps = read_csv(SAMPLE / "campaigns.csv")
    counts = Counter((e["segment"], e["best_profile"]) for e in leads)
    head = next(r for r in range(1, 200) if wv.cell(row=r, column=3).value == "S1")
    assert [wv.cell(row=head, column=3 + k).value for k in range(4)] == list(SEGMENTS)
    for i, c in enumerate(camps):
        target = [None if c[k] == "" else int(c[k]) for k in FACTORS]
        match = [ref_match(target, t, [1.0] * 10, 5) or 0.0 for t in targets]
        r = head + 1 + i
        assert wv.cell(row=r, column=1).value == c["code"]
        row_total = 0.0
        for k, s in enumerate(SEGMENTS):
            want = sum(counts[(s, name)] * match[j] / 100 for j, name in enumerate(names))
            assert wv.cell(row=r, column=3 + k).value == pytest.approx(want)
            row_total += want
        assert wv.cell(row=r, column=7).value == pytest.approx(row_total)
    # One segment pie per campaign, reading its row of the table.
    pies = [ch for ch in wb["CampaignMatrix"]._charts if ch.tagname == "pieChart"]
    seg_pies = [p for p in pies if "segments" in p.title.tx.rich.p[0].r[0].t]
    assert len(seg_pies) == len(camps)
    assert seg_pies[0].series[0].val.numRef.f == f"'CampaignMatrix'!$C${head + 1}:$F${head + 1}"


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None
                    or shutil.which("pdftotext") is None, reason="needs LibreOffice, poppler")
def test_libreoffice_renders_the_new_sheets(book: Path, tmp_path: Path,
                                            leads: list[dict[str, Any]]) -> None:
    again = tmp_path / "again.xlsx"
    refresh(book, str(SAMPLE / "leads.csv"), out=again, progress=False)  # Changes: none
    expected = mix_counts(leads)
    for title, must in (
        ("Mix", [f"{expected['Sweet spot'][0]} leads", "SALES", "MARKETING", "MARKET"]),
        ("Evidence", ["Evidence: what wins deals", "Suggested", "All rules"]),
        ("Changes", ["Leads changed", "No change since the previous refresh"]),
        ("Segments", ["High complexity", "Low complexity", "All profiles"]),
    ):
        png, text = render(again, title, tmp_path / "render")
        assert png.stat().st_size > 10_000, title
        for piece in must:
            assert piece in text, (title, piece)
