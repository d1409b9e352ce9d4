"""Decision tables: the model, and the loader that reads them from cells.

Layout (SPEC "Decision tables")::

    DECISION Qualify   | FIRST
    IN buyer_maturity  | IN buyer_influence | OUT status {Qualified, Nurture} | OUT route | NOTE
    <=2                | <=2                | Qualified                       | AE        | ready
    -                  | -                  | Nurture                         | SDR       |

Rule rows run until the first empty row.  Example rows that test a table (run by
:meth:`DecisionTable.self_test` and ``leanxl check``) are a block anywhere on the same
workbook::

    EXAMPLES Qualify
    buyer_maturity | buyer_influence | OUT status | OUT route
    1              | 2               | Qualified  | AE
    5              | 5               | Nurture    | SDR

The loader takes a plain 2-D list of cell values (what a cell function receives, errors name
cells ``R3C2`` relative to the list) or any worksheet-like object (``ws.title`` and
``ws.iter_rows()`` yielding cells with ``.value``, ``.row``, ``.column``; errors name
``Sheet!B3``).  It never imports openpyxl.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leanxl.cellcache import column_letter
from leanxl.domain import FACTOR_KEYS, normalize_name
from leanxl.errors import TableError
from leanxl.rules.cells import (
    BOOL,
    NUM,
    TEXT,
    CellSyntaxError,
    UnaryTest,
    format_value,
    parse_output,
    parse_test,
    parse_value_list,
    same_value,
)
from leanxl.rules.policies import Aggregator, HitPolicy, parse_hit_policy, policy_label
from leanxl.values import is_blank

if TYPE_CHECKING:
    import pandas as pd

    from leanxl.rules.audit import AuditReport
    from leanxl.rules.check import Finding
    from leanxl.rules.compile import CompiledTable

_FACTOR_NAMES = {normalize_name(k) for k in FACTOR_KEYS}
_HEADER_RE = re.compile(r"^(IN|OUT|NOTE|ANNOTATION)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_TITLE_RE = re.compile(r"^DECISION\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
# On a sheet, only upper-case DECISION / EXAMPLES followed by a name start a block, so a note
# such as "Decision makers" is not mistaken for a table.
_SHEET_TITLE_RE = re.compile(r"^DECISION\s+\S")
_EXAMPLES_RE = re.compile(r"^EXAMPLES\s+(\S.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class InputColumn:
    """An ``IN`` header: the lead column it reads and the type of its tests."""

    name: str
    kind: str | None  # NUM, TEXT, BOOL, or None when every cell is "-"
    allowed: tuple[object, ...] | None = None

    @property
    def key(self) -> str:
        return normalize_name(self.name)

    @property
    def is_factor(self) -> bool:
        return self.key in _FACTOR_NAMES


@dataclass(frozen=True, slots=True)
class OutputColumn:
    """An ``OUT`` header, with its allowed values in priority order when listed."""

    name: str
    allowed: tuple[object, ...] | None = None

    @property
    def key(self) -> str:
        return normalize_name(self.name)

    def priority(self, value: object) -> int:
        """Rank of ``value`` in the allowed list (0 = highest); unlisted last."""
        if self.allowed is None:
            return 0
        for i, v in enumerate(self.allowed):
            if same_value(v, value):
                return i
        return len(self.allowed)


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule row: its tests (one per input), outputs (one per output) and note."""

    number: int  # 1-based, in table order
    tests: tuple[UnaryTest, ...]
    outputs: tuple[object, ...]
    note: str = ""
    where: str = ""


@dataclass(frozen=True, slots=True)
class Example:
    """One self-test row: lead inputs and the outputs the table must give them."""

    inputs: dict[str, object]
    expected: dict[str, object]
    where: str = ""


