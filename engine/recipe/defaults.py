"""The default recipe for a model family, and a recipe told in plain words.

Defaults (what a careful analyst would do, within the ONNX-safe rules):

- dates become their parts (year, month, day of week, days since the earliest date);
- numbers are imputed with the median plus a "was missing" flag, unless the family routes
  missing values itself (histogram boosting, LightGBM);
- a missing category becomes its own value "(missing)";
- categories: one-hot with rare values pooled (fewer than 10 rows, at most 50 columns per
  column) for every family; see ``TREE_ENCODING`` for trees. A category column with more
  than 50 distinct values (when the caller passes ``cardinality``) would lose most of its
  signal to the pooling, so it is target-encoded instead for yes/no and numeric targets
  (scikit-learn's TargetEncoder cross-fits, so a row never sees its own target), and given
  ordinal codes for trees on several-class targets (which target encoding cannot export);
- numbers clipped to the training range for nearest neighbours (see ``ModelTraits``);
- standard scaling of the numbers only for families that need it (never before trees).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.recipe.inputs import InputColumn
from engine.recipe.spec import Recipe, RecipeStep
from engine.recipe.traits import ModelTraits

DEFAULT_DATE_PARTS = ("year", "month", "day_of_week", "days_since")
MIN_FREQUENCY = 10
MAX_CATEGORIES = 50
# Measured on churn.csv (5-fold ROC AUC, see the report of the recipe work): one-hot and
# ordinal codes were within noise for random forest and boosting; one-hot won by a little.
TREE_ENCODING = "one_hot"


def default_recipe(
    inputs: Sequence[InputColumn],
    traits: ModelTraits,
    *,
    task: str,
    cardinality: Mapping[str, int] | None = None,
) -> Recipe:
    """A sensible recipe for ``inputs`` in front of a model family with ``traits``.

    ``cardinality`` (distinct values per category column in the training rows), when given,
    sends very varied category columns to target or ordinal encoding (module docstring).
    """
    numeric = [c.name for c in inputs if c.kind == "numeric"]
    categorical = [c.name for c in inputs if c.kind == "categorical"]
    dates = [c.name for c in inputs if c.kind == "date"]
    steps: list[RecipeStep] = []
    date_features = [f"{d} {part}" for d in dates for part in DEFAULT_DATE_PARTS]
    if dates:
        steps.append(RecipeStep("date_parts", tuple(dates), {"parts": list(DEFAULT_DATE_PARTS)}))
    if not traits.handles_missing:
        if numeric:
            steps.append(
                RecipeStep("impute", tuple(numeric), {"strategy": "median", "add_indicator": True})
            )
        if date_features:
            steps.append(RecipeStep("impute", tuple(date_features), {"strategy": "median"}))
    if categorical:
        steps.append(
            RecipeStep(
                "impute",
                tuple(categorical),
                {"strategy": "constant", "fill_value": "(missing)"},
            )
        )
        varied = [
            name for name in categorical if (cardinality or {}).get(name, 0) > MAX_CATEGORIES
        ]
        high_encoding = None
        if varied and str(task) in ("binary", "regression"):
            high_encoding = "target_encode"
        elif varied and traits.tree_based:
            high_encoding = "ordinal"
        if high_encoding is None:
            varied = []
        plain = [name for name in categorical if name not in varied]
        if plain:
            encoding = TREE_ENCODING if traits.tree_based else "one_hot"
            params: dict[str, Any] = {}
            if encoding == "one_hot":
                params = {"min_frequency": MIN_FREQUENCY, "max_categories": MAX_CATEGORIES}
            steps.append(RecipeStep(encoding, tuple(plain), params))
        if varied and high_encoding is not None:
            steps.append(RecipeStep(high_encoding, tuple(varied)))
    numbers = numeric + date_features
    if traits.clip_to_range and numbers:
        steps.append(RecipeStep("clip", tuple(numbers), {"lower": 0.0, "upper": 1.0}))
    if traits.needs_scaling and numbers:
        steps.append(RecipeStep("scale", tuple(numbers)))
    return Recipe(tuple(steps))


def describe_recipe(recipe: Recipe) -> list[str]:
    """One plain-words line per step, for the window and the report."""
    return [_describe(step) for step in recipe.steps]


def _names(step: RecipeStep, limit: int = 6) -> str:
    names = list(step.columns)
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown or "all features"


def _describe(step: RecipeStep) -> str:
    p = step.params
    cols = _names(step)
    kind = step.kind
    if kind == "impute":
        strategy = p.get("strategy", "median")
        how = {
            "median": "the middle value (median)",
            "mean": "the average",
            "most_frequent": "the most common value",
            "constant": repr(p.get("fill_value")) if p.get("fill_value") is not None else "0",
        }.get(strategy, strategy)
        line = f"Fill in missing values of {cols} with {how}"
        if p.get("add_indicator"):
            line += ", and add a yes/no column saying where a value was missing"
        return line + "."
    if kind == "scale":
        return f"Put {cols} on a common scale (mean 0, standard deviation 1)."
    if kind == "one_hot":
        minimum = p.get("min_frequency", MIN_FREQUENCY)
        rare = f"{minimum:.0%} of rows" if isinstance(minimum, float) else f"{minimum} rows"
        return (
            f"Turn each category of {cols} into its own yes/no column (at most "
            f"{p.get('max_categories', MAX_CATEGORIES)} per column); categories seen in fewer "
            f"than {rare}, or new ones, count as 'other'."
        )
    if kind == "ordinal":
        return f"Number the categories of {cols}; new categories get the code -1."
    if kind == "target_encode":
        return f"Replace each category of {cols} by the average target of its rows."
    if kind == "log1p":
        return f"Compress large values of {cols} with a logarithm (the sign is kept)."
    if kind == "clip":
        low, high = p.get("lower", 0.01), p.get("upper", 0.99)
        return f"Cap {cols} at their {low:.0%} and {high:.0%} percentiles to tame extreme values."
    if kind == "bin":
        return f"Group {cols} into {p.get('n_bins', 5)} ranges ({p.get('strategy', 'quantile')})."
    if kind == "date_parts":
        parts = ", ".join(str(x).replace("_", " ") for x in p.get("parts") or ["all parts"])
        line = f"Split the dates {cols} into their parts: {parts}"
        if "days_since" in (p.get("parts") or ["days_since"]):
            reference = p.get("reference") or "the earliest date in the training rows"
            line += f" (days counted from {reference})"
        return line + "."
    if kind in ("ratio", "difference"):
        a, b = [*step.columns, "?", "?"][:2]
        op = "divided by" if kind == "ratio" else "minus"
        return f"Add a column: {a} {op} {b}."
    if kind == "interactions":
        return f"Add the products of every pair among {cols}."
    if kind == "variance_threshold":
        return f"Remove features whose variance is at most {p.get('threshold', 0.0)}."
    if kind == "select_k_best":
        return f"Keep the {p.get('k', 10)} features that say the most about the target."
    if kind == "drop":
        return f"Leave out {cols}."
    return f"{kind} on {cols}."
