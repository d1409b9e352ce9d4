"""The real xlwings-server app (uvicorn, 127.0.0.1) serving the LEANXL functions over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from leanxl import functions
from leanxl.excel import settings
from tests.excel.cases import merged

ROOT = Path(__file__).parent.parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = tmp_path_factory.mktemp("xlwings_project")
    # the documented set-up: `xlwings-server init`, then leanxl's write_server_project
    init = Path(sys.executable).with_name("xlwings-server")
    subprocess.run([str(init), "init", str(project)], check=True, timeout=120,
                   capture_output=True)
    settings.write_server_project(project)
    port = _free_port()
    # the licence key must be in the environment before xlwings is first imported
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial",
           "XLWINGS_PROJECT_DIR": str(project), "PYTHONPATH": str(ROOT),
           "XLWINGS_ENVIRONMENT": "prod",  # init writes "dev": LEANXL_DEV.FIT
           "XLWINGS_ENABLE_SOCKETIO": "false", "XLWINGS_ENABLE_HOTRELOAD": "false"}
    log = (project / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "xlwings_server.main:main_app",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=project, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(f"{base}/xlwings/custom-functions-meta", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("xlwings-server did not start:\n"
                                + (project / "server.log").read_text()[-3000:])
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _call(base: str, func: str, args: list) -> dict:
    payload = {"func_name": func, "args": args, "caller_address": "Sheet1!C3",
               "version": "0.37.8", "client": "Office.js", "runtime": "1.4"}
    response = httpx.post(f"{base}/xlwings/custom-functions-call", json=payload, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.slow
def test_meta_over_http(server: str) -> None:
    meta = httpx.get(f"{server}/xlwings/custom-functions-meta", timeout=30).json()
    ids = {f["id"] for f in meta["functions"]}
    assert set(functions.REGISTRY) <= ids
    assert "HELLO" in ids  # the init sample stays: write_server_project only adds
    fit = next(f for f in meta["functions"] if f["id"] == "FIT")
    assert [p["name"] for p in fit["parameters"]] == ["factors", "weights", "scale_max"]
    # the namespace Excel shows (LEANXL.FIT) comes from the add-in manifest
    manifest = httpx.get(f"{server}/manifest", timeout=30).text
    assert 'id="Functions.Namespace" DefaultValue="LEANXL"' in manifest


@pytest.mark.slow
def test_call_over_http(server: str) -> None:
    # hand-computed: 95 vs 100 (up, 10 %) is At risk; 80 is Off track; "x" is #VALUE!
    got = _call(server, "KPISTATUS", [[[95], [80], ["x"]], [[100]], None, None])
    assert got == {"result": [["At risk"], ["Off track"],
                              [{"type": "Error", "errorType": "Value"}]]}
    if merged("scoring"):
        # SPEC: 100 * (1 - sum(x-1) / (10 * 4)) for 1,2,3,4,5,1,2,3,4,5 = 100 * (1 - 20/40)
        got = _call(server, "FIT", [[[1, 2, 3, 4, 5, 1, 2, 3, 4, 5]], None, None])
        assert got == {"result": [[50.0]]}


@pytest.mark.slow
def test_error_cell_in_input_over_http(server: str) -> None:
    # Office.js hands an error cell over as a data-type dict; it must not read as blank
    # (a blank actual would give a blank status).
    na = {"type": "Error", "basicType": "Error", "basicValue": "#N/A",
          "errorType": "NotAvailable"}
    got = _call(server, "KPISTATUS", [[[na], [""]], [[100]], None, None])
    assert got == {"result": [[{"type": "Error", "errorType": "Value"}], [""]]}
