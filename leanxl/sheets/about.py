"""The About and Factors sheets: what each sheet answers, what each factor means."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from leanxl.domain import FACTORS
from leanxl.sheets import book as B
from leanxl.sheets import style as S
from leanxl.sheets.book import FIRST_ROW
from leanxl.sheets.layout import start_sheet

SHEET_GUIDE = (
    (B.SETTINGS, "The knobs: factor scale, weights, price and complexity cuts for segments, "
     "fit thresholds, the 12-month period."),
    (B.FACTORS_SHEET, "The ten lead factors of the Lean sales profile: what a 1 (best) and a "
     "5 (worst) mean, and the question to ask."),
    (B.PROFILES, "Your ideal-prospect profiles: target score per factor, pains, awareness and "
     "the assumptions behind them; how many leads fit each."),
    (B.LEADS, "The CRM export, one lead per row, with leanxl's fit %, best profile, match %, "
     "segment, mix region and qualification decision."),
    (B.CAMPAIGNS, "Market activities A1..An and the factor levels each one targets "
     "(blank = not targeted)."),
    (B.MATRIX, "How well each campaign matches each profile, factor by factor, with a web "
     "graph and a pie per campaign."),
    (B.SEGMENTS, "S1-S4 (price x complexity): where we won in the last 12 months versus "
     "where marketing reaches, and the untapped potential."),
    (B.MIX, "The Sales / Marketing / Market mix: how many leads sit in the sweet spot, "
     "uncaptured, lead deficit, ..."),
    (B.RULES, "The qualification decision table every lead goes through - never deviate."),
    (B.KPIS, "KPI definitions with WHY, WHEN, HOW and WHO; a KPI missing one of them has no "
     "buy-in yet."),
    (B.TRACKER, "Actuals per period for each KPI: status, trend, plan adherence, goal reached "
     "and held."),
    (B.INTERNAL, "Who inside the company receives information from sales: white spots and "
     "relays to fix."),
    (B.TEAM, "No heroes: the team-effort arithmetic of the Lean sales seed, and your team."),
    (B.XLWINGS, "Settings for the leanxl Excel add-in (xlwings); leave as is."),
)


def write_about(ws: Worksheet) -> None:
    """The About sheet: how to use the workbook and what each sheet answers (template only)."""
    start_sheet(ws, "Lean sales workbook", "One workbook for sales and marketing: profile "
                "leads, match campaigns, follow KPIs.", widths={"A": 20, "B": 110})
    S.subtitle(ws, "A4", "How to use it")
    steps = (
        "1. Edit the yellow cells: profiles, campaigns, weights, rules, KPI definitions.",
        "2. Refresh from your CRM export:  leanxl refresh THIS.xlsx --leads crm.csv "
        "[--campaigns campaigns.csv] [--kpis kpis.csv]",
        "3. Every computed cell is a LEANXL formula with its value stored: the numbers show "
        "with or without the leanxl add-in.",
        "Factor scores run from 1 (best) to 5 (worst); fit and match are % (100 = perfect).",
    )
    for i, line in enumerate(steps, start=5):
        ws.cell(row=i, column=1, value=line)
    S.subtitle(ws, "A10", "What each sheet answers")
    S.header(ws, 11, 1, ("Sheet", "What it is for"))
    for i, (name, what) in enumerate(SHEET_GUIDE, start=12):
        cell = ws.cell(row=i, column=1, value=name)
        cell.hyperlink = f"#'{name}'!A1"
        cell.font = S.Font(color="0563C1", underline="single")
        S.body(cell)
        S.body(ws.cell(row=i, column=2, value=what), wrap=True)


def write_factors(ws: Worksheet) -> None:
    """The Factors sheet: the ten lead factors, what 1 and 5 mean, the question to ask."""
    start_sheet(ws, "The ten lead factors", "Score every lead 1..5 on each factor. 1 is always "
                "best: the perfect prospect scores 1 everywhere.",
                headers=("#", "Key (column name)", "Factor", "1 means", "5 means",
                         "Question to ask"),
                widths=(4, 20, 20, 28, 24, 60), freeze="A5")
    for i, f in enumerate(FACTORS):
        r = FIRST_ROW + i
        for c, v in enumerate((i + 1, f.key, f.label, f.best, f.worst, f.question), start=1):
            S.body(ws.cell(row=r, column=c, value=v), wrap=c > 2)
