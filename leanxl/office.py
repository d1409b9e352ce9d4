"""THE finder of LibreOffice (``soffice`` and a Python that can ``import uno``) and its error
numbers: shared by the hosts that drive LibreOffice (``recalc``, ``calc``)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def cache_dir() -> Path:
    """leanxl's per-user cache folder (``$XDG_CACHE_HOME/leanxl``, else ``~/.cache/leanxl``):
    LibreOffice profile templates and the Python found to drive LibreOffice."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "leanxl"


def find_uno_python() -> str | None:
    """A Python that can ``import uno`` (Debian's python3-uno serves the system python).

    Asking an interpreter costs a process (≈ 50 ms and 19 MB at every recalc), so a yes is
    remembered per user (:func:`cache_dir`): kept while the interpreter's modification time
    and the ``uno`` module's file are unchanged.  A no is never remembered (installing
    python3-uno later needs no cache cleared).
    """
    global _UNO_PYTHON
    if _UNO_PYTHON is not None:
        return _UNO_PYTHON or None
    candidates = [os.environ.get("LEANXL_UNO_PYTHON", ""), sys.executable, "/usr/bin/python3",
                  "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python"]
    for exe in candidates:
        if exe and os.path.exists(exe) and _imports_uno(exe):
            _UNO_PYTHON = exe
            return exe
    _UNO_PYTHON = ""
    return None


def forget_uno_python() -> None:
    """Drop the remembered answer (a worker could not ``import uno`` after all)."""
    global _UNO_PYTHON
    _UNO_PYTHON = None
    with contextlib.suppress(OSError):
        (cache_dir() / _UNO_CACHE).unlink()


_UNO_CACHE = "uno-python.json"


def _imports_uno(exe: str) -> bool:
    if exe == sys.executable:  # this interpreter: ask it here, not in a subprocess
        import importlib.util

        return importlib.util.find_spec("uno") is not None
    try:
        stamp = os.stat(exe).st_mtime_ns  # follows links: the real interpreter's file
    except OSError:
        return False
    path = cache_dir() / _UNO_CACHE
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        entry = known.get(exe) if isinstance(known, dict) else None
    except (OSError, ValueError):
        known, entry = {}, None
    if (isinstance(entry, list) and len(entry) == 2 and entry[0] == stamp
            and isinstance(entry[1], str) and os.path.exists(entry[1])):
        return True
    done = subprocess.run([exe, "-c", "import uno; print(uno.__file__)"],
                          capture_output=True, text=True)
    module = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0 or not module:
        return False
    known = known if isinstance(known, dict) else {}
    known[exe] = [stamp, module]
    with contextlib.suppress(OSError):  # a read-only home only costs the probe next time
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f"{path.name}.{os.getpid()}")
        staging.write_text(json.dumps(known), encoding="utf-8")
        os.replace(staging, path)
    return True
