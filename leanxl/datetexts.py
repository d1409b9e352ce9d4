"""Dates as CRMs and Excel write them: each value read on its own, day/month order per column.

A CRM export mixes what people and systems type: ISO (``2025-07-28``, ``2025-07-28T10:00Z``),
US (``07/28/2025``), European (``28.07.2025``, ``28/07/2025``) and Excel serial numbers
(``45866``).  :func:`read_dates` reads every value by its own shape; the day/month order of
``a/b/yyyy`` values is decided once per column from the values that settle it (a first part
above 12 means day first, a second part above 12 month first); when none settles it, ``.``
dates are read day first (as Germany and the Nordics write them) and ``/`` or ``-`` dates
month first (as US CRMs write them), and the note says so.  Values no rule reads are left
blank and named in a warning.  Standard library, numpy and pandas only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_ISO = r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
_PARTS = (r"^(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
          r"(?:[ T,]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?)?$")
_SERIAL = r"^\d{1,7}(?:[.,]\d+)?$"
_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL_MAX = 2958465  # 9999-12-31, the last day Excel knows


@dataclass
class DateColumn:
    """The dates read from one column, what was detected and what could not be read."""

    values: pd.Series  # datetime64[ns], NaT where blank or unreadable
    #: per shape (``a/b/yyyy``): "day first" / "month first", and a value that settled it
    #: (None: nothing did, the order was assumed)
    orders: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    unread: list[tuple[int, str]] = field(default_factory=list)  # (row index, text)

    def notes(self, column: str) -> list[str]:
        """Lines for the user: the order detected, the values left blank."""
        out = []
        for shape, (order, settled) in self.orders.items():
            why = f"as {settled!r} shows" if settled else "no value settles it, so assumed"
            out.append(f"column {column!r}: dates like {shape} read {order} ({why})")
        if self.unread:
            rows = ", ".join(str(i + 1) for i, _ in self.unread[:5])
            examples = ", ".join(repr(t) for _, t in self.unread[:3])
            more = f" and {len(self.unread) - 5} more" if len(self.unread) > 5 else ""
            out.append(f"column {column!r}: {len(self.unread)} value(s) could not be read as "
                       f"dates and are left blank (data rows {rows}{more}; e.g. {examples})")
        return out


def read_dates(values: pd.Series) -> DateColumn:
    """Read a column of dates, value by value (see the module docstring for the rules)."""
    values = values.reset_index(drop=True)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values)
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(None)
        return DateColumn(stamps.astype("datetime64[ns]"))
    fast = _iso_column(values)
    if fast is not None:
        return fast
    result = DateColumn(out)
    kinds = values.map(type)
    stamps = kinds.map(lambda k: issubclass(k, dt.date | pd.Timestamp))
    for i in np.flatnonzero(stamps.to_numpy()):
        out.iloc[i] = pd.Timestamp(values.iloc[i])
    numbers = kinds.map(lambda k: issubclass(k, int | float | np.number) and k is not bool)
    text = values.where(~(stamps | numbers), None).astype("string").str.strip()
    text = text.where(text != "", pd.NA)
    serial = pd.to_numeric(values.where(numbers, None), errors="coerce").astype(float)
    serial_text = text.str.fullmatch(_SERIAL).fillna(False).astype(bool)
    serial = serial.fillna(pd.to_numeric(text.where(serial_text).str.replace(",", "."),
                                         errors="coerce").astype(float))
    ok = serial.between(1, _SERIAL_MAX)
    out[ok] = _EPOCH + pd.to_timedelta(serial[ok], unit="D")
    out[ok] = out[ok].dt.round("s")
    iso = text.str.fullmatch(_ISO).fillna(False).astype(bool)
    if iso.any():
        parsed = pd.to_datetime(text[iso], format="ISO8601", errors="coerce", utc=True)
        local = parsed.dt.tz_localize(None)  # a year pandas cannot hold is not a date
        out[iso] = local.where(local.between(pd.Timestamp.min, pd.Timestamp.max)).astype(
            "datetime64[ns]")
    parts = text.str.extract(_PARTS)
    has = parts["a"].notna()
    for sep in parts["sep"].dropna().unique():  # 28.07.2025 and 07/28/2025 may share a column
        group = has & parts["sep"].eq(sep).fillna(False).astype(bool)
        order, settled = _order(parts[group], text[group])
        result.orders[f"a{sep}b{sep}yyyy"] = (order, settled)
        out[group] = _from_parts(parts[group], order == "day first")
    rest = text.notna() & out.isna() & ~has & ~iso & ~serial_text
    letters = rest & text.str.contains(r"[A-Za-z]{3}", regex=True).fillna(False).astype(bool)
    for i in np.flatnonzero(letters.to_numpy()):
        out.iloc[i] = pd.to_datetime(text.iloc[i], errors="coerce", format="mixed",
                                     dayfirst=False)
    unread = (text.notna() | numbers) & out.isna()
    result.unread = [(int(i), str(values.iloc[i])) for i in np.flatnonzero(unread.to_numpy())]
    result.values = out
    return result


def _iso_column(values: pd.Series) -> DateColumn | None:
    """The common case in bulk: every cell text (or empty) and every text an ISO date, as
    CRMs and databases export them. Same result as the value-by-value rules; None when the
    column is anything else."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if values.dtype != object:
        return None
    try:  # only str and None cells convert (a number or a NaN cell does not)
        arr = pa.array(values.to_numpy(), type=pa.string(), from_pandas=False)
    except (pa.ArrowException, UnicodeError):
        return None
    text = pc.utf8_trim_whitespace(arr)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    if not pc.all(pc.match_substring_regex(text, _ISO)).as_py():  # nulls are skipped
        return None
    series = pd.Series(pd.arrays.ArrowStringArray(text), index=values.index)
    if pc.all(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$")).as_py():
        stamps = _plain_iso_days(text, values.index)
    else:
        parsed = pd.to_datetime(series, format="ISO8601", errors="coerce", utc=True)
        stamps = parsed.dt.tz_localize(None).astype("datetime64[ns]")
    unread = series.notna().to_numpy() & stamps.isna().to_numpy()
    return DateColumn(stamps, unread=[(int(i), str(values.iloc[i]))
                                      for i in np.flatnonzero(unread)])


def _plain_iso_days(text: object, index: pd.Index) -> pd.Series:
    """``yyyy-mm-dd`` texts as datetime64[ns]; NaT for days that do not exist (``2025-02-30``)
    and for years pandas cannot hold, as :func:`pandas.to_datetime` gives them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    days = pc.strptime(text, "%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2025-02-30 over to March 2: the day it gives must be the day written.
    written = pc.cast(pc.utf8_slice_codeunits(text, 8, 10), pa.int64())
    exists = pc.fill_null(pc.equal(pc.day(days), written), False)
    seconds = pc.cast(days, pa.int64()).to_numpy(zero_copy_only=False)
    seconds = np.where(exists.to_numpy(zero_copy_only=False), np.nan_to_num(seconds), 0)
    fits = exists.to_numpy(zero_copy_only=False) & (seconds >= _NS_MIN) & (seconds <= _NS_MAX)
    stamps = np.where(fits, seconds, 0).astype("datetime64[s]").astype("datetime64[ns]")
    stamps[~fits] = np.datetime64("NaT")
    return pd.Series(stamps, index=index, dtype="datetime64[ns]")


# The days datetime64[ns] holds, in seconds since 1970 (1677-09-22 .. 2262-04-11).
_NS_MIN = int(pd.Timestamp.min.ceil("D").value // 10**9)
_NS_MAX = int(pd.Timestamp.max.floor("D").value // 10**9)


def _order(parts: pd.DataFrame, text: pd.Series) -> tuple[str, str | None]:
    a = parts["a"].astype(int)
    b = parts["b"].astype(int)
    day_first = a > 12
    month_first = b > 12
    if day_first.any() and not month_first.any():
        return "day first", str(text[day_first].iloc[0])
    if month_first.any() and not day_first.any():
        return "month first", str(text[month_first].iloc[0])
    if day_first.any():  # both kinds: the column mixes orders; the majority decides
        return ("day first", str(text[day_first].iloc[0])) if day_first.sum() >= \
            month_first.sum() else ("month first", str(text[month_first].iloc[0]))
    return ("day first" if parts["sep"].iloc[0] == "." else "month first"), None


def _from_parts(parts: pd.DataFrame, day_first: bool) -> pd.Series:
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    day, month = (a, b) if day_first else (b, a)
    year = parts["y"].astype(int)
    year = year.where(parts["y"].str.len() == 4, year + np.where(year < 70, 2000, 1900))
    hour = parts["h"].fillna("0").astype(int)
    pm = parts["ampm"].fillna("").str.lower()
    hour = hour.where(pm == "", hour % 12 + np.where(pm == "pm", 12, 0))
    frame = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                          "minute": parts["m"].fillna("0").astype(int),
                          "second": parts["s"].fillna("0").astype(int)})
    return pd.to_datetime(frame, errors="coerce")


def window_end(dates: pd.Series, today: dt.date) -> tuple[dt.date | None, list[dt.date]]:
    """The reporting period's end: the latest date not after ``today``.

    A lead dated in the future (a typo such as ``2099-12-31``, a planned follow-up) stays in
    the Leads sheet but does not move the window; those dates are returned so the caller can
    say so. ``None`` when no date is on or before today.
    """
    known = pd.to_datetime(dates, errors="coerce").dropna()
    limit = pd.Timestamp(today) + pd.Timedelta(days=1)
    past = known[known < limit]
    future = sorted(d.date() for d in known[known >= limit])
    return (past.max().date() if len(past) else None), future
