"""The engine processes leanxl started, and how they are stopped when time or a signal says so.

Every LibreOffice engine registers its processes here (the UNO worker and ``soffice``, which
runs in a session and process group of its own).  A deadline that passes, SIGTERM or SIGINT
kills exactly those processes, by pid and by that group, never anything found by name.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from typing import Protocol

from leanxl.signals import STOP_SIGNALS, raise_on_signals

DEFAULT_TIMEOUT = 300.0  # seconds per file, start-up included
DEFAULT_MEMORY_MB = 4096  # address space of one soffice (a 10k-row book needs ≈ 1.5 GB)


class Killable(Protocol):
    def kill(self) -> None: ...
    @property
    def pids(self) -> tuple[int, ...]: ...


_live: list[Killable] = []
_lock = threading.Lock()


def register(engine: Killable) -> None:
    """Track a started engine; with ``$LEANXL_ENGINE_PIDS`` set, append its pids to that
    file (one line: soffice pid, which is also its process group, then the worker's)."""
    with _lock:
        _live.append(engine)
    record = os.environ.get("LEANXL_ENGINE_PIDS")
    if record:
        with open(record, "a", encoding="ascii") as fh:  # one short line: atomic append
            fh.write(" ".join(str(p) for p in engine.pids) + "\n")


def unregister(engine: Killable) -> None:
    with _lock:
        if engine in _live:
            _live.remove(engine)


def engine_pids() -> list[tuple[int, ...]]:
    """(soffice, UNO worker) pids of each engine this process runs now.

    The soffice pid is also its process group.  For operators and fault tests (they freeze
    or signal exactly these processes); other processes see them through
    ``$LEANXL_ENGINE_PIDS``.
    """
    with _lock:
        return [e.pids for e in _live]


def kill_all() -> None:
    """Kill every engine process this process started (safe from a signal handler)."""
    for engine in list(_live):
        engine.kill()


def kill_group(pgid: int) -> None:
    """SIGKILL a process group leanxl created (its ``soffice`` session); gone is fine."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def env_number(name: str, default: float) -> float:
    """A number from the environment (``LEANXL_TIMEOUT``, ``LEANXL_ENGINE_MEMORY_MB``)."""
    from leanxl.errors import LeanxlError

    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise LeanxlError(f"{name}={text!r} is not a number") from None


class Stopped(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM/SIGINT once the engines are killed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop_on_signals(extra: Callable[[], None] | None = None) -> AbstractContextManager[None]:
    """While inside: SIGTERM and SIGINT kill this process's engines, run ``extra`` (e.g.
    stop the pool's workers) and raise :class:`Stopped` so ``finally`` blocks clean up.

    Only from the main thread (Python delivers signals there); elsewhere it does nothing.
    """
    def before() -> None:
        kill_all()
        if extra is not None:
            extra()

    return raise_on_signals(Stopped, STOP_SIGNALS, before)
