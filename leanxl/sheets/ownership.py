"""One refresh owns a workbook at a time, and leaves nothing behind however it ends.

:func:`owning` takes a lock file beside the workbook (``.~leanxl-lock.<name>``, created with
``O_EXCL`` and holding the owner's pid), turns SIGTERM / SIGHUP / SIGINT into an exception
while it is held (so every ``finally`` runs: temp files go, the lock goes), and turns the
operating system's refusals to write (read-only or immutable folder, full disk, file size
limit) into one :class:`~leanxl.errors.WorkbookError`. A lock left by a process that no
longer runs (killed with SIGKILL, a crashed machine) is stale and taken over.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import signal
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

from leanxl.errors import WorkbookError
from leanxl.signals import raise_on_signals

_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, n))


class Interrupted(WorkbookError):
    """A signal stopped the refresh; the workbook is as it was."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}; the workbook is unchanged")


def lock_path(book: Path) -> Path:
    return book.with_name(f".~leanxl-lock.{book.name}")


@contextlib.contextmanager
def owning(book: Path) -> Iterator[None]:
    """Hold ``book``'s lock and catch signals and write failures for the block's duration."""
    lock = lock_path(book)
    with writing(book):
        _take(lock, book)
    try:
        with raise_on_signals(Interrupted, _SIGNALS), writing(book):
            yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _take(lock: Path, book: Path) -> None:
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _owner(lock)
            if owner is not None and _alive(owner):
                raise WorkbookError(
                    f"another leanxl refresh (pid {owner}) is writing this workbook",
                    where=str(book),
                    suggestion=f"wait for it to finish; if no refresh runs, delete {lock.name}"
                    ) from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()  # stale: its owner is gone
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        return
    raise WorkbookError("cannot take the workbook's lock", where=str(lock),
                        suggestion="delete the lock file if no refresh runs")


def _owner(lock: Path) -> int | None:
    try:
        return int(lock.read_text().strip() or "0") or None
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def _close_abandoned_writers(exc: BaseException) -> None:
    """Close openpyxl's half-run sheet writers now, quietly.

    They are generators held by the failed write's frames; left to the garbage collector, each
    tries to finish its XML on the full disk and Python prints "Exception ignored ...
    Traceback" on stderr after our one-line error.  Clearing the frames frees them here.
    """
    if exc.__traceback__ is not None:
        traceback.clear_frames(exc.__traceback__)
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


@contextlib.contextmanager
def writing(target: Path) -> Iterator[None]:
    """An OS refusal to write becomes one WorkbookError saying what to do."""
    try:
        yield
    except OSError as exc:
        _close_abandoned_writers(exc)
        folder = target.parent
        if exc.errno in _FULL:
            raise WorkbookError(f"not enough space to write the workbook ({exc.strerror})",
                                where=str(folder),
                                suggestion="free some space or write elsewhere with -o") from exc
        raise WorkbookError(
            f"cannot write beside the workbook: {exc.strerror or exc}",
            where=str(exc.filename or folder),
            suggestion="write to a folder you can write to, with -o") from exc
