"""Deviation audit: where did people record a decision other than the rules' (the seed's
"NEVER deviate")?"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leanxl.domain import normalize_name
from leanxl.errors import ArgumentError, CellError
from leanxl.rules.cells import format_value, parse_output
from leanxl.values import is_blank

if TYPE_CHECKING:
    import pandas as pd

    from leanxl.rules.table import DecisionTable


@dataclass
class AuditReport:
    """Deviations of recorded decisions from a table, per rule.

    Attributes
    ----------
    per_rule:
        One row per rule that decided some lead (``rule`` 0 = no rule matched / error):
        ``rule``, ``note``, ``expected``, ``leads``, ``deviations``, ``share`` (0..1).
    deviations:
        The deviating leads: the data's index, ``rule``, ``expected``, ``recorded``.
    not_recorded:
        Leads with a blank recorded value: not audited (not in ``total``).
    lead_rules, followed:
        Per lead, in the data's order: the rule that decided it (0 = none) and whether the
        recorded value followed the rules' (False when nothing was recorded); what
        :func:`leanxl.rules.deviation_cost` groups by.
    """

    table: str
    output: str
    total: int
    per_rule: pd.DataFrame
    deviations: pd.DataFrame
    not_recorded: int = 0
    lead_rules: list[int] = field(default_factory=list)
    followed: list[bool] = field(default_factory=list)

    @property
    def n_deviations(self) -> int:
        return len(self.deviations)

    def __str__(self) -> str:
        share = self.n_deviations / self.total if self.total else 0.0
        lines = [f"{self.table}: {self.n_deviations} of {self.total} leads "
                 f"({share:.1%}) recorded a {self.output} other than the rules'"]
        if self.not_recorded:
            lines[0] += f" ({self.not_recorded} more recorded none: not audited)"
        for r in self.per_rule.itertuples(index=False):
            if r.deviations == 0:
                continue
            label = f"rule {r.rule}" if r.rule else "no rule"
            note = f" ({r.note})" if r.note else ""
            lines.append(f"  {label}{note} -> {r.expected}: {r.deviations} of {r.leads} "
                         f"leads deviated ({r.share:.1%})")
        return "\n".join(lines)


def follows_decision(recorded: object, decided: object) -> bool | None:
    """Did a recorded status follow the rules' decision?  ``None`` when nothing was recorded.

    The one definition for ``leanxl audit`` and the Leads sheet's "Follows rules" column:
    texts compare trimmed and case-insensitively, numbers as numbers (``1`` is ``1.0``), and a
    decision that is an error value (no rule matched) is followed by nothing.

    >>> follows_decision("qualified ", "Qualified"), follows_decision("  ", "Qualified")
    (True, None)
    """
    if is_blank(recorded):
        return None
    if isinstance(decided, CellError):
        return False
    want, got = _norm(decided), _norm(recorded)
    if isinstance(want, str) or isinstance(got, str):
        return (isinstance(want, str) and isinstance(got, str)
                and want.strip().casefold() == got.strip().casefold())
    return bool(want == got)


def follows_decisions(recorded: Sequence[object], decided: Sequence[object]
                      ) -> list[bool | None]:
    """:func:`follows_decision` of each pair, computed once per distinct pair.

    A CRM column holds a handful of statuses and a table a handful of decisions, so a million
    leads are a few dozen distinct pairs; the key keeps each value's type (``1`` vs ``True``).
    """
    seen: dict[tuple[type, object, type, object], bool | None] = {}
    out: list[bool | None] = []
    for r, d in zip(recorded, decided, strict=True):
        key = (type(r), r, type(d), d)
        try:
            verdict = seen.get(key, _MISSING)
        except TypeError:  # an unhashable value: judged on its own
            out.append(follows_decision(r, d))
            continue
        if verdict is _MISSING:
            verdict = seen[key] = follows_decision(r, d)
        out.append(verdict)
    return out


_MISSING: Any = object()


def _shown(e: object) -> str:
    """A decision as an audit shows it."""
    if isinstance(e, CellError):
        return str(e)
    return format_value(e) if e is not None and e == e else "(blank)"


def _norm(v: object) -> object:
    if hasattr(v, "item") and not isinstance(v, str):
        with contextlib.suppress(TypeError, ValueError):
            v = v.item()
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, str):
        return parse_output(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    return v


def audit(table: DecisionTable, data: Any, recorded: str | Sequence[object], *,
          output: str | None = None) -> AuditReport:
    """Compare recorded decisions with the table's.

    Parameters
    ----------
    table:
        A single-hit or aggregated table (list results cannot be compared to one cell).
    data:
        Leads: DataFrame or mapping of column -> values.
    recorded:
        The column of ``data`` holding what was recorded, or the values themselves.
    output:
        Which output to compare (default: the first).

    Returns
    -------
    AuditReport
        Per rule, how many leads it decided and how many of them recorded something else;
        and the deviating leads themselves.
    """
    import pandas as pd

    if table.list_result:
        raise ArgumentError(f"table {table.name} returns lists ({table.hit_policy}); an audit "
                            "compares one decision per lead", where=table.where,
                            suggestion="audit a FIRST, UNIQUE, PRIORITY or ANY table")
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(dict(data))
    if isinstance(recorded, str):
        by_key = {normalize_name(c): c for c in frame.columns}
        if normalize_name(recorded) not in by_key:
            raise ArgumentError(f"no column '{recorded}' in the leads", where="recorded",
                                suggestion=f"columns: {', '.join(map(str, frame.columns))}")
        rec = frame[by_key[normalize_name(recorded)]].tolist()
    else:
        rec = list(recorded)
        if len(rec) != len(frame):
            raise ArgumentError(f"{len(rec)} recorded values for {len(frame)} leads",
                                where="recorded", suggestion="give one per lead")
    k = table.output_index(output)[0] if output else 0
    out_name = table.outputs[k].name
    result = table.evaluate(frame, out_name)
    expected = result[out_name].tolist()
    fired = result["rules"].tolist()
    import numpy as np

    verdicts = follows_decisions(rec, expected)
    # The rule that decided each lead (0: none, or an error), and the decision as shown:
    # both computed once per distinct value (a million leads, a handful of decisions).
    lead_rules = [nums[0] if nums and not isinstance(e, CellError) else 0
                  for e, nums in zip(expected, fired, strict=True)]
    shown_of: dict[tuple[type, object], str] = {}

    def shown(e: object) -> str:
        try:
            key = (type(e), e)
            if key not in shown_of:
                shown_of[key] = _shown(e)
            return shown_of[key]
        except TypeError:  # unhashable
            return _shown(e)

    audited = np.array([v is not None for v in verdicts], dtype=bool)
    followed = [v is True for v in verdicts]
    deviated = audited & ~np.array(followed, dtype=bool)
    rules = np.array(lead_rules, dtype=np.int64)
    not_recorded = int((~audited).sum())
    counts: dict[int, list[int]] = {}
    expected_of: dict[int, str] = {}
    positions = np.flatnonzero(audited)
    for rule, first in zip(*np.unique(rules[audited], return_index=True), strict=True):
        i = int(positions[first])  # the first audited lead this rule decided
        on_rule = audited & (rules == rule)
        counts[int(rule)] = [int(on_rule.sum()), int((on_rule & deviated).sum())]
        expected_of[int(rule)] = shown(expected[i]) if rule else "#N/A"
    where = np.flatnonzero(deviated)
    rows = [(index, lead_rules[i], shown(expected[i]), rec[i])
            for index, i in zip(frame.index[where].tolist(), where.tolist(), strict=True)]
    per_rule = pd.DataFrame(
        [(rule, table.rules[rule - 1].note if rule else "", expected_of[rule], n, d,
          d / n if n else 0.0) for rule, (n, d) in sorted(counts.items())],
        columns=["rule", "note", "expected", "leads", "deviations", "share"])
    dev = pd.DataFrame(rows, columns=["index", "rule", "expected", "recorded"])
    return AuditReport(table.name, out_name, len(frame) - not_recorded, per_rule, dev,
                       not_recorded, lead_rules, followed)
