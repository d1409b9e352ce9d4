"""leanxl refresh fails cleanly (issue 11): one line, exit 2, the workbook byte for byte as it
was, no temp file left, one refresh at a time per workbook.

Faults are real: damaged packages, folders nothing can be written to, a file size limit and a
full tmpfs, signals sent to a refresh this test started (by its pid), two refreshes at once.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from leanxl.cli import main
from leanxl.sheets.template import build_template
from tests.exports import crm_csv, sample_rows

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "template.xlsx")


@pytest.fixture(scope="module")
def leads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crm_csv(tmp_path_factory.mktemp("leads") / "leads.csv", sample_rows())


@pytest.fixture(scope="module")
def big_leads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30,000 leads: a refresh long enough to be signalled while it writes."""
    rows = []
    for k in range(10):
        for r in sample_rows():
            rows.append({**r, "lead_id": f"{r['lead_id']}-{k}"})
    return crm_csv(tmp_path_factory.mktemp("big") / "big.csv", rows)


@pytest.fixture
def book(template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    folder.mkdir()
    return Path(shutil.copy(template, folder / "sales.xlsx"))


def fails_cleanly(capsys: pytest.CaptureFixture[str], book: Path, args: list[str],
                  message: str) -> None:
    """exit 2, one line naming the problem (no traceback), the book and its folder as they were."""
    before = book.read_bytes() if book.exists() else None
    listing = sorted(p.name for p in book.parent.iterdir())
    assert main(["refresh", str(book), "--no-progress", *args]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    lines = [line for line in err.strip().splitlines() if "separated, decimal" not in line]
    assert "Traceback" not in err and len(lines) == 1, err  # (the source's dialect line apart)
    if before is not None:
        assert book.read_bytes() == before
    assert sorted(p.name for p in book.parent.iterdir()) == listing


def test_corrupt_zip(book: Path, leads: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = book.read_bytes()
    book.write_bytes(data[: len(data) // 2])
    fails_cleanly(capsys, book, ["--leads", str(leads)], "not a workbook")
    # An intact directory over a damaged member: bytes flipped in the first sheet's data.
    book.write_bytes(data)
    with zipfile.ZipFile(book) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw = bytearray(data)
    for i in range(start + 10, start + 60):
        raw[i] ^= 0xFF
    book.write_bytes(bytes(raw))
    fails_cleanly(capsys, book, ["--leads", str(leads)], "the workbook is damaged")


def test_ods_and_zips_that_are_not_office_packages(book: Path, leads: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    ods = book.with_name("sales.ods")
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    fails_cleanly(capsys, ods, ["--leads", str(leads)],
                  "leanxl refreshes .xlsx and .xlsm workbooks, not .ods")
    shutil.copy(ods, book)  # the same package named .xlsx
    fails_cleanly(capsys, book, ["--leads", str(leads)], "not an Excel workbook")
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("readme.txt", "hello")
    fails_cleanly(capsys, book, ["--leads", str(leads)], "not an Excel workbook")


def test_output_folders_nothing_can_be_written_to(book: Path, leads: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    blocker = book.with_name("notes.txt")
    blocker.write_text("a file, not a folder")
    fails_cleanly(capsys, book, ["--leads", str(leads), "-o", str(blocker / "out.xlsx")],
                  "cannot write beside the workbook")
    fails_cleanly(capsys, book, ["--leads", str(leads), "-o", "/proc/leanxl-out.xlsx"],
                  "cannot write beside the workbook")


def test_output_is_a_folder_or_has_no_extension(book: Path, leads: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = book.with_name("adir")
    folder.mkdir()
    fails_cleanly(capsys, book, ["--leads", str(leads), "-o", str(folder)],
                  f"{folder}: the output is a folder (name a workbook in it: -o "
                  f"{folder / 'sales.xlsx'})")
    fails_cleanly(capsys, book, ["--leads", str(leads), "-o", str(book.with_name("new"))],
                  "cannot write a .xlsx workbook without an extension (new) (name the output "
                  "new.xlsx)")


def test_two_columns_for_one_factor(book: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{**r, "Buyer Maturity": "1"} for r in sample_rows(5)]
    fails_cleanly(capsys, book, ["--leads", str(crm_csv(tmp_path / "two.csv", rows))],
                  "columns 'buyer_maturity' and 'Buyer Maturity' are both read as "
                  "'buyer_maturity' (remove or rename one of them in the export)")


def _run(book: Path, leads: Path, *, limit: int | None = None) -> subprocess.Popen[str]:
    def cap() -> None:
        if limit is not None:  # Python ignores SIGXFSZ: a write past the limit gets EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "leanxl", "refresh", str(book), "--leads",
                             str(leads), "--no-progress"], env=env, preexec_fn=cap,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_file_size_limit_is_a_full_disk(book: Path, leads: Path) -> None:
    before = book.read_bytes()
    proc = _run(book, leads, limit=len(before) + 50_000)
    _out, err = proc.communicate(timeout=600)
    assert proc.returncode == 2, err
    assert "not enough space to write the workbook (File too large)" in err
    assert "Traceback" not in err
    assert book.read_bytes() == before
    assert sorted(p.name for p in book.parent.iterdir()) == ["sales.xlsx"]


def test_a_full_tmpfs(template: Path, leads: Path, tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        book = Path(shutil.copy(template, mount / "sales.xlsx"))
        stat = os.statvfs(mount)  # leave room for the sources' check, not for the new book
        (mount / "filler").write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 100_000))
        fails_cleanly(capsys, book, ["--leads", str(leads)],
                      "not enough space to write the workbook (No space left on device)")
    finally:
        import gc

        gc.collect()  # a failing refresh's traceback may still hold files open on it
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=True)  # detach it now


@pytest.mark.slow
def test_sigterm_mid_write_leaves_nothing_behind(book: Path, big_leads: Path) -> None:
    before = book.read_bytes()
    proc = _run(book, big_leads)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(book.parent.glob(".leanxl-*"))) >= 2:  # the stub and the saved book
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the refresh ended before it could be signalled"
    os.kill(proc.pid, signal.SIGTERM)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "stopped by SIGTERM; the workbook is unchanged" in err
    assert sorted(p.name for p in book.parent.iterdir()) == ["sales.xlsx"]
    assert book.read_bytes() == before


@pytest.mark.slow
def test_two_refreshes_of_one_workbook(book: Path, big_leads: Path, leads: Path) -> None:
    first = _run(book, big_leads)
    lock = book.with_name(".~leanxl-lock.sales.xlsx")
    deadline = time.monotonic() + 300
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGSTOP)  # hold the first one mid-refresh
    try:
        second = _run(book, leads)
        _out, err = second.communicate(timeout=300)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert second.returncode == 2, err
    assert f"another leanxl refresh (pid {first.pid}) is writing this workbook" in err
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert "30000 leads" in out
    assert sorted(p.name for p in book.parent.iterdir()) == ["sales.xlsx"]


def test_a_stale_lock_is_taken_over(book: Path, leads: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock = book.with_name(".~leanxl-lock.sales.xlsx")
    lock.write_text(str(gone.pid))
    assert main(["refresh", str(book), "--leads", str(leads), "--no-progress"]) == 0
    assert not lock.exists()


def _factor_csv(path: Path, rows: int) -> Path:
    """A CSV of ``rows`` minimal leads (ten factors, price, three flags), streamed to disk."""
    head = ",".join((*(f"f{i}" for i in range(10)), "price", "in_sales_plan",
                     "reached_by_marketing", "in_target_market"))
    head = head.replace("f0,f1,f2,f3,f4,f5,f6,f7,f8,f9", ",".join((
        "buyer_maturity", "buyer_knowledge", "buyer_influence", "company_size",
        "product_complexity", "interest", "availability", "price_sensitivity",
        "competition", "purchase_history")))
    line = "3,2,1,4,5,2,3,1,2,4,12000,yes,no,yes\n"
    with path.open("w", encoding="utf-8") as out:
        out.write(head + "\n")
        for start in range(0, rows, 100_000):
            out.write(line * min(100_000, rows - start))
    return path


@pytest.mark.slow
def test_more_leads_than_the_leads_sheet_holds(book: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """One lead beyond Excel's 1,048,576 rows (one is the header): refused before anything is
    written, naming the count and the limit (issue 12)."""
    csv = _factor_csv(tmp_path / "full.csv", 1_048_576)
    fails_cleanly(capsys, book, ["--leads", str(csv)],
                  "1,048,576 leads do not fit on the Leads sheet: an Excel sheet holds "
                  "1,048,576 rows, one of them the header, so at most 1,048,575 leads")
