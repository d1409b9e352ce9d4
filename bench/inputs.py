"""Benchmark fit (match, best_match, decide) on the inputs users pass (issue 12): each against
reading its bytes once.

    .venv/bin/python bench/inputs.py            # N = 1e7 leads (needs ~3 GB of RAM)
    .venv/bin/python bench/inputs.py --n 1000000 --function match

For each input kind, built one at a time: ``leanxl.fit`` (or ``--function match`` /
``best_match`` against three profiles, ``decide``: a 20-rule FIRST table; best of a few
calls) and the time to read the input's bytes once (a numba loop summing them as 64-bit
words, serial and on all threads, best of both), measured in this run, and their ratio
(target: <= 2x); then the same ratio in serial CPU time (one thread each), steadier when other
jobs share the machine.  numpy's own ``(X - 1) @ w`` on the float64 array is printed for
scale, and so is the path before issue 12 (encode into int8 codes, then the int8 kernel:
"before").  Also: import + first call with a
warm cache in a fresh process (``leanxl.fit`` and a one-cell registry call).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd
from numba import prange

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import leanxl  # noqa: E402
import leanxl.scoring  # noqa: E402
from leanxl.domain import FACTOR_KEYS  # noqa: E402
from leanxl.kernels import scoring as kernels  # noqa: E402
from leanxl.kernels.parallel import use_parallel  # noqa: E402
from leanxl.rules import load  # noqa: E402
from leanxl.scoring.inputs import factor_codes  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from rules import make_cells  # noqa: E402

F = 10


@numba.njit(cache=False, nogil=True)
def _read_serial(words):  # pragma: no cover - jitted
    total = np.uint64(0)
    for i in range(words.shape[0]):
        total += words[i]
    return total


@numba.njit(cache=False, nogil=True, parallel=True)
def _read_parallel(words):  # pragma: no cover - jitted
    total = np.uint64(0)
    for i in prange(words.shape[0]):
        total += words[i]
    return total


def best_of(func: Callable[[], object], repeats: int) -> float:
    """Fastest of ``repeats`` timed calls (after one untimed call), in seconds."""
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def serial_cpu(func: Callable[[], object], repeats: int) -> float:
    """Fewest CPU seconds of ``repeats`` calls on one numba thread: on a shared machine, less
    sensitive to other jobs than wall time (a descheduled thread stalls a parallel call)."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        func()
        times = []
        for _ in range(repeats):
            start = time.process_time()
            func()
            times.append(time.process_time() - start)
        return min(times)
    finally:
        numba.set_num_threads(threads)


def _buffers(data: Any) -> list[np.ndarray]:
    """The input's memory as flat arrays of 64-bit words (a frame: each column's values and
    NA mask)."""
    if isinstance(data, pd.DataFrame):
        arrays = []
        for label in data.columns:
            array = data[label].array
            arrays += [getattr(array, "_data", None), getattr(array, "_mask", None)]
            if arrays[-2] is None:
                arrays[-2:] = [data[label].to_numpy()]
    else:
        arrays = [data]
    words = []
    for a in arrays:
        if a is None:
            continue
        flat = a.ravel(order="K")
        assert np.shares_memory(flat, a)
        flat = flat.view(np.uint8)
        n = flat.shape[0] // 8 * 8
        words.append(flat[:n].view(np.uint64))
    return words


TABLE = load(make_cells("FIRST"))
PROFILES = np.array([[1, 2, 3, 4, 5, 1, 2, 3, 4, 5], [2] * F, [5, 4, 3, 2, 1] * 2], np.int8)


def _leads(data: Any) -> Any:
    """A decision table's input: a frame as is, an array as a dict of its column views."""
    if isinstance(data, np.ndarray):
        return {k: data[:, f] for f, k in enumerate(FACTOR_KEYS)}
    return data


def run(function: str, data: Any) -> object:
    """The scoring API call under test (decide: the 20-rule FIRST table of bench/rules.py)."""
    if function == "decide":
        return TABLE.evaluate(_leads(data))
    if function == "fit":
        return leanxl.fit(data)
    if function == "match":
        return leanxl.scoring.match(data, PROFILES)
    return leanxl.scoring.best_match(data, PROFILES)


def encode_first(function: str, data: Any) -> object:
    """The path before issue 12: encode into int8 codes (a full copy), then the int8 kernel."""
    if function == "decide":  # the key matrix (int8 or float64) built first, as before
        compiled = TABLE.compiled
        compiled._decide_raw = lambda *args: None  # type: ignore[method-assign]
        try:
            return TABLE.evaluate(_leads(data))
        finally:
            del compiled._decide_raw
    codes, _ = factor_codes(data, 5, where="factors", storage_int8=True)
    n = codes.shape[1]
    weights = np.ones(F, dtype=np.uint16)
    view, targets = codes.view(np.uint8), PROFILES.view(np.uint8)
    if function == "fit":
        out = np.empty(n)
        if use_parallel(n):
            return kernels.fit_parallel(view, weights, 5, out, kernels.chunks())
        return kernels.fit_serial(view, weights, 5, out)
    if function == "match":
        match = np.empty((len(targets), n))
        if use_parallel(n, len(targets)):
            return kernels.match_parallel(view, targets, weights, 5, match, kernels.chunks())
        return kernels.match_serial(view, targets, weights, 5, match)
    best, score = np.empty(n, np.int64), np.empty(n)
    if use_parallel(n, len(targets)):
        return kernels.best_parallel(view, targets, weights, 5, best, score, kernels.chunks())
    return kernels.best_serial(view, targets, weights, 5, best, score)


