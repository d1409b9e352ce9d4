"""Write cached values of formula cells straight into an .xlsx/.xlsm package.

openpyxl writes a formula *or* a value, never both; Excel, LibreOffice, pandas and every
viewer show a formula cell's cached ``<v>``.  So leanxl writes the workbook with openpyxl (or
leaves the user's file as it is) and then sets the cached values here, in the sheet XML,
touching nothing else: every other part of the package (VBA, charts, styles, drawings) is
copied byte for byte.

Spills (one formula returning many values) are stored the way Excel stores a dynamic array:
the anchor cell holds ``<f t="array" ref="B2:B9">`` with ``cm="1"`` pointing at the
``XLDAPR`` cell metadata, and every cell of the range holds its cached value.

No openpyxl here: this is plain zip + text, so it is fast on 100k-row sheets.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import posixpath
import queue
import re
import threading
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from leanxl.errors import ERROR_CODES, CellError, WorkbookError
from leanxl.xlsx import package
from leanxl.xlsx.files import atomic_output, copy_member, fast_deflate, stored_bytes
from leanxl.xlsx.refs import column_index, column_letter, split_coordinate
from leanxl.xlsx.row_targets import ColumnRunValues, RowTargets

__all__ = ["escape_xml_text", "unescape_xstring", "write_cached_values"]

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_METADATA_REL = package.REL_NS + "/sheetMetadata"
_METADATA_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
# Excel's own metadata part for dynamic arrays; cell metadata index 1 = "is a dynamic array".
_METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<metadata xmlns="{_MAIN_NS}" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" '
    'copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" '
    'clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk>'
    '</futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    "</metadata>"
)

_ROW = re.compile(rb"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_START_TAG = re.compile(rb"^<c\b([^>]*?)(/?)>")
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>.*?</f>)", re.S)
_ATTR = re.compile(rb'\s([\w:]+)="([^"]*)"')
#: What XML 1.0 cannot hold: control characters but tab, LF and CR; U+FFFE, U+FFFF; lone
#: surrogates. A CRM's text may carry them (refresh drops them at read time, with a warning).
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPE_LIKE = re.compile("(_x[0-9A-Fa-f]{4}_)")


@dataclass(frozen=True, slots=True)
class _Target:
    value: Any
    spill_ref: str | None  # set on the anchor of a spill


def escape_xml_text(text: str) -> str:
    """Text as it may stand in an XML element of a sheet, & < > escaped.

    Characters XML forbids are written the way Excel writes them, ``_x0007_`` (OOXML's
    ST_Xstring escape), so the text comes back whole; a literal ``_x0007_`` in the text is
    itself escaped (``_x005F_x0007_``) so that readers do not decode it.
    """
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
    if ILLEGAL_XML.search(text):
        text = ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_XSTRING_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def unescape_xstring(text: str) -> str:
    """Decode OOXML's ``_xHHHH_`` escapes (XML-unescaped text in, the cell's text out)."""
    if "_x" not in text:
        return text
    return _XSTRING_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _value_xml(value: Any) -> tuple[bytes | None, bytes]:
    """The ``t`` attribute (None = number) and the ``<v>`` element for a cached value."""
    if type(value) is float and math.isfinite(value):  # the common case, first
        text = repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        return None, b"<v>" + text.encode() + b"</v>"
    if isinstance(value, CellError):
        return b"e", b"<v>" + value.code.encode() + b"</v>"
    if isinstance(value, str) and value in ERROR_CODES:
        return b"e", b"<v>" + value.encode() + b"</v>"
    if value is None:
        return b"str", b"<v></v>"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return b"b", b"<v>1</v>" if value else b"<v>0</v>"
    if isinstance(value, str):
        return b"str", b"<v>" + escape_xml_text(value).encode("utf-8") + b"</v>"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return b"str", b"<v>" + escape_xml_text(str(value)).encode("utf-8") + b"</v>"
    if not math.isfinite(number):
        return b"e", b"<v>#NUM!</v>"
    text = repr(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    return None, b"<v>" + text.encode() + b"</v>"


def _cell_xml(existing: bytes | None, ref: bytes, target: _Target) -> bytes:
    """Rebuild one ``<c>``: keep its attributes and formula, replace the cached value."""
    attrs: list[tuple[bytes, bytes]] = []
    formula = b""
    if existing is not None:
        m = _START_TAG.match(existing)
        if m:
            attrs = [(k, v) for k, v in _ATTR.findall(b" " + m.group(1))]
        fm = _FORMULA.search(existing)
        if fm:
            formula = fm.group(0)
    # Only the value's type is leanxl's: every other attribute (``cm`` of a dynamic array
    # Excel wrote, ``vm`` of a CUBE or linked-data value, styles...) stays as it was.
    attrs = [(k, v) for k, v in attrs if k not in (b"r", b"t")]
    t, v = _value_xml(target.value)
    if target.spill_ref is not None and formula:
        body = _FORMULA_BODY.match(formula)
        text = body.group(1) if body else b""
        formula = b'<f t="array" ref="' + target.spill_ref.encode() + b'">' + text + b"</f>"
    head = b'<c r="' + ref + b'"'
    for k, val in attrs:
        head += b" " + k + b'="' + val + b'"'
    if t is not None:
        head += b' t="' + t + b'"'
    if target.spill_ref is not None and formula and not any(k == b"cm" for k, _ in attrs):
        head += b' cm="1"'  # leanxl's own spill: a dynamic array
    return head + b">" + formula + v + b"</c>"


_FORMULA_BODY = re.compile(rb"<f\b[^>]*?>(.*?)</f>", re.S)


_MISSING = object()


def _patch_row(row_xml: bytes, row_number: int, targets: dict[int, Any],
               spills: Mapping[tuple[int, int], str]) -> bytes:
    """Rewrite the targeted cells of one ``<row>``, inserting cells that do not exist yet."""
    if row_xml.endswith(b"/>"):
        open_tag, cells_xml, close = row_xml[:-2] + b">", b"", b"</row>"
    else:
        end = row_xml.index(b">") + 1
        open_tag, cells_xml, close = row_xml[:end], row_xml[end:-6], b"</row>"

    def target(col: int) -> _Target:
        return _Target(targets[col], spills.get((row_number, col)))

    out: list[bytes] = []
    pending = sorted(targets)
    i = 0
    pos = 0
    for m in _CELL.finditer(cells_xml):
        out.append(cells_xml[pos:m.start()])
        pos = m.end()
        cell = m.group(0)
        rm = _CELL_REF.search(cell[: cell.index(b">") + 1])
        col = column_index(rm.group(1).decode()) if rm else None
        while i < len(pending) and col is not None and pending[i] < col:
            ref = (column_letter(pending[i]) + str(row_number)).encode()
            out.append(_cell_xml(None, ref, target(pending[i])))
            i += 1
        if col is not None and i < len(pending) and pending[i] == col:
            out.append(_cell_xml(cell, rm.group(1) + rm.group(2), target(col)))  # type: ignore[union-attr]
            i += 1
        else:
            out.append(cell)
    out.append(cells_xml[pos:])
    for col in pending[i:]:
        ref = (column_letter(col) + str(row_number)).encode()
        out.append(_cell_xml(None, ref, target(col)))
    return open_tag + b"".join(out) + close


# A whole existing cell addressed the usual way (``r`` first): letters, row, rest of the tag.
# Only cells holding a formula: the usual targets; the others go the row-by-row way.
_ADDRESSED_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"([^>/]*)>\s*(<f\b[^>]*?(?:/>|>.*?</f>)).*?</c>', re.S)
_VALUE_ATTRS = re.compile(rb'\st="[^"]*"')


def _patch_existing(body: bytes, targets: dict[int, dict[int, Any]],
                    spills: Mapping[tuple[int, int], str]) -> bytes:
    """Rewrite, in one pass, the target cells that already exist; consume them from targets.

    Much faster than row by row when most targets exist (recalc rewrites every formula cell
    of a 10k-row sheet): one C-level scan, Python work only on the targeted cells.
    """
    columns: dict[bytes, int] = {}
    # The end of the start tag and the <v> of each value: a column of scores or labels
    # repeats a few values many times, so each is rendered once.
    rendered: dict[tuple[type, Any], tuple[bytes, bytes]] = {}

    def repl(m: re.Match[bytes]) -> bytes:
        letters, number, attrs, formula = m.groups()
        row = int(number)
        cols = targets.get(row)
        if not cols:
            return m.group(0)
        col = columns.get(letters)
        if col is None:
            col = columns[letters] = column_index(letters.decode())
        value = cols.pop(col, _MISSING)
        if value is _MISSING:
            return m.group(0)
        if spills and (row, col) in spills:
            return _cell_xml(m.group(0), letters + number, _Target(value, spills[row, col]))
        # The common case, built directly: same attributes but the value's, same formula.
        key = (value.__class__, value)  # by type too: True == 1.0, but they differ here
        try:
            close, v = rendered[key]
        except (KeyError, TypeError):  # new, or unhashable
            t, v = _value_xml(value)
            close = b">" if t is None else b' t="' + t + b'">'
            if len(rendered) < 65536 and value == value:  # NaN never hits again
                with contextlib.suppress(TypeError):
                    rendered[key] = (close, v)
        if b"t=" in attrs:
            attrs = _VALUE_ATTRS.sub(b"", attrs)
        return b'<c r="' + letters + number + b'"' + attrs + close + formula + v + b"</c>"

    return _ADDRESSED_CELL.sub(repl, body)


#: How much sheet XML is patched at a time: the part streams through in pieces cut at row
#: ends, so a full sheet (10^6 rows, hundreds of MB of XML) is never held whole.
PIECE_BYTES = 1 << 20


def _patched_pieces(chunks: Iterator[bytes], rows: RowTargets,
                    spills: Mapping[tuple[int, int], str]) -> Iterator[bytes]:
    """The sheet part coming in ``chunks``, targets cached (and consumed), piece by piece."""
    buf = b""
    while True:  # up to the end of the <sheetData ...> tag
        data = next(chunks, b"")
        buf += data
        start = buf.find(b"<sheetData")
        open_end = buf.find(b">", start) + 1 if start >= 0 else 0
        if open_end > 0:
            break
        if not data:
            raise WorkbookError("worksheet XML has no <sheetData>")
    if buf[open_end - 2 : open_end] == b"/>":  # <sheetData/>: an empty sheet
        yield buf[:start] + b"<sheetData>"
        yield _patch_rows(b"", rows.upto(None), rows.rows, spills)
        yield b"</sheetData>" + buf[open_end:]
    else:
        yield buf[:open_end]
        buf = buf[open_end:]
        while True:
            close = buf.find(b"</sheetData>")
            if close >= 0:
                yield _patch_body(buf[:close], None, rows, spills)
                yield buf[close:]
                break
            cut = buf.rfind(b"</row>") + 6
            if cut > 6 and len(buf) >= PIECE_BYTES:
                last = buf.rfind(b"<row", 0, cut)
                number = _ROW_NUMBER.search(buf, last, buf.index(b">", last) + 1)
                upto = int(number.group(1)) if number else rows.last
                yield _patch_body(buf[:cut], upto, rows, spills)
                buf = buf[cut:]
            data = next(chunks, b"")
            if not data:
                raise WorkbookError("worksheet XML has no </sheetData>")
            buf += data
    while data := next(chunks, b""):
        yield data


def _patch_body(body: bytes, upto: int | None, rows: RowTargets,
                spills: Mapping[tuple[int, int], str]) -> bytes:
    """Whole rows of <sheetData>: existing formula cells in one pass, then, row by row, the
    target cells of rows up to ``upto`` (None: all) that are still to be created."""
    handed = rows.upto(upto)  # makes the band's rows first
    targets = rows.rows
    body = _patch_existing(body, targets, spills)
    body = _patch_rows(body, [r for r in handed if targets[r]], targets, spills)
    rows.forget(handed)
    return body


def _patch_rows(body: bytes, rows: list[int], targets: dict[int, dict[int, Any]],
                spills: Mapping[tuple[int, int], str]) -> bytes:
    """Write ``rows`` (ascending) of ``targets`` into ``body``, creating rows and cells."""
    if not rows:
        return body
    out: list[bytes] = []
    pos = 0
    i = 0
    for m in _ROW.finditer(body):
        row_xml = m.group(0)
        rn = _ROW_NUMBER.search(row_xml[: row_xml.index(b">") + 1])
        number = int(rn.group(1)) if rn else -1
        while i < len(rows) and rows[i] < number:
            out.append(body[pos:m.start()])
            pos = m.start()
            out.append(_patch_row(f'<row r="{rows[i]}"/>'.encode(), rows[i], targets[rows[i]],
                                  spills))
            i += 1
        if i < len(rows) and rows[i] == number:
            out.append(body[pos:m.start()])
            out.append(_patch_row(row_xml, number, targets[number], spills))
            pos = m.end()
            i += 1
        if i == len(rows):
            break
    out.append(body[pos:])
    for number in rows[i:]:
        out.append(_patch_row(f'<row r="{number}"/>'.encode(), number, targets[number], spills))
    return b"".join(out)


class _PartWriter(threading.Thread):
    """Writes parts into the output package in its own thread: compressing (zlib lets go of
    the interpreter) runs while the caller patches the next piece."""

    def __init__(self, out: zipfile.ZipFile, source: zipfile.ZipFile) -> None:
        super().__init__(name="leanxl-zip", daemon=True)
        self.out = out
        self.source = source  # the package being copied (for parts copied as stored)
        self.queue: queue.Queue[tuple[Any, ...] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.dest: IO[bytes] | None = None  # the part being streamed
        self.start()

    def run(self) -> None:
        try:
            self._write_all()
        finally:
            if self.dest is not None:  # the caller failed mid-part: the zip must still close
                with contextlib.suppress(Exception):
                    self.dest.close()

    def _write_all(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the caller must never block on a full queue
            try:
                kind, *args = item
                if kind == "part":
                    info, data = args
                    if isinstance(info, str):  # a new part: the package's compression
                        self.out.writestr(info, data)
                    else:
                        self.out.writestr(info, data, compress_type=info.compress_type)
                elif kind == "stored":
                    copy_member(self.source, args[0], self.out, stored=args[1])
                elif kind == "open":
                    self.dest = self.out.open(args[0], "w", force_zip64=args[1])
                    # A sheet part is most of the package: zlib-ng's fast deflate (≈ 3x
                    # zlib's default level) keeps it off the critical path on a busy machine.
                    fast_deflate(self.dest)
                elif kind == "piece":
                    assert self.dest is not None
                    self.dest.write(args[0])
                else:
                    assert self.dest is not None
                    self.dest.close()
                    self.dest = None
            except BaseException as exc:  # handed to the caller by finish()
                self.error = exc

    def finish(self, failing: bool = False) -> None:
        """Wait for the writes; raise the writer's error unless the caller is failing."""
        self.queue.put(None)
        self.join()
        if self.error is not None and not failing:
            raise self.error


