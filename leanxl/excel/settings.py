"""The xlwings settings the template workbook carries (its ``xlwings.conf`` sheet).

The xlwings add-in reads a sheet named ``xlwings.conf``: keys in column A (from A1 down, no
gaps, case-insensitive), values in column B.  A key present on the sheet overrides the
add-in's ribbon and ``~/.xlwings/xlwings.conf`` — even with an empty value — so only keys
with a value every user shares are listed: the interpreter path differs per machine and is
left to the ribbon (or add ``Interpreter_Win`` / ``Interpreter_Mac`` rows yourself).
"""

from __future__ import annotations

CONF_SHEET = "xlwings.conf"
UDF_MODULE = "leanxl.excel.udfs"

XLWINGS_CONF: dict[str, str] = {
    "UDF Modules": UDF_MODULE,
}


def conf_rows() -> list[tuple[str, str]]:
    """The ``xlwings.conf`` sheet's rows: ``(key, value)`` for A1:B<n>, in order."""
    return list(XLWINGS_CONF.items())