def read_time(data: Any, repeats: int) -> float:
    """Time to read the input's bytes once: serial or parallel, whichever is faster."""
    words = _buffers(data)
    serial = best_of(lambda: [_read_serial(w) for w in words], repeats)
    parallel = best_of(lambda: [_read_parallel(w) for w in words], repeats)
    return min(serial, parallel)


def inputs(n: int, rng: np.random.Generator) -> Iterator[tuple[str, Any]]:
    """(name, input) pairs, built one at a time so only one lives at once."""
    scores = rng.integers(1, 6, size=(n, F), dtype=np.int8)
    yield "int8 storage N x 10", np.asfortranarray(scores)
    yield "int64 frame (CSV)", pd.DataFrame(scores.astype(np.int64), columns=list(FACTOR_KEYS))
    blanks = scores.astype(np.float64)
    blanks[rng.random((n, F)) < 0.05] = np.nan
    yield "float64 frame with NaN", pd.DataFrame(blanks, columns=list(FACTOR_KEYS))
    yield "float64 array row-major", blanks
    yield "float64 array column-major", np.asfortranarray(blanks)
    del blanks
    yield "int32 array row-major", scores.astype(np.int32)
    nullable = pd.DataFrame({k: pd.array(scores[:, f], dtype="Int64")
                             for f, k in enumerate(FACTOR_KEYS)})
    for k in FACTOR_KEYS:
        nullable.loc[rng.random(n) < 0.05, k] = pd.NA
    yield "nullable Int64 frame", nullable


def startup(repeats: int = 5) -> dict[str, float]:
    """Import + first call with a warm cache, in a fresh process: best wall time."""
    calls = {
        "leanxl.fit([[1]*10])": "import leanxl; leanxl.fit([[1] * 10])",
        "functions.call('LEANXL_FIT', one cell)":
            "import leanxl.functions; leanxl.functions.call('LEANXL_FIT', [[1] * 10])",
    }
    subprocess.run([sys.executable, "-m", "leanxl", "warmup"], cwd=ROOT, check=True,
                   capture_output=True)
    result = {}
    for name, code in calls.items():
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
            times.append(time.perf_counter() - start)
        result[name] = min(times)
    baseline = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], cwd=ROOT, check=True)
        baseline.append(time.perf_counter() - start)
    result["python -c 'import numpy' (floor)"] = min(baseline)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--function", default="fit",
                        choices=["fit", "match", "best_match", "decide"])
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timing")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"loadavg: {Path('/proc/loadavg').read_text().split()[:3]}  threads: "
          f"{numba.get_num_threads()}  N = {args.n:,}")
    print(f"function: {args.function}")
    print(f"{'input':30} {'call ms':>9} {'read ms':>9} {'ratio':>7} {'before ms':>10} "
          f"{'ratio':>7} {'CPU ratio':>10}")
    for name, data in inputs(args.n, rng):
        run(args.function, data[:1000] if isinstance(data, np.ndarray) else data.iloc[:1000])
        fit = best_of(lambda d=data: run(args.function, d), args.repeats)
        read = read_time(data, args.repeats)
        before = best_of(lambda d=data: encode_first(args.function, d), args.repeats)
        # Serial CPU time of the call against one thread reading the bytes.
        words = _buffers(data)
        cpu = serial_cpu(lambda d=data: run(args.function, d), args.repeats) / serial_cpu(
            lambda words=words: [_read_serial(w) for w in words], args.repeats)
        print(f"{name:30} {fit * 1e3:9.1f} {read * 1e3:9.1f} {fit / read:6.2f}x "
              f"{before * 1e3:10.1f} {before / read:6.2f}x {cpu:9.2f}x")
        if name == "float64 array row-major" and args.function == "fit":
            w = np.ones(F)
            ref = best_of(lambda d=data, w=w: (d - 1) @ w, args.repeats)
            print(f"{'  numpy (X - 1) @ w on it':30} {ref * 1e3:9.1f} {read * 1e3:9.1f} "
                  f"{ref / read:6.2f}x")
        del data
    if args.no_startup:
        return
    for name, seconds in startup().items():
        print(f"start-up, warm cache, fresh process: {name:42} {seconds:.3f} s")


if __name__ == "__main__":
    main()
