"""Read every decision table (and its EXAMPLES) from a workbook file, for check and audit.

The only openpyxl-facing part of decision tables: :mod:`leanxl.rules` itself reads any
worksheet-like object and never imports openpyxl.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from leanxl.csvfiles import read_grid
from leanxl.errors import TableError, WorkbookError
from leanxl.rules.loader import GridSheet, attach_examples, scan_sheet
from leanxl.rules.table import DecisionTable, Example
from leanxl.xlsx.package import verify_package


@dataclass
class WorkbookTables:
    """The tables of one file, and the mistakes that kept other tables from loading."""

    path: Path
    tables: list[DecisionTable] = field(default_factory=list)
    errors: list[TableError] = field(default_factory=list)


def read_tables(path: str | Path) -> WorkbookTables:
    """Load every ``DECISION`` block of an .xlsx/.xlsm workbook (or one table from a .csv).

    Mistakes are collected, not raised, so a checker can list them all.

    Raises
    ------
    WorkbookError
        When the file is missing or not a workbook.
    """
    path = Path(path)
    if not path.exists():
        raise WorkbookError("file not found", where=str(path))
    result = WorkbookTables(path)
    if path.suffix.lower() == ".csv":
        # A CSV is read like one sheet: several tables and EXAMPLES blocks may share it.
        blocks = scan_sheet(GridSheet(path.name, read_grid(path)))
        result.tables, result.errors = blocks.tables, blocks.errors
        for name, rows, where in blocks.examples:
            try:
                attach_examples(result.tables, [(name, rows, where)])
            except TableError as exc:
                result.errors.append(exc)
        return result
    import openpyxl

    verify_package(path)  # corrupt zips, zip and entity bombs: one line, before openpyxl
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise WorkbookError(f"cannot open as a workbook: {exc}", where=str(path),
                            suggestion="give an .xlsx or .xlsm file") from exc
    examples: list[tuple[str, list[Example], str]] = []
    try:
        for ws in wb.worksheets:
            blocks = scan_sheet(ws)
            result.tables += blocks.tables
            result.errors += blocks.errors
            examples += blocks.examples
    except (ElementTree.ParseError, KeyError, ValueError, OSError) as exc:
        raise WorkbookError(f"cannot read the workbook: {exc}", where=str(path),
                            suggestion="open and save it again in Excel") from exc
    finally:
        wb.close()
    for name, rows, where in examples:
        try:
            attach_examples(result.tables, [(name, rows, where)])
        except TableError as exc:
            result.errors.append(exc)
    return result


def pick_table(tables: list[DecisionTable], errors: list[TableError], name: str | None,
               book: str | Path) -> DecisionTable:
    """The table called ``name`` (or the only one), else a clear error."""
    import difflib

    from leanxl.domain import normalize_name

    if name is None:
        if len(tables) == 1:
            return tables[0]
        if errors and not tables:
            raise errors[0]
        names = ", ".join(t.name for t in tables) or "none"
        raise TableError(f"the book has {len(tables)} decision tables ({names})",
                         where=str(book), suggestion="choose one with --table NAME")
    for t in tables:
        if normalize_name(t.name) == normalize_name(name):
            return t
    for err in errors:  # the table may be the one that failed to load
        if err.where and name.lower() in str(err).lower():
            raise err
    close = difflib.get_close_matches(name, [t.name for t in tables], n=1)
    raise TableError(f"no decision table named '{name}'", where=str(book),
                     suggestion=f"did you mean {close[0]}?" if close else
                     f"tables: {', '.join(t.name for t in tables) or 'none'}")

