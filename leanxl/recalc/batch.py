"""Batches: many workbooks on N local workers or a Dask cluster, one engine per worker.

Each worker starts one formula engine (one ``soffice``) and reuses it for every file it gets;
a file that fails is reported and the batch goes on (the engine is restarted if it died).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from leanxl.errors import LeanxlError
from leanxl.recalc.engine import Engine
from leanxl.recalc.workbook import (
    SUFFIXES,
    FileReport,
    prefer_numpy_kernels,
    recalc_workbook,
    start_engine,
)

log = logging.getLogger(__name__)


def expand_inputs(items: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files, globs and folders (their ``.xlsx``/``.xlsm``, not recursive) -> files, in order.

    Raises
    ------
    LeanxlError
        When an item matches nothing.
    """
    out: list[Path] = []
    for item in items:
        text = os.fspath(item)
        path = Path(text)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", ".")))
        elif path.exists():
            found = [path]
        else:
            found = sorted(Path(p) for p in glob.glob(text, recursive=True)
                           if Path(p).suffix.lower() in SUFFIXES)
        if not found:
            raise LeanxlError("no .xlsx/.xlsm workbook found", where=text,
                              suggestion="give files, a folder or a quoted glob like 'in/*.xlsx'")
        for p in found:
            if p not in out:
                out.append(p)
    return out


def plan_outputs(inputs: Sequence[Path], output: str | os.PathLike[str] | None = None,
                 out_dir: str | os.PathLike[str] | None = None,
                 in_place: bool = False) -> list[tuple[Path, Path]]:
    """Pair each input with where it is written; refuses ambiguous or clobbering plans."""
    given = sum(x is not None and x is not False for x in (output, out_dir, in_place or None))
    if given != 1:
        raise LeanxlError("say where to write: -o OUT (one input), --out-dir DIR or --in-place")
    if in_place:
        return [(p, p) for p in inputs]
    if output is not None:
        if len(inputs) != 1:
            raise LeanxlError(f"-o takes one input, got {len(inputs)}",
                              suggestion="use --out-dir DIR for many workbooks")
        return [(inputs[0], Path(output))]
    folder = Path(out_dir)  # type: ignore[arg-type]
    pairs = [(p, folder / p.name) for p in inputs]
    seen: dict[Path, Path] = {}
    for src, dst in pairs:
        if dst in seen:
            raise LeanxlError(f"{seen[dst]} and {src} would both be written to {dst}",
                              suggestion="recalculate them into different folders")
        if dst.resolve() == src.resolve():
            raise LeanxlError(f"--out-dir would overwrite the input {src}",
                              suggestion="choose another folder, or --in-place")
        seen[dst] = src
    return pairs


# --- one engine per worker (process or thread), reused across files --------------------------
_local = threading.local()
_engines: list[Engine] = []
_engines_lock = threading.Lock()


def _worker_engine(kind: str | None, memory_mb: float | None = None) -> Engine:
    engine = getattr(_local, "engine", None)
    if engine is None or not getattr(engine, "alive", True):
        if engine is not None:
            engine.shutdown()
        engine = start_engine(kind, memory_mb)
        _local.engine = engine
        with _engines_lock:
            _engines.append(engine)
    return engine


def shutdown_engines() -> int:
    """Stop every engine this process started for batch work; returns how many."""
    with _engines_lock:
        engines = list(_engines)
        _engines.clear()
    for e in engines:
        e.shutdown()
    _local.__dict__.clear()
    return len(engines)


def recalc_task(source: str, output: str, kind: str | None = None,
                in_place: bool = False, last: bool = False, timeout: float | None = None,
                memory_mb: float | None = None) -> FileReport:
    """One file on this worker's engine (what pool and Dask workers run).

    An engine that misses the deadline is killed; the file is tried once more on a fresh
    engine, then reported failed (the next file gets a fresh engine too).
    """
    report = FileReport(source, output, ok=False)
    for attempt in (1, 2):
        engine = _worker_engine(kind, memory_mb)
        report = recalc_workbook(source, None if in_place else output, engine=engine,
                                 in_place=in_place, release_engine=last, timeout=timeout)
        if not report.timed_out:
            break
        if attempt == 2:
            report.reason += " (also on a retry with a fresh engine)"
    if not getattr(engine, "alive", True) and not report.timed_out:
        report.warnings.append("the engine stopped and will be restarted")
    return report


def _pool_init() -> None:
    import atexit
    import signal
    from multiprocessing import util

    prefer_numpy_kernels()  # a worker of recalc work only
    util.Finalize(None, shutdown_engines, exitpriority=10)
    atexit.register(shutdown_engines)
    # SIGTERM from the parent, or Ctrl-C to the whole group: kill this worker's engines,
    # remove their profiles and temp files, and leave (an unfinished output is never moved
    # into place, so no half-written workbook remains).
    signal.signal(signal.SIGTERM, _worker_stop)
    signal.signal(signal.SIGINT, _worker_stop)


def _worker_stop(signum: int, frame: Any) -> None:
    import signal

    from leanxl.recalc.processes import kill_all
    from leanxl.xlsx.files import remove_partial_outputs

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    kill_all()
    import shutil

    for e in list(_engines):
        # the profile and temp files (the processes are dead: quick); whatever it raises,
        # the handler must still reach the clean-up and the exit below
        with contextlib.suppress(BaseException):
            e.shutdown()
        folder = getattr(e, "temp_dir", None)
        if folder is not None:  # also when the signal came while it was shutting down
            shutil.rmtree(folder, ignore_errors=True)
    remove_partial_outputs()
    os._exit(128 + signum)


