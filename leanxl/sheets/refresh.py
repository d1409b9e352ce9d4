"""``leanxl refresh``: fill a leanxl workbook from a CRM export, keeping everything else.

The steps, chosen so a 100k-lead refresh stays within seconds and a failure leaves the
workbook untouched:

1. read and check every source (nothing is written if one is bad);
2. copy the workbook with the Leads rows cut off (openpyxl would spend most of its time there)
   and load that copy with openpyxl: user sheets, styles, names, charts and VBA come along;
3. compute every computed column with the vectorised scoring API and the rules engine;
4. rewrite leanxl's sheets with openpyxl, recording each formula's cached value;
5. save; put the cached values into the sheet XML (:mod:`leanxl.xlsx.cached_values`); stream
   the Leads rows (formulas and cached values) into the package; replace the target file atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shlex
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from leanxl.datetexts import window_end
from leanxl.errors import CellError, SourceError, WorkbookError
from leanxl.sheets import book as B
from leanxl.sheets import leads as L
from leanxl.sheets import style as S
from leanxl.sheets.book import BookData, Cache, set_name
from leanxl.sheets.campaign_matrix import write_matrix
from leanxl.sheets.campaigns import read_campaigns, write_campaigns
from leanxl.sheets.cells import write_text
from leanxl.sheets.insights import write_insights
from leanxl.sheets.internal_customers import read_internal, write_internal
from leanxl.sheets.kpi_tracker import read_actuals, write_tracker
from leanxl.sheets.kpis import read_kpis, write_kpis
from leanxl.sheets.layout import clear_rows
from leanxl.sheets.leads_xml import rows_xml
from leanxl.sheets.mix import write_mix
from leanxl.sheets.ownership import owning, writing
from leanxl.sheets.profiles import read_profiles, write_profiles
from leanxl.sheets.rules_sheet import read_rules, write_rules
from leanxl.sheets.segments import write_segments
from leanxl.sheets.settings import read_settings, write_settings
from leanxl.sheets.team import write_team
from leanxl.sheets.user_columns import OldColumns, align
from leanxl.sheets.xlwings_conf import write_xlwings_conf
from leanxl.sources import (
    ALWAYS,
    FLAG_KEYS,
    clean_actuals,
    clean_campaigns,
    clean_leads,
    clean_profiles,
    clean_text,
    read_source,
)
from leanxl.xlsx.cached_values import write_cached_values
from leanxl.xlsx.files import check_unlocked, copy_member, copy_mode, fast_deflate
from leanxl.xlsx.package import shared_strings_part, sheet_parts, verify_package
from leanxl.xlsx.refs import column_letter

TABLE_NAME = "LeadsTable"
LOG = logging.getLogger(__name__)


@dataclass
class RefreshResult:
    path: Path
    leads: int
    seconds: dict[str, float]


def refresh(book: str | os.PathLike[str], leads: str | pd.DataFrame, *,
            campaigns: str | None = None, kpis: str | None = None,
            profiles: str | None = None, out: str | os.PathLike[str] | None = None,
            query: str | None = None, table: str | None = None,
            settings: Mapping[str, Any] | None = None,
            progress: bool | None = None) -> RefreshResult:
    """Refresh ``book`` from the data sources and write it to ``out`` (default: in place).

    Parameters
    ----------
    book:
        A workbook made from the leanxl template by ``leanxl new`` (``.xlsx`` or ``.xlsm``).
    leads:
        CRM export: CSV / xlsx / Parquet path, a database URL (with ``query`` or ``table``),
        or a DataFrame.
    campaigns, kpis, profiles:
        Optional sources replacing the Campaigns rows, the KPI tracker's actuals
        (``kpi, period, actual``) and the Profiles rows. Without them the workbook's own
        rows are kept.
    out:
        Where to write; the book itself when omitted. Written atomically.
    settings:
        Settings to change on the way, by :class:`~leanxl.sheets.book.Settings` field name
        (``{"price_cut": 38600}``); the Settings sheet then shows the new values.
    progress:
        Show a progress bar (default: when stderr is a terminal and there are many leads).
    """
    import time

    t0 = time.perf_counter()
    book = Path(book)
    target = Path(out) if out is not None else book
    check_paths(book, target)
    with writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
    with owning(target):
        return _refresh(book, target, leads, t0, campaigns=campaigns, kpis=kpis,
                        profiles=profiles, query=query, table=table, settings=settings,
                        progress=progress)


def check_paths(book: Path, target: Path) -> None:
    """Refuse, before anything is read or written, what cannot be refreshed or written."""
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(
            f"leanxl refreshes .xlsx and .xlsm workbooks, not {book.suffix or 'this file'}",
            where=str(book), suggestion="save it as an Excel workbook (.xlsx) first")
    if not book.is_file():
        raise WorkbookError("workbook not found", where=str(book),
                            suggestion=f"create it with: leanxl new {shlex.quote(str(book))}")
    check_unlocked(book)
    if target.is_dir():
        raise WorkbookError("the output is a folder", where=str(target),
                            suggestion=f"name a workbook in it: -o {target / book.name}")
    verify_package(book)  # openpyxl opens it itself: refuse a bomb before it does
    if target != book and target.exists():
        check_unlocked(target)
    if book.suffix.lower() != target.suffix.lower():
        got = f"as {target.suffix}" if target.suffix else f"without an extension ({target.name})"
        raise WorkbookError(
            f"cannot write a {book.suffix} workbook {got}", where=str(target),
            suggestion=f"name the output {target.stem or 'out'}{book.suffix}"
            + (" (an .xlsm keeps its macros)" if book.suffix.lower() == ".xlsm" else ""))


def _refresh(book: Path, target: Path, leads: str | pd.DataFrame, t0: float, *,
             campaigns: str | None, kpis: str | None, profiles: str | None,
             query: str | None, table: str | None, settings: Mapping[str, Any] | None,
             progress: bool | None) -> RefreshResult:
    import time

    # 1. Sources, all checked before anything is written.
    if isinstance(leads, pd.DataFrame):
        frame = clean_leads(check_fits(clean_text(leads, "leads"), "leads"), "leads")
    else:
        frame = clean_leads(check_fits(read_source(leads, query=query, table=table), leads),
                            leads)
    camp = clean_campaigns(read_source(campaigns), campaigns) if campaigns else None
    acts = clean_actuals(read_source(kpis), kpis) if kpis else None
    prof = clean_profiles(read_source(profiles), profiles) if profiles else None
    t1 = time.perf_counter()

    temps: list[Path] = []

    def temp(suffix: str) -> Path:
        fd, name = tempfile.mkstemp(prefix=".leanxl-", suffix=suffix, dir=target.parent)
        os.close(fd)
        temps.append(Path(name))
        return Path(name)

    try:
    # 2. Load the workbook without its Leads rows.
        stub = temp(book.suffix)
        strip_sheet_rows(book, stub, B.LEADS, keep_rows=2)
        keep_vba = book.suffix.lower() == ".xlsm"
        try:
            wb = load_workbook(stub, keep_vba=keep_vba, keep_links=True)
        except Exception as exc:  # noqa: BLE001 - a corrupt file is the user's to fix
            raise WorkbookError(f"cannot open the workbook: {exc}", where=str(book)) from exc
        for title in (B.SETTINGS, B.PROFILES, B.LEADS, B.CAMPAIGNS, B.RULES, B.KPIS):
            B.sheet(wb, title)
        data = read_book(wb)
        if camp is not None:
            data.campaigns = camp
        if prof is not None:
            data.profiles = prof
        if acts is not None:
            data.actuals = acts
        for key, value in (settings or {}).items():
            if not hasattr(data.settings, key):
                raise WorkbookError(f"unknown setting {key!r}",
                                    suggestion="use a field of leanxl.sheets.book.Settings")
            setattr(data.settings, key, value)
        _set_window(data, frame["created"])
        t2 = time.perf_counter()

        # 3. Compute.
        layout = L.make_layout(frame)
        scored = L.score_leads(frame, layout, data)
        view = leads_view(frame, scored)
        user_formulas, user_value_heads = find_user_columns(wb, layout)
        user_values = align(read_user_values(book, user_value_heads), frame["lead_id"].tolist(),
                            list(frame.columns), str(book)) if user_value_heads else {}
        frame = L.add_user_columns(layout, frame, user_formulas, user_values)
        t3 = time.perf_counter()

        # 4. Write leanxl's sheets.
        cache = Cache()
        write_all(wb, data, view, cache)
        write_insights(wb, data, view, scored.output, cache)
        prepare_leads_sheet(wb, layout, len(frame))
        saved = temp(book.suffix)
        save_fast(wb, saved)
        cached = temp(book.suffix)
        write_cached_values(saved, cached, cache.values)
        t4 = time.perf_counter()

        # 5. Stream the Leads rows in, then replace the target.
        final = temp(book.suffix)
        show = progress if progress is not None else (sys.stderr.isatty() and len(frame) > 20000)
        bar = None
        if show:
            from tqdm import tqdm

            bar = tqdm(total=len(frame), unit="lead", desc="Leads sheet", leave=False)
        try:
            splice_leads(cached, final, frame, layout, scored, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        copy_mode(target if target.exists() else None, final)
        os.replace(final, target)
        temps.remove(final)
        t5 = time.perf_counter()
    finally:
        for p in temps:
            p.unlink(missing_ok=True)
    return RefreshResult(target, len(frame), {
        "read sources": t1 - t0, "load workbook": t2 - t1, "compute": t3 - t2,
        "write sheets": t4 - t3, "write leads": t5 - t4, "total": t5 - t0})


def save_fast(wb: Workbook, path: Path) -> None:
    """``wb.save(path)`` deflating at zlib's level 1 instead of 6: the same parts, written
    about 3x faster (the hidden Snapshot is tens of MB at a million leads); the later passes
    copy them as stored."""
    from openpyxl.writer.excel import ExcelWriter

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                         compresslevel=1) as archive:
        ExcelWriter(wb, archive).save()


def check_fits(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Refuse, before anything is written, more leads than the Leads sheet can hold.

    Leads is the only sheet with a row per lead (Changes lists at most
    :data:`~leanxl.sheets.changes.LIST_MAX`, the Snapshot packs leads into text cells), so
    its limit is the refresh's.
    """
    if len(frame) > L.MAX_LEADS:
        raise SourceError(
            f"{len(frame):,} leads do not fit on the Leads sheet: an Excel sheet holds "
            f"{L.MAX_LEADS + 1:,} rows, one of them the header, so at most {L.MAX_LEADS:,} "
            "leads; nothing was written", where=where,
            suggestion="split the export (by region, owner or year) into several workbooks, "
            "or leave out leads closed long ago")
    return frame


