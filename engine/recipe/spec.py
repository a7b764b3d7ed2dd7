"""The recipe as data: versioned JSON, the format users may save, edit and pass to the CLI.

A recipe is an ordered list of steps. Each step names its kind (:data:`STEP_KINDS`), the input
columns it applies to, and its parameters. Compilation (:mod:`.compile`) turns it into one
scikit-learn transformer; validation errors say which step is wrong and how to fix it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

RECIPE_VERSION = 1


@dataclass(frozen=True)
class RecipeStep:
    """One step: ``kind`` (e.g. ``"impute"``), the ``columns`` it reads, its ``params``."""

    kind: str
    columns: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "columns": list(self.columns), "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecipeStep:
        return cls(
            kind=str(data["kind"]),
            columns=tuple(data.get("columns", ())),
            params=dict(data.get("params", {})),
        )


@dataclass(frozen=True)
class Recipe:
    """An ordered list of steps with the format version it was written in."""

    steps: tuple[RecipeStep, ...] = ()
    version: int = RECIPE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "steps": [step.to_dict() for step in self.steps]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        return cls(
            steps=tuple(RecipeStep.from_dict(item) for item in data.get("steps", ())),
            version=int(data.get("version", RECIPE_VERSION)),
        )

    @classmethod
    def from_json(cls, text: str) -> Recipe:
        return cls.from_dict(json.loads(text))
