"""Build unusual but valid workbook packages by editing the zip of an ordinary one."""

from __future__ import annotations

import zipfile
from pathlib import Path


def rewrite_package(src: Path, dst: Path, renames: dict[str, str],
                    edits: dict[str, tuple[str, str]]) -> Path:
    """Copy a package with parts renamed and ``old -> new`` text replaced inside parts."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            data = a.read(info)
            if info.filename in edits:
                old, new = edits[info.filename]
                text = data.decode("utf-8")
                assert old in text, (info.filename, old)
                data = text.replace(old, new).encode("utf-8")
            b.writestr(renames.get(info.filename, info.filename), data)
    return dst


def rename_workbook_part(src: Path, dst: Path, new: str = "xl/book.xml") -> Path:
    """The same book with its workbook part stored as ``new`` (same folder; root rels, content
    types and the workbook's rels part follow), as OOXML allows and some generators do."""
    folder, _, name = new.rpartition("/")
    assert folder == "xl", "the sheets' relative targets assume the xl/ folder"
    return rewrite_package(
        src, dst,
        {"xl/workbook.xml": new, "xl/_rels/workbook.xml.rels": f"xl/_rels/{name}.rels"},
        {"_rels/.rels": ("xl/workbook.xml", new),
         "[Content_Types].xml": ('PartName="/xl/workbook.xml"', f'PartName="/{new}"')},
    )