def _set_window(data: BookData, created: pd.Series) -> None:
    """The 12-month window ends at the latest lead date that is not in the future; future
    dates (a ``2099`` typo) are named, and never move it."""
    end, future = window_end(created, dt.date.today())
    if future:
        shown = ", ".join(d.isoformat() for d in sorted(set(future))[-3:])
        LOG.warning("%d lead date(s) after today (%s) do not move the reporting period, "
                    "which ends %s", len(future), shown, end or data.settings.period_end)
    if end is not None:
        data.settings.period_end = end


# --------------------------------------------------------------------------- book <-> data
def read_book(wb: Workbook) -> BookData:
    """The user-editable inputs of a leanxl workbook."""
    kpis = read_kpis(wb[B.KPIS])
    actuals = (read_actuals(wb[B.TRACKER], kpis) if B.TRACKER in wb.sheetnames
               else pd.DataFrame(index=kpis["kpi"]))
    conf: list[tuple[str, str]] = []
    if B.XLWINGS in wb.sheetnames:
        for row in wb[B.XLWINGS].iter_rows(max_col=2, values_only=True):
            if row[0] is not None:
                conf.append((str(row[0]), "" if row[1] is None else str(row[1])))
    return BookData(
        settings=read_settings(wb),
        profiles=read_profiles(wb[B.PROFILES]),
        campaigns=read_campaigns(wb[B.CAMPAIGNS]),
        kpis=kpis,
        actuals=actuals,
        internal=read_internal(wb[B.INTERNAL]) if B.INTERNAL in wb.sheetnames else
        pd.DataFrame(columns=list(B.INTERNAL_FIELDS)),
        rules=read_rules(wb[B.RULES]),
        xlwings_conf=conf,
    )


