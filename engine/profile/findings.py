"""Warnings in plain words: what we noticed in the data and what it means for the user.

(Named ``findings`` rather than ``warnings`` so it is never mistaken for Python's own
``warnings`` module.) Each rule is a small function of statistics already computed, so the
rules are easy to read, test and change. Codes are stable (the window and scripts key on
them); messages are for people.

Table-wide checks (duplicate rows, a column that repeats another) work from per-column
factorize codes: :class:`DuplicateTracker` folds each column's codes into one 64-bit hash per
row and one digest per column, so neither the rows nor the columns are ever compared pairwise.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.profile.personal_data import PersonalData
from engine.profile.result import ProfileWarning
from engine.profile.schema import ColumnKind, ColumnRole

MOSTLY_MISSING_SHARE = 0.5
MANY_CATEGORIES = 100
HUGE_CARDINALITY = 100_000
ID_LIKE_SHARE = 0.95
ID_LIKE_MIN_COUNT = 20
SKEWNESS_LIMIT = 2.0
SKEW_MIN_DISTINCT = 10

CONSTANT = "constant"
MOSTLY_MISSING = "mostly_missing"
SOME_MISSING = "some_missing"
ID_LIKE = "id_like"
MANY_CATEGORIES_CODE = "many_categories"
PERSONAL_DATA = "personal_data"
SKEWED = "skewed"
DUPLICATE_ROWS = "duplicate_rows"
DUPLICATE_COLUMN = "duplicate_column"


def format_number(value: float | int | None) -> str:
    """A number as a person writes it: 12,345 or 0.0123 or 1.23e+09."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1e9 or abs(value) < 1e-3:
        return f"{value:.3g}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


@dataclass(frozen=True)
class ColumnFacts:
    """What the column rules need to know about one column."""

    name: str
    kind: ColumnKind
    role: ColumnRole
    count: int
    missing: int
    distinct: int
    top_value: str | None = None
    skewness: float | None = None
    median: float | None = None
    maximum: float | None = None
    minimum: float | None = None
    personal: PersonalData | None = None


def column_findings(facts: ColumnFacts) -> list[ProfileWarning]:
    """Every warning that applies to one column, most important first."""
    found: list[ProfileWarning] = []
    name = facts.name

    def add(code: str, message: str) -> None:
        found.append(ProfileWarning(code, message, name))

    total = facts.count + facts.missing
    if facts.personal is not None:
        add(PERSONAL_DATA, personal_message(facts.personal, facts.role))
    if total and facts.count == 0:
        add(MOSTLY_MISSING, "Every value is missing: the column is left out of modelling.")
        return found
    share = facts.missing / total if total else 0.0
    if share > MOSTLY_MISSING_SHARE:
        add(MOSTLY_MISSING, f"{share:.0%} of the values are missing. The column carries little "
            "information: consider leaving it out, or keep it only if being blank means "
            "something (e.g. 'never ordered').")
    elif facts.missing:
        add(SOME_MISSING, f"{facts.missing:,} values ({share:.1%}) are missing. They will be "
            "filled in before modelling; check that a blank does not mean something special.")
    if facts.distinct == 1:
        shown = "" if facts.personal or facts.top_value is None else f" ({facts.top_value[:30]})"
        if facts.missing:
            add(CONSTANT, f"Has a single value{shown} wherever it is filled in: only whether "
                "it is filled in can matter to a model.")
        else:
            add(CONSTANT, f"Has the same value{shown} in every row: there is nothing to learn "
                "from it, so it is left out of modelling.")
    id_like = facts.kind is ColumnKind.IDENTIFIER or (
        facts.kind is ColumnKind.CATEGORICAL
        and facts.count >= ID_LIKE_MIN_COUNT
        and facts.distinct >= ID_LIKE_SHARE * facts.count
    )
    if id_like:
        every = "Every value" if facts.distinct == facts.count else \
            f"Almost every value ({facts.distinct / facts.count:.0%})"
        add(ID_LIKE, f"{every} is different, like an ID or a code: it cannot help predict new "
            "rows (a model would only memorise it), so it is left out of modelling.")
    if facts.kind is ColumnKind.CATEGORICAL and facts.distinct > MANY_CATEGORIES and not id_like:
        add(MANY_CATEGORIES_CODE, f"{facts.distinct:,} different values: too many categories "
            "to use one by one. Rare values will be grouped together; grouping them yourself "
            "into fewer meaningful categories usually works better.")
    elif facts.kind is ColumnKind.TEXT and facts.distinct >= HUGE_CARDINALITY:
        add(MANY_CATEGORIES_CODE, f"{facts.distinct:,} different values: far too many to "
            "treat as categories. It can only be used as free text, or left out.")
    skew = facts.skewness
    if (facts.kind is ColumnKind.NUMERIC and skew is not None
            and abs(skew) > SKEWNESS_LIMIT and facts.distinct >= SKEW_MIN_DISTINCT):
        side = "most values are small and a few are very large" if skew > 0 else \
            "most values are large and a few are very small"
        add(SKEWED, f"Highly skewed: {side} (median {format_number(facts.median)}, "
            f"range {format_number(facts.minimum)} to {format_number(facts.maximum)}). Linear "
            "models may do better on its logarithm; tree-based models do not mind.")
    return found


