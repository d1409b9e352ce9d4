"""KPI status and trend: the plain rules behind ``LEANXL_KPISTATUS`` and ``LEANXL_KPITREND``.

Plain Python on plain values (no numpy, openpyxl or xlwings), so the registry, the template
writer (cached values) and the headless recalc all share one definition.

Status (one KPI, one period)
    ``direction`` says which way is good: ``"up"`` (higher is better, the default) or
    ``"down"`` (lower is better).  ``tolerance`` is a fraction of ``|target|`` (default 0.1):

    * up:   ``actual >= target`` → ``On track``; ``actual >= target - tolerance*|target|`` →
      ``At risk``; otherwise ``Off track``.
    * down: ``actual <= target`` → ``On track``; ``actual <= target + tolerance*|target|`` →
      ``At risk``; otherwise ``Off track``.

    A blank ``actual`` (the period is not reported yet) gives a blank (``None``).

Trend (one KPI over periods, oldest first, left to right)
    The last two non-blank values are compared: ``change = (last - previous) / |previous|``
    (when ``previous`` is 0: ``+inf``/``-inf``/0 by the sign of ``last``).  ``|change| <=
    tolerance`` (default 0.01, i.e. 1 %) → ``Flat``; a change in the good direction →
    ``Improving``; otherwise ``Worsening``.  Fewer than two values gives ``#N/A``.

Bad values never raise: they come back as a :class:`~leanxl.errors.CellError`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from leanxl.errors import NA, NUM, VALUE, CellError
from leanxl.values import is_blank

ON_TRACK = "On track"
AT_RISK = "At risk"
OFF_TRACK = "Off track"
IMPROVING = "Improving"
WORSENING = "Worsening"
FLAT = "Flat"

DEFAULT_STATUS_TOLERANCE = 0.1
DEFAULT_TREND_TOLERANCE = 0.01
_DIRECTIONS = {"up": 1, "higher": 1, "down": -1, "lower": -1}


def _number(value: object, what: str) -> float | CellError | None:
    """A cell value as a finite float; ``None`` for blank; a CellError for anything else."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return CellError(VALUE, f"{what} is TRUE/FALSE, expected a number")
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            return CellError(NUM, f"{what} is not a finite number")
        return number
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return CellError(VALUE, f"{what} is text {value!r}, expected a number")
        return number if math.isfinite(number) else CellError(NUM, f"{what} is not finite")
    return CellError(VALUE, f"{what} has unsupported type {type(value).__name__}")


def _direction(value: object) -> int | CellError:
    if is_blank(value):
        return 1
    key = str(value).strip().casefold()
    if key in _DIRECTIONS:
        return _DIRECTIONS[key]
    return CellError(VALUE, f'direction {value!r} is not "up" or "down"')


def _tolerance(value: object, default: float) -> float | CellError:
    number = _number(value, "tolerance")
    if number is None:
        return default
    if isinstance(number, CellError):
        return number
    if number < 0:
        return CellError(NUM, f"tolerance {number:g} is negative")
    return number


def kpi_status(
    actual: object,
    target: object,
    direction: object = "up",
    tolerance: object = DEFAULT_STATUS_TOLERANCE,
) -> str | CellError | None:
    """Classify one KPI value against its target.

    Parameters
    ----------
    actual, target:
        Cell values (numbers; numeric text is accepted).  A blank ``actual`` gives ``None``.
    direction:
        ``"up"`` (higher is better; default, also for blank) or ``"down"``.
    tolerance:
        Fraction of ``|target|`` that still counts as "At risk" (default 0.1).

    Returns
    -------
    str | CellError | None
        ``"On track"``, ``"At risk"`` or ``"Off track"``; ``None`` when ``actual`` is blank;
        a CellError (``#VALUE!``, ``#NUM!``, ``#N/A`` for a blank target) for bad input.
    """
    sign = _direction(direction)
    if isinstance(sign, CellError):
        return sign
    tol = _tolerance(tolerance, DEFAULT_STATUS_TOLERANCE)
    if isinstance(tol, CellError):
        return tol
    tgt = _number(target, "target")
    if isinstance(tgt, CellError):
        return tgt
    act = _number(actual, "actual")
    if isinstance(act, CellError):
        return act
    if act is None:
        return None
    if tgt is None:
        return CellError(NA, "no target")
    # Compare with the threshold a user would compute in a cell (target -/+ tolerance*|target|)
    # rather than with a difference, so a value exactly on the threshold stays "At risk".
    if sign * act >= sign * tgt:
        return ON_TRACK
    if sign * act >= sign * (tgt - sign * tol * abs(tgt)):
        return AT_RISK
    return OFF_TRACK


def kpi_trend(
    values: Sequence[object],
    direction: object = "up",
    tolerance: object = DEFAULT_TREND_TOLERANCE,
) -> str | CellError:
    """Trend of one KPI over periods (oldest first): Improving, Worsening or Flat.

    Parameters
    ----------
    values:
        The KPI's values per period, oldest first; blanks are skipped.
    direction:
        ``"up"`` (higher is better; default) or ``"down"``.
    tolerance:
        Relative change (fraction of ``|previous|``) still counted as ``Flat`` (default 0.01).

    Returns
    -------
    str | CellError
        ``"Improving"``, ``"Worsening"`` or ``"Flat"``; ``#N/A`` with fewer than two values;
        ``#VALUE!``/``#NUM!`` for text or bad options.
    """
    sign = _direction(direction)
    if isinstance(sign, CellError):
        return sign
    tol = _tolerance(tolerance, DEFAULT_TREND_TOLERANCE)
    if isinstance(tol, CellError):
        return tol
    numbers: list[float] = []
    for i, value in enumerate(values):
        number = _number(value, f"value {i + 1}")
        if isinstance(number, CellError):
            return number
        if number is not None:
            numbers.append(number)
    if len(numbers) < 2:
        return CellError(NA, "needs at least two values")
    previous, last = numbers[-2], numbers[-1]
    if previous != 0:
        change = (last - previous) / abs(previous)
    else:
        change = math.copysign(math.inf, last) if last != 0 else 0.0
    if abs(change) <= tol:
        return FLAT
    return IMPROVING if sign * change > 0 else WORSENING