@dataclass(eq=False)
class DecisionTable:
    """A parsed, validated decision table.  Build it with :func:`load` or :func:`load_sheet`."""

    name: str
    policy: HitPolicy
    aggregator: Aggregator | None
    inputs: tuple[InputColumn, ...]
    outputs: tuple[OutputColumn, ...]
    rules: tuple[Rule, ...]
    where: str = ""
    examples: list[Example] = field(default_factory=list)
    _compiled: Any = field(default=None, repr=False)

    @property
    def hit_policy(self) -> str:
        """The policy as written in short form: ``FIRST``, ``C+``..."""
        return policy_label(self.policy, self.aggregator)

    @property
    def list_result(self) -> bool:
        """True when each lead gets a list (RULE ORDER, OUTPUT ORDER, plain COLLECT)."""
        return not self.policy.single_hit and self.aggregator is None

    @property
    def compiled(self) -> CompiledTable:
        if self._compiled is None:
            from leanxl.rules.compile import compile_table

            self._compiled = compile_table(self)
        return self._compiled

    def evaluate(self, data: Any, output: str | None = None) -> pd.DataFrame:
        """Decide every lead of ``data``.

        Parameters
        ----------
        data:
            A DataFrame or a mapping of column name -> sequence; input columns are found by
            name (case-, space- and underscore-insensitive).
        output:
            Only this output column (default: all outputs).

        Returns
        -------
        pandas.DataFrame
            One column per output (categorical; lists for RULE ORDER, OUTPUT ORDER and plain
            COLLECT) and ``rules``: the tuple of fired 1-based rule numbers.  A row that
            fails holds a :class:`~leanxl.errors.CellError` in its output cells.
        """
        return self.compiled.evaluate(data, output)

    def evaluate_rows(self, columns: Mapping[str, Sequence[object]],
                      output: str | None = None) -> list[list[object]]:
        """Fast path for a few leads (cell functions): plain lists in, plain lists out.

        Returns one list per lead holding the value of each output (or only ``output``); a
        list policy gives a list in each slot; a failed lead holds ``CellError`` objects.
        """
        return self.compiled.evaluate_rows(columns, output)

    def check(self, domain: Mapping[str, Sequence[object]] | None = None) -> list[Finding]:
        """Overlaps (UNIQUE), conflicts (ANY), gaps and unreachable rules, each with an
        example input; plus failing examples (see :meth:`self_test`)."""
        from leanxl.rules.check import check_table

        return check_table(self, domain)

    def self_test(self) -> list[Finding]:
        """Run the table's example rows; one finding per example that fails."""
        from leanxl.rules.check import run_examples

        return run_examples(self)

    def explain(self, row: Mapping[str, object]) -> str:
        """Which rule(s) fired for one lead and why, or the nearest miss when none did."""
        from leanxl.rules.explain import explain_row

        return explain_row(self, row)

    def audit(self, data: Any, recorded: str | Sequence[object],
              output: str | None = None) -> AuditReport:
        """Rows where a recorded decision differs from the table, counted per rule."""
        from leanxl.rules.audit import audit

        return audit(self, data, recorded, output=output)

    def output_index(self, output: str | None) -> list[int]:
        """Indices of the outputs to return (all when ``output`` is None)."""
        if output is None:
            return list(range(len(self.outputs)))
        key = normalize_name(output)
        for i, col in enumerate(self.outputs):
            if col.key == key:
                return [i]
        from leanxl.errors import ArgumentError

        names = [c.name for c in self.outputs]
        close = difflib.get_close_matches(output, names, n=1)
        raise ArgumentError(f"table {self.name} has no output '{output}' (outputs: "
                            f"{', '.join(names)})", where="output",
                            suggestion=f"did you mean {close[0]}?" if close else None)

    def __repr__(self) -> str:
        return (f"DecisionTable({self.name!r}, {self.hit_policy}, inputs="
                f"{[c.name for c in self.inputs]}, outputs={[c.name for c in self.outputs]}, "
                f"rules={len(self.rules)})")


# ---------------------------------------------------------------------------------- loading

Where = Callable[[int, int], str]


def relative_where(row: int, col: int) -> str:
    """Address inside a bare 2-D list, 1-based: ``R3C2``."""
    return f"R{row + 1}C{col + 1}"


class _Collector:
    """Gathers every mistake of one table, so ``leanxl check`` can list them all."""

    def __init__(self, where: Where):
        self.where = where
        self.errors: list[TableError] = []

    def add(self, row: int, col: int, message: str, suggestion: str | None = None) -> None:
        self.errors.append(TableError(message, where=self.where(row, col), suggestion=suggestion))


