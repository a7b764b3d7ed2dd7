"""Findings in business units: "median income 42,100 -> 47,300 (+12%)", not statistics.

Every function returns one sentence (or None when there is nothing to say). Numbers are
written as a person would read them in the data: thousands separated, dates as dates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

_EPOCH = dt.datetime(1970, 1, 1)


def value_text(value: float | None, kind: str = "numeric") -> str:
    """A number as a person would write it (dates, a column of kind "date", as dates)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if kind == "date":
        try:
            moment = _EPOCH + dt.timedelta(days=float(value))
        except OverflowError:
            return f"{value:,.0f} days"
        return moment.strftime("%Y-%m-%d")
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100 or float(value).is_integer():
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def percent(share: float, digits: int = 0) -> str:
    """0.153 -> "15%" (or "15.3%" with one digit); tiny shares keep a digit."""
    if 0 < share < 0.01 and digits == 0:
        digits = 1
    return f"{share:.{digits}%}"


def median_sentence(name: str, kind: str, before: float | None, after: float | None) -> str | None:
    """ "median monthly_charges 52.1 -> 60.0 (+15%)" or for dates "median signup_date ..."."""
    if before is None or after is None or not (math.isfinite(before) and math.isfinite(after)):
        return None
    change = ""
    if kind == "date":
        days = after - before
        if abs(days) >= 1:
            change = f" ({days:+,.0f} days)"
    elif before != 0:
        change = f" ({(after - before) / abs(before):+.0%})"
    return (f"median {name} {value_text(before, kind)} -> {value_text(after, kind)}{change}")


def spread_sentence(name: str, kind: str, before: Sequence[float | None],
                    after: Sequence[float | None]) -> str | None:
    """ "the middle 80% of age went from 27-63 to 22-69" (10th to 90th percentile)."""
    if any(v is None or not math.isfinite(v) for v in (*before, *after)):
        return None
    return (f"the middle 80% of {name} went from {value_text(before[0], kind)} to "
            f"{value_text(before[1], kind)}, to {value_text(after[0], kind)} to "
            f"{value_text(after[1], kind)}")


def share_sentence(category: str, before: float, after: float, *, other: bool = False) -> str:
    """ "'North' was 30% of rows, now 15%"."""
    what = "values outside the training list" if other else repr(category)
    verb = "were" if other else "was"
    return f"{what} {verb} {percent(before)} of rows, now {percent(after)}"


def missing_sentence(name: str, before: float, after: float) -> str:
    return (f"{name} is missing in {percent(after, 1)} of rows "
            f"({percent(before, 1)} in training)")


def unseen_sentence(name: str, share: float, examples: Sequence[tuple[str, int]],
                    complete: bool) -> str:
    """ "3.1% of rows have a region never seen in training: 'W' (62), 'NW' (3)"."""
    shown = ", ".join(f"{value!r} ({count:,})" for value, count in examples[:5])
    seen = "never seen in training" if complete else "not among the training categories"
    return f"{percent(share, 1)} of rows have a {name} {seen}: {shown}"


def range_sentence(name: str, kind: str, below: int, above: int, present: int,
                   low: float | None, high: float | None) -> str | None:
    """ "6.2% of monthly_charges values are above the training maximum (124.37)"."""
    if present <= 0 or below + above == 0:
        return None
    parts = []
    if above:
        parts.append(f"{percent(above / present, 1)} above the training maximum "
                     f"({value_text(high, kind)})")
    if below:
        parts.append(f"{percent(below / present, 1)} below the training minimum "
                     f"({value_text(low, kind)})")
    return f"{name} values: " + " and ".join(parts)


def conversion_sentence(name: str, kind: str, failures: int, examples: Sequence[str],
                        retyped: bool) -> str | None:
    if failures <= 0:
        return None
    expected = {"numeric": "numbers", "date": "dates", "categorical": "text"}.get(kind, kind)
    shown = ", ".join(repr(v) for v in examples[:3])
    if retyped:
        return (f"{name} now holds values that are not {expected} (e.g. {shown}): every one "
                "was scored as missing, so the model's scores for these rows are unreliable")
    return (f"{failures:,} {name} value(s) could not be read as {expected} (e.g. {shown}) and "
            "were scored as missing")


def quantile(values: np.ndarray, level: float) -> float | None:
    present = values[np.isfinite(values)] if values.size else values
    if present.size == 0:
        return None
    return float(np.quantile(present, level))
