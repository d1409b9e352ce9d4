"""xlwings Lite: every LEANXL function as a native Excel custom function, ``=LEANXL.FIT(...)``.

xlwings Lite runs Python inside Excel (Windows, macOS, Excel on the web) on Pyodide, where
numba does not exist: leanxl then computes with its numpy kernels (:mod:`leanxl.kernels.
backend`), with the same results.  In the Lite task pane, ``requirements.txt`` lists
``leanxl`` and ``main.py`` holds one line::

    from leanxl.excel.lite import *  # noqa: F403

Lite registers the functions it finds in ``main.py``; each carries the namespace ``LEANXL``,
the registry's help for the function and each argument, and spills its results.  Error cells
are real Excel errors (``#N/A``, ``#VALUE!``, ``#NUM!``; Office.js custom-functions runtime
>= 1.4); their reasons go to Lite's log, and ``LEANXL.EXPLAIN`` says why a decision table
decided what it did.  The functions are built by
:func:`leanxl.excel.officejs.officejs_functions`, shared with xlwings Server (:mod:`.server`).

Outside Lite (tests, a desktop), set ``XLWINGS_ON_SERVER=true`` before xlwings is first
imported: xlwings then gives the same Office.js decorators Lite uses.
"""

from __future__ import annotations

import xlwings

from leanxl.excel.officejs import officejs_functions
from leanxl.excel.settings import NAMESPACE

if not getattr(xlwings, "on_server", False):  # pragma: no cover - depends on env
    raise ImportError(
        "leanxl.excel.lite is for xlwings Lite: there xlwings gives the Office.js custom-"
        "function decorators. Elsewhere set XLWINGS_ON_SERVER=true before Python starts "
        "(classic Windows Excel: use leanxl.excel.udfs)"
    )

_FUNCTIONS = officejs_functions(__name__, xlwings.func, xlwings.arg, namespace=NAMESPACE)
__all__ = list(_FUNCTIONS)
globals().update(_FUNCTIONS)
