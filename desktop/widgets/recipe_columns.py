"""Words and column lists for the recipe editor (no widgets here).

The step kinds come from the engine (:data:`engine.recipe.spec.STEP_KINDS`, every one of them
exportable to ONNX); this module only adds their names in plain words, and works out which
columns a step may name at its place in the recipe: the model inputs, plus the features that
earlier steps derive (date parts, ratios, differences, products), filtered by what the step
reads (numbers, categories, dates). The engine still checks everything when it compiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

InputList = Sequence[tuple[str, str]]  # (name, kind) with kind "numeric", "categorical", "date"

STEP_WORDS: dict[str, tuple[str, str]] = {
    "impute": ("Fill in missing values", "Replace empty cells by the median, the average, the "
               "most common value or a fixed value; optionally flag where a value was missing."),
    "scale": ("Put on a common scale", "Shift and stretch numbers to mean 0 and standard "
              "deviation 1; linear models, SVMs and nearest neighbours need it, trees do not."),
    "one_hot": ("One column per category", "Turn each category into its own yes/no column; "
                "rare and new categories count as 'other'."),
    "ordinal": ("Number the categories", "Give each category a number (new ones get -1); "
                "suits tree models."),
    "target_encode": ("Average target per category", "Replace each category by the average "
                      "target of its rows (cross-fitted, so a row never sees its own target); "
                      "for yes/no and numeric targets."),
    "log1p": ("Compress large values", "Apply a logarithm so a few very large values weigh "
              "less (the sign is kept)."),
    "clip": ("Cap extreme values", "Cap numbers at two percentiles seen in training."),
    "bin": ("Group into ranges", "Replace a number by the range it falls in."),
    "date_parts": ("Split dates into parts", "Replace a date by its year, month, day, day of "
                   "week, day of year or days since a reference date."),
    "ratio": ("Add a ratio", "Add a column: one number divided by another."),
    "difference": ("Add a difference", "Add a column: one number minus another."),
    "interactions": ("Add products of pairs", "Add the product of every pair of the columns."),
    "variance_threshold": ("Remove near-constant features", "At the end, remove features "
                           "whose variance is at most the threshold."),
    "select_k_best": ("Keep the most telling features", "At the end, keep the k features "
                      "that say the most about the target."),
    "drop": ("Leave columns out", "Leave these columns out of what reaches the model."),
}
NUMERIC_STEPS = ("scale", "log1p", "clip", "bin")
ENCODING_STEPS = ("one_hot", "ordinal", "target_encode")
PAIR_STEPS = ("ratio", "difference", "interactions")
SELECTION_STEPS = ("variance_threshold", "select_k_best")


def step_kinds() -> tuple[str, ...]:
    """The step kinds the engine offers (all exportable), in its order."""
    from engine.recipe.spec import STEP_KINDS

    return tuple(STEP_KINDS)


def date_parts() -> tuple[str, ...]:
    """The parts a date_parts step can make."""
    from engine.recipe.steps import DATE_PARTS

    return tuple(DATE_PARTS)


def derived_features(steps: Sequence[dict[str, Any]], upto: int) -> list[str]:
    """Names of the features that ``steps[:upto]`` add (the compiler's naming rules)."""
    names: list[str] = []
    for step in steps[:upto]:
        kind, columns = step.get("kind"), list(step.get("columns", ()))
        params = step.get("params", {}) or {}
        if kind == "date_parts":
            parts = params.get("parts") or date_parts()
            names += [f"{column} {part}" for column in columns for part in parts]
        elif kind in ("ratio", "difference") and len(columns) == 2:
            symbol = "/" if kind == "ratio" else "-"
            names.append(str(params.get("name") or f"{columns[0]} {symbol} {columns[1]}"))
        elif kind == "interactions":
            names += [f"{a} * {b}" for i, a in enumerate(columns) for b in columns[i + 1:]]
    return names


def column_choices(
    inputs: InputList, steps: Sequence[dict[str, Any]], index: int, kind: str
) -> list[str]:
    """The columns a ``kind`` step at position ``index`` may name, inputs first."""
    if kind in SELECTION_STEPS:
        return []
    if kind in PAIR_STEPS:
        return [name for name, k in inputs if k == "numeric"]
    if kind == "date_parts":
        return [name for name, k in inputs if k == "date"]
    if kind in ENCODING_STEPS:
        return [name for name, k in inputs if k == "categorical"]
    derived = derived_features(steps, index)
    if kind in NUMERIC_STEPS:
        return [name for name, k in inputs if k != "categorical"] + derived
    return [name for name, _k in inputs] + derived


def describe_step(step: dict[str, Any]) -> str:
    """The step in plain words (the engine's sentence), or why it cannot be read."""
    from engine.errors import InputError
    from engine.recipe.defaults import describe_recipe
    from engine.recipe.spec import Recipe

    try:
        return describe_recipe(Recipe.from_dict({"steps": [step]}))[0]
    except (InputError, KeyError, TypeError, ValueError) as error:
        return f"This step cannot be read: {error}"


def step_detail(step: dict[str, Any]) -> str:
    """The step's kind, columns and settings in one short line."""
    kind = str(step.get("kind"))
    columns = list(step.get("columns", ()))
    shown = ", ".join(columns[:4]) + (f" and {len(columns) - 4} more" if len(columns) > 4 else "")
    params = step.get("params", {}) or {}
    settings = ", ".join(f"{name}={value}" for name, value in params.items())
    text = f"{STEP_WORDS.get(kind, (kind,))[0]} ({kind})"
    if columns:
        text += f" · {shown}"
    if settings:
        text += f" · {settings}"
    return text
