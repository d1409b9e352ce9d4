"""THE finder of LibreOffice (``soffice`` and a Python that can ``import uno``) and its error
numbers: shared by the hosts that drive LibreOffice (``recalc``, ``calc``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from leanxl.errors import EngineError

# LibreOffice's error numbers -> Excel's codes: THE one mapping for every read path.  recalc
# reads a formula's error either as the number LibreOffice gives over UNO or as the code its
# xlsx export wrote; both must give one book the same codes, so this table is exactly what the
# export writes (LibreOffice's XclTools::GetXclErrorCode, checked against the export by
# tests/test_recalc_libreoffice.py); every other number is written #N/A by the export.
LO_ERRORS: dict[int, str] = {
    502: "#VALUE!",  # IllegalArgument (also SQRT(-1), FACT(-1), DEC2BIN(1000): Excel #NUM!)
    503: "#NUM!",  # IllegalFPOperation
    504: "#VALUE!",  # IllegalParameter
    508: "#VALUE!",  # PairExpected
    509: "#VALUE!",  # OperatorExpected
    510: "#VALUE!",  # VariableExpected
    511: "#VALUE!",  # ParameterExpected
    519: "#VALUE!",  # NoValue
    521: "#NULL!",  # NoCode (empty intersection)
    522: "#VALUE!",  # CircularReference
    524: "#REF!",  # NoRef
    525: "#NAME?",  # NoName
    530: "#NAME?",  # NoAddin
    531: "#NAME?",  # NoMacro
    532: "#DIV/0!",  # DivisionByZero
    32767: "#N/A",  # NotAvailable
}
UNKNOWN = "#N/A"  # e.g. 523 NoConvergence (RATE, IRR: Excel says #NUM!)


def excel_code(number: int) -> str:
    """The Excel error code LibreOffice's xlsx export writes for its error ``number``."""
    return LO_ERRORS.get(number, UNKNOWN)


#: Excel's codes -> the error number LibreOffice shows as that code.
LO_ERROR_NUMBERS = {"#N/A": 32767, "#DIV/0!": 532, "#VALUE!": 519, "#REF!": 524,
                    "#NAME?": 525, "#NULL!": 521, "#NUM!": 503}

_UNO_PYTHON: str | None = None


def find_soffice() -> str | None:
    """The ``soffice`` to use: ``$LEANXL_SOFFICE``, else the one on PATH (None: not found).

    Raises
    ------
    EngineError
        When ``LEANXL_SOFFICE`` names a program that does not exist.
    """
    given = os.environ.get("LEANXL_SOFFICE")
    if given:
        found = shutil.which(given)
        if found is None:
            raise EngineError(f"LEANXL_SOFFICE names {given!r}, which is not a program here",
                              suggestion="point it at LibreOffice's soffice, or unset it")
        return found
    return shutil.which("soffice") or shutil.which("libreoffice")


def find_uno_python() -> str | None:
    """A Python that can ``import uno`` (Debian's python3-uno serves the system python)."""
    global _UNO_PYTHON
    if _UNO_PYTHON is not None:
        return _UNO_PYTHON or None
    candidates = [os.environ.get("LEANXL_UNO_PYTHON", ""), sys.executable, "/usr/bin/python3",
                  "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python"]
    for exe in candidates:
        if exe and os.path.exists(exe):
            if exe == sys.executable:  # this interpreter: ask it here, not in a subprocess
                import importlib.util

                ok = importlib.util.find_spec("uno") is not None
            else:
                ok = subprocess.run([exe, "-c", "import uno"],
                                    capture_output=True).returncode == 0
            if ok:
                _UNO_PYTHON = exe
                return exe
    _UNO_PYTHON = ""
    return None
