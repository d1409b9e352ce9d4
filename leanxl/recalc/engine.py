"""Engines that compute standard Excel formulas: LibreOffice headless, or pycel without it.

Both offer the few operations the recalc loop needs: open a workbook, read a block of values,
put leanxl results in as constants, recalculate, and give the final value of every formula
cell.  Coordinates are 1-based (row, column); sheets are addressed by index.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import os
import re
import select
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from leanxl.errors import CellError, EngineError, LeanxlError
from leanxl.office import (  # noqa: F401 - find_* re-exported
    cache_dir,
    excel_code,
    find_soffice,
    find_uno_python,
    forget_uno_python,
)
from leanxl.recalc import processes
from leanxl.recalc.runs import ValueRuns, shared_values, value_runs

log = logging.getLogger(__name__)

FAST_PATH_HINT = (
    "install LibreOffice for the fast, complete engine: `apt-get install libreoffice-calc-nogui "
    "python3-uno` (or run scripts/setup.sh)")


class EngineTimeout(EngineError):
    """The engine did not answer before the file's deadline; it has been killed."""


@dataclass(frozen=True, slots=True)
class ErrorMark:
    """An error value read from the engine whose code has not been asked for yet."""


ERROR_MARK = ErrorMark()
_TEXT_OR_NONE = frozenset((str, type(None)))  # where a read's blank or error can be


