"""Every recipe step, compiled alone in front of a model, fitted on data with missing values,
converted to ONNX and scored by onnxruntime on rows with missing values and unseen
categories: labels identical, probabilities within 1e-4, regression within 1e-5."""

from __future__ import annotations

import numpy as np
import pytest
from recipe_parity import (
    INPUTS,
    assert_classifier_parity,
    assert_regressor_parity,
    targets,
)
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge

from engine.recipe.compile import compile_recipe
from engine.recipe.spec import Recipe, RecipeStep

NUMBERS = ("num a", "b")
S = RecipeStep

# Each step alone (a category no step encodes is one-hot encoded by default).
STEPS = {
    "impute_median_indicator": S("impute", (*NUMBERS, "cölor"), {"add_indicator": True}),
    "impute_mean": S("impute", (*NUMBERS, "when"), {"strategy": "mean"}),
    "impute_most_frequent": S("impute", (*NUMBERS, "cölor"), {"strategy": "most_frequent"}),
    "impute_constant": S("impute", ("num a", "cölor"), {"strategy": "constant", "fill_value": -1}),
    "scale": S("scale", (*NUMBERS, "when")),
    "one_hot": S("one_hot", ("cölor",), {"min_frequency": 20, "max_categories": 3}),
    "one_hot_fraction": S("one_hot", ("cölor",), {"min_frequency": 0.05}),
    "ordinal": S("ordinal", ("cölor",)),
    "target_encode": S("target_encode", ("cölor",)),
    "log1p": S("log1p", NUMBERS),
    "clip": S("clip", NUMBERS, {"lower": 0.05, "upper": 0.9}),
    "bin_quantile": S("bin", NUMBERS, {"n_bins": 4}),
    "bin_uniform": S("bin", NUMBERS, {"n_bins": 6, "strategy": "uniform"}),
    "date_parts": S("date_parts", ("when",)),
    "date_parts_reference": S(
        "date_parts", ("when",), {"parts": ["days_since", "month"], "reference": "2020-02-29"}
    ),
    "ratio": S("ratio", NUMBERS),
    "difference": S("difference", NUMBERS),
    "interactions": S("interactions", NUMBERS),
    "variance_threshold": S("variance_threshold", (), {"threshold": 0.5}),
    "select_k_best": S("select_k_best", (), {"k": 3}),
    "drop": S("drop", ("b", "when")),
}

# What a model that cannot take NaN needs in front of the step.
FILL = (
    S("impute", ("num a", "b", "when")),
    S("impute", ("cölor",), {"strategy": "constant"}),
)


def _fit(steps, model, train_frame, task):
    pipeline = compile_recipe(Recipe(tuple(steps)), INPUTS, task=task)
    pipeline.steps.append(("model", model))
    return pipeline.fit(train_frame, targets(train_frame, task))


@pytest.mark.parametrize("name", list(STEPS))
def test_step_alone_with_boosting(name, train_frame, test_frame):
    model = HistGradientBoostingClassifier(max_iter=15, random_state=0)
    pipeline = _fit([STEPS[name]], model, train_frame, "binary")
    assert_classifier_parity(pipeline, test_frame)


@pytest.mark.parametrize("name", list(STEPS))
def test_step_after_imputation_with_logistic(name, train_frame, test_frame):
    step = STEPS[name]
    # Derived features carry their own NaN: impute them after they are made.
    parts = step.params.get("parts") or [
        "year",
        "month",
        "day",
        "day_of_week",
        "day_of_year",
        "days_since",
    ]
    derived = {
        "ratio": ["num a / b"],
        "difference": ["num a - b"],
        "interactions": ["num a * b"],
        "date_parts": [f"when {p}" for p in parts],
    }.get(step.kind, [])
    steps = [*FILL, step, *([S("impute", tuple(derived))] if derived else [])]
    if step.kind == "date_parts":  # the date is replaced by its parts: it is imputed there
        steps = [S("impute", NUMBERS), FILL[1], step, S("impute", tuple(derived))]
    pipeline = _fit(steps, LogisticRegression(max_iter=2000), train_frame, "binary")
    transformed = pipeline[:-1].transform(test_frame)
    assert transformed.dtype == np.float32
    assert not np.isnan(transformed).any()
    assert_classifier_parity(pipeline, test_frame)


@pytest.mark.parametrize("name", ["scale", "target_encode", "log1p", "ratio", "select_k_best"])
def test_step_with_ridge_regression(name, train_frame, test_frame):
    steps = [*FILL, STEPS[name]]
    if name == "ratio":
        steps.append(S("impute", ("num a / b",)))
    pipeline = _fit(steps, Ridge(), train_frame, "regression")
    assert_regressor_parity(pipeline, test_frame)


@pytest.mark.parametrize("step", ["one_hot", "ordinal", "select_k_best"])
def test_multiclass(step, train_frame, test_frame):
    model = LogisticRegression(max_iter=2000)
    pipeline = _fit([*FILL, STEPS[step]], model, train_frame, "multiclass")
    assert len(pipeline.classes_) == 3
    assert_classifier_parity(pipeline, test_frame)


def test_random_forest_after_imputation(train_frame, test_frame):
    steps = [*FILL, S("date_parts", ("when",), {"parts": ["year", "day_of_year"]})]
    steps.append(S("impute", ("when year", "when day_of_year")))
    model = RandomForestClassifier(n_estimators=20, random_state=0)
    pipeline = _fit(steps, model, train_frame, "binary")
    assert_classifier_parity(pipeline, test_frame)


def test_scaler_in_front_of_boosting_is_exact(train_frame, test_frame):
    # The recipe's scaler computes in float32 exactly like the graph: even trees agree.
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0)
    pipeline = _fit([STEPS["scale"], STEPS["log1p"]], model, train_frame, "binary")
    assert_classifier_parity(pipeline, test_frame)
