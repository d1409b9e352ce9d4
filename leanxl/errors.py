"""Errors: exceptions for malformed arguments and files, and cell error values for bad rows.

Two kinds of failure, kept apart on purpose:

* a malformed *argument* (wrong shape, unknown column, bad table, bad file) raises a
  :class:`LeanxlError` subclass that says what to fix, and where;
* a bad *value in one row* (factor outside 1..S, text where a number belongs) never raises:
  that row gets a :class:`CellError` — an Excel error code plus a short reason.
"""

from __future__ import annotations

from dataclasses import dataclass


class LeanxlError(Exception):
    """Base class of every error leanxl raises on purpose.

    Parameters
    ----------
    message:
        What is wrong, in the user's words.
    where:
        ``file``, ``Sheet!A1`` or argument name, when known.
    suggestion:
        What to do about it, when leanxl can tell.
    """

    def __init__(self, message: str, *, where: str | None = None, suggestion: str | None = None):
        self.message = message
        self.where = where
        self.suggestion = suggestion
        text = f"{where}: {message}" if where else message
        if suggestion:
            text += f" ({suggestion})"
        super().__init__(text)


class ArgumentError(LeanxlError):
    """An argument has the wrong shape, type or names."""


class TableError(LeanxlError):
    """A decision table is malformed (reported at load time with sheet and cell)."""


class WorkbookError(LeanxlError):
    """A workbook cannot be read, refreshed or written (locked, corrupt, wrong template)."""


class EngineError(LeanxlError):
    """A spreadsheet engine (LibreOffice) could not be found or started, or died."""


class SourceError(LeanxlError):
    """A data source (CSV, xlsx, Parquet, database) is missing, empty or has bad columns."""


# Excel's error codes that leanxl produces.
VALUE = "#VALUE!"
NUM = "#NUM!"
NA = "#N/A"
DIV0 = "#DIV/0!"
NAME = "#NAME?"
REF = "#REF!"
ERROR_CODES = (VALUE, NUM, NA, DIV0, NAME, REF, "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA")


@dataclass(frozen=True, slots=True)
class CellError:
    """An Excel error value for one row, with the reason a person can read."""

    code: str
    reason: str

    def __str__(self) -> str:
        return f"{self.code} {self.reason}" if self.reason else self.code