def leads_view(frame: pd.DataFrame, scored: L.Scored) -> pd.DataFrame:
    """The leads with their computed columns, as the summary sheets count them."""
    import numpy as np

    columns = {}
    for key, values in scored.values.items():
        errors = np.array([type(v) is CellError for v in values.tolist()], dtype=bool)
        columns[key] = np.where(errors, np.array(None), values) if errors.any() else values
    return frame.assign(**columns)  # one new frame, not a copy altered column by column


def write_all(wb: Workbook, data: BookData, view: pd.DataFrame, cache: Cache) -> None:
    """(Re)write every leanxl sheet, creating the ones a workbook lacks."""
    def ws(title: str) -> Any:
        return wb[title] if title in wb.sheetnames else wb.create_sheet(title)

    write_settings(wb, ws(B.SETTINGS), data, cache)
    write_profiles(wb, ws(B.PROFILES), data, view, cache)
    write_campaigns(ws(B.CAMPAIGNS), data)
    write_matrix(ws(B.MATRIX), data, view, cache)
    write_segments(ws(B.SEGMENTS), data, view, cache)
    write_mix(ws(B.MIX), view, cache)
    write_rules(wb, ws(B.RULES), data, view, cache)
    write_kpis(ws(B.KPIS), data, cache)
    write_tracker(ws(B.TRACKER), data, cache)
    write_internal(ws(B.INTERNAL), data, cache)
    write_team(wb, ws(B.TEAM), data, view, cache)
    if data.xlwings_conf:
        write_xlwings_conf(ws(B.XLWINGS), data)
    for title in B.SHEET_ORDER:
        if title in wb.sheetnames:
            S.page(wb[title])


