"""Movement between refreshes: each refresh keeps a snapshot of every lead's computed columns;
the next one compares and lists the leads whose best profile, segment, mix region or decision
changed, with counts per transition (how many moved into the sweet spot, and from where)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
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


def _texts(column: pd.Series) -> pd.Series:
    """:func:`_text` of a whole column, vectorised: numbers as integer tenths, other values
    once per distinct value (a million leads hold a handful of profiles and decisions)."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = pd.to_numeric(column, errors="coerce").round(1)
        tenths = _tenths_texts(values.to_numpy(float))
        if tenths is not None:
            return pd.Series(tenths, index=column.index, dtype=str)
        return values.map("{:.1f}".format).where(values.notna(), "")
    codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str)
    shown = np.append(text.where(text.str.strip() != "", "").to_numpy(object), "")
    return pd.Series(shown[codes], index=column.index, dtype=str)


def _tenths_texts(values: np.ndarray) -> np.ndarray | None:
    """``f"{v:.1f}"`` of values already rounded to 0.1 ("" for NaN), built from integer
    tenths; None when a value is negative, infinite or too large for that shortcut."""
    import pyarrow as pa
    import pyarrow.compute as pc

    known = ~np.isnan(values)
    if not (np.isfinite(values[known]).all() and (values[known] >= 0).all()
            and (values[known] < 1e14).all()):
        return None
    tenths = np.rint(np.where(known, values, 0) * 10).astype(np.int64)
    text = pc.binary_join_element_wise(pa.array(tenths // 10).cast(pa.string()), ".",
                                       pa.array(tenths % 10).cast(pa.string()), "")
    out: np.ndarray = text.to_numpy(zero_copy_only=False).astype(object)
    out[~known] = ""
    return out


def snapshot(leads: pd.DataFrame) -> pd.DataFrame:
    """Each lead's fit (0.1 precision), best profile, segment, mix region and decision as text,
    indexed by ``lead_id`` (leads without an id are left out; a repeated id keeps its first)."""
    if "lead_id" not in leads.columns:
        return pd.DataFrame(columns=list(SNAPSHOT_FIELDS), index=pd.Index([], name="lead_id"))
    ids = _texts(leads["lead_id"])
    frame = pd.DataFrame({f: (_texts(leads[f]) if f in leads.columns else "")
                          for f in SNAPSHOT_FIELDS if f != "fit"}, index=leads.index)
    # A fit column with blanks or error cells is object-typed: read as numbers.
    frame.insert(0, "fit", _texts(pd.to_numeric(leads["fit"], errors="coerce"))
                 if "fit" in leads.columns else "")
    frame.index = pd.Index(ids.to_numpy(), name="lead_id")
    frame = frame[frame.index != ""]
    return frame[~frame.index.duplicated()]


def movement(old: pd.DataFrame, new: pd.DataFrame) -> Movement:
    """Compare two :func:`snapshot` frames (old = the previous refresh)."""
    cols = list(SNAPSHOT_FIELDS)
    old_ids = pd.Index(np.asarray(old.index, dtype=object), dtype=object)
    new_ids = pd.Index(np.asarray(new.index, dtype=object), dtype=object)
    where = old_ids.get_indexer(new_ids)  # each new lead's row in the old snapshot, or -1
    both = where >= 0
    o = old[cols].to_numpy(dtype=object)[where[both]]
    n = new[cols].to_numpy(dtype=object)[both]
    moved_cols = [cols.index(f) for f in MOVED_FIELDS]
    moved = (o[:, moved_cols] != n[:, moved_cols]).any(axis=1)
    changed = pd.DataFrame({"lead_id": new_ids[both][moved].to_list()})
    for j, f in enumerate(cols):
        changed[f + "_old"] = o[moved, j]
        changed[f + "_new"] = n[moved, j]
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
                    new_ids[~both].to_list(), old_ids[new_ids.get_indexer(old_ids) < 0].to_list())


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
