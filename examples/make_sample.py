"""Regenerate the sample CRM export packaged in leanxl/data/sample/ (deterministic: seed 7).

    python examples/make_sample.py [OUT.csv]

writes this checkout's leanxl/data/sample/leads.csv (or OUT.csv), scored with the sample
qualification rules beside it (leanxl/data/sample/rules.csv).

Leads are drawn around a few realistic archetypes (the seed's ideal prospect, price hunters,
small curious companies, ...) so fit, profiles, segments and mix give a readable picture.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

# The checkout's packaged sample folder: this script regenerates the repository's file.
SAMPLE = Path(__file__).resolve().parents[1] / "leanxl" / "data" / "sample"

FACTOR_KEYS = (
    "buyer_maturity", "buyer_knowledge", "buyer_influence", "company_size",
    "product_complexity", "interest", "availability", "price_sensitivity",
    "competition", "purchase_history",
)
# Archetype centres on the 1..5 scale, in FACTOR_KEYS order, and their share of leads.
ARCHETYPES = {
    "Enterprise champion": ((1, 2, 1, 1, 3, 2, 2, 2, 3, 1), 0.18),
    "Price hunter":        ((2, 3, 3, 3, 1, 2, 2, 5, 5, 3), 0.22),
    "Curious small firm":  ((4, 4, 3, 5, 2, 2, 1, 4, 3, 5), 0.25),
    "Complex project":     ((3, 1, 2, 1, 5, 3, 3, 2, 4, 2), 0.15),
    "Cold contact":        ((5, 4, 5, 3, 3, 5, 5, 4, 3, 5), 0.20),
}
# How much each factor (0 at score 1, 1 at score 5) lowers the log-odds of winning.
WIN_DRIVERS = (2.4, 0.0, 2.0, 0.3, 0.0, 1.8, 0.0, 0.4, 1.5, 2.2)
INDUSTRIES = ("Manufacturing", "Logistics", "Retail", "Energy", "Healthcare", "Construction")
REGIONS = ("North", "South", "East", "West")
OWNERS = ("Anna", "Bjorn", "Carla", "David", "Eva")
COMPANY_WORDS = ("Nordic", "Atlas", "Vega", "Polar", "Delta", "Orion", "Kappa", "Lumen",
                 "Falk", "Birch", "Granite", "Harbor", "Iron", "Juniper", "Kestrel")
COMPANY_KINDS = ("Industries", "Systems", "Logistics", "AB", "Group", "Works", "Partners")


def make_leads(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = list(ARCHETYPES)
    shares = np.array([ARCHETYPES[k][1] for k in names])
    kind = rng.choice(len(names), size=n, p=shares / shares.sum())
    centres = np.array([ARCHETYPES[k][0] for k in names], dtype=float)[kind]
    factors = np.clip(np.rint(centres + rng.normal(0, 0.8, size=centres.shape)), 1, 5)
    factors = factors.astype(int)

    complexity = factors[:, 4]
    size = factors[:, 3]
    # Deal value grows with company size (1 = large) and solution complexity.
    price = np.round(rng.lognormal(np.log(8000) + 0.45 * (5 - size) + 0.25 * complexity, 0.5), -2)
    in_target_market = rng.random(n) < np.where(kind == 4, 0.3, 0.8)
    reached_by_marketing = rng.random(n) < np.where(np.isin(kind, (0, 2)), 0.75, 0.45)
    in_sales_plan = rng.random(n) < np.where(np.isin(kind, (0, 3)), 0.85, 0.4)
    # Who wins: a few factors drive it, the others barely matter (the Evidence sheet should find
    # which), and leads where the rep deviated from the rules win less often (deviation cost).
    flip_rng = np.random.default_rng(seed + 1)
    flip = flip_rng.random(n) < 0.08
    z = (factors - 1) / 4
    logit = 2.8 - z @ np.array(WIN_DRIVERS) - np.where(flip, 1.2, 0.0)
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    created = pd.Timestamp("2025-12-01") - pd.to_timedelta(rng.integers(0, 365, n), unit="D")

    frame = pd.DataFrame({
        "lead_id": [f"L{i:05d}" for i in range(1, n + 1)],
        "company": [f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}" for _ in range(n)],
        "industry": rng.choice(INDUSTRIES, n),
        "region": rng.choice(REGIONS, n),
        "owner": rng.choice(OWNERS, n),
        "created": created.strftime("%Y-%m-%d"),
    })
    for j, key in enumerate(FACTOR_KEYS):
        frame[key] = factors[:, j]
    frame["price"] = price
    frame["complexity"] = complexity
    frame["in_sales_plan"] = in_sales_plan
    frame["reached_by_marketing"] = reached_by_marketing
    frame["in_target_market"] = in_target_market
    frame["stage"] = np.where(won, "Won", rng.choice(["Open", "Lost"], n, p=[0.55, 0.45]))
    frame["revenue"] = np.where(won, price, 0.0)
    # What the sales rep recorded: the qualification rules' answer (leanxl/data/sample/rules.csv),
    # except for about 8% of leads where the rep deviated; `leanxl audit` finds those.
    from leanxl.rules import load

    table = load(str(SAMPLE / "rules.csv"))
    decided = table.evaluate(frame.assign(**{k: factors[:, j] for j, k in enumerate(FACTOR_KEYS)}))
    recorded = decided["status"].astype(str).to_numpy(dtype=object)
    others = {"Qualified": ("Nurture",), "Nurture": ("Qualified", "Disqualified"),
              "Disqualified": ("Nurture",)}
    for i in np.flatnonzero(flip):
        recorded[i] = flip_rng.choice(others[recorded[i]])
    frame["recorded_status"] = recorded
    # A CRM export is never perfectly clean: a few blanks the scorer must skip.
    blanks = rng.random((n, len(FACTOR_KEYS))) < 0.02
    for j, key in enumerate(FACTOR_KEYS):
        frame[key] = frame[key].astype("Int64").mask(blanks[:, j])
    return frame


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE / "leads.csv"
    make_leads().to_csv(out, index=False)
    print(f"wrote {out}")
