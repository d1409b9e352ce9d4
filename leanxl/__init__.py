"""leanxl: a rules engine for sales and marketing spreadsheets (the Lean sales method).

The scoring API (``fit``, ``match``, ``best_profile``, ``segment``, ``mix``) is loaded on first
use, so importing leanxl does not import numba.
"""

from __future__ import annotations

from typing import Any

from leanxl.domain import DEFAULT_SCALE_MAX, FACTOR_KEYS, FACTORS
from leanxl.errors import CellError, LeanxlError

__version__ = "0.1.0"

_SCORING = ("fit", "match", "best_profile", "segment", "mix", "factor_matrix")

__all__ = [
    "DEFAULT_SCALE_MAX",
    "FACTORS",
    "FACTOR_KEYS",
    "CellError",
    "LeanxlError",
    *_SCORING,
]


def __getattr__(name: str) -> Any:
    if name in _SCORING:
        from leanxl import scoring

        return getattr(scoring, name)
    if name == "rules":
        import importlib

        return importlib.import_module("leanxl.rules")
    raise AttributeError(f"module 'leanxl' has no attribute {name!r}")
