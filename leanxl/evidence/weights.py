"""Suggested weights: non-negative factor weights fitted to won / lost, and how well FIT ranks
closed leads with them against the weights in use (ROC AUC, k-fold cross-validation).

The model is logistic: P(won) = sigmoid(b - sum_k w_k z_k) with z_k = (x_k - 1) / (S - 1) (0 best,
1 worst) and w_k >= 0, so ranking leads by the model is ranking them by FIT with weights w
(FIT = 100 * (1 - sum w z / sum w)). It is fitted in
numpy by projected Newton steps (no new dependency).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leanxl.domain import DEFAULT_SCALE_MAX, FACTOR_KEYS, FACTORS
from leanxl.evidence.factors import closed_mask, factor_scores

RIDGE = 1e-3  # keeps the fit finite when a factor separates wins perfectly
FIT_MAX = 10000  # closed leads a fit uses (a seeded sample beyond); AUCs use every lead
STEPS = 100  # Newton passes; it converges in about ten
TOLERANCE = 1e-7  # on the weights (sum ~ a few): far below what the sheet shows


@dataclass
class WeightSuggestion:
    """Fitted weights and how well each set of weights ranks closed leads.

    Attributes
    ----------
    weights:
        One row per factor: ``factor``, ``label``, ``in_use``, ``suggested`` (scaled so they
        sum to the number of factors, like ten weights of 1).
    auc:
        One row per set of weights (``in use``, ``suggested``, ``equal (all 1)``): ``auc_cv``,
        the mean over the folds of the ROC AUC of FIT on the fold's held-out closed leads (the
        suggested weights refitted without them), and ``auc_all`` on every closed lead.
    folds, closed, won:
        k of the cross-validation, and the closed / won leads it used.
    """

    weights: pd.DataFrame
    auc: pd.DataFrame
    folds: int
    closed: int
    won: int


def roc_auc(scores: np.ndarray, won: np.ndarray) -> float:
    """Probability that a random won lead scores above a random lost one (ties count half).

    NaN scores are left out; NaN when there is no won or no lost lead left.
    """
    ok = ~np.isnan(scores)
    s, y = scores[ok], won[ok].astype(bool)
    n_won, n_lost = int(y.sum()), int((~y).sum())
    if n_won == 0 or n_lost == 0:
        return float("nan")
    ranks = pd.Series(s).rank(method="average").to_numpy()
    return float((ranks[y].sum() - n_won * (n_won + 1) / 2) / (n_won * n_lost))


def fit_weights(z: np.ndarray, won: np.ndarray) -> np.ndarray:
    """Non-negative logistic weights for features ``z`` (N x F in 0..1, NaN = blank).

    Blanks take the column's mean (0.5 when a column is all blank). Returns F weights >= 0,
    scaled to sum to F; all ones when nothing separates wins from losses.

    Projected Newton with an active set: a weight at 0 whose gradient pushes it below 0 stays
    fixed, the others take a Newton step, projected back to >= 0 with a backtracking line search.
    A few dozen passes over the leads (projected gradient descent needed thousands: 44 s at
    55k closed leads).
    """
    n, f = z.shape
    if n == 0:
        return np.ones(f)
    means = np.nanmean(np.where(np.isnan(z).all(axis=0), 0.5, z), axis=0)
    z = np.where(np.isnan(z), means, z)
    a = np.hstack([-z, np.ones((n, 1))])  # logit = a @ theta, theta = (w, b)
    y = won.astype(float)
    ridge = np.r_[np.full(f, RIDGE), 0.0]

    def loss(theta: np.ndarray) -> float:
        t = a @ theta
        return float(np.mean(np.logaddexp(0.0, t) - y * t) + 0.5 * ridge @ theta**2)

    theta = np.zeros(f + 1)
    current = loss(theta)
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-(a @ theta)))
        grad = a.T @ (p - y) / n + ridge * theta
        free = np.r_[~((theta[:f] <= 0) & (grad[:f] > 0)), True]
        af = a[:, free]
        hess = (af * (p * (1 - p))[:, None]).T @ af / n + np.diag(ridge[free] + 1e-10)
        step_dir = np.zeros(f + 1)
        step_dir[free] = np.linalg.solve(hess, grad[free])
        step, moved = 1.0, False
        while step > 1e-8:
            trial = theta - step * step_dir
            trial[:f] = np.maximum(trial[:f], 0.0)  # the projection: weights >= 0
            value = loss(trial)
            if value <= current - 1e-4 * grad @ (theta - trial):
                moved = True
                break
            step /= 2
        if not moved:
            break
        change = np.abs(trial - theta).max()
        theta, current = trial, value
        if change < TOLERANCE:
            break
    w = theta[:f]
    return np.ones(f) if w.sum() <= 1e-9 else w * f / w.sum()


def _sample(won: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """A mask of at most ``limit`` leads, wins and losses in their proportions (seeded)."""
    keep = np.ones(len(won), dtype=bool)
    if len(won) <= limit:
        return keep
    rng = np.random.default_rng(seed + 1)
    keep[:] = False
    for group in (np.flatnonzero(won), np.flatnonzero(~won)):
        take = round(len(group) * limit / len(won))
        keep[rng.choice(group, size=take, replace=False)] = True
    return keep


def _folds(won: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Stratified fold number per lead: wins and losses dealt round-robin after a shuffle."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(won), dtype=int)
    for group in (np.flatnonzero(won), np.flatnonzero(~won)):
        order = rng.permutation(group)
        fold[order] = np.arange(len(order)) % k
    return fold


def suggest_weights(leads: pd.DataFrame, weights: Sequence[float] | None = None,
                    scale_max: int = DEFAULT_SCALE_MAX, *, folds: int = 5,
                    seed: int = 0) -> WeightSuggestion:
    """Fit weights >= 0 to the closed leads and compare them with the weights in use.

    Parameters
    ----------
    leads:
        Leads with the ten factor columns and ``stage`` (Won / Lost are used).
    weights:
        The weights in use (default: all 1).
    scale_max:
        S: scores run 1..S.
    folds, seed:
        k of the stratified k-fold cross-validation and the seed of its shuffle.

    Returns
    -------
    WeightSuggestion
        Nothing is written anywhere: the user decides whether to copy the weights in.
    """
    from leanxl.scoring import fit

    in_use = np.ones(len(FACTOR_KEYS)) if weights is None else np.asarray(weights, float)
    closed, won_all = closed_mask(leads)
    x = factor_scores(leads, scale_max)[closed]
    won = won_all[closed]
    z = (x - 1) / (scale_max - 1)
    fit_rows = _sample(won, FIT_MAX, seed)
    k = max(2, min(folds, int(won.sum()), int((~won).sum()))) if len(won) else folds
    suggested = fit_weights(z[fit_rows], won[fit_rows]) if len(won) else np.ones(len(FACTOR_KEYS))
    equal = np.ones(len(FACTOR_KEYS))

    def score(rows: np.ndarray, w: np.ndarray) -> np.ndarray:
        return fit(rows, w, scale_max) if len(rows) else np.empty(0)

    cv: dict[str, list[float]] = {"in use": [], "suggested": [], "equal (all 1)": []}
    if won.any() and (~won).any():
        fold = _folds(won, k, seed)
        for i in range(k):
            test, train = fold == i, fold != i
            w_fold = fit_weights(z[train & fit_rows], won[train & fit_rows])
            for name, w in (("in use", in_use), ("suggested", w_fold), ("equal (all 1)", equal)):
                cv[name].append(roc_auc(score(x[test], w), won[test]))
    auc = pd.DataFrame({
        "weights": list(cv),
        "auc_cv": [float(np.nanmean(v)) if v and not np.isnan(v).all() else float("nan")
                   for v in cv.values()],
        "auc_all": [roc_auc(score(x, w), won) for w in (in_use, suggested, equal)]})
    table = pd.DataFrame({"factor": list(FACTOR_KEYS), "label": [f.label for f in FACTORS],
                          "in_use": in_use, "suggested": suggested})
    return WeightSuggestion(table, auc, k, int(len(won)), int(won.sum()))
