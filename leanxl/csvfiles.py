"""CSV files as Excel and CRMs write them: encoding, separator, and the grid of cell texts.

Excel's plain "CSV" export in Western Europe is Windows-1252 with ``;`` separators, its
"Unicode Text" is UTF-16 with tabs, and CRMs write UTF-8 with or without a BOM.  Every reader
of a CSV in leanxl (leads and other CRM tables in :mod:`leanxl.sources`, decision tables in
:mod:`leanxl.rules`) detects them here, the same way.  Standard library only.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from leanxl.errors import SourceError


def read_grid(path: str | Path) -> list[list[str | None]]:
    """A CSV file as the rectangle of cell texts a spreadsheet shows (empty cells None).

    For blocks of cells such as decision tables: nothing is converted (``1,5`` stays the
    text an S-FEEL cell holds), an empty line stays an empty row, and short rows are padded.
    Encoding and separator are detected as for :func:`read_csv`.

    Raises
    ------
    SourceError
        The file is missing or cannot be decoded.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        text = raw.decode(csv_encoding(raw))
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=csv_separator(text)))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"cannot read: {exc}", where=str(path)) from exc
    width = max(map(len, rows), default=0)
    return [[v if v != "" else None for v in row] + [None] * (width - len(row)) for row in rows]


def csv_separator(text: str) -> str:
    """Comma, semicolon (European Excel) or tab: whichever the first line uses most."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def csv_encoding(raw: bytes) -> str:
    """UTF-16 (Excel's "Unicode text") by its BOM, UTF-8 (with or without a BOM) when the
    bytes decode as such, else Windows-1252 (Excel's plain "CSV" export in Western Europe)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


# --------------------------------------------------------------------------- numbers
#: Written as blanks by pandas, R and databases; a numeric cell holding one is "not given".
BLANK_WORDS = frozenset({"nan", "na", "n/a", "#n/a", "null", "none", "<na>"})
_SPACES = str.maketrans("", "", " \u00a0\u202f'")  # 12 600 / 12'600 grouping


def number_marks(cells: Iterable[str], separator: str) -> tuple[str, str]:
    """The export's decimal mark and thousands separator: ``('.', ',')`` or ``(',', '.')``.

    Decided by the cells that settle it (``12,5`` or ``1.234,50`` mean a decimal comma;
    ``12.5`` or ``1,234.50`` a decimal point). When none does (only whole numbers, or only
    ``12.600``), a ``;`` or tab file is taken as Excel writes it in Europe (decimal comma) and
    a ``,`` file as a decimal point; a majority decides a file that has both kinds.
    """
    comma = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+,\d+|\d*,(\d{1,2}|\d{4,}))$")
    point = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+\.\d+|\d*\.(\d{1,2}|\d{4,}))$")
    votes = {",": 0, ".": 0}
    for cell in cells:
        text = cell.strip().translate(_SPACES)
        if comma.match(text):
            votes[","] += 1
        elif point.match(text):
            votes["."] += 1
    if votes[","] != votes["."]:
        decimal = "," if votes[","] > votes["."] else "."
    else:
        decimal = "," if separator in (";", "\t") else "."
    return decimal, ("." if decimal == "," else ",")

