"""Recognise dates written as text, quickly, and say how they were read.

Spellings recognised (each with an optional time ``HH:MM``, ``HH:MM:SS``, ``HH:MM:SS.fff``,
after a space or a ``T``, with optional AM/PM):

- ISO ``yyyy-mm-dd``, also with a time zone (``Z``, ``+02:00``, ``+0200``);
- ``yyyy/mm/dd`` and ``yyyy.mm.dd``;
- ``dd/mm/yyyy`` or ``mm/dd/yyyy``, and the same with ``.`` or ``-`` between the parts, with a
  four- or two-digit year (two-digit years 00-68 are 20xx, 69-99 are 19xx, as in C's strptime).

Rules, in the order they apply:

1. A sample of about 2,000 values decides whether the column looks like dates at all (90% of
   the sampled values must have one spelling); other columns cost only that look.
2. The whole column is then parsed from the parts a regular expression extracts (pyarrow),
   assembled into timestamps with numpy. This is strict: 31/04/2024 or 25:00 is not a date.
   Nothing goes through the slow per-value ``dateutil`` path. A column with few distinct
   values is parsed once per distinct value.
3. Day or month first: a first part above 12 proves day-first, a second part above 12 proves
   month-first; the order that reads more values wins and the note quotes a value that proves
   it. When no value tells them apart, **day-first is assumed** (most of the world writes the
   day first, and ``.`` or ``-`` spellings are day-first in practice) and the note says the
   order was a guess, so the user can check.
4. The column is converted only if at least 95% of its non-missing values are dates; the cells
   that are not become missing and the note counts them.
5. Times with a time zone are converted to UTC and stored without a zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PARSE_SHARE = 0.95
"""Share of non-missing values that must be dates for a column to be converted."""

SAMPLE_SHARE = 0.9
"""Share of sampled values that must look like dates before the whole column is parsed."""

_TIME = (
    r"(?:(?P<ts>T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?:(?P<ps>\s*)(?P<p>[AaPp][Mm]))?)?"
)
_ZONE = r"(?:\s*(?:(?P<zz>[Zz])|(?P<zs>[+-])(?P<zh>\d{2}):?(?P<zm>\d{2})?))?"
_NAT = np.iinfo(np.int64).min
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_US_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class _Family:
    """One spelling. ``a`` and ``b`` are month and day, or day and month if ``either_way``."""

    sep: str
    pattern: str
    year_first: bool


def _year_first(sep: str, zone: str = "") -> _Family:
    s = re.escape(sep)
    pattern = rf"^(?P<Y>\d{{4}}){s}(?P<a>\d{{1,2}}){s}(?P<b>\d{{1,2}}){_TIME}{zone}$"
    return _Family(sep, pattern, year_first=True)


def _year_last(sep: str) -> _Family:
    s = re.escape(sep)
    pattern = rf"^(?P<a>\d{{1,2}}){s}(?P<b>\d{{1,2}}){s}(?P<Y>\d{{4}}|\d{{2}}){_TIME}$"
    return _Family(sep, pattern, year_first=False)


_FAMILIES = (
    _year_first("-", _ZONE),
    _year_first("/"),
    _year_first("."),
    _year_last("/"),
    _year_last("."),
    _year_last("-"),
)
_COMPILED = {family: re.compile(family.pattern) for family in _FAMILIES}
_YEAR_100 = int(np.datetime64("0100-01-01", "us").astype(np.int64))


@dataclass
class DateParse:
    """The outcome for one column: values (None when it is not a date column) and a note."""

    values: pd.Series | None
    note: str | None


@dataclass
class _Reading:
    """Microseconds per value (``_NAT`` where not a date) and what the reading found."""

    micros: np.ndarray
    day_first: bool | None = None  # None for year-first spellings
    proves_day: np.ndarray | None = None
    proves_month: np.ndarray | None = None
    has_time: bool = False
    has_zone: bool = False
    two_digit_year: bool = False


def detect_family(sample: list[str]) -> _Family | None:
    """The spelling most of ``sample`` uses, or None when the sample does not look like dates."""
    if not sample:
        return None
    best, best_count = None, 0
    for family, regex in _COMPILED.items():
        count = sum(1 for value in sample if regex.match(value))
        if count > best_count:
            best, best_count = family, count
    if best is None or best_count < SAMPLE_SHARE * len(sample):
        return None
    return best


def parse_dates(
    text: pa.Array, family: _Family, sample: list[str], index: pd.Index
) -> DateParse:
    """Parse ``text`` (trimmed strings, missing values null) written in ``family``'s spelling.

    ``sample`` is the sample :func:`detect_family` saw; it tells whether the column has few
    distinct values (then each distinct value is parsed once) and which exact layout to try.
    """
    present = len(text) - text.null_count
    if present == 0 or not sample:
        return DateParse(None, None)
    codes = None
    if len(text) > 10_000 and len(set(sample)) < 0.97 * len(sample):
        encoded = pc.dictionary_encode(text)
        values = encoded.dictionary
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        weights = np.bincount(codes[codes >= 0], minlength=len(values))
    else:
        values = text
        weights = text.is_valid().to_numpy(zero_copy_only=False).astype(np.int64)
    reading = _read(values, family, sample, weights)

    ok = reading.micros != _NAT
    parsed = int(weights[ok].sum())
    if parsed < PARSE_SHARE * present:
        share = parsed / present
        if share < 0.5:
            return DateParse(None, None)
        note = f"looks like dates, but only {share:.0%} of the cells are; kept as text"
        return DateParse(None, note)
    micros = reading.micros
    if codes is not None:
        micros = np.where(codes >= 0, micros[np.maximum(codes, 0)], _NAT)
    series = pd.Series(micros.view("datetime64[us]"), index=index)

    note = f"dates written {_spelling(family, reading)}"
    if reading.day_first is not None:
        note += _order_note(values, family, reading)
    if reading.has_zone:
        note += "; times with a time zone were converted to UTC"
    failed = present - parsed
    if failed:
        bad = ~ok & (weights > 0)
        example = values.filter(pa.array(bad)).slice(0, 1).to_pylist()
        shown = f" (e.g. {example[0]!r})" if example else ""
        note += f"; {failed:,} cell{'s' if failed != 1 else ''} could not be read as a date{shown}"
        note += " and became missing"
    return DateParse(series, note)


def _read(values: pa.Array, family: _Family, sample: list[str], weights: np.ndarray) -> _Reading:
    """Pick the fastest strict way to read ``values``."""
    fast = _strict_iso(values, family, sample)
    if fast is not None:
        return fast
    formats = _strptime_formats(family, sample) if len(values) > 20_000 else None
    if formats is not None:
        return _read_strptime(values, family, formats, weights)
    return _read_parts(values, family, weights)


def _strict_iso(values: pa.Array, family: _Family, sample: list[str]) -> _Reading | None:
    """Arrow's own ISO parser: the fast path when every value is a clean ISO timestamp."""
    if family is not _FAMILIES[0]:
        return None
    zoned = _COMPILED[family].match(sample[0])
    zoned_first = zoned is not None and bool(zoned.group("zz") or zoned.group("zs"))
    for zone in ("UTC", None) if zoned_first else (None, "UTC"):
        try:
            stamps = values.cast(pa.timestamp("us", zone))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        micros = pc.fill_null(stamps.cast(pa.int64()), _NAT).to_numpy(zero_copy_only=False)
        has_time = bool((micros[micros != _NAT] % _US_PER_DAY).any())
        return _Reading(micros, has_time=has_time, has_zone=zone is not None)
    return None


