"""Installed from its wheel, in an empty folder, leanxl finds its own template and sample data.

The wheel is built from a copy of what a source distribution holds (pyproject, README, the
package), installed into a fresh virtual environment, and run there with no checkout on the
path: ``leanxl demo``, ``leanxl new`` and ``leanxl refresh``. The dependencies come from the
running interpreter's site-packages through a ``.pth`` file; nothing is installed into it.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from openpyxl import load_workbook
from packaging.version import Version

from leanxl.data import SAMPLE_NAMES, TEMPLATE_NAME

ROOT = Path(__file__).resolve().parents[1]
SHEETS = ["About", "Settings", "Factors", "Profiles", "Leads", "Campaigns", "CampaignMatrix",
          "Segments", "Mix", "Rules", "KPIs", "KPITracker", "InternalCustomers", "Team",
          "xlwings.conf"]
# A refreshed book (the demo) adds Evidence and Changes after Rules, and the hidden Snapshot.
REFRESHED = [*SHEETS[:10], "Evidence", "Changes", *SHEETS[10:], "Snapshot"]

pytestmark = pytest.mark.slow


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def build_isolation_flags() -> list[str]:
    """Build with this interpreter's setuptools when it can (offline); else pip's isolation.

    ``license = "BSD-3-Clause"`` needs setuptools >= 77; an older one means pip's isolated
    build, which downloads setuptools unless pip's cache or find-links already hold it.
    """
    try:
        usable = Version(version("setuptools")) >= Version("77")
    except PackageNotFoundError:
        usable = False
    return ["--no-build-isolation"] if usable else []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    shutil.copy(ROOT / "pyproject.toml", src)
    shutil.copy(ROOT / "README.md", src)
    shutil.copytree(ROOT / "leanxl", src / "leanxl",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"))
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(dist),
         *build_isolation_flags()], cwd=dist)
    (built,) = dist.glob("leanxl-*.whl")
    return built


def test_wheel_carries_template_and_sample(wheel: Path) -> None:
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    assert f"leanxl/data/{TEMPLATE_NAME}" in names
    assert {f"leanxl/data/sample/{n}" for n in SAMPLE_NAMES} <= names
    assert "leanxl/data/__init__.py" in names and "leanxl/py.typed" in names


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel; dependencies by a .pth file."""
    home = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", "--without-pip", str(home)], cwd=home.parent)
    python = home / "bin" / "python"
    # This interpreter's pip installs into the new environment; only the wheel, no index.
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)], cwd=home.parent)
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
               cwd=home.parent).strip()
    # A .pth that adds a folder does not run the .pth files inside it (the running venv's
    # __editable__ finder for the checkout stays inactive); test_checkout_not_importable checks.
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(site) / "leanxl_test_dependencies.pth").write_text("\n".join(paths) + "\n")
    return home


