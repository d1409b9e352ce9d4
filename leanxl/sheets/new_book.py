"""``leanxl new``: a fresh workbook from the packaged template, ready for ``leanxl refresh``.

The template's package is copied part by part, so its formulas keep their cached values (an
openpyxl load and save would drop them). An ``.xlsm`` differs from an ``.xlsx`` only in its
workbook part's content type: Excel refuses to open a macro-enabled name whose package says
"plain workbook". The new file is written beside its target and moved into place, so a
failure never leaves half a workbook.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from leanxl.data import template_path
from leanxl.errors import WorkbookError
from leanxl.xlsx.files import atomic_output, check_unlocked

CONTENT_TYPES_PART = "[Content_Types].xml"
XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
#: The workbook part's content type for each extension ``leanxl new`` writes.
MAIN_CONTENT_TYPES = {".xlsx": XLSX_MAIN, ".xlsm": XLSM_MAIN}


def new_book(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write a fresh leanxl workbook from the packaged template.

    Parameters
    ----------
    path:
        The workbook to create, ``.xlsx`` or ``.xlsm`` (macro-enabled, with no macros yet);
        missing folders are created.
    force:
        Replace an existing file instead of refusing.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    WorkbookError
        For another extension, an existing file without ``force``, a folder of that name, or
        a workbook that Excel has open.
    """
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in MAIN_CONTENT_TYPES:
        ending = f"not {path.suffix}" if path.suffix else "this name has none"
        raise WorkbookError(f"a leanxl workbook ends in .xlsx or .xlsm, {ending}",
                            where=str(path),
                            suggestion=f"name it {path.stem}.xlsx, or {path.stem}.xlsm for macros")
    if path.is_dir():
        raise WorkbookError("a folder has that name", where=str(path),
                            suggestion="name the workbook file itself, e.g. sales.xlsx")
    if path.exists():
        if not force:
            raise WorkbookError("the file exists", where=str(path),
                                suggestion="choose another name, or add --force to replace it")
        check_unlocked(path)
    with atomic_output(path) as tmp:  # the mode refresh gives: the old file's or the umask's
        copy_template(template_path(), tmp, MAIN_CONTENT_TYPES[kind])
    return path


def copy_template(template: Path, out: Path, main_content_type: bytes) -> None:
    """Copy the template package to ``out``, its workbook part typed ``main_content_type``."""
    if main_content_type == XLSX_MAIN:
        shutil.copyfile(template, out)
        return
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == CONTENT_TYPES_PART:
                if data.count(XLSX_MAIN) != 1:
                    raise WorkbookError("the template's workbook part has an unexpected "
                                        "content type", where=f"{template}:{CONTENT_TYPES_PART}",
                                        suggestion="rebuild it: python -m leanxl.sheets.template")
                data = data.replace(XLSX_MAIN, main_content_type)
            dst.writestr(info, data)  # the same entry metadata and compression


__all__ = ["MAIN_CONTENT_TYPES", "copy_template", "new_book"]