def _read_parts(values: pa.Array, family: _Family, weights: np.ndarray) -> _Reading:
    """The strict, general reading: extract the parts, check them, assemble timestamps."""
    parts = _extract(values, family.pattern)
    reading = _Reading(micros=np.empty(0, dtype=np.int64))
    month, day = parts["a"], parts["b"]
    if not family.year_first:
        a, b, matched = parts["a"], parts["b"], parts["matched"]
        reading.proves_day = matched & (a > 12) & (a <= 31) & (b >= 1) & (b <= 12)
        reading.proves_month = matched & (b > 12) & (b <= 31) & (a >= 1) & (a <= 12)
        reading.day_first = _choose_day_first(reading, weights)
        if reading.day_first:
            month, day = day, month
    reading.micros = _micros(parts, month=month, day=day)
    ok = reading.micros != _NAT
    reading.has_time = bool(parts["has_time"][ok].any())
    reading.has_zone = bool(parts["has_zone"][ok].any())
    reading.two_digit_year = bool(ok.any()) and bool(parts["two_digit_year"][ok].all())
    return reading


def _choose_day_first(reading: _Reading, weights: np.ndarray) -> bool:
    """Day-first unless more values prove month-first (ties and no proof: day-first)."""
    assert reading.proves_day is not None and reading.proves_month is not None
    return int(weights[reading.proves_day].sum()) >= int(weights[reading.proves_month].sum())


