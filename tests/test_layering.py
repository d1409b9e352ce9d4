"""The layering of leanxl is true: imports flow only upward, hosts stay apart, no cycles.

The layer table is read from docs/architecture.md (a fenced ``layers`` block), the single
source of truth; the README's one-line summary must name the same layers in the same order.
Every module under leanxl/ is parsed with ``ast``; imports inside functions count (they run
sooner or later), imports under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "leanxl"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
README = ROOT / "README.md"

# leanxl/__init__.py runs before every ``import leanxl.x``: at module level it may import layer
# 0 only; inside functions (its lazy ``__getattr__`` re-exports, run only when a user touches
# ``leanxl.fit`` or ``leanxl.rules``) it may import these, and those edges are no dependency of
# any leanxl module, so they are left out of the cycle check.
ROOT_LAZY_EXPORTS = frozenset({"scoring", "rules"})
# Third-party packages allowed only from the layer of the given unit upward.
HOST_LIBRARIES = {"xlwings": ("excel",), "openpyxl": ("sheets", "recalc")}
KERNEL_LIBRARIES = frozenset({"numpy", "numba", "__future__"})


@dataclass(frozen=True)
class Layers:
    """The layer table: unit (top-level module or package of leanxl) -> layer number."""

    order: tuple[tuple[str, ...], ...]
    hosts: frozenset[int] = frozenset()
    layer_of: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Layers:
        """Read the fenced ``layers`` block of a markdown text."""
        block = re.search(r"^```layers\n(.*?)^```", text, re.M | re.S)
        assert block, "docs/architecture.md has no ```layers block"
        order: list[tuple[str, ...]] = []
        hosts = set()
        for line in block.group(1).splitlines():
            if not line.strip():
                continue
            m = re.fullmatch(r"\s*(\d+)\s+(hosts:\s*)?(.+?)\s*", line)
            assert m, f"cannot read layer line {line!r}"
            number = int(m.group(1))
            assert number == len(order), f"layers must be numbered 0, 1, ...: {line!r}"
            if m.group(2):
                hosts.add(number)
            order.append(tuple(u.strip() for u in m.group(3).split(",")))
        layer_of = {unit: n for n, units in enumerate(order) for unit in units}
        return cls(tuple(order), frozenset(hosts), layer_of)


@dataclass(frozen=True)
class Import:
    """One import statement's target, as seen from the importing module."""

    target: str          # a leanxl module name, or a top-level third-party package
    line: int
    lazy: bool           # inside a function


def unit(module: str) -> str:
    """The layer unit of a leanxl module: ``leanxl.kernels.rules`` -> ``kernels``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def module_names(package: Path) -> dict[str, Path]:
    """Every module under ``package`` by dotted name (``leanxl.rules.table``)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


DYNAMIC = "<dynamic import>"


def _is_dynamic_import(func: ast.expr) -> bool:
    """``importlib.import_module(...)``, ``import_module(...)`` or ``__import__(...)``."""
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


def imports_of(module: str, source: str, is_package: bool, known: set[str]) -> list[Import]:
    """Every import in ``source`` (module level and inside functions, not under TYPE_CHECKING).

    leanxl targets are resolved to the module that is imported: relative imports against
    ``module``, and ``from leanxl.x import y`` to ``leanxl.x.y`` when that is a module.
    """
    found: list[Import] = []

    def leanxl_or_top(name: str) -> str:
        return name if name == "leanxl" or name.startswith("leanxl.") else name.split(".")[0]

    def visit(node: ast.AST, lazy: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, lazy)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            lazy = True
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(leanxl_or_top(alias.name), node.lineno, lazy))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            if origin == "leanxl" or origin.startswith("leanxl."):
                for alias in node.names:
                    sub = f"{origin}.{alias.name}"
                    found.append(Import(sub if sub in known else origin, node.lineno, lazy))
            else:
                found.append(Import(origin.split(".")[0], node.lineno, lazy))
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append(Import(leanxl_or_top(arg.value), node.lineno, lazy))
            else:  # a name the check cannot read: not allowed, write a plain import
                found.append(Import(DYNAMIC, node.lineno, lazy))
        for child in ast.iter_child_nodes(node):
            visit(child, lazy)

    visit(ast.parse(source), lazy=False)
    return found


def import_graph(package: Path) -> dict[str, list[Import]]:
    """Module name -> its imports, for every module under ``package``."""
    names = module_names(package)
    known = set(names)
    return {name: imports_of(name, path.read_text(encoding="utf-8"),
                             path.name == "__init__.py", known)
            for name, path in names.items()}


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (or a self-loop)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges.get(v, ()):
                components.append(component)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(edges):
            if v not in index:
                connect(v)
    finally:
        sys.setrecursionlimit(limit)
    return [_cycle_path(sorted(c), edges) for c in components]


