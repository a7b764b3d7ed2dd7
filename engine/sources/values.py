"""Turn text columns that hold yes/no values or dates into real booleans and dates.

Readers of formats whose cells are text (CSV, Excel text cells, JSON) call
:func:`normalize_columns` after reading. Only text columns (``object`` or ``str`` dtype
holding strings) are looked at; numeric columns are never touched, so an integer column of
0 and 1 stays numeric and the schema step decides its kind.

Booleans. Recognised spellings, case and surrounding spaces ignored: yes/no, y/n, true/false,
t/f, 1/0, oui/non, ja/nein, si/no. A column becomes the nullable ``boolean`` dtype when every
non-missing value is one of these. Both a "true" and a "false" spelling must appear, except
for the unmistakable words yes, no, true and false. Decision on text "1"/"0": a column that
arrives as *text* holding only "1" and "0" (JSON strings, Excel text cells) becomes boolean,
because the source wrote them as labels, not amounts; CSV readers hand numeric-looking
columns over as numbers, which stay numbers. Unlike dates, one foreign value ("maybe") keeps
the column as text: a third answer is information, not noise.

Dates: see :mod:`engine.sources.dates` for the spellings and the rules (day-first or
month-first from the data, 95% of values must parse, notes that say what was decided).

Cells that are empty or spelled like a missing value ("", "NA", "N/A", "null", "none", "-",
"?", "#N/A", "NaN", "NaT") count as missing, not as failures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.sources.date_formats import DateFamily
from engine.sources.dates import detect_family, parse_dates

if TYPE_CHECKING:
    from engine.jobs import Job

SAMPLE_SIZE = 2000
FIRST_LOOK_SIZE = 200  # enough to rule out ordinary text; candidates get the full sample

TRUE_WORDS = ("yes", "true", "oui", "ja", "si", "sí")
FALSE_WORDS = ("no", "false", "non", "nein")
TRUE_SPELLINGS = frozenset((*TRUE_WORDS, "y", "t", "1"))
FALSE_SPELLINGS = frozenset((*FALSE_WORDS, "n", "f", "0"))
_ALONE_OK = frozenset(("yes", "no", "true", "false"))

MISSING_SPELLINGS = frozenset(
    ("", "na", "n/a", "null", "none", "-", "--", "?", "#n/a", "nan", "nat")
)
_MISSING_CASES = pa.array(
    sorted({v for m in MISSING_SPELLINGS for v in (m, m.upper(), m.capitalize(), m.title())})
)


def normalize_columns(
    frame: pd.DataFrame, job: Job | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Convert text columns that hold booleans or dates; return the frame and per-column notes.

    The input frame is not modified. Notes are keyed by column name and say, in plain words,
    what was recognised and what became missing ("dates written dd/mm/yyyy: '31/01/2024'
    shows the day comes first"). Columns that are left alone get no note, except text that
    looks like dates but has too many exceptions to convert.
    """
    out = frame.copy(deep=False)
    notes: dict[str, str] = {}
    total = max(frame.shape[1], 1)
    for position, name in enumerate(frame.columns):
        if job is not None:
            job.step(position / total, f"Recognising dates and yes/no values in {name}")
        column = frame.iloc[:, position]
        converted, note = normalize_column(column)
        if converted is not None:
            out.isetitem(position, converted)
        if note:
            notes[str(name)] = note
    if job is not None:
        job.step(1.0, "Dates and yes/no values recognised")
    return out, notes


def normalize_column(column: pd.Series) -> tuple[pd.Series | None, str | None]:
    """One column: ``(converted or None, note or None)``."""
    # A small sample first: most text columns (names, categories, IDs) are ruled out by it,
    # which keeps loading a wide table close to the bare parser's speed.
    first_look = _quick_sample(column, FIRST_LOOK_SIZE)
    if first_look is None or _candidates(first_look) == (False, None):
        return None, None
    sample = _quick_sample(column)
    if sample is None:
        return None, None
    maybe_boolean, family = _candidates(sample)
    if not maybe_boolean and family is None:
        return None, None  # most text columns stop here, after looking at the sample only
    text = _as_text(column)
    if text is None:
        return None, None
    text = pc.utf8_trim_whitespace(text)
    text = pc.if_else(pc.is_in(text, value_set=_MISSING_CASES), pa.scalar(None, text.type), text)
    if text.null_count == len(text):
        return None, None
    if maybe_boolean:
        converted = _booleans(text, column.index)
        if converted is not None:
            return converted
        family = detect_family(_sample(text))
        if family is None:
            return None, None
    result = parse_dates(text, family, sample, column.index)
    if result.values is not None:
        result.values.name = column.name
    return result.values, result.note


