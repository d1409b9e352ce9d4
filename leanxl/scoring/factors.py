"""fit, match, best profile: the factor-score functions of the scoring API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np

from leanxl.domain import DEFAULT_SCALE_MAX
from leanxl.errors import DIV0, ArgumentError, CellError
from leanxl.kernels.parallel import use_parallel
from leanxl.scoring.arguments import (
    N_FACTORS,
    Errors,
    check_scale,
    check_weights,
    is_row,
    is_series,
)
from leanxl.scoring.diagnosis import out_of_range, pair_error, row_error
from leanxl.scoring.dispatch import kernel_weights, scoring_kernels
from leanxl.scoring.inputs import factor_codes, raw_input
from leanxl.scoring.raw import RawColumns
from leanxl.values import is_blank


@overload
def fit(
    factors: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def fit(
    factors: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def fit(
    factors: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Fit % of each lead: ``100 * (1 - Σ w_i (x_i - 1) / Σ w_i (S - 1))`` over given factors.

    Parameters
    ----------
    factors:
        ``N x 10`` scores (array, DataFrame or rows of cells; one row of 10 is one lead).
    weights:
        None (all 1), 10 numbers in factor order, or a dict ``{factor key: weight}``
        (unlisted factors keep 1).  Weights must be finite and ``>= 0``.
    scale_max:
        S: scores run 1..S, 1 best.
    return_errors:
        Also return ``{row: CellError}`` for the NaN rows.

    Returns
    -------
    numpy.ndarray
        float64 ``(N,)`` in 0..100 (100 = the seed's perfect prospect); NaN for bad rows.

    Examples
    --------
    >>> fit([1] * 10)
    array([100.])
    >>> fit([[5] * 10, [3, None, 3, 3, 3, 3, 3, 3, 3, 3]])
    array([ 0., 50.])
    """
    scale = check_scale(scale_max)
    w = check_weights(weights)
    raw = raw_input(factors, "factors")
    if raw is not None:
        out, errors = _fit_raw(raw, w, scale)
        return (out, errors) if return_errors else out
    codes, errors = factor_codes(factors, scale, where="factors", storage_int8=True)
    n = codes.shape[1]
    out = np.empty(n)
    kernels = scoring_kernels(n)
    view = codes.view(np.uint8)  # negative codes read as >= 128: one unsigned range check
    kw = kernel_weights(w, scale)
    if use_parallel(n):
        n_nan = kernels.fit_parallel(view, kw, scale, out, kernels.chunks())
    else:
        n_nan = kernels.fit_serial(view, kw, scale, out)
    if n_nan > len(errors):
        for i in np.flatnonzero(np.isnan(out)).tolist():
            if i not in errors and (error := row_error(codes[:, i], w, scale)) is not None:
                errors[i] = error
    return (out, errors) if return_errors else out


def _fit_raw(raw: RawColumns, w: np.ndarray, scale: int) -> tuple[np.ndarray, Errors]:
    """fit on numeric input read in place: one kernel pass validates and scores; the NaN
    rows it leaves (bad values, nothing to divide by, spare rows) go through the exact
    encoding path, so their errors read as they always did."""
    n = raw.n_rows
    out = np.empty(n)
    kernels = scoring_kernels(n)
    kw = kernel_weights(w, scale)
    if use_parallel(n):
        n_nan = kernels.fit_columns_parallel(raw.columns, raw.masks, kw, scale, out,
                                             kernels.chunks())
    else:
        n_nan = kernels.fit_columns_serial(raw.columns, raw.masks, kw, scale, out)
    errors: Errors = {}
    if n_nan:
        rows = np.flatnonzero(np.isnan(out))
        codes, found = factor_codes(raw.subset(rows), scale, where="factors",
                                    storage_int8=True)
        for j, i in enumerate(rows.tolist()):
            error = found.get(j) or row_error(codes[:, j], w, scale)
            if error is not None:
                errors[i] = error
    return out, errors


def _targets(data: Any, scale: int, where: str) -> tuple[np.ndarray, Errors]:
    """The small side (profiles, campaigns): codes as P x F C-order, fully checked."""
    codes, errors = factor_codes(data, scale, where=where, storage_int8=True)
    for j in out_of_range(codes, scale).tolist():
        error = row_error(codes[:, j], np.ones(N_FACTORS), scale)
        assert error is not None  # an out-of-range code always names itself
        errors[j] = error
        codes[:, j] = 0
    return np.ascontiguousarray(codes.T), errors


