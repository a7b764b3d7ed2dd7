"""Findings in business units: "median income 42,100 -> 47,300 (+12%)", not statistics.

Every function returns one sentence (or None when there is nothing to say). Numbers are
written as a person would read them in the data: thousands separated, dates as dates.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence

import numpy as np

_EPOCH = dt.datetime(1970, 1, 1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def number_kind(name: str, kind: str, profile: dict) -> str:
    """How a column's numbers are read: "date", "year", "month" or "numeric".

    Years (1974) and months (4) are whole numbers that a thousands separator or a percent
    change would garble ("1,974 (+0%)", "month 4 -> 9 (+125%)"): a whole-number column named
    like a year (``year``, ``yr``) within 1800..2200, or like a month (``month``, ``mo``)
    within 1..12, is written as such.
    """
    if kind != "numeric":
        return kind
    low, high = profile.get("min"), profile.get("max")
    if low is None or high is None or not (float(low).is_integer() and float(high).is_integer()):
        return kind
    words = set(re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()))
    if words & {"year", "yr", "yyyy"} and low >= 1800 and high <= 2200:
        return "year"
    if words & {"month", "mo", "mon", "mm"} and low >= 1 and high <= 12:
        return "month"
    return kind


def value_text(value: float | None, kind: str = "numeric") -> str:
    """A number as a person would write it (dates as dates, years and months plainly)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if kind == "year":
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if kind == "month":
        if float(value).is_integer() and 1 <= value <= 12:
            return f"{value:.0f} ({_MONTHS[int(value) - 1]})"
        return f"{value:.1f}"
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
    elif kind == "year":
        years = after - before
        if years:
            change = f" ({years:+g} year{'s' if abs(years) != 1 else ''})"
    elif kind == "month":
        change = ""  # months are a cycle: a percent change means nothing
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
                    complete: bool, training_share: float | None = None) -> str:
    """ "3.1% of rows have a region never seen in training: 'W' (62), 'NW' (3)".

    When the training itself had values outside its list (rare ones pooled, e.g. tail
    numbers), their share then is given beside: "42.5% ... (37.0% at training)".
    """
    shown = ", ".join(f"{value!r} ({count:,})" for value, count in examples[:5])
    seen = "never seen in training" if complete else "not among the training categories"
    before = ""
    if not complete and training_share is not None:
        before = f" ({percent(training_share, 1)} at training)"
    return f"{percent(share, 1)} of rows have a {name} {seen}{before}: {shown}"


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



def period_sentences(name: str, profile: dict, sample: np.ndarray) -> list[str]:
    """What a date column that moved forward says: the newer period, a gap, new months.

    ``profile`` is the column's reference (days since 1970), ``sample`` the new values.
    """
    present = sample[np.isfinite(sample)] if sample.size else sample
    if present.size == 0:
        return []
    quantiles = profile.get("quantiles") or []
    before = quantiles[50] if len(quantiles) == 101 else None
    after = float(np.median(present))
    sentences = [f"{name} covers a newer period (median {value_text(before, 'date')} -> "
                 f"{value_text(after, 'date')}): dates move forward, so this is expected, "
                 "not drift"]
    last, first = profile.get("max"), float(present.min())
    if last is not None and first - last > 1:
        sentences.append(f"there is a gap of {first - last:,.0f} days between the training's "
                         f"last {name} ({value_text(last, 'date')}) and this file's first "
                         f"({value_text(first, 'date')})")
    trained = {_month(q) for q in quantiles if q is not None}
    new = {_month(v) for v in present.tolist()}
    unseen = sorted(m for m in new - trained if m is not None)
    if trained and unseen:
        sentences.append(f"this file covers months the training data did not "
                         f"({', '.join(_MONTHS[m - 1] for m in unseen)}): seasonal effects may "
                         "differ, so compare with the same months of an earlier year")
    return sentences


def _month(days: float) -> int | None:
    try:
        return (_EPOCH + dt.timedelta(days=float(days))).month
    except (OverflowError, ValueError):
        return None
