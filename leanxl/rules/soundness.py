"""Prove a decision table sound: overlaps, conflicts, gaps, unreachable rules, examples.

Each input column gets a finite domain of representative values: the declared ``{...}``
list of its header, 1..5 for a lead factor, ``true``/``false`` for booleans, the texts of the
tests plus "any other text", and for other numbers every boundary point plus one value
between each pair and one outside each end (every test is constant between boundaries, so
this domain is exhaustive: a property that holds on it holds for every number).  A rule is
then a box: per column, the set of domain values its test accepts.  Gaps and unreachable
rules come from subtracting boxes (exact, no sampling); each finding carries a concrete lead.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from leanxl.domain import normalize_name
from leanxl.errors import CellError
from leanxl.rules.cells import (
    BOOL,
    NUM,
    TEXT,
    Interval,
    format_value,
    parse_output,
    same_value,
    split_list,
)
from leanxl.rules.policies import HitPolicy
from leanxl.rules.table import DecisionTable
from leanxl.values import is_blank

OTHER_TEXT = "(any other text)"
MAX_GAPS = 5
MAX_STEPS = 200_000  # box splits one search may take before it gives up (huge tables)
DEFAULT_SECONDS = 30.0  # a whole check of one table: past it, it says what it covered


class Budget:
    """How much work a check may do: seconds of wall time and/or box splits in total.

    A FIRST table of 1,000 rules x 50 ``not(...)`` inputs took more than 600 s unbounded;
    with a budget the check stops and its findings say what was covered.
    """

    def __init__(self, seconds: float | None = DEFAULT_SECONDS, steps: int | None = None):
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.steps = steps
        self.used = 0

    def spend(self, n: int = 1) -> bool:
        """Count ``n`` splits; False once the budget is spent."""
        self.used += n
        if self.steps is not None and self.used > self.steps:
            return False
        # the clock is read every 1,024 splits: cheap, and late by a few ms at most
        return not (self.deadline is not None and self.used % 1024 < n
                    and time.monotonic() > self.deadline)

    @property
    def spent(self) -> bool:
        return (self.steps is not None and self.used > self.steps) or (
            self.deadline is not None and time.monotonic() > self.deadline)

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem of a table, with a lead that shows it."""

    kind: str  # overlap | conflict | gap | unreachable | example | incomplete
    severity: str  # error | warning
    table: str
    message: str
    rules: tuple[int, ...] = ()
    example: dict[str, object] = field(default_factory=dict)
    where: str = ""

    def __str__(self) -> str:
        text = f"{self.where + ': ' if self.where else ''}{self.severity} [{self.table}] " \
               f"{self.kind}: {self.message}"
        if self.example:
            text += " — e.g. " + ", ".join(f"{k}={format_value(v)}"
                                           for k, v in self.example.items())
        return text


def column_domain(table: DecisionTable, j: int,
                  override: Mapping[str, Sequence[object]] | None = None) -> list[object]:
    """Representative values of input ``j`` (see module docstring)."""
    col = table.inputs[j]
    if override:
        for k, values in override.items():
            if normalize_name(k) == col.key:
                return list(values)
    if col.allowed:
        return list(col.allowed)
    if col.is_factor:
        return list(range(1, 6))
    if col.kind == BOOL:
        return [True, False]
    if col.kind == TEXT:
        texts = sorted({a for r in table.rules for a in r.tests[j].atoms if isinstance(a, str)})
        return [*texts, OTHER_TEXT]
    if col.kind == NUM:
        pts: set[float] = set()
        for r in table.rules:
            for a in r.tests[j].atoms:
                if isinstance(a, Interval):
                    pts.update(x for x in (a.lo, a.hi) if abs(x) != float("inf"))
        points = sorted(pts)
        if not points:
            return [0]
        reps: list[object] = [_num(points[0] - 1)]
        for lo, hi in zip(points, points[1:], strict=False):
            reps.append(_num(lo))
            integral = lo.is_integer() and hi.is_integer() and hi - lo >= 2
            reps.append(_num(lo + 1 if integral else (lo + hi) / 2))
        reps += [_num(points[-1]), _num(points[-1] + 1)]
        return reps
    return ["(any)"]


def _num(x: float) -> object:
    return int(x) if float(x).is_integer() else x


Box = tuple[int, ...]  # per column: bit set over that column's domain values


