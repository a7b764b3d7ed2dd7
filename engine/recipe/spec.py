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

# The step kinds a recipe may use (their parameters: engine.recipe.params.STEP_PARAMS).
STEP_KINDS = (
    "impute",
    "scale",
    "one_hot",
    "ordinal",
    "target_encode",
    "log1p",
    "clip",
    "bin",
    "date_parts",
    "ratio",
    "difference",
    "interactions",
    "variance_threshold",
    "select_k_best",
    "drop",
)


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
        """Read a recipe; InputError (what is wrong, what to do) if it is malformed."""
        check_recipe_data(data)
        return cls(
            steps=tuple(RecipeStep.from_dict(item) for item in data.get("steps", ())),
            version=int(data.get("version", RECIPE_VERSION)),
        )

    @classmethod
    def from_json(cls, text: str) -> Recipe:
        """Read a recipe from JSON text; InputError if it is not a valid recipe."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            from engine.errors import InputError

            raise InputError(
                f"The recipe is not valid JSON (line {error.lineno}, column {error.colno}: "
                f"{error.msg}).",
                "Fix the file in a text editor, or save the recipe again from Gristmill.",
            ) from None
        return cls.from_dict(data)


def check_recipe_data(data: Any) -> None:
    """Check the JSON form of a recipe before reading it; raise InputError saying what to fix."""
    from engine.errors import InputError

    if not isinstance(data, dict):
        raise InputError(
            "A recipe must be a JSON object with a version and a list of steps.",
            'Start from {"version": 1, "steps": []}.',
        )
    version = data.get("version", RECIPE_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version != RECIPE_VERSION:
        raise InputError(
            f"This recipe has format version {version!r}; this Gristmill reads version "
            f"{RECIPE_VERSION}.",
            f'Set "version": {RECIPE_VERSION} if the steps follow this format, or save the '
            "recipe again from Gristmill.",
        )
    steps = data.get("steps", [])
    if not isinstance(steps, list):
        raise InputError('The recipe\'s "steps" must be a list.', "Put the steps in [ ... ].")
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or not isinstance(step.get("kind"), str):
            raise InputError(
                f"Step {number} of the recipe has no kind.",
                'Write each step as {"kind": "impute", "columns": [...], "params": {...}}.',
            )
        if step["kind"] not in STEP_KINDS:
            # Refused here, when the recipe is read, not later when each candidate model
            # compiles it (then every candidate failed and the run ended with the baseline).
            raise InputError(
                f"Step {number} of the recipe has the unknown kind {step['kind']!r}.",
                f"The kinds that exist: {', '.join(STEP_KINDS)}.",
            )
        columns = step.get("columns", [])
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise InputError(
                f"Step {number} ({step['kind']}): columns must be a list of column names.",
                'Write them as "columns": ["age", "monthly income"].',
            )
        if not isinstance(step.get("params", {}), dict):
            raise InputError(
                f"Step {number} ({step['kind']}): params must be an object.",
                'Write them as "params": {"strategy": "median"}.',
            )
