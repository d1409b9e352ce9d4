"""The xlwings.conf sheet: the Excel add-in's settings.

The xlwings add-in reads a sheet named ``xlwings.conf``: keys in column A (from A1 down, no
gaps, case-insensitive), values in column B.  A key present on the sheet overrides the
add-in's ribbon and ``~/.xlwings/xlwings.conf``, even with an empty value, so only keys with a
value every user shares are listed: the interpreter path differs per machine and is left to the
ribbon (or add ``Interpreter_Win`` / ``Interpreter_Mac`` rows yourself).  The sheet lives here,
with the other sheets, so the template is built without importing the Excel bridges.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from leanxl.sheets.book import XLWINGS, BookData
from leanxl.sheets.layout import start_sheet

CONF_SHEET = XLWINGS
#: The module the classic add-in imports for the LEANXL_* UDFs (``leanxl/excel/udfs.py``).
UDF_MODULE = "leanxl.excel.udfs"

XLWINGS_CONF: dict[str, str] = {
    "UDF Modules": UDF_MODULE,
}


def conf_rows() -> list[tuple[str, str]]:
    """The ``xlwings.conf`` sheet's rows: ``(key, value)`` for A1:B<n>, in order."""
    return list(XLWINGS_CONF.items())


def write_xlwings_conf(ws: Worksheet, data: BookData) -> None:
    """The add-in's key/value settings, one per row."""
    start_sheet(ws, clear_from=1, widths=[28, 60])
    for i, (key, value) in enumerate(data.xlwings_conf, start=1):
        ws.cell(row=i, column=1, value=key)
        ws.cell(row=i, column=2, value=value)
