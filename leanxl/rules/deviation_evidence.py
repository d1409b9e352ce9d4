"""Deviation cost: do closed leads whose recorded decision followed the rules win more often
than those where someone deviated? The evidence for the seed's "NEVER deviate"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from leanxl.values import is_blank

if TYPE_CHECKING:
    import pandas as pd

    from leanxl.rules.deviations import AuditReport

COST_COLUMNS = ["rule", "note", "expected", "followed_closed", "followed_won",
                "followed_win_rate", "deviated_closed", "deviated_won", "deviated_win_rate",
                "difference"]


def closed_and_won(stage: Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
    """Per lead: is it closed (stage Won or Lost, any case and spacing), and is it won."""
    import pandas as pd

    codes, uniques = _distinct(stage)
    norm = pd.Series(uniques, dtype=object).astype("string").str.strip().str.casefold()
    won = np.append(norm.eq("won").fillna(False).to_numpy(bool), False)  # code -1: blank
    lost = np.append(norm.eq("lost").fillna(False).to_numpy(bool), False)
    return won[codes] | lost[codes], won[codes]


def _distinct(values: Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
    """(code per value, the distinct values): a million leads hold a handful of stages or
    statuses, so each is judged once. Blanks the way pandas finds them (None, NaN, NA, NaT)
    get code -1. Values equal to each other share a code (``1``, ``1.0`` and ``True``): a
    text is only ever equal to the same text, so judging texts stays exact."""
    import pandas as pd

    column = pd.Series(list(values), dtype=object)
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except TypeError:  # an unhashable value: each one is its own
        codes, uniques = np.arange(len(column)), column.to_numpy()
    return codes, np.asarray(uniques, dtype=object)


def deviation_cost(report: AuditReport, recorded: Sequence[object],
                   stage: Sequence[object]) -> pd.DataFrame:
    """Win rate of closed leads that followed the rules against those that deviated.

    Parameters
    ----------
    report:
        :func:`leanxl.rules.audit` over the same leads, in the same order.
    recorded, stage:
        Per lead, the recorded decision (a blank one is neither followed nor deviated: the
        lead is left out) and the CRM stage (``Won`` / ``Lost`` are closed; others left out).

    Returns
    -------
    DataFrame
        First row ``rule`` "all" (every rule), then one row per rule that decided a closed
        lead: counts of closed and won leads and the win rate (NaN when none), for followers
        and deviators, and ``difference`` = followed minus deviated win rate.
    """
    import pandas as pd

    n = len(report.followed)
    if len(recorded) != n or len(stage) != n:
        from leanxl.errors import ArgumentError

        raise ArgumentError(f"{len(recorded)} recorded values and {len(stage)} stages for "
                            f"{n} audited leads", where="deviation_cost",
                            suggestion="pass the columns of the leads the audit ran on")
    closed, won = closed_and_won(stage)
    frame = pd.DataFrame({
        "rule": report.lead_rules, "followed": report.followed, "won": won,
        "keep": closed & ~_blanks(recorded)})
    frame = frame[frame["keep"]]
    notes = dict(zip(report.per_rule["rule"], report.per_rule["note"], strict=True))
    expected = dict(zip(report.per_rule["rule"], report.per_rule["expected"], strict=True))

    def row(label: object, part: pd.DataFrame, note: str, exp: str) -> list[object]:
        f, d = part[part["followed"]], part[~part["followed"]]
        fr = f["won"].mean() if len(f) else float("nan")
        dr = d["won"].mean() if len(d) else float("nan")
        return [label, note, exp, len(f), int(f["won"].sum()), fr, len(d), int(d["won"].sum()),
                dr, fr - dr]

    rows = [row("all", frame, "every rule", "")]
    for rule, part in frame.groupby("rule", sort=True):
        rows.append(row(int(rule), part, str(notes.get(rule, "")),
                        str(expected.get(rule, ""))))
    return pd.DataFrame(rows, columns=COST_COLUMNS)


def _blanks(values: Sequence[object]) -> np.ndarray:
    """:func:`~leanxl.values.is_blank` of each value, judged once per distinct value."""
    codes, uniques = _distinct(values)
    return np.append(np.array([is_blank(u) for u in uniques], dtype=bool), True)[codes]


def format_cost(cost: pd.DataFrame) -> str:
    """The deviation cost as lines for ``leanxl audit``."""
    def rate(x: float) -> str:
        return "-" if x != x else f"{x:.1%}"

    lines = ["closed leads (Won/Lost) won: followed the rules vs deviated"]
    for r in cost.itertuples(index=False):
        label = "all rules" if r.rule == "all" else (f"rule {r.rule}" if r.rule else "no rule")
        note = f" ({r.note})" if r.note and r.rule != "all" else ""
        lines.append(f"  {label}{note}: followed {rate(r.followed_win_rate)} of "
                     f"{r.followed_closed}, deviated {rate(r.deviated_win_rate)} of "
                     f"{r.deviated_closed}")
    return "\n".join(lines)
