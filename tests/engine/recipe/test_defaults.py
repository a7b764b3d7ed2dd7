"""The default recipe for each model family: right steps, and ONNX parity on churn.csv."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from recipe_parity import assert_classifier_parity
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from engine.recipe.compile import compile_recipe
from engine.recipe.defaults import default_recipe, describe_recipe
from engine.recipe.inputs import InputColumn, model_inputs, to_model_frame
from engine.recipe.spec import Recipe
from engine.recipe.traits import BOOSTING, LINEAR, TREES

CHURN = Path(__file__).resolve().parents[3] / "resources" / "sample" / "churn.csv"


@pytest.fixture(scope="module")
def churn():
    from engine.api import infer_schema, load_table, source_for

    frame = load_table(source_for(str(CHURN))).frame
    schema = infer_schema(frame)
    features = [
        c.name
        for c in schema.columns
        if c.name != "churned" and c.kind.value not in ("text", "identifier")
    ]
    inputs = model_inputs(schema, features)
    return inputs, to_model_frame(frame, inputs), frame["churned"].astype(str).to_numpy()


MODELS = {
    "linear": (LINEAR, lambda: LogisticRegression(max_iter=2000)),
    "trees": (TREES, lambda: RandomForestClassifier(n_estimators=30, random_state=0)),
    "boosting": (BOOSTING, lambda: HistGradientBoostingClassifier(max_iter=40, random_state=0)),
}


@pytest.mark.parametrize("family", list(MODELS))
def test_default_recipe_on_churn_converts_with_parity(family, churn):
    inputs, frame, y = churn
    assert {"monthly income", "signup_date"} <= {c.name for c in inputs}
    traits, build = MODELS[family]
    recipe = default_recipe(inputs, traits, task="binary")
    assert Recipe.from_json(recipe.to_json()) == recipe
    pipeline = compile_recipe(recipe, inputs, task="binary")
    pipeline.steps.append(("model", build()))
    pipeline.fit(frame.iloc[:4000], y[:4000])
    matrix = pipeline[:-1].transform(frame.iloc[4000:])
    assert matrix.dtype == np.float32
    assert np.isnan(matrix).any() == traits.handles_missing  # churn has missing numbers
    assert_classifier_parity(pipeline, frame.iloc[4000:], inputs)


def test_default_recipe_steps_follow_the_traits():
    inputs = (
        InputColumn("n", "numeric"),
        InputColumn("c", "categorical"),
        InputColumn("d", "date"),
    )
    kinds = {
        name: [s.kind for s in default_recipe(inputs, traits, task="binary").steps]
        for name, (traits, _) in MODELS.items()
    }
    assert kinds["linear"] == ["date_parts", "impute", "impute", "impute", "one_hot", "scale"]
    assert "scale" not in kinds["trees"] and "scale" not in kinds["boosting"]
    # Boosting routes missing numbers itself; categories always get "(missing)".
    boosting = default_recipe(inputs, BOOSTING, task="binary").steps
    assert [s.columns for s in boosting if s.kind == "impute"] == [("c",)]
    assert boosting[1].params["fill_value"] == "(missing)"


def test_describe_recipe_in_plain_words():
    inputs = (InputColumn("monthly income", "numeric"), InputColumn("plan", "categorical"))
    lines = describe_recipe(default_recipe(inputs, LINEAR, task="binary"))
    assert lines[0].startswith("Fill in missing values of monthly income with the middle value")
    assert "yes/no column saying where a value was missing" in lines[0]
    assert any("fewer than 10 rows" in line and "plan" in line for line in lines)
    assert lines[-1] == "Put monthly income on a common scale (mean 0, standard deviation 1)."


def test_many_categories_are_capped():
    """Tens of thousands of distinct values: one-hot width stays at max_categories."""
    rng = np.random.default_rng(3)
    n = 30_000
    values = np.where(rng.random(n) < 0.5, rng.choice(["a", "b", "c"], n), rng.integers(0, n, n))
    frame = pd.DataFrame({"code": values.astype(str), "x": rng.normal(size=n)})
    inputs = (InputColumn("code", "categorical"), InputColumn("x", "numeric"))
    y = np.where(frame["code"].isin(["a", "b"]) ^ (rng.random(n) < 0.1), "yes", "no")
    model_frame = to_model_frame(frame, inputs)
    pipeline = compile_recipe(default_recipe(inputs, LINEAR, task="binary"), inputs, task="binary")
    pipeline.steps.append(("model", LogisticRegression(max_iter=500)))
    pipeline.fit(model_frame, y)
    width = pipeline[:-1].transform(model_frame.iloc[:5]).shape[1]
    assert width <= 50 + 2  # one-hot columns + x + its missing flag
    assert_classifier_parity(pipeline, model_frame.iloc[:2000], inputs)


def test_very_varied_categories_are_target_or_ordinal_encoded() -> None:
    inputs = (InputColumn("city", "categorical"), InputColumn("plan", "categorical"))
    counts = {"city": 1_000, "plan": 3}

    def kinds(traits, task):
        recipe = default_recipe(inputs, traits, task=task, cardinality=counts)
        return {step.kind: step.columns for step in recipe.steps if step.kind != "impute"}

    assert kinds(BOOSTING, "binary") == {"one_hot": ("plan",), "target_encode": ("city",)}
    assert kinds(LINEAR, "regression") == {"one_hot": ("plan",), "target_encode": ("city",)}
    # Several classes: target encoding cannot be exported; trees take ordinal codes instead.
    assert kinds(TREES, "multiclass") == {"one_hot": ("plan",), "ordinal": ("city",)}
    assert kinds(LINEAR, "multiclass") == {"one_hot": ("city", "plan")}
    # Without counts, nothing changes.
    plain = default_recipe(inputs, BOOSTING, task="binary")
    assert [s.kind for s in plain.steps if s.kind != "impute"] == ["one_hot"]


def test_target_encoded_city_keeps_parity_in_onnx() -> None:
    rng = np.random.default_rng(3)
    cities = np.array([f"city {i}" for i in range(300)], dtype=object)
    rows = 6_000
    city = cities[rng.integers(0, 300, rows)]
    effect = {name: rng.normal() for name in cities}
    signal = np.array([effect[c] for c in city]) + rng.normal(0, 0.5, rows)
    frame = pd.DataFrame({"city": city, "amount": rng.normal(size=rows)})
    y = np.where(signal > 0, "yes", "no").astype(object)
    inputs = (InputColumn("city", "categorical"), InputColumn("amount", "numeric"))
    recipe = default_recipe(inputs, BOOSTING, task="binary", cardinality={"city": 300})
    assert "target_encode" in [step.kind for step in recipe.steps]
    pipeline = compile_recipe(recipe, inputs, task="binary")
    pipeline.steps.append(("model", HistGradientBoostingClassifier(random_state=0)))
    x = to_model_frame(frame, inputs)
    pipeline.fit(x.iloc[:5000], y[:5000])
    test = x.iloc[5000:].copy()
    test.iloc[:20, 0] = "a city never seen"
    assert_classifier_parity(pipeline, test, inputs)
