"""Explain one decision: the rule(s) that fired with their notes, or the nearest miss."""

from __future__ import annotations

from collections.abc import Mapping

from leanxl.domain import normalize_name
from leanxl.errors import CellError
from leanxl.rules.cells import format_value
from leanxl.rules.table import DecisionTable, Rule
from leanxl.values import is_blank


def _typed(value: object) -> object:
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    if is_blank(value):
        return None
    return value


def _outputs(table: DecisionTable, rule: Rule) -> str:
    return ", ".join(f"{c.name} = {format_value(v) if v is not None else '(blank)'}"
                     for c, v in zip(table.outputs, rule.outputs, strict=True))


def explain(table: DecisionTable, row: Mapping[str, object]) -> str:
    """Which rule(s) fired for one lead and why, or the nearest miss when none did.

    Parameters
    ----------
    table:
        A loaded decision table.
    row:
        One lead: input column name -> value (names match case-, space- and
        underscore-insensitively).

    Returns
    -------
    str
        The decision, then one line per fired rule with its note and passed tests; when no
        rule fired, the rule that failed the fewest tests and which.
    """
    decision, _ = table.compiled.decide_one(row)
    given = {normalize_name(k): _typed(v) for k, v in row.items()}
    values = [given.get(c.key) for c in table.inputs]
    head = f"{table.name} ({table.hit_policy})"
    if isinstance(decision, CellError):
        return f"{head}: {decision}"
    lines: list[str] = []
    fired = [table.rules[n - 1] for n in decision.rules]
    first_value = decision.values[0] if decision.values else None
    if isinstance(first_value, CellError):
        lines.append(f"{head}: {first_value}")
    elif not fired:
        lines.append(f"{head}: no rule matched (#N/A)" if table.aggregator is None or
                     table.aggregator.value != "#" else f"{head}: no rule matched (count 0)")
    else:
        result = ", ".join(f"{c.name} = {_show(v)}" for c, v in zip(table.outputs,
                                                                    decision.values,
                                                                    strict=True))
        lines.append(f"{head}: {result}")
    for rule in fired:
        reasons = "; ".join(
            f"{c.name} = {_show(v)} is {t.text}" for c, t, v in zip(table.inputs, rule.tests,
                                                                 values, strict=True)
            if not t.is_any) or "no conditions"
        note = f" — {rule.note}" if rule.note else ""
        lines.append(f"rule {rule.number} fired ({_outputs(table, rule)}){note}: {reasons}")
    if not fired:
        # Nearest miss: the rule failing the fewest conditions (earliest on ties).
        best: tuple[int, Rule, list[str]] | None = None
        for rule in table.rules:
            failed = [f"{c.name} = {_show(v)} is not {t.text}"
                      for c, t, v in zip(table.inputs, rule.tests, values, strict=True)
                      if not t.matches(v)]
            if best is None or len(failed) < best[0]:
                best = (len(failed), rule, failed)
        if best is not None:
            _, rule, failed = best
            note = f" — {rule.note}" if rule.note else ""
            lines.append(f"nearest: rule {rule.number} ({_outputs(table, rule)}){note} "
                         f"failed on {'; '.join(failed)}")
    return "\n".join(lines)


def _show(v: object) -> str:
    if v is None:
        return "(blank)"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, CellError):
        return str(v)
    return format_value(v)
