"""Recalculate one workbook: scan, compute in dependency order, write fresh cached values."""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leanxl.errors import LeanxlError, WorkbookError
from leanxl.kernels.backend import ENV as KERNELS_ENV
from leanxl.recalc.book import read_book
from leanxl.recalc.engine import Engine, LibreOfficeEngine
from leanxl.recalc.evaluate import BookComputer

log = logging.getLogger(__name__)

SUFFIXES = (".xlsx", ".xlsm")


@dataclass(slots=True)
class FileReport:
    """What happened to one workbook."""

    source: str
    output: str | None
    ok: bool
    reason: str = ""
    seconds: float = 0.0
    formulas: int = 0
    leanxl_cells: int = 0
    passes: int = 0
    engine: str = ""
    warnings: list[str] = field(default_factory=list)
    timed_out: bool = False  # the engine missed the deadline and was killed

    def line(self) -> str:
        if self.ok:
            return (f"ok      {self.source} -> {self.output} ({self.formulas} formulas, "
                    f"{self.leanxl_cells} leanxl, {self.passes} pass(es), {self.seconds:.2f} s)")
        return f"FAILED  {self.source}: {self.reason}"


def default_registry() -> dict[str, Any]:
    from leanxl import functions

    return functions.REGISTRY


def recalc_workbook(source: str | Path, output: str | Path | None = None, *,
                    engine: Engine | None = None, in_place: bool = False,
                    registry: dict[str, Any] | None = None,
                    release_engine: bool = False,
                    timeout: float | None = None) -> FileReport:
    """Recalculate ``source`` and write it, with fresh cached values, to ``output``.

    Parameters
    ----------
    source:
        An ``.xlsx`` or ``.xlsm`` workbook.  It is never modified unless ``in_place``.
    output:
        Where to write; required unless ``in_place``.
    engine:
        A started engine (:class:`~leanxl.recalc.engine.LibreOfficeEngine` or
        :class:`~leanxl.recalc.pyengine.PycelEngine`), reused across calls; by default one is
        started for this call and stopped after.
    registry:
        The leanxl functions (default: :data:`leanxl.functions.REGISTRY`).
    release_engine:
        Stop ``engine`` as soon as the values are computed (it stops while the file is
        written): for the last file of a batch.
    timeout:
        Seconds LibreOffice may take for this file, start-up included (default
        ``$LEANXL_TIMEOUT`` or 300; 0 = none).  Past it the engine is killed and the report
        says ``timed_out``.

    Returns
    -------
    FileReport
        ``ok`` with counts, or the reason it failed.  Raises only for bad arguments.
    """
    from leanxl.recalc.processes import DEFAULT_TIMEOUT, env_number
    from leanxl.xlsx.cached_values import write_cached_values
    from leanxl.xlsx.files import check_unlocked

    src = Path(source)
    if in_place:
        dst = src
    elif output is None:
        raise LeanxlError("no output given", where=str(src),
                          suggestion="pass an output path, or in_place=True")
    else:
        dst = Path(output)
        if dst.resolve() == src.resolve():
            raise LeanxlError("output is the input", where=str(src),
                              suggestion="use --in-place to overwrite the input on purpose")
    if timeout is None:
        timeout = env_number("LEANXL_TIMEOUT", DEFAULT_TIMEOUT)
    start = time.perf_counter()
    collecting = gc.isenabled()
    # A book is millions of small objects and no reference cycles: the cyclic collector
    # would walk them again and again as they are made (a 100k-row scan took 1.5x longer).
    gc.disable()
    own_engine = engine is None
    stopping: threading.Thread | None = None
    report = FileReport(str(src), str(dst), ok=False)
    try:
        if src.suffix.lower() not in SUFFIXES:
            raise WorkbookError("not an .xlsx or .xlsm file", where=str(src))
        check_unlocked(dst)  # as refresh: never write over a workbook open in Excel
        if engine is None:
            engine = start_engine()
        report.engine = engine.name
        set_deadline = getattr(engine, "set_deadline", None)
        if set_deadline is not None:
            set_deadline(timeout or None)
        # LibreOffice loads the file while this process scans it (the load needs no scan).
        opening = _Opening(engine, src) if isinstance(engine, LibreOfficeEngine) else None
        try:
            if opening is not None:
                opening.copied.wait()
            book = read_book(src)
            log.debug("scanned %s", src)
            warming = _warm({c.base.function for c in book.leanxl if c.base is not None})
            computer = BookComputer(book, engine, registry or default_registry())
            if opening is not None:
                computer.prepare()  # while LibreOffice starts and loads
            opened = opening.result() if opening is not None else None
            if warming is not None:
                # Never import modules from two threads at once: a half-imported module is
                # visible to the other thread (seen: pandas without DataFrame yet).
                warming.join()
            computed = computer.run(opened)
        finally:
            if opening is not None:
                opening.join()
            # The engine closes the book (and stops, after the last file) while the file is
            # written: nothing it does from here changes the values.
            closing = threading.Thread(target=_close_book, name="leanxl-close", args=(
                engine, release_engine or own_engine))
            closing.start()
            stopping = closing  # only once started: a stop inside start() must not join it
        write_cached_values(src, dst, computed.values, spills=computed.spills)
        log.debug("written %s", dst)
        report.ok = True
        report.formulas = sum(len(v) for v in computed.values.values())
        report.leanxl_cells = computed.leanxl_cells
        report.passes = computed.passes
    except LeanxlError as exc:
        from leanxl.recalc.engine import EngineTimeout

        report.reason = str(exc)
        report.timed_out = isinstance(exc, EngineTimeout)
    except Exception as exc:  # one broken file must not stop a batch: report it, log it
        log.exception("recalc of %s failed", src)
        report.reason = f"{type(exc).__name__}: {exc}"
    finally:
        if stopping is not None:
            stopping.join()
        if engine is not None and getattr(engine, "set_deadline", None) is not None:
            engine.set_deadline(None)  # type: ignore[attr-defined]
        if own_engine and engine is not None and stopping is None:
            engine.shutdown()
        report.seconds = time.perf_counter() - start
        if collecting:
            gc.enable()
    return report


