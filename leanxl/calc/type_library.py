"""The add-in interface's type library: ``XFunctions.rdb``, prebuilt and shipped.

Compiling IDL needs LibreOffice's SDK (``unoidl-write``, Debian's ``libreoffice-dev``), which
users' machines rarely have, so the compiled file (about 1 KB, byte-for-byte reproducible)
is committed next to this module and shipped in the wheel.  After a change to the registry,
rebuild it with ``python -m leanxl.calc.type_library``; a test fails while it is out of date.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from leanxl.calc.names import idl
from leanxl.errors import LeanxlError

TYPE_LIBRARY = Path(__file__).with_name("XFunctions.rdb")
_SDK_BIN = ("/usr/lib/libreoffice/sdk/bin", "/opt/libreoffice/sdk/bin")
_OFFICE_TYPES = ("/usr/lib/libreoffice/program/types.rdb",
                 "/opt/libreoffice/program/types.rdb")


def find_unoidl_write() -> str | None:
    """LibreOffice SDK's IDL compiler, or ``None`` without the SDK."""
    found = shutil.which("unoidl-write")
    for folder in _SDK_BIN:
        candidate = Path(folder) / "unoidl-write"
        if found is None and candidate.exists():
            found = str(candidate)
    return found


def compile_type_library(target: Path) -> Path:
    """Compile :func:`leanxl.calc.names.idl` into ``target`` with ``unoidl-write``."""
    tool = find_unoidl_write()
    office_types = next((t for t in _OFFICE_TYPES if Path(t).exists()), None)
    if tool is None or office_types is None:
        raise LeanxlError("LibreOffice's SDK (unoidl-write) is not installed",
                          suggestion="apt-get install libreoffice-dev")
    with tempfile.TemporaryDirectory(prefix="leanxl-idl-") as tmp:
        source = Path(tmp) / "XFunctions.idl"
        source.write_text(idl(), encoding="utf-8")
        done = subprocess.run([tool, office_types, str(source), str(target)],
                              capture_output=True, text=True)
    if done.returncode != 0:
        raise LeanxlError(f"unoidl-write failed: {done.stderr.strip() or done.stdout.strip()}")
    return target


if __name__ == "__main__":
    print(compile_type_library(TYPE_LIBRARY))
    sys.exit(0)
