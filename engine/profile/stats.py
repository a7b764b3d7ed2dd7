"""Profile a table: per-column statistics, histograms and plain-words warnings.

One pass per column, vectorised: ``pd.factorize`` gives missing, distinct and top values
(and the codes that the duplicate checks fold in); numpy gives moments, quantiles and
histograms. Each step on a 1M-row column takes well under a second, and the job is checked
between steps, so cancelling takes effect quickly.

Everything stored in the result is plain Python (floats, ints, ISO strings), so
``json.dumps(profile.to_dict())`` works.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from engine.errors import InputError
from engine.jobs import CancelToken, Job, ProgressCallback
from engine.profile.findings import (
    ColumnFacts,
    DuplicateTracker,
    column_findings,
    duplicate_column_finding,
    duplicate_rows_finding,
    same_values,
)
from engine.profile.infer import dtype_family, infer_column, sample_strings, whole_numbers
from engine.profile.personal_data import PersonalData, detect_personal_data
from engine.profile.result import ColumnProfile, Histogram, TableProfile
from engine.profile.schema import ColumnKind, ColumnSchema, Schema

QUANTILES = {"p01": 0.01, "p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95,
             "p99": 0.99}
TOP_VALUES = 10
HISTOGRAM_BINS = 20
_LISTED_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.TEXT,
                 ColumnKind.IDENTIFIER)
# Values of these are secrets in themselves: their top values are not copied into the profile.
_SECRET_PATTERNS = {"email", "phone", "us_ssn", "uk_nino", "fr_insee", "iban", "credit_card"}


def profile_table(
    frame: pd.DataFrame,
    schema: Schema | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> TableProfile:
    """Statistics, histograms and warnings for every column of ``frame``.

    ``schema`` gives the kinds to profile under (columns it does not cover are inferred);
    a column it names that the table lacks is an :class:`InputError`. Reports progress per
    column and raises :class:`engine.jobs.Cancelled` when ``cancel`` is set.
    """
    started = time.perf_counter()
    job = Job(progress, cancel)
    job.step(0.0, "Profiling the table", force=True)
    positions: dict[str, int] = {}
    for position, name in enumerate(frame.columns):
        positions.setdefault(str(name), position)
    schema = _complete_schema(frame, schema, positions, job.sub(0.0, 0.1))

    rows = len(frame)
    tracker = DuplicateTracker(rows)
    profiles: list[ColumnProfile] = []
    total = len(schema.columns)
    work = job.sub(0.1, 0.97)
    for index, column in enumerate(schema.columns):
        work.step(index / max(total, 1), f"Profiling {column.name} ({index + 1} of {total})")
        series = frame.iloc[:, positions[column.name]]
        profile, codes = _profile_column(series, column, work)
        earlier = tracker.add(column.name, codes, 1 < profile.distinct < profile.count)
        if earlier is not None:
            same = same_values(series, frame.iloc[:, positions[earlier]])
            profile.warnings.append(duplicate_column_finding(column.name, earlier, same))
        profiles.append(profile)
    job.step(0.98, "Looking for duplicate rows")
    table_warnings = []
    duplicated = duplicate_rows_finding(rows, tracker.duplicated_rows()) if total else None
    if duplicated is not None:
        table_warnings.append(duplicated)
    job.done("Profile ready")
    return TableProfile(rows, schema, profiles, table_warnings,
                        round(time.perf_counter() - started, 3))


def _complete_schema(
    frame: pd.DataFrame, schema: Schema | None, positions: dict[str, int], job: Job
) -> Schema:
    """The given schema, with columns it lacks inferred, in the table's column order."""
    known = {column.name: column for column in schema.columns} if schema else {}
    absent = [name for name in known if name not in positions]
    if absent:
        raise InputError(
            f"The table has no column named {', '.join(repr(name) for name in absent)}.",
            "Check the column names, or profile again without the saved schema.",
        )
    columns = []
    for index, (name, position) in enumerate(positions.items()):
        job.step(index / max(len(positions), 1), f"Working out the kind of {name}")
        column = known.get(name)
        columns.append(column or infer_column(name, frame.iloc[:, position]))
    return Schema(tuple(columns))


