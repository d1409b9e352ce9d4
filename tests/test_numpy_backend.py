"""The numpy fallback gives numba's results bit for bit, and leanxl runs without numba.

* kernel by kernel, numba's and numpy's outputs on the same random inputs are compared as
  bytes (NaN included);
* the whole host case table, stacked calls of 1-700 rows and the Python API up to the
  parallel kernels' sizes run in two processes, numba's kernels and numba blocked
  (tests/backend_driver.py), and the outputs are compared value by value, errors included;
* the kernel and reference tests run again with numba blocked;
* importing leanxl starts no thread, no process and no compiler.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from leanxl.kernels import numpy_rules as npr
from leanxl.kernels import numpy_scoring as nps

ROOT = Path(__file__).resolve().parent.parent
F = 10

numba_scoring = pytest.importorskip("leanxl.kernels.scoring")
import leanxl.kernels.rules as numba_rules  # noqa: E402


def _codes(rng: np.random.Generator, n: int, scale: int) -> np.ndarray:
    # Factor-major uint8 view of int8 codes: blanks, 1..S, and a few out-of-range codes.
    codes = rng.integers(0, scale + 1, size=(F, n)).astype(np.int8)
    codes[rng.random((F, n)) < 0.02] = rng.choice([-1, scale + 1, 100])
    return codes.view(np.uint8)


def _weights(rng: np.random.Generator, kind: str) -> np.ndarray:
    if kind == "unit16":
        return np.ones(F, np.uint16)
    if kind == "whole16":
        return rng.integers(0, 4, F).astype(np.uint16)
    weights = rng.uniform(0, 3, F)
    weights[rng.random(F) < 0.2] = 0.0
    return weights


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes(), np.flatnonzero(a.view(np.uint8) != b.view(np.uint8))[:5]


@pytest.mark.parametrize("n", [0, 1, 7, 1023, 1025, 5000])
@pytest.mark.parametrize("kind", ["unit16", "whole16", "float"])
def test_scoring_kernels_agree_bit_for_bit(n: int, kind: str) -> None:
    rng = np.random.default_rng(n * 7 + len(kind))
    for scale in (2, 5, 9):
        codes = _codes(rng, n, scale)
        weights = _weights(rng, kind)
        targets = rng.integers(0, scale + 1, size=(4, F)).astype(np.uint8)
        targets[1] = targets[0]  # equal targets: ties keep the first
        results = []
        for k in (numba_scoring, nps):
            fit = np.empty(n)
            match = np.empty((4, n))
            best = np.empty(n, np.int64)
            score = np.empty(n)
            counts = (k.fit_serial(codes, weights, scale, fit),
                      k.match_serial(codes, targets, weights, scale, match),
                      k.best_serial(codes, targets, weights, scale, best, score))
            results.append((counts, fit, match, best, score))
        (c1, *a1), (c2, *a2) = results
        assert c1 == c2
        for x, y in zip(a1, a2, strict=True):
            _same(x, y)


def test_encode_segment_mix_kernels_agree() -> None:
    rng = np.random.default_rng(5)
    values = rng.choice([np.nan, 1.0, 2.0, 5.0, 6.0, 2.5, -1.0, np.inf, 1e300, -0.0], (F, 999))
    for arr in (values, rng.integers(-3, 300, (F, 999))):
        outs = [np.empty(arr.shape, np.int8) for _ in range(2)]
        counts = [k.encode_scores(arr, 5, o) for k, o in zip((numba_scoring, nps), outs,
                                                             strict=True)]
        assert counts[0] == counts[1]
        _same(*outs)
    # A float32 value equal to float32(cut) but below the float64 cut: compared in float64.
    price = np.array([3.1, 3.0999999, np.nan, 5, -0.0, 0.0], np.float32)
    for p, c in ((price, price[::-1].copy()), (price.astype(np.float64), price[::-1] * 1.0)):
        outs = [np.empty(len(p), np.int8) for _ in range(2)]
        counts = [k.segment_codes(p, c, 3.1, 0.0, o) for k, o in zip((numba_scoring, nps), outs,
                                                                     strict=True)]
        assert counts[0] == counts[1]
        _same(*outs)
    flags = [rng.integers(-1, 2, 500).astype(np.int8) for _ in range(3)]
    outs = [np.empty(500, np.int8) for _ in range(2)]
    counts = [k.mix_codes(*flags, o) for k, o in zip((numba_scoring, nps), outs, strict=True)]
    assert counts[0] == counts[1]
    _same(*outs)


def _rule_tables(rng: np.random.Generator, nf: int, nw: int) -> tuple[Any, Any]:
    lut = rng.integers(0, 2**63, size=(nf, 256, nw), dtype=np.uint64)
    lut[rng.random(lut.shape) < 0.3] = 0  # leads with no match in some words
    k = 4
    bounds = np.full((nf, k), np.inf)
    nbounds = rng.integers(0, k + 1, nf)
    for f in range(nf):
        bounds[f, :nbounds[f]] = np.sort(rng.choice(np.arange(-3.0, 8.0), nbounds[f], False))
    masks = rng.integers(0, 2**63, size=(nf, 2 * k + 2, nw), dtype=np.uint64)
    masks[rng.random(masks.shape) < 0.3] = 0
    masks[..., -1] |= np.uint64(1 << 63)  # the top bit of the last word
    return (lut,), (bounds, nbounds, masks)


@pytest.mark.parametrize("n", [1, 300, 1025, 20_001])  # 20,001: numba's parallel twins
@pytest.mark.parametrize("nw", [1, 2])
def test_rules_kernels_agree(n: int, nw: int) -> None:
    rng = np.random.default_rng(n + nw)
    nf = 3
    int8_table, float_table = _rule_tables(rng, nf, nw)
    keys_i = rng.integers(-128, 128, size=(nf, n)).astype(np.int8)
    keys_f = rng.choice([np.nan, -4.0, -3.0, 0.0, -0.0, 1.0, 1.5, 2.0, 7.0, 9.0, np.inf],
                        (nf, n))
    for keys, table in ((keys_i, int8_table), (keys_f, float_table)):
        firsts, used, words = [], [], []
        for k in (numba_rules, npr):
            out = np.empty(n, np.int32)
            u = np.zeros(nw * 64 + 1, np.bool_)
            k.first_match(keys, table, out, u)
            w = np.empty((n, nw), np.uint64)
            k.match_masks(keys, table, w)
            firsts.append(out)
            used.append(u)
            words.append(w)
        for pair in (firsts, used, words):
            _same(*pair)
    src = rng.integers(-1, 5, n).astype(np.int32)

    def build(occurs: np.ndarray) -> np.ndarray:
        return np.where(occurs, np.arange(6), -1)[None, :].repeat(2, 0).astype(np.int8)

    _same(numba_rules.result_codes(src, 1, 6, build), npr.result_codes(src, 1, 6, build))


def _driver(block: bool) -> dict[str, Any]:
    # numba's run forces numba's kernels (small calls would otherwise start on numpy's);
    # the blocked run must find numpy's by itself.
    env = dict(os.environ, PYTHONPATH=str(ROOT), LEANXL_KERNELS="numba")
    if block:
        env.pop("LEANXL_KERNELS")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "backend_driver.py")] + (["--block"] * block),
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_case_table_and_api_without_numba_equal_numba_run() -> None:
    with_numba, without = _driver(False), _driver(True)
    assert with_numba["backend"] == "numba" and with_numba["numba_loaded"]
    assert without["backend"] == "numpy" and not without["numba_loaded"]
    for part in ("registry", "api"):
        assert with_numba[part].keys() == without[part].keys()
        for key, value in with_numba[part].items():
            assert without[part][key] == value, f"{part} {key} differs without numba"
    assert len(with_numba["registry"]) > 80


BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('numba', 'llvmlite'):
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
"""


