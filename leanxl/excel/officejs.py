"""The registry as Office.js custom functions: what xlwings Server and xlwings Lite share.

Both hosts run the same xlwings custom-functions machinery (``func`` / ``arg`` from
``xlwings.server``, called through ``custom_functions_call``), so one builder serves both;
they differ only in where the decorators come from and where the ``LEANXL`` namespace is
set (Server: the add-in manifest; Lite: each function's ``namespace``).

Every function gets the registry's help as its description and each argument's help
(Excel's limit: 255 characters); every argument is read as a 2-D matrix; results are 2-D
lists, which xlwings declares as ``matrix`` results, so Excel spills them.  Error cells come
back as the bare codes ``#N/A``, ``#VALUE!``, ``#NUM!``, which xlwings turns into real Excel
errors (``ISERROR``/``IFNA`` work); their reasons go to the log, since a real error cell
cannot carry text (``LEANXL.EXPLAIN`` tells why a decision table gave what it gave).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leanxl.excel.convert import build, officejs_cell
from leanxl.functions import REGISTRY


def officejs_functions(module: str, func: Callable[..., Any], arg: Callable[..., Any],
                       **func_options: Any) -> dict[str, Callable[..., Any]]:
    """Every registry function as an Office.js custom function named ``FIT``, ``MATCH``...

    Parameters
    ----------
    module:
        The module that publishes them (``__name__`` of the caller; xlwings looks them up).
    func, arg:
        xlwings' Office.js decorators (``xlwings.server.func`` / ``arg``).
    **func_options:
        Passed to ``func`` for each function, e.g. ``namespace="LEANXL"``.
    """
    return {
        fn.name: build(fn, fn.name, module, officejs_cell, func, arg, log_errors=True,
                       **func_options)
        for fn in REGISTRY.values()
    }
