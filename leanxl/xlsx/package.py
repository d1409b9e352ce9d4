"""The workbook package: an ``.xlsx``/``.xlsm`` zip, its relationships, content types, parts.

The one opener of a workbook package in leanxl.  The workbook part is found the way Excel
finds it, through the root relationship (``_rels/.rels``, type ``officeDocument``): it is
usually ``xl/workbook.xml`` but need not be.  Sheets are mapped to their parts through the
workbook's own relationships.  Plain zip + ``xml.etree``: no openpyxl.

Functions take an open :class:`zipfile.ZipFile`; a missing part raises ``KeyError`` and bad
XML ``xml.etree.ElementTree.ParseError``, as reading the zip does, so callers wrap all three
in one :class:`~leanxl.errors.WorkbookError` that names their file.

Limits (a workbook from someone else may be hostile): :func:`open_package` refuses a package
whose parts declare more than :data:`MAX_UNZIPPED_BYTES` in total (``LEANXL_MAX_UNZIPPED_MB``
overrides it) and returns a zip whose reads stream with the same cap, counting what really
comes out (headers can lie); an XML part with a ``<!DOCTYPE`` (OOXML forbids DTDs; entity
bombs need one) is refused too.  :func:`verify_package` runs both checks over every part, for
readers that open the file themselves (openpyxl).
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import escape
from typing import IO
from xml.etree import ElementTree

from leanxl.errors import WorkbookError

__all__ = [
    "MAX_UNZIPPED_BYTES",
    "PackageTooLarge",
    "REL_NS",
    "Relationship",
    "SheetEntry",
    "add_relationship",
    "add_override",
    "content_type",
    "open_package",
    "relationships",
    "rels_part",
    "row_pieces",
    "shared_strings_part",
    "sheet_entries",
    "sheet_parts",
    "verify_package",
    "workbook_part",
]

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_DEFAULT_WORKBOOK = "xl/workbook.xml"


@dataclass(frozen=True, slots=True)
class Relationship:
    """One relationship of a part: its id, type URI and the target part's name in the zip."""

    id: str
    type: str
    target: str
    external: bool = False


@dataclass(frozen=True, slots=True)
class SheetEntry:
    """One ``<sheet>`` of the workbook, in workbook order.

    ``part`` is ``None`` when the entry has no part in the package: an empty or missing
    ``r:id`` (Excel 4 macro and dialog sheets saved by some writers) or a dangling one.
    """

    name: str
    part: str | None


MAX_UNZIPPED_BYTES = 2 << 30  # 2 GiB expanded: a 10^6-lead book is ≈ 0.4 GiB of XML
_CHUNK = 1 << 20
_DOCTYPE = b"<!DOCTYPE"


class PackageTooLarge(WorkbookError):
    """A package whose parts expand past the limit, or that carries a DTD (an XML bomb)."""


def unzipped_limit() -> int:
    """The cap on a package's expanded size: ``LEANXL_MAX_UNZIPPED_MB`` or the default."""
    text = os.environ.get("LEANXL_MAX_UNZIPPED_MB", "").strip()
    try:
        return int(float(text) * (1 << 20)) if text else MAX_UNZIPPED_BYTES
    except ValueError:
        raise WorkbookError(f"LEANXL_MAX_UNZIPPED_MB={text!r} is not a number",
                            suggestion="give megabytes, e.g. 4096") from None