@pytest.mark.slow
def test_kernel_and_reference_tests_pass_with_numba_blocked() -> None:
    """The kernel tests on numpy's kernels, and the scoring, rules and registry reference
    tests with numba unimportable."""
    code = BLOCK + (
        "import pytest\n"
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-k', "
        "'not without_jit and not warm', 'tests/test_kernels.py', 'tests/test_scoring.py', "
        "'tests/test_rules_reference.py', 'tests/test_rules_policies.py', "
        "'tests/test_functions.py', 'tests/test_kpi.py', 'tests/excel/test_excel_hosts.py']))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), LEANXL_KERNELS="numpy")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout


def test_import_starts_no_thread_process_or_compiler() -> None:
    code = (
        "import os, sys, threading\n"
        "import leanxl, leanxl.functions, leanxl.scoring, leanxl.rules\n"
        "def parent(p):\n"
        "    try:  # the fields after the command name: state, ppid, ...\n"
        "        return open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[1]\n"
        "    except OSError:  # a process that ended meanwhile\n"
        "        return None\n"
        "children = [p for p in os.listdir('/proc') if p.isdigit() and "
        "parent(p) == str(os.getpid())]\n"
        "print(threading.active_count(), len(children), 'numba' in sys.modules, "
        "'llvmlite' in sys.modules, 'pandas' in sys.modules)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1", "0", "False", "False", "False"]


def test_cells_run_without_numba_and_leave_it_unimported() -> None:
    code = BLOCK + (
        "from leanxl import functions\n"
        "print(functions.call('FIT', [[1, 2, 3, 4, 5, 1, 2, 3, 4, 5]])[0][0], "
        "functions.call('SEGMENT', 1, 5, 3, 3)[0][0], 'numba' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["50.0", "S2", "False"]


def test_small_calls_start_on_numpy_until_a_large_call_loads_numba() -> None:
    code = (
        "import sys\n"
        "from leanxl import functions\n"
        "import leanxl, leanxl.kernels.backend as b\n"
        "functions.call('FIT', [[1] * 10] * (b.NUMPY_MAX_ROWS - 1))\n"
        "functions.call('MATCH', [[1] * 10], [[2] * 10])\n"
        "functions.call('DECIDE', [['DECISION Q', 'FIRST'], ['IN a', 'OUT s'], ['<2', 'x']],\n"
        "               [[1]] * 300, [['a']])\n"
        "print('numba' in sys.modules)\n"
        "leanxl.fit([[1] * 10] * b.NUMPY_MAX_ROWS)\n"
        "print('numba' in sys.modules, b.scoring_kernels(1).__name__)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("LEANXL_KERNELS", None)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True", "leanxl.kernels.scoring"]


def test_warmup_without_numba_says_so_and_succeeds() -> None:
    code = BLOCK + "from leanxl.cli import main\nsys.exit(main(['warmup']))\n"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert "numpy kernels, nothing to compile" in proc.stdout and not proc.stderr


def test_backend_env_var_forces_a_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    from leanxl.kernels import backend

    monkeypatch.setenv(backend.ENV, "numpy")
    assert backend.scoring_kernels() is nps and backend.rules_kernels() is npr
    monkeypatch.setenv(backend.ENV, "numba")
    assert backend.scoring_kernels() is numba_scoring
    monkeypatch.setenv(backend.ENV, "fast")
    with pytest.raises(ImportError, match="numba, numpy"):
        backend.scoring_kernels()


@pytest.mark.parametrize("n", [0, 1, 1023, 1025, 5000])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("order", ["C", "F", "frame"])
def test_fit_columns_kernels_agree_bit_for_bit(n: int, dtype: type, order: str) -> None:
    # Raw columns (the one-pass path): valid scores, blanks, masks, out-of-range and
    # fractional values, in a row-major or column-major matrix or as separate columns.
    rng = np.random.default_rng(n + len(order))
    values = rng.integers(-1, 8, size=(n, F)).astype(np.float64)
    if np.dtype(dtype).kind == "f":
        values[rng.random((n, F)) < 0.1] = np.nan
        values[rng.random((n, F)) < 0.01] = 2.5
    matrix = np.asarray(values if order != "F" else np.asfortranarray(values))
    matrix = np.where(np.isnan(matrix), matrix, matrix).astype(dtype, order="K") \
        if np.dtype(dtype).kind == "f" else np.clip(matrix, 0, 100).astype(dtype, order="K")
    columns = (matrix if order == "C" else tuple(matrix.T)) if order != "frame" else tuple(
        np.ascontiguousarray(c) for c in matrix.T)
    masks = tuple(rng.random(n) < 0.1 if f % 3 == 0 else np.empty(0, bool) for f in range(F))
    for kind in ("unit16", "float"):
        weights = _weights(rng, kind)
        outs = []
        for k in (numba_scoring, nps):
            out = np.empty(n)
            outs.append((k.fit_columns_serial(columns, masks, weights, 5, out), out))
        (c1, o1), (c2, o2) = outs
        assert c1 == c2
        _same(o1, o2)
