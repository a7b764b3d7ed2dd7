"""Turn text columns of numbers in a regional spelling (``1.234,56``, ``1 234,56``) into numbers.

Used by the CSV reader when the file's numbers are not written the default way. A column is
converted only when every non-empty value is a number in the detected spelling (or, failing
that, in the default ``1234.5`` spelling); otherwise it stays text, so codes, dates such as
``31.01.2024`` and identifiers are never mangled. The work is done by Arrow compute kernels,
so a million-row column takes a few tens of milliseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.sources.sniff import CsvFormat, number_pattern, thousands_class

if TYPE_CHECKING:
    from engine.jobs import Job


def convert_numbers(
    frame: pd.DataFrame, fmt: CsvFormat, job: Job
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Convert the text columns that hold only numbers; return the frame and column notes."""
    out = frame.copy(deep=False)
    notes: dict[str, str] = {}
    total = max(frame.shape[1], 1)
    for position, name in enumerate(frame.columns):
        job.step(position / total, f"Reading numbers in {name}")
        column = frame.iloc[:, position]
        if not (pd.api.types.is_string_dtype(column.dtype)):
            continue
        text = pc.utf8_trim_whitespace(_as_arrow_text(column))
        present = pc.fill_null(pc.not_equal(text, ""), False)
        if pc.sum(present).as_py() in (None, 0):
            continue
        for decimal, thousands in ((fmt.decimal, fmt.thousands), (".", None)):
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


def _parse(text: pa.Array, present: pa.Array, decimal: str, thousands: str | None) -> object:
    """The values as a numpy array, or None if any present value is not such a number."""
    pattern = number_pattern(decimal, thousands)
    matches = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    if not pc.all(pc.or_(matches, pc.invert(present))).as_py():
        return None
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
