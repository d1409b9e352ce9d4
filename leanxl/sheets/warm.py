"""Compile the kernels with the argument types a real refresh gives them (``leanxl warmup``).

numba compiles one version of a kernel per argument signature, and the signature holds each
array's dtype, layout and read-only flag and the length of a tuple of columns.
``leanxl.kernels.warmup`` calls every kernel on small arrays of its own; a refresh from a CSV
passes read-only frame columns and a tuple as long as the decision table's inputs, which are
other signatures (measured: a 20,000-lead refresh right after the kernel warm-up alone still
compiled for ≈ 8 s).  So the warm-up also refreshes a throw-away book from the packaged
sample, once below and once above the rules kernels' parallel threshold.
"""

from __future__ import annotations

import csv
import logging
import tempfile
from pathlib import Path

from leanxl.data import sample_path
from leanxl.kernels.parallel import RULES_PARALLEL_MIN_ROWS
from leanxl.sheets.new_book import new_book
from leanxl.sheets.refresh import refresh


def warm_refresh() -> int:
    """Refresh a temporary book from the sample leads, small and large; return the leads run."""
    # The throw-away CSVs' "UTF-8, ',' separated" lines would say nothing to the user.
    sources_log = logging.getLogger("leanxl.sources")
    level = sources_log.level
    sources_log.setLevel(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="leanxl-warmup-") as tmp:
            return _refresh_twice(Path(tmp))
    finally:
        sources_log.setLevel(level)


def _refresh_twice(folder: Path) -> int:
    """The sample refreshed in ``folder``: as shipped, then repeated past the threshold."""
    book = new_book(folder / "warmup.xlsx")
    many = _repeat_leads(sample_path("leads.csv"), folder / "leads.csv",
                         RULES_PARALLEL_MIN_ROWS)
    return sum(refresh(book, str(leads), out=folder / "out.xlsx", progress=False).leads
               for leads in (sample_path("leads.csv"), many))


def _repeat_leads(sample: Path, out: Path, n: int) -> Path:
    """The sample's rows repeated to ``n`` leads, each with an id of its own."""
    with sample.open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    key = header.index("lead_id")
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for i in range(n):
            row = list(rows[i % len(rows)])
            row[key] = f"W{i + 1:07d}"
            writer.writerow(row)
    return out
