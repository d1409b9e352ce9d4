"""Movement between refreshes: each refresh keeps a snapshot of every lead's computed columns;
the next one compares and lists the leads whose best profile, segment, mix region or decision
changed, with counts per transition (how many moved into the sweet spot, and from where)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

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
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        return pd.Series(pd.array(_shown_strings(pa.array(column)), dtype=str),
                         index=column.index)
    codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str)
    shown = np.append(text.where(text.str.strip() != "", "").to_numpy(object), "")
    # The texts picked in Arrow: no Python string per lead on the way back to a str column.
    picked = pc.take(pa.array(shown, type=pa.large_string()),
                     pa.array(np.where(codes < 0, len(shown) - 1, codes)))
    return pd.Series(pd.array(picked, dtype=str), index=column.index)


def _shown_strings(arr: pa.Array) -> pa.Array:
    """An Arrow string column as :func:`_text` shows it: missing and blank (``str.strip()``
    empty) values as ``""``. Only values without a visible ASCII character can be blank;
    Python judges those few."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arr.cast(pa.large_string())
    maybe = pc.invert(pc.fill_null(pc.match_substring_regex(arr, "[!-~]"), True))
    blank = pc.is_null(arr)
    if pc.any(maybe).as_py():
        where = np.flatnonzero(maybe.to_numpy(zero_copy_only=False))
        texts = arr.take(pa.array(where)).to_pylist()
        mask = blank.to_numpy(zero_copy_only=False).copy()
        mask[where] = [t.strip() == "" for t in texts]
        blank = pa.array(mask)
    return pc.if_else(blank, pa.scalar("", pa.large_string()), arr)


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
    """A snapshot as CSV text (lead_id first) — how the workbook stores it.

    Text columns (every column of a :func:`snapshot`) are joined in Arrow, quoted exactly as
    pandas' ``to_csv`` (the standard ``csv`` writer) quotes them: a million leads in a fraction
    of pandas' 1.7 s. Anything else takes pandas' own path.
    """
    frame = snap[list(SNAPSHOT_FIELDS)]
    fast = _csv_text([frame.index, *(frame[f] for f in SNAPSHOT_FIELDS)])
    if fast is not None:
        return ",".join(("lead_id", *SNAPSHOT_FIELDS)) + "\n" + fast
    return str(frame.to_csv(index=True, index_label="lead_id", lineterminator="\n"))


def _quoted_characters() -> str:
    """The characters that make the ``csv`` writer (QUOTE_MINIMAL, ``,``, ``"``, ``\\n``
    line ends, as pandas calls it) quote a field; asked of the writer itself, since Python
    versions differ (3.11 leaves a ``\\r`` unquoted)."""
    import csv

    found = ""
    for c in ',"\n\r':
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(["a" + c, "b"])
        if out.getvalue().startswith('"'):
            found += c
    return found


def _csv_text(columns: list[pd.Index | pd.Series]) -> str | None:
    """CSV rows of string columns without missing values, or None when a column is anything
    else (the caller then uses pandas)."""
    import re

    import pyarrow as pa
    import pyarrow.compute as pc

    def text(t: str) -> pa.Scalar:
        return pa.scalar(t, pa.large_string())

    special = "[" + re.escape(_quoted_characters()) + "]"
    parts = []
    for column in columns:
        try:
            arr = pa.array(column, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            return None
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            return None
        if arr.null_count:
            return None
        arr = arr.cast(pa.large_string())  # no 2 GB offset limit on the joined rows
        needs = pc.match_substring_regex(arr, special)
        if pc.any(needs).as_py():
            quoted = pc.binary_join_element_wise(
                text('"'), pc.replace_substring(arr, '"', '""'), text('"'), text(""))
            arr = pc.if_else(needs, quoted, arr)
        parts.append(arr)
    rows = pc.binary_join_element_wise(*parts, text(","))
    rows = pc.binary_join_element_wise(rows, text(""), text("\n"))  # each row, its line end
    if len(rows) == 0:
        return ""
    _validity, offsets, data = rows.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[rows.offset:rows.offset + len(rows) + 1]
    return str(memoryview(data)[bounds[0]:bounds[-1]], "utf-8")  # the rows, back to back


def from_text(text: str) -> pd.DataFrame:
    """The inverse of :func:`to_text` (every value text, blanks as ``""``)."""
    if not text.startswith("lead_id"):
        return snapshot(pd.DataFrame())
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for f in SNAPSHOT_FIELDS:
        if f not in frame.columns:
            frame[f] = ""
    return frame.set_index("lead_id")[list(SNAPSHOT_FIELDS)]
