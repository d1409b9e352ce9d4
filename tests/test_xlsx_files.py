"""leanxl.xlsx.files.fast_deflate: zlib-ng's deflate in a zip member, read back by zipfile."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from leanxl.xlsx.files import fast_deflate


def _rows(n: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7)
                    for i in range(2, n + 2))


def test_fast_deflate_member_reads_back_with_its_crc(tmp_path: Path) -> None:
    pytest.importorskip("zlib_ng")
    path = tmp_path / "p.zip"
    data = _rows(200_000)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            assert fast_deflate(member)
            for i in range(0, len(data), 1 << 20):
                member.write(data[i:i + (1 << 20)])
        out.writestr("small.xml", b"<a/>")
    with zipfile.ZipFile(path) as back:
        assert back.testzip() is None  # every member's CRC checks
        assert back.read("xl/worksheets/sheet1.xml") == data
        info = back.getinfo("xl/worksheets/sheet1.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.compress_size < len(data) // 4


def test_fast_deflate_leaves_stored_and_started_members(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "p.zip", "w", zipfile.ZIP_DEFLATED) as out:
        with out.open(zipfile.ZipInfo("stored.xml"), "w") as member:
            assert not fast_deflate(member)  # ZIP_STORED: no compressor to swap
            member.write(b"<a/>")
        with out.open("started.xml", "w") as member:
            member.write(b"<a>")
            assert not fast_deflate(member)  # half a zlib stream cannot change hands
            member.write(b"</a>")
    with zipfile.ZipFile(tmp_path / "p.zip") as back:
        assert back.testzip() is None
        assert back.read("started.xml") == b"<a></a>"