def _ensure_metadata(files: dict[str, bytes], archive: zipfile.ZipFile, workbook: str) -> None:
    """Give the workbook Excel's dynamic-array metadata part (beside it, related) if it has none."""
    metadata = posixpath.join(posixpath.dirname(workbook), "metadata.xml")
    related = package.relationships(archive, workbook)
    if metadata in archive.NameToInfo or any(r.type == _METADATA_REL for r in related):
        return
    files[metadata] = _METADATA_XML.encode()
    rels = package.rels_part(workbook)
    files[rels], _ = package.add_relationship(
        files.get(rels) or archive.read(rels), _METADATA_REL, "metadata.xml")
    types = "[Content_Types].xml"
    files[types] = package.add_override(files.get(types) or archive.read(types), metadata,
                                        _METADATA_CT)


def _spill_cells(anchor: str, ref: str) -> list[tuple[int, int]]:
    """The cells of a spill range, which must start at its anchor."""
    first, _, last = ref.partition(":")
    r1, c1 = split_coordinate(first)
    r2, c2 = split_coordinate(last or first)
    if (r1, c1) != split_coordinate(anchor):
        raise WorkbookError(f"spill range {ref} does not start at its anchor {anchor}")
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def write_cached_values(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    values: Mapping[str, Mapping[str, Any]] | Mapping[str, Mapping[tuple[int, int], Any]],
    spills: Mapping[str, Mapping[str, str]] | None = None,
    *,
    keep_full_calc_on_load: bool = False,
) -> None:
    """Copy the package ``src`` to ``dst`` with fresh cached values in the given cells.

    Parameters
    ----------
    src, dst:
        The workbook to read and the one to write (may be the same path). ``dst`` is written
        atomically: a temporary file beside it, then a rename.
    values:
        ``{sheet title: {"B2": value}}`` (or ``{(row, column): value}``, 1-based: no A1
        text to build and parse again for 10^6 cells; or a
        :class:`~leanxl.xlsx.row_targets.ColumnRunValues`, made into rows a band at a time
        as the sheet streams through). A value is a number, str, bool,
        ``None`` (an empty string result), or a :class:`~leanxl.errors.CellError` (stored as
        an error cell). Cells that hold a formula keep it; cells that do not exist are
        created.
    spills:
        ``{sheet title: {"B2": "B2:C9"}}``: the formula at the anchor is stored as a dynamic
        array over that range. Every cell of the range should have a value in ``values``.
    keep_full_calc_on_load:
        openpyxl marks every workbook "recalculate fully on load", which makes Excel without
        the add-in replace every cached leanxl value by ``#NAME?``. By default that flag is
        removed so the cached values are what the user sees.
    """
    src, dst = Path(src), Path(dst)
    spills = spills or {}
    archive = package.open_package(src)
    with archive:
        try:
            workbook = package.workbook_part(archive)
            parts = package.sheet_parts(archive)
            unknown = [s for s in list(values) + list(spills) if s not in parts]
            if unknown:
                raise WorkbookError(f"no sheet named {unknown[0]!r}", where=str(src),
                                    suggestion=f"sheets are {', '.join(parts)}")
            files, sheets = _patched_parts(archive, workbook, parts, values, spills,
                                           keep_full_calc_on_load)
        except (KeyError, ElementTree.ParseError) as exc:
            raise WorkbookError(f"not a readable workbook package ({exc})", where=str(src),
                                suggestion="open and save it again in Excel") from exc

        # Atomic, and with the input's mode (the temporary file is a private 0600).
        with atomic_output(dst, mode_from=src) as tmp_name, zipfile.ZipFile(
                tmp_name, "w", zipfile.ZIP_DEFLATED) as out:
            writer = _PartWriter(out, archive)
            try:
                for info in archive.infolist():
                    # The writer's copy: writing sets offsets and sizes in a ZipInfo, and this
                    # thread still reads the input with the original.
                    out_info = copy.copy(info)
                    patch = sheets.get(info.filename)
                    if patch is not None:  # streamed through, piece by piece
                        big = info.file_size > 1 << 30
                        writer.queue.put(("open", out_info, big))
                        chunks = archive.pieces(info, PIECE_BYTES)
                        for piece in _patched_pieces(chunks, *patch):
                            writer.queue.put(("piece", piece))
                        writer.queue.put(("close",))
                        continue
                    data = files.pop(info.filename, None)
                    if data is None and (stored := stored_bytes(archive, info)) is not None:
                        # unchanged: copied as stored, never inflated and deflated again
                        writer.queue.put(("stored", out_info, stored))
                        continue
                    writer.queue.put(("part", out_info, data if data is not None
                                      else archive.read(info)))
                for name, data in files.items():  # new parts (metadata.xml)
                    writer.queue.put(("part", name, data))
            except (KeyError, ElementTree.ParseError) as exc:
                writer.finish(failing=True)
                raise WorkbookError(f"not a readable workbook package ({exc})",
                                    where=str(src),
                                    suggestion="open and save it again in Excel") from exc
            except BaseException:
                writer.finish(failing=True)
                raise
            writer.finish()


