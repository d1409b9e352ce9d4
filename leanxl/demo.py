"""``leanxl demo``: score the sample CRM export packaged with leanxl and print a summary.

:func:`score_leads` is the reusable part (a frame of leads in, a frame of scores out); the
workbook-building demo builds on it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leanxl.data import sample_path, template_path
from leanxl.domain import DEFAULT_SCALE_MAX, FACTOR_KEYS, SEGMENTS, Profile, normalize_name
from leanxl.errors import SourceError
from leanxl.sources import read_source

#: Default complexity cut: on the usual 1..5 scale, 4 and 5 are "high complexity".
DEFAULT_COMPLEXITY_CUT = 4
SEGMENT_COLUMNS = ("price", "complexity")
MIX_COLUMNS = ("in_sales_plan", "reached_by_marketing", "in_target_market")
NAME_COLUMNS = ("profile", "name")


def _column(frame: pd.DataFrame, key: str) -> Any | None:
    """The frame's column whose name folds to ``key`` (case/space/underscore-insensitive)."""
    wanted = normalize_name(key)
    for column in frame.columns:
        if normalize_name(column) == wanted:
            return column
    return None


def _profile_table(profiles: pd.DataFrame | Sequence[Profile]) -> tuple[Any, list[str]]:
    """Profiles as (factor input, names): a frame with a profile/name column, or Profiles."""
    if isinstance(profiles, pd.DataFrame):
        for key in NAME_COLUMNS:
            column = _column(profiles, key)
            if column is not None:
                return profiles, [str(v) for v in profiles[column].tolist()]
        raise SourceError(
            f"the profiles have no name column; found {', '.join(map(str, profiles.columns))}",
            suggestion="add a 'profile' column with each profile's name",
        )
    rows = [list(p.targets) for p in profiles]
    return rows, [p.name for p in profiles]


def score_leads(
    frame: pd.DataFrame,
    profiles: pd.DataFrame | Sequence[Profile],
    *,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    price_cut: float | None = None,
    complexity_cut: float = DEFAULT_COMPLEXITY_CUT,
) -> pd.DataFrame:
    """Score every lead: fit %, best profile and its match %, segment, mix region.

    Parameters
    ----------
    frame:
        One lead per row with the ten factor columns (found by key); ``price`` and
        ``complexity`` columns give the segment, the three mix flags (``in_sales_plan``,
        ``reached_by_marketing``, ``in_target_market``) the mix region.  Those are optional:
        without them the ``segment`` / ``mix`` columns hold None.
    profiles:
        A frame with a ``profile`` (or ``name``) column and the factor columns, or a sequence
        of :class:`~leanxl.domain.Profile`.
    weights, scale_max:
        As for :func:`leanxl.fit`.
    price_cut:
        Price at and above which a lead is "high price"; default: the median price of the leads.
    complexity_cut:
        Complexity at and above which a lead is "high complexity"; default 4 (of 1..5).

    Returns
    -------
    pandas.DataFrame
        Same index as ``frame``; columns ``fit``, ``best_profile``, ``best_match``,
        ``segment``, ``mix`` and ``errors`` (the reasons of the row's error values, or "").
    """
    from leanxl.scoring import best_match, fit, mix, segment

    table, names = _profile_table(profiles)
    fit_values, fit_errors = fit(frame, weights, scale_max, return_errors=True)
    index, score, best_errors = best_match(frame, table, weights, scale_max, return_errors=True)
    name_table = np.array([*names, None], dtype=object)
    n = len(frame)
    reasons: list[list[str]] = [[] for _ in range(n)]
    for label, errors in (("fit", fit_errors), ("best profile", best_errors)):
        for i, error in errors.items():
            reasons[i].append(f"{label}: {error}")

    segments = np.full(n, None, dtype=object)
    columns = [_column(frame, key) for key in SEGMENT_COLUMNS]
    if all(c is not None for c in columns):
        price = frame[columns[0]]
        if price_cut is None:
            numeric = pd.to_numeric(price, errors="coerce")
            price_cut = float(numeric.median()) if numeric.notna().any() else 0.0
        segments, errors = segment(price, frame[columns[1]], price_cut, complexity_cut,
                                   return_errors=True)
        for i, error in errors.items():
            reasons[i].append(f"segment: {error}")

    regions = np.full(n, None, dtype=object)
    columns = [_column(frame, key) for key in MIX_COLUMNS]
    if all(c is not None for c in columns):
        regions, errors = mix(*(frame[c] for c in columns), return_errors=True)
        for i, error in errors.items():
            reasons[i].append(f"mix: {error}")

    # Label columns stay object dtype so a missing label is None, as the API returns it
    # (pandas 3 would otherwise infer a string dtype with NaN).
    def labels(values: Any) -> pd.Series:
        return pd.Series(values, index=frame.index, dtype=object)

    return pd.DataFrame(
        {
            "fit": pd.Series(fit_values, index=frame.index),
            "best_profile": labels(name_table[index]),
            "best_match": pd.Series(score, index=frame.index),
            "segment": labels(segments),
            "mix": labels(regions),
            "errors": labels(["; ".join(r) for r in reasons]),
        },
        index=frame.index,
    )


