"""One numba type per kind of raw input: every array reaches a kernel read-only.

numba compiles a kernel once per argument signature, and the signature holds each array's
dtype, layout and read-only flag (a tuple's, every member's).  Pandas hands out read-only
and writable columns alike, so the raw-input front end (:mod:`leanxl.scoring.raw`) and the
warm-ups pass every array through :func:`read_only`: one compiled version, cached by
``leanxl warmup``, instead of a new compile of seconds on a user's first call.  No numba here:
the numpy path imports this too.
"""

from __future__ import annotations

import numpy as np


def read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` (no copy)."""
    view = array.view()
    view.flags.writeable = False
    return view
