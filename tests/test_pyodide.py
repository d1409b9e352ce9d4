"""leanxl's pure-Python parts run inside Pyodide, the Python of xlwings Lite.

Boots the ``pyodide`` npm package (tests/pyodide, installed by scripts/setup.sh) under node,
offline, writes the built wheel into its file system, unpacks it there and imports the parts
of leanxl that need no numpy (numpy and pandas for Pyodide cannot be downloaded here; Lite
ships them): the top package, errors, domain, values, csvfiles, xlsx.refs and the S-FEEL cell
language of decision tables.  Skipped when node or the npm package is missing.  Also checks
that the wheel is ``py3-none-any`` and that micropip (``requirements.txt`` in Lite) asks only
for packages Pyodide has, pure-Python ones, or xlwings (Lite's own): not numba, not pyarrow.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.test_wheel import wheel  # noqa: F401 - the built-wheel fixture

ROOT = Path(__file__).resolve().parent.parent
PYODIDE = ROOT / "tests" / "pyodide"

INSIDE = r"""
import json, sys, threading, zipfile, types
name = [n for n in __import__("os").listdir("/tmp") if n.endswith(".whl")][0]
zipfile.ZipFile("/tmp/" + name).extractall("/tmp/site")
sys.path.insert(0, "/tmp/site")
import leanxl, leanxl.errors, leanxl.domain, leanxl.values, leanxl.csvfiles, leanxl.xlsx.refs
# leanxl.rules' own __init__ loads the compiler (numpy); its cell language does not need it.
rules = types.ModuleType("leanxl.rules")
rules.__path__ = ["/tmp/site/leanxl/rules"]
sys.modules["leanxl.rules"] = rules
from leanxl.rules.cells import parse_test
from leanxl.rules.policies import HitPolicy
test = parse_test("[3..4]")
try:
    import numpy
    has_numpy = True
except ImportError:
    has_numpy = False
json.dumps({
    "platform": sys.platform,
    "from_wheel": leanxl.__file__.startswith("/tmp/site/"),
    "factors": list(leanxl.FACTOR_KEYS)[:2],
    "blank": [leanxl.values.is_blank(v) for v in ("", "  ", None, 0)],
    "normalized": leanxl.domain.normalize_name("Buyer Maturity"),
    "range": [test.matches(v) for v in (2, 3, 4, 5)],
    "area": leanxl.xlsx.refs.column_index("AB"),
    "error": str(leanxl.errors.CellError("#N/A", "no rule matched")),
    "policy": HitPolicy.FIRST.name,
    "threads": threading.active_count(),
    "numpy": has_numpy,
})
"""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (scripts/setup.sh installs it)")
    if not (PYODIDE / "node_modules" / "pyodide").is_dir():
        pytest.skip("the pyodide npm package is not installed (scripts/setup.sh installs it)")
    return node


def test_wheel_is_pure_and_skips_numba_on_pyodide(wheel: Path) -> None:  # noqa: F811
    from packaging.requirements import Requirement

    assert wheel.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        requires = [line.split(":", 1)[1].strip() for line in
                    zf.read(meta).decode().splitlines() if line.startswith("Requires-Dist:")]
    pyodide_env = {"sys_platform": "emscripten", "platform_system": "Emscripten",
                   "extra": ""}
    needed = {Requirement(r).name for r in requires
              if Requirement(r).marker is None or Requirement(r).marker.evaluate(pyodide_env)}
    assert "numba" not in needed and {"numpy", "pandas"} <= needed
    assert any(Requirement(r).name == "numba" for r in requires)  # still for everyone else
    lock = PYODIDE / "node_modules" / "pyodide" / "pyodide-lock.json"
    if lock.is_file():  # every dependency is a Pyodide package, pure on PyPI, or in Lite
        in_pyodide = set(json.loads(lock.read_text(encoding="utf-8"))["packages"])
        assert needed - in_pyodide <= {"openpyxl", "xlwings"}, needed - in_pyodide


@pytest.mark.slow
def test_pure_parts_import_and_run_in_pyodide(wheel: Path, tmp_path: Path) -> None:  # noqa: F811
    node = _node()
    code = tmp_path / "inside.py"
    code.write_text(INSIDE, encoding="utf-8")
    proc = subprocess.run([node, "run_python.mjs", str(wheel), str(code)], cwd=PYODIDE,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {
        "platform": "emscripten",
        "from_wheel": True,
        "factors": ["buyer_maturity", "buyer_knowledge"],
        "blank": [True, True, True, False],
        "normalized": "buyermaturity",
        "range": [False, True, True, False],
        "area": 28,
        "error": result["error"],
        "policy": "FIRST",
        "threads": 1,
        "numpy": False,
    }
    assert "#N/A" in result["error"] and "no rule matched" in result["error"]
