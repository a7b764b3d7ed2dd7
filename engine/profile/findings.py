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
INFINITE_VALUES = "infinite_values"

LEFT_OUT = "left out of modelling"
"""The words a warning uses when, and only when, the column's role is "ignored"."""


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 row``, ``2 rows``, ``1,000 rows``: the count and the noun in the right number."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


def _is_are(count: int) -> str:
    return "is" if count == 1 else "are"


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
    infinite: tuple[int, int] = (0, 0)  # how many values are +inf and -inf


def column_findings(facts: ColumnFacts) -> list[ProfileWarning]:
    """Every warning that applies to one column, most important first.

    A warning says the column is "left out of modelling" exactly when its role is
    "ignored"; when the user chose to keep such a column, the warning says so instead.
    """
    found: list[ProfileWarning] = []
    name = facts.name
    ignored = facts.role is ColumnRole.IGNORED

    def add(code: str, message: str) -> None:
        found.append(ProfileWarning(code, message, name))

    total = facts.count + facts.missing
    if facts.personal is not None:
        add(PERSONAL_DATA, personal_message(facts.personal, facts.role))
    if total and facts.count == 0:
        add(MOSTLY_MISSING, "Every value is missing: " + (
            f"the column is {LEFT_OUT}." if ignored else
            "there is nothing to learn from it. You chose to use it anyway."))
        return found
    share = facts.missing / total if total else 0.0
    if share > MOSTLY_MISSING_SHARE:
        add(MOSTLY_MISSING, f"{share:.0%} of the values are missing. The column carries little "
            "information: consider leaving it out, or keep it only if being blank means "
            "something (e.g. 'never ordered').")
    elif facts.missing:
        add(SOME_MISSING, f"{plural(facts.missing, 'value')} ({share:.1%}) "
            f"{_is_are(facts.missing)} missing. They will be filled in before modelling; check "
            "that a blank does not mean something special.")
    infinite = infinite_message(*facts.infinite)
    if infinite:
        add(INFINITE_VALUES, infinite)
    if facts.distinct == 1:
        shown = "" if facts.personal or facts.top_value is None else f" ({facts.top_value[:30]})"
        if facts.missing:
            add(CONSTANT, f"Has a single value{shown} wherever it is filled in: only whether "
                "it is filled in can matter to a model.")
        else:
            add(CONSTANT, f"Has the same value{shown} in every row: there is nothing to learn "
                "from it, " + (f"so it is {LEFT_OUT}." if ignored else
                               "yet you chose to use it for modelling."))
    if facts.kind is ColumnKind.IDENTIFIER:
        every = "Every value" if facts.distinct == facts.count else \
            f"Almost every value ({facts.distinct / max(facts.count, 1):.0%})"
        add(ID_LIKE, f"{every} is different, like an ID or a code: it cannot help predict new "
            "rows (a model would only memorise it), " + (
                f"so it is {LEFT_OUT}." if ignored else
                "yet you chose to use it for modelling."))
    many = _many_categories_message(facts)
    if many:
        add(MANY_CATEGORIES_CODE, many)
    skew = facts.skewness
    if (facts.kind is ColumnKind.NUMERIC and skew is not None
            and abs(skew) > SKEWNESS_LIMIT and facts.distinct >= SKEW_MIN_DISTINCT):
        side = "most values are small and a few are very large" if skew > 0 else \
            "most values are large and a few are very small"
        add(SKEWED, f"Highly skewed: {side} (median {format_number(facts.median)}, "
            f"range {format_number(facts.minimum)} to {format_number(facts.maximum)}). Linear "
            "models may do better on its logarithm; tree-based models do not mind.")
    return found


def mostly_distinct(count: int, distinct: int) -> bool:
    """Nearly every value differs, in enough values for that to mean something."""
    return count >= ID_LIKE_MIN_COUNT and distinct >= ID_LIKE_SHARE * count


def _many_categories_message(facts: ColumnFacts) -> str | None:
    """Too many different values for categories (text that is not an ID)."""
    distinct, count = facts.distinct, facts.count
    if facts.kind is ColumnKind.CATEGORICAL and mostly_distinct(count, distinct):
        return f"{plural(distinct, 'different value')} in {plural(count, 'value')}: almost " \
            "every value is different, so as categories each would be seen about once and " \
            "teach a model nothing. Group them into fewer meaningful categories, or leave " \
            "the column out."
    if facts.kind is ColumnKind.CATEGORICAL and distinct > MANY_CATEGORIES:
        return f"{distinct:,} different values: too many categories to use one by one. Rare " \
            "values will be grouped together; grouping them yourself into fewer meaningful " \
            "categories usually works better."
    if facts.kind is ColumnKind.TEXT and (
        distinct >= HUGE_CARDINALITY or mostly_distinct(count, distinct)
    ):
        return f"{distinct:,} different values: far too many to treat as categories. It can " \
            "only be used as free text, or left out."
    return None


def infinite_message(positive: int, negative: int) -> str | None:
    """The warning for infinite numbers (e.g. from a division by zero), or ``None``."""
    total = positive + negative
    if not total:
        return None
    parts = [f"{positive:,} +inf"] if positive else []
    parts += [f"{negative:,} -inf"] if negative else []
    them = "it is" if total == 1 else "they are"
    return f"{plural(total, 'value')} {_is_are(total)} infinite ({', '.join(parts)}): " \
        f"{them} left out of the statistics (minimum, maximum, mean...). Infinity usually " \
        "comes from a division by zero; replace it with a number or a blank before modelling."


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
    one = duplicated == 1
    return ProfileWarning(
        DUPLICATE_ROWS,
        f"{plural(duplicated, 'row')} ({duplicated / rows:.1%}) "
        f"{'is an exact copy' if one else 'are exact copies'} of an earlier row. "
        f"If {'it is not a real repeat' if one else 'they are not real repeats'} (e.g. an "
        "export run twice), remove " + ("it" if one else "them") + ": copies make a model "
        "look better in evaluation than it will be.",
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
