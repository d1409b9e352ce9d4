"""The LibreOffice Calc extension, in a real headless soffice with a private profile.

``leanxl libreoffice install --profile`` adds the extension, the demo workbook (every LEANXL
cell stored bare, ``LEANXL_FIT(...)``) is opened and fully recalculated over UNO, and every
LEANXL cell is compared with the value leanxl itself cached when it wrote the book.  The saved
book keeps formulas ``leanxl recalc`` computes again.

LibreOffice runs the add-in in its own Python (Debian's ``/usr/bin/python3``), which has no
numba: the add-in runs on leanxl's numpy backend there.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from leanxl.calc import extension, names, type_library
from leanxl.office import excel_code, find_soffice, find_uno_python

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).with_name("calc_driver.py")
needs_office = pytest.mark.skipif(find_soffice() is None or find_uno_python() is None,
                                  reason="LibreOffice with python3-uno is not installed")


def _leanxl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leanxl", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def _calc(profile: Path, book: Path, tmp: Path, saved: Path | None = None) -> list[list[Any]]:
    out = tmp / f"cells-{book.stem}.json"
    args = [str(find_uno_python()), str(DRIVER), str(profile), str(book), str(out)]
    done = subprocess.run(args + ([str(saved)] if saved else []), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    cells: list[list[Any]] = json.loads(out.read_text())
    return cells


def _cached(book: Path) -> dict[tuple[str, int, int], Any]:
    import openpyxl

    wb = openpyxl.load_workbook(book, data_only=True, read_only=True)
    values = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if hasattr(cell, "column"):
                    values[(ws.title, cell.row, cell.column)] = cell.value
    wb.close()
    return values


def _same(calc_value: Any, error: int, expected: Any) -> bool:
    if isinstance(expected, str) and expected.startswith("#"):
        return excel_code(error) == expected.split()[0]
    if error:
        return False
    if expected is None or expected == "":
        return calc_value in ("", None)
    if isinstance(expected, bool):
        return calc_value == float(expected)
    if isinstance(expected, int | float):
        return isinstance(calc_value, float) and math.isclose(calc_value, expected,
                                                              rel_tol=1e-9, abs_tol=1e-9)
    return calc_value == expected


def _as_calc(value: Any) -> Any:
    """An openpyxl value as Calc reports it: every number a float (openpyxl reads 100 as int)."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _function(formula: str) -> str:
    head = formula.upper().split("(", 1)[0]
    return head.rsplit(".", 1)[-1].removeprefix("=").removeprefix("LEANXL_")


def test_type_library_is_up_to_date(tmp_path: Path) -> None:
    """The committed XFunctions.rdb is what the registry's IDL compiles to today."""
    if type_library.find_unoidl_write() is None:
        pytest.skip("LibreOffice SDK (libreoffice-dev) is not installed")
    fresh = type_library.compile_type_library(tmp_path / "XFunctions.rdb")
    assert fresh.read_bytes() == type_library.TYPE_LIBRARY.read_bytes(), (
        "rebuild it: python -m leanxl.calc.type_library")


