"""Holdout metrics equal scikit-learn's, beside the baseline and the cross-validation spread."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from engine.evaluation.evaluate import evaluate_model
from engine.evaluation.metrics import (
    METRIC_INFO,
    TASK_METRICS,
    canonical_name,
    cv_summary,
    regression_metrics,
)
from engine.evaluation.result import Evaluation


def _holdout(evaluation: Evaluation, name: str) -> float:
    summary = evaluation.metric(name)
    assert summary is not None and summary.holdout is not None, name
    return summary.holdout


def test_binary_metrics_equal_sklearn(cancer, cancer_evaluation) -> None:
    classes = list(cancer.model.classes_)
    proba = cancer.model.predict_proba(cancer.x_holdout)[:, classes.index("malignant")]
    truth = cancer.y_holdout == "malignant"
    predicted = proba >= 0.5
    expected = {
        "roc_auc": skm.roc_auc_score(truth, proba),
        "pr_auc": skm.average_precision_score(truth, proba),
        "accuracy": skm.accuracy_score(truth, predicted),
        "precision": skm.precision_score(truth, predicted),
        "recall": skm.recall_score(truth, predicted),
        "f1": skm.f1_score(truth, predicted),
        "log_loss": skm.log_loss(truth, proba),
        "brier": skm.brier_score_loss(truth, proba),
    }
    assert [m.name for m in cancer_evaluation.metrics] == list(TASK_METRICS["binary"])
    for name, value in expected.items():
        assert _holdout(cancer_evaluation, name) == pytest.approx(value, rel=1e-12), name
    # 0.5 is not below the model's own threshold here, so the default predict agrees too.
    assert _holdout(cancer_evaluation, "accuracy") == pytest.approx(
        skm.accuracy_score(cancer.y_holdout, cancer.model.predict(cancer.x_holdout)))


def test_binary_baseline_is_scored_too(cancer, cancer_evaluation) -> None:
    roc = cancer_evaluation.metric("roc_auc")
    assert roc is not None and roc.baseline == pytest.approx(0.5)
    pr = cancer_evaluation.metric("pr_auc")
    assert pr is not None
    assert pr.baseline == pytest.approx(float(np.mean(cancer.y_holdout == "malignant")))
    assert roc.holdout is not None and roc.holdout > 0.95


def test_cross_validation_scores_are_summarised_with_sklearn_names(cancer_evaluation) -> None:
    roc = cancer_evaluation.metric("roc_auc")
    loss = cancer_evaluation.metric("log_loss")
    assert roc is not None and loss is not None
    assert (roc.cv_mean, roc.cv_std) == (pytest.approx(0.98), pytest.approx(0.01))
    # neg_log_loss scores are negated back: log loss is positive, lower is better.
    assert (loss.cv_mean, loss.cv_std) == (pytest.approx(0.12), pytest.approx(0.02))
    assert loss.greater_is_better is False
    assert cancer_evaluation.metric("f1").cv_mean is None  # type: ignore[union-attr]


def test_multiclass_metrics_and_per_class_table_equal_sklearn(wine, wine_evaluation) -> None:
    predicted = wine.model.predict(wine.x_holdout)
    proba = wine.model.predict_proba(wine.x_holdout)
    truth = wine.y_holdout
    assert _holdout(wine_evaluation, "accuracy") == pytest.approx(
        skm.accuracy_score(truth, predicted))
    assert _holdout(wine_evaluation, "macro_f1") == pytest.approx(
        skm.f1_score(truth, predicted, average="macro"))
    assert _holdout(wine_evaluation, "weighted_f1") == pytest.approx(
        skm.f1_score(truth, predicted, average="weighted"))
    assert _holdout(wine_evaluation, "log_loss") == pytest.approx(
        skm.log_loss(truth, proba, labels=wine.model.classes_))
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        truth, predicted, labels=wine.model.classes_)
    table = wine_evaluation.per_class
    assert [row["label"] for row in table] == ["class_0", "class_1", "class_2"]
    assert [row["precision"] for row in table] == pytest.approx(list(precision))
    assert [row["recall"] for row in table] == pytest.approx(list(recall))
    assert [row["f1"] for row in table] == pytest.approx(list(f1))
    assert [row["support"] for row in table] == list(support)
    baseline = wine_evaluation.metric("accuracy")
    assert baseline is not None and baseline.baseline is not None
    assert baseline.baseline < baseline.holdout  # type: ignore[operator]


def test_regression_metrics_equal_sklearn(diabetes, diabetes_evaluation) -> None:
    predicted = diabetes.model.predict(diabetes.x_holdout)
    truth = diabetes.y_holdout
    assert _holdout(diabetes_evaluation, "rmse") == pytest.approx(
        skm.root_mean_squared_error(truth, predicted))
    assert _holdout(diabetes_evaluation, "mae") == pytest.approx(
        skm.mean_absolute_error(truth, predicted))
    assert _holdout(diabetes_evaluation, "r2") == pytest.approx(skm.r2_score(truth, predicted))
    assert _holdout(diabetes_evaluation, "mape") == pytest.approx(
        skm.mean_absolute_percentage_error(truth, predicted))
    rmse = diabetes_evaluation.metric("rmse")
    assert rmse is not None and rmse.baseline == pytest.approx(
        skm.root_mean_squared_error(truth, diabetes.baseline.predict(diabetes.x_holdout)))
    assert (rmse.cv_mean, rmse.cv_std) == (pytest.approx(55.0), pytest.approx(5.0))


def test_mape_with_zero_actual_values_is_explained_not_infinite() -> None:
    values, notes = regression_metrics(np.array([0.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0]))
    assert values["mape"] is None
    assert "1 holdout row has an actual value of 0" in notes["mape"]
    assert values["mae"] == pytest.approx(2 / 3)


def test_mape_note_reaches_the_evaluation(diabetes) -> None:
    truth = diabetes.y_holdout.copy()
    truth[:3] = 0.0
    evaluation = evaluate_model("regression", diabetes.model, diabetes.x_holdout, truth,
                                baseline=diabetes.baseline, top_features=0)
    mape = evaluation.metric("mape")
    assert mape is not None and mape.holdout is None and mape.baseline is None
    assert mape.note is not None and "3 holdout rows" in mape.note


def test_every_metric_has_a_plain_explanation() -> None:
    for name, info in METRIC_INFO.items():
        assert info.label and len(info.explanation.split()) >= 8, name


def test_scorer_names_are_mapped_and_unknown_ones_reported() -> None:
    assert canonical_name("neg_root_mean_squared_error") == ("rmse", -1.0)
    assert canonical_name("average_precision") == ("pr_auc", 1.0)
    assert canonical_name("roc_auc") == ("roc_auc", 1.0)
    summary, unknown = cv_summary({"neg_mean_absolute_error": [-2.0, -4.0], "gini": [0.1]})
    assert summary == {"mae": (3.0, 1.0)}
    assert unknown == ["gini"]


def test_unknown_cross_validation_names_are_noted(diabetes) -> None:
    evaluation = evaluate_model("regression", diabetes.model, diabetes.x_holdout,
                                diabetes.y_holdout, baseline=diabetes.baseline,
                                cv_scores={"gini": [0.3, 0.4]}, top_features=0)
    assert any("gini" in note and "unknown metric" in note for note in evaluation.notes)
    assert all(m.cv_mean is None for m in evaluation.metrics)


def test_names_match_the_problem_catalog_and_sklearn_scorers() -> None:
    assert canonical_name("f1_macro") == ("macro_f1", 1.0)
    assert canonical_name("f1_weighted") == ("weighted_f1", 1.0)
    assert {"macro_f1", "weighted_f1", "flagged_share", "silhouette"} <= set(METRIC_INFO)
