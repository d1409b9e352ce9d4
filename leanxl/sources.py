"""THE reader of leads and other CRM tables, for every command, and their column checks.

:func:`read_source` reads a CSV (comma, semicolon or tab separated; UTF-8 with or without a
BOM, or Windows-1252 as Excel's plain "CSV" export writes it; decimal commas in semicolon
files, as a European Excel writes them), an xlsx sheet, a Parquet file or a SQL database.
``refresh``, ``audit`` and the demo all read through it, so a file one command reads right
every other command reads the same way.

The ``clean_*`` functions then check a table and give it leanxl's column names and types.
Every problem with a source is a :class:`~leanxl.errors.SourceError` that names the source,
the column and the row, and says what to fix; nothing is written until all sources are good.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from leanxl.csvfiles import csv_encoding, csv_separator
from leanxl.domain import FACTOR_KEYS, normalize_name
from leanxl.errors import SourceError
from leanxl.xlsx.package import verify_package

# The columns of the CRM tables leanxl reads.
FLAG_KEYS = ("in_sales_plan", "reached_by_marketing", "in_target_market")
#: Columns every Leads sheet has (added blank when the source lacks them): the summary
#: sheets' formulas point at them through defined names.
ALWAYS = ("lead_id", "company", "owner", "created", *FACTOR_KEYS, "price", "complexity",
          *FLAG_KEYS, "stage", "revenue", "recorded_status")
REQUIRED = (*FACTOR_KEYS, "price", *FLAG_KEYS)
PROFILE_TEXT = ("description", "pains", "awareness", "assumptions")
CAMPAIGN_TEXT = ("code", "name", "channel")
KPI_FIELDS = ("kpi", "level", "why", "when", "how", "who", "target", "direction", "tolerance",
              "unit")

_TRUE = {"true", "yes", "y", "1", "x", "ja", "wahr", "1.0"}
_FALSE = {"false", "no", "n", "0", "", "nej", "falsch", "0.0", "-", "nan", "<na>", "none"}

#: A number as a European Excel writes it: decimal comma, optional dot thousands groups.
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


def read_source(spec: str, *, query: str | None = None, table: str | None = None,
                columns: Sequence[str] | None = None, text: bool = False) -> pd.DataFrame:
    """Read a table from a file path or a database URL.

    Parameters
    ----------
    spec:
        ``leads.csv``, ``leads.xlsx`` (first sheet), ``leads.parquet``, or a SQLAlchemy URL
        such as ``sqlite:///crm.db`` / ``postgresql://user@host/crm``.
    query, table:
        For a database: the SQL to run, or the table to read whole (one of the two).
    columns:
        Read only these columns (a stray separator in a free-text column after them then
        cannot break the read).
    text:
        Keep a CSV's cells as the text typed (no number or date guessing); empty cells are
        None.

    Returns
    -------
    pandas.DataFrame
        One row per record, the source's own column names.

    Raises
    ------
    SourceError
        The file is missing, of an unknown type, unreadable, or has no rows.
    """
    if "://" in spec:
        frame = _read_sql(spec, query, table)
        return frame[list(columns)] if columns is not None else frame
    path = Path(spec)
    if not path.is_file():
        raise SourceError("file not found", where=spec,
                          suggestion="give a CSV, xlsx or Parquet file, or a database URL")
    suffix = path.suffix.lower()
    usecols = list(columns) if columns is not None else None
    try:
        if suffix in (".csv", ".txt"):
            frame = read_csv(path, usecols=usecols, text=text)
        elif suffix in (".xlsx", ".xlsm"):
            verify_package(path)  # a zip or entity bomb is refused before openpyxl reads it
            frame = pd.read_excel(path, engine="openpyxl", usecols=usecols)
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path, columns=usecols)
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


def read_csv(path: Path, *, usecols: list[str] | None = None, text: bool = False
             ) -> pd.DataFrame:
    """A CSV file as Excel or a CRM wrote it: encoding, separator and decimal mark detected.

    With ``text`` every cell stays the text typed (empty cells None). An empty file gives an
    empty frame (the caller decides whether that is an error).
    """
    raw = path.read_bytes()
    encoding = csv_encoding(raw)
    sep = csv_separator(raw.decode(encoding, errors="replace"))
    try:
        if text:
            return pd.read_csv(path, sep=sep, encoding=encoding, usecols=usecols, dtype=object,
                               keep_default_na=False).replace({"": None})
        frame = pd.read_csv(path, sep=sep, encoding=encoding, usecols=usecols)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    if sep == ";":  # Excel pairs the semicolon separator with the decimal comma
        frame = _decimal_commas(frame)
    return frame


def _decimal_commas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every value is a decimal-comma number (``1.234,5``) become floats."""
    out = frame.copy()
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        text = values.dropna().astype(str).str.strip()
        text = text[text != ""]
        if text.empty or not text.str.fullmatch(_DECIMAL_COMMA).all():
            continue
        numbers = values.astype("string").str.strip().str.replace(".", "", regex=False) \
            .str.replace(",", ".", regex=False)
        out[col] = pd.to_numeric(numbers, errors="coerce").astype(float)
    return out


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
