"""Bad recipes are refused with messages that name the step and say what to fix."""

from __future__ import annotations

import json

import pytest
from recipe_parity import INPUTS

from engine.errors import InputError
from engine.recipe.compile import compile_recipe
from engine.recipe.spec import Recipe, RecipeStep

S = RecipeStep


def _compile(*steps: RecipeStep, task: str = "binary"):
    return compile_recipe(Recipe(tuple(steps)), INPUTS, task=task)


@pytest.mark.parametrize(
    ("steps", "task", "pattern"),
    [
        ([S("normalize", ("num a",))], "binary", r"Step 1 \(normalize\) is not a step .* impute"),
        ([S("impute", ("nope",))], "binary", r"Step 1 \(impute\) names column 'nope'.*num a"),
        ([S("ratio", ("num a", "b", "when"))], "binary", r"exactly 2 columns, got 3"),
        ([S("ratio", ("num a",))], "binary", r"exactly 2 columns, got 1"),
        ([S("ratio", ("num a", "cölor"))], "binary", r"needs numeric columns.*'cölor'"),
        ([S("scale", ("cölor",))], "binary", r"applies to numbers.*Encode it first"),
        ([S("one_hot", ("num a",))], "binary", r"encodes categories.*'num a' is a number"),
        (
            [S("ordinal", ("cölor",)), S("one_hot", ("cölor",))],
            "binary",
            r"Step 2 \(one_hot\).*already encoded by step 1",
        ),
        ([S("impute", ("b",), {"strategy": "magic"})], "binary", r"strategy 'magic'.*median"),
        ([S("impute", ("b",), {"stratgy": "mean"})], "binary", r"unknown setting.*stratgy"),
        ([S("clip", ("b",), {"lower": 0.9, "upper": 0.1})], "binary", r"lower .* below upper"),
        ([S("bin", ("b",), {"n_bins": 1})], "binary", r"n_bins is 1.*at least 2"),
        ([S("bin", ("b",), {"n_bins": 2.5})], "binary", r"whole number"),
        ([S("one_hot", ("cölor",), {"min_frequency": 0})], "binary", r"min_frequency is 0"),
        ([S("date_parts", ("when",), {"parts": ["hour"]})], "binary", r"part 'hour'"),
        ([S("date_parts", ("when",), {"reference": "soon"})], "binary", r"'soon' is not a date"),
        ([S("date_parts", ("num a",))], "binary", r"needs date columns"),
        ([S("select_k_best", ("b",), {"k": 2})], "binary", r"takes no column list"),
        ([S("select_k_best", (), {"k": 2})], "clustering", r"clustering problem has none"),
        ([S("target_encode", ("cölor",))], "anomaly", r"needs a target"),
        ([S("target_encode", ("cölor",))], "multiclass", r"several classes.*one_hot"),
        ([S("drop", ("b",)), S("log1p", ("b",))], "binary", r"'b', which was dropped by step 1"),
        ([S("date_parts", ("when",)), S("scale", ("when",))], "binary", r"replaced by its parts"),
        ([S("impute", ())], "binary", r"names no column"),
        ([S("interactions", ("num a",))], "binary", r"at least 2 columns"),
        ([S("ratio", ("num a", "b")), S("ratio", ("num a", "b"))], "binary", r"'num a / b'"),
    ],
)
def test_bad_recipe_is_refused(steps, task, pattern):
    with pytest.raises(InputError, match=pattern):
        _compile(*steps, task=task)


def test_recipe_dropping_every_feature_is_refused():
    with pytest.raises(InputError, match="drops every feature") as info:
        _compile(S("drop", ("num a", "b")), S("drop", ("cölor", "when")))
    assert "Keep at least one column" in str(info.value)


def test_drop_keeps_derived_features():
    pipeline = _compile(S("ratio", ("num a", "b")), S("drop", ("num a", "b", "cölor", "when")))
    assert len(pipeline.named_steps["columns"].transformers) == 1


def test_variance_threshold_removing_everything_says_so_when_fitted(train_frame):
    from recipe_parity import targets

    pipeline = _compile(S("variance_threshold", (), {"threshold": 1e12}))
    with pytest.raises(InputError, match=r"removes every feature.*Lower the threshold"):
        pipeline.fit(train_frame, targets(train_frame, "binary"))


def test_unknown_task_is_refused():
    with pytest.raises(InputError, match="Unknown task 'ranking'"):
        _compile(task="ranking")


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({"version": 2, "steps": []}, r"format version 2.*reads version 1"),
        ({"version": "one", "steps": []}, r"format version 'one'"),
        ({"version": 1, "steps": {"kind": "impute"}}, r"must be a list"),
        ({"version": 1, "steps": [{"columns": ["a"]}]}, r"Step 1 of the recipe has no kind"),
        (
            {"version": 1, "steps": [{"kind": "drop"}, {"kind": "frobnicate"}]},
            r"Step 2 .*unknown kind 'frobnicate'.*exist: impute, scale, .*, drop\.",
        ),
        ({"version": 1, "steps": [{"kind": "drop", "columns": "a"}]}, r"list of column names"),
        ({"version": 1, "steps": [{"kind": "drop", "params": []}]}, r"params must be an object"),
        ([1, 2], r"must be a JSON object"),
    ],
)
def test_malformed_recipe_data_is_refused(data, pattern):
    with pytest.raises(InputError, match=pattern):
        Recipe.from_dict(data)
    with pytest.raises(InputError, match=pattern):
        Recipe.from_json(json.dumps(data))


def test_invalid_json_is_refused():
    with pytest.raises(InputError, match=r"not valid JSON.*line 1"):
        Recipe.from_json('{"version": 1, "steps": [')


def test_every_step_kind_has_its_parameters():
    from engine.recipe.params import STEP_PARAMS
    from engine.recipe.spec import STEP_KINDS

    assert tuple(STEP_PARAMS) == STEP_KINDS


def test_recipe_json_round_trip():
    recipe = Recipe((S("impute", ("num a",), {"add_indicator": True}), S("one_hot", ("cölor",))))
    assert Recipe.from_json(recipe.to_json()) == recipe
