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


def test_copy_member_copies_the_stored_bytes(tmp_path: Path) -> None:
    from leanxl.xlsx.files import copy_member, stored_bytes

    src, dst = tmp_path / "a.zip", tmp_path / "b.zip"
    body = b"<row>" * 50_000
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x/big.xml", body)
        z.writestr("small.txt", b"hello", compress_type=zipfile.ZIP_STORED)
        info = zipfile.ZipInfo("extra.bin")
        info.extra = b"\xfe\xca\x00\x00"  # an extra field: copied the ordinary way
        z.writestr(info, b"with extra", compress_type=zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        assert stored_bytes(a, a.getinfo("extra.bin")) is None
        for member in a.infolist():
            copy_member(a, member, b)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        assert b.testzip() is None
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert b.read(name) == a.read(name)
            assert b.getinfo(name).CRC == a.getinfo(name).CRC
        for name in ("x/big.xml", "small.txt"):  # untouched: the very same stored bytes
            assert stored_bytes(b, b.getinfo(name)) == stored_bytes(a, a.getinfo(name))


def test_temporary_output_is_registered_before_it_exists(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A stop signal's handler may run at any bytecode: once the temporary file exists, the
    handler's ``remove_partial_outputs`` must already know its name (mkstemp-then-register left
    a gap that a loaded machine hit about once in 25 batch stops)."""
    from leanxl.xlsx import files

    seen: list[tuple[str, bool]] = []
    real_open = files.os.open

    def watching_open(path: object, flags: int, mode: int = 0o777) -> int:
        seen.append((str(path), Path(str(path)) in files._pending))
        return real_open(path, flags, mode)

    monkeypatch.setattr(files.os, "open", watching_open)
    target = tmp_path / "out.xlsx"
    with files.atomic_output(target) as tmp:
        monkeypatch.undo()
        assert tmp.exists() and tmp in files._pending
        files.remove_partial_outputs()  # what the signal handler does
        assert not tmp.exists() and not files._pending
        tmp.write_bytes(b"x")  # the caller's write (the handler would have exited instead)
    created = [(p, known) for p, known in seen if Path(p).parent == tmp_path]
    assert created and all(known for _p, known in created), created
    assert target.read_bytes() == b"x"


def test_a_stop_right_after_creating_the_temporary_output_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In one process a stop signal is an exception raised wherever the code is: raised just
    after the temporary file was created (here from ``os.close``), it must not leave it."""
    from leanxl.xlsx import files

    real_close = files.os.close

    def stopped_close(fd: int) -> None:
        real_close(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "close", stopped_close)
    with pytest.raises(KeyboardInterrupt), files.atomic_output(tmp_path / "out.xlsx"):
        pass  # never reached
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == [] and not files._pending
