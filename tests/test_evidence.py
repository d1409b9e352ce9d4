"""Evidence: factor win rates, suggested weights, deviation cost — the API, the Evidence sheet
(reopened with openpyxl, cell by cell) and ``leanxl audit``, each against an independent
computation from the same CSV (pandas, plain pairwise AUC, the tests' own rule evaluator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from leanxl.cli import main
from leanxl.errors import ArgumentError
from leanxl.evidence import factor_evidence, roc_auc, suggest_weights
from leanxl.evidence.weights import fit_weights
from leanxl.sheets.refresh import refresh
from leanxl.sheets.template import build_template
from tests.sheets_helpers import FACTORS, SAMPLE, expected_leads

LEADS = SAMPLE / "leads.csv"
S_MAX = 5


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("evidence")
    template = build_template(folder / "template.xlsx")
    out = folder / "book.xlsx"
    refresh(template, str(LEADS), out=out, progress=False)
    return out


@pytest.fixture(scope="module")
def sheet(book: Path) -> Any:
    return load_workbook(book)["Evidence"]


@pytest.fixture(scope="module")
def csv_frame() -> pd.DataFrame:
    return pd.read_csv(LEADS)


def closed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["stage"].isin(["Won", "Lost"])]


def pairwise_auc(scores: np.ndarray, won: np.ndarray) -> float:
    """P(score of a won lead > score of a lost one), ties half: every pair compared."""
    a, b = scores[won], scores[~won]
    return float(((a[:, None] > b[None, :]) + 0.5 * (a[:, None] == b[None, :])).mean())


def spec_fit(frame: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
    """SPEC's FIT over the factors given (NaN = blank)."""
    x = frame[list(FACTORS)].to_numpy(float)
    w = np.where(np.isnan(x), 0.0, weights)
    return 100 * (1 - np.nansum(w * (x - 1), axis=1) / (w.sum(axis=1) * (S_MAX - 1)))


def find_row(ws: Any, text: str, column: int = 1) -> int:
    for r in range(1, ws.max_row + 1):
        if ws.cell(row=r, column=column).value == text:
            return r
    raise AssertionError(f"{text!r} not found on {ws.title}")


# ------------------------------------------------------------------ factor evidence
def test_factor_evidence_sheet_matches_pandas(sheet: Any, csv_frame: pd.DataFrame) -> None:
    closed = closed_frame(csv_frame)
    first = find_row(sheet, "Factor") + 1
    for i, key in enumerate(FACTORS):
        r = first + i
        rates = []
        for s in range(1, S_MAX + 1):
            at = closed[closed[key] == s]
            rate = (at["stage"] == "Won").mean() if len(at) else None
            rates.append(rate)
            assert sheet.cell(row=r, column=1 + s).value == pytest.approx(rate, abs=1e-12)
            assert sheet.cell(row=r, column=2 + S_MAX + s).value == len(at)
        assert sheet.cell(row=r, column=2 + S_MAX).value == pytest.approx(rates[0] - rates[-1])
    # A heat map: one colour scale over the win rates.
    rules = [(str(rng.sqref), rule.type) for rng in sheet.conditional_formatting
             for rule in rng.rules]
    assert (f"B{first}:F{first + 9}", "colorScale") in rules


def test_factor_evidence_api_counts_only_valid_scores() -> None:
    frame = pd.DataFrame({k: [1, 1, 7, None] for k in FACTORS} | {
        "stage": ["Won", " lost ", "Won", "Won"]})
    ev = factor_evidence(frame)
    row = ev[(ev["factor"] == "buyer_maturity") & (ev["score"] == 1)].iloc[0]
    assert (row["closed"], row["won"], row["win_rate"]) == (2, 1, 0.5)
    assert ev["closed"].sum() == 2 * len(FACTORS)  # 7 and the blank are not counted
    with pytest.raises(ArgumentError, match="stage"):
        factor_evidence(frame.drop(columns="stage"))


# ------------------------------------------------------------------ suggested weights
def test_suggested_weights_sheet_matches_pairwise_auc(sheet: Any,
                                                      csv_frame: pd.DataFrame) -> None:
    closed = closed_frame(csv_frame)
    won = (closed["stage"] == "Won").to_numpy()
    r_use, r_sug = find_row(sheet, "In use"), find_row(sheet, "Suggested")
    in_use = np.array([sheet.cell(row=r_use, column=2 + j).value for j in range(10)], float)
    suggested = np.array([sheet.cell(row=r_sug, column=2 + j).value for j in range(10)], float)
    assert list(in_use) == [1.0] * 10  # the template's weights
    assert (suggested >= 0).all() and suggested.sum() == pytest.approx(10)
    for label, w in (("in use", in_use), ("suggested", suggested), ("equal (all 1)", in_use)):
        r = find_row(sheet, label)
        assert sheet.cell(row=r, column=3).value == pytest.approx(
            pairwise_auc(spec_fit(closed, w), won), abs=1e-9)
    # Cross-validated: the fitted weights rank held-out leads at least as well as equal ones.
    cv = {label: sheet.cell(row=find_row(sheet, label), column=2).value
          for label in ("in use", "suggested", "equal (all 1)")}
    assert cv["suggested"] >= cv["equal (all 1)"] > 0.5
    # The sample's drivers (examples/make_sample.py WIN_DRIVERS) get the largest weights.
    drivers = {"buyer_maturity", "buyer_influence", "interest", "competition",
               "purchase_history"}
    top5 = {FACTORS[j] for j in np.argsort(-suggested)[:5]}
    assert top5 == drivers


