"""recalc on real workbooks saved by Excel (tests/corpus/excel/, sources in SOURCES.md).

Excel's cached values are the oracle, LibreOffice alone the baseline: a cell where leanxl
differs from Excel although LibreOffice alone agrees is a difference leanxl adds, and fails.
leanxl recalculates *stale* copies (every computed cell's cached value replaced by a
sentinel), so a value it forgets to rewrite (data tables, array ranges) fails too.
All books go through one ``leanxl recalc`` process (one engine) and one ``soffice`` run.
"""

from __future__ import annotations

import re
import shutil
import threading

import pytest

from leanxl.recalc.engine import find_soffice, libreoffice_available
from tests import excel_corpus as corpus

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.slow,
    pytest.mark.skipif(not libreoffice_available(),
                       reason="needs soffice and python3-uno (scripts/setup.sh)"),
]

# Cells where leanxl may differ from Excel while LibreOffice alone does not, each a
# documented engine difference (docs/recalc.md, "Where results can differ from Excel"):
# (book, sheet, cell).  Empty: leanxl adds no difference on this corpus.
ALLOWED: tuple[tuple[str, str, str], ...] = ()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, corpus.Comparison]:
    work = tmp_path_factory.mktemp("corpus")
    books = corpus.books()
    stale_dir, ours, theirs = work / "stale", work / "ours", work / "theirs"
    for d in (stale_dir, ours, theirs):
        d.mkdir()
    for book in books:
        corpus.make_stale(book, stale_dir / book.name, corpus.read_package(book).computed)
    soffice = find_soffice()
    assert soffice is not None
    baseline = threading.Thread(target=corpus.run_libreoffice, args=(books, theirs, soffice))
    baseline.start()  # LibreOffice alone and leanxl side by side: half the wall time
    try:
        log = corpus.run_leanxl(sorted(stale_dir.iterdir()), ours)
    finally:
        baseline.join()
    failed = [line for line in log.splitlines() if line.startswith("FAILED")]
    assert not failed, "\n".join(failed)
    out = {}
    for book in books:
        out[book.name] = corpus.compare(book, stale_dir / book.name, ours / book.name,
                                        theirs / f"{book.stem}.xlsx", ALLOWED)
    shutil.rmtree(work, ignore_errors=True)
    return out


def test_corpus_is_big_enough(run: dict[str, corpus.Comparison]) -> None:
    assert len(run) >= 30
    assert sum(c.cells for c in run.values()) > 50_000


def test_no_difference_from_excel_that_libreoffice_alone_does_not_make(run) -> None:
    added = [(name, *a) for name, c in run.items() for a in c.added]
    assert not added, f"{len(added)} cells, e.g. (book, cell, excel, leanxl, lo): {added[:8]}"
    assert not [c.failed for c in run.values() if c.failed]


def test_no_stale_value_survives(run) -> None:
    stale = [(name, cell) for name, c in run.items() for cell in c.stale]
    assert not stale, f"{len(stale)} stale cells, e.g. {stale[:8]}"


def test_cell_attributes_leanxl_does_not_own_are_kept(run) -> None:
    lost = [(name, *a) for name, c in run.items() for a in c.attrs_lost]
    assert not lost, f"{len(lost)} attributes dropped, e.g. {lost[:8]}"


def test_parts_outside_the_worksheets_stay_byte_identical(run) -> None:
    changed = {name: c.parts_changed for name, c in run.items() if c.parts_changed}
    assert not changed


def test_libreoffice_baseline_ran(run) -> None:
    # A baseline that produced nothing would make every leanxl difference look "shared".
    assert sum(c.cells - c.libreoffice_off for c in run.values()) > 40_000


def test_every_book_has_its_source_and_licence() -> None:
    text = (corpus.CORPUS / "SOURCES.md").read_text()
    listed = set(re.findall(r"^\| `([^`]+)` \|", text, re.M))
    assert listed == {p.name for p in corpus.books()}
    total = sum(p.stat().st_size for p in corpus.books())
    assert total < 20_000_000
