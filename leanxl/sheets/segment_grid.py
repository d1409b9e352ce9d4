"""The seed's "Segments with lead profile spread": S1..S4 as a 2 x 2 grid (price across,
complexity up), and in each quadrant how many leads of each profile (by best profile) fall there."""

from __future__ import annotations

import pandas as pd
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.sheets import style as S
from leanxl.sheets.book import BookData, Cache
from leanxl.sheets.cells import write_text
from leanxl.xlsx.refs import column_letter

# Bands of the grid top to bottom (high complexity on top): (low price, high price) segments.
GRID = (("High complexity", ("S2", "S4")), ("Low complexity", ("S1", "S3")))


def write_segment_grid(ws: Worksheet, data: BookData, leads: pd.DataFrame, cache: Cache,
                       top: int, left: int) -> int:
    """Write the grid from row ``top``, column ``left`` (six columns); returns the next row."""
    names = [str(p) for p in data.profiles["profile"]]
    col = [column_letter(left + k) for k in range(6)]
    S.subtitle(ws, f"{col[0]}{top}", "Segments with lead profile spread (leads per best profile)")
    S.header(ws, top + 1, left, ("", "Best profile", "Low price: leads", "share",
                                 "High price: leads", "share"))
    seg = leads["segment"] if len(leads) else pd.Series(dtype=object)
    best = leads["best_profile"] if len(leads) else pd.Series(dtype=object)
    r = top + 2
    for band, pair in GRID:
        first = r
        for name in (None, *names):
            label = "All profiles" if name is None else name
            write_text(ws.cell(row=r, column=left + 1), label)
            S.body(ws.cell(row=r, column=left + 1))
            for k, s in enumerate(pair):
                c = left + 2 + 2 * k
                mask = seg.eq(s) if name is None else seg.eq(s) & best.eq(name)
                n = int(mask.sum()) if len(leads) else 0
                total = int(seg.eq(s).sum()) if len(leads) else 0
                quoted = str(name or "").replace('"', '""')
                formula = (f'=COUNTIF(LeadSegment,"{s}")' if name is None else
                           f'=COUNTIFS(LeadSegment,"{s}",LeadBestProfile,"{quoted}")')
                cache.put(ws, f"{column_letter(c)}{r}", formula, n)
                S.body(ws.cell(row=r, column=c), S.INTEGER)
                if name is None:
                    write_text(ws.cell(row=r, column=c + 1), s)
                    S.body(ws.cell(row=r, column=c + 1))
                    for cc in (c, c + 1):
                        ws.cell(row=r, column=cc).font = S.TOTAL_FONT
                else:
                    total_ref = f"{column_letter(c)}{first}"
                    cache.put(ws, f"{column_letter(c + 1)}{r}",
                              f"=IF({total_ref}=0,0,{column_letter(c)}{r}/{total_ref})",
                              n / total if total else 0)
                    S.body(ws.cell(row=r, column=c + 1), S.SHARE)
            r += 1
        band_cell = ws.cell(row=first, column=left, value=band)
        band_cell.font = S.TOTAL_FONT
        band_cell.alignment = S.CENTER
        if r - 1 > first:
            ws.merge_cells(start_row=first, start_column=left, end_row=r - 1, end_column=left)
            for k in (0, 1):  # the profiles' counts of each quadrant, shaded by size
                letter = col[2 + 2 * k]
                shade = ColorScaleRule(start_type="num", start_value=0, start_color="FFFFFF",
                                       end_type="max", end_color="5B9BD5")
                ws.conditional_formatting.add(f"{letter}{first + 1}:{letter}{r - 1}", shade)
    S.note(ws, f"{col[0]}{r}", "Price: low below Settings' PriceCut. Complexity: high from "
           "ComplexityCut. Each lead counts once, for its best-matching profile.")
    return r + 1