def _factorize(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts): compare their text
        codes, uniques = pd.factorize(series.map(str, na_action="ignore"), use_na_sentinel=True)
    return np.asarray(codes), pd.Index(uniques)


def _profile_column(
    series: pd.Series, column: ColumnSchema, job: Job
) -> tuple[ColumnProfile, np.ndarray]:
    codes, uniques = _factorize(series)
    missing = int(np.count_nonzero(codes < 0))
    count = len(series) - missing
    distinct = len(uniques)
    job.check()
    kind = column.kind
    family = dtype_family(series.dtype)
    fields: dict = {}
    skewness = None
    if family in ("numeric", "timedelta") and kind is not ColumnKind.BOOLEAN:
        if family == "timedelta":
            values = series.dt.total_seconds().to_numpy(dtype="float64", na_value=np.nan)
        else:
            values = series.to_numpy(dtype="float64", na_value=np.nan)
        # Statistics of the finite numbers: one infinity would make every moment infinite.
        fields, skewness = numeric_stats(values[np.isfinite(values)])
    elif family == "boolean" or kind is ColumnKind.BOOLEAN:
        fields = _boolean_stats(series, count)
    elif family == "datetime":
        fields = datetime_stats(series)
    job.check()

    personal = None
    if kind not in (ColumnKind.NUMERIC, ColumnKind.BOOLEAN) and count:
        sample = None if family == "datetime" else sample_strings(series)
        personal = detect_personal_data(column.name, sample)
    # Top values for listed kinds, and for text the user called numeric or dates by hand
    # (its numbers cannot be computed, but its values can still be shown).
    listed = kind in _LISTED_KINDS or family in ("string", "categorical")
    if listed and not _is_secret(personal):
        fields["top_values"] = top_values(codes, uniques)
    facts = ColumnFacts(
        name=column.name, kind=kind, role=column.role, count=count, missing=missing,
        distinct=distinct, top_value=_label(uniques[0]) if distinct else None,
        skewness=skewness, median=_float(fields.get("quantiles", {}).get("p50")),
        minimum=_float(fields.get("minimum")), maximum=_float(fields.get("maximum")),
        personal=personal,
    )
    profile = ColumnProfile(
        name=column.name, kind=kind, count=count, missing=missing, distinct=distinct,
        warnings=column_findings(facts), **fields,
    )
    return profile, codes


def _is_secret(personal: PersonalData | None) -> bool:
    return personal is not None and not personal.by_name and personal.code in _SECRET_PATTERNS


def _float(value: object) -> float | None:
    return value if isinstance(value, float) else None


