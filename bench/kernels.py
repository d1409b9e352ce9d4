"""Benchmark the scoring kernels (issue 2): fit and match vs numpy and vs memory bandwidth.

    .venv/bin/python bench/kernels.py            # N = 1e5, 1e6, 1e7 (needs ~2 GB of RAM)
    .venv/bin/python bench/kernels.py --quick    # N = 1e5, 1e6 only

Every figure is measured in this run (the machine is shared and noisy): best of a few
repeats.  The memory-read bound is the factor matrix's bytes divided by the read bandwidth
measured just before, with a numba loop that only sums the same int8 data, on one thread
and on all threads (best of both).  "vs r+w" also counts writing the float64 results at the
write bandwidth measured the same way.  "CPU1" is the serial kernel's CPU time on one
thread (``time.thread_time``), compared with the serial read loop's: on a shared machine it
leaves out time spent waiting for a core, so these ratios are the steady ones.  Note: this
CPU's 480 MB L3 holds even the 10^7-lead matrix (100 MB), so "memory" here is largely L3.
Also measured: import + first call with a warm cache in a fresh process, and the one-off
compile time (fresh process, empty ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numba
import numpy as np
from numba import prange

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leanxl import scoring  # noqa: E402
from leanxl.kernels import scoring as kernels  # noqa: E402
from leanxl.kernels.parallel import use_parallel  # noqa: E402
from leanxl.scoring.dispatch import kernel_weights  # noqa: E402

F = 10
P = 10
S = 5


@numba.njit(cache=False, nogil=True)
def _read_serial(data):  # pragma: no cover - jitted
    total = 0
    for i in range(data.shape[0]):
        total += data[i]
    return total


@numba.njit(cache=False, nogil=True, parallel=True)
def _read_parallel(data):  # pragma: no cover - jitted
    total = 0
    for i in prange(data.shape[0]):
        total += data[i]
    return total


@numba.njit(cache=False, nogil=True)
def _write_serial(out):  # pragma: no cover - jitted
    for i in range(out.shape[0]):
        out[i] = 1.0


@numba.njit(cache=False, nogil=True, parallel=True)
def _write_parallel(out):  # pragma: no cover - jitted
    for i in prange(out.shape[0]):
        out[i] = 1.0


def best_of(func: Callable[[], object], repeats: int,
            clock: Callable[[], float] = time.perf_counter) -> float:
    """Fastest of ``repeats`` timed calls (after one untimed call), in seconds."""
    func()
    times = []
    for _ in range(repeats):
        start = clock()
        func()
        times.append(clock() - start)
    return min(times)


def cpu_of(func: Callable[[], object], repeats: int) -> float:
    """Like :func:`best_of` but in this thread's CPU time: for serial code on a shared
    machine it leaves out the time the thread waited for a core, so it is far steadier."""
    return best_of(func, repeats, time.thread_time)


def numpy_fit(matrix: np.ndarray, weights: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
    """Baseline: the fit formula vectorised in numpy over (N, 10) int8 rows, in chunks."""
    out = np.empty(matrix.shape[0])
    for lo in range(0, matrix.shape[0], chunk):
        block = matrix[lo:lo + chunk]
        given = block > 0
        top = ((block - 1) * given) @ weights
        bottom = given @ weights * (S - 1)
        out[lo:lo + chunk] = 100 * (1 - top / bottom)
    return out


def numpy_match(matrix: np.ndarray, profiles: np.ndarray, weights: np.ndarray,
                chunk: int = 1 << 18) -> np.ndarray:
    """Baseline: the match formula vectorised in numpy (N x P x F broadcast), in chunks."""
    out = np.empty((matrix.shape[0], profiles.shape[0]))
    both_target = profiles > 0
    for lo in range(0, matrix.shape[0], chunk):
        block = matrix[lo:lo + chunk].astype(np.int16)
        given = (block > 0)[:, None, :] & both_target[None, :, :]
        diff = np.abs(block[:, None, :] - profiles[None, :, :]) * given
        out[lo:lo + chunk] = 100 * (1 - (diff @ weights) / ((given @ weights) * (S - 1)))
    return out


def startup_times(repeats: int = 3) -> tuple[float, float]:
    """Import leanxl + first fit call in a fresh process (warm cache): (in-process, wall)."""
    code = (
        "import time; t = time.perf_counter(); import leanxl; "
        "leanxl.fit([[1] * 10]); print(time.perf_counter() - t)"
    )
    subprocess.run([sys.executable, "-m", "leanxl", "warmup"], cwd=ROOT, check=True,
                   capture_output=True)
    inside, wall = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                              capture_output=True, text=True)
        wall.append(time.perf_counter() - start)
        inside.append(float(proc.stdout.strip()))
    return min(inside), min(wall)


def compile_time() -> tuple[float, float]:
    """One-off compile in a fresh process with an empty ``NUMBA_CACHE_DIR``: this module's
    scoring kernels alone, then everything ``leanxl warmup`` compiles (all kernel modules)."""
    code = ("import time; t = time.perf_counter(); from leanxl.kernels import scoring; "
            "scoring.warm(); t1 = time.perf_counter(); "
            "from leanxl.kernels.warmup import warmup; warmup(); "
            "print(t1 - t, time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True)
    scoring_s, total_s = (float(x) for x in proc.stdout.split())
    return scoring_s, total_s


def bench_size(n: int, rng: np.random.Generator, weights: np.ndarray, profiles: np.ndarray,
               repeats: int) -> tuple[float, ...]:
    """Time fit and match at N leads; print a row each; return (fit, match, bound) seconds
    (wall) and (fit, match, read) seconds of one thread's CPU time."""
    threads = numba.get_num_threads()
    # Leads as the API keeps them: (N, 10) int8 view of a factor-major (10, N) array, with
    # about 2 % blanks like a real CRM export.  Kernels read it as uint8.
    codes = rng.integers(1, S + 1, size=(F, n), dtype=np.int8)
    codes[rng.random((F, n)) < 0.02] = 0
    view = codes.view(np.uint8)
    targets = np.ascontiguousarray(profiles).view(np.uint8)
    matrix = codes.T
    row_major = np.ascontiguousarray(matrix)
    flat = view.reshape(-1)
    read1 = best_of(partial(_read_serial, flat), repeats)
    read_cpu = cpu_of(partial(_read_serial, flat), repeats)
    read2 = best_of(partial(_read_parallel, flat), repeats)
    bound = min(read1, read2)
    gbps = flat.nbytes / bound / 1e9
    # Fit also writes 8 bytes per lead (match 8 per lead and profile): time writing them too.
    fit_out = np.empty(n)
    write = min(best_of(partial(_write_serial, fit_out), repeats),
                best_of(partial(_write_parallel, fit_out), repeats))
    parallel = use_parallel(n)  # what the API would pick
    parallel_match = use_parallel(n, P)
    chunks = 4 * threads
    match_out = np.empty((P, n))
    rows = []
    timings = {}
    # Default weights (None: all 1, summed exactly as uint16) and fractional weights (float64).
    for label, api_weights in (("", None), (" w.f64", weights)):
        kw = kernel_weights(np.ones(F) if api_weights is None else api_weights, S)
        t_fit_serial = best_of(partial(kernels.fit_serial, view, kw, S, fit_out), repeats)
        cpu_fit = cpu_of(partial(kernels.fit_serial, view, kw, S, fit_out), repeats)
        t_fit = best_of(partial(kernels.fit_parallel, view, kw, S, fit_out, chunks),
                        repeats) if parallel else t_fit_serial
        t_fit_api = best_of(partial(scoring.fit, matrix, api_weights), repeats)
        np_weights = np.ones(F) if api_weights is None else api_weights
        t_fit_numpy = best_of(partial(numpy_fit, row_major, np_weights), max(1, repeats // 2))
        np.testing.assert_allclose(scoring.fit(matrix, api_weights),
                                   numpy_fit(row_major, np_weights), rtol=1e-12)

        t_match_serial = best_of(
            partial(kernels.match_serial, view, targets, kw, S, match_out), repeats)
        cpu_match = cpu_of(partial(kernels.match_serial, view, targets, kw, S, match_out),
                           repeats)
        t_match = best_of(partial(kernels.match_parallel, view, targets, kw, S, match_out,
                                  chunks), repeats) if parallel_match else t_match_serial
        t_match_api = best_of(partial(scoring.match, matrix, profiles, api_weights), repeats)
        t_match_numpy = best_of(partial(numpy_match, row_major, profiles, np_weights), 1)
        np.testing.assert_allclose(scoring.match(matrix, profiles, api_weights),
                                   numpy_match(row_major, profiles, np_weights), rtol=1e-12)
        rows.append(("fit" + label, t_fit, t_fit_api, t_fit_numpy, t_fit_serial, bound + write,
                     cpu_fit))
        rows.append(("match" + label, t_match, t_match_api, t_match_numpy, t_match_serial,
                     bound + P * write, cpu_match))
        timings[label] = (t_fit, t_match, cpu_fit, cpu_match)

    for name, kernel_t, api_t, numpy_t, serial_t, out_bound, cpu_t in rows:
        print(f"{n:>9.0e} {name:<12} {kernel_t * 1e3:>10.2f} {numpy_t * 1e3:>9.2f} "
              f"{bound * 1e3:>9.2f} {numpy_t / kernel_t:>8.1f}x {kernel_t / bound:>8.2f}x"
              f" {kernel_t / out_bound:>8.2f}x {cpu_t * 1e3:>9.2f} {cpu_t / read_cpu:>8.2f}x"
              f"   (serial {serial_t * 1e3:.2f} ms, API {api_t * 1e3:.2f} ms)")
    t_fit, t_match, cpu_fit, cpu_match = timings[""]
    print(f"{'':>9} read bandwidth {gbps:.1f} GB/s (1 thread {flat.nbytes / read1 / 1e9:.1f}, "
          f"{threads} threads {flat.nbytes / read2 / 1e9:.1f}); write {n * 8 / write / 1e9:.1f} "
          f"GB/s; 1-thread read CPU {read_cpu * 1e3:.2f} ms; match / fit = "
          f"{t_match / t_fit:.2f}x (CPU, serial: {cpu_match / cpu_fit:.2f}x); fit "
          f"{'parallel' if parallel else 'serial'}, match "
          f"{'parallel' if parallel_match else 'serial'}")
    return t_fit, t_match, bound, cpu_fit, cpu_match, read_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip N = 1e7")
    parser.add_argument("--startup-only", action="store_true",
                        help="only the start-up and compile times")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sizes = [10**5, 10**6] if args.quick else [10**5, 10**6, 10**7]
    if args.startup_only:
        sizes = []
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.5, 2.0, size=F)
    profiles = rng.integers(1, S + 1, size=(P, F)).astype(np.int8)
    print(f"numba {numba.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"{numba.get_num_threads()} numba threads; best of {args.repeats}; shared machine")
    print()
    header = (f"{'N':>9} {'kernel':<12} {'leanxl ms':>10} {'numpy ms':>9} {'bound ms':>9} "
              f"{'vs numpy':>9} {'vs bound':>9} {'vs r+w':>9} {'CPU1 ms':>9} {'vs read1':>9}")
    print(header)
    results = {n: bench_size(n, rng, weights, profiles, args.repeats) for n in sizes}
    print()
    inside, wall = startup_times()
    print(f"import leanxl + first fit call, warm cache, fresh process: {inside:.3f} s "
          f"(whole process {wall:.3f} s; target <= 0.6 s)")
    scoring_s, total_s = compile_time()
    print(f"one-off compile (empty NUMBA_CACHE_DIR): scoring kernels {scoring_s:.2f} s; "
          f"all of leanxl warmup {total_s:.2f} s")
    if 10**7 in results:
        fit_t, match_t, bound, cpu_fit, cpu_match, read_cpu = results[10**7]
        print(f"targets at N = 1e7: fit / bound = {fit_t / bound:.2f}x wall, "
              f"{cpu_fit / read_cpu:.2f}x one-thread CPU (target <= 2); match / fit = "
              f"{match_t / fit_t:.2f}x wall, {cpu_match / cpu_fit:.2f}x CPU (target <= 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
