"""The set-up every leanxl sheet shares: old content cleared, title, header row, widths, panes.

Each sheet module calls :func:`start_sheet` once, so a sheet written again by a refresh
starts from the same clean state as in the template, and every sheet reads the same way
(see :mod:`leanxl.sheets.style`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.sheets import style as S
from leanxl.sheets.book import HEADER_ROW, Cache


def start_sheet(ws: Worksheet, title: str | None = None, note: str = "", *,
                headers: Sequence[str] = (), header_height: float = 32,
                clear_from: int | None = None, cache: Cache | None = None,
                drop_charts: bool = False, drop_colours: bool = False,
                widths: Mapping[str, float] | Iterable[float] | None = None,
                freeze: str | None = None) -> None:
    """Prepare a leanxl sheet for (re)writing.

    Parameters
    ----------
    ws:
        The sheet.
    title, note:
        Row 1 and row 2 (:func:`leanxl.sheets.style.title`); no title when None.
    headers, header_height:
        The dark header row at :data:`~leanxl.sheets.book.HEADER_ROW` (none when empty).
    clear_from:
        Remove every cell (value and style) from this row down, so a shorter table leaves
        no leftovers; nothing is removed when None.
    cache:
        Forget the cached values recorded for this sheet (they are recorded again).
    drop_charts, drop_colours:
        Remove the sheet's charts / conditional formatting: the sheet adds its own again.
    widths, freeze:
        Column widths (:func:`leanxl.sheets.style.widths`) and the frozen-pane cell.
    """
    if clear_from is not None:
        clear_rows(ws, clear_from)
    if drop_charts:
        remove_charts(ws)
    if drop_colours:
        ws.conditional_formatting = ConditionalFormattingList()
    if cache is not None:
        cache.forget_sheet(ws.title)
    if title is not None:
        S.title(ws, title, note)
    if headers:
        S.header(ws, HEADER_ROW, 1, headers, height=header_height)
    if widths is not None:
        S.widths(ws, widths)
    if freeze is not None:
        ws.freeze_panes = freeze


def clear_rows(ws: Worksheet, first_row: int) -> None:
    """Remove every cell from ``first_row`` down (values and styles; nothing below moves)."""
    if ws.max_row >= first_row:
        ws.delete_rows(first_row, ws.max_row - first_row + 1)


def remove_charts(ws: Worksheet) -> None:
    """Remove every chart of a sheet.

    openpyxl has no public API for this (charts are only ever added with ``add_chart``), so
    this is the one place in leanxl that touches its private chart list.
    """
    ws._charts.clear()
