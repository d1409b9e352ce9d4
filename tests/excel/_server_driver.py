"""Run every case through xlwings' own ``custom_functions_call`` (in a subprocess).

Usage: ``XLWINGS_ON_SERVER=true XLWINGS_LICENSE_KEY=noncommercial python _server_driver.py OUT
[MODULE] [--block-numba]`` (both variables must be set before xlwings is first imported).
MODULE is ``leanxl.excel.server`` (default) or ``leanxl.excel.lite``; ``--block-numba``
makes numba and llvmlite unimportable first, as on Pyodide.  Writes ``{"meta": ...,
"results": {case id: result}, "numba_loaded": bool}`` as JSON; cases whose leanxl module is
not merged yet are left out.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

if "--block-numba" in sys.argv:
    from backend_driver import _BlockNumba

    sys.meta_path.insert(0, _BlockNumba())

import xlwings  # noqa: E402
import xlwings.server  # noqa: E402
from cases import CASES, OMIT, merged  # noqa: E402

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
module = importlib.import_module(ARGS[1] if len(ARGS) > 1 else "leanxl.excel.server")


def officejs_arg(value: Any) -> Any:
    """What the Office.js add-in sends: every argument a matrix, blanks as "", omitted null."""
    if value is OMIT:
        return None
    if isinstance(value, list):
        return [["" if c is None else c for c in row] for row in value]
    return [["" if value is None else value]]


async def main(out: str) -> None:
    results = {}
    for case in CASES:
        if not merged(case.needs):
            continue
        payload = {
            "func_name": case.func,
            "args": [officejs_arg(a) for a in case.args],
            "caller_address": "Sheet1!B2",
            "version": xlwings.__version__,
            "client": "Office.js",
            "runtime": "1.4",
        }
        results[case.id] = await xlwings.server.custom_functions_call(payload, module)
    meta = xlwings.server.custom_functions_meta(module)
    Path(out).write_text(json.dumps({"meta": meta, "results": results,
                                     "numba_loaded": "numba" in sys.modules}), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main(ARGS[0]))
