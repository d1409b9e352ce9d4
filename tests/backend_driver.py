"""Print every registry case and a set of large Python API calls as canonical JSON.

Run twice (numba's kernels, then numpy's with numba blocked) by tests/test_numpy_backend.py,
which compares the two outputs value by value.  Usage: ``python backend_driver.py [--block]``;
``--block`` makes ``numba`` and ``llvmlite`` unimportable before leanxl is imported.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class _BlockNumba:
    """An import hook that makes numba and llvmlite unimportable (as on Pyodide)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in ("numba", "llvmlite"):
            raise ImportError(f"No module named {name!r} (blocked)")


def canonical(value: Any) -> Any:
    """A JSON value that tells apart every float bit pattern, error and type."""
    import numpy as np

    from leanxl.errors import CellError

    if isinstance(value, CellError):
        return ["error", value.code, value.reason]
    if isinstance(value, np.ndarray):
        return ["array", str(value.dtype), list(value.shape),
                [canonical(v) for v in value.ravel().tolist()]]
    if isinstance(value, dict):
        return ["dict", sorted([repr(k), canonical(v)] for k, v in value.items())]
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, float):
        return ["float", value.hex()]
    if isinstance(value, np.generic):
        return canonical(value.item())
    return [type(value).__name__, repr(value)]


def _grid(rng: random.Random, n: int, width: int = 10) -> list[list[Any]]:
    cells = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, None, "", 6, 0, 2.5, "x", True]
    return [[rng.choice(cells) for _ in range(width)] for _ in range(n)]


def registry_results() -> dict[str, Any]:
    """Every case of the host case table, plus stacked calls of 1, 300 and 700 rows."""
    sys.path.insert(0, str(ROOT / "tests" / "excel"))
    from cases import CASES, COLLECT, HEADERS, OMIT, QUALIFY, W

    from leanxl import functions

    out: dict[str, Any] = {}
    for case in CASES:
        args = [None if a is OMIT else a for a in case.args]
        out[case.id] = canonical(functions.call(case.func, *args))
    rng = random.Random(13)
    profiles = [[rng.randint(1, 5) for _ in range(10)] for _ in range(4)]
    for n in (1, 300, 700):  # 700: past the rules' 256-row switch to the kernels
        leads = _grid(rng, n)
        out[f"fit-{n}"] = canonical(functions.call("FIT", leads, [W]))
        out[f"match-{n}"] = canonical(functions.call("MATCH", leads, profiles))
        out[f"best-{n}"] = canonical(functions.call(
            "BESTPROFILE", leads, profiles, [["a"], ["b"], ["c"], ["d"]]))
        prices = [[rng.choice([1.0, 2.5, 3.0, None, "x", -1])] for _ in range(n)]
        out[f"segment-{n}"] = canonical(functions.call("SEGMENT", prices, prices, 2.5, 3))
        flags = [[rng.choice([True, False, 1, 0, None, "x"])] for _ in range(n)]
        out[f"mix-{n}"] = canonical(functions.call("MIX", flags, flags[::-1], flags))
        inputs = _grid(rng, n, 3)
        out[f"decide-{n}"] = canonical(functions.call("DECIDE", QUALIFY, inputs, HEADERS))
        out[f"collect-{n}"] = canonical(functions.call(
            "DECIDE", COLLECT, [row[:1] for row in inputs], [["buyer_maturity"]]))
        out[f"explain-{n}"] = canonical(functions.call("EXPLAIN", QUALIFY, inputs[:50], HEADERS))
    return out


def api_results() -> dict[str, Any]:
    """The Python API on arrays and frames, large enough for the parallel kernels."""
    import numpy as np
    import pandas as pd

    import leanxl
    from leanxl.kernels import parallel

    parallel.PARALLEL_MIN_WORK = 10_000  # numba's parallel twins run on these sizes too
    rng = np.random.default_rng(13)
    out: dict[str, Any] = {}
    for n in (1, 300, 20_000):
        scores = rng.integers(0, 7, size=(n, 10)).astype(np.float64)
        scores[scores == 0] = np.nan
        scores[rng.random((n, 10)) < 0.01] = 2.5
        weights = rng.uniform(0, 2, size=10)
        profiles = rng.integers(1, 6, size=(5, 10))
        out[f"fit-{n}"] = canonical(leanxl.fit(scores, weights, return_errors=True))
        out[f"fit-int8-{n}"] = canonical(leanxl.fit(np.nan_to_num(scores, nan=1).clip(1, 5)
                                                    .astype(np.int8)))
        out[f"match-{n}"] = canonical(leanxl.match(scores, profiles, return_errors=True))
        out[f"best-{n}"] = canonical(leanxl.best_profile(scores, profiles, list("abcde"),
                                                         weights))
        price = rng.normal(3, 2, n).astype(np.float32)
        out[f"segment-{n}"] = canonical(leanxl.segment(price, price[::-1], 3.1, 2.9))
        out[f"mix-{n}"] = canonical(leanxl.mix(rng.integers(0, 2, n), rng.integers(0, 2, n),
                                               rng.integers(0, 2, n)))
        frame = pd.DataFrame(rng.integers(1, 6, size=(n, 3)).astype(np.int8),
                             columns=["buyer_maturity", "buyer_influence",
                                      "price_sensitivity"])
        table = leanxl.rules.load([
            ["DECISION Qualify", "FIRST"],
            ["IN buyer_maturity", "IN buyer_influence", "IN price_sensitivity", "OUT status"],
            ["<=2", "<=2", "-", "Qualified"], ["[3..4]", "-", "<=3", "Nurture"],
            ["-", "-", "-", "Disqualified"]])
        out[f"rules-int8-{n}"] = canonical(table.evaluate(frame).astype(object).to_numpy())
        floats = frame.astype(np.float64)
        floats.iloc[::7, 0] = np.nan
        out[f"rules-float-{n}"] = canonical(table.evaluate(floats).astype(object).to_numpy())
        collect = leanxl.rules.load([["DECISION C", "COLLECT"], ["IN buyer_maturity", "OUT c"],
                                     ["<=3", "E"], ["<=2", "C"], ["1", "V"]])
        out[f"rules-collect-{n}"] = canonical(collect.evaluate(floats).astype(object)
                                              .to_numpy())
    return out


def main() -> None:
    if "--block" in sys.argv:
        sys.meta_path.insert(0, _BlockNumba())
    result = {"registry": registry_results(), "api": api_results()}
    import leanxl.kernels.backend as backend

    result["backend"] = backend.backend_name()
    result["numba_loaded"] = "numba" in sys.modules
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