def test_suggested_weights_rank_held_out_leads_at_least_as_well(csv_frame: pd.DataFrame) -> None:
    closed = closed_frame(csv_frame).reset_index(drop=True)
    rng = np.random.default_rng(11)
    for _ in range(3):
        held = rng.random(len(closed)) < 0.3
        train, test = closed[~held], closed[held]
        w = suggest_weights(train).weights["suggested"].to_numpy()
        won = (test["stage"] == "Won").to_numpy()
        assert pairwise_auc(spec_fit(test, w), won) >= pairwise_auc(
            spec_fit(test, np.ones(10)), won)


def test_fit_weights_find_the_drivers_and_stay_non_negative() -> None:
    rng = np.random.default_rng(3)
    z = rng.random((4000, 10))
    truth = np.array([3, 0, 0, 2, 0, 0, 0, 0, 0, 1.0])
    won = rng.random(4000) < 1 / (1 + np.exp(-(1.5 - z @ truth)))
    w = fit_weights(z, won)
    assert (w >= 0).all()
    assert set(np.argsort(-w)[:3]) == {0, 3, 9}
    assert w[[1, 2, 4, 5, 6, 7, 8]].max() < 0.5
    # A factor that helps winning when it is WORSE gets weight 0, never a negative one.
    w2 = fit_weights(z, rng.random(4000) < 1 / (1 + np.exp(-(z[:, 0] * 3 - 1.5))))
    assert w2[0] == 0.0
    # No signal at all: the equal weights stay.
    assert list(fit_weights(np.full((50, 10), 0.5), np.arange(50) % 2 == 0)) == [1.0] * 10


def test_roc_auc_equals_pairwise_with_ties() -> None:
    rng = np.random.default_rng(5)
    s = rng.integers(0, 5, 300).astype(float)
    y = rng.random(300) < 0.4
    assert roc_auc(s, y) == pytest.approx(pairwise_auc(s, y))
    assert np.isnan(roc_auc(s, np.zeros(300, bool)))


def test_suggest_weights_without_closed_leads() -> None:
    frame = pd.DataFrame({k: [1, 2] for k in FACTORS} | {"stage": ["Open", "Open"]})
    sug = suggest_weights(frame)
    assert list(sug.weights["suggested"]) == [1.0] * 10
    assert sug.auc["auc_cv"].isna().all() and sug.closed == 0


# ------------------------------------------------------------------ deviation cost
def expected_cost() -> dict[object, tuple[int, int, int, int]]:
    """rule (and "all") -> (followed closed, followed won, deviated closed, deviated won)."""
    out: dict[object, list[int]] = {}
    for lead in expected_leads(LEADS):
        row = lead["row"]
        if row["stage"] not in ("Won", "Lost") or row["recorded_status"] == "":
            continue
        followed = row["recorded_status"].casefold() == str(lead["decision"]).casefold()
        won = row["stage"] == "Won"
        for key in ("all", lead["rule"]):
            c = out.setdefault(key, [0, 0, 0, 0])
            c[0 if followed else 2] += 1
            c[1 if followed else 3] += won
    return {k: tuple(v) for k, v in out.items()}  # type: ignore[misc]


def test_deviation_cost_sheet_matches_own_rule_evaluator(sheet: Any) -> None:
    expected = expected_cost()
    head = find_row(sheet, "Rule")
    seen = set()
    r = head + 1
    while sheet.cell(row=r, column=1).value is not None and r < head + 20:
        label = sheet.cell(row=r, column=1).value
        if not isinstance(label, int | str) or (isinstance(label, str) and label != "All rules"):
            break
        key = "all" if label == "All rules" else label
        fc, fw, dc, dw = expected[key]
        got = [sheet.cell(row=r, column=c).value for c in range(3, 10)]
        assert got[0] == fc and got[1] == fw and got[3] == dc and got[4] == dw
        assert got[2] == pytest.approx(fw / fc if fc else None)
        assert got[5] == pytest.approx(dw / dc if dc else None)
        if fc and dc:
            assert got[6] == pytest.approx(fw / fc - dw / dc)
        seen.add(key)
        r += 1
    assert seen == set(expected)
    # On the sample, deviating from rule 1 (qualify a ready decision maker) costs wins.
    fc, fw, dc, dw = expected[1]
    assert fw / fc > dw / dc


def test_audit_prints_the_deviation_cost(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(SAMPLE / "rules.csv"), "--leads", str(LEADS),
                 "--recorded", "recorded_status", "--show", "0"]) == 0
    out = capsys.readouterr().out
    fc, fw, dc, dw = expected_cost()["all"]
    assert (f"all rules: followed {fw / fc:.1%} of {fc}, deviated {dw / dc:.1%} of {dc}"
            in out)
    fc, fw, dc, dw = expected_cost()[1]
    assert f"rule 1 (ready decision maker who answers us): followed {fw / fc:.1%} of {fc}" in out
