"""Real fitted Gristmill pipelines, small: every family for every task it serves, the
baseline, self-training, class weights, and every recipe step in front of a model.

The persistence allow-list is derived from (and checked against) what these contain, so a new
family or step that stores a new type fails a test instead of failing at export time.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "recipe"))

from recipe_parity import INPUTS, make_table, targets

from engine.problem.definition import Task
from engine.recipe.inputs import to_model_frame
from engine.recipe.spec import RecipeStep
from engine.training.candidate import (
    CandidateSpec,
    FitContext,
    baseline_pipeline,
    build_pipeline,
    fit_pipeline,
)
from engine.training.catalog import FAMILIES

# Small models: the stored types do not depend on the number of trees or iterations.
SMALL = {"n_estimators": 3, "max_iter": 5, "n_neighbors": 3}

S = RecipeStep
NUMBERS = ("num a", "b")
# Every step kind the recipe offers, with the parameter variants that store other types.
STEPS: dict[str, tuple[RecipeStep, ...]] = {
    "impute_indicator": (S("impute", (*NUMBERS, "cölor"), {"add_indicator": True}),),
    "impute_most_frequent": (S("impute", (*NUMBERS, "cölor"), {"strategy": "most_frequent"}),),
    "impute_constant": (S("impute", ("num a", "cölor"), {"strategy": "constant",
                                                          "fill_value": -1}),),
    "scale": (S("scale", (*NUMBERS, "when")),),
    "one_hot": (S("one_hot", ("cölor",), {"min_frequency": 20, "max_categories": 3}),),
    "ordinal": (S("ordinal", ("cölor",)),),
    "target_encode": (S("target_encode", ("cölor",)),),
    "log1p": (S("log1p", NUMBERS),),
    "clip": (S("clip", NUMBERS, {"lower": 0.05, "upper": 0.9}),),
    "bin": (S("bin", NUMBERS, {"n_bins": 4}), S("bin", ("b",), {"strategy": "uniform"})),
    "date_parts": (S("date_parts", ("when",), {"parts": ["days_since", "month"],
                                              "reference": "2020-02-29"}),),
    "ratio": (S("ratio", NUMBERS),),
    "difference": (S("difference", NUMBERS),),
    "interactions": (S("interactions", NUMBERS),),
    "variance_threshold": (S("variance_threshold", (), {"threshold": 0.5}),),
    "select_k_best": (S("select_k_best", (), {"k": 3}),),
    "drop": (S("drop", ("b",)),),
}


def _context(task: Task, **changes: Any) -> FitContext:
    return FitContext(task=task, inputs=INPUTS, metrics=("score",), **changes)


def _target(frame: Any, task: Task) -> Any:
    return None if task in (Task.CLUSTERING, Task.ANOMALY) else targets(frame, task.value)


def real_pipelines(rows: int = 120) -> Iterator[tuple[str, Any, Any]]:
    """``(label, fitted pipeline, rows it was fitted on)`` for every kind Gristmill stores."""
    frame = make_table(rows, seed=0)
    x = to_model_frame(frame, INPUTS)
    for key, family in sorted(FAMILIES.items()):
        if not family.available:
            continue
        for task in sorted(family.tasks, key=lambda t: t.value):
            pipeline = build_pipeline(CandidateSpec(1, key, dict(SMALL), 0), _context(task))
            yield f"{key}/{task.value}", pipeline.fit(x, _target(frame, task)), x
    for task in (Task.BINARY, Task.MULTICLASS, Task.REGRESSION):
        yield f"baseline/{task.value}", baseline_pipeline(task).fit(x, _target(frame, task)), x
    # Each step in front of a small forest (it takes missing values); the stored types do not
    # depend on the task, except target encoding's folds (stratified for classes only).
    steps = [(name, Task.BINARY, chain) for name, chain in STEPS.items()]
    steps.append(("target_encode", Task.REGRESSION, STEPS["target_encode"]))
    for name, task, chain in steps:
        recipe = {"version": 1, "steps": [step.to_dict() for step in chain]}
        spec = CandidateSpec(1, "random_forest", {"n_estimators": 2, "max_depth": 3}, 0,
                             recipe=recipe)
        yield f"{name}/{task.value}", build_pipeline(spec, _context(task)).fit(
            x, _target(frame, task)), x
    binary = _target(frame, Task.BINARY)
    for key in ("linear", "random_forest", "linear_svm"):
        weighted = build_pipeline(CandidateSpec(1, key, dict(SMALL), 0),
                                  _context(Task.BINARY, class_weights=True))
        yield f"{key}/class weights", weighted.fit(x, binary), x
    context = _context(Task.BINARY, semi_supervised=True)
    self_training = build_pipeline(CandidateSpec(1, "linear", {}, 0), context)
    fitted = fit_pipeline(self_training, x.iloc[:80], binary[:80], x.iloc[80:], context)
    yield "linear/self-training", fitted, x
