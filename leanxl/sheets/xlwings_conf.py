"""The xlwings.conf sheet: the Excel add-in's settings."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from leanxl.sheets.book import BookData
from leanxl.sheets.layout import start_sheet


def write_xlwings_conf(ws: Worksheet, data: BookData) -> None:
    """The add-in's key/value settings, one per row."""
    start_sheet(ws, clear_from=1, widths=[28, 60])
    for i, (key, value) in enumerate(data.xlwings_conf, start=1):
        ws.cell(row=i, column=1, value=key)
        ws.cell(row=i, column=2, value=value)