def _close_book(engine: Engine, stop: bool) -> None:
    """Close the engine's copy of the book, then stop the engine if ``stop``.

    The values are computed by now: an engine that dies closing the book costs this file
    nothing (a batch sees it is not ``alive`` and starts another for the next file).
    """
    try:
        engine.close_book()
    except Exception:  # noqa: BLE001 - see above
        log.debug("the engine failed closing the book", exc_info=True)
    finally:
        if stop:
            engine.shutdown()


class _Opening(threading.Thread):
    """``engine.open(path)`` in the background."""

    def __init__(self, engine: LibreOfficeEngine, path: Path) -> None:
        super().__init__(name="leanxl-open", daemon=True)
        self.engine, self.path = engine, path
        self.value: Any = None
        self.error: BaseException | None = None
        # Set when LibreOffice's copy of the book is written and it starts loading: until
        # then this thread is the critical path and has the interpreter to itself.
        self.copied = threading.Event()
        self.start()

    def run(self) -> None:
        try:
            self.value = self.engine.open(self.path, None, self.copied)
        except BaseException as exc:  # handed to the caller by result()
            self.error = exc
        finally:
            self.copied.set()

    def result(self) -> Any:
        self.join()
        if self.error is not None:
            raise self.error
        return self.value


_warmed: set[str] = set()


_SCORING = {"FIT", "MATCH", "BESTPROFILE"}
_RULES = {"DECIDE", "EXPLAIN"}


def _warm(functions: set[str]) -> threading.Thread | None:
    """Load what the leanxl functions need while the engine starts: the kernels, the rules.

    The first call of a kernel costs ≈ 0.3 s of loading (numba; ≈ 0.1 s numpy), the first
    decision table ≈ 25 ms of imports; LibreOffice takes ≈ 0.3 s to start, during which this
    process only waits.  pandas is not imported: the cell functions do not need it (it would
    add ≈ 0.2 s and ≈ 65 MB).  Returns the thread to join before evaluating.
    """
    todo = functions - _warmed
    if not todo & (_SCORING | _RULES):
        return None
    _warmed.update(todo)

    def run() -> None:
        try:
            if todo & _SCORING:
                import leanxl

                leanxl.fit([[1] * 10])
            if todo & _RULES:
                import leanxl.rules  # noqa: F401 - imported for its cost, not its names
        except Exception:  # warming is only an optimisation
            log.debug("warm-up failed", exc_info=True)

    thread = threading.Thread(target=run, name="leanxl-warm", daemon=True)
    thread.start()
    return thread


def prefer_numpy_kernels() -> None:
    """Let this process score with numpy's kernels unless ``LEANXL_KERNELS`` says otherwise.

    For processes that only do recalc work (the command and its pool workers): numba's
    import and first calls cost ≈ 0.8 s and ≈ 140 MB per process, more than a book's leanxl
    cells take in numpy (bench/RESULTS.md, "Headless recalculation").  Same result bits
    either way.  ``recalc_workbook`` and Dask workers leave the caller's choice alone.
    """
    os.environ.setdefault(KERNELS_ENV, "numpy")


@contextmanager
def numpy_kernels() -> Iterator[None]:
    """:func:`prefer_numpy_kernels` for the length of a block, then the environment as it
    was: ``leanxl.cli.main(["recalc", ...])`` called inside a longer-lived Python (a test
    session, a user's script) must not leave numpy forced on everything that runs after it,
    nor on the processes it starts later."""
    if KERNELS_ENV in os.environ:
        yield
        return
    os.environ[KERNELS_ENV] = "numpy"
    try:
        yield
    finally:
        os.environ.pop(KERNELS_ENV, None)


def start_engine(kind: str | None = None, memory_mb: float | None = None) -> Engine:
    """Start the standard-formula engine: ``libreoffice``, ``python``, or the best available.

    ``memory_mb`` caps LibreOffice's address space (default ``$LEANXL_ENGINE_MEMORY_MB`` or
    4096; 0 = no cap).
    """
    from leanxl.recalc.engine import (
        FAST_PATH_HINT,
        LibreOfficeEngine,
        libreoffice_available,
        take_early,
    )

    if kind in (None, "libreoffice"):
        early = take_early(memory_mb)  # started by the command before its imports
        if early is not None:
            return early
    if kind == "libreoffice" or (kind is None and libreoffice_available()):
        return LibreOfficeEngine(memory_mb)
    if kind not in (None, "python"):
        raise LeanxlError(f"unknown engine {kind!r}", suggestion="use libreoffice or python")
    from leanxl.recalc.pyengine import PycelEngine

    if kind is None:
        log.warning("LibreOffice not found: using the slow pure-Python engine; %s",
                    FAST_PATH_HINT)
    return PycelEngine()