def load_examples() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The packaged sample leads and profiles (profiles: name and factor columns only)."""
    leads_path, profiles_path = sample_path("leads.csv"), sample_path("profiles.csv")
    leads = read_source(str(leads_path))
    # Only the name and factor columns are needed; the free-text columns after them are
    # not read, so a stray comma in a description cannot break the demo.
    profiles = read_source(str(profiles_path), columns=["profile", *FACTOR_KEYS])
    return leads, profiles


def _table(
    title: str, scores: pd.DataFrame, by: str, labels: dict[str, str] | None = None
) -> list[str]:
    """One summary block: leads, share, mean fit and mean best match per value of ``by``.

    With ``labels`` the rows follow their order and show them (``S1 Low price / ...``);
    otherwise the biggest group comes first.
    """
    keys = scores[by].fillna("(error)")
    if labels:
        keys = keys.map(lambda k: f"{k} {labels[k]}" if k in labels else k)
    groups = scores.groupby(keys, sort=bool(labels), dropna=False)
    stats = groups.agg(leads=("fit", "size"), fit=("fit", "mean"), match=("best_match", "mean"))
    if not labels:
        stats = stats.sort_values("leads", ascending=False, kind="stable")
    total = len(scores)
    width = max([len(title), *(len(str(k)) for k in stats.index)])
    lines = [f"{title:<{width}}  {'leads':>6}  {'share':>6}  {'mean fit':>8}  {'mean match':>10}"]
    for key, row in stats.iterrows():
        lines.append(
            f"{key!s:<{width}}  {int(row['leads']):>6}  {row['leads'] / total:>6.1%}  "
            f"{row['fit']:>8.1f}  {row['match']:>10.1f}"
        )
    return lines


def summary(scores: pd.DataFrame, leads: pd.DataFrame) -> str:
    """The readable summary ``leanxl demo`` prints: counts and mean scores per group."""
    parts = [
        f"{len(scores)} leads scored; mean fit {scores['fit'].mean():.1f} %, "
        f"{int((scores['fit'] >= 75).sum())} leads with fit >= 75 %.",
        "",
        *_table("Best profile", scores, "best_profile"),
        "",
        *_table("Segment", scores, "segment", SEGMENTS),
        "",
        *_table("Mix region", scores, "mix"),
        "",
    ]
    bad = scores[scores["errors"] != ""]
    parts.append(f"Rows with errors: {len(bad)}")
    for i, reason in list(bad["errors"].items())[:5]:
        label = leads.loc[i, "lead_id"] if "lead_id" in leads.columns else i
        parts.append(f"  {label}: {reason}")
    return "\n".join(parts)


def run_demo(args: argparse.Namespace) -> int:
    """Score the packaged sample leads, print the summary table and write the demo workbook."""
    leads, profiles = load_examples()
    price = pd.to_numeric(leads["price"], errors="coerce")
    price_cut = float(price.median())
    scores = score_leads(leads, profiles, price_cut=price_cut)
    print(f"leanxl demo: {sample_path('leads.csv')} against {len(profiles)} profiles")
    print(f"segments: high price >= {price_cut:,.0f} (the median), "
          f"high complexity >= {DEFAULT_COMPLEXITY_CUT}")
    print()
    print(summary(scores, leads))
    print()
    path = build_demo_workbook(Path(args.output), price_cut=price_cut)
    print(f"workbook: {path.resolve()}")
    print("  open it in Excel or LibreOffice: profiles, campaign web graphs, segments, mix, "
          "qualification rules, evidence (what wins deals), changes since the last refresh, "
          "KPI tracker, internal customers, team")
    return 0


def build_demo_workbook(out: Path, *, price_cut: float | None = None) -> Path:
    """Refresh the packaged template with the packaged sample data into ``out``.

    Parameters
    ----------
    out:
        The workbook to write (``.xlsx``); its folder is created when missing.
    price_cut:
        The Settings sheet's price cut; the template's when None.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    from leanxl.sheets.refresh import refresh

    settings = {"price_cut": price_cut} if price_cut is not None else None
    refresh(template_path(), str(sample_path("leads.csv")), kpis=str(sample_path("kpis.csv")),
            out=out, settings=settings)
    return out


__all__ = ["build_demo_workbook", "load_examples", "run_demo", "score_leads", "summary"]
