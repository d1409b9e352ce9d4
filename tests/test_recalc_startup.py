"""How recalc starts LibreOffice: what it runs at start-up, what it remembers, what it stops.

Real processes throughout; faults and checks touch only processes these tests started (the
pids leanxl records in ``$LEANXL_ENGINE_PIDS``), never anything found by name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from leanxl import office
from leanxl.recalc.engine import LibreOfficeEngine, libreoffice_available
from tests.process_helpers import descendants, gone, recorded
from tests.recalc_golden import cached_values

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not libreoffice_available(),
                       reason="needs soffice and python3-uno (scripts/setup.sh)"),
]


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet"
    ws["A1"] = 61
    ws["B1"] = "=LEANXL_KPISTATUS(A1,50)"
    ws["C1"] = "=A1*2"
    wb.save(path)
    return path


def test_engine_starts_without_render_tests_or_gnupg(tmp_path: Path, monkeypatch) -> None:
    """A fresh profile (no template yet) and a book loaded: LibreOffice ran none of its
    graphics render tests (≈ 1 s at every start before) and its soffice.bin has no PATH to
    GnuPG (whose probing forked soffice five times on the first load)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with LibreOfficeEngine() as engine:
        book = _book(tmp_path / "b.xlsx")
        engine.open(book)
        user = engine.temp_dir / "profile" / "user"
        assert (user / "registrymodifications.xcu").exists()
        assert not (user / "GraphicsRenderTests.log").exists()
        bins = [p for p in descendants(engine.pids[0])
                if Path(f"/proc/{p}/exe").resolve().name == "soffice.bin"]
        assert bins, "no soffice.bin under the engine's process"
        env = Path(f"/proc/{bins[0]}/environ").read_bytes().split(b"\0")
        path = next(v for v in env if v.startswith(b"PATH=")).decode()[5:]
        assert all(not (Path(d) / "gpgconf").exists() for d in path.split(":") if d), path
        engine.close_book()


def test_uno_python_is_remembered_and_asked_again_when_stale(tmp_path: Path,
                                                              monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(office, "_UNO_PYTHON", None)
    found = office.find_uno_python()
    assert found is not None
    if found == sys.executable:
        pytest.skip("this interpreter imports uno itself: nothing to remember")
    cache = tmp_path / "cache" / "leanxl" / "uno-python.json"
    entry = json.loads(cache.read_text())[found]
    assert entry[0] == os.stat(found).st_mtime_ns and Path(entry[1]).name.startswith("uno")

    def no_probe(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"probed again: {args}")

    monkeypatch.setattr(office, "_UNO_PYTHON", None)
    monkeypatch.setattr(office.subprocess, "run", no_probe)
    assert office.find_uno_python() == found  # from the cache: no interpreter started

    monkeypatch.undo()  # a stale entry (the uno module gone): asked again, and rewritten
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(office, "_UNO_PYTHON", None)
    cache.write_text(json.dumps({found: [entry[0], str(tmp_path / "gone" / "uno.py")]}))
    assert office.find_uno_python() == found
    assert json.loads(cache.read_text())[found] == entry


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path / "tmp"),
               LEANXL_ENGINE_PIDS=str(tmp_path / "pids"))
    return subprocess.run([sys.executable, "-m", "leanxl", "recalc", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_command_uses_the_engine_it_started_first(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    done = _run(tmp_path, str(src), "-o", str(tmp_path / "out.xlsx"), "--engine-memory", "3000")
    assert done.returncode == 0, done.stderr
    assert len(recorded(tmp_path)) == 1  # one LibreOffice: the early one was taken
    assert cached_values(tmp_path / "out.xlsx")[("Sheet", "C1")] == 122
    assert all(gone(p) for p in recorded(tmp_path)[0])
    assert not list((tmp_path / "tmp").glob("leanxl-lo-*"))


def test_command_stops_its_early_engine_when_the_inputs_are_bad(tmp_path: Path) -> None:
    done = _run(tmp_path, str(tmp_path / "missing.xlsx"), "-o", str(tmp_path / "out.xlsx"))
    assert done.returncode == 2
    assert "no .xlsx/.xlsm workbook found" in done.stderr and "Traceback" not in done.stderr
    started = recorded(tmp_path)
    assert len(started) == 1 and all(gone(p) for p in started[0])
    assert not list((tmp_path / "tmp").glob("leanxl-lo-*"))
