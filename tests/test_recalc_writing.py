"""recalc writes like refresh: never over an open workbook, the input's mode kept, one line
and exit 2 for a place it cannot write or an engine it cannot find."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from leanxl.recalc.engine import libreoffice_available

ROOT = Path(__file__).resolve().parents[1]
needs_lo = pytest.mark.skipif(not libreoffice_available(),
                              reason="needs soffice and python3-uno (scripts/setup.sh)")


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 21
    ws["B1"] = "=A1*2"
    ws["C1"] = "=LEANXL_KPISTATUS(A1,50)"
    wb.save(path)
    return path


def _leanxl(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leanxl", *args], capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), **env))


def _one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.libreoffice
@needs_lo
def test_output_open_in_excel_is_refused(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"the user's open workbook")
    (tmp_path / "~$out.xlsx").write_bytes(b"lock")
    done = _leanxl("recalc", str(src), "-o", str(out))
    assert done.returncode == 1
    assert "open in Excel" in done.stderr
    assert out.read_bytes() == b"the user's open workbook"


@pytest.mark.libreoffice
@needs_lo
def test_in_place_on_an_open_workbook_is_refused(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    before = src.read_bytes()
    (tmp_path / "~$in.xlsx").write_bytes(b"lock")
    done = _leanxl("recalc", str(src), "--in-place")
    assert done.returncode == 1 and "open in Excel" in done.stderr
    assert src.read_bytes() == before


@pytest.mark.libreoffice
@needs_lo
def test_outputs_keep_the_input_mode(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    os.chmod(src, 0o640)  # neither the umask's 0644 nor mkstemp's 0600
    assert _leanxl("recalc", str(src), "-o", str(tmp_path / "o.xlsx")).returncode == 0
    assert (tmp_path / "o.xlsx").stat().st_mode & 0o777 == 0o640
    os.chmod(src, 0o644)
    assert _leanxl("recalc", str(src), "--in-place").returncode == 0
    assert src.stat().st_mode & 0o777 == 0o644  # was turned into 0600
    ws = openpyxl.load_workbook(src, data_only=True).active
    assert ws["B1"].value == 42 and ws["C1"].value == "Off track"


@pytest.mark.parametrize("where", ["inside-a-file", "proc"])
def test_out_dir_that_cannot_be_made_is_one_line(tmp_path: Path, where: str) -> None:
    src = _book(tmp_path / "in.xlsx")
    if where == "inside-a-file":
        blocker = tmp_path / "a-file"
        blocker.write_text("x")
        out_dir = blocker / "out"
    else:  # /proc is not writable, not even by root
        out_dir = Path("/proc/leanxl-out")
    done = _leanxl("recalc", str(src), "--out-dir", str(out_dir), "--engine", "libreoffice")
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert line.startswith("leanxl recalc: ") and "cannot create the folder" in line, line


def test_missing_soffice_is_one_line(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    done = _leanxl("recalc", str(src), "-o", str(tmp_path / "o.xlsx"),
                   LEANXL_SOFFICE=str(tmp_path / "no-such-soffice"))
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert "LEANXL_SOFFICE" in line and "no-such-soffice" in line
    assert not (tmp_path / "o.xlsx").exists()
