"""THE finder of LibreOffice (``soffice`` and a Python that can ``import uno``) and its error
numbers: shared by the hosts that drive LibreOffice (``recalc``, ``calc``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# LibreOffice's error numbers -> Excel's codes (what its xlsx export writes for each).
LO_ERRORS = {32767: "#N/A", 532: "#DIV/0!", 519: "#VALUE!", 524: "#REF!", 525: "#NAME?",
             521: "#NULL!", 502: "#VALUE!", 503: "#NUM!", 523: "#NUM!", 522: "#VALUE!"}

#: Excel's codes -> the error number LibreOffice shows as that code.
LO_ERROR_NUMBERS = {"#N/A": 32767, "#DIV/0!": 532, "#VALUE!": 519, "#REF!": 524,
                    "#NAME?": 525, "#NULL!": 521, "#NUM!": 503}

_UNO_PYTHON: str | None = None


def find_soffice() -> str | None:
    """The ``soffice`` to use: ``$LEANXL_SOFFICE``, else the one on PATH."""
    return os.environ.get("LEANXL_SOFFICE") or shutil.which("soffice") or shutil.which(
        "libreoffice")


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
