"""Golden workbooks for the recalc tests, and independent plain-Python expectations.

The expected values here come from SPEC's formulas written out by hand (no leanxl code), so
a recalc bug shows up as a mismatch.  Until the function registry is merged, stand-in FIT and
DECIDE registrations (same interface: raw cell rows in, one row out per row in) are added.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from leanxl import functions
from leanxl.errors import CellError
from leanxl.functions import Param

WEIGHTS = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1]


def ensure_registry() -> None:
    """Stand-ins for FIT and DECIDE while the real registry is not merged."""
    if "FIT" not in functions.REGISTRY:

        @functions.register("FIT", "fit %", Param("factors", "", rowwise=True),
                            Param("weights", "", optional=True),
                            Param("scale_max", "", optional=True))
        def _fit(factors: Any, weights: Any = None, scale_max: Any = None) -> list[list[Any]]:
            w = [v for r in weights for v in r] if isinstance(weights, list) else [1.0] * 10
            return [[expected_fit(row, w, int(scale_max or 5))] for row in factors]

    if "DECIDE" not in functions.REGISTRY:

        @functions.register("DECIDE", "decision", Param("table", ""),
                            Param("inputs", "", rowwise=True), Param("headers", ""),
                            Param("output", "", optional=True))
        def _decide(table: Any, inputs: Any, headers: Any, output: Any = None) -> list[list[Any]]:
            heads = headers[0] if isinstance(headers[0], list) else headers
            out = []
            for row in inputs:
                lead = dict(zip([str(h).lower() for h in heads], row, strict=False))
                got = expected_decide(lead)
                out.append([CellError("#N/A", "no rule matched") if got is None else got])
            return out


def expected_fit(row: list[Any], weights: list[float], scale: int = 5) -> Any:
    """SPEC: 100 * (1 - Σ w (x - 1) / (Σ w (S - 1))) over the given factors."""
    num = den = 0.0
    for x, w in zip(row, weights, strict=True):
        if x is None:
            continue
        if isinstance(x, bool) or not isinstance(x, int | float) or not 1 <= x <= scale:
            return CellError("#VALUE!", "bad factor")
        num += w * (x - 1)
        den += w * (scale - 1)
    return 100 * (1 - num / den) if den else CellError("#VALUE!", "no factor")


# The golden decision table (FIRST): maturity <= 2 and influence <= 2 -> Qualified,
# maturity in [3..4] -> Nurture, otherwise no rule (#N/A) — no catch-all on purpose.
TABLE = [
    ["DECISION Qualify", "FIRST", None],
    ["IN buyer_maturity", "IN buyer_influence", "OUT status"],
    ["<=2", "<=2", "Qualified"],
    ["[3..4]", "-", "Nurture"],
]


def expected_decide(lead: dict[str, Any]) -> str | None:
    m, i = lead["buyer_maturity"], lead["buyer_influence"]
    if m <= 2 and i <= 2:
        return "Qualified"
    if 3 <= m <= 4:
        return "Nurture"
    return None


FACTOR_KEYS = ["buyer_maturity", "buyer_knowledge", "buyer_influence", "company_size",
               "product_complexity", "interest", "availability", "price_sensitivity",
               "competition", "purchase_history"]
SPELLINGS = ["LEANXL_FIT({})", "_xludf.LEANXL_FIT({})", "_xldudf_LEANXL_FIT({})",
             "leanxl_fit({})", "_XLUDF.leanxl_fit({})"]


def leads(n: int, seed: int = 7) -> list[list[int]]:
    rng = random.Random(seed)
    rows = [[rng.randint(1, 5) for _ in range(10)] for _ in range(n)]
    rows[0][0], rows[0][2] = 1, 1  # make sure every decision outcome occurs
    rows[1][0] = 3
    rows[2][0] = 5
    return rows


def build_golden(path: Path, n: int = 8) -> dict[str, Any]:
    """A workbook with leanxl and standard formulas in both dependency directions.

    Returns the plain-Python expected values, keyed ``(sheet, cell)``.
    """
    data = leads(n)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append(["id", *FACTOR_KEYS, "fit", "band", "decision", "no match", "fit of raw x2"])
    ws["A1"].font = Font(bold=True)
    for i, row in enumerate(data):
        r = i + 2
        ws.append([i + 1, *row])
        # leanxl reads constants; stored in every spelling Excel uses
        ws[f"L{r}"] = "=" + SPELLINGS[i % len(SPELLINGS)].format(f"B{r}:K{r},Weights")
        # standard formula reads leanxl
        ws[f"M{r}"] = f'=IF(L{r}>=60,"hot","cold")'
        ws[f"N{r}"] = f"=LEANXL_DECIDE(Rules!$A$1:$C$4,$B{r}:$K{r},$B$1:$K$1)"
        ws[f"O{r}"] = f"=ISNA(N{r})"
        # leanxl reads standard formulas (Derived!B:K are =MIN(5, Leads!x*2)-ish)
        ws[f"P{r}"] = f"=LEANXL_FIT(Derived!B{r}:K{r})"
    ws["L2"].fill = PatternFill("solid", fgColor="FFFF00")
    ws.conditional_formatting.add(f"L2:L{n + 1}", CellIsRule(operator="greaterThan",
                                                               formula=["60"],
                                                               font=Font(color="00AA00")))
    dv = DataValidation(type="whole", operator="between", formula1="1", formula2="5")
    ws.add_data_validation(dv)
    dv.add(f"B2:K{n + 1}")
    derived = wb.create_sheet("Derived")
    for i in range(n):
        r = i + 2
        for c in range(2, 12):
            col = openpyxl.utils.get_column_letter(c)
            derived[f"{col}{r}"] = f"=MIN(5,Leads!{col}{r}+1)"
    rules = wb.create_sheet("Rules")
    for row in TABLE:
        rules.append(row)
    summary = wb.create_sheet("Summary")
    summary["A1"] = "hot"
    summary["B1"] = f'=COUNTIF(Leads!M2:M{n + 1},"hot")'
    summary["A2"] = "qualified"
    summary["B2"] = f'=COUNTIF(Leads!N2:N{n + 1},"Qualified")'
    summary["A3"] = "no match"
    summary["B3"] = f"=COUNTIF(Leads!O2:O{n + 1},TRUE)"
    summary["A4"] = "mean fit"
    summary["B4"] = f"=AVERAGE(Leads!L2:L{n + 1})"
    summary["A5"] = "weights x fit"  # leanxl -> standard -> leanxl chain
    summary["B5"] = "=LEANXL_FIT(C5:L5)"
    for j, col in enumerate("CDEFGHIJKL"):
        summary[f"{col}5"] = f"=IF(Leads!L{2 + j % n}>=50,1,5)"
    summary["B6"] = "=B5/100"
    settings = wb.create_sheet("Settings")
    for j, w in enumerate(WEIGHTS):
        settings.cell(row=1, column=j + 1, value=w)
    wb.defined_names["Weights"] = DefinedName("Weights", attr_text="Settings!$A$1:$J$1")
    wb.save(path)

    exp: dict[tuple[str, str], Any] = {}
    fits, hot, decisions, nas = [], 0, [], 0
    for i, row in enumerate(data):
        r = i + 2
        f = expected_fit(row, WEIGHTS)
        fits.append(f)
        exp[("Leads", f"L{r}")] = f
        exp[("Leads", f"M{r}")] = "hot" if f >= 60 else "cold"
        hot += f >= 60
        d = expected_decide(dict(zip(FACTOR_KEYS, row, strict=True)))
        decisions.append(d)
        exp[("Leads", f"N{r}")] = CellError("#N/A", "") if d is None else d
        exp[("Leads", f"O{r}")] = d is None
        nas += d is None
        raw = [min(5, x + 1) for x in row]
        for c, v in enumerate(raw):
            exp[("Derived", f"{openpyxl.utils.get_column_letter(c + 2)}{r}")] = v
        exp[("Leads", f"P{r}")] = expected_fit(raw, [1] * 10)
    exp[("Summary", "B1")] = hot
    exp[("Summary", "B2")] = decisions.count("Qualified")
    exp[("Summary", "B3")] = nas
    exp[("Summary", "B4")] = sum(fits) / n
    chain = [1 if fits[j % n] >= 50 else 5 for j in range(10)]
    for j, col in enumerate("CDEFGHIJKL"):
        exp[("Summary", f"{col}5")] = chain[j]
    exp[("Summary", "B5")] = expected_fit(chain, [1] * 10)
    exp[("Summary", "B6")] = expected_fit(chain, [1] * 10) / 100
    return exp


def make_stale(path: Path, value: Any = 999) -> None:
    """Give every formula cell a wrong cached value (what an old save would leave)."""
    from leanxl.xlsx.cached_values import write_cached_values

    wb = openpyxl.load_workbook(path)
    stale = {ws.title: {c.coordinate: value for row in ws.iter_rows() for c in row
                        if isinstance(c.value, str) and c.value.startswith("=")}
             for ws in wb.worksheets}
    write_cached_values(path, path, stale)


def to_xlsm(src: Path, dst: Path, vba: bytes) -> None:
    """Turn an xlsx into an xlsm carrying ``vba`` as xl/vbaProject.bin."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"</Types>", b'<Default Extension="bin" ContentType='
                                    b'"application/vnd.ms-office.vbaProject"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type='
                                    b'"http://schemas.microsoft.com/office/2006/relationships/'
                                    b'vbaProject" Target="vbaProject.bin"/></Relationships>')
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", vba)


def same(got: Any, want: Any) -> bool:
    if isinstance(want, CellError):
        return isinstance(got, str) and got == want.code or (
            isinstance(got, CellError) and got.code == want.code)
    if isinstance(want, bool):
        return got is want
    if isinstance(want, int | float):
        return isinstance(got, int | float) and not isinstance(got, bool) and abs(
            got - want) < 1e-9
    return bool(got == want)


def cached_values(path: Path) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows()
            for c in row}
