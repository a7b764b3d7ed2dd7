"""The parity gate on every model family and recipe step, ties, and a broken converter."""

from __future__ import annotations

import numpy as np
import pytest
from export_data import INPUTS, fitted

from engine.errors import ExportError
from engine.export.build import ModelFacts, export_pipeline
from engine.export.parity import check_parity
from engine.recipe.onnx_graph import to_onnx_model
from engine.recipe.spec import Recipe, RecipeStep
from engine.training.catalog import FAMILIES

# Trains real models: the Qt-blocked re-run in tests/test_codebase.py leaves it out.
pytestmark = pytest.mark.slow

SUPERVISED = sorted(key for key in FAMILIES if key not in ("kmeans", "isolation_forest"))


def _facts(task: str) -> ModelFacts:
    binary = task == "binary"
    return ModelFacts(
        name="test model",
        task=task,
        target=None if task in ("clustering", "anomaly") else "outcome",
        positive_class="yes" if binary else None,
        threshold=0.35 if binary else None,
    )


@pytest.mark.parametrize("family", SUPERVISED)
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_every_family_passes_the_gate(family: str, task: str) -> None:
    from engine.problem.definition import Task
    from engine.training.catalog import family as family_of

    entry = family_of(family)
    if Task(task) not in entry.tasks:
        pytest.skip(f"the catalog does not offer {entry.label} for {task}")
    if not entry.available:
        pytest.skip(f"{entry.label} is not installed")
    pipeline, train, check = fitted(family, task)
    exported = export_pipeline(pipeline, INPUTS, _facts(task), train_rows=train, check_rows=check)
    report = exported.parity
    assert report.passed, report.summary()
    assert report.rows == len(check) + report.edge_rows
    assert report.edge_rows >= 1 + len(INPUTS)  # every value missing, each column missing
    kinds = {"binary": "probability", "multiclass": "probability"}
    assert report.difference_kind == kinds.get(task, "relative value")


@pytest.mark.parametrize("task", ["clustering", "anomaly"])
def test_unsupervised_models_pass_the_gate(task: str) -> None:
    family = "kmeans" if task == "clustering" else "isolation_forest"
    pipeline, train, check = fitted(family, task)
    exported = export_pipeline(pipeline, INPUTS, _facts(task), train_rows=train, check_rows=check)
    assert exported.parity.passed, exported.parity.summary()
    assert exported.metadata.outputs == ("label", "scores")


S = RecipeStep
EVERY_STEP = (
    S("impute", ("monthly income", "b", "when"), {"add_indicator": True}),
    S("impute", ("région",), {"strategy": "constant"}),
    S("date_parts", ("when",), {"parts": ["year", "month", "day_of_week", "days_since"]}),
    S("ratio", ("monthly income", "b")),
    S("difference", ("monthly income", "b")),
    S("interactions", ("monthly income", "b")),
    S("impute", ("monthly income / b", "monthly income * b", "monthly income - b")),
    S("impute", ("when year", "when month", "when day_of_week", "when days_since")),
    S("log1p", ("b",)),
    S("clip", ("monthly income",), {"lower": 0.05, "upper": 0.95}),
    S("bin", ("monthly income - b",), {"n_bins": 4}),
    S("scale", ("monthly income",)),
    S("one_hot", ("région",), {"min_frequency": 20}),
    S("variance_threshold", (), {"threshold": 0.0}),
    S("select_k_best", (), {"k": 8}),
)


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_a_recipe_with_every_step_passes_the_gate(task: str) -> None:
    recipe = Recipe(EVERY_STEP).to_dict()
    pipeline, train, check = fitted("linear", task, recipe=recipe)
    exported = export_pipeline(pipeline, INPUTS, _facts(task), train_rows=train, check_rows=check)
    assert exported.parity.passed, exported.parity.summary()


@pytest.mark.parametrize(
    "step",
    [S("ordinal", ("région",)), S("target_encode", ("région",)), S("drop", ("b",))],
)
def test_encoders_and_drop_pass_the_gate(step: RecipeStep) -> None:
    recipe = Recipe((step,)).to_dict()
    pipeline, train, check = fitted("hist_gradient_boosting", "binary", recipe=recipe)
    exported = export_pipeline(
        pipeline, INPUTS, _facts("binary"), train_rows=train, check_rows=check
    )
    assert exported.parity.passed, exported.parity.summary()


