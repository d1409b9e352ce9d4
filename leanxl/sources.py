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

import contextlib
import difflib
import io
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leanxl.csvfiles import BLANK_WORDS, csv_encoding, csv_separator, number_marks
from leanxl.datetexts import read_dates
from leanxl.domain import FACTOR_KEYS, normalize_name
from leanxl.errors import SourceError
from leanxl.values import FALSE_WORDS, TRUE_WORDS
from leanxl.xlsx.cached_values import ILLEGAL_XML
from leanxl.xlsx.package import verify_package
from leanxl.xlsx.text_bytes import ASCII_LETTERS, ILLEGAL_BYTES, surely_without

LOG = logging.getLogger(__name__)

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

# The shared yes/no words, plus a number written as text and the words exports write for a
# missing cell: a blank flag in a CRM export means "no".
_TRUE = TRUE_WORDS | {"1.0"}
_FALSE = FALSE_WORDS | BLANK_WORDS | {"", "0.0"}



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
        return clean_text(frame[list(columns)] if columns is not None else frame, spec)
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
    return clean_text(frame, spec)


def read_csv(path: Path, *, usecols: list[str] | None = None, text: bool = False
             ) -> pd.DataFrame:
    """A CSV file as Excel or a CRM wrote it: encoding, separator and number marks detected.

    Every cell is read as the text exported; a column becomes numbers only when every value
    is a number in the file's own format (decimal mark and thousands separator, see
    :func:`~leanxl.csvfiles.number_marks`) and none looks like an identifier (``00001``,
    ``+4917012345678``, 20-digit accounts stay text). What was detected is logged in one
    line. With ``text`` every cell stays text (empty cells None). An empty file gives an
    empty frame (the caller decides whether that is an error).
    """
    raw = path.read_bytes()
    encoding = csv_encoding(raw)
    decoded = raw.decode(encoding, errors="replace")
    sep = csv_separator(decoded)
    data = decoded.encode("utf-8")
    frame = _read_csv_arrow(data, sep, usecols)
    if frame is None:
        try:
            # Object cells, UTF-8 bytes: pandas' fastest way to keep every cell's text. In
            # one piece (low_memory=False): with every column object-typed the chunks would
            # give the same cells, only to be concatenated again (~1 s per million leads).
            frame = pd.read_csv(io.BytesIO(data), encoding="utf-8", sep=sep, dtype=object,
                                keep_default_na=False, na_values=[""], usecols=usecols,
                                low_memory=False)
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
    if not text:
        sample = (c for col in frame.columns for c in frame[col].iloc[:5000].dropna()
                  .tolist() if "," in c or "." in c)
        decimal, thousands = number_marks(sample, sep)
        LOG.info("%s: %s, %r separated, decimal %r", path.name,
                 _encoding_name(raw, encoding), sep, decimal)
    for col in frame.columns:
        values = frame[col]
        if not text and normalize_name(col) not in TEXT_COLUMNS:
            values = _numbers_if_all(values, decimal, thousands)
        if values.dtype != float:  # text: the cells as exported, empty cells None
            values = _objects(values)
        frame[col] = values
    if not text:
        frame.attrs["number_marks"] = (decimal, thousands)
    return frame


def _read_csv_arrow(data: bytes, sep: str, usecols: list[str] | None) -> pd.DataFrame | None:
    """The cells of an ordinary CSV as Arrow-backed text columns (empty cells missing), read
    by Arrow's parser on every core; None when the file is not ordinary (then pandas reads
    it, as it always did: its rules for short rows, repeated or empty headers, NUL bytes).

    A file without quotes reads the same both ways: the same separator, line ends (LF, CRLF,
    CR), empty lines skipped, an empty cell missing, any other irregularity refused by Arrow
    (then pandas reads it). Number columns then never become Python strings (about 2 s of
    CPU per million leads).
    """
    import pyarrow as pa
    import pyarrow.csv as pv

    if b"\x00" in data or b'"' in data:
        # NUL bytes, nothing, or quotes: pandas' quoting rules (a quote inside a cell, one
        # left open at the end) are its own; only files without any take Arrow's way.
        return None
    try:
        # The header is read as a row of data (column names f0, f1, ...), so every column
        # can be typed as text before its name is known; Excel's sheets hold 16,384 columns.
        table = pv.read_csv(
            io.BytesIO(data),
            read_options=pv.ReadOptions(autogenerate_column_names=True, block_size=1 << 22),
            parse_options=pv.ParseOptions(delimiter=sep, quote_char=False, escape_char=False,
                                          ignore_empty_lines=True),
            convert_options=pv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(16384)},
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True))
    except (pa.ArrowException, ValueError):
        return None
    if table.num_columns < 2 or table.num_rows < 1 or any(
            not pa.types.is_string(t) for t in table.schema.types):
        return None
    names = [table.column(i)[0].as_py() for i in range(table.num_columns)]
    if any(not n for n in names) or len(set(names)) != len(names) or (
            usecols is not None and not set(usecols) <= set(names)):
        return None  # pandas' names ("Unnamed: 3", "x.1") or its error
    body = table.slice(1)
    wanted = set(usecols) if usecols is not None else set(names)
    return pd.DataFrame({n: pd.Series(pd.arrays.ArrowExtensionArray(body.column(i)))
                         for i, n in enumerate(names) if n in wanted})


