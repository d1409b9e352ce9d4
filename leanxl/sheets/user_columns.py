"""The user's own value columns on Leads follow their lead, or the refresh refuses.

A refresh replaces the Leads rows; a note typed into a column of the user's must land on the
same lead afterwards. Leads are matched by ``lead_id`` compared as text (``00001`` and
``L00001`` stay apart; a number ``1.0`` read back from an old sheet is ``1``). When that cannot
be done without guessing — the export has no ``lead_id`` values (renamed to ``Lead #``?), an
id appears twice in the export or in the old sheet — the refresh stops with a message naming
the problem and the rows. Notes of leads no longer in the export cannot go anywhere: they are
named in a warning.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leanxl.errors import WorkbookError
from leanxl.values import is_blank

LOG = logging.getLogger(__name__)


@dataclass
class OldColumns:
    """The user's value columns as the old Leads sheet holds them, row by row."""

    has_ids: bool  # the old sheet has a lead_id header
    rows: list[int] = field(default_factory=list)  # sheet row numbers
    ids: list[Any] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=dict)  # header -> value per row


def id_key(value: Any) -> str | None:
    """A lead id as text for matching (None when blank); whole floats lose their ``.0``."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def align(old: OldColumns, new_ids: Sequence[Any], columns: Sequence[str],
          where: str) -> dict[str, list[Any]]:
    """Each user column's values in the new row order (None where a lead has none).

    Raises
    ------
    WorkbookError
        When a value would have to be guessed onto a lead (see the module docstring).
    """
    heads = list(old.values)
    filled = [i for i in range(len(old.rows))
              if any(not is_blank(old.values[h][i]) for h in heads)]
    if not filled:
        return {h: [None] * len(new_ids) for h in heads}
    names = ", ".join(repr(h) for h in heads[:4])
    if not old.has_ids:
        raise WorkbookError(
            f"your own Leads columns ({names}) are matched to leads by lead_id, but the "
            "workbook's Leads sheet has no lead_id column", where=where,
            suggestion="name the id column lead_id again, then refresh")
    keys = [id_key(v) for v in new_ids]
    if all(k is None for k in keys):
        others = [str(c) for c in columns if c != "lead_id"]
        close = difflib.get_close_matches("lead_id", others, n=1, cutoff=0.3)
        raise WorkbookError(
            f"your own Leads columns ({names}) are matched to leads by lead_id, but the "
            "export has no lead_id values", where=where,
            suggestion=(f"rename {close[0]!r} to lead_id in the export" if close else
                        "export the lead id as a lead_id column"))
    _refuse_duplicates([(i + 1, k) for i, k in enumerate(keys)], "data rows",
                       "of the export", names, where)
    old_keys = [(old.rows[i], id_key(old.ids[i])) for i in filled]
    _refuse_duplicates(old_keys, "Leads rows", "of the workbook", names, where)
    by_key = {k: i for i, k in zip(filled, (k for _r, k in old_keys), strict=True)
              if k is not None}
    unplaced = [r for r, k in old_keys if k is None]
    if unplaced:
        LOG.warning("%s: Leads rows %s hold values in your own columns (%s) but no lead_id; "
                    "those values are dropped", where, _listed(unplaced), names)
    present = {k for k in keys if k is not None}
    gone = [k for k in by_key if k not in present]
    if gone:
        LOG.warning("%s: %d lead(s) with values in your own columns (%s) are not in the "
                    "export (%s); those values are dropped", where, len(gone), names,
                    _listed(gone))
    out: dict[str, list[Any]] = {}
    for h in heads:
        column = old.values[h]
        out[h] = [column[by_key[k]] if k in by_key else None for k in keys]
    return out


def _refuse_duplicates(pairs: list[tuple[int, str | None]], rows_word: str, of: str,
                       names: str, where: str) -> None:
    frame = pd.DataFrame(pairs, columns=["row", "key"]).dropna()
    twice = frame[frame["key"].duplicated(keep=False)]
    if twice.empty:
        return
    first = str(twice["key"].iloc[0])
    rows = twice.loc[twice["key"] == first, "row"].tolist()
    raise WorkbookError(
        f"lead_id {first!r} appears in {rows_word} {_listed(rows)} {of} "
        f"({twice['key'].nunique()} id(s) appear more than once): your own Leads columns "
        f"({names}) cannot tell which lead their values belong to", where=where,
        suggestion="make the lead ids unique, then refresh")


def _listed(items: Sequence[Any], n: int = 5) -> str:
    shown = ", ".join(str(x) for x in items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")