@overload
def match(
    a: Any,
    b: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def match(
    a: Any,
    b: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def match(
    a: Any,
    b: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Match % of every row of ``a`` with every row of ``b`` (lead vs profile, campaign vs
    profile): ``100 * (1 - Σ w_i |a_i - b_i| / Σ w_i (S - 1))`` over factors given in both.

    Parameters
    ----------
    a, b:
        ``N x 10`` and ``P x 10`` scores (arrays, DataFrames or rows of cells); a blank factor
        (a campaign's untargeted factor) drops out of both sums.
    weights, scale_max:
        As for :func:`fit`.
    return_errors:
        Also return the errors: key ``i`` = row ``i`` of ``a`` is bad (whole result row NaN),
        ``(None, j)`` = row ``j`` of ``b`` is bad (whole column NaN), ``(i, j)`` = that pair
        has no factor given in both (or only weight-0 ones).  :func:`error_for` looks a cell up.

    Returns
    -------
    numpy.ndarray
        float64 ``(N, P)`` in 0..100.  ``match(a, b) == match(b, a).T``.
    """
    scale = check_scale(scale_max)
    w = check_weights(weights)
    raw = raw_input(a, "a")
    if raw is None:
        codes, errors = factor_codes(a, scale, where="a", storage_int8=True)
    targets, target_errors = _targets(b, scale, "b")
    n = codes.shape[1] if raw is None else raw.n_rows
    p = targets.shape[0]
    out = np.empty((p, n))
    kernels = scoring_kernels(n)
    target_view = targets.view(np.uint8)
    kw = kernel_weights(w, scale)
    parallel = use_parallel(n, p)
    if raw is not None:  # read in place; the NaN rows are encoded below to say why
        if parallel:
            n_nan = kernels.match_columns_parallel(raw.columns, raw.masks, target_view, kw,
                                                   scale, out, kernels.chunks())
        else:
            n_nan = kernels.match_columns_serial(raw.columns, raw.masks, target_view, kw,
                                                 scale, out)
        rows = np.flatnonzero(np.isnan(out).any(axis=0)) if n_nan else np.empty(0, np.intp)
        codes, errors = factor_codes(raw.subset(rows), scale, where="a", storage_int8=True)
        out_nan = out[:, rows]
    else:
        view = codes.view(np.uint8)
        if parallel:
            n_nan = kernels.match_parallel(view, target_view, kw, scale, out, kernels.chunks())
        else:
            n_nan = kernels.match_serial(view, target_view, kw, scale, out)
        rows, out_nan = None, out
    found = _match_errors(codes, errors, out_nan, targets, target_errors, w, scale) \
        if n_nan else errors
    errors = found if rows is None else _at_rows(found, rows)
    errors.update({(None, j): e for j, e in target_errors.items()})
    result = out.T
    return (result, errors) if return_errors else result


def _match_errors(codes: np.ndarray, errors: Errors, out: np.ndarray, targets: np.ndarray,
                  target_errors: Errors, w: np.ndarray, scale: int) -> Errors:
    """Why cells of ``out`` (P x m, the leads of ``codes``) are NaN: ``errors`` (keyed by
    lead) completed with out-of-range leads and pairs with nothing to compare."""
    bad_rows = set(out_of_range(codes, scale).tolist()) - set(errors)
    for i in sorted(bad_rows):
        error = row_error(codes[:, i], w, scale)
        assert error is not None  # an out-of-range code always names itself
        errors[i] = error
    nan_rows = np.flatnonzero(np.isnan(out).any(axis=0)).tolist()
    target_given: np.ndarray = np.any(targets > 0, axis=1)
    for i in nan_rows:
        if i in errors or not codes[:, i].any():  # a row with no factor given: blank
            continue
        for j in np.flatnonzero(np.isnan(out[:, i])).tolist():
            if j not in target_errors and target_given[j]:
                errors[(i, j)] = pair_error(codes[:, i], targets[j])
    return errors


def _at_rows(errors: Errors, rows: np.ndarray) -> Errors:
    """Errors keyed by position in ``rows`` re-keyed by the row itself (``i`` or ``(i, j)``)."""
    index = rows.tolist()
    return {(index[k[0]], k[1]) if isinstance(k, tuple) else index[k]: e
            for k, e in errors.items()}


@overload
def best_match(
    leads: Any,
    profiles: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[False] = ...,
) -> tuple[np.ndarray, np.ndarray]: ...


@overload
def best_match(
    leads: Any,
    profiles: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, np.ndarray, Errors]: ...


def best_match(
    leads: Any,
    profiles: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: bool = False,
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, Errors]:
    """Index of each lead's best-matching profile and that match %.

    Returns ``(index, score)``: int64 ``(N,)`` (-1 where no profile could be compared) and
    float64 ``(N,)`` (NaN there); with ``return_errors`` also ``{row: CellError}``.  Ties go
    to the first profile.  A bad profile row raises :class:`ArgumentError`; see
    :func:`best_profile`.
    """
    scale = check_scale(scale_max)
    w = check_weights(weights)
    targets, target_errors = _targets(profiles, scale, "profiles")
    if target_errors:
        j, error = min(target_errors.items())
        raise ArgumentError(
            f"profile row {j + 1}: {error.reason}", where="profiles",
            suggestion="fix the profile's scores (1..S or blank)",
        )
    if targets.shape[0] == 0:
        raise ArgumentError("no profiles given", where="profiles")
    best, score, errors = _best(leads, targets, w, scale)
    return (best, score, errors) if return_errors else (best, score)


def _best(
    leads: Any, targets: np.ndarray, w: np.ndarray, scale: int
) -> tuple[np.ndarray, np.ndarray, Errors]:
    """best_match on checked targets (P x F int8 C-order, all valid)."""
    raw = raw_input(leads, "leads")
    if raw is None:
        codes, errors = factor_codes(leads, scale, where="leads", storage_int8=True)
    n = codes.shape[1] if raw is None else raw.n_rows
    best = np.empty(n, dtype=np.int64)
    score = np.empty(n)
    kernels = scoring_kernels(n)
    target_view = targets.view(np.uint8)
    kw = kernel_weights(w, scale)
    parallel = use_parallel(n, targets.shape[0])
    if raw is not None:  # read in place; the unmatched rows are encoded below to say why
        if parallel:
            n_none = kernels.best_columns_parallel(raw.columns, raw.masks, target_view, kw,
                                                   scale, best, score, kernels.chunks())
        else:
            n_none = kernels.best_columns_serial(raw.columns, raw.masks, target_view, kw, scale,
                                                 best, score)
        rows = np.flatnonzero(best < 0)
        codes, found = factor_codes(raw.subset(rows), scale, where="leads", storage_int8=True)
        return best, score, _at_rows(_best_errors(codes, found, best[rows], w, scale), rows)
    view = codes.view(np.uint8)
    if parallel:
        n_none = kernels.best_parallel(view, target_view, kw, scale, best, score, kernels.chunks())
    else:
        n_none = kernels.best_serial(view, target_view, kw, scale, best, score)
    if n_none > len(errors):
        errors = _best_errors(codes, errors, best, w, scale)
    return best, score, errors


def _best_errors(codes: np.ndarray, errors: Errors, best: np.ndarray, w: np.ndarray,
                 scale: int) -> Errors:
    """Why leads (of ``codes``) got no best match (``best`` -1): ``errors`` completed."""
    for i in np.flatnonzero(best < 0).tolist():
        if i in errors:
            continue
        error = row_error(codes[:, i], w, scale)
        if error is None:
            continue  # a lead with no factor given: blank, not an error
        if error.code == DIV0:
            error = CellError(DIV0, "no profile shares a weighted factor with this lead")
        errors[i] = error
    return errors


@overload
def best_profile(
    leads: Any,
    profiles: Any,
    names: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def best_profile(
    leads: Any,
    profiles: Any,
    names: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def best_profile(
    leads: Any,
    profiles: Any,
    names: Any,
    weights: Any = None,
    scale_max: int = DEFAULT_SCALE_MAX,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Name of the profile each lead matches best (ties go to the first profile).

    Parameters
    ----------
    leads:
        ``N x 10`` lead scores.
    profiles:
        ``P x 10`` profile targets (blank = the profile does not care).  A bad value in a
        profile, or a profile with no factor at all, is a malformed argument:
        :class:`ArgumentError`.  Fully empty rows (blank name and no factor) are skipped, so a
        spreadsheet range may include spare rows.
    names:
        ``P`` profile names.
    weights, scale_max:
        As for :func:`fit`.

    Returns
    -------
    numpy.ndarray
        object ``(N,)``: a name, or None where no profile could be compared (errors say why).
    """
    scale = check_scale(scale_max)
    name_list = _names(names)
    targets, target_errors = _targets(profiles, scale, "profiles")
    if len(name_list) != targets.shape[0]:
        raise ArgumentError(
            f"{targets.shape[0]} profiles but {len(name_list)} names", where="names",
            suggestion="give one name per profile row",
        )
    keep = []
    gives: list[bool] = np.any(targets > 0, axis=1).tolist()
    for j, name in enumerate(name_list):
        empty = not gives[j] and j not in target_errors
        if empty and is_blank(name):
            continue  # a spare row in the profiles range
        if empty:
            raise ArgumentError(
                f"profile {name!r} gives no factor", where="profiles",
                suggestion="fill at least one target score, or remove the profile",
            )
        if j in target_errors:
            raise ArgumentError(
                f"profile {name!r}: {target_errors[j].reason}", where="profiles",
                suggestion="fix the profile's scores (1..S or blank)",
            )
        keep.append(j)
    if not keep:
        raise ArgumentError("no profiles given", where="profiles")
    kept_names = [name_list[j] for j in keep]
    kept = targets if len(keep) == len(targets) else targets[keep]
    best, _, errors = _best(leads, kept, check_weights(weights), scale)
    table = np.array([*kept_names, None], dtype=object)
    result = table[best]
    return (result, errors) if return_errors else result


def _names(names: Any) -> list[Any]:
    if isinstance(names, str) or names is None:
        raise ArgumentError("names must be a list of profile names", where="names")
    if is_series(names) or isinstance(names, np.ndarray):
        return list(np.asarray(names, dtype=object).ravel())
    if not isinstance(names, Sequence):
        raise ArgumentError("names must be a list of profile names", where="names")
    flat: list[Any] = []
    for item in names:  # a spreadsheet column arrives as [[name], [name], ...]
        if is_row(item):
            flat.extend(item)
        else:
            flat.append(item)
    return flat