def test_ties_on_the_boundary_are_reported_not_hidden() -> None:
    pipeline, _train, check = fitted("linear", "binary")
    final = pipeline.steps[-1][1]
    final.coef_[:] = 0.0  # every row now gets exactly 0.5 / 0.5
    final.intercept_[:] = 0.0
    model = to_onnx_model(pipeline, INPUTS)
    report = check_parity(pipeline, model, check, INPUTS, task="binary", threshold=0.5,
                          positive_class="yes")
    assert report.passed
    assert report.ties == list(range(len(check)))
    assert "exactly on the decision boundary" in report.summary()


def test_a_broken_converter_fails_the_export_and_names_the_step(monkeypatch) -> None:
    """Swap the log1p converter for one that computes log(x) + 1: the gate must catch it."""
    from skl2onnx import update_registered_converter
    from skl2onnx.algebra.onnx_ops import OnnxAdd, OnnxLog

    from engine.recipe import converters, graph_steps, steps

    def broken(scope, operator, container):
        opv = container.target_opset
        source = operator.inputs[0]
        wrong = OnnxAdd(
            OnnxLog(source, op_version=opv), np.array([1.0], dtype=np.float32), op_version=opv,
            output_names=operator.outputs[:1],
        )
        wrong.add_to(scope, container)

    recipe = Recipe(
        (
            S("impute", ("monthly income", "b", "when")),
            S("impute", ("région",), {"strategy": "constant"}),
            S("log1p", ("b",)),
        )
    ).to_dict()
    pipeline, train, check = fitted("linear", "binary", recipe=recipe)
    update_registered_converter(
        steps.SignedLog1p, "GristmillSignedLog1p", converters._float_shape, broken
    )
    try:
        with pytest.raises(ExportError) as raised:
            export_pipeline(pipeline, INPUTS, _facts("binary"), train_rows=train,
                            check_rows=check)
    finally:
        update_registered_converter(
            steps.SignedLog1p, "GristmillSignedLog1p", converters._float_shape,
            graph_steps.convert_log1p,
        )
    message = str(raised.value)
    assert "does not predict what the trained model predicts" in message
    assert "log1p" in message and "'b'" in message
    assert "rows" in message


def test_a_model_step_difference_is_named_as_such() -> None:
    """A pipeline whose model changed after conversion: the inputs agree, the model does not."""
    pipeline, _train, check = fitted("linear", "regression")
    model = to_onnx_model(pipeline, INPUTS)
    final = pipeline.steps[-1][1]
    final.coef_ = final.coef_ * 1.5  # sklearn now predicts something else than the graph
    report = check_parity(pipeline, model, check, INPUTS, task="regression")
    assert not report.passed
    assert report.step is not None and "model step" in report.step
    assert len(report.value_mismatches) > 0


def test_check_rows_keep_their_row_numbers() -> None:
    pipeline, _train, check = fitted("linear", "binary")
    model = to_onnx_model(pipeline, INPUTS)
    report = check_parity(pipeline, model, check.iloc[:5], INPUTS, task="binary")
    assert report.rows == 5 and report.passed


def test_binary_models_decide_inside_the_graph() -> None:
    """The graph's `decision` is P(positive) >= threshold (float32), not the arg-max label;
    the golden rows expect exactly that output."""
    from engine.export.parity import run_onnx
    from engine.recipe.onnx_graph import onnx_feed

    pipeline, train, check = fitted("linear", "binary")
    exported = export_pipeline(pipeline, INPUTS, _facts("binary"), train_rows=train,
                               check_rows=check)
    assert exported.metadata.outputs == ("label", "probabilities", "decision")
    outputs = run_onnx(exported.model, onnx_feed(check, INPUTS))
    positive = list(exported.metadata.classes).index("yes")
    chosen = outputs["probabilities"][:, positive] >= np.float32(0.35)
    assert outputs["decision"].tolist() == np.where(chosen, "yes", "no").tolist()
    labels = np.asarray(outputs["label"]).astype(str)
    assert (labels != outputs["decision"]).any()  # a 0.35 threshold differs from arg-max
    golden = exported.golden
    assert set(golden["expected:decision"]) <= {"yes", "no"}
