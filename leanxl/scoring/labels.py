"""segment and mix: the label functions of the scoring API (one value per lead)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np

from leanxl.domain import MIX_LABELS, SEGMENTS
from leanxl.errors import NUM, VALUE, ArgumentError, CellError
from leanxl.scoring.arguments import Errors, is_frame, is_row, is_series, python_value
from leanxl.scoring.dispatch import scoring_kernels
from leanxl.scoring.inputs import column_values
from leanxl.values import flag_word, is_blank

_SEGMENT_TABLE = np.array([*SEGMENTS, None], dtype=object)  # code -1 -> None


_MIX_TABLE = np.array(
    [MIX_LABELS[(bool(c & 4), bool(c & 2), bool(c & 1))] for c in range(8)] + [None],
    dtype=object,
)


def _column(data: Any, where: str) -> list[Any] | np.ndarray:
    """One value per row: scalar, 1-D array/Series/list, or a one-column/one-row range."""
    if is_frame(data):
        if data.shape[1] != 1:
            raise ArgumentError(f"expected one column, got {data.shape[1]}", where=where)
        data = data.iloc[:, 0]
    if is_series(data):
        return column_values(data)
    if isinstance(data, np.ndarray):
        if data.ndim == 0:
            return data.reshape(1)
        if data.ndim == 2 and 1 in data.shape:
            return data.ravel()
        if data.ndim != 1:
            raise ArgumentError(f"expected one value per row, got shape {data.shape}", where=where)
        return data
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        return [data]  # a single cell
    values = list(data)
    if values and all(is_row(v) for v in values):
        if all(len(v) == 1 for v in values):
            return [v[0] for v in values]
        if len(values) == 1:
            return list(values[0])
        raise ArgumentError("expected one column or one row of values", where=where)
    return values


def _numbers(data: Any, where: str) -> tuple[np.ndarray, Errors]:
    """Prices / complexities -> float64 with NaN for bad rows, and their errors."""
    values = _column(data, where)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        result = values.astype(np.float64)
        bad = np.flatnonzero(~np.isfinite(result))
        return result, {i: _number_error(values[i].item(), where) for i in bad.tolist()}
    result = np.empty(len(values))
    errors: Errors = {}
    for i, value in enumerate(values):
        if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
            number = float(value)
            if math.isfinite(number):
                result[i] = number
                continue
        result[i] = np.nan
        errors[i] = _number_error(python_value(value), where)
    return result, errors


def _number_error(value: Any, where: str) -> CellError:
    if isinstance(value, CellError):
        return CellError(value.code, f"{where} is {value}")
    if is_blank(value):
        return CellError(VALUE, f"{where} is blank")
    if isinstance(value, str):
        return CellError(VALUE, f"{where} = {value!r} is text, not a number")
    if isinstance(value, bool | np.bool_):
        return CellError(VALUE, f"{where} = {value} is TRUE/FALSE, not a number")
    if isinstance(value, float) and math.isinf(value):
        return CellError(NUM, f"{where} = {value} is not finite")
    return CellError(VALUE, f"{where} = {value!r} is not a number")


def _cut(value: Any, where: str) -> float:
    if is_row(value) and len(np.asarray(value, dtype=object).ravel()) == 1:
        value = np.asarray(value, dtype=object).ravel()[0]
    value = python_value(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(
        float(value)
    ):
        raise ArgumentError(f"{where} must be a number, got {value!r}", where=where)
    return float(value)


def _same_length(where: str, *lengths: int) -> int:
    if len(set(lengths)) > 1:
        raise ArgumentError(
            f"the inputs have different numbers of rows: {', '.join(map(str, lengths))}",
            where=where, suggestion="give one value per lead in each input",
        )
    return lengths[0]


@overload
def segment(
    price: Any,
    complexity: Any,
    price_cut: Any,
    complexity_cut: Any,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def segment(
    price: Any,
    complexity: Any,
    price_cut: Any,
    complexity_cut: Any,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def segment(
    price: Any,
    complexity: Any,
    price_cut: Any,
    complexity_cut: Any,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Price x complexity segment of each lead: ``S1`` low/low, ``S2`` low price/high
    complexity, ``S3`` high/low, ``S4`` high/high; "high" means ``>= cut``.

    Parameters
    ----------
    price, complexity:
        One number per lead (arrays, Series, lists, a one-column range, or a single value).
        Blank, text or TRUE/FALSE gives that row ``#VALUE!``.
    price_cut, complexity_cut:
        Numbers (a malformed cut raises :class:`ArgumentError`).

    Returns
    -------
    numpy.ndarray
        object ``(N,)`` of ``"S1"``..``"S4"`` (names of :data:`leanxl.domain.SEGMENTS`) or None.
    """
    prices, errors = _numbers(price, "price")
    complexities, complexity_errors = _numbers(complexity, "complexity")
    _same_length("segment", len(prices), len(complexities))
    for i, error in complexity_errors.items():
        errors.setdefault(i, error)
    codes = np.empty(len(prices), dtype=np.int8)
    scoring_kernels(len(codes)).segment_codes(
        prices, complexities, _cut(price_cut, "price_cut"),
        _cut(complexity_cut, "complexity_cut"), codes,
    )
    result = _SEGMENT_TABLE[codes]
    return (result, errors) if return_errors else result


