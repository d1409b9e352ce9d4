"""When a kernel call runs its ``parallel=True`` twin: every parallel threshold, in one place.

Measured on 2 vCPUs shared with other work (bench/kernels.py): when the other core is busy, a
descheduled thread holds up the whole call (fit on 10^6 leads went from 1.4 ms serial to 8 ms
parallel), while on an idle machine two threads save at most half.  So only calls of tens of
milliseconds go parallel: the work (leads, or lead x target pairs) must reach
``PARALLEL_MIN_WORK`` and there must be at least ``PARALLEL_MIN_ROWS`` leads (a parallel
launch costs ~7 µs).  :func:`use_parallel` applies them (the scoring kernels).

The decision-table kernels (:mod:`leanxl.kernels.rules`) use their own threshold,
``RULES_PARALLEL_MIN_ROWS`` leads, because their work per lead differs: one table lookup per
input column and per 64-rule word, with no targets to multiply it (bench/rules.py: 2-2.5x
the fit kernel's time per lead, about 5 µs per 1,000 leads on 10 inputs).  They go parallel
from 20,000 leads, where starting threads stops costing more than it saves; that figure
predates the scoring measurement above and has not been re-measured against it.
"""

from __future__ import annotations

PARALLEL_MIN_WORK = 5_000_000
PARALLEL_MIN_ROWS = 10_000
RULES_PARALLEL_MIN_ROWS = 20_000


def use_parallel(n_rows: int, n_targets: int = 1) -> bool:
    """Whether ``n_rows`` leads against ``n_targets`` targets are worth the parallel kernel."""
    return n_rows >= PARALLEL_MIN_ROWS and n_rows * max(n_targets, 1) >= PARALLEL_MIN_WORK
