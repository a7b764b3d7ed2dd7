"""Checking a recipe step's parameters, with messages that say which step and what to fix."""

from __future__ import annotations

from typing import Any

from engine.errors import InputError
from engine.recipe.spec import RECIPE_VERSION, Recipe, RecipeStep

# Every step kind and the parameters it accepts (with their defaults).
STEP_PARAMS: dict[str, dict[str, Any]] = {
    "impute": {"strategy": "median", "fill_value": None, "add_indicator": False},
    "scale": {},
    "one_hot": {"min_frequency": 10, "max_categories": 50},
    "ordinal": {},
    "target_encode": {"smooth": "auto", "cv": 5},
    "log1p": {},
    "clip": {"lower": 0.01, "upper": 0.99},
    "bin": {"n_bins": 5, "strategy": "quantile"},
    "date_parts": {"parts": None, "reference": None},
    "ratio": {"name": None},
    "difference": {"name": None},
    "interactions": {},
    "variance_threshold": {"threshold": 0.0},
    "select_k_best": {"k": 10},
    "drop": {},
}


def step_label(index: int, step: RecipeStep) -> str:
    """How messages name a step: "Step 3 (impute)" (numbered from 1)."""
    return f"Step {index + 1} ({step.kind})"


def check_recipe(recipe: Recipe) -> None:
    """Reject a recipe written in another format version or naming unknown step kinds."""
    if recipe.version != RECIPE_VERSION:
        raise InputError(
            f"This recipe is in format version {recipe.version}; this Gristmill reads "
            f"version {RECIPE_VERSION}.",
            f'Set "version": {RECIPE_VERSION} after checking the steps, or rebuild the recipe.',
        )
    for index, step in enumerate(recipe.steps):
        if step.kind not in STEP_PARAMS:
            raise InputError(
                f"{step_label(index, step)} is not a step Gristmill knows.",
                f"Use one of: {', '.join(STEP_PARAMS)}.",
            )


def step_params(index: int, step: RecipeStep) -> dict[str, Any]:
    """The step's parameters with defaults filled in; unknown names are rejected."""
    allowed = STEP_PARAMS[step.kind]
    unknown = sorted(set(step.params) - set(allowed))
    if unknown:
        accepted = ", ".join(allowed) if allowed else "none"
        raise InputError(
            f"{step_label(index, step)} has unknown setting(s) {', '.join(unknown)}.",
            f"Settings this step accepts: {accepted}.",
        )
    return {**allowed, **step.params}


def need_choice(index: int, step: RecipeStep, name: str, value: Any, choices: tuple) -> str:
    """``value`` if it is one of ``choices``, else a clear error."""
    if value not in choices:
        raise InputError(
            f"{step_label(index, step)}: {name} {value!r} is not available.",
            f"Choose one of: {', '.join(map(str, choices))}.",
        )
    return str(value)


def need_number(
    index: int,
    step: RecipeStep,
    name: str,
    value: Any,
    *,
    low: float,
    high: float | None = None,
    integer: bool = False,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` if it is a number in the range, else a clear error."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and integer and not float(value).is_integer():
        ok = False
    if ok:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        kind = "a whole number" if integer else "a number"
        left = ">" if low_open else "at least"
        bound = f"{left} {low}"
        if high is not None:
            bound += f" and {'below' if high_open else 'at most'} {high}"
        raise InputError(
            f"{step_label(index, step)}: {name} is {value!r}.",
            f"Give {kind} {bound}.",
        )
    return int(value) if integer else float(value)
