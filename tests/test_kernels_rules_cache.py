"""The serial and the parallel decision-table kernels keep apart in numba's on-disk cache.

numba keys a cache entry by the function's qualified name, source line and signature, not by
``parallel=``: twins compiled from one function share one entry, and whichever compiles first
serves both.  These tests drive the real entry points (``first_match``, ``match_masks``,
``result_codes``) in fresh interpreters that share a fresh ``NUMBA_CACHE_DIR``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leanxl.kernels.parallel import RULES_PARALLEL_MIN_ROWS

BIG = 65_536  # leads in the parallel run

# Every entry point on int8 and float keys, FIRST (first_match) and list policies
# (match_masks), then result_codes without a ``used`` array (mark_used + remap).
_RUN = textwrap.dedent("""
    import json, sys
    import numpy as np
    import numba
    from leanxl.kernels import rules as kr

    n = int(sys.argv[1])
    keys_i = (np.arange(n) % 5 + 1).astype(np.int8).reshape(1, n)
    keys_f = keys_i.astype(np.float64)
    keys_f[0, ::7] = np.nan
    lut = np.full((1, 256, 1), kr.ALL_ONES, np.uint64)
    bounds, nb = np.array([[2.0]]), np.array([1], np.int64)
    masks = np.full((1, 4, 1), kr.ALL_ONES, np.uint64)
    out = np.empty(n, np.int32)
    words = np.empty((n, 1), np.uint64)
    kr.first_match(keys_i, (lut,), out)
    kr.first_match(keys_f, (bounds, nb, masks), out)
    kr.match_masks(keys_i, (lut,), words)
    kr.match_masks(keys_f, (bounds, nb, masks), words)
    codes = kr.result_codes(out, 1, 2, lambda used: np.zeros((1, 2), np.int8))
    assert (out == 0).all() and (words == kr.ALL_ONES).all() and codes.shape == (1, n)
    try:
        layer = numba.threading_layer()  # set only once parallel code has run
    except ValueError:
        layer = None
    print(json.dumps({"threading_layer": layer}))
""")


def _run(n: int, cache: Path) -> dict[str, object]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    proc = subprocess.run([sys.executable, "-c", _RUN, str(n)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _index_files(cache: Path) -> set[str]:
    return {p.name for p in cache.rglob("*.nbi") if p.name.startswith("rules.")}


def test_parallel_threshold_is_below_the_parallel_run():
    assert RULES_PARALLEL_MIN_ROWS <= BIG


@pytest.mark.slow
def test_serial_and_parallel_kernels_get_their_own_cache_entries(tmp_path: Path):
    cache = tmp_path / "numba"
    serial = _run(3, cache)  # compiles and caches the serial kernels only
    assert serial["threading_layer"] is None
    after_serial = _index_files(cache)
    assert after_serial, "the serial run wrote no cache index"

    parallel = _run(BIG, cache)  # must compile its own kernels, not load the serial ones
    new = _index_files(cache) - after_serial
    assert parallel["threading_layer"] is not None, \
        "the parallel path ran serial code loaded from the serial kernels' cache entry"
    assert sorted(name.split("-")[0] for name in new) == [
        "rules.first_float_parallel", "rules.first_int8_parallel",
        "rules.mark_used_parallel", "rules.masks_float_parallel",
        "rules.masks_int8_parallel", "rules.remap_parallel"]

    again = _run(BIG, cache)  # a third process loads the parallel code from its own entries
    assert again["threading_layer"] is not None
    assert _index_files(cache) - after_serial == new
