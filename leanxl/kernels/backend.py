"""Which kernels run: numba's or the numpy fallback, chosen here and nowhere else.

* ``LEANXL_KERNELS=numba`` or ``=numpy`` forces one (tests, benchmarks);
* otherwise numba's kernels run where numba imports, and numpy's where it does not
  (Pyodide / xlwings Lite, LibreOffice's own Python), with the same result bits.

numba is imported on the first call that needs it, never on ``import leanxl``: the import
alone costs ~0.4 s and the first call of a cached kernel ~0.2 s more.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
from types import ModuleType

ENV = "LEANXL_KERNELS"
BACKENDS = ("numba", "numpy")

_numba_missing = False  # set once an import of numba's kernels failed


def backend_name() -> str:
    """``"numba"`` or ``"numpy"``: the backend calls get (the env var, else what imports)."""
    forced = os.environ.get(ENV, "").strip().lower()
    if forced in BACKENDS:
        return forced
    if forced not in ("", "auto"):
        raise ImportError(f"{ENV}={forced!r}: use one of numba, numpy, auto")
    return "numpy" if _numba_missing or not _numba_installed() else "numba"


@functools.cache
def _numba_installed() -> bool:
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # blocked by an import hook, or sys.modules["numba"]=None
        return False


_loaded: dict[tuple[str, str], ModuleType] = {}


def _load(family: str) -> ModuleType:
    global _numba_missing
    name = backend_name()
    module = _loaded.get((name, family))
    if module is not None:  # the per-cell path: one dict lookup
        return module
    if name == "numba":
        try:
            module = _loaded[name, family] = importlib.import_module(f"leanxl.kernels.{family}")
            return module
        except ImportError:
            if os.environ.get(ENV, "").strip().lower() == "numba":
                raise
            _numba_missing = True  # installed but broken (e.g. llvmlite): use numpy from now
    module = _loaded["numpy", family] = importlib.import_module(f"leanxl.kernels.numpy_{family}")
    return module


def scoring_kernels() -> ModuleType:
    """The module of scoring kernels: :mod:`leanxl.kernels.scoring` or
    :mod:`leanxl.kernels.numpy_scoring` (same functions, same results)."""
    return _load("scoring")


def rules_kernels() -> ModuleType:
    """The module of decision-table kernels: :mod:`leanxl.kernels.rules` or
    :mod:`leanxl.kernels.numpy_rules` (same entry points, same results)."""
    return _load("rules")