def _objects(values: pd.Series) -> pd.Series:
    """A text column as Python objects, missing cells None."""
    if isinstance(values.dtype, pd.ArrowDtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        # One Python string per distinct text, as pandas' own parser keeps them (a million
        # leads' owners are a handful of names, not a million strings).
        column = pa.array(values.array)
        parts = [np.empty(0, dtype=object)]
        for chunk in (column.chunks if isinstance(column, pa.ChunkedArray) else [column]):
            codes = pc.dictionary_encode(chunk)
            texts = np.append(codes.dictionary.to_numpy(zero_copy_only=False), [None])
            parts.append(texts[pc.fill_null(codes.indices, len(texts) - 1).to_numpy(
                zero_copy_only=False)])
        return pd.Series(np.concatenate(parts), index=values.index, name=values.name,
                         dtype=object)
    return values.astype(object).where(values.notna(), None)


TEXT_COLUMNS = frozenset(normalize_name(k) for k in (
    "lead_id", "id", "company", "owner", "stage", "recorded_status", "code", "name", "channel",
    "profile", "kpi", "period", "phone", "mobile", "zip", "postcode", "account"))


def _encoding_name(raw: bytes, encoding: str) -> str:
    if encoding == "utf-16":
        return "UTF-16LE" if raw.startswith(b"\xff\xfe") else "UTF-16BE"
    if encoding == "cp1252":
        return "Windows-1252"
    return "UTF-8 with BOM" if raw.startswith(b"\xef\xbb\xbf") else "UTF-8"


def parse_numbers(values: pd.Series, decimal: str, thousands: str, *,
                  texts: Any = None) -> pd.Series:
    """Text cells as floats in the export's format (NaN where a cell is not a finite number).

    Thousands separators count only in groups of three: with a decimal comma ``12.600`` is
    12600 and ``1.5`` is not a number (rather than silently 15). ``texts``: the cells as
    Arrow strings when the caller has them already (:func:`_arrow_strings`).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    # Arrow strings: every step below runs in C++ over the whole column.
    text = pc.utf8_trim_whitespace(_arrow_strings(values) if texts is None else texts)
    # (Letters judged from the bytes first: exact, no other character's UTF-8 holds them.)
    if decimal == "." and (surely_without(text, ASCII_LETTERS) or
                           not pc.any(pc.match_substring_regex(text, "[a-zA-Z]")).as_py()):
        with contextlib.suppress(pa.ArrowInvalid):  # plain numbers: Arrow reads them at once
            floats = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
            numbers = pd.Series(floats, index=values.index, dtype=float)
            return numbers.where(np.isfinite(numbers))
    if pc.any(pc.match_substring_regex(text, "[ \u00a0\u202f']")).as_py():
        text = pc.replace_substring_regex(text, "[ \u00a0\u202f']", "")  # 12 600 / 12'600
    d, k = re.escape(decimal), re.escape(thousands)
    shape = (rf"^[+-]?(?:(?:\d{{1,3}}(?:{k}\d{{3}})+|\d+)(?:{d}\d*)?|{d}\d+)"
             r"(?:[eE][+-]?\d+)?$")
    ok = pc.fill_null(pc.match_substring_regex(text, shape), False)
    plain = text
    if pc.any(pc.match_substring(text, thousands)).as_py():
        plain = pc.replace_substring(plain, thousands, "")
    if decimal != ".":
        plain = pc.replace_substring(plain, decimal, ".")
    plain = pc.if_else(ok, plain, None)
    try:
        numbers = pd.Series(pc.cast(plain, pa.float64()).to_numpy(zero_copy_only=False),
                            index=values.index, dtype=float)
    except pa.ArrowInvalid:  # a shape Arrow's parser declines ("5."): pandas reads it
        numbers = pd.to_numeric(pd.Series(plain.to_pylist(), index=values.index),
                                errors="coerce").astype(float)
    return numbers.where(np.isfinite(numbers))


def _numbers_if_all(values: pd.Series, decimal: str, thousands: str) -> pd.Series:
    """A text column as floats when every cell is a number (or a blank word such as ``NaN``)
    and none is an identifier; otherwise the column as it was."""
    # Most text columns show it in a few rows. (As Python objects: an Arrow-backed column's
    # map would keep Arrow's types.)
    head = values.iloc[:1000].dropna().iloc[:200].astype(object)
    numbers = parse_numbers(head, decimal, thousands)
    if not head[numbers.isna()].map(_blank_word).all():
        return values
    texts = _arrow_strings(values)  # once for both parses below (0.1 s per million cells)
    numbers = parse_numbers(values, decimal, thousands, texts=texts)  # NaN where blank
    others = numbers.isna().to_numpy() & values.notna().to_numpy()
    if others.any() and not values[others].astype(object).map(_blank_word).all():
        return values
    if numbers.isna().all() or _identifiers(values, decimal, texts=texts).any():
        return values
    return numbers.astype(float)


def _blank_word(text: str) -> bool:
    return text.strip().casefold() in BLANK_WORDS


def _arrow_strings(values: pd.Series) -> Any:
    """A column of texts as an Arrow string array (no copy when pandas already holds one)."""
    import pyarrow as pa

    arr = pa.array(values, from_pandas=True)
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) \
        else arr.cast(pa.string())


def _identifiers(values: pd.Series, decimal: str, *, texts: Any = None) -> pd.Series:
    """Which number-looking cells are identifiers: a leading zero (``00001``), a leading
    ``+`` (``+4917012345678``) or more digits than a float keeps (20-digit accounts).
    ``texts``: the cells as Arrow strings when the caller has them already."""
    import pyarrow.compute as pc

    t = pc.utf8_trim_whitespace(_arrow_strings(values) if texts is None else texts)
    # Only a cell starting with + or 0, or 16 characters long, can match: most columns have
    # none, and then the regex need not run.
    maybe = pc.or_(pc.or_(pc.starts_with(t, "+"), pc.starts_with(t, "0")),
                   pc.greater_equal(pc.utf8_length(t), 16))
    if not pc.any(maybe).as_py():
        return pd.Series(False, index=values.index)
    rule = "^(\\+|0[^" + re.escape(decimal) + "]|(\\D*\\d){16})"
    return pd.Series(pc.fill_null(pc.match_substring_regex(t, rule), False).to_numpy(
        zero_copy_only=False), index=values.index)  # a blank cell is no identifier


def clean_text(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Remove what XML cannot hold (control characters but tab/LF/CR, U+FFFE, U+FFFF) from
    every text cell and header, saying how many cells were changed; the rest stays as typed."""
    renamed = {c: ILLEGAL_XML.sub("", c) for c in frame.columns
               if isinstance(c, str) and ILLEGAL_XML.search(c)}
    if renamed:
        frame = frame.rename(columns=renamed)
    for col in frame.columns:
        values = frame[col]
        if values.dtype != object:
            continue
        if not _may_hold_illegal(values):
            continue
        bad = values.map(lambda v: isinstance(v, str) and bool(ILLEGAL_XML.search(v)))
        frame[col] = values.map(lambda v: ILLEGAL_XML.sub("", v) if isinstance(v, str) else v)
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad.to_numpy())[:5])
        LOG.warning("%s: column %r: removed characters a workbook cannot hold (control "
                    "characters, U+FFFE, U+FFFF) from %d cell(s) (data rows %s)", where, col,
                    int(bad.sum()), rows)
    return frame