def _cell(rows: Sequence[Sequence[object]], r: int, c: int) -> object:
    if r < len(rows) and c < len(rows[r]):
        return rows[r][c]
    return None


def build_table(rows: Sequence[Sequence[object]], where: Where = relative_where,
                name: str | None = None) -> tuple[DecisionTable | None, list[TableError]]:
    """Parse one table block (title row first) and collect every mistake.

    Returns the table (None when it has errors) and the list of errors.
    """
    errs = _Collector(where)
    title = _cell(rows, 0, 0)
    m = _TITLE_RE.match(title.strip()) if isinstance(title, str) else None
    policy_cell = _cell(rows, 0, 1)
    if m is None:
        errs.add(0, 0, "a decision table starts with a `DECISION <name>` cell",
                 f"write `DECISION {name or 'Qualify'}` here and the hit policy to its right")
        return None, errs.errors
    title_name = m.group(1).strip()
    if "|" in title_name and is_blank(policy_cell):  # "DECISION Qualify | FIRST" in one cell
        title_name, _, policy_cell = (s.strip() for s in title_name.partition("|"))
    table_name = name or title_name or "Decision"
    try:
        policy, aggregator = parse_hit_policy(policy_cell)
    except CellSyntaxError as exc:
        errs.add(0, 1, exc.message, exc.suggestion)
        policy, aggregator = HitPolicy.UNIQUE, None

    # Header row: up to the first empty cell.
    header = list(rows[1]) if len(rows) > 1 else []
    width = 0
    while width < len(header) and not is_blank(header[width]):
        width += 1
    if width == 0:
        errs.add(1, 0, "the row under DECISION must hold the headers",
                 "write `IN <lead column>` ... `OUT <output>` [`NOTE`]")
        return None, errs.errors
    in_cols: list[tuple[int, str, tuple[object, ...] | None]] = []
    out_cols: list[tuple[int, str, tuple[object, ...] | None]] = []
    note_col: int | None = None
    seen: dict[str, int] = {}
    for c in range(width):
        text = str(header[c]).strip()
        hm = _HEADER_RE.match(text)
        if hm is None:
            kind = "OUT" if out_cols else "IN"
            errs.add(1, c, f"header `{text}` is not IN, OUT or NOTE",
                     f"did you mean `{kind} {text}`?")
            continue
        word, rest = hm.group(1).upper(), hm.group(2).strip()
        if word in ("NOTE", "ANNOTATION"):
            if note_col is not None:
                errs.add(1, c, "a table has one NOTE column", "merge the notes into one column")
            note_col = c
            continue
        allowed: tuple[object, ...] | None = None
        lm = re.match(r"^(.*?)\s*\{(.*)\}\s*$", rest, re.DOTALL)
        if lm:
            rest = lm.group(1).strip()
            try:
                allowed = parse_value_list(lm.group(2))
            except CellSyntaxError as exc:
                errs.add(1, c, exc.message, exc.suggestion)
        elif "{" in rest:
            errs.add(1, c, "the list of allowed values is not closed",
                     f"did you mean `{word} {rest}}}`?")
            rest = rest.split("{")[0].strip()
        if rest == "":
            errs.add(1, c, f"`{word}` needs a name", f"write e.g. `{word} buyer_maturity`")
            continue
        key = normalize_name(rest)
        if key in seen:
            errs.add(1, c, f"`{rest}` appears twice in the headers",
                     "give each column its own name")
        seen[key] = c
        if word == "IN":
            if out_cols:
                errs.add(1, c, "IN columns come before OUT columns",
                         "move this column left of the first OUT")
            in_cols.append((c, rest, allowed))
        else:
            out_cols.append((c, rest, allowed))
    if not out_cols and not errs.errors:
        errs.add(1, width - 1 if width else 0, "the table has no OUT column",
                 "add a header such as `OUT status`")
    if not in_cols and not errs.errors:
        errs.add(1, 0, "the table has no IN column",
                 "add a header such as `IN buyer_maturity` left of the outputs")

    # Rule rows until the first empty row.
    rule_rows: list[int] = []
    r = 2
    while r < len(rows) and not all(is_blank(_cell(rows, r, c)) for c in range(width)):
        rule_rows.append(r)
        r += 1
    if not rule_rows:
        errs.add(2 if len(rows) > 2 else 1, 0, "the table has no rules",
                 "write one rule per row under the headers")

    # Parse every cell; then settle each input column's type.
    tests: dict[tuple[int, int], UnaryTest] = {}
    for r in rule_rows:
        for c, _, _ in in_cols:
            try:
                tests[r, c] = parse_test(_cell(rows, r, c))
            except CellSyntaxError as exc:
                errs.add(r, c, exc.message, exc.suggestion)
                tests[r, c] = parse_test(None)
    inputs: list[InputColumn] = []
    for c, col_name, allowed in in_cols:
        col_kind = _column_kind(col_name, allowed, [(r, tests[r, c]) for r in rule_rows], c,
                                errs)
        if allowed is not None:
            for r in rule_rows:
                for atom in tests[r, c].atoms:
                    if not isinstance(atom, str | bool):
                        continue
                    if not any(same_value(atom, v) for v in allowed):
                        errs.add(r, c, f"`{format_value(atom)}` is not an allowed value of "
                                 f"{col_name}", _closest(atom, allowed))
        inputs.append(InputColumn(col_name, col_kind, allowed))

    outputs = [OutputColumn(n, allowed) for _, n, allowed in out_cols]
    rules: list[Rule] = []
    for number, r in enumerate(rule_rows, start=1):
        values: list[object] = []
        for (c, col_name, allowed) in out_cols:
            try:
                v = parse_output(_cell(rows, r, c))
            except CellSyntaxError as exc:
                errs.add(r, c, exc.message, exc.suggestion)
                v = None
            if allowed is not None and v is not None and not any(
                    same_value(v, a) for a in allowed):
                errs.add(r, c, f"`{format_value(v)}` is not an allowed value of {col_name} "
                         f"{{{', '.join(format_value(a) for a in allowed)}}}",
                         _closest(v, allowed))
            values.append(v)
        note = _cell(rows, r, note_col) if note_col is not None else None
        rules.append(Rule(number, tuple(tests[r, c] for c, _, _ in in_cols), tuple(values),
                          "" if is_blank(note) else str(note).strip(), where(r, 0)))

    # Policy-specific requirements.
    if policy in (HitPolicy.PRIORITY, HitPolicy.OUTPUT_ORDER) and out_cols and not any(
            a is not None for _, _, a in out_cols):
        c0, n0, _ = out_cols[0]
        errs.add(1, c0, f"{policy.value} ranks outputs by their list of allowed values, and "
                 "no OUT header has one", f"write e.g. `OUT {n0} {{Qualified, Nurture}}`")
    if aggregator is not None:
        if len(out_cols) > 1:
            errs.add(0, 1, f"C{aggregator.value} aggregates a single output; this table has "
                     f"{len(out_cols)}", "use plain COLLECT, or split the table")
        elif aggregator is not Aggregator.COUNT and out_cols:
            c0 = out_cols[0][0]
            for rule, r in zip(rules, rule_rows, strict=True):
                v = rule.outputs[0]
                if v is not None and (isinstance(v, bool) or not isinstance(v, float)):
                    errs.add(r, c0, f"C{aggregator.value} needs numbers, not "
                             f"`{format_value(v)}`", "write a number, or use plain COLLECT")
    if errs.errors:
        return None, errs.errors
    return DecisionTable(table_name, policy, aggregator, tuple(inputs), tuple(outputs),
                         tuple(rules), where(0, 0)), []