def test_extension_describes_every_function_and_argument(tmp_path: Path) -> None:
    oxt = extension.build_extension(tmp_path / "leanxl-calc.oxt")
    with zipfile.ZipFile(oxt) as z:
        listing = set(z.namelist())
        xcu = z.read("CalcAddIns.xcu").decode()
        manifest = z.read("META-INF/manifest.xml").decode()
    basic = extension.basic_module()
    assert {"description.xml", "XFunctions.rdb", "leanxl_calc.py",
            "pythonpath/leanxl/functions/registry.py"} <= listing
    for entry in ("XFunctions.rdb", "CalcAddIns.xcu", "leanxl_calc.components"):
        assert f'full-path="{entry}"' in manifest
    for fn in names.functions():
        assert f'oor:name="{fn.excel_name}"' in xcu
        assert f"Function {fn.excel_name}(" in basic
        for param, idl_name in zip(fn.params, names.parameter_names(fn), strict=True):
            assert f'oor:name="{idl_name}"' in xcu and param.help[:40] in xcu.replace(
                "&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.slow
@needs_office
def test_demo_workbook_computes_in_calc_and_survives_a_save(tmp_path: Path) -> None:
    """Bare ``LEANXL_*`` cells run through the Basic functions in the profile's Standard
    library (in a library of their own they showed ``#VALUE!``), ``_xludf.*`` cells directly."""
    book = tmp_path / "demo.xlsx"
    assert _leanxl("demo", "-o", str(book)).returncode == 0
    profile = tmp_path / "profile"
    done = _leanxl("libreoffice", "install", "--profile", str(profile))
    assert done.returncode == 0, done.stderr

    saved = tmp_path / "saved-by-calc.xlsx"
    cells = _calc(profile, book, tmp_path, saved)
    expected = _cached(book)
    assert len(cells) > 6000
    assert {_function(c[3]) for c in cells} == {fn.name for fn in names.functions()} - {
        "EXPLAIN"}
    # The mechanism: every LEANXL cell resolved to the add-in (no #NAME?).
    assert [c for c in cells if c[5] == 525] == []

    wrong = [c for c in cells if not _same(c[4], c[5], expected[(c[0], c[1], c[2])])]
    assert wrong[:5] == [] and len(wrong) == 0

    # Calc saves bare LEANXL_* calls bare: Excel with xlwings and leanxl recalc read them.
    with zipfile.ZipFile(saved) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets"))
    assert "LEANXL_FIT(" in xml and "_xludf" not in xml.lower()
    again = tmp_path / "recalculated.xlsx"
    done = _leanxl("recalc", str(saved), "-o", str(again))
    assert done.returncode == 0, done.stderr
    fresh = _cached(again)
    assert [c for c in cells if not _same(_as_calc(fresh[(c[0], c[1], c[2])]), 0,
                                          expected[(c[0], c[1], c[2])])] == []


@pytest.mark.slow
@needs_office
def test_errors_are_real_calc_errors_on_both_paths(tmp_path: Path) -> None:
    """A registry error is Calc's own error (ISNA, IFERROR see it), bare call or ``_xludf.``."""
    import openpyxl

    book = tmp_path / "errors.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = 86, "x"
    ws["C1"] = "=LEANXL_KPISTATUS(A1,\"\")"  # no target: #N/A
    ws["C2"] = "=ISNA(LEANXL_KPISTATUS(A1,\"\"))"
    ws["C3"] = "=_xludf.LEANXL_KPISTATUS(A1,\"\")"
    ws["C4"] = "=IFERROR(LEANXL_FIT(A1:B1),\"bad\")"  # 2 factors, not 10: #VALUE!
    ws["C5"] = "=_xludf.LEANXL_FIT(A1:B1)"
    wb.save(book)
    profile = tmp_path / "profile"
    assert _leanxl("libreoffice", "install", "--profile", str(profile)).returncode == 0
    got = {c[1]: (c[4], c[5]) for c in _calc(profile, book, tmp_path)}
    assert excel_code(got[1][1]) == "#N/A" and excel_code(got[3][1]) == "#N/A"
    assert got[2] == (1.0, 0) and got[4] == ("bad", 0)
    assert excel_code(got[5][1]) == "#VALUE!"


@pytest.mark.slow
@needs_office
def test_uninstall_removes_the_functions(tmp_path: Path) -> None:
    book = tmp_path / "demo.xlsx"
    assert _leanxl("demo", "-o", str(book)).returncode == 0
    profile = tmp_path / "profile"
    assert _leanxl("libreoffice", "install", "--profile", str(profile)).returncode == 0
    done = _leanxl("libreoffice", "uninstall", "--profile", str(profile))
    assert done.returncode == 0, done.stderr
    cells = _calc(profile, book, tmp_path)
    assert cells and all(c[5] == 525 for c in cells)  # #NAME?: no add-in, no Basic function
