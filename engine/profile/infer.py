"""Give every column a kind and a role, with the reason in plain words.

The rules aim at real business tables (CRM exports, spreadsheets, database tables):

- booleans and dates are recognised from their dtype (the loaders already turned
  ``yes/no`` and date spellings into proper types), or from two-valued yes/no text;
- numbers with decimals are numeric; whole numbers are numeric too, except 0/1 columns
  (true/false), a handful of distinct values (categories), and all-different values with an
  ID-like name or counting 1, 2, 3... (identifiers);
- text is categorical when values repeat, an identifier when nearly every value is a
  different short code, and free text when values are long and wordy, or nearly all
  different without looking like codes;
- identifiers, constant columns, empty columns and likely personal data get the role
  "ignored", with the reason.

Exact distinct counts use pandas' hash tables (fast on pyarrow-backed strings); length and
word checks look at a sample of :data:`SAMPLE_SIZE` values, so a column of a million
distinct strings costs a fraction of a second.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as ptypes

from engine.jobs import Job
from engine.profile.findings import mostly_distinct, plural
from engine.profile.personal_data import detect_personal_data
from engine.profile.schema import ColumnKind, ColumnRole, ColumnSchema, Schema

SAMPLE_SIZE = 2_000
"""Values looked at for length, word and pattern checks."""

MAX_INTEGER_CATEGORIES = 5
"""Whole numbers with at most this many distinct values are treated as categories."""

MAX_CODED_CATEGORIES = 50
"""...or up to this many when the column's name says it holds codes (``region_code``)."""

MAX_TEXT_CATEGORIES = 50
"""Text with at most this many distinct values is categorical whatever the row count."""

IDENTIFIER_SHARE = 0.95
"""Text where at least this share of the values differ (and is short) is an identifier."""

MIN_IDENTIFIER_ROWS = 20
"""Below this many values, uniqueness alone does not make an identifier (small tables)."""

TEXT_WORDS = 4
"""Median word count from which text counts as free text..."""

TEXT_LENGTH = 40
"""...or median length in characters."""

_BOOLEAN_PAIRS = [
    {"true", "false"},
    {"yes", "no"},
    {"y", "n"},
    {"t", "f"},
    {"oui", "non"},
    {"ja", "nein"},
    {"si", "no"},
]
_ID_TOKENS = {"id", "uuid", "guid", "key", "pk", "ref", "reference", "code", "number", "no"}
_CODE_TOKENS = {"code", "type", "class", "category", "cat", "group", "segment", "region",
                "status", "level", "grade", "zone", "tier", "band", "kind", "flag"}


