"""Data sources for a refresh: CSV, xlsx, Parquet or a SQL database, checked before any write.

Every problem with a source is a :class:`~leanxl.errors.SourceError` that names the source,
the column and the row, and says what to fix; nothing is written until all sources are good.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from leanxl.domain import FACTOR_KEYS, normalize_name
from leanxl.errors import SourceError
from leanxl.sheets.book import CAMPAIGN_TEXT, KPI_FIELDS, PROFILE_TEXT
from leanxl.sheets.leads import ALWAYS, FLAG_KEYS, REQUIRED

_TRUE = {"true", "yes", "y", "1", "x", "ja", "wahr", "1.0"}
_FALSE = {"false", "no", "n", "0", "", "nej", "falsch", "0.0", "-", "nan", "<na>", "none"}


def read_source(spec: str, *, query: str | None = None, table: str | None = None) -> pd.DataFrame:
    """Read a table from a file path or a database URL.

    Parameters
    ----------
    spec:
        ``leads.csv``, ``leads.xlsx`` (first sheet), ``leads.parquet``, or a SQLAlchemy URL
        such as ``sqlite:///crm.db`` / ``postgresql://user@host/crm``.
    query, table:
        For a database: the SQL to run, or the table to read whole (one of the two).
    """
    if "://" in spec:
        return _read_sql(spec, query, table)
    path = Path(spec)
    if not path.is_file():
        raise SourceError("file not found", where=spec,
                          suggestion="give a CSV, xlsx or Parquet file, or a database URL")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            try:
                frame = pd.read_csv(path, sep=_delimiter(path), encoding="utf-8-sig")
            except pd.errors.EmptyDataError:
                frame = pd.DataFrame()
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, engine="openpyxl")
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            raise SourceError(f"unknown file type {suffix!r}", where=spec,
                              suggestion="use .csv, .xlsx or .parquet")
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message
        raise SourceError(f"cannot read: {exc}", where=spec) from exc
    if frame.shape[1] == 0 or len(frame) == 0:
        raise SourceError("the source has no rows", where=spec,
                          suggestion="export at least one row with a header line")
    return frame


def _delimiter(path: Path) -> str:
    """Comma, semicolon (European Excel exports) or tab: whichever the header line uses most."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline()
    return max((",", ";", "\t"), key=first.count)


def _read_sql(url: str, query: str | None, table: str | None) -> pd.DataFrame:
    import sqlalchemy as sa

    if bool(query) == bool(table):
        raise SourceError("a database source needs --query or --table (one of them)", where=url)
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            if table:
                frame = pd.read_sql_table(table, conn)
            else:
                frame = pd.read_sql_query(sa.text(query or ""), conn)
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        raise SourceError(f"cannot read from the database: {exc}", where=url,
                          suggestion="check the URL, the table name or the SQL") from exc
    if len(frame) == 0:
        raise SourceError("the query returned no rows", where=url)
    return frame


