"""to_onnx_model: input names kept exactly, output names of the contract, every final step."""

from __future__ import annotations

import numpy as np
import onnx
import pandas as pd
import pytest
from recipe_parity import INPUTS, assert_regressor_parity, onnx_outputs, targets
from sklearn.cluster import KMeans
from sklearn.ensemble import HistGradientBoostingRegressor, IsolationForest

from engine.recipe.compile import compile_recipe
from engine.recipe.inputs import InputColumn, to_model_frame
from engine.recipe.onnx_graph import onnx_feed, to_onnx_model
from engine.recipe.spec import Recipe, RecipeStep
from engine.recipe.traits import LINEAR

FILL = Recipe(
    (
        RecipeStep("impute", ("num a", "b", "when")),
        RecipeStep("impute", ("cölor",), {"strategy": "constant"}),
    )
)


def _pipeline(model, train_frame, task, recipe=FILL, inputs=INPUTS, y=None):
    pipeline = compile_recipe(recipe, inputs, task=task)
    pipeline.steps.append(("model", model))
    if y is None and task in ("binary", "regression"):
        y = targets(train_frame, task)
    return pipeline.fit(train_frame, y)


def test_input_names_and_types_are_the_columns(train_frame):
    from sklearn.linear_model import LogisticRegression

    pipeline = _pipeline(LogisticRegression(max_iter=1000), train_frame, "binary")
    model = to_onnx_model(pipeline, INPUTS)
    onnx.checker.check_model(model)
    graph_inputs = {i.name: i.type.tensor_type.elem_type for i in model.graph.input}
    assert list(graph_inputs) == ["num a", "b", "cölor", "when"]
    assert graph_inputs["num a"] == onnx.TensorProto.FLOAT
    assert graph_inputs["cölor"] == onnx.TensorProto.STRING
    assert graph_inputs["when"] == onnx.TensorProto.FLOAT
    shape = model.graph.input[0].type.tensor_type.shape.dim
    assert shape[1].dim_value == 1
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]
    opsets = {o.domain: o.version for o in model.opset_import}
    assert opsets[""] == 17
    assert opsets["ai.onnx.ml"] <= 3


def test_awkward_names_survive(train_frame, test_frame):
    """Spaces, punctuation, non-ASCII letters and a name like an internal tensor."""
    names = {"num a": "Monthly income (€)", "b": "label", "cölor": "Région / zone", "when": "x"}
    inputs = tuple(InputColumn(names[c.name], c.kind) for c in INPUTS)
    train = train_frame.rename(columns=names)
    recipe = Recipe(
        (
            RecipeStep("impute", (names["num a"], "label", "x")),
            RecipeStep("ratio", (names["num a"], "label")),
            RecipeStep("impute", (f"{names['num a']} / label",)),
        )
    )
    y = targets(train_frame, "regression")
    model = HistGradientBoostingRegressor(max_iter=10)
    pipeline = _pipeline(model, train, "regression", recipe=recipe, inputs=inputs, y=y)
    model = to_onnx_model(pipeline, inputs)
    assert [i.name for i in model.graph.input] == list(names.values())
    assert [o.name for o in model.graph.output] == ["variable"]
    assert_regressor_parity(pipeline, test_frame.rename(columns=names), inputs)


def test_column_named_like_an_output_is_refused(train_frame):
    from sklearn.linear_model import LogisticRegression

    from engine.errors import InputError

    inputs = (InputColumn("label", "numeric"), InputColumn("b", "numeric"))
    frame = train_frame[["num a", "b"]].rename(columns={"num a": "label"})
    recipe = Recipe((RecipeStep("impute", ("label", "b")),))
    y = targets(train_frame, "binary")
    pipeline = _pipeline(LogisticRegression(), frame, "binary", recipe=recipe, inputs=inputs, y=y)
    with pytest.raises(InputError, match="named 'label', like one of the model's outputs"):
        to_onnx_model(pipeline, inputs)


def test_kmeans_exports_label_and_scores(train_frame, test_frame):
    # Distances are computed as |x|^2 - 2 x.c + |c|^2 in float32: scaled inputs keep them exact
    # enough (unscaled day numbers ~20,000 lose whole units).
    recipe = Recipe((*FILL.steps, RecipeStep("scale", ("num a", "b", "when"))))
    model = KMeans(n_clusters=3, n_init=2, random_state=0)
    pipeline = _pipeline(model, train_frame, "clustering", recipe=recipe)
    out = onnx_outputs(pipeline, test_frame, INPUTS)
    assert list(out) == ["label", "scores"]
    np.testing.assert_array_equal(out["label"].ravel(), pipeline.predict(test_frame))
    np.testing.assert_allclose(out["scores"], pipeline.transform(test_frame), atol=1e-3)


def test_isolation_forest_exports_label_and_scores(train_frame, test_frame):
    pipeline = _pipeline(IsolationForest(n_estimators=20, random_state=0), train_frame, "anomaly")
    out = onnx_outputs(pipeline, test_frame, INPUTS)
    assert list(out) == ["label", "scores"]
    np.testing.assert_array_equal(out["label"].ravel(), pipeline.predict(test_frame))
    expected = pipeline.decision_function(test_frame)
    np.testing.assert_allclose(out["scores"].ravel(), expected, atol=1e-4)


def test_onnx_feed_shapes_and_types(test_frame):
    feed = onnx_feed(test_frame, INPUTS)
    assert list(feed) == [c.name for c in INPUTS]
    assert feed["num a"].dtype == np.float32 and feed["num a"].shape == (len(test_frame), 1)
    assert feed["cölor"].dtype == object
    assert all(isinstance(v, str) for v in feed["cölor"].ravel())


def test_default_linear_recipe_regression_parity(train_frame, test_frame):
    from sklearn.linear_model import Ridge

    from engine.recipe.defaults import default_recipe

    recipe = default_recipe(INPUTS, LINEAR, task="regression")
    pipeline = _pipeline(Ridge(), train_frame, "regression", recipe=recipe)
    assert_regressor_parity(pipeline, test_frame)


def test_raw_table_with_strings_scores_the_same(train_frame):
    """A new table as text (what the receiving team has) gives the same model frame."""
    raw = pd.DataFrame(
        {
            "num a": ["1.5", "", "inf"],
            "b": [2, None, 0],
            "cölor": [3.0, None, "red"],
            "when": ["2020-03-01", "", "not a date"],
        }
    )
    frame = to_model_frame(raw, INPUTS)
    feed = onnx_feed(frame, INPUTS)
    assert feed["num a"][0, 0] == np.float32(1.5) and np.isnan(feed["num a"][1:, 0]).all()
    assert list(feed["cölor"].ravel()) == ["3", "", "red"]
    assert feed["when"][0, 0] == 18322.0 and np.isnan(feed["when"][1:, 0]).all()