# --------------------------------------------------------------------------- Leads sheet
LEANXL_COLUMNS_PROP = "leanxl.lead_columns"


def _leanxl_columns(wb: Workbook) -> set[str]:
    """The Leads headers leanxl wrote last time (kept in a custom document property)."""
    import json

    for prop in wb.custom_doc_props.props:
        if prop.name == LEANXL_COLUMNS_PROP:
            try:
                return set(json.loads(prop.value))
            except (TypeError, ValueError):
                break
    return set(ALWAYS) | set(L.COMPUTED_HEADERS.values())


def find_user_columns(wb: Workbook, layout: L.Layout) -> tuple[dict[str, str], list[str]]:
    """Columns the user added to Leads: ``({header: row-2 formula}, [value column headers])``."""
    ws = wb[B.LEADS]
    ours = _leanxl_columns(wb) | set(layout.headers)
    formulas: dict[str, str] = {}
    values: list[str] = []
    for cell in ws[1]:
        head = cell.value
        if head is None or str(head) in ours:
            continue
        below = ws.cell(row=2, column=cell.column).value
        if isinstance(below, str) and below.startswith("="):
            formulas[str(head)] = below
        else:
            values.append(str(head))
    return formulas, values


def read_user_values(book: Path, heads: list[str]) -> OldColumns:
    """The user's value columns of the old Leads sheet, row by row with each row's lead_id.

    Only those columns are picked out of the sheet XML (openpyxl would build every cell:
    ~18 s per 100k leads); an unusual sheet (cells without addresses) falls back to openpyxl.
    """
    try:
        return _scan_user_values(book, heads)
    except _ScanFallback:
        return _read_user_values_openpyxl(book, heads)


class _ScanFallback(Exception):
    pass


_SCAN_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_SCAN_T = re.compile(rb'\bt="(\w+)"')
_SCAN_V = re.compile(rb"<v>(.*?)</v>", re.S)
_SCAN_IS = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>", re.S)


def _xml_text(raw: bytes) -> str:
    from html import unescape

    return unescape(raw.decode("utf-8"))


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    part = shared_strings_part(archive)
    if part is None:
        return []
    xml = archive.read(part)
    return ["".join(_xml_text(t) for t in _SCAN_IS.findall(si))
            for si in re.findall(rb"<si>(.*?)</si>", xml, re.S)]


