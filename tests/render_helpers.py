"""Render one sheet of a workbook with LibreOffice (PDF, then PNG), keeping cached values:
the other sheets are hidden by editing xl/workbook.xml, not by a round trip through openpyxl
(which would drop every cached value)."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path


def only_sheet(book: Path, title: str, out: Path) -> Path:
    """A copy of ``book`` where every sheet but ``title`` is hidden (and ``title`` active)."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                names = re.findall(r'<sheet [^>]*name="([^"]*)"', text)

                def state(m: re.Match[str]) -> str:
                    tag = re.sub(r'\sstate="[^"]*"', "", m.group(0))
                    return tag if f'name="{title}"' in tag else tag.replace(
                        "<sheet ", '<sheet state="hidden" ', 1)

                text = re.sub(r"<sheet [^>]*/>", state, text)
                # LibreOffice prints a hidden sheet's print area: drop the others'.
                keep = str(names.index(title))
                text = re.sub(r'<definedName name="_xlnm.Print_Area" localSheetId="(?!'
                              + keep + r'")\d+"[^>]*>[^<]*</definedName>', "", text)
                text = re.sub(r'activeTab="\d+"', f'activeTab="{names.index(title)}"', text)
                text = re.sub(r'firstSheet="\d+"', f'firstSheet="{names.index(title)}"', text)
                data = text.encode("utf-8")
            dst.writestr(info, data)
    return out


def render(book: Path, title: str, folder: Path, *, dpi: int = 70) -> tuple[Path, str]:
    """(PNG of the sheet's first page, the text of its PDF) rendered by LibreOffice."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"\W", "", title)
    single = only_sheet(book, title, folder / f"{stem}.xlsx")
    profile = (folder / "lo-profile").resolve().as_uri()
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile}",
                    "--convert-to", "pdf", "--outdir", str(folder), str(single)],
                   check=True, capture_output=True, timeout=300)
    pdf = folder / f"{stem}.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(folder / stem)], check=True, timeout=120)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, timeout=120,
                          capture_output=True, text=True).stdout
    return folder / f"{stem}.png", text