def recalc_workbooks(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    output: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    in_place: bool = False,
    jobs: int = 1,
    engine: str | None = None,
    scheduler: str | None = None,
    local_cluster: int | None = None,
    client: Any = None,
    progress: bool = True,
    on_report: Callable[[FileReport], None] | None = None,
    timeout: float | None = None,
    memory_mb: float | None = None,
) -> list[FileReport]:
    """Recalculate many workbooks; every good file is finished even when others fail.

    Parameters
    ----------
    inputs:
        Files, folders and globs of ``.xlsx``/``.xlsm``.
    output, out_dir, in_place:
        Exactly one: ``output`` for a single input, ``out_dir`` to write each file under its
        own name there, or ``in_place`` to overwrite the inputs.
    jobs:
        Local worker processes, each with its own engine (ignored with Dask).
    engine:
        ``"libreoffice"``, ``"python"`` (pycel, slow), or ``None`` for the best available.
    scheduler, local_cluster, client:
        Run on a Dask cluster: the address of a running scheduler (``tcp://host:8786``; the
        workers must see the same paths), the number of workers of a local cluster, or a
        ``dask.distributed.Client`` you made.
    progress:
        Show a progress bar (tqdm) on stderr.
    on_report:
        Called with each file's report as it finishes.
    timeout:
        Seconds LibreOffice may take per file (default ``$LEANXL_TIMEOUT`` or 300; 0 =
        none).  A stuck engine is killed and restarted, the file tried once more, then
        reported failed; the batch goes on.
    memory_mb:
        Address-space cap of each LibreOffice (default ``$LEANXL_ENGINE_MEMORY_MB`` or
        4096; 0 = none).  A file that hits it fails with a message saying so.

    SIGTERM and SIGINT (from the main thread) stop every worker and engine this call started,
    remove their temporary profiles and files, and raise ``KeyboardInterrupt``; inputs are
    untouched and no half-written output is left.

    Returns
    -------
    list of FileReport
        In input order.
    """
    from leanxl.recalc.processes import stop_on_signals
    from leanxl.xlsx.files import ensure_folder

    pairs = plan_outputs(expand_inputs(inputs), output, out_dir, in_place)
    if out_dir is not None:
        ensure_folder(Path(out_dir))
    reports: dict[int, FileReport] = {}
    bar = _bar(len(pairs), progress)

    def done(i: int, report: FileReport) -> None:
        reports[i] = report
        if bar is not None:
            bar.update(1)
        if on_report is not None:
            if bar is not None:
                with bar.external_write_mode():
                    on_report(report)
            else:
                on_report(report)

    pool: ProcessPoolExecutor | None = None

    def stop_workers() -> None:
        if pool is not None:
            _terminate_workers(pool)

    try:
        with stop_on_signals(stop_workers):
            if scheduler is not None or local_cluster is not None or client is not None:
                _run_dask(pairs, engine, in_place, scheduler, local_cluster, client, done,
                          timeout, memory_mb)
            elif jobs <= 1 or len(pairs) == 1:
                try:
                    for i, (src, dst) in enumerate(pairs):
                        last = i == len(pairs) - 1  # the engine stops while it is written
                        done(i, recalc_task(str(src), str(dst), engine, in_place, last,
                                            timeout, memory_mb))
                finally:
                    shutdown_engines()
            else:
                pool = ProcessPoolExecutor(max_workers=min(jobs, len(pairs)),
                                           initializer=_pool_init)
                try:
                    futures = {pool.submit(recalc_task, str(s), str(d), engine, in_place,
                                           False, timeout, memory_mb): i
                               for i, (s, d) in enumerate(pairs)}
                    for fut in as_completed(futures):
                        i = futures[fut]
                        done(i, _result(fut, pairs[i]))
                except BaseException:
                    _terminate_workers(pool)
                    raise
                finally:
                    pool.shutdown(wait=True, cancel_futures=True)
    finally:
        if bar is not None:
            bar.close()
    return [reports[i] for i in range(len(pairs))]


def _terminate_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM each worker process of ``pool`` (by pid) and wait for it: each kills its own
    engines and removes their files (see :func:`_worker_stop`)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for proc in workers:
        if proc.is_alive():
            proc.terminate()
    for proc in workers:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
            proc.join()


def _result(fut: Any, pair: tuple[Path, Path]) -> FileReport:
    try:
        report: FileReport = fut.result()
        return report
    except Exception as exc:  # the worker died (killed, out of memory): report the file
        return FileReport(str(pair[0]), str(pair[1]), ok=False,
                          reason=f"worker failed: {type(exc).__name__}: {exc}")


def _run_dask(pairs: list[tuple[Path, Path]], engine: str | None, in_place: bool,
              scheduler: str | None, local_cluster: int | None, client: Any,
              done: Callable[[int, FileReport], None], timeout: float | None = None,
              memory_mb: float | None = None) -> None:
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:
        raise LeanxlError("Dask is not installed",
                          suggestion="pip install 'leanxl[recalc]' (dask[distributed])") from exc
    cluster = None
    own_client = client is None
    if client is not None:
        pass
    elif scheduler is not None:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=local_cluster or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(recalc_task, [str(s) for s, _ in pairs], [str(d) for _, d in pairs],
                             kind=engine, in_place=in_place, timeout=timeout,
                             memory_mb=memory_mb, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in dask_completed(futures):
            i = index[fut.key]
            done(i, _result(fut, pairs[i]))
        client.run(shutdown_engines)
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()


def _bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="book", desc="recalc", leave=False)
