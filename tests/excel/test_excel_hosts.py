"""Every case through every host: the registry, the classic UDF (xlwings' ``call_udf``),
xlwings Server's and xlwings Lite's ``custom_functions_call`` (Lite with numba blocked, as on
Pyodide) — same values, each host's own error rendering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from leanxl import functions
from leanxl.errors import CellError
from tests.excel.cases import CASES, OMIT, Case, Err, approx_equal, merged

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
OFFICEJS_ERROR_TYPES = {"#N/A": "NotAvailable", "#VALUE!": "Value", "#NUM!": "Num"}


def _skip_unmerged(case: Case) -> None:
    if not merged(case.needs):
        pytest.skip(f"leanxl.{case.needs} is not merged yet")


def _registry_args(case: Case) -> list[Any]:
    args = list(case.args)
    while args and args[-1] is OMIT:
        args.pop()
    return [None if a is OMIT else a for a in args]


def _assert_grid(actual: list[list[Any]], expected: list[list[Any]], cell_ok: Any) -> None:
    assert len(actual) == len(expected), actual
    for got_row, want_row in zip(actual, expected, strict=True):
        assert len(got_row) == len(want_row), (got_row, want_row)
        for got, want in zip(got_row, want_row, strict=True):
            assert cell_ok(got, want), (got, want, actual)


def _registry_cell(got: Any, want: Any) -> bool:
    if isinstance(want, Err):
        return isinstance(got, CellError) and got.code == want.code and bool(got.reason)
    return approx_equal(got, want)


def _classic_cell(got: Any, want: Any) -> bool:
    if isinstance(want, Err):  # text: the code, a space, the reason
        return isinstance(got, str) and got.startswith(want.code + " ") and len(got) > 8
    return got == "" if want is None else approx_equal(got, want)


def _officejs_cell(got: Any, want: Any) -> bool:
    if isinstance(want, Err):
        return got == {"type": "Error", "errorType": OFFICEJS_ERROR_TYPES[want.code]}
    return got == "" if want is None else approx_equal(got, want)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_registry(case: Case) -> None:
    _skip_unmerged(case)
    _assert_grid(functions.call(case.func, *_registry_args(case)), case.expected,
                 _registry_cell)


def _com_arg(value: Any) -> Any:
    """What VBA hands the COM server: tuples of tuples for arrays, missing-marker for omitted."""
    if value is OMIT:
        return -2147352572
    if isinstance(value, list):
        return tuple(tuple(row) for row in value)
    return value


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_classic_udf(case: Case, classic: Any) -> None:
    _skip_unmerged(case)
    result = classic.call(f"LEANXL_{case.func}", *[_com_arg(a) for a in case.args])
    _assert_grid(result, case.expected, _classic_cell)


def _officejs_run(out: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONPATH": str(ROOT)}
    env.pop("LEANXL_KERNELS", None)
    proc = subprocess.run([sys.executable, str(HERE / "_server_driver.py"), str(out), *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def server_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _officejs_run(tmp_path_factory.mktemp("server") / "results.json")


@pytest.fixture(scope="module")
def lite_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    run = _officejs_run(tmp_path_factory.mktemp("lite") / "results.json",
                        "leanxl.excel.lite", "--block-numba")
    assert run["numba_loaded"] is False
    return run


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_server_call(case: Case, server_run: dict[str, Any]) -> None:
    _skip_unmerged(case)
    _assert_grid(server_run["results"][case.id], case.expected, _officejs_cell)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_lite_call(case: Case, lite_run: dict[str, Any]) -> None:
    _skip_unmerged(case)
    _assert_grid(lite_run["results"][case.id], case.expected, _officejs_cell)


@pytest.mark.parametrize("host", ["server", "lite"])
def test_officejs_meta_lists_every_function(host: str, request: pytest.FixtureRequest) -> None:
    run = request.getfixturevalue(f"{host}_run")
    by_id = {f["id"]: f for f in run["meta"]["functions"]}
    assert set(by_id) == set(functions.REGISTRY)
    assert run["meta"]["allowErrorForDataTypeAny"] is True
    for name, fn in functions.REGISTRY.items():
        meta = by_id[name]
        # Server: Excel prefixes the manifest's namespace; Lite: each function carries it.
        assert meta["name"] == (name if host == "server" else f"LEANXL.{name}")
        assert meta["description"] == fn.help
        assert meta["result"] == {"dimensionality": "matrix", "type": "any"}
        assert [p["name"] for p in meta["parameters"]] == [p.name for p in fn.params]
        for param, spec in zip(meta["parameters"], fn.params, strict=True):
            assert param["description"] == spec.help
            assert param["dimensionality"] == "matrix"
            assert param.get("optional", False) is spec.optional
