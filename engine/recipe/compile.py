"""Compile a recipe into one scikit-learn Pipeline of preprocessing (the model comes after).

How columns flow (the rules the window and the report describe):

- Every input column is a *feature*. Column-wise steps (impute, scale, one_hot, ordinal,
  target_encode, log1p, clip, bin) apply, in recipe order, to the features they name.
- ``ratio``, ``difference``, ``interactions`` and ``date_parts`` read *original* input columns
  (before any other step) and add new features, named ``"a / b"``, ``"a - b"``, ``"a * b"``
  and ``"<date> <part>"``; later steps may name these features (e.g. to impute them).
  ``date_parts`` replaces its date column by the parts.
- ``drop`` removes features from what reaches the model (a dropped input may still feed a
  ratio). ``variance_threshold`` and ``select_k_best`` act on the final matrix, after all
  column-wise steps, wherever they appear in the recipe.
- Features no step names still reach the model: numbers and dates (days since 1970) pass
  through unchanged (NaN included: impute them for models that cannot take NaN); a category
  no step encodes is one-hot encoded with rare values pooled (``one_hot`` defaults).
- ``impute`` with ``add_indicator`` adds a 0/1 feature ``"<name> is missing"``.

The pipeline returns a dense float32 array: every part ends in a cast to float32, the
precision the ONNX graph computes in, so scikit-learn and onnxruntime feed the model the same
numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import InputError
from engine.recipe.factories import missing_flag, selection_step, step_factory
from engine.recipe.inputs import InputColumn
from engine.recipe.params import (
    STEP_PARAMS,
    check_recipe,
    need_choice,
    step_label,
    step_params,
)
from engine.recipe.spec import Recipe, RecipeStep

COLUMN_STEPS = ("impute", "scale", "one_hot", "ordinal", "target_encode", "log1p", "clip", "bin")
NUMERIC_STEPS = ("scale", "log1p", "clip", "bin")
ENCODING_STEPS = ("one_hot", "ordinal", "target_encode")
SELECTION_STEPS = ("variance_threshold", "select_k_best")
TASKS = ("binary", "multiclass", "regression", "clustering", "anomaly")


@dataclass
class _Feature:
    """A feature on its way to the model: where it comes from and what is applied to it."""

    name: str
    kind: str  # "numeric", "categorical" or "date" (a date passes through as a number)
    columns: tuple[int, ...]  # the input positions it reads
    source: Any = None  # a factory of the transformer making a derived feature, or None
    chain: list[tuple[str, Any]] = field(default_factory=list)  # (pipeline name, factory)
    keys: list[int] = field(default_factory=list)  # step indices in the chain, for grouping
    indicators: list[tuple[str, list[tuple[str, Any]]]] = field(default_factory=list)
    encoded_by: int | None = None
    removed: str = ""  # why the feature no longer reaches the model


def compile_recipe(recipe: Recipe, inputs: Sequence[InputColumn], *, task: str) -> Any:
    """The preprocessing Pipeline for ``recipe`` over model frames of ``inputs``.

    ``task`` is the problem's task (binary, multiclass, regression, clustering, anomaly); it
    decides how target encoding and k-best selection use the target. Raises InputError naming
    the step and what to fix. The training code appends the estimator as step ``"model"``.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    # No ONNX converters here: skl2onnx takes 1 to 7 s to import (quiet to busy laptop), a
    # cost every training worker paid before its first fit; onnx_graph registers them at export.
    task = str(task)
    if task not in TASKS:
        raise InputError(f"Unknown task {task!r}.", f"Use one of: {', '.join(TASKS)}.")
    check_recipe(recipe)
    names = [c.name for c in inputs]
    if len(set(names)) != len(names):
        raise InputError("Two model inputs have the same name.", "Give every column its own name.")
    features: dict[str, _Feature] = {}
    for position, column in enumerate(inputs):
        features[column.name] = _Feature(column.name, column.kind, (position,))
    selection: list[tuple[str, Any]] = []
    for index, step in enumerate(recipe.steps):
        params = step_params(index, step)
        if step.kind in SELECTION_STEPS:
            selection.append(selection_step(index, step, params, task))
        elif step.kind == "drop":
            for feature in _named(index, step, features, minimum=1):
                feature.removed = f"dropped by step {index + 1}"
        elif step.kind in ("ratio", "difference", "interactions", "date_parts"):
            _derive(index, step, params, features, inputs)
        else:
            for feature in _named(index, step, features, minimum=1):
                _apply(index, step, params, feature, task)
    for feature in features.values():
        if feature.kind == "categorical" and not feature.removed:
            # A category cannot reach the model as text: one-hot it with the defaults.
            default = RecipeStep("one_hot", (feature.name,))
            _apply(len(recipe.steps), default, step_params(0, default), feature, task)
    parts = _column_parts(features)
    if not parts:
        raise InputError(
            "The recipe drops every feature, so the model would have nothing to learn from.",
            "Keep at least one column: remove it from the drop step(s).",
        )
    columns = ColumnTransformer(
        parts, remainder="drop", sparse_threshold=0.0, verbose_feature_names_out=False
    )
    return Pipeline([("columns", columns), *selection])