def _strptime_formats(family: _Family, sample: list[str]) -> tuple[str, str] | None:
    """strptime formats (day-first, month-first) when every sampled value has one layout."""
    regex = _COMPILED[family]
    layouts = set()
    for value in sample:
        match = regex.match(value)
        if match is None:
            continue
        g = match.groupdict()
        if g["f"] or g.get("zz") or g.get("zs"):
            return None  # fractions of seconds and zones: strptime cannot read them
        meridiem = g["ps"] if g["p"] else None
        layouts.add((len(g["Y"]), g["ts"], g["H"] is not None, g["S"] is not None, meridiem))
    if len(layouts) != 1:
        return None
    digits, time_sep, has_hour, has_seconds, meridiem = layouts.pop()
    time = ""
    if has_hour:
        time = f"{time_sep}{'%I' if meridiem is not None else '%H'}:%M"
        time += ":%S" if has_seconds else ""
        time += f"{meridiem}%p" if meridiem is not None else ""
    sep = family.sep
    if family.year_first:
        return f"%Y{sep}%m{sep}%d{time}", f"%Y{sep}%m{sep}%d{time}"
    year = "%Y" if digits == 4 else "%y"
    return f"%d{sep}%m{sep}{year}{time}", f"%m{sep}%d{sep}{year}{time}"


def _read_strptime(
    values: pa.Array, family: _Family, formats: tuple[str, str], weights: np.ndarray
) -> _Reading:
    """Arrow's strptime (10x faster than extracting parts), made strict around its leniencies."""
    # strptime accepts stray spaces and short years the spelling does not allow: guard them.
    shape_ok = pc.fill_null(pc.match_substring_regex(values, family.pattern), False)
    shape_ok = shape_ok.to_numpy(zero_copy_only=False)

    def run(fmt: str) -> tuple[np.ndarray, pa.Array]:
        stamps = pc.strptime(values, format=fmt, unit="us", error_is_null=True)
        micros = pc.fill_null(stamps.cast(pa.int64()), _NAT).to_numpy(zero_copy_only=False)
        keep = shape_ok & (micros != _NAT)
        if "%Y" in fmt:  # "24" read with %Y is the year 24
            keep &= micros >= _YEAR_100
        return np.where(keep, micros, _NAT), stamps

    reading = _Reading(micros=np.empty(0, dtype=np.int64), two_digit_year="%y" in formats[0])
    reading.has_time = "%M" in formats[0]
    micros, stamps = run(formats[0])
    if not family.year_first:
        month_micros, month_stamps = run(formats[1])
        day_ok, month_ok = micros != _NAT, month_micros != _NAT
        reading.proves_day, reading.proves_month = day_ok & ~month_ok, month_ok & ~day_ok
        reading.day_first = _choose_day_first(reading, weights)
        if not reading.day_first:
            micros, stamps = month_micros, month_stamps
    # strptime rolls 31/04 over to 1 May: re-read strictly the few values landing on day 1-3.
    suspects = (micros != _NAT) & (pc.fill_null(pc.day(stamps), 0).to_numpy() <= 3)
    if suspects.any():
        positions = np.flatnonzero(suspects)
        parts = _extract(values.take(pa.array(positions)), family.pattern)
        month, day = parts["a"], parts["b"]
        if reading.day_first:
            month, day = day, month
        micros = micros.copy()
        micros[positions] = _micros(parts, month=month, day=day)
    reading.micros = micros
    return reading