def _scan_user_values(book: Path, heads: list[str]) -> OldColumns:
    with zipfile.ZipFile(book) as archive:
        part = sheet_parts(archive)[B.LEADS]
        xml = archive.read(part)
        sst = _shared_strings(archive)
    cells: dict[tuple[str, int], Any] = {}

    def value(attrs: bytes, inner: bytes | None) -> Any:
        if not inner:
            return None
        t = _SCAN_T.search(attrs)
        kind = t.group(1) if t else b"n"
        if kind == b"inlineStr":
            return "".join(_xml_text(x) for x in _SCAN_IS.findall(inner))
        v = _SCAN_V.search(inner)
        if v is None:
            return None
        text = v.group(1)
        if kind == b"s":
            return sst[int(text)]
        if kind in (b"str", b"e"):
            return _xml_text(text)
        if kind == b"b":
            return text == b"1"
        number = float(text)
        return int(number) if number.is_integer() else number

    header_cells = {}
    for m in _SCAN_CELL.finditer(xml, 0, xml.find(b"</row>") + 6):
        header_cells[m.group(1).decode()] = value(m.group(3), m.group(4))
    if not header_cells:
        raise _ScanFallback
    by_head = {str(v): k for k, v in header_cells.items() if v is not None}
    if "lead_id" not in by_head:
        return _old_columns(False, [], heads)
    wanted = {by_head[h].encode(): h for h in heads if h in by_head}
    key_col = by_head["lead_id"].encode()
    for m in _SCAN_CELL.finditer(xml):
        col = m.group(1)
        if col == key_col or col in wanted:
            cells[(col.decode(), int(m.group(2)))] = value(m.group(3), m.group(4))
    key = key_col.decode()
    rows = sorted({r for (_c, r) in cells if r > 1})
    return _old_columns(True, [(r, cells.get((key, r)),
                                {h: cells.get((c.decode(), r)) for c, h in wanted.items()})
                               for r in rows], heads)


def _old_columns(has_ids: bool, rows: list[tuple[int, Any, dict[str, Any]]],
                 heads: list[str]) -> OldColumns:
    return OldColumns(has_ids, [r for r, _i, _v in rows], [i for _r, i, _v in rows],
                      {h: [v.get(h) for _r, _i, v in rows] for h in heads})


def _read_user_values_openpyxl(book: Path, heads: list[str]) -> OldColumns:
    wb = load_workbook(book, read_only=True, data_only=True)
    try:
        rows = wb[B.LEADS].iter_rows(values_only=True)
        header = [str(h) if h is not None else "" for h in next(rows, ())]
        if "lead_id" not in header:
            return _old_columns(False, [], heads)
        key = header.index("lead_id")
        where = {h: header.index(h) for h in heads if h in header}
        found = []
        for r, row in enumerate(rows, start=2):
            found.append((r, row[key] if key < len(row) else None,
                          {h: row[j] if j < len(row) else None for h, j in where.items()}))
        return _old_columns(True, found, heads)
    finally:
        wb.close()