def personal_message(found: PersonalData, role: ColumnRole) -> str:
    """The personal-data warning, adjusted to whether the user kept the column in."""
    seen = f"The column's name suggests {found.what}" if found.by_name else \
        f"Looks like {found.what}"
    if role is ColumnRole.IGNORED:
        return f"{seen}: personal data. It is excluded from modelling by default; keep it out " \
            "of files you share."
    return f"{seen}: personal data. You chose to use it for modelling: make sure that is " \
        "allowed, and keep it out of files you share."


def duplicate_rows_finding(rows: int, duplicated: int) -> ProfileWarning | None:
    """Table-wide warning for rows that repeat an earlier row exactly."""
    if not duplicated:
        return None
    return ProfileWarning(
        DUPLICATE_ROWS,
        f"{duplicated:,} rows ({duplicated / rows:.1%}) are exact copies of an earlier row. "
        "If they are not real repeats (e.g. an export run twice), remove them: copies make a "
        "model look better in evaluation than it will be.",
    )


def duplicate_column_finding(name: str, other: str, same_values: bool) -> ProfileWarning:
    """Warning on ``name`` for repeating column ``other``."""
    if same_values:
        what = f"Has exactly the same values as column '{other}'"
    else:
        what = f"Carries the same information as column '{other}' (each value of one goes " \
            "with exactly one value of the other)"
    return ProfileWarning(DUPLICATE_COLUMN, f"{what}: one of the two is enough; keep the "
                          "clearer one.", name)


class DuplicateTracker:
    """Accumulates per-column factorize codes to find duplicate rows and repeated columns."""

    _PRIME = np.uint64(1_099_511_628_211)

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self._row_hash = np.zeros(rows, dtype=np.uint64)
        self._digests: dict[bytes, str] = {}

    def add(self, name: str, codes: np.ndarray, track_column: bool) -> str | None:
        """Fold in a column; return the name of an earlier column with the same partition."""
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        hashed = pd.util.hash_array(codes)
        with np.errstate(over="ignore"):
            self._row_hash = (self._row_hash * self._PRIME) ^ hashed
        if not track_column:
            return None
        digest = hashlib.blake2b(codes.tobytes(), digest_size=16).digest()
        earlier = self._digests.get(digest)
        if earlier is None:
            self._digests[digest] = name
        return earlier

    def duplicated_rows(self) -> int:
        """Rows equal to an earlier row (a 64-bit hash per row: a false match is ~1e-8)."""
        if self.rows == 0:
            return 0
        return int(pd.Series(self._row_hash).duplicated().sum())


def same_values(first: pd.Series, second: pd.Series) -> bool:
    """True when two columns hold the same values row by row (1 and 1.0 count as the same)."""
    a, b = first.reset_index(drop=True), second.reset_index(drop=True)
    if a.equals(b):
        return True
    try:
        return bool(np.array_equal(
            a.to_numpy(dtype="float64", na_value=np.nan),
            b.to_numpy(dtype="float64", na_value=np.nan),
            equal_nan=True,
        ))
    except (TypeError, ValueError):
        pass
    return bool(a.astype(object).equals(b.astype(object)))
