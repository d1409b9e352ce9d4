"""Open a workbook in a headless soffice (given profile), recalculate it all, dump and save.

Run by a Python with ``uno`` (``/usr/bin/python3``)::

    python3 calc_driver.py PROFILE_DIR BOOK.xlsx OUT.json [SAVED.xlsx]

Writes, for every formula cell calling a LEANXL function, ``[sheet, row, col, formula,
value, error]`` (``error`` is LibreOffice's error number, 0 for none) after
``calculateAll()``; then saves the book as xlsx if asked.
"""

import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(profile, book, out, saved=None):
    pipe = f"leanxl-calc-test-{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}", "--headless",
         "--invisible", "--norestore", "--nodefault",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(1200):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.1)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(book), "_blank", 0,
                                           (prop("Hidden", True),))
        doc.calculateAll()
        cells = []
        for i in range(doc.Sheets.Count):
            sheet = doc.Sheets.getByIndex(i)
            found = sheet.queryContentCells(16)  # CellFlags.FORMULA
            for address in found.getRangeAddresses():
                for r in range(address.StartRow, address.EndRow + 1):
                    for c in range(address.StartColumn, address.EndColumn + 1):
                        cell = sheet.getCellByPosition(c, r)
                        formula = cell.getFormula()
                        if "LEANXL" not in formula.upper():
                            continue
                        error = cell.getError()
                        kind = cell.FormulaResultType2  # FormulaResult: 1 value, 2 text
                        value = None if error else (
                            cell.getString() if kind == 2 else cell.getValue())
                        cells.append([sheet.Name, r + 1, c + 1, formula, value, error])
        with open(out, "w") as f:
            json.dump(cells, f)
        if saved:
            doc.storeToURL(uno.systemPathToFileUrl(saved),
                           (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
        desktop.terminate()
    finally:
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()  # our own soffice, by its pid
            office.wait()


if __name__ == "__main__":
    main(*sys.argv[1:])
