"""What compile_recipe builds: the column rules, feature names, dtype."""

from __future__ import annotations

import numpy as np
from recipe_parity import INPUTS, targets

from engine.recipe.compile import compile_recipe
from engine.recipe.spec import Recipe, RecipeStep

S = RecipeStep


def _fitted(*steps, task="binary", frame):
    pipeline = compile_recipe(Recipe(tuple(steps)), INPUTS, task=task)
    return pipeline.fit(frame, targets(frame, task))


def test_unmentioned_columns_pass_through_and_categories_are_one_hot(train_frame):
    pipeline = _fitted(frame=train_frame)
    names = list(pipeline.get_feature_names_out())
    assert names[:2] == ["num a", "b"]
    assert names[-1] == "when"  # days since 1970, unchanged
    # The colour is one-hot encoded with the defaults (missing is its own value "").
    assert {"cölor_red", "cölor_", "cölor_rare one"} <= set(names)
    matrix = pipeline.transform(train_frame)
    assert matrix.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(matrix[:, 0]), train_frame["num a"].isna())


def test_derived_features_and_indicators_are_named(train_frame):
    pipeline = _fitted(
        S("ratio", ("num a", "b")),
        S("interactions", ("num a", "b")),
        S("date_parts", ("when",), {"parts": ["year", "day_of_week"]}),
        S("impute", ("num a / b", "when year"), {"add_indicator": True}),
        S("ordinal", ("cölor",)),
        S("drop", ("b",)),
        frame=train_frame,
    )
    names = list(pipeline.get_feature_names_out())
    assert names == [
        "num a",
        "cölor",
        "num a / b",
        "num a / b is missing",
        "num a * b",
        "when year",
        "when year is missing",
        "when day_of_week",
    ]
    matrix = pipeline.transform(train_frame)
    ratio = train_frame["num a"] / train_frame["b"].replace(0, np.nan)
    np.testing.assert_array_equal(matrix[:, 3], ratio.isna().astype(np.float32))
    assert not np.isnan(matrix[:, 2]).any()


def test_same_steps_share_one_part(train_frame):
    pipeline = compile_recipe(
        Recipe((S("impute", ("num a", "b")), S("scale", ("num a", "b")), S("log1p", ("num a",)))),
        INPUTS,
        task="regression",
    )
    parts = pipeline.named_steps["columns"].transformers
    assert [columns for _, _, columns in parts] == [[0], [1], [2], [3]]
    pipeline = compile_recipe(
        Recipe((S("impute", ("num a", "b")), S("scale", ("num a", "b")))),
        INPUTS,
        task="regression",
    )
    assert pipeline.named_steps["columns"].transformers[0][2] == [0, 1]


def test_selection_steps_come_last(train_frame):
    pipeline = _fitted(
        S("select_k_best", (), {"k": 2}),
        S("impute", ("num a", "b", "when")),
        S("variance_threshold", ()),
        frame=train_frame,
    )
    assert [name for name, _ in pipeline.steps] == [
        "columns",
        "step1_select_k_best",
        "step3_variance_threshold",
    ]
    assert pipeline.transform(train_frame).shape[1] == 2


def test_rare_and_unseen_categories_become_all_zeros(train_frame, test_frame):
    pipeline = _fitted(S("one_hot", ("cölor",), {"min_frequency": 12}), frame=train_frame)
    names = list(pipeline.get_feature_names_out())
    colours = [i for i, n in enumerate(names) if n.startswith("cölor_")]
    assert [names[i] for i in colours] == [
        "cölor_",
        "cölor_blue",
        "cölor_green",
        "cölor_grey",
        "cölor_red",
    ]  # "rare one": 11 rows, pooled
    matrix = pipeline.transform(test_frame)[:, colours]
    other = test_frame["cölor"].isin(["rare one", "purple", "ünseen"]).to_numpy()
    assert other.sum() > 20
    assert (matrix[other] == 0).all() and (matrix[~other].sum(axis=1) == 1).all()
