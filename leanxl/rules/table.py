"""Decision tables: the model, and how one block of cells builds it.

Layout::

    DECISION Qualify   | FIRST
    IN buyer_maturity  | IN buyer_influence | OUT status {Qualified, Nurture} | OUT route | NOTE
    <=2                | <=2                | Qualified                       | AE        | ready
    -                  | -                  | Nurture                         | SDR       |

Rule rows run until the first empty row.  Example rows that test a table (run by
:func:`leanxl.rules.self_test` and ``leanxl check``) are a block anywhere on the same
workbook::

    EXAMPLES Qualify
    buyer_maturity | buyer_influence | OUT status | OUT route
    1              | 2               | Qualified  | AE
    5              | 5               | Nurture    | SDR

:func:`build_table` and :func:`build_examples` parse one block of cells and name mistakes with
a ``where(row, col)`` function; :mod:`leanxl.rules.loader` finds the blocks (in a 2-D list, a
CSV file or a worksheet) and caches parsing.  A table evaluates itself through its compiled
form (:mod:`leanxl.rules.compile`, which needs this module only for type hints); checks,
explanations and audits are functions over a table in their own modules, which import this
one and never the reverse.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leanxl.domain import FACTOR_KEYS, normalize_name
from leanxl.errors import ArgumentError, TableError
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
from leanxl.rules.compile import CompiledTable, compile_table
from leanxl.rules.policies import Aggregator, HitPolicy, parse_hit_policy, policy_label
from leanxl.values import is_blank

if TYPE_CHECKING:
    import pandas as pd

_FACTOR_NAMES = {normalize_name(k) for k in FACTOR_KEYS}
_HEADER_RE = re.compile(r"^(IN|OUT|NOTE|ANNOTATION)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_TITLE_RE = re.compile(r"^DECISION\b\s*(.*)$", re.IGNORECASE | re.DOTALL)


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

    def output_index(self, output: str | None) -> list[int]:
        """Indices of the outputs to return (all when ``output`` is None)."""
        if output is None:
            return list(range(len(self.outputs)))
        key = normalize_name(output)
        for i, col in enumerate(self.outputs):
            if col.key == key:
                return [i]
        names = [c.name for c in self.outputs]
        close = difflib.get_close_matches(output, names, n=1)
        raise ArgumentError(f"table {self.name} has no output '{output}' (outputs: "
                            f"{', '.join(names)})", where="output",
                            suggestion=f"did you mean {close[0]}?" if close else None)

    def __repr__(self) -> str:
        return (f"DecisionTable({self.name!r}, {self.hit_policy}, inputs="
                f"{[c.name for c in self.inputs]}, outputs={[c.name for c in self.outputs]}, "
                f"rules={len(self.rules)})")


# ---------------------------------------------------------------------------------- building

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


def build_examples(rows: Sequence[Sequence[object]], where: Where) -> list[Example]:
    """Parse one EXAMPLES block (title row first, then headers, then one example per row)."""
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