def _label(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def top_values(codes: np.ndarray, uniques: pd.Index, limit: int = TOP_VALUES) -> list:
    """The ``limit`` most frequent values with their counts (ties: first seen first)."""
    if not len(uniques):
        return []
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    if len(counts) > limit:
        # Partial selection first: a full sort of a million counts would cost more.
        candidates = np.argpartition(-counts, limit - 1)[:limit]
        threshold = counts[candidates].min()
        candidates = np.flatnonzero(counts >= threshold)
    else:
        candidates = np.arange(len(counts))
    order = candidates[np.lexsort((candidates, -counts[candidates]))][:limit]
    return [(_label(uniques[i]), int(counts[i])) for i in order]


def numeric_stats(values: np.ndarray) -> tuple[dict, float | None]:
    """Range, moments, quantiles and histogram of non-missing numbers; and the skewness."""
    if len(values) == 0:
        return {}, None
    minimum, maximum = float(values.min()), float(values.max())
    mean = float(values.mean())
    centred = values - mean
    squared = centred * centred  # products and dot: ``centred**3`` would cost 10x more
    variance = float(squared.sum()) / len(values)
    std = math.sqrt(variance * len(values) / (len(values) - 1)) if len(values) > 1 else 0.0
    third = float(np.dot(squared, centred)) / len(values)
    skewness = third / variance**1.5 if variance > 0 else 0.0
    cuts = np.quantile(values, list(QUANTILES.values()))
    quantiles = {key: float(cut) for key, cut in zip(QUANTILES, cuts, strict=True)}
    integer = whole_numbers(values)
    histogram = numeric_histogram(values, quantiles, minimum, maximum, integer)
    fields = {"minimum": minimum, "maximum": maximum, "mean": mean, "std": std,
              "quantiles": quantiles, "histogram": histogram}
    return fields, skewness


def histogram_edges(
    minimum: float, maximum: float, low: float, high: float, integer: bool,
    bins: int = HISTOGRAM_BINS,
) -> np.ndarray:
    """About ``bins`` equal bins over the robust range ``low..high``.

    When ``low..high`` (the 1st to 99th percentile) is much narrower than the full range,
    the outer bins are stretched to the minimum and maximum: outliers are counted, but
    they do not squash every other value into one bar. Small whole-number ranges get one
    bin per value.
    """
    if integer and maximum - minimum < bins:
        return np.arange(minimum - 0.5, maximum + 1.0)
    if not (maximum - minimum > 2 * (high - low) and high > low):
        low, high = minimum, maximum
    edges = np.linspace(low, high, bins + 1)
    edges[0], edges[-1] = minimum, maximum
    return edges


def count_into(values: np.ndarray, edges: np.ndarray) -> list[int]:
    """Counts per bin: ``[edge_i, edge_i+1)``, the last bin closed; every value counted."""
    index = np.searchsorted(edges[1:-1], values, side="right")
    return [int(c) for c in np.bincount(index, minlength=len(edges) - 1)]


def numeric_histogram(
    values: np.ndarray, quantiles: dict[str, float], minimum: float, maximum: float,
    integer: bool,
) -> Histogram:
    if minimum == maximum:
        return Histogram([minimum, maximum], [len(values)])
    edges = histogram_edges(minimum, maximum, quantiles["p01"], quantiles["p99"], integer)
    return Histogram([float(edge) for edge in edges], count_into(values, edges))


_TRUE_SPELLINGS = {"true", "yes", "y", "t", "oui", "ja", "si", "1"}


def _boolean_stats(series: pd.Series, count: int) -> dict:
    """The share of true values, as ``mean``."""
    if not count:
        return {}
    present = series.dropna()
    if dtype_family(series.dtype) in ("boolean", "numeric"):
        flags = present.astype(bool).to_numpy()
    else:  # yes/no spelled as text
        flags = present.astype(str).str.strip().str.lower().isin(_TRUE_SPELLINGS).to_numpy()
    return {"mean": float(flags.mean())}


def datetime_stats(series: pd.Series) -> dict:
    """Range, quantiles and a histogram by time, as ISO strings (UTC for zoned times)."""
    if isinstance(series.dtype, pd.ArrowDtype) or not ptypes.is_datetime64_any_dtype(
        series.dtype
    ):
        # pyarrow timestamps and dates (e.g. from Parquet): to numpy datetimes, zones to UTC.
        series = pd.to_datetime(pd.Series(series.array.astype(object)), utc=True)
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    array = series.to_numpy()
    unit = np.datetime_data(array.dtype)[0]
    raw = array.view("int64")
    raw = raw[raw != np.iinfo(np.int64).min]
    if len(raw) == 0:
        return {}
    per_day = int(np.timedelta64(1, "D") / np.timedelta64(1, unit))
    dates_only = bool(np.all(raw % per_day == 0))

    def iso(value: float) -> str:
        stamp = pd.Timestamp(np.datetime64(round(value), unit))
        return stamp.date().isoformat() if dates_only else stamp.isoformat()

    minimum, maximum = int(raw.min()), int(raw.max())
    cuts = np.quantile(raw, list(QUANTILES.values()), method="nearest")
    quantiles = {key: iso(cut) for key, cut in zip(QUANTILES, cuts, strict=True)}
    if minimum == maximum:
        histogram = Histogram([iso(minimum), iso(maximum)], [len(raw)])
    else:
        edges = histogram_edges(minimum, maximum, float(cuts[0]), float(cuts[-1]), False)
        if dates_only:  # whole days, so the edges read as plain dates
            edges = np.unique(np.round(edges / per_day) * per_day)
            edges[0], edges[-1] = minimum, maximum
        histogram = Histogram([iso(edge) for edge in edges], count_into(raw, edges))
    return {"minimum": iso(minimum), "maximum": iso(maximum), "quantiles": quantiles,
            "histogram": histogram}