def _patched_parts(
    archive: zipfile.ZipFile,
    workbook: str,
    parts: Mapping[str, str],
    values: Mapping[str, Mapping[Any, Any]],
    spills: Mapping[str, Mapping[str, str]],
    keep_full_calc_on_load: bool,
) -> tuple[dict[str, bytes],
           dict[str, tuple[RowTargets, dict[tuple[int, int], str]]]]:
    """Part name -> new content, for every part but the sheets that changes (new parts
    included); and sheet part -> (targets, spills) for the sheets, patched as they stream."""
    files: dict[str, bytes] = {}
    sheets: dict[str, tuple[RowTargets, dict[tuple[int, int], str]]] = {}
    for title in set(values) | set(spills):
        targets: dict[int, dict[int, Any]] = {}
        given = values.get(title, {})
        runs: list[tuple[int, int, list[Any]]] = []
        cells = given.items()
        if isinstance(given, ColumnRunValues):  # runs: made into rows a band at a time
            runs = list(given.segments())
            cells = given.extra_items()  # type: ignore[assignment]
        for address, value in cells:
            row, col = address if type(address) is tuple else split_coordinate(address)
            cols = targets.get(row)
            if cols is None:
                cols = targets[row] = {}
            cols[col] = value
        sheet_spills: dict[tuple[int, int], str] = {}
        for anchor, ref in spills.get(title, {}).items():
            _spill_cells(anchor, ref)  # validates the shape
            row, col = split_coordinate(anchor)
            targets.setdefault(row, {}).setdefault(col, None)
            sheet_spills[(row, col)] = ref
        rows = RowTargets(targets, runs)
        if rows:
            part = parts[title]
            archive.getinfo(part)  # a missing part fails here, before anything is written
            sheets[part] = (rows, sheet_spills)
    if any(spills.values()):
        _ensure_metadata(files, archive, workbook)
    if not keep_full_calc_on_load:
        xml = files.get(workbook, archive.read(workbook))
        cleaned = re.sub(rb'\s+fullCalcOnLoad="(?:1|true)"', b"", xml)
        if cleaned != xml:
            files[workbook] = cleaned
    return files, sheets