def _rename(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Rename columns that fold to a known key (``Buyer Maturity`` → ``buyer_maturity``)."""
    wanted = {normalize_name(k): k for k in keys}
    mapping: dict[object, str] = {}
    for col in frame.columns:
        key = wanted.get(normalize_name(col))
        if key and key not in mapping.values():
            mapping[col] = key
    return frame.rename(columns=mapping)


def _require(frame: pd.DataFrame, keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        have = [str(c) for c in frame.columns]
        hints = []
        for k in missing[:3]:
            close = difflib.get_close_matches(k, have, n=1, cutoff=0.6)
            if close:
                hints.append(f"{close[0]!r} for {k!r}?")
        raise SourceError(
            f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}", where=where,
            suggestion=("did you mean " + " ".join(hints)) if hints else
            f"the columns found are: {', '.join(have[:12])}")


def _numbers(frame: pd.DataFrame, key: str, where: str, what: str) -> pd.Series:
    raw = frame[key]
    if pd.api.types.is_bool_dtype(raw):
        raise SourceError(f"column {key!r} holds true/false, not numbers", where=where)
    if pd.api.types.is_numeric_dtype(raw):  # already numbers: nothing to check
        return raw.astype(float)
    num = pd.to_numeric(raw, errors="coerce")
    missing = num.isna()
    if not missing.any():
        return num.astype(float)
    blank = raw.isna() | raw.astype("string").str.strip().eq("").fillna(True)
    bad = missing & ~blank
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(
            f"column {key!r} has text {raw.iloc[i]!r} in data row {i + 1}", where=where,
            suggestion=f"{what} must be numbers (blank = not given); "
            f"{int(bad.sum())} row(s) to fix")
    return num.astype(float)


def _flags(frame: pd.DataFrame, key: str, where: str) -> pd.Series:
    raw = frame[key]
    if pd.api.types.is_bool_dtype(raw):
        return raw.fillna(False).astype(bool)
    text = raw.astype("string").str.strip().str.casefold().fillna("")
    truth = text.isin(_TRUE)
    bad = ~truth & ~text.isin(_FALSE)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(f"column {key!r} has {raw.iloc[i]!r} in data row {i + 1}",
                          where=where, suggestion="use true/false, yes/no or 1/0")
    return truth.astype(bool)


def clean_leads(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Check a CRM export and give it leanxl's column names and types."""
    frame = _rename(frame, ALWAYS)
    _require(frame, REQUIRED, where)
    out = frame.copy()
    for key in (*FACTOR_KEYS, "price"):
        out[key] = _numbers(out, key, where, "factor scores" if key != "price" else "prices")
    for key in ("complexity", "revenue"):
        if key in out:
            out[key] = _numbers(out, key, where, key)
    for key in FLAG_KEYS:
        out[key] = _flags(out, key, where)
    for key in ALWAYS:
        if key not in out:
            out[key] = np.nan if key in ("revenue", "complexity") else None
    if "created" in frame:
        out["created"] = pd.to_datetime(frame["created"], errors="coerce")
    else:
        out["created"] = pd.NaT
    for col in out.columns:  # nullable string/int columns → plain object/float for writing
        if isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif isinstance(out[col].dtype, pd.BooleanDtype):
            out[col] = out[col].fillna(False).astype(bool)
        elif pd.api.types.is_extension_array_dtype(out[col].dtype) and \
                pd.api.types.is_numeric_dtype(out[col].dtype):
            out[col] = out[col].astype(float)
    return out.reset_index(drop=True)


def clean_campaigns(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    frame = _rename(frame, (*CAMPAIGN_TEXT, *FACTOR_KEYS))
    _require(frame, ("code", *FACTOR_KEYS), where)
    out = pd.DataFrame({"code": frame["code"].astype(str)})
    out["name"] = frame["name"] if "name" in frame else out["code"]
    out["channel"] = frame.get("channel")
    for key in FACTOR_KEYS:
        out[key] = _numbers(frame, key, where, "campaign targets")
    return out.astype(object).where(out.notna(), None)


def clean_profiles(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    frame = _rename(frame, ("profile", *FACTOR_KEYS, *PROFILE_TEXT))
    _require(frame, ("profile", *FACTOR_KEYS), where)
    out = pd.DataFrame({"profile": frame["profile"].astype(str)})
    for key in FACTOR_KEYS:
        out[key] = _numbers(frame, key, where, "profile targets")
    for key in PROFILE_TEXT:
        out[key] = frame.get(key)
    return out.astype(object).where(out.notna(), None)


def clean_actuals(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """KPI actuals, long (``kpi, period, actual``) or wide (``kpi`` + one column per period)."""
    frame = _rename(frame, ("kpi", "period", "actual"))
    _require(frame, ("kpi",), where)
    if {"period", "actual"} <= set(frame.columns):
        frame = frame.assign(actual=_numbers(frame, "actual", where, "KPI actuals"))
        periods = list(dict.fromkeys(frame["period"].astype(str)))
        wide = frame.assign(period=frame["period"].astype(str)).pivot_table(
            index="kpi", columns="period", values="actual", aggfunc="last", sort=False)
        return wide.reindex(columns=periods)
    wide = frame.set_index("kpi")
    for col in wide.columns:
        wide[col] = _numbers(wide, col, where, "KPI actuals").to_numpy()
    wide.columns = [str(c) for c in wide.columns]
    return wide


def clean_kpis(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    frame = _rename(frame, KPI_FIELDS)
    _require(frame, ("kpi", "target"), where)
    for key in KPI_FIELDS:
        if key not in frame:
            frame[key] = None
    return frame[list(KPI_FIELDS)].astype(object).where(frame[list(KPI_FIELDS)].notna(), None)