def _boxes(table: DecisionTable, domains: list[list[object]]) -> list[Box]:
    boxes = []
    for rule in table.rules:
        box = []
        for j, test in enumerate(rule.tests):
            s = 0
            for k, v in enumerate(domains[j]):
                if test.matches(v):
                    s |= 1 << k
            box.append(s)
        boxes.append(tuple(box))
    return boxes


def _point(box: Box, domains: list[list[object]]) -> list[int]:
    return [(s & -s).bit_length() - 1 for s in box]


def _uncovered(box: Box, rules: list[Box], limit: int,
               budget: Budget | None = None) -> tuple[list[Box], bool]:
    """Parts of ``box`` no box of ``rules`` covers (up to ``limit``); False if gave up."""
    out: list[Box] = []
    stack: list[tuple[Box, int]] = [(box, 0)]
    steps = 0
    while stack and len(out) < limit:
        steps += 1
        if steps > MAX_STEPS or (budget is not None and not budget.spend()):
            return out, False
        b, start = stack.pop()
        hit = -1
        for idx in range(start, len(rules)):
            r = rules[idx]
            if all(x & y for x, y in zip(b, r, strict=True)):
                hit = idx
                break
        if hit < 0:
            out.append(b)
            continue
        r = rules[hit]
        pre = list(b)
        for c in range(len(b)):
            rest = b[c] & ~r[c]
            if rest:
                stack.append((tuple(pre[:c]) + (rest,) + b[c + 1:], hit + 1))
            pre[c] = b[c] & r[c]
    return out, True


def check(table: DecisionTable,
          domain: Mapping[str, Sequence[object]] | None = None,
          budget: Budget | None = None) -> list[Finding]:
    """Prove a table sound: everything that can go wrong with it, each with an example lead.

    Parameters
    ----------
    table:
        A loaded decision table.
    domain:
        Optional representative values per input column (name -> values), replacing the
        domain derived from the table (see the module docstring).
    budget:
        Work allowed (default :class:`Budget`: 30 s).  When it runs out, the searches not
        finished are reported as ``incomplete`` findings saying what they covered.

    Returns
    -------
    list of Finding
        Overlaps (UNIQUE), conflicts (ANY), gaps and unreachable rules, each with a lead that
        shows it; then the failing example rows (see :func:`self_test`).
    """
    budget = budget if budget is not None else Budget()
    domains = [column_domain(table, j, domain) for j in range(len(table.inputs))]
    boxes = _boxes(table, domains)
    names = [c.name for c in table.inputs]
    findings: list[Finding] = []

    def example(idx: list[int]) -> dict[str, object]:
        return {names[j]: domains[j][k] for j, k in enumerate(idx)}

    rules = table.rules
    empty = {i for i, b in enumerate(boxes) if any(s == 0 for s in b)}
    for i in sorted(empty):
        j = next(j for j, s in enumerate(boxes[i]) if s == 0)
        findings.append(Finding(
            "unreachable", WARNING, table.name,
            f"rule {rules[i].number} can never match: no {names[j]} value passes "
            f"`{rules[i].tests[j].text}`", (rules[i].number,), {}, rules[i].where))

    if table.policy in (HitPolicy.UNIQUE, HitPolicy.ANY):
        for i in range(len(rules)):
            for k in range(i + 1, len(rules)):
                both = tuple(x & y for x, y in zip(boxes[i], boxes[k], strict=True))
                if any(s == 0 for s in both):
                    continue
                pair = (rules[i].number, rules[k].number)
                if table.policy is HitPolicy.UNIQUE:
                    findings.append(Finding(
                        "overlap", ERROR, table.name,
                        f"rules {pair[0]} and {pair[1]} both match (UNIQUE allows one; use "
                        "FIRST or PRIORITY, or narrow a rule)", pair,
                        example(_point(both, domains)), rules[k].where))
                elif not all(same_value(a, b) for a, b in zip(rules[i].outputs,
                                                               rules[k].outputs, strict=True)):
                    findings.append(Finding(
                        "conflict", ERROR, table.name,
                        f"rules {pair[0]} and {pair[1]} both match with different outputs "
                        "(ANY needs them equal)", pair, example(_point(both, domains)),
                        rules[k].where))

    gaps_budget = budget  # the gap search goes first: a user needs gaps most
    full = tuple((1 << len(d)) - 1 for d in domains)
    gaps, gaps_done = _uncovered(full, list(boxes), MAX_GAPS, gaps_budget)
    if table.policy is HitPolicy.FIRST:
        checked = 0
        for i in range(1, len(rules)):
            if budget.spent:
                break
            checked = i
            if i in empty:
                continue
            left, done = _uncovered(boxes[i], boxes[:i], 1, budget)
            if done and not left:
                idx = _point(boxes[i], domains)
                lead = example(idx)
                taker = next(rules[k].number for k in range(i) if all(
                    boxes[k][j] >> idx[j] & 1 for j in range(len(idx))))
                findings.append(Finding(
                    "unreachable", WARNING, table.name,
                    f"rule {rules[i].number} can never fire under FIRST: earlier rules take "
                    f"every lead it matches (this one goes to rule {taker})",
                    (rules[i].number, taker), lead, rules[i].where))
            elif not done and budget.spent:
                checked = i - 1
                break
        if checked < len(rules) - 1:
            findings.append(Finding(
                "incomplete", WARNING, table.name,
                f"unreachable rules: checked rules 1 to {checked + 1} of {len(rules)}; stopped "
                "at the budget (leanxl check --budget SECONDS)", (), {}, table.where))
    for g in gaps:
        findings.append(Finding(
            "gap", WARNING, table.name, "no rule matches this lead (it gets #N/A)"
            if table.aggregator is None or table.aggregator.value != "#" else
            "no rule matches this lead (count 0)", (), example(_point(g, domains)), table.where))
    if not gaps_done:
        why = ("stopped at the budget (leanxl check --budget SECONDS)" if budget.spent
               else "the table is too large to search for every gap")
        findings.append(Finding("incomplete", WARNING, table.name,
                                f"gaps: found {len(gaps)} before the search ended; {why}",
                                (), {}, table.where))
    findings += self_test(table)
    return findings


