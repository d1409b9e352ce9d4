"""Movement between refreshes: each refresh keeps a snapshot of every lead's computed columns;
the next one compares and lists the leads whose best profile, segment, mix region or decision
changed, with counts per transition (how many moved into the sweet spot, and from where)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from leanxl.values import is_blank

SNAPSHOT_FIELDS = ("fit", "best_profile", "segment", "mix", "decision")
MOVED_FIELDS = ("best_profile", "segment", "mix", "decision")  # what counts as a change
FIELD_LABELS = {"fit": "Fit %", "best_profile": "Best profile", "segment": "Segment",
                "mix": "Mix region", "decision": "Decision"}


@dataclass
class Movement:
    """What moved between two snapshots.

    Attributes
    ----------
    changed:
        One row per lead present in both whose best profile, segment, mix or decision changed:
        ``lead_id``, then ``<field>_old`` / ``<field>_new`` for every snapshot field.
    transitions:
        ``field``, ``old``, ``new``, ``leads``: how many leads made each change, most first.
    new_leads, gone_leads:
        Lead ids only in the new / only in the old snapshot.
    """

    changed: pd.DataFrame
    transitions: pd.DataFrame
    new_leads: list[str]
    gone_leads: list[str]


def _text(value: object) -> str:
    if is_blank(value) or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def snapshot(leads: pd.DataFrame) -> pd.DataFrame:
    """Each lead's fit (0.1 precision), best profile, segment, mix region and decision as text,
    indexed by ``lead_id`` (leads without an id are left out; a repeated id keeps its first)."""
    if "lead_id" not in leads.columns:
        return pd.DataFrame(columns=list(SNAPSHOT_FIELDS), index=pd.Index([], name="lead_id"))
    ids = leads["lead_id"].map(_text)
    frame = pd.DataFrame({f: (leads[f].map(_text) if f in leads.columns else "")
                          for f in SNAPSHOT_FIELDS})
    frame.index = pd.Index(ids.to_numpy(), name="lead_id")
    frame = frame[frame.index != ""]
    return frame[~frame.index.duplicated()]


def movement(old: pd.DataFrame, new: pd.DataFrame) -> Movement:
    """Compare two :func:`snapshot` frames (old = the previous refresh)."""
    both = old.index.intersection(new.index, sort=False)
    o, n = old.loc[both], new.loc[both]
    moved = pd.Series(False, index=both)
    for f in MOVED_FIELDS:
        moved |= o[f].to_numpy() != n[f].to_numpy()
    ids = both[moved.to_numpy()]
    changed = pd.DataFrame({"lead_id": list(ids)})
    for f in SNAPSHOT_FIELDS:
        changed[f + "_old"] = o.loc[ids, f].to_numpy()
        changed[f + "_new"] = n.loc[ids, f].to_numpy()
    parts = []
    for f in MOVED_FIELDS:
        diff = changed[changed[f + "_old"] != changed[f + "_new"]]
        if len(diff):
            counts = diff.groupby([f + "_old", f + "_new"]).size().reset_index()
            counts.columns = ["old", "new", "leads"]
            counts.insert(0, "field", f)
            parts.append(counts)
    transitions = (pd.concat(parts, ignore_index=True) if parts else
                   pd.DataFrame(columns=["field", "old", "new", "leads"]))
    transitions = transitions.sort_values(["field", "leads", "old", "new"],
                                          ascending=[True, False, True, True], kind="stable")
    return Movement(changed, transitions.reset_index(drop=True),
                    [i for i in new.index if i not in old.index],
                    [i for i in old.index if i not in new.index])


def to_text(snap: pd.DataFrame) -> str:
    """A snapshot as CSV text (lead_id first) — how the workbook stores it."""
    frame = snap[list(SNAPSHOT_FIELDS)]
    return str(frame.to_csv(index=True, index_label="lead_id", lineterminator="\n"))


def from_text(text: str) -> pd.DataFrame:
    """The inverse of :func:`to_text` (every value text, blanks as ``""``)."""
    if not text.startswith("lead_id"):
        return snapshot(pd.DataFrame())
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for f in SNAPSHOT_FIELDS:
        if f not in frame.columns:
            frame[f] = ""
    return frame.set_index("lead_id")[list(SNAPSHOT_FIELDS)]