def _candidates(sample: list[str]) -> tuple[bool, DateFamily | None]:
    """Judging by ``sample``: could the column be yes/no values, and else which dates?"""
    if {value.lower() for value in sample} <= TRUE_SPELLINGS | FALSE_SPELLINGS:
        return True, None
    return False, detect_family(sample)


def _quick_sample(column: pd.Series, wanted: int = SAMPLE_SIZE) -> list[str] | None:
    """Trimmed, non-missing values spread over the column; None if it is not a text column."""
    if not (isinstance(column.dtype, pd.StringDtype) or pd.api.types.is_object_dtype(column)):
        return None
    size = len(column)
    if size == 0:
        return None
    positions = np.unique(np.linspace(0, size - 1, min(size, wanted)).astype(np.int64))
    picked = column.iloc[positions].dropna().tolist()
    if len(picked) < min(wanted // 20, size) and len(picked) < len(positions):
        present = column.dropna()  # a sparse column: sample among the values that exist
        positions = np.unique(np.linspace(0, len(present) - 1, wanted).astype(np.int64))
        picked = present.iloc[positions].tolist() if len(present) else []
    if not all(isinstance(value, str) for value in picked):
        return None
    sample = [value.strip() for value in picked]
    sample = [value for value in sample if value.lower() not in MISSING_SPELLINGS]
    return sample or None


def _as_text(column: pd.Series) -> pa.Array | None:
    """The column as an Arrow string array, or None if it is not a column of strings."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        array = pa.array(column, from_pandas=True)
    elif pd.api.types.is_object_dtype(dtype):
        try:
            array = pa.array(column, from_pandas=True, type=pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a non-string further down
            return None
    else:
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    return array


def _sample(text: pa.Array) -> list[str]:
    """About SAMPLE_SIZE non-missing values spread evenly over the column."""
    present = text.drop_null()
    if len(present) <= SAMPLE_SIZE:
        return present.to_pylist()
    positions = np.linspace(0, len(present) - 1, SAMPLE_SIZE).astype(np.int64)
    return present.take(pa.array(positions)).to_pylist()


def _booleans(text: pa.Array, index: pd.Index) -> tuple[pd.Series, str] | None:
    """Yes/no values, if every distinct value is a boolean spelling (see module docstring)."""
    distinct = pc.unique(text).drop_null().to_pylist()
    lowered = {value.lower() for value in distinct}
    if not lowered <= TRUE_SPELLINGS | FALSE_SPELLINGS:
        return None
    has_true, has_false = bool(lowered & TRUE_SPELLINGS), bool(lowered & FALSE_SPELLINGS)
    if not (has_true and has_false) and not lowered <= _ALONE_OK:
        return None
    lower = pc.utf8_lower(text)
    is_true = pc.is_in(lower, value_set=pa.array(sorted(TRUE_SPELLINGS)))
    is_missing = text.is_null().to_numpy(zero_copy_only=False)
    values = pd.arrays.BooleanArray(
        pc.fill_null(is_true, False).to_numpy(zero_copy_only=False), is_missing
    )
    true_seen = sorted(v for v in distinct if v.lower() in TRUE_SPELLINGS)
    false_seen = sorted(v for v in distinct if v.lower() in FALSE_SPELLINGS)
    parts = []
    if true_seen:
        parts.append(" / ".join(repr(v) for v in true_seen[:4]) + " = yes")
    if false_seen:
        parts.append(" / ".join(repr(v) for v in false_seen[:4]) + " = no")
    return pd.Series(values, index=index), "yes/no values: " + ", ".join(parts)
