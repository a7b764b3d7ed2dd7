"""Profile a table: per-column statistics, histograms and plain-words warnings.

One pass per column, vectorised: ``pd.factorize`` gives missing, distinct and top values
(and the codes that the duplicate checks fold in); :mod:`engine.profile.distributions` gives
moments, quantiles and histograms. Each step on a 1M-row column takes well under a second,
and the job is checked between steps, so cancelling takes effect quickly.

Everything stored in the result is plain Python (finite floats or ``None``, ints, ISO
strings), so ``json.dumps(profile.to_dict(), allow_nan=False)`` works. Infinite numbers are
left out of the statistics and counted in a warning.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.jobs import CancelToken, Job, ProgressCallback
from engine.profile.distributions import datetime_stats, numeric_stats
from engine.profile.findings import (
    ColumnFacts,
    DuplicateTracker,
    column_findings,
    duplicate_column_finding,
    duplicate_rows_finding,
    same_values,
)
from engine.profile.infer import dtype_family, infer_column, sample_strings
from engine.profile.personal_data import PersonalData, detect_personal_data
from engine.profile.result import ColumnProfile, TableProfile
from engine.profile.schema import ColumnKind, ColumnSchema, Schema

TOP_VALUES = 10
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
    infinite = (0, 0)
    if family in ("numeric", "timedelta") and kind is not ColumnKind.BOOLEAN:
        if family == "timedelta":
            values = series.dt.total_seconds().to_numpy(dtype="float64", na_value=np.nan)
        else:
            values = series.to_numpy(dtype="float64", na_value=np.nan)
        # Statistics of the finite numbers: one infinity would make every moment infinite.
        # The infinities are counted, and a warning says they were left out.
        finite = np.isfinite(values)
        if not finite.all():
            infinite = (int(np.count_nonzero(values == np.inf)),
                        int(np.count_nonzero(values == -np.inf)))
            values = values[finite]
        fields, skewness = numeric_stats(values)
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
        personal=personal, infinite=infinite,
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
    # 3.0 reads "3"; but 1.7e308 stays short (as an integer it has 309 digits).
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
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