class BoundedZipFile(zipfile.ZipFile):
    """A read-only zip whose :meth:`read` streams each part and stops at the package's cap.

    Python's zipfile already stops at a part's declared size; counting the bytes that come out
    keeps the cap even for a writer we have not met, and the scan for ``<!DOCTYPE`` rides
    along on the same pass.
    """

    limit: int = MAX_UNZIPPED_BYTES
    expanded: int = 0

    def read(self, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        return b"".join(self.pieces(name, pwd=pwd))

    def pieces(self, name: str | zipfile.ZipInfo, size: int = _CHUNK,
               pwd: bytes | None = None) -> Iterator[bytes]:
        """The part's bytes in chunks of ``size``, counted and checked as :meth:`read` does:
        a 10^6-row sheet goes through without ever being held whole."""
        part = name.filename if isinstance(name, zipfile.ZipInfo) else name
        xml = part.endswith((".xml", ".rels", ".vml"))
        tail = b""
        with self.open(name, pwd=pwd) as stream:
            while chunk := _next_chunk(stream, part, size):
                self.expanded += len(chunk)
                if self.expanded > self.limit:
                    raise PackageTooLarge(
                        f"its parts expand past {self.limit >> 20} MB (at {part})",
                        where=str(self.filename),
                        suggestion="a zip bomb, or a workbook too large for this server; "
                        "raise LEANXL_MAX_UNZIPPED_MB if you trust it")
                if xml and (_DOCTYPE in chunk or _DOCTYPE in tail + chunk[:len(_DOCTYPE)]):
                    raise _doctype(self.filename, part)
                tail = chunk[-len(_DOCTYPE):]
                yield chunk


def row_pieces(chunks: Iterable[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """Sheet XML re-cut into pieces of at least ``size`` bytes that end after a ``</row>``
    (the last piece: whatever remains), so a cell is never split between two pieces."""
    buf = b""
    for chunk in chunks:
        buf += chunk
        if len(buf) >= size:
            cut = buf.rfind(b"</row>")
            if cut >= 0:
                yield buf[:cut + 6]
                buf = buf[cut + 6:]
    if buf:
        yield buf


def _next_chunk(stream: IO[bytes], part: str, size: int = _CHUNK) -> bytes:
    try:
        return stream.read(size)
    except zlib.error as exc:  # damaged deflate data: what callers catch for a bad zip
        raise zipfile.BadZipFile(f"{part}: {exc}") from exc


def _doctype(path: object, part: str) -> PackageTooLarge:
    return PackageTooLarge(f"part {part} declares a DTD (<!DOCTYPE>), which workbooks never "
                           "do: refused (XML entity bomb)", where=str(path),
                           suggestion="open and save it again in Excel if you trust it")


def open_package(path: str | os.PathLike[str]) -> BoundedZipFile:
    """Open a workbook package for reading, within the size limit (see the module docstring).

    Raises
    ------
    WorkbookError
        When ``path`` cannot be read or is not a zip file.
    PackageTooLarge
        When its parts declare more than the limit in total.
    """
    try:
        archive = BoundedZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise WorkbookError(f"not a workbook: cannot open it ({exc})", where=str(path)) from exc
    archive.limit = unzipped_limit()
    declared = sum(info.file_size for info in archive.infolist())
    if declared > archive.limit:
        archive.close()
        raise PackageTooLarge(
            f"its parts declare {declared >> 20} MB expanded, past the limit of "
            f"{archive.limit >> 20} MB", where=str(path),
            suggestion="a zip bomb, or a workbook too large for this server; raise "
            "LEANXL_MAX_UNZIPPED_MB if you trust it")
    return archive


def verify_package(path: str | os.PathLike[str]) -> None:
    """Read every part once through the caps, for readers that open the package themselves.

    Raises
    ------
    WorkbookError
        A corrupt zip, a part past the size limit, or a part with a DTD.
    """
    with open_package(path) as archive:
        for info in archive.infolist():
            try:
                archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError,
                    NotImplementedError, RuntimeError) as exc:
                detail = str(exc) if info.filename in str(exc) else f"{info.filename}: {exc}"
                raise WorkbookError(f"the workbook is damaged ({detail})", where=str(path),
                                    suggestion="open it in Excel to repair it, or use a "
                                    "backup") from exc


def rels_part(part: str) -> str:
    """A part's relationships part: ``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relationships(archive: zipfile.ZipFile, part: str) -> list[Relationship]:
    """The relationships of ``part`` (``""`` for the package's root), targets resolved.

    A part without a relationships part has none.
    """
    name = rels_part(part) if part else "_rels/.rels"
    if name not in archive.NameToInfo:
        return []
    root = ElementTree.fromstring(archive.read(name))
    out = []
    for rel in root.iter(f"{_PKG_REL_NS}Relationship"):
        target = rel.get("Target", "")
        external = rel.get("TargetMode") == "External"
        out.append(Relationship(rel.get("Id", ""), rel.get("Type", ""),
                                target if external else _resolve(part, target), external))
    return out


def workbook_part(archive: zipfile.ZipFile) -> str:
    """The workbook part the root relationship points to (``xl/workbook.xml`` if none does)."""
    for rel in relationships(archive, ""):
        if rel.type.endswith("/officeDocument") and not rel.external:
            return rel.target
    return _DEFAULT_WORKBOOK


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def sheet_entries(archive: zipfile.ZipFile, workbook: str | None = None) -> list[SheetEntry]:
    """Every ``<sheet>`` of the workbook, in order, with its part (``None`` when it has none).

    ``workbook`` is the workbook part when the caller already knows it.
    """
    workbook = workbook or workbook_part(archive)
    targets = {rel.id: rel.target for rel in relationships(archive, workbook)
               if not rel.external}
    root = ElementTree.fromstring(archive.read(workbook))
    entries = []
    sheets = [child for sheets in root if _local(sheets.tag) == "sheets" for child in sheets]
    for element in sheets:
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        part = targets.get(rid) if rid else None
        if part is not None and part not in archive.NameToInfo:
            part = None
        entries.append(SheetEntry(element.get("name", ""), part))
    return entries


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name, for every sheet that has a part in the package."""
    return {e.name: e.part for e in sheet_entries(archive) if e.part is not None}


def shared_strings_part(archive: zipfile.ZipFile, workbook: str | None = None) -> str | None:
    """The shared-strings part of the workbook, ``None`` when it has none."""
    for rel in relationships(archive, workbook or workbook_part(archive)):
        if rel.type.endswith("/sharedStrings") and rel.target in archive.NameToInfo:
            return rel.target
    return None


def content_type(archive: zipfile.ZipFile, part: str) -> str | None:
    """The content type ``[Content_Types].xml`` gives ``part`` (override, else by extension)."""
    root = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    extension = part.rpartition(".")[2].lower()
    by_extension = None
    for element in root:
        if element.tag == f"{_TYPES_NS}Override" and element.get("PartName", "") == "/" + part:
            return element.get("ContentType")
        if element.tag == f"{_TYPES_NS}Default" and (
                element.get("Extension", "").lower() == extension):
            by_extension = element.get("ContentType")
    return by_extension


def add_relationship(rels_xml: bytes, rel_type: str, target: str) -> tuple[bytes, str]:
    """Relationships XML with one more relationship (next free ``rIdN``), and that id."""
    text = rels_xml.decode("utf-8")
    ids = {int(n) for n in re.findall(r'Id="rId(\d+)"', text)}
    new_id = f"rId{max(ids, default=0) + 1}"
    text = text.replace(
        "</Relationships>",
        f'<Relationship Id="{new_id}" Type="{escape(rel_type)}" Target="{escape(target)}"/>'
        "</Relationships>",
    )
    return text.encode("utf-8"), new_id


def add_override(types_xml: bytes, part: str, content_type_: str) -> bytes:
    """``[Content_Types].xml`` with an ``<Override>`` giving ``part`` its content type."""
    text = types_xml.decode("utf-8").replace(
        "</Types>",
        f'<Override PartName="/{escape(part)}" ContentType="{escape(content_type_)}"/></Types>',
    )
    return text.encode("utf-8")
