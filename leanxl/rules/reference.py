"""A plain-Python interpreter of decision tables: rule by rule, straight from DMN 1.3.

It shares only the parsed table (tests and outputs) with the compiled engine; typing of lead
values, matching order and every hit policy are written again here, from the standard's
definitions, so the tests can use it as an oracle and the benchmark as the naive baseline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from leanxl.domain import normalize_name
from leanxl.errors import NA, VALUE, CellError
from leanxl.rules.cells import BOOL, NUM, TEXT
from leanxl.rules.policies import Aggregator, HitPolicy
from leanxl.rules.table import DecisionTable, Rule
from leanxl.values import is_blank

Result = tuple[tuple[object, ...], tuple[int, ...]]  # (output values, fired rule numbers)


class _Invalid:
    pass


INVALID = _Invalid()


def typed(kind: str | None, value: object) -> object:
    """A lead value as the cell language sees it; ``INVALID`` for a type mismatch."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if is_blank(value):
        return None
    if kind is None:
        return value
    if kind == NUM:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return INVALID
    if kind == TEXT:
        return value.strip() if isinstance(value, str) else INVALID
    assert kind == BOOL
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    return INVALID


def _priority(table: DecisionTable, rule: Rule) -> tuple[int, ...]:
    return tuple(col.priority(v) for col, v in zip(table.outputs, rule.outputs, strict=True))


def decide(table: DecisionTable, lead: Mapping[str, object]) -> Result:
    """The table's result for one lead (a mapping of column name -> value)."""
    given = {normalize_name(k): v for k, v in lead.items()}
    n_out = len(table.outputs)
    values = []
    for col in table.inputs:
        v = typed(col.kind, given.get(col.key))
        if v is INVALID:
            return (CellError(VALUE, f"bad {col.name}"),) * n_out, ()
        values.append(v)
    matches = [r for r in table.rules
               if all(t.matches(v) for t, v in zip(r.tests, values, strict=True))]
    numbers = tuple(r.number for r in matches)
    policy, agg = table.policy, table.aggregator
    if agg is Aggregator.COUNT:
        return (float(len(matches)),), numbers
    if not matches:
        return (CellError(NA, "no match"),) * n_out, ()
    if policy is HitPolicy.UNIQUE:
        if len(matches) > 1:
            return (CellError(VALUE, "several"),) * n_out, numbers
        return matches[0].outputs, numbers
    if policy is HitPolicy.ANY:
        if any(r.outputs != matches[0].outputs for r in matches):
            return (CellError(VALUE, "disagree"),) * n_out, numbers
        return matches[0].outputs, (matches[0].number,)
    if policy is HitPolicy.FIRST:
        return matches[0].outputs, (matches[0].number,)
    if policy is HitPolicy.PRIORITY:
        best = min(matches, key=lambda r: (_priority(table, r), r.number))
        return best.outputs, (best.number,)
    if agg is not None:
        outs = [r.outputs[0] for r in matches if r.outputs[0] is not None]
        if not outs:
            return (CellError(NA, "blank"),), numbers
        if agg is Aggregator.SUM:
            return (float(math.fsum(outs)),), numbers  # type: ignore[arg-type]
        pick = min if agg is Aggregator.MIN else max
        return (float(pick(outs)),), numbers  # type: ignore[type-var, arg-type]
    if policy is HitPolicy.OUTPUT_ORDER:
        matches = sorted(matches, key=lambda r: (_priority(table, r), r.number))
    return tuple([r.outputs[k] for r in matches] for k in range(n_out)), tuple(
        r.number for r in matches)


def evaluate(table: DecisionTable, leads: Sequence[Mapping[str, object]]) -> list[Result]:
    """:func:`decide` for each lead."""
    return [decide(table, lead) for lead in leads]