def _closest(value: object, allowed: Sequence[object]) -> str | None:
    names = [format_value(a) for a in allowed]
    close = difflib.get_close_matches(format_value(value), names, n=1, cutoff=0.5)
    if close:
        return f"did you mean `{close[0]}`?"
    return f"use one of {', '.join(names)}"


def _column_kind(name: str, allowed: tuple[object, ...] | None,
                 cells: list[tuple[int, UnaryTest]], c: int, errs: _Collector) -> str | None:
    """The type of an input column: from its name (factors are numbers), its allowed list,
    or the majority of its cells; cells of another type are errors."""
    if normalize_name(name) in _FACTOR_NAMES:
        kind: str | None = NUM
    elif allowed:
        kind = _value_kind(allowed[0])
    else:
        counts: dict[str, int] = {}
        for _, t in cells:
            if t.kind:
                counts[t.kind] = counts.get(t.kind, 0) + 1
        kind = max(counts, key=lambda k: counts[k]) if counts else None
    for r, t in cells:
        if t.kind and t.kind != kind:
            if kind == NUM and t.kind == TEXT:
                hint = ("factors are scored 1..5: write e.g. `<=2`" if normalize_name(name)
                        in _FACTOR_NAMES else "write a number or a test such as `<=2`")
                errs.add(r, c, f"`{t.text}` is text but {name} holds numbers", hint)
            else:
                errs.add(r, c, f"`{t.text}` is a {t.kind} test but {name} holds {kind}s",
                         f"keep one type per column ({kind})")
    return kind


