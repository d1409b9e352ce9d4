"""The sheets that look back: Evidence (what wins deals), Changes (what moved since the last
refresh) and the hidden Snapshot they compare against. One call from the refresh."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl.workbook.workbook import Workbook

from leanxl.evidence.movement import movement, snapshot
from leanxl.sheets import book as B
from leanxl.sheets import style as S
from leanxl.sheets.book import BookData, Cache
from leanxl.sheets.changes import CHANGES, write_changes
from leanxl.sheets.evidence import EVIDENCE, write_evidence
from leanxl.sheets.snapshot import SNAPSHOT, read_snapshot, write_snapshot


def write_insights(wb: Workbook, data: BookData, view: pd.DataFrame, output: str,
                   cache: Cache, *, now: dt.datetime | None = None) -> None:
    """Write Evidence and Changes (created after the Rules sheet the first time) and replace
    the Snapshot with this refresh's."""
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    previous, when, history = read_snapshot(wb)
    current = snapshot(view)
    moved = movement(previous, current) if previous is not None else None
    anchor = wb.sheetnames.index(B.RULES) + 1 if B.RULES in wb.sheetnames else len(wb.sheetnames)
    for k, title in enumerate((EVIDENCE, CHANGES)):
        if title not in wb.sheetnames:
            wb.create_sheet(title, anchor + k)
    write_evidence(wb[EVIDENCE], data, view, output, cache)
    write_changes(wb[CHANGES], moved, when, stamp, view)
    if SNAPSHOT not in wb.sheetnames:
        wb.create_sheet(SNAPSHOT)
    write_snapshot(wb[SNAPSHOT], current, view, stamp, history, moved)
    for title in (EVIDENCE, CHANGES):
        S.page(wb[title])
