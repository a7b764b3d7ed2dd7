"""The date spellings Gristmill recognises, and which one a sample of text uses.

Spellings recognised (each with an optional time ``HH:MM``, ``HH:MM:SS``, ``HH:MM:SS.fff``,
after a space or a ``T``, with optional AM/PM):

- ISO ``yyyy-mm-dd``, also with a time zone (``Z``, ``+02:00``, ``+0200``);
- ``yyyy/mm/dd`` and ``yyyy.mm.dd``;
- ``dd/mm/yyyy`` or ``mm/dd/yyyy``, and the same with ``.`` or ``-`` between the parts, with a
  four- or two-digit year (two-digit years 00-68 are 20xx, 69-99 are 19xx, as in C's strptime).

Each spelling is a :class:`DateFamily` (a regular expression with named parts). This module
only looks at samples: :func:`detect_family` picks the family a column uses and
:func:`strptime_formats` the exact layout, when there is one. Reading a whole column strictly
is in :mod:`engine.sources.date_reading`; the rules and the notes the user sees are in
:mod:`engine.sources.dates`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SAMPLE_SHARE = 0.9
"""Share of sampled values that must look like dates before the whole column is parsed."""

_TIME = (
    r"(?:(?P<ts>T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?:(?P<ps>\s*)(?P<p>[AaPp][Mm]))?)?"
)
_ZONE = r"(?:\s*(?:(?P<zz>[Zz])|(?P<zs>[+-])(?P<zh>\d{2}):?(?P<zm>\d{2})?))?"


@dataclass(frozen=True)
class DateFamily:
    """One spelling: its separator, its pattern, and whether the year comes first.

    The pattern names the parts ``Y`` (year), ``a`` and ``b`` (month and day when the year
    comes first; day and month in either order when it comes last), and the optional time
    and zone parts.
    """

    sep: str
    pattern: str
    year_first: bool


def _year_first(sep: str, zone: str = "") -> DateFamily:
    s = re.escape(sep)
    pattern = rf"^(?P<Y>\d{{4}}){s}(?P<a>\d{{1,2}}){s}(?P<b>\d{{1,2}}){_TIME}{zone}$"
    return DateFamily(sep, pattern, year_first=True)


def _year_last(sep: str) -> DateFamily:
    s = re.escape(sep)
    pattern = rf"^(?P<a>\d{{1,2}}){s}(?P<b>\d{{1,2}}){s}(?P<Y>\d{{4}}|\d{{2}}){_TIME}$"
    return DateFamily(sep, pattern, year_first=False)


FAMILIES = (
    _year_first("-", _ZONE),
    _year_first("/"),
    _year_first("."),
    _year_last("/"),
    _year_last("."),
    _year_last("-"),
)
COMPILED = {family: re.compile(family.pattern) for family in FAMILIES}
ISO_FAMILY = FAMILIES[0]
"""``yyyy-mm-dd`` with optional time and zone: the one Arrow's own ISO parser may read."""


def detect_family(sample: list[str]) -> DateFamily | None:
    """The spelling most of ``sample`` uses, or None when the sample does not look like dates."""
    if not sample:
        return None
    best, best_count = None, 0
    for family, regex in COMPILED.items():
        count = sum(1 for value in sample if regex.match(value))
        if count > best_count:
            best, best_count = family, count
    if best is None or best_count < SAMPLE_SHARE * len(sample):
        return None
    return best


def strptime_formats(family: DateFamily, sample: list[str]) -> tuple[str, str] | None:
    """strptime formats (day-first, month-first) when every sampled value has one layout."""
    regex = COMPILED[family]
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