def name_tokens(name: object) -> list[str]:
    """Lower-case words of a column name: ``CustomerID`` -> ``["customer", "id"]``."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    return [token for token in re.split(r"[^a-z0-9]+", text.lower()) if token]


def looks_like_id_name(name: object) -> bool:
    """``id``, ``customer_id``, ``CustomerID``, ``id_client``, ``customerid``..."""
    tokens = name_tokens(name)
    compact = "".join(tokens)
    return bool(_ID_TOKENS.intersection(tokens)) or compact.endswith("id") or compact == "uuid"


def dtype_family(dtype: object) -> str:
    """numeric, boolean, datetime, timedelta, categorical or string, from a dtype or its name."""
    text = str(dtype).lower()
    if text.startswith("bool"):
        return "boolean"
    if "datetime" in text or "timestamp" in text or text.startswith("date"):
        return "datetime"
    if "timedelta" in text or "duration" in text:
        return "timedelta"
    if re.match(r"u?int|float|double|decimal", text):
        return "numeric"
    if text == "category":
        return "categorical"
    return "string"


def sample_positions(length: int, size: int = SAMPLE_SIZE) -> np.ndarray:
    """Evenly spread row positions (deterministic, so a profile is repeatable)."""
    if length <= size:
        return np.arange(length)
    return np.linspace(0, length - 1, size).astype(np.int64)


def whole_numbers(values: np.ndarray) -> bool:
    """True when every (non-missing, finite) number is whole: 3.0 yes, 3.5 no."""
    return bool(np.array_equal(values, np.floor(values)))


def sample_strings(series: pd.Series, size: int = SAMPLE_SIZE) -> list[str]:
    """Up to ``size`` non-missing values of ``series`` as strings, spread over the column."""
    picked = series.iloc[sample_positions(len(series), size * 2)].dropna()
    if len(picked) < size // 4 and len(picked) < series.notna().sum():
        # Mostly missing column: the evenly spread rows missed the values; look at them all.
        picked = series.dropna()
        picked = picked.iloc[sample_positions(len(picked), size)]
    return [str(value) for value in picked.iloc[:size].tolist()]


def infer_schema(
    frame: pd.DataFrame, previous: Schema | None = None, job: Job | None = None
) -> Schema:
    """Give every column of ``frame`` a kind and a role, with the reason in plain words.

    Columns the user set by hand in ``previous`` (``overridden=True``) keep that choice when
    the column still exists with a compatible type; otherwise they are inferred again and
    the reason says why the earlier choice was dropped. ``job`` (optional) gets a step per
    column, so a wide table of millions of rows stays cancellable.
    """
    kept = {c.name: c for c in previous.columns if c.overridden} if previous else {}
    columns = []
    total = max(frame.shape[1], 1)
    for position, name in enumerate(frame.columns):
        if job is not None:
            job.step(position / total, f"Working out the kind of {name}")
        series = frame.iloc[:, position]
        dtype = str(series.dtype)
        earlier = kept.get(str(name))
        if earlier is not None and _compatible(earlier, dtype):
            columns.append(replace(earlier, dtype=dtype))
            continue
        column = infer_column(str(name), series)
        if earlier is not None:
            column = replace(
                column,
                reason=f"{column.reason} (your earlier choice was dropped: the column's type "
                f"changed from {earlier.dtype} to {dtype})",
            )
        columns.append(column)
    return Schema(tuple(columns))


def _compatible(earlier: ColumnSchema, dtype: str) -> bool:
    if not earlier.dtype:
        return True
    before, now = dtype_family(earlier.dtype), dtype_family(dtype)
    text_like = {"string", "categorical"}
    return before == now or (before in text_like and now in text_like)


def infer_column(name: str, series: pd.Series) -> ColumnSchema:
    """Kind, role and reason for one column."""
    dtype = str(series.dtype)
    kind, reason = _kind(name, series)
    role = ColumnRole.FEATURE
    count = int(series.notna().sum())
    if count == 0:
        return ColumnSchema(name, kind, ColumnRole.IGNORED, "every value is missing", dtype)
    if kind is ColumnKind.IDENTIFIER:
        role = ColumnRole.IGNORED
        reason += "; left out of modelling (an ID tells nothing about new rows)"
    if kind not in (ColumnKind.NUMERIC, ColumnKind.BOOLEAN):
        # Numbers are judged by neither name nor value: "phone_calls" counts calls.
        sample = sample_strings(series) if kind is not ColumnKind.DATETIME else None
        found = detect_personal_data(name, sample)
        if found is not None:
            role = ColumnRole.IGNORED
            return ColumnSchema(
                name, kind, role,
                f"looks like {found.what}: personal data, left out of modelling", dtype,
            )
    if role is ColumnRole.FEATURE and _is_constant(series, count):
        role = ColumnRole.IGNORED
        reason = "the same value in every row: nothing to learn from"
    return ColumnSchema(name, kind, role, reason, dtype)


def _is_constant(series: pd.Series, count: int) -> bool:
    """One value and no missing (a value plus missing still says "filled in or not")."""
    if count != len(series):
        return False
    probe = series.iloc[sample_positions(len(series))]
    try:
        # The sample settles most columns; only a column constant in the sample is counted.
        return probe.nunique() <= 1 and series.nunique() <= 1
    except TypeError:  # unhashable cells (lists, dicts): compare their text
        return series.map(str).nunique() <= 1


def _kind(name: str, series: pd.Series) -> tuple[ColumnKind, str]:
    if ptypes.is_bool_dtype(series.dtype):
        return ColumnKind.BOOLEAN, "true/false values"
    if ptypes.is_datetime64_any_dtype(series.dtype) or dtype_family(series.dtype) == "datetime":
        return ColumnKind.DATETIME, _datetime_reason(series)
    if ptypes.is_timedelta64_dtype(series.dtype):
        return ColumnKind.NUMERIC, "durations (profiled in seconds)"
    if ptypes.is_numeric_dtype(series.dtype):
        return _numeric_kind(name, series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        distinct = int(series.nunique())
        return ColumnKind.CATEGORICAL, f"stored as categories " \
            f"({plural(distinct, 'distinct value')})"
    return _text_kind(name, series)


def _datetime_reason(series: pd.Series) -> str:
    probe = pd.Series(series.iloc[sample_positions(len(series))].dropna())
    try:
        with_time = bool((probe.dt.normalize() != probe).any())
    except (AttributeError, TypeError):  # pyarrow dates have no time part
        with_time = False
    return "dates and times" if with_time else "dates"


def _numeric_values(series: pd.Series) -> np.ndarray:
    """The non-missing finite numbers; whole-number dtypes keep their exact integers.

    Integers above 2**53 would collide as float64 (2**60 and 2**60 + 1 are the same float),
    so distinct counts and the 1, 2, 3... test use the integers themselves.
    """
    if ptypes.is_integer_dtype(series.dtype):
        present = series.dropna()
        unsigned = str(present.dtype).lower().startswith("uint")
        return present.to_numpy(dtype="uint64" if unsigned else "int64")
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    return values[np.isfinite(values)]  # infinities say nothing about the kind


def _numeric_kind(name: str, series: pd.Series) -> tuple[ColumnKind, str]:
    values = _numeric_values(series)
    if len(values) == 0:
        return ColumnKind.NUMERIC, "numbers"
    if values.dtype.kind == "f":
        # Cheap test on a sample first: most float columns have decimals in the first values.
        probe = values[sample_positions(len(values))]
        if not whole_numbers(probe) or not whole_numbers(values):
            return ColumnKind.NUMERIC, "numbers with decimals"
        if max(abs(float(values.min())), abs(float(values.max()))) >= 2.0**53:
            # Beyond 2**53 every float is whole: they are not counts or codes.
            return ColumnKind.NUMERIC, "very large numbers"
    uniques = pd.unique(values)
    distinct = int(uniques.size)
    tokens = set(name_tokens(name))
    if distinct == len(values) and len(values) >= 2:
        if looks_like_id_name(name):
            return ColumnKind.IDENTIFIER, "every value is a different whole number and the " \
                "name says ID: identifier"
        # Python numbers: the span of int64 extremes does not fit an int64.
        span = float(values.max()) - float(values.min()) if values.dtype.kind == "f" else \
            int(values.max()) - int(values.min())
        if len(values) >= MIN_IDENTIFIER_ROWS and span == len(values) - 1:
            return ColumnKind.IDENTIFIER, "every value is different and they count up " \
                "1, 2, 3...: a row number (identifier)"
    if distinct == 2 and set(uniques.tolist()) == {0, 1}:
        return ColumnKind.BOOLEAN, "only 0 and 1: treated as true/false values"
    limit = MAX_CODED_CATEGORIES if tokens & _CODE_TOKENS else MAX_INTEGER_CATEGORIES
    if 1 < distinct <= limit and distinct < len(values):
        why = "the name says codes" if limit == MAX_CODED_CATEGORIES else "few values"
        return ColumnKind.CATEGORICAL, f"whole numbers with {distinct} distinct values " \
            f"({why}): treated as categories"
    return ColumnKind.NUMERIC, f"whole numbers ({plural(distinct, 'distinct value')})"


def _text_kind(name: str, series: pd.Series) -> tuple[ColumnKind, str]:
    count = int(series.notna().sum())
    if count == 0:
        return ColumnKind.CATEGORICAL, "no values to judge from"
    try:
        distinct = int(series.nunique())
    except TypeError:  # unhashable objects (lists, dicts): show them as text
        return ColumnKind.TEXT, "values that are not plain text or numbers"
    sample = sample_strings(series)
    if distinct == 2:
        spellings = {str(value).strip().lower() for value in series.dropna().unique()}
        if len(spellings) == 2 and any(spellings == pair for pair in _BOOLEAN_PAIRS):
            shown = "/".join(sorted(spellings, reverse=True))
            return ColumnKind.BOOLEAN, f"{shown} values: treated as true/false"
    lengths, words = _length_and_words(sample)
    share = distinct / count
    single_token = words <= 1
    if single_token and lengths <= TEXT_LENGTH and share >= IDENTIFIER_SHARE and (
        count >= MIN_IDENTIFIER_ROWS or (distinct == count and looks_like_id_name(name))
    ):
        every = "every value is different" if distinct == count else \
            f"{share:.0%} of the values are different"
        return ColumnKind.IDENTIFIER, f"{every} and looks like a code ({sample[0][:20]}): " \
            "identifier"
    wordy = words >= TEXT_WORDS or lengths >= TEXT_LENGTH
    if wordy and distinct > MAX_TEXT_CATEGORIES and share > 0.5:
        return ColumnKind.TEXT, f"free text: long values with many words (about {words:.0f} " \
            "words each)"
    if distinct > MAX_TEXT_CATEGORIES and mostly_distinct(count, distinct):
        # Nearly all different but not an ID (several words, or long): as categories each
        # would be seen once, so it is text; the profile warns about its many values.
        return ColumnKind.TEXT, f"{share:.0%} of the values are different, with spaces or " \
            "too long for a code: treated as free text"
    return ColumnKind.CATEGORICAL, f"text with {plural(distinct, 'distinct value')}: " \
        "treated as categories"


def _length_and_words(sample: list[str]) -> tuple[float, float]:
    """Median length in characters and median word count of the sampled values."""
    array = pa.array(sample, type=pa.large_string())
    lengths = pc.utf8_length(pc.utf8_trim_whitespace(array)).to_numpy(zero_copy_only=False)
    words = pc.list_value_length(pc.utf8_split_whitespace(pc.utf8_trim_whitespace(array)))
    return float(np.median(lengths)), float(np.median(words.to_numpy(zero_copy_only=False)))
