"""Calc's argument values -> the registry's rows, and registry rows -> what Calc shows.

Runs inside LibreOffice's Python (no numba, no pandas): only the standard library here.

An add-in parameter of type ``any`` receives a single cell as a number or text, a range as a
tuple of row tuples, an omitted argument as ``None``.  Calc has no real error value in the
add-in API (an exception shows ``#VALUE!``), but inside Calc an error *is* a double NaN whose
low 32 bits carry LibreOffice's error number; a NaN so made comes out of an add-in as that
very error, also inside an array result.  So ``#N/A`` stays ``#N/A`` and ``ISNA``/``IFERROR``
work; the reason goes to the log.
"""

from __future__ import annotations

import logging
import struct
from typing import Any

from leanxl.errors import CellError
from leanxl.functions import Rows, as_rows
from leanxl.office import LO_ERROR_NUMBERS

logger = logging.getLogger(__name__)

_QUIET_NAN = 0x7FF8_0000_0000_0000


def error_double(code: str) -> float:
    """The double Calc reads as the error ``code`` (``#N/A`` ...); unknown codes: ``#VALUE!``."""
    number = LO_ERROR_NUMBERS.get(code, LO_ERROR_NUMBERS["#VALUE!"])
    value: float = struct.unpack("<d", struct.pack("<Q", _QUIET_NAN | number))[0]
    return value


def to_rows(value: Any) -> Any:
    """One Calc argument -> what a registry function takes (``None`` stays ``None``)."""
    if value is None:
        return None
    return as_rows(value)


def _cell(value: Any) -> Any:
    if isinstance(value, CellError):
        return error_double(value.code)
    if value is None:
        return ""
    if isinstance(value, bool):  # Calc has no boolean cells: TRUE is 1
        return 1.0 if value else 0.0
    if isinstance(value, int):
        return float(value)
    return value


def to_calc(rows: Rows) -> Any:
    """Registry rows -> one value (1 x 1) or a rectangular tuple of row tuples.

    Short rows are padded with blanks; a blank is ``""`` (Calc's add-in API has no blank).
    """
    width = max((len(row) for row in rows), default=0)
    if not rows or width == 0:
        return ""
    if len(rows) == 1 and width == 1:
        return _cell(rows[0][0])
    return tuple(tuple(_cell(v) for v in row) + ("",) * (width - len(row)) for row in rows)


def log_errors(name: str, rows: Rows) -> None:
    """Log how many error cells a call gave, and the first one's reason (cells show codes)."""
    errors = [v for row in rows for v in row if isinstance(v, CellError)]
    if errors:
        logger.info("%s: %d error cell(s); first: %s", name, len(errors), errors[0])