def _value_kind(value: object) -> str:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, float | int):
        return NUM
    return TEXT


def _as_rows(source: object) -> list[list[object]]:
    if isinstance(source, str | Path):
        path = Path(source)
        if path.suffix.lower() != ".csv":
            raise TableError("load() reads a 2-D list of cells or a .csv file",
                             where=str(path),
                             suggestion="for a workbook use load_sheet(ws) or `leanxl check`")
        if not path.exists():
            raise TableError("file not found", where=str(path))
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return [[v if v != "" else None for v in row] for row in csv.reader(fh)]
    if hasattr(source, "values") and hasattr(source, "columns"):  # a DataFrame of cells
        body = [list(r) for r in source.values.tolist()]
        if type(source.columns).__name__ == "RangeIndex":  # read with header=None
            return body
        return [list(source.columns), *body]
    if not isinstance(source, Sequence) or not all(
            isinstance(r, Sequence) and not isinstance(r, str) for r in source):
        raise TableError("a decision table is a 2-D list of cells (rows of values)",
                         where="table", suggestion="pass the table's whole range, title row "
                         "`DECISION <name>` first")
    return [list(r) for r in source]


# ------------------------------------------------------------------------------ worksheets


def _sheet_where(title: str, top: int, left: int) -> Where:
    quoted = f"'{title}'" if re.search(r"[^A-Za-z0-9_]", title) else title

    def where(r: int, c: int) -> str:
        return f"{quoted}!{column_letter(left + c)}{top + r}"

    return where


def _sheet_cells(ws: Any) -> dict[tuple[int, int], object]:
    grid: dict[tuple[int, int], object] = {}
    for row in ws.iter_rows():
        for cell in row:
            value = getattr(cell, "value", None)
            if is_blank(value):
                continue
            r = getattr(cell, "row", None)
            c = getattr(cell, "column", None)
            if r is None or c is None:
                continue
            if isinstance(c, str):  # very old openpyxl: column letters
                n = 0
                for ch in c:
                    n = n * 26 + ord(ch.upper()) - 64
                c = n
            grid[int(r), int(c)] = value
    return grid


def _block(grid: Mapping[tuple[int, int], object], top: int, left: int) -> list[list[object]]:
    """Title row, header row (to its first empty cell) and rows up to the first empty row."""
    width = 0
    while (top + 1, left + width) in grid:
        width += 1
    width = max(width, 2)
    rows = [[grid.get((top, left + c)) for c in range(width)],
            [grid.get((top + 1, left + c)) for c in range(width)]]
    r = top + 2
    while any((r, left + c) in grid for c in range(width)):
        rows.append([grid.get((r, left + c)) for c in range(width)])
        r += 1
    return rows


class GridSheet:
    """A worksheet-like view of a 2-D list (a CSV file), so it can hold several blocks."""

    class _Cell:
        __slots__ = ("value", "row", "column")

        def __init__(self, value: object, row: int, column: int):
            self.value, self.row, self.column = value, row, column

    def __init__(self, title: str, rows: Sequence[Sequence[object]]):
        self.title = title
        self._rows = rows

    def iter_rows(self) -> Iterable[list[GridSheet._Cell]]:
        for r, row in enumerate(self._rows, start=1):
            yield [GridSheet._Cell(v, r, c) for c, v in enumerate(row, start=1)]


