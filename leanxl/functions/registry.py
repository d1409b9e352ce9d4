"""THE registry: one :class:`SheetFunction` per ``LEANXL_*`` name, and :func:`call`.

The function families (:mod:`~leanxl.functions.scoring`, :mod:`~leanxl.functions.decisions`,
:mod:`~leanxl.functions.kpis`) add themselves with :func:`register` when imported; importing
:mod:`leanxl.functions` imports them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from leanxl.errors import ArgumentError

Cell = float | int | str | bool | None


Rows = list[list[Any]]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a sheet function, as Excel shows it.

    ``rowwise`` parameters hold one lead per row (see the module docstring); ``optional``
    ones may be omitted or blank, and then take ``default``.
    """

    name: str
    help: str
    rowwise: bool = False
    optional: bool = False
    default: Any = None


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


#: Every registered function by name without prefix (``"FIT"``).  ``REGISTRY`` is the same
#: dict under the name the hosts have always used.
FUNCTIONS: dict[str, SheetFunction] = {}
REGISTRY = FUNCTIONS


def register(
    name: str, help: str, *params: Param
) -> Callable[[Callable[..., Rows]], Callable[..., Rows]]:
    """Add a function to the registry under ``name`` (without the ``LEANXL_`` prefix).

    Parameters
    ----------
    name:
        Upper-case name without prefix, e.g. ``"FIT"``.
    help:
        The description Excel shows (at most 255 characters).
    *params:
        One :class:`Param` per positional parameter of the implementation, in order.
    """
    if len(help) > 255:
        raise ValueError(f"help of {name} is longer than Excel's 255 characters")

    def wrap(impl: Callable[..., Rows]) -> Callable[..., Rows]:
        REGISTRY[name] = SheetFunction(name=name, impl=impl, params=tuple(params), help=help)
        return impl

    return wrap


def call(name: str, *args: Any) -> Rows:
    """Call a registry function by ``FIT``, ``LEANXL_FIT`` or ``LEANXL.FIT`` (any case)."""
    key = name.upper().removeprefix("LEANXL_").removeprefix("LEANXL.")
    fn = REGISTRY.get(key)
    if fn is None:
        import difflib

        close = difflib.get_close_matches(key, list(REGISTRY), n=1)
        raise ArgumentError(f"no spreadsheet function {name!r}", where=name,
                            suggestion=f"did you mean LEANXL_{close[0]}?" if close else
                            f"known: {', '.join(sorted(REGISTRY))}")
    return fn.impl(*args)
