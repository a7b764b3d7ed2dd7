"""The profile of a table: per-column statistics and plain-words warnings.

Pure data (no pandas objects) so it can be shown by the CLI and the window, written as
JSON and stored in the project file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.profile.schema import ColumnKind, Schema


@dataclass(frozen=True)
class ProfileWarning:
    """A finding the user should see, e.g. code ``id_like`` on column ``customer_id``.

    ``column`` is ``None`` for table-wide warnings (e.g. duplicate rows).
    """

    code: str  # constant, mostly_missing, id_like, many_categories, personal_data,
    # infinite_values, ... (constants in engine.profile.findings)
    message: str  # one plain sentence: what it is and what it means for modelling
    column: str | None = None


@dataclass(frozen=True)
class Histogram:
    """Bin edges (len = bins + 1) and counts for numeric or datetime columns.

    Datetime edges are ISO strings so the value survives JSON.
    """

    edges: list[float | str]
    counts: list[int]


@dataclass(frozen=True)
class ColumnProfile:
    """Statistics of one column.

    Numeric fields are ``None`` where they do not apply, or when the value does not fit a
    float (the standard deviation of -1.7e308 and 1.7e308): the profile is strict JSON.
    """

    name: str
    kind: ColumnKind
    count: int  # non-missing values
    missing: int
    distinct: int
    minimum: float | str | None = None  # str for datetimes (ISO)
    maximum: float | str | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float | str] = field(default_factory=dict)  # "p05","p25","p50",...
    top_values: list[tuple[str, int]] = field(default_factory=list)
    histogram: Histogram | None = None
    warnings: list[ProfileWarning] = field(default_factory=list)

    @property
    def missing_share(self) -> float:
        total = self.count + self.missing
        return self.missing / total if total else 0.0


@dataclass(frozen=True)
class TableProfile:
    """The profile of a whole table, with the schema it was computed under."""

    rows: int
    schema: Schema
    columns: list[ColumnProfile]
    warnings: list[ProfileWarning] = field(default_factory=list)  # table-wide
    seconds: float = 0.0

    def column(self, name: str) -> ColumnProfile:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def all_warnings(self) -> list[ProfileWarning]:
        found = list(self.warnings)
        for column in self.columns:
            found.extend(column.warnings)
        return found

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema"] = self.schema.to_dict()
        for column in data["columns"]:
            column["kind"] = str(column["kind"])
            column["top_values"] = [list(pair) for pair in column["top_values"]]
        return data
