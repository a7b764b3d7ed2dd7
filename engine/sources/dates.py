"""Turn a column of date text into dates, and say in plain words how it was read.

This module holds the rules and the note the user sees. The spellings recognised, and how a
sample picks one (:func:`detect_family`), are in :mod:`engine.sources.date_formats`; the
strict, fast reading of a whole column is in :mod:`engine.sources.date_reading`.

Rules, in the order they apply:

1. A sample of about 2,000 values decides whether the column looks like dates at all (90% of
   the sampled values must have one spelling); other columns cost only that look.
2. The whole column is then read with pyarrow and numpy (how: :mod:`engine.sources.date_reading`).
   This is strict: 31/04/2024 or 25:00 is not a date. Nothing goes through the slow per-value
   ``dateutil`` path. A column with few distinct values is parsed once per distinct value.
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

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.sources.date_formats import SAMPLE_SHARE, DateFamily, detect_family
from engine.sources.date_reading import NAT, Reading, read_values

__all__ = ["PARSE_SHARE", "SAMPLE_SHARE", "DateParse", "detect_family", "parse_dates"]

PARSE_SHARE = 0.95
"""Share of non-missing values that must be dates for a column to be converted."""


@dataclass
class DateParse:
    """The outcome for one column: values (None when it is not a date column) and a note."""

    values: pd.Series | None
    note: str | None


def parse_dates(
    text: pa.Array, family: DateFamily, sample: list[str], index: pd.Index
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
    reading = read_values(values, family, sample, weights)

    ok = reading.micros != NAT
    parsed = int(weights[ok].sum())
    if parsed < PARSE_SHARE * present:
        share = parsed / present
        if share < 0.5:
            return DateParse(None, None)
        note = f"looks like dates, but only {share:.0%} of the cells are; kept as text"
        return DateParse(None, note)
    micros = reading.micros
    if codes is not None:
        micros = np.where(codes >= 0, micros[np.maximum(codes, 0)], NAT)
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


def _spelling(family: DateFamily, reading: Reading) -> str:
    sep = family.sep
    if family.year_first:
        text = f"yyyy{sep}mm{sep}dd"
    else:
        year = "yy" if reading.two_digit_year else "yyyy"
        first, second = ("dd", "mm") if reading.day_first else ("mm", "dd")
        text = f"{first}{sep}{second}{sep}{year}"
    return text + (" with times" if reading.has_time else "")


def _order_note(values: pa.Array, family: DateFamily, reading: Reading) -> str:
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
