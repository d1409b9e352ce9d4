"""leanxl.demo: score_leads on a hand-made frame, and the demo on the shipped sample."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from leanxl.demo import load_examples, run_demo, score_leads
from leanxl.domain import FACTOR_KEYS, Profile
from leanxl.errors import SourceError


def leads_frame() -> pd.DataFrame:
    rows = [
        [1] * 10 + [100.0, 5, True, True, True],
        [5] * 10 + [10.0, 1, False, False, False],
        [3] * 10 + [None, 2, "yes", "no", "maybe"],
        [9] + [1] * 9 + [50.0, 4, 1, 0, 1],
    ]
    columns = [k.upper() for k in FACTOR_KEYS] + [
        "Price", "Complexity", "In Sales Plan", "reached_by_marketing", "in_target_market"]
    return pd.DataFrame(rows, columns=columns, index=["a", "b", "c", "d"])


PROFILES = [Profile("Top", (1,) * 10), Profile("Bottom", (5,) * 10)]


def test_score_leads_columns_and_values() -> None:
    scores = score_leads(leads_frame(), PROFILES, price_cut=50, complexity_cut=4)
    assert list(scores.index) == ["a", "b", "c", "d"]
    assert scores.loc["a", "fit"] == 100.0 and scores.loc["b", "fit"] == 0.0
    assert scores["best_profile"].tolist() == ["Top", "Bottom", "Top", None]  # c: 50/50 tie
    assert scores.loc["c", "best_match"] == 50.0
    assert scores["segment"].tolist() == ["S4", "S1", None, "S4"]
    assert scores["mix"].tolist() == ["Sweet spot", "Outside", None, "Lead deficit"]
    assert scores.loc["a", "errors"] == ""
    assert "segment: #VALUE! price is blank" in scores.loc["c", "errors"]
    assert "mix: #VALUE! in_target_market = 'maybe'" in scores.loc["c", "errors"]
    assert scores.loc["d", "errors"].startswith("fit: #NUM! buyer_maturity = 9")
    assert math.isnan(scores.loc["d", "fit"])


def test_score_leads_profile_frame_and_default_price_cut() -> None:
    profiles = pd.DataFrame([["Top", *[1] * 10], ["Bottom", *[5] * 10]],
                            columns=["Profile", *FACTOR_KEYS])
    scores = score_leads(leads_frame(), profiles)  # median of 100, 10, 50 -> 50
    assert scores["segment"].tolist() == ["S4", "S1", None, "S4"]
    with pytest.raises(SourceError, match="no name column"):
        score_leads(leads_frame(), profiles.drop(columns="Profile"))


def test_score_leads_without_optional_columns() -> None:
    frame = pd.DataFrame(np.ones((2, 10), dtype=int), columns=list(FACTOR_KEYS))
    scores = score_leads(frame, PROFILES)
    assert scores["segment"].tolist() == [None, None]
    assert scores["mix"].tolist() == [None, None]
    assert scores["fit"].tolist() == [100.0, 100.0]


def test_demo_on_shipped_sample(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    leads, profiles = load_examples()
    book = tmp_path / "demo.xlsx"
    assert run_demo(argparse.Namespace(output=str(book))) == 0
    out = capsys.readouterr().out
    assert f"workbook: {book.resolve()}" in out
    wb = load_workbook(book, read_only=True)
    assert wb.sheetnames[4] == "Leads"
    wb.close()
    assert f"{len(leads)} leads scored" in out
    for name in profiles["profile"]:
        assert name in out
    for label in ("S1 Low price / low complexity", "Sweet spot", "Rows with errors:"):
        assert label in out