def prepare_leads_sheet(wb: Workbook, layout: L.Layout, n: int) -> None:
    """Header row, a styled row 2 (its styles are copied to every data row), table, names.

    A user's formatting of a column is kept: the style of the old row-2 cell under the same
    header is reused.
    """
    ws = wb[B.LEADS]
    old_styles: dict[str, Any] = {}
    old_widths: dict[str, float] = {}
    for cell in ws[1]:
        if cell.value is None:
            continue
        below = ws.cell(row=2, column=cell.column)
        if below.has_style:
            old_styles[str(cell.value)] = below  # the cell keeps its style once cleared
        width = ws.column_dimensions[cell.column_letter].width
        if width:
            old_widths[str(cell.value)] = width
    clear_rows(ws, 1)
    ws.conditional_formatting = type(ws.conditional_formatting)()
    for j, (head, key) in enumerate(zip(layout.headers, layout.keys, strict=True), start=1):
        h = ws.cell(row=1, column=j)
        write_text(h, head)  # a CSV header is text, never a formula
        h.font, h.fill, h.alignment, h.border = S.HEADER_FONT, S.HEADER_FILL, S.CENTER, S.BOX
        c = ws.cell(row=2, column=j)
        if head in old_styles:
            S.copy_style(old_styles[head], c)
        else:
            c.number_format = layout.formats.get(key) or "General"
            c.border = S.BOX
        letter = column_letter(j)
        ws.column_dimensions[letter].width = old_widths.get(head, _width(key, head))
    ws.row_dimensions[1].height = 32
    last_row = max(n, 1) + 1
    last_col = column_letter(layout.width)
    ref = f"A1:{last_col}{last_row}"
    for name in list(ws.tables):
        del ws.tables[name]
    tab = Table(displayName=TABLE_NAME, ref=ref)
    tab.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(layout.headers, 1)]
    tab.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    tab.autoFilter = AutoFilter(ref=ref)
    ws.add_table(tab)
    ws.freeze_panes = "C2"
    ws.print_title_rows = "1:1"
    import json

    from openpyxl.packaging.custom import StringProperty

    props = wb.custom_doc_props
    for prop in list(props.props):
        if prop.name == LEANXL_COLUMNS_PROP:
            props.props.remove(prop)
    props.append(StringProperty(name=LEANXL_COLUMNS_PROP, value=json.dumps(layout.leanxl_headers)))
    for name, key in L.LEAD_NAMES.items():
        col = layout.col(key)
        set_name(wb, name, f"Leads!${col}$2:${col}${last_row}")
    fit, match = layout.col("fit"), layout.col("match")
    S.fit_colours(ws, f"{fit}2:{fit}{last_row}")
    S.fit_colours(ws, f"{match}2:{match}{last_row}")
    dec = layout.col("decision")
    S.status_colours(ws, f"{dec}2:{dec}{last_row}", good=("Qualified",), warn=("Nurture",),
                     bad=("Disqualified",))
    fol = layout.col("follows")
    S.status_colours(ws, f"{fol}2:{fol}{last_row}", good=(), warn=(), bad=("No",))
    mix = layout.col("mix")
    S.status_colours(ws, f"{mix}2:{mix}{last_row}", good=("Sweet spot",), warn=(), bad=())


def _width(key: str, head: str) -> float:
    if key in ("company", "best_profile", "mix"):
        return 20
    if key in L.FACTOR_KEYS:
        return 11
    return max(10.0, min(18.0, len(head) + 2.0))


_ROW_START = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def strip_sheet_rows(src: Path, dst: Path, title: str, keep_rows: int) -> None:
    """Copy a package with one sheet's rows after ``keep_rows`` removed (a fast text cut).

    Raises
    ------
    WorkbookError
        ``src`` is not an Excel workbook with that sheet (a corrupt zip, an ``.ods``, any
        other zip).
    """
    suggestion = "refresh an .xlsx or .xlsm workbook made by `leanxl new`"
    try:
        archive = zipfile.ZipFile(src)
    except (OSError, zipfile.BadZipFile) as exc:
        raise WorkbookError(f"not a workbook ({exc})", where=str(src),
                            suggestion=suggestion) from exc
    with archive, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        try:
            part = sheet_parts(archive).get(title)
        except Exception as exc:  # noqa: BLE001 - any package the parser rejects
            raise WorkbookError(f"not an Excel workbook ({type(exc).__name__}: {exc})",
                                where=str(src), suggestion=suggestion) from exc
        if part is None:
            raise WorkbookError(f"the workbook has no {title} sheet", where=str(src),
                                suggestion=suggestion)
        for info in archive.infolist():
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
                raise WorkbookError(f"the workbook is damaged ({info.filename}: {exc})",
                                    where=str(src),
                                    suggestion="open it in Excel to repair it, or use a "
                                    "backup") from exc
            if info.filename == part:
                data = _cut_rows(data, keep_rows)
            out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


def _cut_rows(xml: bytes, keep_rows: int) -> bytes:
    end = xml.find(b"</sheetData>")
    if end < 0:
        return xml
    for m in _ROW_START.finditer(xml):
        if int(m.group(1)) > keep_rows:
            return xml[:m.start()] + xml[end:]
    return xml