class Engine(Protocol):
    name: str

    def open(self, path: Path, leanxl_cells: list[tuple[str, int, int]] | None = None
             ) -> list[tuple[str, int, int]]: ...
    def read(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> list[list[Any]]: ...
    def error_codes(self, sheet: int, cells: list[tuple[int, int]]) -> list[str]: ...
    def write(self, blocks: list[tuple[int, int, int, list[list[Any]]]]) -> None: ...
    def clear_array(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> None: ...
    def calculate(self) -> None: ...
    def results(self, book: Any, ours: Mapping[int, Mapping[int, list[int]]] | None = None
                ) -> dict[int, ValueRuns]: ...
    def close_book(self) -> None: ...
    def shutdown(self) -> None: ...


# --- LibreOffice -------------------------------------------------------------------------------

_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Syntax">
<prop oor:name="Grammar" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Syntax">
<prop oor:name="EnglishFunctionName" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Syntax">
<prop oor:name="SeparatorArg" oor:op="fuse"><value>,</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Syntax">
<prop oor:name="SeparatorArrayRow" oor:op="fuse"><value>;</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Syntax">
<prop oor:name="SeparatorArrayCol" oor:op="fuse"><value>,</value></prop></item>
<item oor:path="/org.openoffice.Setup/Product">
<prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>99.9</value></prop></item>
</oor:items>
"""
# ooSetupLastVersion: LibreOffice (7.2 and later) runs its ≈ 100 graphics render tests at every
# start whose profile has not seen a version at least as new as itself, and a headless soffice
# never records its version: without this, each engine start paid ≈ 1 s for them (major * 10 +
# minor is compared: 99.9 stays above every release).
READ_CELLS = 1 << 19  # values per read round trip (a full sheet's column: two dozen reads)
ASK_LIMIT = 300  # above this many cells of unknown type, one xlsx save is faster


# A plain (not shared, not array) formula that is one leanxl call with simple arguments, as
# stored in a worksheet part (XML-escaped text: no quotes, no '&', no nested parentheses).
_WHOLE_CALL = re.compile(
    rb"<f>(?:_xldudf_|_xludf\.)?LEANXL[_.][A-Za-z][A-Za-z0-9_]*\([^()<&\"]*\)</f>",
    re.IGNORECASE)


def engine_copy(source: Path, target: Path) -> tuple[int, bool]:
    """Copy a workbook for LibreOffice without the formulas of its whole-call leanxl cells.

    Why: LibreOffice resolves an unknown function name slowly (add-in look-ups): loading 20k
    ``LEANXL_*`` cells takes ≈ 0.6 s more than the same book without them.  Those cells get
    their values from leanxl before anything is calculated, so the engine needs no formula
    there; the cached value left in the cell is overwritten.  Shared, array and nested calls
    are kept (they are handled by the recalc loop as before).  Anything unexpected in the
    package (not a zip, odd parts) falls back to a byte copy: LibreOffice then reports it.

    Returns
    -------
    (int, bool)
        How many formulas were removed, and whether a worksheet has a ``t="b"`` cell (a
        TRUE/FALSE, which LibreOffice imports as a formula that must be read once at load;
        without any, that read of every formula is skipped).  A fallback copy says True.
    """
    import zipfile

    from leanxl.xlsx.package import PackageTooLarge, open_package, row_pieces

    removed = 0
    logical = False
    try:
        with open_package(source) as zin, zipfile.ZipFile(
                target, "w", zipfile.ZIP_STORED) as zout:  # stored: quicker both ways
            for info in zin.infolist():
                sheet = info.filename.startswith("xl/worksheets/")
                if not (sheet and info.filename.endswith(".xml")):
                    data = zin.read(info)
                    logical = logical or (sheet and b't="b"' in data)
                    zout.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED)
                    continue
                # A sheet streams through in pieces of whole rows (a full sheet is ≈ 1 GB).
                with zout.open(info.filename, "w", force_zip64=info.file_size > 1 << 30) as out:
                    for piece in row_pieces(zin.pieces(info)):
                        if b"<f>" in piece:
                            piece, n = _WHOLE_CALL.subn(b"", piece)
                            removed += n
                        logical = logical or b't="b"' in piece
                        out.write(piece)
    except PackageTooLarge:
        raise  # never hand LibreOffice a bomb
    except (LeanxlError, zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        shutil.copyfile(source, target)
        return 0, True
    return removed, logical


def _profile_template(soffice: str) -> Path | None:
    """Where a profile LibreOffice has already initialised is kept for the next engines.

    A fresh profile costs soffice ≈ 0.15 s more to start (it builds its extension and
    configuration caches); each engine still gets its own private copy.  Keyed by the soffice
    binary and our settings, so a new LibreOffice or new settings start a new template.
    """
    import hashlib

    try:
        real = Path(soffice).resolve()
        stamp = f"{real}:{real.stat().st_mtime_ns}:{_PROFILE_XCU}"
    except OSError:
        return None
    key = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    return cache_dir() / f"lo-profile-{key}"


def _copy_template(template: Path | None, profile: Path) -> bool:
    if template is None or not (template / "user" / "registrymodifications.xcu").exists():
        return False
    try:
        shutil.copytree(template, profile)
        return True
    except OSError:
        shutil.rmtree(profile, ignore_errors=True)
        return False


def _save_template(profile: Path, template: Path | None) -> None:
    """Keep a stopped engine's profile as the template (first one wins; atomic rename)."""
    if template is None or template.exists() or not (profile / "user").is_dir():
        return
    staging = template.with_name(f"{template.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}")
    try:
        shutil.copytree(profile, staging, ignore=shutil.ignore_patterns(
            ".lock", "*.lock", ".~lock*", "backup", "tmp"))
        os.rename(staging, template)  # fails if another engine saved one first: fine
    except OSError:
        pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _not_ours(runs: list[tuple[int, int, int, Any]], ours: Mapping[int, list[int]]
              ) -> list[tuple[int, int, int, Any]]:
    """The runs holding at least one cell that is not the caller's (``ours``: column ->
    ascending rows)."""
    kept = []
    for run in runs:
        rows = ours.get(run[0])
        if rows is None or (bisect.bisect_right(rows, run[2]) - bisect.bisect_left(rows, run[1])
                            != run[2] - run[1] + 1):
            kept.append(run)
    return kept


def _dense_bounds(runs: list[tuple[int, int, int, Any]], slack: int = 4096
                  ) -> tuple[int, int, int, int] | None:
    """One block (r1, c1, r2, c2) over the runs when it holds few more cells than they do
    (as :func:`covering_blocks` decides), else None."""
    if not runs:
        return None
    r1, r2 = min(run[1] for run in runs), max(run[2] for run in runs)
    c1, c2 = min(run[0] for run in runs), max(run[0] for run in runs)
    cells = sum(run[2] - run[1] + 1 for run in runs)
    return (r1, c1, r2, c2) if _dense(r1, c1, r2, c2, cells, slack) else None


def _dense(r1: int, c1: int, r2: int, c2: int, cells: int, slack: int) -> bool:
    """Whether one block read is cheaper than reading ``cells`` cells as runs."""
    return (r2 - r1 + 1) * (c2 - c1 + 1) <= 4 * cells + slack


def _to_ask(v: Any) -> bool:
    """Whether a value read may be more than it says: an error reads as None, TRUE as 1."""
    return v is None or (v.__class__ is not str and (v == 0.0 or v == 1.0))


def _cells_to_ask(values: ValueRuns, runs: list[tuple[int, int, int, Any]]
                  ) -> Iterator[tuple[int, int]]:
    """Cells of these runs whose value must be asked (:func:`_to_ask`)."""
    for col, r1, r2, _ in runs:
        seg = values.segment(r1, col)
        assert seg is not None
        vs, k = seg
        for i in range(r2 - r1 + 1):
            if _to_ask(vs[k + i]):
                yield (r1 + i, col)


def covering_blocks(cells: Collection[tuple[int, int]], slack: int = 4096
                    ) -> list[tuple[int, int, int, int]]:
    """Few blocks (r1, c1, r2, c2) that hold every cell, never far more cells than exist.

    One block over all of them is one round trip, unless the cells are far apart: one formula
    in A1 and one in XFD1048576 would make that block 17 billion cells (LibreOffice grew to
    24 GB).  Then each row's cells are read as runs, and equal runs on consecutive rows
    are merged, so the work follows the cells that exist.
    """
    if not cells:
        return []
    bounds = getattr(cells, "bounds", None)  # formula runs know theirs without a key a cell
    if bounds is not None:
        r1, c1, r2, c2 = bounds()
    else:
        r1 = min(r for r, _ in cells)
        r2 = max(r for r, _ in cells)
        c1 = min(c for _, c in cells)
        c2 = max(c for _, c in cells)
    if _dense(r1, c1, r2, c2, len(cells), slack):
        return [(r1, c1, r2, c2)]
    by_row: dict[int, list[int]] = {}
    for r, c in cells:
        by_row.setdefault(r, []).append(c)
    runs: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (c1, c2) -> index in runs, last row r - 1
    for r in sorted(by_row):
        cols = sorted(by_row[r])
        row_runs = []
        start = prev = cols[0]
        for c in cols[1:]:
            if c - prev > 64:  # a gap wider than this is cheaper as two reads
                row_runs.append((start, prev))
                start = c
            prev = c
        row_runs.append((start, prev))
        still: dict[tuple[int, int], int] = {}
        for run in row_runs:
            i = open_runs.get(run)
            if i is not None and runs[i][2] == r - 1:
                runs[i] = (runs[i][0], run[0], r, run[1])
            else:
                i = len(runs)
                runs.append((r, run[0], r, run[1]))
            still[run] = i
        open_runs = still
    return runs


def _launcher(soffice: str) -> tuple[list[str], dict[str, str]]:
    """How to start LibreOffice: its ``oosplash`` with ``PATH`` its own folder when the install has
    the usual layout, else ``soffice`` as found.

    Why: the first book a LibreOffice loads sets up its signature checks, and finding GnuPG
    there starts ``gpgconf`` three times, ``gpg`` and ``gpgsm`` (five forks of a ≈ 50 MB
    process, ≈ 0.2 s); an xlsx has no OpenPGP signature, and GnuPG not on ``PATH`` is skipped.
    The ``soffice`` script itself needs ``PATH`` (``dirname``, ``sed``), so what it does is
    done here: file locking on, then ``oosplash`` (which restarts a fresh profile's first start).
    """
    program = Path(soffice).resolve().parent
    oosplash = program / "oosplash"
    if not ((program / "soffice.bin").is_file() and os.access(oosplash, os.X_OK)):
        return [soffice], {}
    # PATH: LibreOffice's own folder (an empty PATH would mean the current folder to a shell)
    return [str(oosplash)], {"PATH": str(program), "SAL_ENABLE_FILE_LOCKING": "1"}


def libreoffice_available() -> bool:
    return find_soffice() is not None and find_uno_python() is not None


# An engine started before the rest of leanxl is imported (the recalc command's first act:
# soffice's start-up then overlaps the imports and the checks of the inputs).
_early: tuple[float | None, LibreOfficeEngine] | None = None


def start_early(memory_mb: float | None = None) -> None:
    """Start LibreOffice now for the next :func:`take_early`; nothing when it is missing."""
    global _early
    if _early is None and libreoffice_available():
        _early = (memory_mb, LibreOfficeEngine(memory_mb))


def take_early(memory_mb: float | None = None) -> LibreOfficeEngine | None:
    """The engine :func:`start_early` started with the same ``memory_mb``, once; else None."""
    global _early
    early, _early = _early, None
    if early is None:
        return None
    if early[0] != memory_mb or not early[1].alive:
        early[1].shutdown()
        return None
    return early[1]


def stop_early() -> None:
    """Stop an early engine nobody took (the command failed before its first file)."""
    engine = take_early(_early[0]) if _early is not None else None
    if engine is not None:
        engine.shutdown()


class LibreOfficeEngine:
    """One headless ``soffice`` (private profile) driven through a small UNO worker process.

    The engine starts in the background when created; the first request waits for it, so
    scanning the workbook overlaps LibreOffice's start-up.  It serves any number of workbooks.
    """

    name = "libreoffice"

    def __init__(self, memory_mb: float | None = None) -> None:
        soffice = find_soffice()
        python = find_uno_python()
        if soffice is None or python is None:
            raise EngineError("LibreOffice is not available", suggestion=FAST_PATH_HINT)
        self._tmp = Path(tempfile.mkdtemp(prefix="leanxl-lo-"))
        try:
            self._start(soffice, python, memory_mb)
        except BaseException:  # a signal or a failed start: nothing may outlive us
            # _start sets these one after another: kill and close what it got to
            office = getattr(self, "_office", None)
            worker = getattr(self, "_proc", None)
            bridge_log = getattr(self, "_stderr", None)
            if office is not None:
                processes.kill_group(office.pid)
            if worker is not None:
                with contextlib.suppress(OSError):
                    worker.kill()
            if bridge_log is not None:
                bridge_log.close()
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise

    def _start(self, soffice: str, python: str, memory_mb: float | None) -> None:
        """Start soffice and the UNO worker in the private folder, and register them."""
        profile = self._tmp / "profile"
        self._template = _profile_template(soffice)
        if not _copy_template(self._template, profile):
            (profile / "user").mkdir(parents=True)
            (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_XCU)
        self._profile = profile
        pipe = f"leanxl-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        bridge = Path(__file__).with_name("_uno_bridge.py")
        self._stderr = open(self._tmp / "bridge.log", "wb")  # noqa: SIM115 - lives with us
        # soffice and the UNO worker start side by side; the worker connects when soffice
        # listens.  soffice gets its own session so that it and its children stop together.
        launcher, launch_env = _launcher(soffice)
        command = [*launcher, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
                   f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]
        if memory_mb is None:
            memory_mb = processes.env_number("LEANXL_ENGINE_MEMORY_MB",
                                             processes.DEFAULT_MEMORY_MB)
        self.memory_mb = memory_mb
        if memory_mb > 0:  # the cap is set by the shell that then becomes soffice: no race
            command = ["/bin/sh", "-c", 'ulimit -v "$1" || exit 97; shift; exec "$@"',
                       "leanxl-soffice", str(int(memory_mb * 1024)), *command]
        # LibreOffice's own temporary files (lu*.tmp) go into our folder too, so that
        # removing it leaves nothing behind even after a kill.
        (self._tmp / "tmp").mkdir()
        env = dict(os.environ, TMPDIR=str(self._tmp / "tmp"), **launch_env)
        self._office = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True, env=env)
        self._proc = subprocess.Popen(
            [python, str(bridge), pipe, str(self._office.pid)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr)
        self._ready = False
        self._lock = threading.Lock()
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._killed = False
        self._book: Path | None = None
        self.deadline: float | None = None  # time.monotonic() by which every answer is due
        self.timeout: float | None = None  # the seconds that deadline was set from
        processes.register(self)

    @property
    def pids(self) -> tuple[int, ...]:
        """(soffice, UNO worker): ``soffice`` leads its own process group."""
        return (self._office.pid, self._proc.pid)

    @property
    def temp_dir(self) -> Path:
        """The private folder of this engine: profile, copies of books, the worker's log."""
        return self._tmp

    def set_deadline(self, seconds: float | None) -> None:
        """Every answer from now on is due within ``seconds`` in total (None: no deadline)."""
        self.timeout = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def kill(self) -> None:
        """Kill soffice (its whole group) and the worker now; :meth:`shutdown` then removes
        the private profile.  No lock is taken: it runs from a deadline, another thread or a
        signal handler.
        """
        if self._killed:
            return
        self._killed = True
        processes.kill_group(self._office.pid)
        with contextlib.suppress(OSError):
            self._proc.kill()
        processes.unregister(self)

    def _read_exact(self, size: int) -> bytes:
        """``size`` bytes from the worker, or fewer when it stopped; past the deadline the
        engine is killed and :class:`EngineTimeout` raised."""
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        chunks: list[bytes] = []
        got = 0
        while got < size:
            while not select.select([fd], [], [], 0.5)[0]:
                if self.deadline is not None and time.monotonic() > self.deadline:
                    self.kill()
                    raise EngineTimeout(
                        f"LibreOffice did not answer within {self.timeout:g} s; it was "
                        "stopped", suggestion="raise --timeout for very large workbooks")
                if self._office.poll() is not None and not select.select([fd], [], [], 2)[0]:
                    # soffice ended (a crash, the memory cap) while its worker still waits
                    error = self._died()
                    self.kill()
                    raise error
            chunk = os.read(fd, min(size - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _died(self) -> EngineError:
        """Why the worker stopped answering: killed by us, the memory cap, or a crash."""
        if self._killed:
            return EngineError("the LibreOffice engine was stopped")
        code = self._office.poll()
        cap = (f"; it may have hit its memory cap of {self.memory_mb:g} MB "
               "(--engine-memory)" if self.memory_mb > 0 and code not in (None, 0) else "")
        return EngineError(f"the LibreOffice worker stopped{cap}", where=self._log_tail())

    def _recv(self) -> Any:
        import pickle

        head = self._read_exact(8)
        if len(head) < 8:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._office.wait(timeout=2)
            raise self._died()
        (size,) = struct.unpack("<Q", head)
        body = self._read_exact(size)
        if len(body) < size:
            raise self._died()
        return pickle.loads(body)

    def _log_tail(self) -> str:
        try:
            return (self._tmp / "bridge.log").read_text(errors="replace")[-400:].strip()
        except OSError:
            return ""

    def _wait_ready(self) -> None:
        if not self._ready:
            try:
                status, value = self._recv()
            except EngineError:
                if "No module named 'uno'" in self._log_tail():
                    forget_uno_python()  # remembered wrongly (python3-uno was removed)
                raise
            if status != "ok":
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._office.wait(timeout=2)
                if self._office.returncode not in (None, 0) and self.memory_mb > 0:
                    raise EngineError(
                        f"LibreOffice did not start; it may have hit its memory cap of "
                        f"{self.memory_mb:g} MB", suggestion="raise --engine-memory")
                raise EngineError(f"LibreOffice did not start: {value}",
                                  suggestion=FAST_PATH_HINT)
            self._ready = True

    def _call(self, op: str, *args: Any) -> Any:
        import pickle

        with self._lock:
            if self._killed:
                raise self._died()
            self._wait_ready()
            data = pickle.dumps((op, *args), protocol=4)
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(struct.pack("<Q", len(data)) + data)
                self._proc.stdin.flush()
            except (BrokenPipeError, ValueError) as exc:
                raise self._died() from exc
            status, value = self._recv()
        if status != "ok":
            if "bad_alloc" in str(value) and self.memory_mb > 0:
                raise EngineError(f"LibreOffice ran out of memory under its cap of "
                                  f"{self.memory_mb:g} MB", suggestion="raise --engine-memory")
            raise EngineError(f"LibreOffice: {value}")
        return value

    @property
    def alive(self) -> bool:
        return not self._killed and self._proc.poll() is None and self._office.poll() is None

    def open(self, path: Path, leanxl_cells: list[tuple[str, int, int]] | None = None,
             copied: threading.Event | None = None) -> list[tuple[str, int, int]]:
        """Load a copy of the book; ``copied`` is set once the copy is made (LibreOffice
        then loads it while the caller may use the CPU: see ``recalc_workbook``)."""
        # A private copy: LibreOffice writes lock files next to what it opens.
        self._book = self._tmp / f"book{Path(path).suffix.lower()}"
        try:
            _, logical = engine_copy(Path(path), self._book)
        finally:
            if copied is not None:
                copied.set()
        try:
            opened = self._call("open", str(self._book), logical)
        except EngineError as exc:
            if not self.alive:
                raise
            log.debug("LibreOffice could not load %s: %s", path, exc)
            raise EngineError("LibreOffice cannot load this workbook", where=str(path),
                              suggestion="open it in Excel and save it again as .xlsx") from exc
        return [(str(n), int(r), int(c)) for n, r, c in opened]

    def _read_raw(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> list[list[Any]]:
        """A block as the worker reads it, in bands of rows: the worker (and LibreOffice's
        conversion to Python) never holds more than ``READ_CELLS`` values of a full sheet."""
        band = max(1, READ_CELLS // (c2 - c1 + 1))
        if r2 - r1 < band:
            return self._call("read", sheet, r1 - 1, c1 - 1, r2 - 1, c2 - 1)
        rows: list[list[Any]] = []
        for start in range(r1, r2 + 1, band):
            rows += self._call("read", sheet, start - 1, c1 - 1, min(start + band - 1, r2) - 1,
                               c2 - 1)
        return rows

    def _read_runs(self, sheet: int, block: tuple[int, int, int, int] | None,
                   runs: list[tuple[int, int, int, Any]], in_arrays: list[tuple[int, int]],
                   values: ValueRuns, read: set[tuple[int, int]] | None = None) -> None:
        """The values of the formula runs (ascending first rows) and array cells in
        ``block`` into ``values``, one band of rows at a time: the whole block is never held
        as rows.  With ``read`` (column, first row of each run to read), only those runs are
        read (the block covers them) and the others get None."""
        if block is None:  # nothing to read: every run is the caller's
            for col, a, b, _ in runs:
                values.add_run(col, a, [None] * (b - a + 1))
            return
        r1, c1, r2, c2 = block
        # The bands span every run; only their rows inside the block are read.
        lo = min(r1, runs[0][1]) if runs else r1
        hi = max(r2, max((run[2] for run in runs), default=r2))
        nxt = 0
        active: list[tuple[int, int, int, Any]] = []
        share: dict[Any, Any] = {}
        band = max(1, READ_CELLS // (c2 - c1 + 1))
        for start in range(lo, hi + 1, band):
            end = min(start + band - 1, hi)
            first, last = max(start, r1), min(end, r2)  # the rows read
            rows = (self._call("read", sheet, first - 1, c1 - 1, last - 1, c2 - 1)
                    if first <= last else [])
            while nxt < len(runs) and runs[nxt][1] <= end:
                active.append(runs[nxt])
                nxt += 1
            still = []
            for run in active:
                col, a, b = run[0], max(start, run[1]), min(end, run[2])
                if read is not None and (col, run[1]) not in read:
                    values.add_run(col, a, [None] * (b - a + 1))
                else:
                    j = col - c1
                    values.add_run(col, a, shared_values(
                        [row[j] for row in rows[a - first:b - first + 1]], share))
                if run[2] > end:
                    still.append(run)
            active = still
            for r, c in in_arrays:
                if start <= r <= end:
                    values[(r, c)] = rows[r - first][c - c1]

    def read(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> list[list[Any]]:
        rows = self._read_raw(sheet, r1, c1, r2, c2)
        for row in rows:
            if not _TEXT_OR_NONE.isdisjoint(map(type, row)):  # C-level look first
                for i, v in enumerate(row):
                    if v == "":
                        row[i] = None
                    elif v is None:
                        row[i] = ERROR_MARK
        return rows

    def error_codes(self, sheet: int, cells: list[tuple[int, int]]) -> list[str]:
        nums = self._call("errors", sheet, [(r - 1, c - 1) for r, c in cells])
        return [excel_code(n) for n in nums]

    def write(self, blocks: list[tuple[int, int, int, list[list[Any]]]]) -> None:
        out = []
        for sheet, r0, c0, rows in blocks:
            if any(isinstance(v, CellError) for row in rows for v in row):
                rows = [[("#E", v.code) if isinstance(v, CellError) else v for v in row]
                        for row in rows]
            out.append((sheet, r0 - 1, c0 - 1, rows))
        self._call("write", out)

    def clear_array(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> None:
        self._call("clear_array", sheet, r1 - 1, c1 - 1, r2 - 1, c2 - 1)

    def calculate(self) -> None:
        try:
            self._call("calc")
        except EngineError as exc:
            if not self.alive:
                raise
            log.debug("LibreOffice could not calculate: %s", exc)
            raise EngineError("LibreOffice cannot calculate this workbook",
                              suggestion="open it in Excel, check its formulas, save it "
                              "again") from exc

    def set_formulas(self, cells: list[tuple[int, int, int, str]]) -> None:
        """Set Excel-syntax formulas (``=ROUND(48.5,0)``) in (sheet, row, col) cells."""
        self._call("formulas", [(s, r - 1, c - 1, f) for s, r, c, f in cells])

    def results(self, book: Any, ours: Mapping[int, Mapping[int, list[int]]] | None = None
                ) -> dict[int, ValueRuns]:
        """Every formula cell's value, by sheet index, as runs down each column.

        Values come in one block per sheet; but the API tells an error's code, or that a 1 is
        TRUE, only one cell at a time (≈ 1 ms each).  With few such cells they are asked;
        with many, the book is saved as xlsx once and its typed values read back.

        ``ours``: sheet index -> column -> rows (ascending) of cells whose values the caller
        sets itself (leanxl's own).  A formula run made only of those is not read: its values
        are None, for the caller to fill.
        """
        out: dict[int, ValueRuns] = {}
        ask: dict[int, list[tuple[int, int]]] = {}
        for index, sheet in enumerate(book.sheets):
            formulas = sheet.formulas
            wanted: Collection[tuple[int, int]] = formulas
            in_arrays: list[tuple[int, int]] = []
            if sheet.arrays:
                in_arrays = [(r, c) for a in sheet.arrays for r in range(a.r1, a.r2 + 1)
                             for c in range(a.c1, a.c2 + 1)]
                wanted = set(wanted)
                wanted.update(in_arrays)
            values = out[index] = ValueRuns()
            if not wanted:
                continue
            runs = sorted(formulas.runs(), key=lambda run: run[1])
            if not in_arrays and ours and ours.get(index):
                kept = _not_ours(runs, ours[index])
                if len(kept) < len(runs):
                    bounds = _dense_bounds(kept)
                    if bounds is not None or not kept:
                        self._read_runs(index, bounds, runs, [], values,
                                        {(run[0], run[1]) for run in kept})
                        ask[index] = list(_cells_to_ask(values, kept))
                        continue
            blocks = covering_blocks(wanted)
            if len(blocks) == 1:  # the usual case: each band of rows sliced into the runs
                self._read_runs(index, blocks[0], runs, in_arrays, values)
            else:
                grid: dict[tuple[int, int], Any] = {}
                for r1, c1, r2, c2 in blocks:
                    block = self._read_raw(index, r1, c1, r2, c2)
                    for i, row in enumerate(block):
                        for j, v in enumerate(row):
                            grid[(r1 + i, c1 + j)] = v
                for col, fr1, fr2, _ in formulas.runs():
                    values.add_run(col, fr1, [grid[(r, col)] for r in range(fr1, fr2 + 1)])
                for pos in in_arrays:
                    values[pos] = grid[pos]
                del grid
            ask[index] = [pos for pos, v in values.items() if _to_ask(v)]
        if sum(len(v) for v in ask.values()) > ASK_LIMIT:
            return self._stored_results(book)
        for index, cells in ask.items():
            if not cells:
                continue
            kinds = self._call("kinds", index, [(r - 1, c - 1) for r, c in cells])
            for (r, c), (err, logical) in zip(cells, kinds, strict=True):
                if err:
                    out[index][(r, c)] = CellError(excel_code(err), "")
                elif logical:
                    out[index][(r, c)] = bool(out[index][(r, c)])
        return out

    def _stored_results(self, book: Any) -> dict[int, ValueRuns]:
        """Typed values from the xlsx LibreOffice writes (``t="b"``, ``t="e"`` and codes)."""
        from leanxl.recalc.book import read_results

        out_path = self._tmp / "calculated.xlsx"
        self._call("store", str(out_path))
        try:
            return {index: value_runs(cells, book.sheets[index].formulas)
                    for index, cells in read_results(out_path, book).items()}
        finally:
            out_path.unlink(missing_ok=True)

    def close_book(self) -> None:
        if self.alive and self._ready:
            self._call("close")
        if self._book is not None:
            self._book.unlink(missing_ok=True)
            self._book = None

    def shutdown(self) -> None:
        """Stop soffice and the worker, remove the private profile (safe to call twice)."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        try:
            if (self.alive and self._template is not None and self._template.exists()
                    and os.getpid() != 1):
                # Nothing of this profile is kept (a template exists): no orderly quit to
                # wait for (≈ 30 ms, the end of every cold recalc).  Not as a container's
                # PID 1: the orphaned soffice.bin would stay a zombie, nobody reaping it.
                self.kill()
            elif self.alive:
                self.set_deadline(20)  # a frozen soffice must not hold the exit
                self._call("quit")
                self._proc.wait(timeout=20)
        except (EngineError, OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        finally:
            processes.unregister(self)
            try:
                self._wait_stopped()
            except BaseException:  # a signal while waiting (Ctrl-C as a batch ends): no wait
                # no longer registered, so the signal handler's kill_all cannot reach them
                processes.kill_group(self._office.pid)
                with contextlib.suppress(OSError):
                    self._proc.kill()
                raise
            finally:  # whatever happened, the private folder goes
                shutil.rmtree(self._tmp, ignore_errors=True)

    def _wait_stopped(self) -> None:
        """Wait for soffice and the worker to end (killing what does not), keep the profile."""
        try:
            self._office.wait(timeout=20)
        except subprocess.TimeoutExpired:
            processes.kill_group(self._office.pid)  # our own soffice, by its group
            self._office.wait()
        for stream in (self._proc.stdin, self._proc.stdout, self._stderr):
            if stream is not None:
                # From a worker's signal handler the interrupted code may be inside a write
                # to this very stream: closing it then is a reentrant call; the pipe is dead.
                with contextlib.suppress(OSError, RuntimeError):
                    stream.close()
        try:  # the worker ends at the end of its input
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._office.returncode == 0:  # a clean stop: the profile is whole
            _save_template(self._profile, self._template)

    def __enter__(self) -> LibreOfficeEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
