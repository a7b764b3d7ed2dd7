"""Column kinds and roles: the schema a user confirms before modelling.

Every automatic choice carries a ``reason`` in plain words; the user may override any
choice, and an override is recorded as such so it survives re-profiling.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any


class ColumnKind(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    IDENTIFIER = "identifier"


class ColumnRole(StrEnum):
    FEATURE = "feature"
    TARGET = "target"
    IGNORED = "ignored"


@dataclass(frozen=True)
class ColumnSchema:
    """One column's kind and role, with why they were chosen."""

    name: str
    kind: ColumnKind
    role: ColumnRole = ColumnRole.FEATURE
    reason: str = ""
    dtype: str = ""  # the pandas dtype after loading, for display and fingerprints
    overridden: bool = False  # True when the user chose kind or role by hand

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["role"] = self.role.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnSchema:
        return cls(
            name=data["name"],
            kind=ColumnKind(data["kind"]),
            role=ColumnRole(data.get("role", ColumnRole.FEATURE)),
            reason=data.get("reason", ""),
            dtype=data.get("dtype", ""),
            overridden=bool(data.get("overridden", False)),
        )


@dataclass(frozen=True)
class Schema:
    """The kinds and roles of a table's columns, in column order."""

    columns: tuple[ColumnSchema, ...] = field(default_factory=tuple)

    def __getitem__(self, name: str) -> ColumnSchema:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def override(
        self,
        name: str,
        *,
        kind: ColumnKind | str | None = None,
        role: ColumnRole | str | None = None,
    ) -> Schema:
        """A copy with the user's choice of kind and/or role for column ``name``."""
        from engine.errors import InputError

        if name not in self.names:
            raise InputError(
                f"There is no column named {name!r}.",
                f"Columns are: {', '.join(self.names)}.",
            )
        updated = []
        for column in self.columns:
            if column.name == name:
                changes: dict[str, Any] = {"overridden": True}
                if kind is not None:
                    changes["kind"] = ColumnKind(kind)
                    changes["reason"] = "chosen by you"
                if role is not None:
                    changes["role"] = ColumnRole(role)
                column = replace(column, **changes)
            updated.append(column)
        return Schema(tuple(updated))

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [column.to_dict() for column in self.columns]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        return cls(tuple(ColumnSchema.from_dict(item) for item in data["columns"]))