def _extract(values: pa.Array, pattern: str) -> dict[str, np.ndarray]:
    """Integer parts of every value (0 for absent optional parts) and flags."""
    matched = pc.extract_regex(values, pattern)
    fields = dict(zip([f.name for f in matched.type], matched.flatten(), strict=True))

    def text_of(name: str) -> pa.Array:
        return pc.fill_null(fields[name], "")

    def number(name: str) -> np.ndarray:
        raw = text_of(name)
        raw = pc.if_else(pc.equal(raw, ""), "0", raw)
        return pc.cast(raw, pa.int64()).to_numpy(zero_copy_only=False)

    is_valid = matched.is_valid().to_numpy(zero_copy_only=False)
    year_text = text_of("Y")
    year = number("Y")
    two_digits = pc.equal(pc.utf8_length(year_text), 2).to_numpy(zero_copy_only=False)
    year = np.where(two_digits, np.where(year < 69, 2000 + year, 1900 + year), year)
    fraction = pc.utf8_slice_codeunits(pc.utf8_rpad(text_of("f"), 6, "0"), 0, 6)
    parts: dict[str, np.ndarray] = {
        "matched": is_valid,
        "Y": year,
        "a": number("a"),
        "b": number("b"),
        "H": number("H"),
        "M": number("M"),
        "S": number("S"),
        "f": pc.cast(fraction, pa.int64()).to_numpy(zero_copy_only=False),
        "has_time": pc.not_equal(text_of("H"), "").to_numpy(zero_copy_only=False),
        "two_digit_year": two_digits,
    }
    meridiem = pc.utf8_lower(text_of("p"))
    parts["pm"] = pc.equal(meridiem, "pm").to_numpy(zero_copy_only=False)
    parts["has_meridiem"] = pc.not_equal(meridiem, "").to_numpy(zero_copy_only=False)
    if "zs" in fields:
        sign = np.where(pc.equal(text_of("zs"), "-").to_numpy(zero_copy_only=False), -1, 1)
        parts["offset"] = sign * (number("zh") * 60 + number("zm"))
        zoned = pc.or_(pc.not_equal(text_of("zs"), ""), pc.not_equal(text_of("zz"), ""))
        parts["has_zone"] = zoned.to_numpy(zero_copy_only=False)
        parts["bad_zone"] = (number("zh") > 14) | (number("zm") > 59)
    else:
        parts["offset"] = np.zeros(len(values), dtype=np.int64)
        parts["has_zone"] = np.zeros(len(values), dtype=bool)
        parts["bad_zone"] = np.zeros(len(values), dtype=bool)
    return parts


def _micros(parts: dict[str, np.ndarray], month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Microseconds since 1970 for valid values, ``_NAT`` for the others (strict checks)."""
    year = parts["Y"]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    limit = _DAYS_IN_MONTH[np.clip(month - 1, 0, 11)] + ((month == 2) & leap)
    hour = parts["H"]
    meridiem = parts["has_meridiem"]
    hour_ok = np.where(meridiem, (hour >= 1) & (hour <= 12), hour <= 23)
    hour = np.where(meridiem, hour % 12 + 12 * parts["pm"], hour)
    valid = (
        parts["matched"]
        & (year >= 1)
        & month_ok
        & (day >= 1)
        & (day <= limit)
        & hour_ok
        & (parts["M"] <= 59)
        & (parts["S"] <= 59)
        & ~parts["bad_zone"]
    )
    # Days from the civil date (H. Hinnant's algorithm), vectorised.
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    days = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
    seconds = (hour * 60 + parts["M"] - parts["offset"]) * 60 + parts["S"]
    micros = days * _US_PER_DAY + seconds * 1_000_000 + parts["f"]
    return np.where(valid, micros, _NAT)


def _spelling(family: _Family, reading: _Reading) -> str:
    sep = family.sep
    if family.year_first:
        text = f"yyyy{sep}mm{sep}dd"
    else:
        year = "yy" if reading.two_digit_year else "yyyy"
        first, second = ("dd", "mm") if reading.day_first else ("mm", "dd")
        text = f"{first}{sep}{second}{sep}{year}"
    return text + (" with times" if reading.has_time else "")


def _order_note(values: pa.Array, family: _Family, reading: _Reading) -> str:
    """Why day-first or month-first was chosen, quoting a value that proves it."""
    proves_day, proves_month = reading.proves_day, reading.proves_month
    assert proves_day is not None and proves_month is not None
    sep = family.sep
    if not proves_day.any() and not proves_month.any():
        return (
            f": no value shows whether the day or the month comes first (dd{sep}mm or "
            f"mm{sep}dd), so day-first was assumed; check a few dates"
        )
    chosen = proves_day if reading.day_first else proves_month
    other = proves_month if reading.day_first else proves_day
    which = "day" if reading.day_first else "month"
    example = values[int(np.argmax(chosen))].as_py()
    if other.any():
        counter = values[int(np.argmax(other))].as_py()
        return (
            f": most values put the {which} first (e.g. {example!r}), but some do not "
            f"(e.g. {counter!r})"
        )
    return f": {example!r} shows the {which} comes first"
