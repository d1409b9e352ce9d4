"""Factor evidence: for each factor and each score 1..S, how many closed leads and how many won."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leanxl.domain import DEFAULT_SCALE_MAX, FACTOR_KEYS
from leanxl.rules.deviation_evidence import closed_and_won

EVIDENCE_COLUMNS = ["factor", "score", "closed", "won", "win_rate"]


def closed_mask(leads: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Boolean arrays: closed (stage Won or Lost) and won, one per lead."""
    if "stage" not in leads.columns:
        from leanxl.errors import ArgumentError

        raise ArgumentError("the leads have no 'stage' column", where="leads",
                            suggestion="add the CRM stage (Won / Lost / Open)")
    closed, won = closed_and_won(leads["stage"].tolist())
    return np.asarray(closed, dtype=bool), np.asarray(won, dtype=bool)


def factor_scores(leads: pd.DataFrame, scale_max: int) -> np.ndarray:
    """The ten factor columns as N x 10 floats; blanks and scores outside 1..S are NaN."""
    missing = [k for k in FACTOR_KEYS if k not in leads.columns]
    if missing:
        from leanxl.errors import ArgumentError

        raise ArgumentError(f"the leads lack factor columns: {', '.join(missing)}",
                            where="leads", suggestion="name them by factor key")
    x = np.column_stack([pd.to_numeric(leads[k], errors="coerce").to_numpy(float)
                         for k in FACTOR_KEYS]) if len(leads) else np.empty((0, len(FACTOR_KEYS)))
    valid = (x >= 1) & (x <= scale_max) & (x == np.round(x))
    return np.where(valid, x, np.nan)


def factor_evidence(leads: pd.DataFrame, scale_max: int = DEFAULT_SCALE_MAX) -> pd.DataFrame:
    """Closed leads and win rate for every factor and score.

    Parameters
    ----------
    leads:
        Leads with the ten factor columns and ``stage`` (``Won`` / ``Lost`` are closed).
    scale_max:
        S: scores run 1..S. Blank scores and scores outside 1..S are not counted.

    Returns
    -------
    DataFrame
        ``10 * S`` rows in factor order then score order: ``factor`` (key), ``score``,
        ``closed``, ``won``, ``win_rate`` (won / closed; NaN when no closed lead has that score).
    """
    closed, won = closed_mask(leads)
    x = factor_scores(leads, scale_max)[closed]
    w = won[closed]
    rows = []
    for j, key in enumerate(FACTOR_KEYS):
        for score in range(1, scale_max + 1):
            at = x[:, j] == score
            n, k = int(at.sum()), int((at & w).sum())
            rows.append((key, score, n, k, k / n if n else float("nan")))
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def win_rate_table(evidence: pd.DataFrame, value: str = "win_rate") -> pd.DataFrame:
    """``factor_evidence`` as a factor x score table (the heat map the Evidence sheet shows)."""
    return evidence.pivot(index="factor", columns="score", values=value).reindex(
        [k for k in FACTOR_KEYS if k in set(evidence["factor"])])