def clean_env(home: Path) -> dict[str, str]:
    """The environment without anything that would put the checkout on the path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV",
                        "LEANXL_KERNELS")}
    env["VIRTUAL_ENV"] = str(home)
    env["PATH"] = f"{home / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_checkout_not_importable(venv: Path, empty: Path) -> None:
    code = """if True:
        import json, os, sys, leanxl, leanxl.data as d
        print(json.dumps({
            "file": leanxl.__file__, "template": str(d.template_path()),
            "leads": str(d.sample_path("leads.csv")),
            # every folder on the path that holds a leanxl package, resolved here (cwd!)
            "homes": [os.path.realpath(p or ".") for p in sys.path
                      if os.path.isdir(os.path.join(p or ".", "leanxl"))],
            "finders": [f"{type(f).__module__}.{type(f).__name__}" for f in sys.meta_path],
        }))"""
    seen = json.loads(run([str(venv / "bin" / "python"), "-c", code], empty, clean_env(venv)))
    inside = venv.resolve()
    for key in ("file", "template", "leads"):
        assert Path(seen[key]).resolve().is_relative_to(inside), seen[key]
    assert [Path(h) for h in seen["homes"]] == [Path(seen["file"]).resolve().parents[1]]
    assert not [f for f in seen["finders"] if "editable" in f.lower()]


def test_demo_new_refresh_from_the_wheel(venv: Path, empty: Path) -> None:
    env = clean_env(venv)
    leanxl = str(venv / "bin" / "leanxl")

    out = run([leanxl, "demo"], empty, env)
    assert "3000 leads scored" in out
    demo = empty / "out" / "leanxl-demo.xlsx"
    wb = load_workbook(demo, read_only=True)
    assert wb.sheetnames == REFRESHED
    assert wb["Leads"].max_row == 3001
    wb.close()

    out = run([leanxl, "new", "book.xlsx"], empty, env)
    assert "leanxl refresh book.xlsx --leads crm.csv" in out
    wb = load_workbook(empty / "book.xlsx")
    assert wb.sheetnames == SHEETS and wb["Leads"]["A2"].value is None

    leads = run([str(venv / "bin" / "python"), "-c",
                 "from leanxl.data import sample_path; print(sample_path('leads.csv'))"],
                empty, env).strip()
    assert Path(leads).resolve().is_relative_to(venv.resolve())
    out = run([leanxl, "refresh", "book.xlsx", "--leads", leads, "--no-progress"], empty, env)
    assert "3000 leads" in out
    wb = load_workbook(empty / "book.xlsx", data_only=True, read_only=True)
    rows = list(wb["Leads"].iter_rows(values_only=True))
    wb.close()
    header = list(rows[0])
    assert len(rows) == 3001
    assert rows[1][header.index("lead_id")] == "L00001"
    assert rows[3000][header.index("lead_id")] == "L03000"
    fit = header.index("Fit %")
    assert all(isinstance(r[fit], int | float) for r in rows[1:] if r[fit] is not None)
    assert sum(r[fit] is not None for r in rows[1:]) > 2900  # cached values, as leanxl wrote


def test_after_warmup_a_refresh_compiles_nothing(venv: Path, empty: Path) -> None:
    """``leanxl warmup`` compiles what a refresh of a user's CSV runs, not just each kernel
    once: numba's signature holds dtypes, read-only flags and tuple lengths (before the
    warm-up refreshed a sample book, a 25,000-lead refresh after it still compiled 8 kernels)."""
    env = clean_env(venv)
    leanxl = str(venv / "bin" / "leanxl")
    out = run([leanxl, "warmup"], empty, env)
    assert "compiled and cached" in out and "refreshed a sample book" in out

    # A CRM export of another size and shape than the sample the warm-up used.
    sample = run([str(venv / "bin" / "python"), "-c",
                  "from leanxl.data import sample_path; print(sample_path('leads.csv'))"],
                 empty, env).strip()
    with open(sample, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    key, factor = header.index("lead_id"), header.index("interest")
    with (empty / "crm.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for i in range(25_000):
            row = list(rows[(7 * i) % len(rows)])
            row[key] = f"C{i:06d}"
            if i % 11 == 0:
                row[factor] = ""
            writer.writerow(row)
    run([leanxl, "new", "book.xlsx"], empty, env)
    proc = subprocess.run([leanxl, "refresh", "book.xlsx", "--leads", "crm.csv", "--no-progress"],
                          cwd=empty, env={**env, "NUMBA_DEBUG_CACHE": "1"}, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert "25000 leads" in proc.stdout
    assert_compiled_nothing(proc.stdout + proc.stderr)

    # A Python caller's frame mixing int64 and float64 columns, large enough for numba.
    code = """if True:
        import numpy as np, pandas as pd, leanxl
        from leanxl.domain import FACTOR_KEYS
        frame = pd.DataFrame({k: np.arange(20_000) % 5 + 1 for k in FACTOR_KEYS})
        frame[FACTOR_KEYS[3]] = frame[FACTOR_KEYS[3]].astype(float)
        print(leanxl.fit(frame).sum(), leanxl.match(frame, [[1] * 10]).sum())"""
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=empty,
                          env={**env, "NUMBA_DEBUG_CACHE": "1"}, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert_compiled_nothing(proc.stdout + proc.stderr)


def assert_compiled_nothing(debug_output: str) -> None:
    """numba's ``NUMBA_DEBUG_CACHE`` lines: kernels were loaded from the cache (so numba ran
    and the check means something) and none was compiled and saved."""
    lines = debug_output.splitlines()
    assert any("data loaded from" in line for line in lines), debug_output[-2000:]
    compiled = [line for line in lines if "data saved to" in line]
    assert not compiled, compiled
