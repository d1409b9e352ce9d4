"""What the numpy fallback costs against the numba kernels, and what numba's start-up costs.

Two measurements, both backends in the same run (``LEANXL_KERNELS`` forces one):

* **steady state** — the median time of one call once everything is loaded, for FIT, MATCH
  (10 profiles), BESTPROFILE (10 profiles) and DECIDE (the 5-rule FIRST qualify table):
  at 1, 300, 1,000 and 3,000 rows through the registry as a cell calls it (2-D lists; the
  last two bracket the backend's switch, ``NUMPY_MAX_ROWS``), at 10^6 rows through the
  Python API on an int8 frame / array (lists of 10^6 rows would time the lists);
* **fresh process** — ``import leanxl`` plus the first call of that function, in a new
  interpreter (numba's on-disk cache warm: ``leanxl warmup`` ran first), the way an xlwings
  or LibreOffice host starting up pays it.

Ratios are numpy / numba: above 1 numpy is slower.  Run: ``python bench/fallback.py``
(about 2 minutes; ``--quick`` skips 10^6 rows).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import timeit
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("numba", "numpy")
FUNCS = ("FIT", "MATCH", "BESTPROFILE", "DECIDE")

# Shared by the parent (steady state) and the fresh-process child (first call).
SETUP = r"""
import random
rng = random.Random(1)
QUALIFY = [["DECISION Qualify", "FIRST", None, None],
           ["IN buyer_maturity", "IN buyer_influence", "IN price_sensitivity", "OUT status"],
           ["<=2", "<=2", "-", "Qualified"], ["[3..4]", "-", "<=3", "Nurture"],
           ["-", "-", "-", "Disqualified"]]
HEADERS = [["buyer_maturity", "buyer_influence", "price_sensitivity"]]
PROFILES = [[rng.randint(1, 5) for _ in range(10)] for _ in range(10)]
NAMES = [[f"p{i}"] for i in range(10)]
def rows(n, width=10):
    return [[rng.randint(1, 5) for _ in range(width)] for _ in range(n)]
def cell_call(name, n):
    from leanxl import functions
    if name == "FIT":
        leads = rows(n); return lambda: functions.call("FIT", leads)
    if name == "MATCH":
        leads = rows(n); return lambda: functions.call("MATCH", leads, PROFILES)
    if name == "BESTPROFILE":
        leads = rows(n); return lambda: functions.call("BESTPROFILE", leads, PROFILES, NAMES)
    inputs = rows(n, 3); return lambda: functions.call("DECIDE", QUALIFY, inputs, HEADERS)
"""

CHILD = SETUP + r"""
import sys, time
name, n = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
import leanxl, leanxl.functions
call = cell_call(name, n)
call()
print(time.perf_counter() - start, "numba" in sys.modules)
"""


def fresh_process_s(backend: str, name: str, n: int, repeat: int) -> float:
    """Median seconds of import + first call in a new interpreter."""
    env = dict(os.environ, LEANXL_KERNELS=backend, PYTHONPATH=str(ROOT))
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", CHILD, name, str(n)], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        if backend != "auto":  # auto: numba only from NUMPY_MAX_ROWS rows (kernels.backend)
            assert out[1] == str(backend == "numba" and (name != "DECIDE" or n >= 256)), out
        times.append(float(out[0]))
    return statistics.median(times)


def per_call_s(fn: Any, budget: float = 0.3) -> float:
    fn()
    fn()  # loads / compiles outside the timing
    once = min(timeit.repeat(fn, number=1, repeat=3))
    number = max(1, int(budget / 5 / max(once, 1e-7)))
    return statistics.median(timeit.repeat(fn, number=number, repeat=5)) / number


def api_call(name: str, n: int) -> Any:
    import numpy as np
    import pandas as pd

    import leanxl

    rng = np.random.default_rng(1)
    leads = rng.integers(1, 6, size=(n, 10)).astype(np.int8)
    profiles = rng.integers(1, 6, size=(10, 10))
    if name == "FIT":
        return lambda: leanxl.fit(leads)
    if name == "MATCH":
        return lambda: leanxl.match(leads, profiles)
    if name == "BESTPROFILE":
        names = [f"p{i}" for i in range(10)]
        return lambda: leanxl.best_profile(leads, profiles, names)
    frame = pd.DataFrame(leads[:, :3], columns=["buyer_maturity", "buyer_influence",
                                                "price_sensitivity"])
    table = leanxl.rules.load(json.loads(json.dumps(_qualify())))
    return lambda: table.evaluate(frame)


def _qualify() -> list[list[Any]]:
    scope: dict[str, Any] = {}
    exec(SETUP, scope)  # noqa: S102 - the shared fixture text above
    return scope["QUALIFY"]


def steady(sizes: list[int]) -> dict[tuple[str, int], dict[str, float]]:
    scope: dict[str, Any] = {}
    exec(SETUP, scope)  # noqa: S102
    result: dict[tuple[str, int], dict[str, float]] = {}
    for name in FUNCS:
        for n in sizes:
            for backend in BACKENDS:
                os.environ["LEANXL_KERNELS"] = backend
                fn = scope["cell_call"](name, n) if n < 10_000 else api_call(name, n)
                result.setdefault((name, n), {})[backend] = per_call_s(fn)
    os.environ.pop("LEANXL_KERNELS")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 10^6 rows")
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per figure")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from leanxl.kernels.backend import NUMPY_MAX_ROWS

    subprocess.run([sys.executable, "-m", "leanxl", "warmup"], check=True, capture_output=True,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)))
    sizes = [1, 300, 1_000, 3_000] + ([] if args.quick else [1_000_000])
    print("steady state, one call (numba's kernels loaded):")
    print(f"{'function':<12}{'rows':>9}{'numba':>12}{'numpy':>12}{'numpy/numba':>13}")
    for (name, n), t in steady(sizes).items():
        print(f"{name:<12}{n:>9,}{t['numba'] * 1e6:>10.1f}us{t['numpy'] * 1e6:>10.1f}us"
              f"{t['numpy'] / t['numba']:>12.2f}x")
    print("\nfresh process: import leanxl + first cell call (numba cache warm); auto = the")
    print(f"default choice (numpy below {NUMPY_MAX_ROWS:,} rows until numba is loaded):")
    print(f"{'function':<12}{'rows':>9}{'numba':>12}{'numpy':>12}{'numpy/numba':>13}"
          f"{'auto':>10}")
    for name in FUNCS:
        for n in (1, 300):
            t = {b: fresh_process_s(b, name, n, args.repeat) for b in (*BACKENDS, "auto")}
            print(f"{name:<12}{n:>9,}{t['numba'] * 1e3:>10.0f}ms{t['numpy'] * 1e3:>10.0f}ms"
                  f"{t['numpy'] / t['numba']:>12.2f}x{t['auto'] * 1e3:>8.0f}ms")


if __name__ == "__main__":
    main()
