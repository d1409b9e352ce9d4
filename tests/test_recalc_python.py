"""recalc without LibreOffice: the pycel engine on a golden workbook, and the parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from leanxl.recalc import recalc_workbook
from leanxl.recalc.pyengine import PycelEngine
from tests.package_helpers import rename_workbook_part
from tests.recalc_golden import build_golden, cached_values, ensure_registry, make_stale, same


def test_pycel_engine_golden_book(tmp_path: Path) -> None:
    pytest.importorskip("pycel")
    ensure_registry()
    src = tmp_path / "golden.xlsx"
    expected = build_golden(src, n=4)
    make_stale(src)
    out = tmp_path / "out.xlsx"
    engine = PycelEngine()
    report = recalc_workbook(src, out, engine=engine)
    assert report.ok, report.reason
    got = cached_values(out)
    bad = {k: (got.get(k), v) for k, v in expected.items() if not same(got.get(k), v)}
    assert not bad, list(bad.items())[:5]


def test_pycel_engine_renamed_workbook_part(tmp_path: Path) -> None:
    """Regression (issue 9): recalc wrote cached values only where the workbook part is
    ``xl/workbook.xml``; here the root relationship points to ``xl/book.xml``."""
    pytest.importorskip("pycel")
    ensure_registry()
    plain = tmp_path / "golden.xlsx"
    expected = build_golden(plain, n=4)
    make_stale(plain)
    src = rename_workbook_part(plain, tmp_path / "renamed.xlsx")
    out = tmp_path / "out.xlsx"
    report = recalc_workbook(src, out, engine=PycelEngine())
    assert report.ok, report.reason
    got = cached_values(out)
    bad = {k: (got.get(k), v) for k, v in expected.items() if not same(got.get(k), v)}
    assert not bad, list(bad.items())[:5]


def test_without_libreoffice_warns_how_to_get_the_fast_path(monkeypatch, caplog) -> None:
    pytest.importorskip("pycel")
    from leanxl.recalc import engine, workbook

    monkeypatch.setattr(engine, "libreoffice_available", lambda: False)
    with caplog.at_level("WARNING"):
        eng = workbook.start_engine()
    assert eng.name == "python"
    assert "apt-get install libreoffice-calc-nogui" in caplog.text
