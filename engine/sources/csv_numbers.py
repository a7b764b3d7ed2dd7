"""Turn text columns of numbers in a regional spelling (``1.234,56``, ``1 234,56``) into numbers.

Used by the CSV reader when the file's numbers are not written the default way. A column is
converted only when every non-empty value is a number in the detected spelling (or, failing
that, in the default ``1234.5`` spelling); otherwise it stays text, so codes, dates such as
``31.01.2024`` and identifiers are never mangled. A column where some value has a leading zero
(``01234``, ``0612345000``; not ``0`` or ``0,5``) stays text too: it holds codes, and a number
would lose the zeros. The work is done by Arrow compute kernels, so a million-row column takes
a few tens of milliseconds.

:func:`convert_units` turns amounts written with a currency sign (``$1,000.50``, ``12,5 €``)
or a percent sign (``12%``) into numbers, when every value of the column is written so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.sources.sniff import CsvFormat, number_pattern, thousands_class

if TYPE_CHECKING:
    from engine.jobs import Job


CURRENCIES = "$€£"
_UNIT_HEAD = 200  # values looked at before a column is checked in full
_LEADING_ZERO = r"^[+-]?0\d"


def convert_numbers(
    frame: pd.DataFrame, fmt: CsvFormat, job: Job, only: Sequence[int] | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Convert the text columns that hold only numbers; return the frame and column notes.

    ``only`` limits the work to these column positions. A column of numbers with leading
    zeros stays text, with a note saying why.
    """
    out = frame.copy(deep=False)
    notes: dict[str, str] = {}
    positions = range(frame.shape[1]) if only is None else only
    total = max(len(positions), 1)
    for done, position in enumerate(positions):
        name = frame.columns[position]
        job.step(done / total, f"Reading numbers in {name}")
        column = frame.iloc[:, position]
        if not (pd.api.types.is_string_dtype(column.dtype)):
            continue
        text = pc.utf8_trim_whitespace(_as_arrow_text(column))
        present = pc.fill_null(pc.not_equal(text, ""), False)
        if pc.sum(present).as_py() in (None, 0):
            continue
        for decimal, thousands in ((fmt.decimal, fmt.thousands), (".", None)):
            if not _all_match(text, present, number_pattern(decimal, thousands)):
                continue
            zeros = pc.filter(text, pc.match_substring_regex(text, _LEADING_ZERO))
            if len(zeros):
                notes[str(name)] = (
                    f"kept as text: values such as {zeros[0].as_py()!r} start with 0, so they "
                    "are codes (postcodes, phone or article numbers), not amounts"
                )
                break
            values = _parse(text, present, decimal, thousands)
            if values is not None:
                out.isetitem(position, pd.Series(values, index=frame.index, name=name))
                if (decimal, thousands) != (fmt.decimal, fmt.thousands):
                    notes[str(name)] = (
                        "numbers written with '.' as the decimal mark, unlike the rest of the file"
                    )
                break
    job.step(1.0, "Numbers read")
    return out, notes


def _as_arrow_text(column: pd.Series) -> pa.Array:
    array = pa.array(column, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def _all_match(text: pa.Array, present: pa.Array, pattern: str) -> bool:
    """True when every present value matches ``pattern``."""
    matches = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    return bool(pc.all(pc.or_(matches, pc.invert(present))).as_py())


def _parse(text: pa.Array, present: pa.Array, decimal: str, thousands: str | None) -> object:
    """The values (all known to match the number pattern) as a numpy array."""
    cleaned = pc.if_else(present, text, pa.scalar(None, text.type))
    if thousands is not None:
        cleaned = pc.replace_substring_regex(cleaned, thousands_class(thousands), "")
    cleaned = pc.replace_substring_regex(cleaned, r"^\+", "")
    if decimal != ".":
        cleaned = pc.replace_substring(cleaned, decimal, ".")
    integral = not pc.any(pc.match_substring_regex(cleaned, r"[.eE]")).as_py()
    if integral and cleaned.null_count == 0:
        try:
            return pc.cast(cleaned, pa.int64()).to_numpy()
        except pa.ArrowInvalid:  # beyond the int64 range: keep them as floats
            pass
    return pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False)


def convert_units(
    frame: pd.DataFrame, fmt: CsvFormat, job: Job
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Convert text columns of amounts (``$1,000.50``, ``12,5 €``) or percentages (``12%``).

    Only when every present value has the same sign (one currency, or %) and a number in
    the file's spelling. Percentages stay in percent units: ``12%`` becomes 12.0.
    """
    out = frame.copy(deep=False)
    notes: dict[str, str] = {}
    # The file's spelling first; the other one for files whose only numbers carry a sign
    # (their spelling could not be detected: "1.234,50 €" does not vote).
    other = "," if fmt.decimal == "." else "."
    spellings = [(fmt.decimal, fmt.thousands or other), (other, fmt.decimal)]
    total = max(frame.shape[1], 1)
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if not pd.api.types.is_string_dtype(column.dtype):
            continue
        head = column.iloc[:_UNIT_HEAD]
        sign = _unit_sign(head)
        if sign is None:
            continue
        job.step(position / total, f"Reading amounts in {name}")
        text = pc.utf8_trim_whitespace(_as_arrow_text(column))
        present = pc.fill_null(pc.not_equal(text, ""), False)
        values = _unit_values(text, present, sign, spellings)
        if values is None:
            continue
        out.isetitem(position, pd.Series(values, index=frame.index, name=name))
        if sign == "%":
            note = "percentages: the % sign was removed and the values kept in percent units"
            nonzero = np.flatnonzero(~np.isnan(values) & (values != 0))
            if len(nonzero):  # an example that shows the unit: '12%' is 12, not 0.12
                shown = values[nonzero[0]]
                example = str(column.iloc[nonzero[0]]).strip()
                note += f" ({example!r} is read as {shown:g}, not {shown / 100:g})"
            notes[str(name)] = note
        else:
            notes[str(name)] = f"amounts in {sign}: the currency sign was removed"
    job.step(1.0, "Amounts read")
    return out, notes


def _unit_values(
    text: pa.Array, present: pa.Array, sign: str, spellings: list[tuple[str, str]]
) -> np.ndarray | None:
    """The numbers, if every present value is one with ``sign`` in one of the spellings."""
    symbol = re.escape(sign)
    cleaned = pc.replace_substring_regex(text, r"[\s$€£%]", "")
    for decimal, thousands in spellings:
        body = number_pattern(decimal, thousands)[1:-1]  # without the anchors
        if sign == "%":
            pattern = rf"^{body}\s*%$"
        else:
            pattern = rf"^(?:[+-]?\s*{symbol}\s*{body}|{body}\s*{symbol})$"
        if _all_match(text, present, pattern) and _all_match(
            cleaned, present, number_pattern(decimal, thousands)
        ):
            values = _parse(cleaned, present, decimal, thousands)
            return np.asarray(values, dtype="float64")
    return None


def _unit_sign(head: pd.Series) -> str | None:
    """The currency sign or % every value of ``head`` carries, or None."""
    values = [value.strip() for value in head.dropna() if isinstance(value, str)]
    values = [value for value in values if value]
    if not values:
        return None
    first = values[0]
    if first.endswith("%"):
        sign = "%"
    elif first[-1] in CURRENCIES:
        sign = first[-1]
    else:
        sign = next((char for char in first[:3] if char in CURRENCIES), None)
        if sign is None:
            return None
    return sign if all(sign in value for value in values) else None
