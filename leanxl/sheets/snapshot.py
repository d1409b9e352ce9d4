"""The hidden Snapshot sheet: what every lead looked like at the last refresh, and a short
history of counts per refresh, so the next refresh can say what moved (the Changes sheet).

Bounded: the per-lead snapshot is only the latest one, stored as CSV text in a column of cells
(about 40 characters per lead, 30,000 per cell: a 100k-lead book adds about 130 cells, not
600,000 that openpyxl would need seconds to write and read back); the history keeps the last
:data:`HISTORY_MAX` refreshes (two years of weekly refreshes).
"""

from __future__ import annotations

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import MIX_LABELS, SEGMENTS
from leanxl.evidence.movement import Movement, from_text, to_text
from leanxl.sheets import style as S
from leanxl.sheets.cells import write_text
from leanxl.sheets.layout import start_sheet

SNAPSHOT = "Snapshot"
HISTORY_MAX = 104
CHUNK = 30000  # characters per cell (Excel's limit is 32,767)
DATA_COL = 30  # column AD: the snapshot text, one chunk per row from row 2
DATA_MARK = "leanxl snapshot v1 (CSV text, one chunk per cell; do not edit)"
HISTORY_ROW = 4
HISTORY_HEADERS = ("Refreshed at", "Leads", "Changed", "New leads", "Gone leads",
                   *MIX_LABELS.values(), *SEGMENTS)


def read_snapshot(wb: Workbook) -> tuple[pd.DataFrame | None, str, list[list[object]]]:
    """(the previous snapshot or None, when it was taken, the history rows) of a workbook."""
    if SNAPSHOT not in wb.sheetnames:
        return None, "", []
    ws = wb[SNAPSHOT]
    if ws.cell(row=1, column=DATA_COL).value != DATA_MARK:
        return None, "", []
    parts = []
    r = 2
    while (v := ws.cell(row=r, column=DATA_COL).value) not in (None, ""):
        parts.append(str(v))
        r += 1
    history = []
    for row in ws.iter_rows(min_row=HISTORY_ROW + 1, max_col=len(HISTORY_HEADERS),
                            values_only=True):
        if row[0] in (None, ""):
            break
        history.append(list(row))
    when = str(history[-1][0]) if history else ""
    return from_text("".join(parts)), when, history


def write_snapshot(ws: Worksheet, snap: pd.DataFrame, view: pd.DataFrame, when: str,
                   history: list[list[object]], moved: Movement | None) -> None:
    """Replace the sheet with ``snap`` and the history plus this refresh's counts (hidden)."""
    start_sheet(ws, "Snapshot of the last refresh", "leanxl keeps this to list what changed at "
                "the next refresh (the Changes sheet). History: counts per refresh.",
                headers=HISTORY_HEADERS, clear_from=1, drop_charts=True, drop_colours=True,
                widths=[17] + [10] * (len(HISTORY_HEADERS) - 1))
    mix = view["mix"] if "mix" in view.columns else pd.Series(dtype=object)
    seg = view["segment"] if "segment" in view.columns else pd.Series(dtype=object)
    row: list[object] = [when, len(view),
                         len(moved.changed) if moved else None,
                         len(moved.new_leads) if moved else None,
                         len(moved.gone_leads) if moved else None,
                         *[int(mix.eq(m).sum()) for m in MIX_LABELS.values()],
                         *[int(seg.eq(s).sum()) for s in SEGMENTS]]
    rows = [*history, row][-HISTORY_MAX:]
    for i, values in enumerate(rows):
        for j, v in enumerate(values, start=1):
            S.body(ws.cell(row=HISTORY_ROW + 1 + i, column=j, value=v))
    ws.cell(row=1, column=DATA_COL, value=DATA_MARK)
    text = ILLEGAL_CHARACTERS_RE.sub("", to_text(snap))  # control characters cannot be stored
    for i, chunk in enumerate(_chunks(text)):
        write_text(ws.cell(row=2 + i, column=DATA_COL), chunk)  # a leading "=" stays text
    ws.sheet_state = "hidden"


def _chunks(text: str) -> list[str]:
    """Split at line ends into pieces of at most :data:`CHUNK` characters."""
    out, start = [], 0
    while start < len(text):
        end = start + CHUNK
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        out.append(text[start:end])
        start = end
    return out
