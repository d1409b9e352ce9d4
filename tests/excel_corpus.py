"""Workbooks saved by Excel as the oracle for ``leanxl recalc`` (shared by the test and bench).

Each book of ``tests/corpus/excel/`` is recalculated three ways and compared cell by cell on
every computed cell (a formula cell, or a cell of an array or data-table range):

* **Excel**: the cached values Excel stored when it saved the book (the oracle);
* **leanxl**: ``leanxl recalc`` of a *stale* copy, where every computed cell's cached value
  was replaced by a sentinel (so a value leanxl forgets to rewrite shows up as the sentinel);
* **LibreOffice alone**: ``soffice --convert-to xlsx`` of the original with a profile that
  recalculates everything on load (the baseline: what the engine gives without leanxl).

A cell where leanxl differs from Excel while LibreOffice alone agrees with Excel is a
difference leanxl adds.  Plain zip + ElementTree: this reader shares no code with leanxl's
scanner, so a scanner bug cannot hide itself.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from leanxl.xlsx import package
from leanxl.xlsx.refs import parse_area, split_coordinate

CORPUS = Path(__file__).with_name("corpus") / "excel"
SENTINEL = "271828.18281828"
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FORCE_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

Cell = tuple[str, int, int]  # sheet name, row, column


@dataclass(frozen=True, slots=True)
class Err:
    """An error value, by its Excel code."""

    code: str


def books() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    part = package.shared_strings_part(z)
    if part is None:
        return []
    root = ElementTree.fromstring(z.read(part))
    return ["".join(t.text or "" for t in si.iter(f"{_NS}t")) for si in root.iter(f"{_NS}si")]


def _value(c: ElementTree.Element, strings: list[str]) -> Any:
    t = c.get("t", "n")
    v = c.find(f"{_NS}v")
    if t == "inlineStr":
        return "".join(x.text or "" for x in c.iter(f"{_NS}t"))
    if v is None or v.text is None:
        return "" if t == "str" else None
    text = v.text
    if t == "s":
        return strings[int(text)]
    if t == "b":
        return text.strip() in ("1", "true")
    if t == "e":
        return Err(text)
    if t == "str":
        return text
    try:
        return float(text)
    except ValueError:
        return text


@dataclass(slots=True)
class Book:
    """The cells of one package: values by (sheet, row, col), and which cells are computed."""

    values: dict[Cell, Any] = field(default_factory=dict)
    computed: set[Cell] = field(default_factory=set)
    attrs: dict[Cell, dict[str, str]] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)  # formula kind -> how many
    random: set[Cell] = field(default_factory=set)  # RAND/RANDBETWEEN: no oracle possible


def read_package(path: Path) -> Book:
    """Every cell value of every worksheet, and the set of computed cells."""
    book = Book()
    with zipfile.ZipFile(path) as z:
        strings = _shared_strings(z)
        for name, part in package.sheet_parts(z).items():
            if not part.startswith("xl/worksheets/"):
                continue
            root = ElementTree.fromstring(z.read(part))
            random_si: set[str] = set()
            for c in root.iter(f"{_NS}c"):
                row, col = split_coordinate(c.get("r", ""))
                key = (name, row, col)
                book.values[key] = _value(c, strings)
                book.attrs[key] = {k: v for k, v in c.attrib.items() if k not in ("r", "s")}
                f = c.find(f"{_NS}f")
                if f is None:
                    continue
                book.computed.add(key)
                kind = f.get("t", "normal")
                if _RANDOM.search(f.text or "") or f.get("si") in random_si:
                    book.random.add(key)
                    if f.get("si") is not None:
                        random_si.add(f.get("si", ""))
                book.kinds[kind] = book.kinds.get(kind, 0) + 1
                if kind in ("array", "dataTable") and f.get("ref"):
                    a = parse_area(f.get("ref", ""))
                    book.computed.update((name, r, cc) for r in range(a.r1, a.r2 + 1)
                                         for cc in range(a.c1, a.c2 + 1))
    # A formula that reads a random cell is random too (C20 = B23 = RANDBETWEEN(...)), and
    # following references through shared formulas is more than this reader does: on a sheet
    # with any random cell, no formula cell has an oracle.
    random_sheets = {sheet for sheet, _, _ in book.random}
    book.random.update(key for key in book.computed if key[0] in random_sheets)
    return book


def same(a: Any, b: Any) -> bool:
    """Whether two cached values are the same value (numbers to 1e-9, relative)."""
    if a is None or a == "":
        return b is None or b == ""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) is type(b) and a == b


_RANDOM = re.compile(r"\bRAND(?:BETWEEN|ARRAY)?\s*\(", re.I)
_CELL_WITH_V = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_R = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def make_stale(source: Path, target: Path, computed: set[Cell]) -> None:
    """Copy ``source`` with every computed cell's cached value replaced by the sentinel."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        parts = {part: name for name, part in package.sheet_parts(zin).items()}
        for info in zin.infolist():
            data = zin.read(info)
            name = parts.get(info.filename)
            if name is not None:
                def repl(m: re.Match[bytes], name: str = name) -> bytes:
                    r = _R.search(m.group(1))
                    if r is None or (name, *split_coordinate(r.group(1).decode())) not in computed:
                        return m.group(0)
                    attrs = re.sub(rb'\st="[^"]*"', b"", m.group(1))
                    body = re.sub(rb"<v>[^<]*</v>|<v/>|<is>.*?</is>", b"", m.group(2) or b"",
                                  flags=re.S)
                    return b"<c" + attrs + b">" + body + b"<v>" + SENTINEL.encode() + b"</v></c>"
                data = _CELL_WITH_V.sub(repl, data)
            zout.writestr(info, data)


