"""leanxl.rules imports one way: no module imports, at run time, one that imports it back.

An import inside a function counts (it runs the first time the function does); one under
``if TYPE_CHECKING:`` does not.  A cycle works until someone imports the modules in another
order or moves an import to the top, so the check reads the source instead of trusting that
today's order happens to work.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import leanxl.rules

RULES_DIR = Path(leanxl.rules.__file__).parent
PACKAGE = "leanxl.rules"


def _module_name(path: Path) -> str:
    return PACKAGE if path.name == "__init__.py" else f"{PACKAGE}.{path.stem}"


MODULES = sorted(_module_name(p) for p in RULES_DIR.glob("*.py"))
SUBMODULES = [m for m in MODULES if m != PACKAGE]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST, modules: set[str]) -> set[str]:
    """The package modules ``tree`` imports at run time (module level or in a function)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:  # the else branch does run
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            for alias in node.names:  # `from leanxl.rules import table` imports a module
                if f"{base}.{alias.name}" in modules:
                    found.add(f"{base}.{alias.name}")
                elif base in modules:
                    found.add(base)
            if base == "leanxl" and any(a.name == "rules" for a in node.names):
                found.add(PACKAGE)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(sources: dict[str, str]) -> dict[str, set[str]]:
    """Module -> the package modules it imports at run time."""
    names = set(sources)
    return {m: _runtime_imports(ast.parse(src), names) - {m} for m, src in sources.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for dep in sorted(graph.get(m, ())):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state:
                cycle = visit(dep)
                if cycle:
                    return cycle
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = visit(m)
            if cycle:
                return cycle
    return None


def _sources() -> dict[str, str]:
    return {_module_name(p): p.read_text(encoding="utf-8") for p in RULES_DIR.glob("*.py")}


def test_no_runtime_import_cycle_in_rules():
    graph = import_graph(_sources())
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


def test_the_table_model_imports_no_function_over_a_table():
    graph = import_graph(_sources())
    functions_over_a_table = {f"{PACKAGE}.{m}" for m in ("soundness", "explanation",
                                                         "deviations", "loader")}
    assert not graph[f"{PACKAGE}.table"] & functions_over_a_table


def test_the_cycle_finder_sees_imports_inside_functions_and_ignores_type_checking():
    sources = {
        "leanxl.rules.a": "from leanxl.rules.b import x\n",
        "leanxl.rules.b": "def f():\n    from leanxl.rules import a\n",
        "leanxl.rules.c": "from typing import TYPE_CHECKING\n"
                          "if TYPE_CHECKING:\n    from leanxl.rules.a import y\n",
    }
    graph = import_graph(sources)
    assert graph == {"leanxl.rules.a": {"leanxl.rules.b"}, "leanxl.rules.b": {"leanxl.rules.a"},
                     "leanxl.rules.c": set()}
    assert find_cycle(graph) == ["leanxl.rules.a", "leanxl.rules.b", "leanxl.rules.a"]
    assert find_cycle({"leanxl.rules.c": set()}) is None


def test_no_submodule_is_shadowed_by_a_package_attribute():
    # `leanxl.rules.check` the function must not hide a module `leanxl.rules.check`:
    # `import leanxl.rules.X as m` would then bind the function.
    import importlib

    for name in SUBMODULES:
        module = importlib.import_module(name)
        attr = getattr(leanxl.rules, name.rsplit(".", 1)[1], module)
        assert attr is module, f"leanxl.rules.{name.rsplit('.', 1)[1]} is not the module"


# Exercise every function over a table, so imports inside functions run too.
_USE = """
import leanxl.rules as rules
cells = [["DECISION Q", "FIRST"], ["IN a", "OUT s"], ["<=2", "low"], ["-", "high"]]
table = rules.load(cells)
assert table.evaluate_rows({"a": [1, 3]}) == [["low"], ["high"]]
assert [f.kind for f in rules.check(table)] == []
table.examples.append(rules.Example({"a": 1}, {"s": "high"}))
assert [f.kind for f in rules.self_test(table)] == ["example"]
assert "rule 1 fired" in rules.explain(table, {"a": 1})
report = rules.audit(table, {"a": [1, 3], "done": ["low", "low"]}, "done")
assert report.n_deviations == 1
print("ok")
"""


@pytest.mark.parametrize("first", SUBMODULES)
def test_each_module_imports_first_in_a_fresh_interpreter(first: str):
    rest = [m for m in SUBMODULES if m != first]
    script = "\n".join([
        "import importlib",
        f"importlib.import_module({first!r})",
        *(f"importlib.import_module({m!r})" for m in [*rest, *reversed(rest)]),
        _USE,
    ])
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
