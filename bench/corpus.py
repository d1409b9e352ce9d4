"""Recalc on real workbooks saved by Excel: how far from Excel, against LibreOffice alone.

The books of ``tests/corpus/excel/`` (sources in SOURCES.md) go through ``leanxl recalc`` (stale
copies: every computed cell's cached value replaced by a sentinel) and through ``soffice
--convert-to xlsx`` with a full recalculation on load (LibreOffice alone). Each computed cell
with a value cached by Excel (formula cells of sheets using RAND/RANDBETWEEN left out) is
compared with Excel's value. Printed: books, cells compared, cells where leanxl / LibreOffice
alone differ from Excel, differences leanxl adds (LibreOffice alone right, leanxl wrong), stale
values, dropped cm/vm attributes, books that failed. ``--before DIR`` also runs the leanxl of
another checkout (e.g. ``git worktree add /tmp/before <commit>``) on the same books, in the same
run.

Run:  .venv/bin/python bench/corpus.py [--before /tmp/before]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's leanxl and tests

from leanxl.recalc.engine import find_soffice  # noqa: E402
from tests import excel_corpus as corpus  # noqa: E402


def figures(books: list[Path], stale: Path, ours: Path, theirs: Path) -> dict[str, int]:
    out = dict(books=len(books), cells=0, leanxl_off=0, libreoffice_off=0, added=0, stale=0,
               attrs_lost=0, failed=0, parts_changed=0)
    for book in books:
        c = corpus.compare(book, stale / book.name, ours / book.name,
                           theirs / f"{book.stem}.xlsx")
        if c.failed:  # the whole book: every cell Excel computed counts as off
            out["failed"] += 1
            excel = corpus.read_package(book)
            n = sum(1 for k in excel.computed
                    if excel.values.get(k) is not None and k not in excel.random)
            out["cells"] += n
            out["leanxl_off"] += n
            continue
        out["cells"] += c.cells
        out["leanxl_off"] += c.leanxl_off
        out["libreoffice_off"] += c.libreoffice_off
        out["added"] += len(c.added)
        out["stale"] += len(c.stale)
        out["attrs_lost"] += len(c.attrs_lost)
        out["parts_changed"] += bool(c.parts_changed)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of leanxl to compare with")
    args = parser.parse_args()
    soffice = find_soffice()
    if soffice is None:
        sys.exit("needs LibreOffice (scripts/setup.sh)")
    books = corpus.books()
    work = Path(tempfile.mkdtemp(prefix="leanxl-bench-corpus-"))
    try:
        stale, theirs = work / "stale", work / "theirs"
        stale.mkdir()
        theirs.mkdir()
        for book in books:
            corpus.make_stale(book, stale / book.name, corpus.read_package(book).computed)
        t = time.perf_counter()
        corpus.run_libreoffice(books, theirs, soffice)
        print(f"LibreOffice alone: {time.perf_counter() - t:.1f} s")
        runs = [("leanxl (this checkout)", ROOT)]
        if args.before is not None:
            runs.insert(0, ("leanxl (--before)", args.before.resolve()))
        for label, root in runs:
            ours = work / f"ours-{len(label)}-{root.name}"
            ours.mkdir()
            t = time.perf_counter()
            corpus.run_leanxl(sorted(stale.iterdir()), ours, root)
            seconds = time.perf_counter() - t
            f = figures(books, stale, ours, theirs)
            print(f"{label}: {seconds:.1f} s, {f['books']} books, {f['cells']} cells compared; "
                  f"differ from Excel: leanxl {f['leanxl_off']}, LibreOffice alone "
                  f"{f['libreoffice_off']}; added by leanxl {f['added']}; stale "
                  f"{f['stale']}; cm/vm dropped {f['attrs_lost']}; books failed "
                  f"{f['failed']}; books with other parts changed {f['parts_changed']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
