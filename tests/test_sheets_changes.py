"""Movement between refreshes: the hidden Snapshot sheet and the Changes sheet, after real
refreshes of CSVs with known edits, reopened with openpyxl; expectations from SPEC's formulas
(tests/sheets_helpers.py), not from leanxl."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from leanxl.evidence import movement, snapshot
from leanxl.sheets.refresh import refresh
from leanxl.sheets.template import build_template
from tests.sheets_helpers import FACTORS, SAMPLE, expected_leads, read_csv

FIELDS = ("best_profile", "segment", "mix", "decision")
LABELS = {"best_profile": "Best profile", "segment": "Segment", "mix": "Mix region",
          "decision": "Decision"}
N_LEADS = 120


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def changes_table(ws: Any) -> tuple[dict[str, int], list[tuple[str, str, str, int]],
                                     dict[str, list[Any]]]:
    """(summary counts, transitions, changed leads by id) read back from the Changes sheet."""
    summary, transitions, leads = {}, [], {}
    rows = list(ws.iter_rows(values_only=True))
    part = "summary"
    for row in rows[3:]:
        first = row[0]
        if first == "Column":
            part = "transitions"
            continue
        if first == "lead_id":
            part = "leads"
            continue
        if first is None or (isinstance(first, str) and first.startswith(("Transitions",
                                                                           "Leads that"))):
            continue
        if part == "summary":
            summary[first] = row[1]
        elif part == "transitions" and row[3] is not None:
            transitions.append((row[0], row[1], row[2], row[3]))
        elif part == "leads":
            leads[first] = list(row[1:8])
    return summary, transitions, leads


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "template.xlsx")


def test_first_refresh_has_no_snapshot_then_same_data_lists_nothing(
        template: Path, tmp_path: Path) -> None:
    rows = read_csv(SAMPLE / "leads.csv")[:N_LEADS]
    leads = write_rows(tmp_path / "leads.csv", rows)
    book = tmp_path / "book.xlsx"
    shutil.copy(template, book)
    refresh(book, str(leads), progress=False)
    wb = load_workbook(book)
    assert "earlier snapshot" in wb["Changes"]["A3"].value
    assert wb["Changes"]["A5"].value is None
    snap = wb["Snapshot"]
    assert snap.sheet_state == "hidden"
    assert [snap.cell(row=5, column=c).value for c in (2, 3)] == [N_LEADS, None]
    refresh(book, str(leads), progress=False)
    wb = load_workbook(book)
    summary, transitions, changed = changes_table(wb["Changes"])
    assert summary == {"Leads changed": 0, "New leads": 0, "Leads gone": 0,
                       "Into the sweet spot": 0, "Out of the sweet spot": 0}
    assert transitions == [] and changed == {}
    assert "No change" in "".join(str(c.value) for c in wb["Changes"]["A"] if c.value)
    # Two refreshes, two history rows; the Evidence and Changes sheets sit after Rules.
    snap = wb["Snapshot"]
    assert [snap.cell(row=r, column=2).value for r in (5, 6, 7)] == [N_LEADS, N_LEADS, None]
    names = wb.sheetnames
    assert names.index("Evidence") == names.index("Rules") + 1
    assert names.index("Changes") == names.index("Rules") + 2


def test_known_edits_list_exactly_the_edited_leads(template: Path, tmp_path: Path) -> None:
    rows = read_csv(SAMPLE / "leads.csv")[:N_LEADS]
    before = write_rows(tmp_path / "before.csv", rows)
    old = {e["row"]["lead_id"]: e for e in expected_leads(before)}
    edited = [dict(r) for r in rows]
    # 1. Three leads that are not in the sweet spot get all three mix flags.
    into_sweet = [r["lead_id"] for r in rows if old[r["lead_id"]]["mix"] != "Sweet spot"][:3]
    # 2. Two leads not qualified become perfect prospects (decision and profile move).
    perfect = [r["lead_id"] for r in rows if old[r["lead_id"]]["decision"] != "Qualified"
               and r["lead_id"] not in into_sweet][:2]
    # 3. A fit-only edit: one factor one step worse where nothing but fit moves.
    for r in edited:
        if r["lead_id"] in into_sweet:
            r.update(in_sales_plan="True", reached_by_marketing="True", in_target_market="True")
        if r["lead_id"] in perfect:
            r.update({k: "1" for k in FACTORS})
    fit_only = None
    for r in edited:
        if r["lead_id"] in into_sweet or r["lead_id"] in perfect or r["availability"] in ("", "5"):
            continue
        trial = dict(r, availability=str(int(r["availability"]) + 1))
        probe = expected_leads(write_rows(tmp_path / "probe.csv", [trial]))[0]
        if all(probe[f] == old[r["lead_id"]][f] for f in FIELDS):
            r.update(trial)
            fit_only = r["lead_id"]
            break
    assert fit_only is not None
    # 4. One lead gone, one new one (same values as another lead, a new id).
    gone = edited.pop(-1)["lead_id"]
    edited.append(dict(edited[0], lead_id="NEW-1"))
    after = write_rows(tmp_path / "after.csv", edited)
    new = {e["row"]["lead_id"]: e for e in expected_leads(after)}

    book = tmp_path / "book.xlsx"
    refresh(template, str(before), out=book, progress=False)
    refresh(book, str(after), progress=False)
    summary, transitions, changed = changes_table(load_workbook(book)["Changes"])

    want = {i for i in old if i in new and any(old[i][f] != new[i][f] for f in FIELDS)}
    assert want == set(into_sweet) | set(perfect)  # the edits, and only they, move
    assert set(changed) == want
    assert fit_only not in changed
    for lead_id, values in changed.items():
        assert values[0] == new[lead_id]["row"]["company"]
        for k, f in enumerate(FIELDS, start=1):
            a, b = old[lead_id][f], new[lead_id][f]
            assert values[k] == ("" if a == b else f"{a} -> {b}") or (values[k] is None and a == b)
        assert values[5] == pytest.approx(round(old[lead_id]["fit"], 1))
        assert values[6] == pytest.approx(round(new[lead_id]["fit"], 1))
    counts = Counter((LABELS[f], old[i][f], new[i][f]) for i in want for f in FIELDS
                     if old[i][f] != new[i][f])
    assert Counter({t[:3]: t[3] for t in transitions}) == counts
    into = sum(n for (f, _a, b), n in counts.items() if f == "Mix region" and b == "Sweet spot")
    assert into == 3
    assert summary == {"Leads changed": len(want), "New leads": 1, "Leads gone": 1,
                       "Into the sweet spot": 3, "Out of the sweet spot": 0}
    assert gone not in changed and "NEW-1" not in changed


def test_movement_api_and_bounded_history(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from leanxl.sheets.snapshot import HISTORY_MAX, read_snapshot, write_snapshot

    a = pd.DataFrame({"lead_id": ["x", "y", "=z"], "fit": [50.0, 60.04, None],
                      "best_profile": ["P1", "P2", None], "segment": ["S1", "S2", "S3"],
                      "mix": ["Outside", "Sweet spot", "Outside"], "decision": ["A", "B", "C"]})
    b = a.assign(mix=["Sweet spot", "Sweet spot", "Lead deficit"], fit=[50.0, 61.0, None])
    moved = movement(snapshot(a), snapshot(b))
    assert list(moved.changed["lead_id"]) == ["x", "=z"]
    assert moved.transitions.to_dict("records") == [
        {"field": "mix", "old": "Outside", "new": "Lead deficit", "leads": 1},
        {"field": "mix", "old": "Outside", "new": "Sweet spot", "leads": 1}]
    wb = Workbook()
    ws = wb.create_sheet("Snapshot")
    history = [[f"2025-01-{i % 28 + 1:02d}", i] for i in range(HISTORY_MAX + 20)]
    write_snapshot(ws, snapshot(b), b, "now", history, moved)
    wb.save(tmp_path / "s.xlsx")
    back, when, hist = read_snapshot(load_workbook(tmp_path / "s.xlsx"))
    assert when == "now" and len(hist) == HISTORY_MAX
    assert back is not None
    want = snapshot(b)
    assert list(back.index) == list(want.index) == ["x", "y", "=z"]
    assert back.to_numpy().tolist() == want.to_numpy().tolist()


_AWKWARD = ["a", "", " ", "\x1c", "\u00a0", "a,b", 'q"x', "l\nm", "c\rr", "x\r\ny", '"', " b ",
            "é", "=1+2", "\t"]


@pytest.mark.parametrize("dtype", [str, object, "string[pyarrow]"])
def test_snapshot_text_is_pandas_csv_of_the_texts(dtype: Any) -> None:
    """The snapshot's texts and its CSV (built in Arrow) are what the per-value rules and
    pandas' ``to_csv`` give: blanks (``str.strip()`` empty, missing) as "", quoting of
    commas, quotes and line ends as the ``csv`` writer does it."""
    import importlib

    mv = importlib.import_module("leanxl.evidence.movement")
    n = 3 * len(_AWKWARD)
    values = [_AWKWARD[i % len(_AWKWARD)] for i in range(n)]
    ids = [f"L{i}" if i % 4 else _AWKWARD[i % len(_AWKWARD)] + str(i) for i in range(n)]
    view = pd.DataFrame({"lead_id": pd.Series(ids, dtype=dtype),
                         "fit": [float(i) / 3 if i % 5 else None for i in range(n)],
                         **{f: pd.Series([None if i % 7 == 0 else values[(i + k) % n]
                                          for i in range(n)], dtype=dtype)
                            for k, f in enumerate(mv.MOVED_FIELDS)}})
    snap = snapshot(view)
    for f in mv.MOVED_FIELDS:
        want = ["" if pd.isna(v) or str(v).strip() == "" else str(v) for v in view[f]]
        assert snap[f].tolist() == [w for w, i in zip(want, ids, strict=True)
                                    if str(i).strip() != ""]
    text = mv.to_text(snap)
    assert text == snap.to_csv(index=True, index_label="lead_id", lineterminator="\n")
    assert mv.from_text(text).equals(mv.from_text(snap.to_csv(
        index=True, index_label="lead_id", lineterminator="\n")))