def _named(
    index: int, step: RecipeStep, features: dict[str, _Feature], *, minimum: int
) -> list[_Feature]:
    """The features a step names, checked to exist and still be there."""
    label = step_label(index, step)
    if step.kind in SELECTION_STEPS:
        return []
    if len(step.columns) < minimum:
        raise InputError(f"{label} names no column.", "List the columns it applies to.")
    if len(set(step.columns)) != len(step.columns):
        raise InputError(f"{label} names a column twice.", "List each column once.")
    result = []
    for name in step.columns:
        feature = features.get(name)
        if feature is None:
            raise InputError(
                f"{label} names column {name!r}, which is not a model input.",
                f"Columns it can use: {', '.join(_available(features))}.",
            )
        if feature.removed:
            raise InputError(
                f"{label} names column {name!r}, which was {feature.removed}.",
                "Move this step before that one, or remove the column from it.",
            )
        result.append(feature)
    return result


def _available(features: dict[str, _Feature]) -> list[str]:
    return [name for name, feature in features.items() if not feature.removed]


def _apply(
    index: int, step: RecipeStep, params: dict[str, Any], feature: _Feature, task: str
) -> None:
    """Append a column-wise step to a feature's chain."""
    label = step_label(index, step)
    kind = "numeric" if feature.kind == "date" else feature.kind
    if step.kind in NUMERIC_STEPS and kind != "numeric":
        raise InputError(
            f"{label} applies to numbers, but {feature.name!r} is a category.",
            "Encode it first (one_hot, ordinal or target_encode), or remove it from this step.",
        )
    if step.kind in ENCODING_STEPS and kind != "categorical":
        done = "a number"
        if feature.encoded_by is not None:
            done = f"already encoded by step {feature.encoded_by + 1}"
        raise InputError(
            f"{label} encodes categories, but {feature.name!r} is {done}.",
            "Remove it from this step.",
        )
    make = step_factory(index, step, params, kind, task)
    if step.kind == "impute" and params["add_indicator"]:
        flag_chain = [*feature.chain, ("missing", missing_flag)]
        feature.indicators.append((f"{feature.name} is missing", flag_chain))
    feature.chain.append((f"step{index + 1}_{step.kind}", make))
    feature.keys.append(index)
    if step.kind in ENCODING_STEPS:
        feature.kind = "numeric"
        feature.encoded_by = index


