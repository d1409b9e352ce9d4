"""Stop signals as exceptions: while inside, SIGTERM / SIGINT (and whatever else the caller
names) raise in the main thread, so the ``finally`` blocks of a refresh or a recalc remove
their temporary files, locks and engines before the process ends.  One mechanism for every
command; each decides which exception to raise and what to do first."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def raise_on_signals(error: Callable[[int], BaseException],
                     signals: Sequence[signal.Signals] = STOP_SIGNALS,
                     before: Callable[[], None] | None = None) -> Iterator[None]:
    """While inside, each of ``signals`` runs ``before`` then raises ``error(signum)``.

    Only from the main thread (Python delivers signals there, and elsewhere the caller owns
    them); in another thread it does nothing.  The previous handlers come back on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        if before is not None:
            before()
        raise error(signum)

    old: dict[signal.Signals, Any] = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    finally:
        for s, previous in old.items():
            signal.signal(s, previous)
