"""The Changes sheet: which leads moved since the previous refresh (best profile, segment, mix
region, decision: old -> new), with counts per transition — the seed's "move the circles"."""

from __future__ import annotations

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.evidence.movement import FIELD_LABELS, MOVED_FIELDS, Movement
from leanxl.sheets import style as S
from leanxl.sheets.cells import write_text
from leanxl.sheets.layout import start_sheet

CHANGES = "Changes"
LIST_MAX = 10000  # changed leads listed one by one; the counts always cover all of them
SWEET_SPOT = "Sweet spot"
NO_SNAPSHOT = ("No earlier snapshot: this is the first refresh that keeps one. The next "
               "refresh lists what changed since this one.")
LEAD_HEADERS = ("lead_id", "company", *[f"{FIELD_LABELS[f]}: old -> new" for f in MOVED_FIELDS],
                "Fit % before", "Fit % now")


def write_changes(ws: Worksheet, moved: Movement | None, previous: str, now: str,
                  view: pd.DataFrame) -> None:
    """The summary, the transition counts, then the changed leads (``moved`` None: no
    earlier snapshot)."""
    start_sheet(ws, "Changes since the previous refresh", "Leads whose best profile, segment, "
                "mix region or decision changed. Goal: more leads into the sweet spot.",
                clear_from=1, drop_charts=True, drop_colours=True,
                widths=[20, 22, 28, 22, 30, 28, 12, 12], freeze="A4")
    if moved is None:
        S.note(ws, "A3", NO_SNAPSHOT)
        return
    S.note(ws, "A3", f"Previous refresh: {previous or 'unknown'}; this refresh: {now}.")
    into = moved.transitions[(moved.transitions["field"] == "mix")
                             & (moved.transitions["new"] == SWEET_SPOT)]
    summary = (("Leads changed", len(moved.changed)), ("New leads", len(moved.new_leads)),
               ("Leads gone", len(moved.gone_leads)),
               ("Into the sweet spot", int(into["leads"].sum())),
               ("Out of the sweet spot", int(moved.transitions[
                   (moved.transitions["field"] == "mix")
                   & (moved.transitions["old"] == SWEET_SPOT)]["leads"].sum())))
    for i, (label, n) in enumerate(summary):
        S.body(ws.cell(row=5 + i, column=1, value=label))
        ws.cell(row=5 + i, column=1).font = S.TOTAL_FONT
        S.body(ws.cell(row=5 + i, column=2, value=n), S.INTEGER)
    r = 5 + len(summary) + 1
    S.subtitle(ws, f"A{r}", "Transitions: how many leads made each change")
    S.header(ws, r + 1, 1, ("Column", "From", "To", "Leads"))
    r += 2
    if not len(moved.transitions):
        S.note(ws, f"A{r}", "No change since the previous refresh.")
        r += 1
    for t in moved.transitions.itertuples(index=False):
        write_text(ws.cell(row=r, column=1), FIELD_LABELS[t.field])
        write_text(ws.cell(row=r, column=2), t.old or "(blank)")
        write_text(ws.cell(row=r, column=3), t.new or "(blank)")
        ws.cell(row=r, column=4, value=int(t.leads))
        for c in range(1, 5):
            S.body(ws.cell(row=r, column=c), S.INTEGER if c == 4 else None)
        if t.field == "mix" and t.new == SWEET_SPOT:
            ws.cell(row=r, column=3).fill = S.GOOD_FILL
        r += 1
    r += 1
    S.subtitle(ws, f"A{r}", "Leads that changed")
    S.header(ws, r + 1, 1, LEAD_HEADERS)
    r += 2
    companies = _companies(view)
    for row in moved.changed.head(LIST_MAX).itertuples(index=False):
        d = row._asdict()
        values: list[object] = [d["lead_id"], companies.get(d["lead_id"], "")]
        for f in MOVED_FIELDS:
            old, new = d[f + "_old"], d[f + "_new"]
            values.append(f"{old or '(blank)'} -> {new or '(blank)'}" if old != new else "")
        values += [_number(d["fit_old"]), _number(d["fit_new"])]
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            write_text(cell, v)
            S.body(cell, '0.0" %"' if c > 2 + len(MOVED_FIELDS) else None)
        r += 1
    if len(moved.changed) > LIST_MAX:
        S.note(ws, f"A{r}", f"... and {len(moved.changed) - LIST_MAX} more (the counts above "
               "cover every lead).")


def _companies(view: pd.DataFrame) -> dict[str, object]:
    if "lead_id" not in view.columns or "company" not in view.columns:
        return {}
    ids = view["lead_id"].astype(str)
    return dict(zip(ids, view["company"].where(view["company"].notna(), ""), strict=True))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