_ILLEGAL_XML_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"  # ILLEGAL_XML for Arrow


def _may_hold_illegal(values: pd.Series) -> bool:
    """Whether a column may hold a text with a character XML cannot hold (one pass in Arrow
    when every cell is text; lone surrogates, which Arrow refuses, take the slow way)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        texts = pa.array(values.to_numpy(), type=pa.string(), from_pandas=True)
    except (pa.ArrowException, UnicodeError):  # numbers, dates, surrogates: look one by one
        found = [v for v in values.tolist() if isinstance(v, str)]
        return bool(found) and bool(ILLEGAL_XML.search("".join(found)))
    if surely_without(texts, ILLEGAL_BYTES):  # the common case, from the bytes at once
        return False
    return bool(pc.any(pc.match_substring_regex(texts, _ILLEGAL_XML_RE2)).as_py())


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


def _rename(frame: pd.DataFrame, keys: tuple[str, ...], where: str = "source"
            ) -> pd.DataFrame:
    """Rename columns that fold to a known key (``Buyer Maturity`` → ``buyer_maturity``).

    Two columns folding to the same key (``Buyer Maturity`` and ``buyer_maturity``) are
    refused: which one holds the scores is the user's call, not leanxl's.
    """
    wanted = {normalize_name(k): k for k in keys}
    mapping: dict[object, str] = {}
    found: dict[str, object] = {}
    for col in frame.columns:
        key = wanted.get(normalize_name(col))
        if key is None:
            continue
        if key in found:
            raise SourceError(
                f"columns {str(found[key])!r} and {str(col)!r} are both read as {key!r}",
                where=where, suggestion="remove or rename one of them in the export")
        found[key] = col
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
    """A column that must hold numbers, read in the export's own format; a cell that is not
    a finite number stops the read with its row (blank cells and ``NaN`` are "not given")."""
    raw = frame[key]
    if pd.api.types.is_bool_dtype(raw):
        raise SourceError(f"column {key!r} holds true/false, not numbers", where=where)
    decimal, thousands = frame.attrs.get("number_marks", (".", ","))
    if pd.api.types.is_numeric_dtype(raw):
        num = raw.astype(float)
        bad = pd.Series(np.isinf(num.to_numpy()), index=raw.index)
    else:
        text = raw.astype("string").str.strip()
        blank = text.isna() | text.eq("").fillna(True) | text.str.casefold().isin(
            BLANK_WORDS).fillna(False)
        num = parse_numbers(raw, decimal, thousands)
        bad = num.isna() & ~blank
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        i = int(rows[0])
        listed = ", ".join(str(r + 1) for r in rows[:5])
        raise SourceError(
            f"column {key!r} has {raw.iloc[i]!r} in data row {i + 1}, not a finite number "
            f"as this file writes them (decimal {decimal!r}, thousands {thousands!r})",
            where=where,
            suggestion=f"{what} must be numbers (blank = not given); {int(bad.sum())} row(s) "
            f"to fix (data rows {listed})")
    return num.astype(float)


def _flags(frame: pd.DataFrame, key: str, where: str) -> pd.Series:
    raw = frame[key]
    if pd.api.types.is_bool_dtype(raw):
        return raw.fillna(False).astype(bool)
    # Each distinct cell judged once (a million leads hold a handful of yes/no words).
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    words = pd.Series(uniques, dtype=object).astype("string").str.strip().str.casefold()
    words = words.fillna("")
    truth_of = np.append(words.isin(_TRUE).to_numpy(bool), False)  # NA (code -1): no
    bad_of = np.append((~words.isin(_TRUE) & ~words.isin(_FALSE)).to_numpy(bool), False)
    truth = pd.Series(truth_of[codes], index=raw.index)
    bad = pd.Series(bad_of[codes], index=raw.index)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(f"column {key!r} has {raw.iloc[i]!r} in data row {i + 1}",
                          where=where, suggestion="use true/false, yes/no or 1/0")
    return truth.astype(bool)


def clean_leads(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Check a CRM export and give it leanxl's column names and types."""
    frame = _rename(frame, ALWAYS, where)
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
        dates = read_dates(frame["created"])
        for line in dates.notes("created"):
            LOG.log(logging.WARNING if "could not" in line else logging.INFO, "%s: %s",
                    where, line)
        out["created"] = dates.values.to_numpy()
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
    frame = _rename(frame, (*CAMPAIGN_TEXT, *FACTOR_KEYS), where)
    _require(frame, ("code", *FACTOR_KEYS), where)
    out = pd.DataFrame({"code": frame["code"].astype(str)})
    out["name"] = frame["name"] if "name" in frame else out["code"]
    out["channel"] = frame.get("channel")
    for key in FACTOR_KEYS:
        out[key] = _numbers(frame, key, where, "campaign targets")
    return out.astype(object).where(out.notna(), None)


def clean_profiles(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    frame = _rename(frame, ("profile", *FACTOR_KEYS, *PROFILE_TEXT), where)
    _require(frame, ("profile", *FACTOR_KEYS), where)
    out = pd.DataFrame({"profile": frame["profile"].astype(str)})
    for key in FACTOR_KEYS:
        out[key] = _numbers(frame, key, where, "profile targets")
    for key in PROFILE_TEXT:
        out[key] = frame.get(key)
    return out.astype(object).where(out.notna(), None)


def clean_actuals(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """KPI actuals, long (``kpi, period, actual``) or wide (``kpi`` + one column per period)."""
    frame = _rename(frame, ("kpi", "period", "actual"), where)
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
    frame = _rename(frame, KPI_FIELDS, where)
    _require(frame, ("kpi", "target"), where)
    for key in KPI_FIELDS:
        if key not in frame:
            frame[key] = None
    return frame[list(KPI_FIELDS)].astype(object).where(frame[list(KPI_FIELDS)].notna(), None)
