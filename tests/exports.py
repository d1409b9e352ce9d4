"""CRM and Excel exports written byte for byte as those programs write them (issue 11).

Every builder takes rows as the sample leads (dicts of the CSV's texts) and writes the bytes
itself: nothing goes through leanxl or pandas, so a test fed by them sees what a user's file
holds.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.sheets_helpers import SAMPLE


def sample_rows(n: int | None = None) -> list[dict[str, str]]:
    with open(SAMPLE / "leads.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows[:n] if n is not None else rows


def _lines(rows: list[dict[str, str]], sep: str, header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    heads = header or list(rows[0])
    writer.writerow(heads)
    for row in rows:
        writer.writerow([row.get(h, "") for h in (list(rows[0]) if header else heads)])
    return out.getvalue()


def european_excel_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """Excel's "CSV (semicolon separated)" in Germany: cp1252, ``;``, decimal commas and
    thousands dots as the cells show them (``12.600``), ``28.07.2025``, WAHR/FALSCH, CRLF."""
    out = []
    for row in rows:
        r = dict(row)
        r["price"] = f"{float(row['price']):,.0f}".replace(",", ".")
        r["revenue"] = f"{float(row['revenue']):,.2f}".replace(",", "_").replace(
            ".", ",").replace("_", ".")
        y, m, d = row["created"].split("-")
        r["created"] = f"{d}.{m}.{y}"
        for flag in ("in_sales_plan", "reached_by_marketing", "in_target_market"):
            r[flag] = "WAHR" if row[flag] == "True" else "FALSCH"
        out.append(r)
    path.write_bytes(_lines(out, ";").encode("cp1252"))
    return path


def unicode_text(path: Path, rows: list[dict[str, str]]) -> Path:
    """Excel's "Unicode Text": UTF-16LE with a BOM, tab separated, CRLF."""
    path.write_bytes(b"\xff\xfe" + _lines(rows, "\t").encode("utf-16-le"))
    return path


def csv_utf8_bom(path: Path, rows: list[dict[str, str]]) -> Path:
    """Excel's "CSV UTF-8": a BOM, commas, CRLF."""
    path.write_bytes(b"\xef\xbb\xbf" + _lines(rows, ",").encode("utf-8"))
    return path


def crm_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    """Salesforce / HubSpot-like: UTF-8, commas, every field quoted, multi-line notes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header or list(rows[0]))
    for row in rows:
        writer.writerow(list(row.values()))
    path.write_bytes(out.getvalue().encode("utf-8"))
    return path