@dataclass
class SheetBlocks:
    """What one worksheet holds: tables, their errors, and example blocks."""

    tables: list[DecisionTable]
    errors: list[TableError]
    examples: list[tuple[str, list[Example], str]]  # (table name, examples, where)


def scan_sheet(ws: Any) -> SheetBlocks:
    """Find every ``DECISION`` and ``EXAMPLES`` block on a worksheet, collecting errors."""
    grid = _sheet_cells(ws)
    title = str(getattr(ws, "title", "Sheet"))
    tables: list[DecisionTable] = []
    errors: list[TableError] = []
    examples: list[tuple[str, list[Example], str]] = []
    for (r, c), value in sorted(grid.items()):
        if not isinstance(value, str):
            continue
        where = _sheet_where(title, r, c)
        if _SHEET_TITLE_RE.match(value.strip()):
            table, errs = build_table(_block(grid, r, c), where)
            errors.extend(errs)
            if table is not None:
                tables.append(table)
        else:
            em = _EXAMPLES_RE.match(value.strip())
            if em:
                try:
                    examples.append((em.group(1).strip(),
                                     _parse_examples(_block(grid, r, c), where), where(0, 0)))
                except TableError as exc:
                    errors.append(exc)
    return SheetBlocks(tables, errors, examples)


def _parse_examples(rows: list[list[object]], where: Where) -> list[Example]:
    header = rows[1]
    names: list[tuple[bool, str]] = []  # (is_output, name)
    for h in header:
        if is_blank(h):
            break
        text = str(h).strip()
        hm = _HEADER_RE.match(text)
        if hm and hm.group(1).upper() == "OUT":
            names.append((True, hm.group(2).strip()))
        elif hm and hm.group(1).upper() == "IN":
            names.append((False, hm.group(2).strip()))
        else:
            names.append((False, text))
    if not any(out for out, _ in names):
        raise TableError("an EXAMPLES block needs at least one `OUT <output>` column with "
                         "the expected result", where=where(1, 0),
                         suggestion="write `OUT status` over the expected values")
    result: list[Example] = []
    for r in range(2, len(rows)):
        inputs: dict[str, object] = {}
        expected: dict[str, object] = {}
        for c, (is_out, n) in enumerate(names):
            v = rows[r][c] if c < len(rows[r]) else None
            if is_out:
                expected[n] = v
            else:
                inputs[n] = v
        result.append(Example(inputs, expected, where(r, 0)))
    return result


def load_sheet(ws: Any) -> list[DecisionTable]:
    """Every decision table on a worksheet, with its EXAMPLES attached.

    Parameters
    ----------
    ws:
        A worksheet-like object: ``ws.title`` and ``ws.iter_rows()`` yielding cells with
        ``.value``, ``.row`` and ``.column``.

    Raises
    ------
    TableError
        The first mistake, named ``Sheet!B3``, with a suggestion.
    """
    blocks = scan_sheet(ws)
    if blocks.errors:
        raise blocks.errors[0]
    # Examples for a table on another sheet are attached by the workbook-level check.
    attach_examples(blocks.tables, blocks.examples, strict=False)
    return blocks.tables


def attach_examples(tables: Iterable[DecisionTable],
                    examples: Iterable[tuple[str, list[Example], str]],
                    strict: bool = True) -> None:
    """Give each table the EXAMPLES blocks named after it (unknown names are errors)."""
    by_name = {normalize_name(t.name): t for t in tables}
    for name, rows, where in examples:
        table = by_name.get(normalize_name(name))
        if table is None:
            if not strict:
                continue
            close = difflib.get_close_matches(name, [t.name for t in by_name.values()], n=1)
            raise TableError(f"EXAMPLES for unknown table '{name}'", where=where,
                             suggestion=f"did you mean {close[0]}?" if close else
                             "name the table as in its DECISION cell")
        table.examples.extend(rows)
