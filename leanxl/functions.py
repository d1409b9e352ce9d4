"""THE registry of spreadsheet functions: one typed Python callable per ``LEANXL_*`` name.

Every host (xlwings classic UDFs, xlwings Server, headless recalc, the template writer) calls
these, so every host behaves the same.  Functions take raw cell values — a range is a 2-D list
of rows holding ``float``/``int``, ``str``, ``bool`` or ``None`` (blank); a single cell may
also come as a scalar — and do their own conversion.  They return a 2-D list of rows: one row
per input row (a spilled column, or a spilled block for list results).  A bad row holds a
:class:`~leanxl.errors.CellError` instead of a value; functions never raise for bad *values*.

Parameters marked ``rowwise`` carry one lead per row: a host may stack the rows of many cells
that share a formula shape into one call and split the result again (what ``recalc`` does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Cell = float | int | str | bool | None
Rows = list[list[Any]]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    help: str
    rowwise: bool = False
    optional: bool = False


@dataclass(frozen=True, slots=True)
class SheetFunction:
    """One spreadsheet function: ``LEANXL_<name>`` in Excel, ``LEANXL.<name>`` in Office.js."""

    name: str
    impl: Callable[..., Rows]
    params: tuple[Param, ...]
    help: str

    @property
    def excel_name(self) -> str:
        return f"LEANXL_{self.name}"


REGISTRY: dict[str, SheetFunction] = {}


def register(name: str, help: str, *params: Param) -> Callable[[Callable[..., Rows]], Callable[..., Rows]]:
    """Add a function to the registry under ``name`` (without the ``LEANXL_`` prefix)."""

    def wrap(impl: Callable[..., Rows]) -> Callable[..., Rows]:
        REGISTRY[name] = SheetFunction(name=name, impl=impl, params=tuple(params), help=help)
        return impl

    return wrap


def call(name: str, *args: Any) -> Rows:
    """Call a registry function by ``FIT``, ``LEANXL_FIT`` or ``LEANXL.FIT`` (any case)."""
    key = name.upper().removeprefix("LEANXL_").removeprefix("LEANXL.")
    return REGISTRY[key].impl(*args)
