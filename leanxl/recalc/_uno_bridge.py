"""LibreOffice worker: drives one headless ``soffice`` over UNO for the recalc engine.

Run by a Python that can ``import uno`` (Debian's ``python3-uno`` is for the system
``/usr/bin/python3``, which is often not the venv's interpreter), so this file imports nothing
from leanxl and speaks length-prefixed pickles of builtins on stdin/stdout::

    python3 _uno_bridge.py PIPE_NAME SOFFICE_PID

Requests are tuples ``(op, *args)``; each gets ``("ok", result)`` or ``("error", text)``.
One ``soffice`` serves every workbook of the worker: it starts once, documents are opened,
recalculated and closed in it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import time
import traceback
from typing import Any

import uno
from com.sun.star.beans import PropertyValue

# Formulas that make LibreOffice hold a given error value (leanxl results that are errors).
ERROR_FORMULAS = {
    "#N/A": "=NA()",
    "#DIV/0!": "=1/0",
    "#NUM!": "=SQRT(-1)",
    "#VALUE!": '="a"+1',
    "#NAME?": "=LEANXL_ERROR_NAME()",
    "#REF!": "=#REF!",
}


def _as_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return v


def _as_formula(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, tuple):
        return ERROR_FORMULAS.get(v[1], '="a"+1')
    if isinstance(v, bool):
        return "=TRUE()" if v else "=FALSE()"
    if isinstance(v, (int, float)):
        return f"={float(v)!r}"
    return '="' + str(v).replace('"', '""') + '"'


def _prop(name: str, value: Any) -> Any:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


class Office:
    def __init__(self, pipe: str, soffice_pid: int) -> None:
        # soffice is started by the caller, in parallel with this interpreter and ``uno``.
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 120
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if not _alive(soffice_pid) or time.monotonic() > deadline:
                    raise RuntimeError("soffice did not start") from None
                time.sleep(0.02)
        self.desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx)
        self.doc: Any = None
        self.formats: dict[int, bool] = {}
        self.frozen = False

    # --- documents -------------------------------------------------------------------------
    def open(self, path: str, touch: bool = True) -> list[tuple[str, int, int]]:
        """Load a workbook; ``touch=False`` (no TRUE/FALSE cell in it) skips the read below."""
        self.close()
        self.doc = self.desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(path), "_blank", 0,
            (_prop("Hidden", True),))
        if self.doc is None or not hasattr(self.doc, "Sheets"):
            raise RuntimeError("LibreOffice could not open it as a spreadsheet")
        self.formats = {}
        self.frozen = False
        out = []
        sheets = self.doc.Sheets
        for i in range(sheets.Count):
            sh = sheets.getByIndex(i)
            cur = sh.createCursor()
            cur.gotoEndOfUsedArea(False)
            a = cur.RangeAddress
            out.append((sh.Name, a.EndRow + 1, a.EndColumn + 1))
            # LibreOffice imports an xlsx TRUE/FALSE constant as the formula =TRUE()/=FALSE(),
            # interpreted on first read only while automatic calculation is on (afterwards it
            # reads 0 until a full recalculation): read each formula once now.
            if not touch:
                continue
            formulas = sh.queryContentCells(16)  # CellFlags.FORMULA
            for address in formulas.getRangeAddresses():
                sh.getCellRangeByPosition(address.StartColumn, address.StartRow,
                                          address.EndColumn, address.EndRow).getDataArray()
        return out

    def close(self) -> None:
        if self.doc is not None:
            try:
                self.doc.close(True)
            except Exception:
                self.doc.dispose()
            self.doc = None

    def _freeze(self) -> None:
        """Stop automatic calculation before the first change to the book.

        Leanxl cells are written first and the whole book is calculated once after.  Not at
        load: LibreOffice imports an xlsx TRUE/FALSE constant as the formula =TRUE()/=FALSE(),
        interpreted on first read only while automatic calculation is on (else it reads 0).
        """
        if not self.frozen:
            self.doc.enableAutomaticCalculation(False)
            # Row heights are never saved from here (leanxl writes the output): fitting them
            # to every value written took ≈ 1/4 of writing 20k values.
            self.doc.IsAdjustHeightEnabled = False
            self.frozen = True

    def _sheet(self, index: int) -> Any:
        return self.doc.Sheets.getByIndex(index)

    def read(self, index: int, r1: int, c1: int, r2: int, c2: int) -> list[list[Any]]:
        """Values of a 0-based block: numbers, text, '' blank, None for an error.

        Error codes cost one UNO round trip per cell, so they are asked separately
        (:meth:`errors`) and only for the cells that need them.
        """
        rng = self._sheet(index).getCellRangeByPosition(c1, r1, c2, r2)
        return [list(r) for r in rng.getDataArray()]

    def errors(self, index: int, cells: list[tuple[int, int]]) -> list[int]:
        """LibreOffice error numbers of these 0-based cells (32767 is #N/A)."""
        sh = self._sheet(index)
        return [sh.getCellByPosition(c, r).getError() for r, c in cells]

    def kinds(self, index: int, cells: list[tuple[int, int]]) -> list[tuple[int, bool]]:
        """(error number, shows TRUE/FALSE) of each 0-based cell: one round trip per cell."""
        sh = self._sheet(index)
        nf = self.doc.NumberFormats
        out = []
        for r, c in cells:
            cell = sh.getCellByPosition(c, r)
            err = cell.getError()
            logical = False
            if not err:
                key = cell.NumberFormat
                flag = self.formats.get(key)
                if flag is None:
                    try:
                        flag = bool(nf.getByKey(key).Type & 1024)  # NumberFormat.LOGICAL
                    except Exception:
                        flag = False
                    self.formats[key] = flag
                logical = flag
            out.append((err, logical))
        return out

    def store(self, path: str) -> None:
        """Save the calculated document as xlsx (read back for the formulas' results)."""
        self.doc.storeToURL(uno.systemPathToFileUrl(path),
                            (_prop("FilterName", "Calc MS Excel 2007 XML"),))

    def used(self) -> list[tuple[int, int]]:
        out = []
        sheets = self.doc.Sheets
        for i in range(sheets.Count):
            cur = sheets.getByIndex(i).createCursor()
            cur.gotoEndOfUsedArea(False)
            a = cur.RangeAddress
            out.append((a.EndRow + 1, a.EndColumn + 1))
        return out

    def write(self, blocks: list[tuple[int, int, int, list[list[Any]]]]) -> None:
        """Put leanxl results in blocks ``(sheet, row0, col0, rows)``; ``('#E', code)`` = error.

        A block without errors goes in as constants (one ``setDataArray``).  A block with
        errors goes in as one ``setFormulaArray`` of tiny formulas (``=NA()``, ``=12.5``,
        ``="text"``): setting error cells one by one costs a UNO round trip each.
        """
        self._freeze()
        for index, r0, c0, rows in blocks:
            sh = self._sheet(index)
            width = max(len(r) for r in rows)
            rng = sh.getCellRangeByPosition(c0, r0, c0 + width - 1, r0 + len(rows) - 1)
            has_error = any(isinstance(v, tuple) for row in rows for v in row)
            if has_error:
                rng.setFormulaArray(tuple(
                    tuple(_as_formula(row[c] if c < len(row) else None) for c in range(width))
                    for row in rows))
            elif all(len(row) == width for row in rows) and not any(
                    v is None or v.__class__ is bool for row in rows for v in row):
                rng.setDataArray(tuple(map(tuple, rows)))  # numbers and text as they are
            else:
                rng.setDataArray(tuple(
                    tuple(_as_value(row[c] if c < len(row) else None) for c in range(width))
                    for row in rows))

    def clear_array(self, index: int, r1: int, c1: int, r2: int, c2: int) -> None:
        """Remove an array formula (Excel's spill) so its cells can take single values."""
        self._freeze()
        rng = self._sheet(index).getCellRangeByPosition(c1, r1, c2, r2)
        with contextlib.suppress(Exception):  # not an array formula after all
            rng.setArrayFormula("")
        rng.clearContents(1 | 2 | 4 | 16)  # VALUE | DATETIME | STRING | FORMULA

    def formulas(self, cells: list[tuple[int, int, int, str]]) -> None:
        """Excel-syntax formulas into 0-based cells (the profile sets Excel A1, commas)."""
        self._freeze()
        for index, r, c, text in cells:
            self._sheet(index).getCellByPosition(c, r).FormulaLocal = text

    def calc(self) -> None:
        self.doc.calculateAll()

    def quit(self) -> None:
        self.close()
        with contextlib.suppress(Exception):
            self.desktop.terminate()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _send(out: Any, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=4)
    out.write(struct.pack("<Q", len(data)))
    out.write(data)
    out.flush()


def _recv(inp: Any) -> Any:
    head = inp.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack("<Q", head)
    return pickle.loads(inp.read(size))


def main() -> int:
    # Ctrl-C reaches the whole foreground group: the leanxl process that started this worker
    # decides when it stops (it kills it and its soffice together).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pipe, soffice_pid = sys.argv[1], int(sys.argv[2])
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the real stdout
    try:
        office = Office(pipe, soffice_pid)
    except Exception as exc:
        _send(out, ("error", f"{type(exc).__name__}: {exc}"))
        return 1
    _send(out, ("ok", "ready"))
    while True:
        req = _recv(inp)
        if req is None or req[0] == "quit":
            office.quit()
            if req is not None:
                _send(out, ("ok", None))
            return 0
        try:
            result = getattr(office, req[0])(*req[1:])
            _send(out, ("ok", result))
        except Exception as exc:
            # The caller reports it per file; the traceback goes to our stderr for the log.
            traceback.print_exc()
            msg = getattr(exc, "Message", "") or str(exc)
            _send(out, ("error", f"{type(exc).__name__}: {msg}"))


if __name__ == "__main__":
    sys.exit(main())