def _cycle_path(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A concrete cycle a -> ... -> a inside one strongly connected component."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:  # breadth-first: the shortest way back to start
        v = queue.pop(0)
        for w in sorted(edges.get(v, ())):
            if w == start:
                return paths[v] + [start]
            if w in members and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover


def violations(graph: dict[str, list[Import]], layers: Layers) -> list[str]:
    """Every breach of the layering in ``graph``, as one readable line each."""
    found: list[str] = []
    edges: dict[str, set[str]] = {name: set() for name in graph}
    for module, imports in sorted(graph.items()):
        source = unit(module)
        if module != "leanxl" and source not in layers.layer_of:
            found.append(f"{module}: not in any layer of docs/architecture.md")
            continue
        here = 0 if module == "leanxl" else layers.layer_of[source]
        for imp in dict.fromkeys(imports):  # one line per statement, not per name
            where = f"{module} (line {imp.line}{', in a function' if imp.lazy else ''})"
            if imp.target == DYNAMIC:
                found.append(f"{where}: a dynamic import of a computed name, which this check "
                             "cannot follow; import the module by name")
            elif imp.target == "leanxl" or imp.target.startswith("leanxl."):
                found.extend(_leanxl_import(module, source, here, imp, where, layers, edges))
            else:
                found.extend(_library_import(source, here, imp, where, layers))
    for cycle in find_cycles(edges):
        found.append("import cycle: " + " -> ".join(cycle))
    return found


def _leanxl_import(module: str, source: str, here: int, imp: Import, where: str,
                   layers: Layers, edges: dict[str, set[str]]) -> list[str]:
    target = unit(imp.target)
    if imp.target != "leanxl" and target not in layers.layer_of:
        return [f"{where} imports {imp.target}, which is in no layer"]
    there = 0 if imp.target == "leanxl" else layers.layer_of[target]
    if module == "leanxl" and imp.lazy and target in ROOT_LAZY_EXPORTS:
        return []  # the lazy re-exports of leanxl/__init__.py (see ROOT_LAZY_EXPORTS)
    if imp.target != module:
        edges[module].add(imp.target)
    if module == "leanxl" and there > 0:
        return [f"{where} imports {imp.target} (layer {there}): leanxl/__init__.py may import "
                f"layer 0 only, and {', '.join(sorted(ROOT_LAZY_EXPORTS))} lazily"]
    if there > here:
        return [f"{where} imports {imp.target}: layer {here} ({source}) may not import "
                f"layer {there} ({target})"]
    if there == here and here in layers.hosts and target != source:
        return [f"{where} imports {imp.target}: hosts {source} and {target} must not "
                f"import each other"]
    return []


def _library_import(source: str, here: int, imp: Import, where: str,
                    layers: Layers) -> list[str]:
    library = imp.target
    if source == "kernels" and library not in KERNEL_LIBRARIES and library not in (
            sys.stdlib_module_names):
        return [f"{where} imports {library}: kernels may import only numpy and numba"]
    hosts = [u for u in HOST_LIBRARIES.get(library, ()) if u in layers.layer_of]
    if hosts and here < min(layers.layer_of[u] for u in hosts):
        return [f"{where} imports {library}: nothing below {' and '.join(hosts)} may"]
    return []


def readme_layers(text: str) -> list[list[str]]:
    """The layers the README's ``Layers:`` line names, lowest first."""
    line = next((ln for ln in text.splitlines() if ln.startswith("Layers")), None)
    assert line, "README.md has no line starting with 'Layers' summarising the layering"
    body = line.split(":", 1)[1]
    return [[name.strip(" `*.") for name in group.split(",")]
            for group in re.split(r"→|->", body)]


# --- the real package ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def layers() -> Layers:
    return Layers.parse(ARCHITECTURE.read_text(encoding="utf-8"))


def test_the_layer_table_names_every_unit_of_the_target_layout(layers: Layers) -> None:
    assert [sorted(group) for group in layers.order] == [
        ["csvfiles", "data", "datetexts", "domain", "errors", "office", "signals", "values",
         "xlsx"],
        ["kernels"], ["scoring"], ["kpi", "rules"], ["evidence", "functions", "sources"],
        ["calc", "excel", "recalc", "sheets"],
        ["__main__", "cli", "demo"]]
    assert layers.hosts == {5}


def test_readme_names_the_layers_in_the_same_order(layers: Layers) -> None:
    named = readme_layers(README.read_text(encoding="utf-8"))
    assert [sorted(g) for g in named] == [sorted(g) for g in layers.order]


def test_leanxl_imports_flow_only_upward_without_cycles(layers: Layers) -> None:
    found = violations(import_graph(PACKAGE), layers)
    assert not found, "layering violations:\n" + "\n".join(found)


# --- the check itself can fail ----------------------------------------------------------------

SYNTHETIC_LAYERS = Layers.parse(
    "```layers\n0 errors\n1 kernels\n2 scoring\n3 hosts: excel, sheets\n4 cli\n```\n")


def synthetic(sources: dict[str, str]) -> dict[str, list[Import]]:
    """An import graph from module name -> source text (names ending in a package mark)."""
    known = set(sources)
    return {name: imports_of(name, text, name in {"leanxl", "leanxl.kernels"}, known)
            for name, text in sources.items()}


def test_an_upward_import_inside_a_function_is_caught() -> None:
    graph = synthetic({
        "leanxl.errors": "",
        "leanxl.kernels": "",
        "leanxl.kernels.fit": "def f():\n    from leanxl.scoring import fit\n",
        "leanxl.scoring": "from leanxl.kernels import fit\n",
    })
    found = violations(graph, SYNTHETIC_LAYERS)
    assert ("leanxl.kernels.fit (line 2, in a function) imports leanxl.scoring: "
            "layer 1 (kernels) may not import layer 2 (scoring)") in found
    assert "import cycle: leanxl.kernels.fit -> leanxl.scoring -> leanxl.kernels.fit" in found


def test_dynamic_imports_are_seen_or_refused() -> None:
    graph = synthetic({
        "leanxl.errors": "",
        "leanxl.kernels": ("import importlib\n"
                           "def f():\n    importlib.import_module('leanxl.scoring')\n"),
        "leanxl.scoring": "def g(name):\n    return __import__(name)\n",
    })
    found = violations(graph, SYNTHETIC_LAYERS)
    assert ("leanxl.kernels (line 3, in a function) imports leanxl.scoring: "
            "layer 1 (kernels) may not import layer 2 (scoring)") in found
    assert any(line.startswith("leanxl.scoring (line 2, in a function): a dynamic import")
               for line in found)


def test_a_cycle_within_one_package_is_listed() -> None:
    graph = synthetic({
        "leanxl.scoring": "",
        "leanxl.scoring.a": "from leanxl.scoring import b\n",
        "leanxl.scoring.b": "def g():\n    from . import c\n",
        "leanxl.scoring.c": "import leanxl.scoring.a\n",
    })
    assert violations(graph, SYNTHETIC_LAYERS) == [
        "import cycle: leanxl.scoring.a -> leanxl.scoring.b -> leanxl.scoring.c -> "
        "leanxl.scoring.a"]


def test_hosts_of_one_layer_may_not_import_each_other() -> None:
    graph = synthetic({"leanxl.excel": "import leanxl.sheets\n", "leanxl.sheets": ""})
    assert violations(graph, SYNTHETIC_LAYERS) == [
        "leanxl.excel (line 1) imports leanxl.sheets: hosts excel and sheets must not "
        "import each other"]


def test_type_checking_imports_are_skipped_and_libraries_checked() -> None:
    graph = synthetic({
        "leanxl.errors": "from typing import TYPE_CHECKING\n"
                         "if TYPE_CHECKING:\n    from leanxl.cli import main\n",
        "leanxl.kernels": "import numpy\nimport pandas\n",
        "leanxl.scoring": "def f():\n    import openpyxl\n    import xlwings.server\n",
        "leanxl.sheets": "import openpyxl\n",
        "leanxl.cli": "",
        "leanxl.stray": "",
    })
    assert violations(graph, SYNTHETIC_LAYERS) == [
        "leanxl.kernels (line 2) imports pandas: kernels may import only numpy and numba",
        "leanxl.scoring (line 2, in a function) imports openpyxl: nothing below sheets may",
        "leanxl.scoring (line 3, in a function) imports xlwings: nothing below excel may",
        "leanxl.stray: not in any layer of docs/architecture.md",
    ]


def test_the_root_package_may_import_upward_only_lazily() -> None:
    graph = synthetic({
        "leanxl": "from leanxl.errors import E\n"
                  "def __getattr__(name):\n    from leanxl import scoring\n",
        "leanxl.errors": "",
        "leanxl.scoring": "import leanxl\n",
    })
    assert violations(graph, SYNTHETIC_LAYERS) == []
    graph["leanxl"] += imports_of("leanxl", "from leanxl import kernels\n", True,
                                  {"leanxl.kernels"})
    assert violations(graph, SYNTHETIC_LAYERS) == [
        "leanxl (line 1) imports leanxl.kernels (layer 1): leanxl/__init__.py may import "
        "layer 0 only, and rules, scoring lazily"]


def test_readme_layers_line_is_parsed_in_order() -> None:
    text = "intro\nLayers: `errors`, `domain` → `kernels` → scoring, x.\n"
    assert readme_layers(text) == [["errors", "domain"], ["kernels"], ["scoring", "x"]]