_CELL_STYLE = re.compile(rb'<c r="([A-Z]+)2"(?: s="(\d+)")?')


def splice_leads(src: Path, dst: Path, frame: pd.DataFrame, layout: L.Layout,
                 scored: L.Scored, *, progress: Any = None) -> None:
    """Write ``src`` to ``dst`` with the Leads data rows streamed in (row 2 onwards)."""
    with zipfile.ZipFile(src) as archive, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        part = sheet_parts(archive)[B.LEADS]
        for info in archive.infolist():
            if info.filename != part:
                copy_member(archive, info, out)  # as stored: the Snapshot is tens of MB at 1M
                continue
            xml = archive.read(info)
            start = xml.index(b"<sheetData")
            open_end = xml.index(b">", start) + 1
            close = xml.find(b"</sheetData>")
            if close < 0:  # <sheetData/>
                head, body, tail = xml[:start] + b"<sheetData>", b"", b"</sheetData>" + xml[
                    open_end:]
            else:
                head, body, tail = xml[:open_end], xml[open_end:close], xml[close:]
            rows = list(re.finditer(rb"<row\b[^>]*?(?:/>|>.*?</row>)", body, re.S))
            row1 = next((m.group(0) for m in rows if re.search(rb'\br="1"', m.group(0)[:60])),
                        b"")
            row2 = next((m.group(0) for m in rows if re.search(rb'\br="2"', m.group(0)[:60])),
                        b"")
            styles = {m.group(1).decode(): (m.group(2) or b"").decode()
                      for m in _CELL_STYLE.finditer(row2)}
            last_row = max(len(frame), 1) + 1
            head = re.sub(rb'<dimension ref="[^"]*"\s*/>',
                          f'<dimension ref="A1:{column_letter(layout.width)}{last_row}"/>'.encode(),
                          head)
            chunks: Iterable[bytes | memoryview] = rows_xml(frame, layout, scored, styles,
                                                 progress=progress)
            info.compress_type = zipfile.ZIP_DEFLATED
            # Fast deflate for the big part: level 1 is ~3x faster than 6, ~15% larger;
            # zlib-ng's (when installed) faster still, and smaller.
            for attr in ("compress_level", "_compresslevel"):  # 3.13+ / older name
                with contextlib.suppress(AttributeError):
                    setattr(info, attr, 1)
            with out.open(info, "w", force_zip64=True) as sink:
                fast_deflate(sink)
                sink.write(head + row1)
                if len(frame) == 0:
                    sink.write(row2)
                write_behind(sink, chunks)
                sink.write(tail)


def write_behind(sink: Any, chunks: Iterable[bytes | memoryview]) -> None:
    """Write ``chunks`` to ``sink`` from a second thread while this one builds the next.

    Deflate and CRC release the GIL, so compressing a chunk overlaps building the next one
    (2 cores: about the compression's time saved). At most two chunks wait in the queue. An
    error on either side (a full disk, a signal) stops both and is raised here.
    """
    import queue
    import threading

    pending: queue.Queue[bytes | memoryview | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def drain() -> None:
        while (chunk := pending.get()) is not None:
            if not failed:
                try:
                    sink.write(chunk)
                except BaseException as exc:  # noqa: BLE001 - raised again in the caller
                    failed.append(exc)

    writer = threading.Thread(target=drain, name="leanxl-leads-writer", daemon=True)
    writer.start()
    try:
        for chunk in chunks:
            if failed:
                break
            pending.put(chunk)
    finally:
        pending.put(None)
        writer.join()
    if failed:
        raise failed[0]


def empty_leads() -> pd.DataFrame:
    """A zero-row CRM frame with every standard column (the template's Leads sheet)."""
    cols: dict[str, Any] = {}
    for key in ALWAYS:
        if key in FLAG_KEYS:
            cols[key] = pd.Series(dtype=bool)
        elif key in (*L.FACTOR_KEYS, "price", "complexity", "revenue"):
            cols[key] = pd.Series(dtype=float)
        elif key == "created":
            cols[key] = pd.Series(dtype="datetime64[ns]")
        else:
            cols[key] = pd.Series(dtype=object)
    return pd.DataFrame(cols)


