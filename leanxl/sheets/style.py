"""Look of leanxl's sheets: one place for fonts, fills, number formats and column widths.

Every leanxl sheet follows the same reading order so a sales manager needs no manual:
a title (row 1), one sentence saying what the sheet answers (row 2), then a table whose
header row is dark blue. Yellow cells are inputs you may edit; white cells are computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from copy import copy
from typing import Any

from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from leanxl.sheets.cells import write_text
from leanxl.xlsx.refs import column_letter

NAVY = "1F3864"
TITLE_FONT = Font(name="Calibri", size=16, bold=True, color=NAVY)
SUBTITLE_FONT = Font(name="Calibri", size=12, bold=True, color=NAVY)
NOTE_FONT = Font(name="Calibri", size=10, italic=True, color="595959")
HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor=NAVY)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
TOTAL_FONT = Font(name="Calibri", size=11, bold=True)
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

GOOD_FILL = PatternFill("solid", fgColor="C6EFCE")
GOOD_FONT = Font(color="006100")
WARN_FILL = PatternFill("solid", fgColor="FFEB9C")
WARN_FONT = Font(color="9C5700")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")

PERCENT_0_100 = '0.0" %"'  # fit and match: numbers 0..100
SHARE = "0%"  # fractions 0..1
MONEY = "#,##0"
INTEGER = "0"
DATE = "yyyy-mm-dd"


def title(ws: Worksheet, text: str, note: str) -> None:
    """Row 1: the sheet's title; row 2: the one question it answers."""
    ws["A1"] = text
    ws["A1"].font = TITLE_FONT
    ws["A2"] = note
    ws["A2"].font = NOTE_FONT
    ws.row_dimensions[1].height = 24


def header(ws: Worksheet, row: int, col: int, labels: Iterable[str], height: float = 32) -> int:
    """Write a dark header row starting at (row, col); return the number of labels."""
    n = 0
    for n, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col + n - 1)
        write_text(cell, label)  # labels may be profile, period or column names from a source
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = CENTER
        cell.border = BOX
    ws.row_dimensions[row].height = height
    return n


def subtitle(ws: Worksheet, coord: str, text: str) -> None:
    ws[coord] = text
    ws[coord].font = SUBTITLE_FONT


def note(ws: Worksheet, coord: str, text: str) -> None:
    ws[coord] = text
    ws[coord].font = NOTE_FONT


def widths(ws: Worksheet, sizes: Mapping[str, float] | Iterable[float], start: int = 1) -> None:
    """Set column widths, by letter or in order from column ``start``."""
    if isinstance(sizes, Mapping):
        for letter, size in sizes.items():
            ws.column_dimensions[letter].width = size
    else:
        for i, size in enumerate(sizes, start=start):
            ws.column_dimensions[column_letter(i)].width = size


def body(cell: object, fmt: str | None = None, *, editable: bool = False,
         wrap: bool = False) -> None:
    """Style one body cell: a light box, a number format, yellow when it is an input."""
    cell.border = BOX  # type: ignore[attr-defined]
    if fmt:
        cell.number_format = fmt  # type: ignore[attr-defined]
    if editable:
        cell.fill = INPUT_FILL  # type: ignore[attr-defined]
    if wrap:
        cell.alignment = WRAP  # type: ignore[attr-defined]


def status_colours(ws: Worksheet, ref: str, good: Iterable[str], warn: Iterable[str],
                   bad: Iterable[str]) -> None:
    """Green / amber / red text statuses (conditional formatting, so it follows the values)."""
    first = ref.split(":")[0].replace("$", "")
    for words, fill, font in ((good, GOOD_FILL, GOOD_FONT), (warn, WARN_FILL, WARN_FONT),
                              (bad, BAD_FILL, BAD_FONT)):
        for word in words:
            ws.conditional_formatting.add(
                ref, FormulaRule(formula=[f'ISNUMBER(SEARCH("{word}",{first}))'],
                                 fill=fill, font=font, stopIfTrue=True))


def fit_colours(ws: Worksheet, ref: str) -> None:
    """Fit / match percentages: green at or above GoodFit, red below WeakFit."""
    ws.conditional_formatting.add(
        ref, CellIsRule(operator="greaterThanOrEqual", formula=["GoodFit"], fill=GOOD_FILL,
                        font=GOOD_FONT))
    ws.conditional_formatting.add(
        ref, CellIsRule(operator="lessThan", formula=["WeakFit"], fill=BAD_FILL, font=BAD_FONT))


def heat(ws: Worksheet, ref: str) -> None:
    """A red → yellow → green colour scale (match matrices)."""
    ws.conditional_formatting.add(
        ref, ColorScaleRule(start_type="num", start_value=0, start_color="F8696B",
                            mid_type="num", mid_value=50, mid_color="FFEB84",
                            end_type="num", end_value=100, end_color="63BE7B"))


def page(ws: Worksheet) -> None:
    """Print (and PDF-render) each sheet landscape, one page wide."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = False


def copy_style(source: Any, target: Any) -> None:
    """Give ``target`` the whole look of ``source`` (a cell of the same workbook)."""
    target.style = source.style  # the named style first: setting it resets the rest
    target.font = copy(source.font)
    target.fill = copy(source.fill)
    target.border = copy(source.border)
    target.alignment = copy(source.alignment)
    target.protection = copy(source.protection)
    target.number_format = source.number_format
    target.quotePrefix = source.quotePrefix
    target.pivotButton = source.pivotButton


def choices(ws: Worksheet, ref: str, formula: str, prompt: str, *, kind: str = "list",
            formula2: str | None = None) -> None:
    """An input check with a prompt on a leanxl input range (replaces leanxl's previous one)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    for old in list(ws.data_validations.dataValidation):
        if str(old.sqref) == ref:
            ws.data_validations.dataValidation.remove(old)
    dv = DataValidation(type=kind, formula1=formula, formula2=formula2, allow_blank=True,
                        operator="between" if kind == "whole" else None,
                        showInputMessage=True, promptTitle="leanxl", prompt=prompt,
                        showErrorMessage=True, errorTitle="leanxl", error=prompt)
    dv.add(ref)
    ws.add_data_validation(dv)