def _expected(value: object, list_result: bool) -> object:
    if isinstance(value, str) and value.strip().startswith("#"):
        return CellError(value.strip().upper(), "")
    if list_result and isinstance(value, str):
        return [parse_output(v) for v in split_list(value)]
    return parse_output(value)


def _same(expected: object, actual: object) -> bool:
    if isinstance(expected, CellError):
        return isinstance(actual, CellError) and actual.code == expected.code
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            _same(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(actual, CellError):
        return False
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.strip() == actual.strip()
    return same_value(expected, actual)


def self_test(table: DecisionTable) -> list[Finding]:
    """Run the table's EXAMPLES rows; one finding per example that fails.

    A blank expected cell means "not checked"; ``#N/A`` / ``#VALUE!`` expect that error;
    for list policies the expected cell lists the values, comma-separated.

    Parameters
    ----------
    table:
        A loaded decision table with its examples attached (:func:`load_sheet`, or
        ``table.examples``).

    Returns
    -------
    list of Finding
        One ``example`` finding per mismatch or unknown column; empty when all pass.
    """
    findings: list[Finding] = []
    out_keys = {c.key: i for i, c in enumerate(table.outputs)}
    for ex in table.examples:
        # Example cells typed as text ('1 in Excel, any CSV cell) read like output literals.
        given = {normalize_name(k): parse_output(v) if isinstance(v, str) else v
                 for k, v in ex.inputs.items()}
        columns = {c.name: [given.get(c.key)] for c in table.inputs}
        unknown = [k for k in ex.inputs if normalize_name(k) not in {c.key for c in
                                                                     table.inputs}]
        actual = table.evaluate_rows(columns)[0]
        for name, raw in ex.expected.items():
            if is_blank(raw):
                continue
            k = out_keys.get(normalize_name(name))
            if k is None:
                findings.append(Finding("example", ERROR, table.name,
                                        f"example names unknown output '{name}'", (), {},
                                        ex.where))
                continue
            want = _expected(raw, table.list_result)
            got = actual[k]
            if not _same(want, got):
                shown = (str(got) if isinstance(got, CellError) else
                         ", ".join(format_value(v) for v in got) if isinstance(got, list) else
                         "(blank)" if got is None else format_value(got))
                findings.append(Finding(
                    "example", ERROR, table.name,
                    f"expected {name} = {format_value(raw)}, the table gives {shown}",
                    (), {c.name: given.get(c.key) for c in table.inputs}, ex.where))
        if unknown:
            findings.append(Finding("example", WARNING, table.name,
                                    f"example columns {unknown} are not inputs of the table",
                                    (), {}, ex.where))
    return findings
