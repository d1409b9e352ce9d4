"""Which kernels run: numba's or the numpy fallback, chosen here and nowhere else.

* ``LEANXL_KERNELS=numba`` or ``=numpy`` forces one (tests, benchmarks);
* where numba does not import (Pyodide / xlwings Lite, LibreOffice's own Python): numpy's,
  with the same result bits;
* where it does: numba's, except that a call on fewer than :data:`NUMPY_MAX_ROWS` leads
  runs numpy's as long as numba is not loaded yet.

Why (bench/fallback.py, bench/RESULTS.md): numba's import and first kernel call cost a new
process 0.6-1.9 s, numpy's 0.3-0.6 s; once loaded, numba saves under a millisecond per call
up to about 1,000 leads, more above (5-10x at 10^6 leads).  A host that only ever
scores cells (a workbook opening, a LibreOffice add-in) would need about a thousand calls to
win numba's start-up back, so small calls never pay it; the first large call loads numba,
and from then on every call uses it.  (Decision tables run in plain Python below 256 leads,
:mod:`leanxl.rules.compile`; from there on these kernels.)

numba is imported on the first call that needs it, never on ``import leanxl``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
from types import ModuleType

ENV = "LEANXL_KERNELS"
BACKENDS = ("numba", "numpy")
#: Calls on fewer leads than this use numpy's kernels until numba is loaded.
NUMPY_MAX_ROWS = 1024

_numba_missing = False  # set once an import of numba's kernels failed


def forced() -> str | None:
    """The backend ``LEANXL_KERNELS`` forces, or None (unset or ``auto``)."""
    value = os.environ.get(ENV, "").strip().lower()
    if value in BACKENDS:
        return value
    if value not in ("", "auto"):
        raise ImportError(f"{ENV}={value!r}: use one of numba, numpy, auto")
    return None


def backend_name() -> str:
    """``"numba"`` or ``"numpy"``: the backend calls get (the env var, else what imports)."""
    return forced() or ("numpy" if _numba_missing or not _numba_installed() else "numba")


@functools.cache
def _numba_installed() -> bool:
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # blocked by an import hook, or sys.modules["numba"]=None
        return False


_loaded: dict[tuple[str, str], ModuleType] = {}


def _import(name: str, family: str) -> ModuleType:
    """The kernel module of a backend and family, by plain imports (the layering check reads
    them; a computed module name would hide the edge)."""
    if name == "numba":
        if family == "scoring":
            from leanxl.kernels import scoring as numba_scoring

            return numba_scoring
        if family == "rules_columns":
            from leanxl.kernels import rules_columns

            return rules_columns
        from leanxl.kernels import rules as numba_rules

        return numba_rules
    if family == "scoring":
        from leanxl.kernels import numpy_scoring

        return numpy_scoring
    from leanxl.kernels import numpy_rules

    return numpy_rules


def _load(family: str, name: str | None = None) -> ModuleType:
    global _numba_missing
    name = name or backend_name()
    module = _loaded.get((name, family))
    if module is not None:  # the per-cell path: one dict lookup
        return module
    if name == "numba":
        try:
            module = _loaded[name, family] = _import("numba", family)
            return module
        except ImportError:
            if forced() == "numba":
                raise
            _numba_missing = True  # installed but broken (e.g. llvmlite): use numpy from now
    module = _loaded["numpy", family] = _import("numpy", family)
    return module


def _small(n_rows: int | None) -> bool:
    # A small call before numba is loaded does not pay numba's start-up.
    return (n_rows is not None and n_rows < NUMPY_MAX_ROWS and "numba" not in sys.modules
            and forced() is None)


def scoring_kernels(n_rows: int | None = None) -> ModuleType:
    """The module of scoring kernels for a call on ``n_rows`` leads (None: any size):
    :mod:`leanxl.kernels.scoring` or :mod:`leanxl.kernels.numpy_scoring` (same functions,
    same results)."""
    return _load("scoring", "numpy" if _small(n_rows) else None)


def rules_columns_kernels(n_rows: int | None = None) -> ModuleType:
    """The decision-table kernels on raw columns for ``n_rows`` leads:
    :mod:`leanxl.kernels.rules_columns` or :mod:`leanxl.kernels.numpy_rules`
    (``first_match_columns``, ``match_masks_columns``)."""
    return _load("rules_columns", "numpy" if _small(n_rows) else None)


def rules_kernels(n_rows: int | None = None) -> ModuleType:
    """The module of decision-table kernels for ``n_rows`` leads: :mod:`leanxl.kernels.rules`
    or :mod:`leanxl.kernels.numpy_rules` (same entry points, same results)."""
    return _load("rules", "numpy" if _small(n_rows) else None)