def _derive(
    index: int,
    step: RecipeStep,
    p: dict[str, Any],
    features: dict[str, _Feature],
    inputs: Sequence[InputColumn],
) -> None:
    """Add the features a ratio, difference, interactions or date_parts step creates."""
    from engine.recipe import steps
    from engine.recipe.steps import DATE_PARTS, iso_to_days

    label = step_label(index, step)
    positions = {c.name: i for i, c in enumerate(inputs)}
    wanted = "date" if step.kind == "date_parts" else "numeric"
    if step.kind in ("ratio", "difference") and len(step.columns) != 2:
        raise InputError(
            f"{label} needs exactly 2 columns, got {len(step.columns)}.",
            f"Name the two columns: a {step.kind} of more columns needs one step per pair.",
        )
    for name in step.columns:
        if name not in positions:
            known = name in features
            raise InputError(
                f"{label} names column {name!r}, which is "
                + ("a feature made by an earlier step." if known else "not a model input."),
                f"{step.kind} reads original {wanted} columns: "
                + ", ".join(c.name for c in inputs if c.kind == wanted),
            )
        if inputs[positions[name]].kind != wanted:
            raise InputError(
                f"{label} needs {wanted} columns, but {name!r} is {inputs[positions[name]].kind}.",
                "Remove it from this step.",
            )
    new: list[tuple[str, tuple[int, ...], Any]] = []
    if step.kind in ("ratio", "difference"):
        a, b = step.columns
        symbol = "/" if step.kind == "ratio" else "-"
        name = str(p["name"]) if p["name"] else f"{a} {symbol} {b}"
        op = step.kind
        new.append((name, (positions[a], positions[b]), lambda: steps.PairwiseArithmetic(op)))
    elif step.kind == "interactions":
        if len(step.columns) < 2:
            raise InputError(f"{label} needs at least 2 columns.", "List the numeric columns.")
        for i, a in enumerate(step.columns):
            for b in step.columns[i + 1 :]:
                pair = (positions[a], positions[b])
                new.append((f"{a} * {b}", pair, lambda: steps.PairwiseArithmetic("product")))
    else:
        if not step.columns:
            raise InputError(f"{label} names no column.", "List the date columns.")
        parts = tuple(p["parts"] or DATE_PARTS)
        for part in parts:
            need_choice(index, step, "part", part, DATE_PARTS)
        reference = p["reference"]
        if reference is not None:
            try:
                iso_to_days(str(reference))
            except ValueError:
                raise InputError(
                    f"{label}: reference {reference!r} is not a date.",
                    "Write it as YYYY-MM-DD, e.g. 2024-01-01.",
                ) from None
        for name in step.columns:
            feature = features[name]
            if feature.removed:
                raise InputError(f"{label} names {name!r}, which was {feature.removed}.", "")
            feature.removed = f"replaced by its parts in step {index + 1}"
            for part in parts:
                new.append(
                    (
                        f"{name} {part}",
                        (positions[name],),
                        lambda part=part: steps.DateParts(parts=(part,), reference=reference),
                    )
                )
    for name, columns, source in new:
        if name in features:
            raise InputError(
                f"{label} would create feature {name!r}, but a column of that name exists.",
                "Give the new feature another name (setting name) or remove the duplicate step.",
            )
        features[name] = _Feature(name, "numeric", columns, source=source)


def _column_parts(features: dict[str, _Feature]) -> list[tuple[str, Any, list[int]]]:
    """ColumnTransformer parts: original columns with the same chain share one part."""
    from sklearn.pipeline import Pipeline

    from engine.recipe.steps import AsFloat32

    def pipeline(source: Any, chain: list[tuple[str, Any]]) -> Pipeline:
        named = [("source", source())] if source is not None else []
        named += [(name, make()) for name, make in chain]
        return Pipeline([*named, ("float32", AsFloat32())])

    groups: dict[tuple, list[_Feature]] = {}
    for feature in features.values():
        if feature.removed:
            continue
        key: tuple = (id(feature),)
        if feature.source is None:
            key = (feature.kind, tuple(feature.keys), len(feature.indicators))
        groups.setdefault(key, []).append(feature)
    parts = []
    for members in groups.values():
        first = members[0]
        columns = [m.columns[0] for m in members] if first.source is None else list(first.columns)
        parts.append((f"part{len(parts)}", pipeline(first.source, first.chain), columns))
        for _name, chain in first.indicators:
            parts.append((f"part{len(parts)}", pipeline(first.source, chain), columns))
    return parts


__all__ = ["COLUMN_STEPS", "STEP_PARAMS", "compile_recipe"]
