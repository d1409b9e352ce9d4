"""The Python examples of README.md and docs/*.md run as doctests and give what they show.

Every fenced ```python block is parsed with doctest; the blocks of one page share one namespace
and run in order, so a page reads like one session. README.md must hold at least one example.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```", re.M | re.S)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, source) of every ```python block of a markdown text."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def page_examples(page: Path) -> list[doctest.DocTest]:
    """One DocTest per python block, all sharing one namespace (run with clear_globs=False)."""
    parser = doctest.DocTestParser()
    namespace: dict[str, object] = {}
    name = page.relative_to(ROOT).as_posix()
    tests = []
    for line, source in python_blocks(page.read_text(encoding="utf-8")):
        test = parser.get_doctest(source, namespace, f"{name}:{line}", name, line - 1)
        test.globs = namespace  # get_doctest copies the namespace; later blocks need earlier names
        tests.append(test)
    return tests


def test_readme_has_doctests() -> None:
    assert sum(len(t.examples) for t in page_examples(ROOT / "README.md")) > 0


def test_readme_is_read_in_ten_minutes() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_page_examples_run(page: Path) -> None:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    for test in page_examples(page):
        runner.run(test, out=report.append, clear_globs=False)
    assert runner.failures == 0, "".join(report)


@pytest.mark.parametrize("page", [*PAGES, ROOT / "bench" / "RESULTS.md"],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_page_links_reach_files(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    missing = [t for t in targets if not t.startswith(("http://", "https://", "#"))
               and not (page.parent / t.split("#")[0]).exists()]
    assert not missing, f"{page.name} links to missing files: {missing}"