def _flags(data: Any, where: str) -> tuple[np.ndarray, Errors]:
    """Yes/no flags -> int8 0/1 (-1 for bad rows) and their errors.

    Accepted: booleans, 0/1 (ints or floats), and the yes/no words of
    :data:`leanxl.values.TRUE_WORDS` / ``FALSE_WORDS`` (TRUE/FALSE, yes/no, y/n, x, 1/0,
    ja/nein, wahr/falsch, any case).  Anything else (including blank) is ``#VALUE!``: a
    missing flag is not guessed.
    """
    values = _column(data, where)
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        return values.astype(np.int8), {}
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        ok = (values == 0) | (values == 1)
        result = np.where(ok, values, -1).astype(np.int8)
        bad = np.flatnonzero(~ok).tolist()
        return result, {i: _flag_error(values[i].item(), where) for i in bad}
    result = np.empty(len(values), dtype=np.int8)
    errors: Errors = {}
    for i, value in enumerate(values):
        flag = _flag(python_value(value))
        if flag is None:
            result[i] = -1
            errors[i] = _flag_error(python_value(value), where)
        else:
            result[i] = flag
    return result, errors


def _flag(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real):
        return int(float(value)) if value in (0, 1) else None
    if isinstance(value, str):
        word = flag_word(value)
        return None if word is None else int(word)
    return None


def _flag_error(value: Any, where: str) -> CellError:
    if isinstance(value, CellError):
        return CellError(value.code, f"{where} is {value}")
    if is_blank(value):
        return CellError(VALUE, f"{where} is blank; give TRUE or FALSE")
    return CellError(VALUE, f"{where} = {value!r} is not TRUE/FALSE (or yes/no, 1/0, x)")


@overload
def mix(
    in_sales_plan: Any,
    reached_by_marketing: Any,
    in_target_market: Any,
    *,
    return_errors: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def mix(
    in_sales_plan: Any,
    reached_by_marketing: Any,
    in_target_market: Any,
    *,
    return_errors: Literal[True],
) -> tuple[np.ndarray, Errors]: ...


def mix(
    in_sales_plan: Any,
    reached_by_marketing: Any,
    in_target_market: Any,
    *,
    return_errors: bool = False,
) -> np.ndarray | tuple[np.ndarray, Errors]:
    """Region of the seed's Sales / Marketing / Market diagram for each lead.

    Parameters
    ----------
    in_sales_plan, reached_by_marketing, in_target_market:
        One flag per lead each: booleans, 0/1, or a yes/no word (TRUE/FALSE, yes/no, y/n,
        x = yes, ja/nein, wahr/falsch; any case).  Anything else (blank included) gives
        that row ``#VALUE!``.

    Returns
    -------
    numpy.ndarray
        object ``(N,)`` of labels from :data:`leanxl.domain.MIX_LABELS` (``"Sweet spot"``,
        ``"Lead deficit"``, ...) or None.
    """
    sales, errors = _flags(in_sales_plan, "in_sales_plan")
    marketing, marketing_errors = _flags(reached_by_marketing, "reached_by_marketing")
    market, market_errors = _flags(in_target_market, "in_target_market")
    n = _same_length("mix", len(sales), len(marketing), len(market))
    for more in (marketing_errors, market_errors):
        for i, error in more.items():
            errors.setdefault(i, error)
    codes = np.empty(n, dtype=np.int8)
    scoring_kernels(n).mix_codes(sales, marketing, market, codes)
    result = _MIX_TABLE[codes]
    return (result, errors) if return_errors else result