def run_leanxl(sources: list[Path], out_dir: Path, root: Path | None = None) -> str:
    """``leanxl recalc`` of the folder of ``sources`` (one engine for all); its output text.

    ``root`` is the checkout whose leanxl runs (default: this one).
    """
    root = root or Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    done = subprocess.run(
        [sys.executable, "-m", "leanxl", "recalc", str(sources[0].parent), "--out-dir",
         str(out_dir)], capture_output=True, text=True, env=env, cwd=root)  # -m: cwd first
    return done.stdout + done.stderr


def run_libreoffice(sources: list[Path], out_dir: Path, soffice: str) -> None:
    """LibreOffice alone: one ``--convert-to xlsx`` run over every book, full recalculation."""
    profile = Path(tempfile.mkdtemp(prefix="leanxl-corpus-lo-"))
    try:
        (profile / "user").mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(FORCE_RECALC_XCU)
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        "--convert-to", "xlsx", "--outdir", str(out_dir),
                        *map(str, sources)], capture_output=True, timeout=900)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@dataclass(slots=True)
class Comparison:
    """One book's figures and the cells where leanxl adds a difference."""

    name: str
    cells: int = 0
    leanxl_off: int = 0
    libreoffice_off: int = 0
    added: list[tuple[Cell, Any, Any, Any]] = field(default_factory=list)  # cell, xl, lx, lo
    stale: list[Cell] = field(default_factory=list)
    attrs_lost: list[tuple[Cell, str]] = field(default_factory=list)
    parts_changed: list[str] = field(default_factory=list)
    failed: str = ""


def compare(original: Path, stale: Path, ours: Path | None, theirs: Path | None,
            allowed: Iterable[tuple[str, str, str]] = ()) -> Comparison:
    """Compare one book's three versions (see the module docstring)."""
    result = Comparison(original.name)
    excel = read_package(original)
    if ours is None or not ours.exists():
        result.failed = "no output from leanxl"
        return result
    lx = read_package(ours)
    lo = read_package(theirs) if theirs is not None and theirs.exists() else Book()
    allow = {(s, c) for b, s, c in allowed if b == original.name}
    for key in sorted(excel.computed):
        xl = excel.values.get(key)
        got = lx.values.get(key)
        if isinstance(got, float) and got == float(SENTINEL):
            result.stale.append(key)
        if xl is None or key in excel.random:  # no value Excel's could be compared with
            continue
        result.cells += 1
        base = lo.values.get(key)
        lx_ok, lo_ok = same(xl, got), same(xl, base)
        result.leanxl_off += not lx_ok
        result.libreoffice_off += not lo_ok
        sheet, r, c = key
        from leanxl.xlsx.refs import column_letter

        if not lx_ok and lo_ok and (sheet, f"{column_letter(c)}{r}") not in allow:
            result.added.append((key, xl, got, base))
        for attr in ("cm", "vm"):
            if attr in excel.attrs.get(key, {}) and attr not in lx.attrs.get(key, {}):
                result.attrs_lost.append((key, attr))
    with zipfile.ZipFile(stale) as a, zipfile.ZipFile(ours) as b:
        sheets = set(package.sheet_parts(a).values())
        for info in a.infolist():
            if info.filename in sheets or info.filename == package.workbook_part(a):
                continue
            if info.filename not in b.NameToInfo or a.read(info) != b.read(info.filename):
                result.parts_changed.append(info.filename)
    return result
