"""The one package opener refuses zip bombs, lying headers and XML entity bombs."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from leanxl.cli import main
from leanxl.xlsx import package
from leanxl.xlsx.package import PackageTooLarge

BOMB_SHEET = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1
                                                       else b"&lol;") * 10)
                         for i in range(1, 10))
              + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
              b'2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;'
              b"</t></is></c></row></sheetData></worksheet>")


def _table_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rules"
    rows = [["DECISION Qualify", "FIRST"], ["IN buyer_maturity", "OUT status"],
            ["<=2", "Qualified"], ["-", "Nurture"]]
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _replace_part(src: Path, dst: Path, part: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == part else zin.read(info))
    return dst


def _zip_bomb(src: Path, dst: Path, megabytes: int) -> Path:
    """A real book plus one part of ``megabytes`` of zeros (a few KB compressed)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        with zout.open("xl/media/bomb.bin", "w", force_zip64=True) as fh:
            block = bytes(1 << 20)
            for _ in range(megabytes):
                fh.write(block)
    return dst


def _lie_about_size(path: Path, part: str, declared: int) -> None:
    """Patch the central directory so ``part`` declares ``declared`` bytes expanded."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    at = data.rfind(b"PK\x01\x02")
    while at >= 0:
        n_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + n_len] == name:
            struct.pack_into("<I", data, at + 24, declared)  # uncompressed size
            break
        at = data.rfind(b"PK\x01\x02", 0, at)
    path.write_bytes(bytes(data))


def test_declared_size_past_the_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    book = _zip_bomb(_table_book(tmp_path / "t.xlsx"), tmp_path / "bomb.xlsx", 40)
    assert book.stat().st_size < 200_000
    monkeypatch.setenv("LEANXL_MAX_UNZIPPED_MB", "16")
    with pytest.raises(PackageTooLarge, match="past the limit of 16 MB"):
        package.open_package(book)


def test_a_lying_header_is_caught_while_streaming(tmp_path: Path, monkeypatch) -> None:
    book = _zip_bomb(_table_book(tmp_path / "t.xlsx"), tmp_path / "bomb.xlsx", 40)
    _lie_about_size(book, "xl/media/bomb.bin", 1000)
    monkeypatch.setenv("LEANXL_MAX_UNZIPPED_MB", "16")
    # declared sizes are small: it opens; reading stops at the cap or at the declared size
    with package.open_package(book) as z, pytest.raises((PackageTooLarge, zipfile.BadZipFile)):
        z.read("xl/media/bomb.bin")


def test_streaming_cap_counts_real_bytes(tmp_path: Path, monkeypatch) -> None:
    book = _zip_bomb(_table_book(tmp_path / "t.xlsx"), tmp_path / "bomb.xlsx", 8)
    monkeypatch.setenv("LEANXL_MAX_UNZIPPED_MB", "64")
    with package.open_package(book) as z:
        z.limit = 4 << 20  # as if the headers had said less than the truth
        with pytest.raises(PackageTooLarge, match="expand past 4 MB"):
            z.read("xl/media/bomb.bin")


def test_check_refuses_zip_bomb_in_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    book = _zip_bomb(_table_book(tmp_path / "t.xlsx"), tmp_path / "bomb.xlsx", 40)
    monkeypatch.setenv("LEANXL_MAX_UNZIPPED_MB", "16")
    assert main(["check", str(book)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "past the limit" in err[0], err


def test_check_refuses_entity_bomb_in_one_line(tmp_path: Path, capsys) -> None:
    book = _replace_part(_table_book(tmp_path / "t.xlsx"), tmp_path / "lol.xlsx",
                         "xl/worksheets/sheet1.xml", BOMB_SHEET)
    assert main(["check", str(book)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "DTD" in err[0], err


def test_check_on_a_corrupt_zip_is_one_line(tmp_path: Path, capsys) -> None:
    good = _table_book(tmp_path / "t.xlsx").read_bytes()
    bad = tmp_path / "corrupt.xlsx"
    bad.write_bytes(good[: len(good) // 2] + bytes(64) + good[len(good) // 2 + 64:])
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("leanxl check:"), err
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good[:300])
    assert main(["check", str(truncated)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_check_on_far_cell_reads_only_the_cells_that_exist(tmp_path: Path, capsys) -> None:
    book = _table_book(tmp_path / "far.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["Rules"]["XFD1048576"] = "far away"
    wb.save(book)
    assert main(["check", str(book)]) == 0  # was > 300 s walking 17 billion cells
    assert "table Qualify (FIRST, 2 rules" in capsys.readouterr().out


def test_recalc_refuses_a_bomb_and_goes_on(tmp_path: Path, monkeypatch) -> None:
    from leanxl.recalc import recalc_workbooks

    good = _table_book(tmp_path / "good.xlsx")
    bomb = _zip_bomb(good, tmp_path / "bomb.xlsx", 40)
    monkeypatch.setenv("LEANXL_MAX_UNZIPPED_MB", "16")
    reports = recalc_workbooks([bomb, good], out_dir=tmp_path / "out", progress=False)
    assert not reports[0].ok and "past the limit" in reports[0].reason
    assert reports[1].ok, reports[1].reason
