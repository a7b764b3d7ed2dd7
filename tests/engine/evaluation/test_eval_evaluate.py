"""evaluate_model end to end: every task, JSON round trip, clustering, anomalies, bad input."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from engine.errors import InputError
from engine.evaluation.evaluate import evaluate_model
from engine.evaluation.result import Evaluation

PLAIN = (dict, list, str, int, float, bool, type(None))


def _assert_plain(value: Any, where: str = "evaluation") -> None:
    """Only plain JSON types: a numpy float64 would pass json.dumps but is not plain."""
    assert type(value) in PLAIN, f"{where}: {type(value).__name__}"
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"{where}: key {key!r}"
            _assert_plain(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _assert_plain(item, f"{where}[{index}]")


def test_json_round_trip_of_every_task(every_evaluation: list[Evaluation]) -> None:
    assert [e.task for e in every_evaluation] == [
        "binary", "multiclass", "regression", "clustering", "anomaly"]
    for evaluation in every_evaluation:
        data = evaluation.to_dict()
        _assert_plain(data, evaluation.task)
        text = json.dumps(data, allow_nan=False)
        assert Evaluation.from_dict(json.loads(text)) == evaluation


def test_binary_evaluation_is_complete(cancer_evaluation: Evaluation) -> None:
    assert cancer_evaluation.positive_class == "malignant"
    assert cancer_evaluation.rows == 143
    assert cancer_evaluation.thresholds is not None
    choice = cancer_evaluation.thresholds.choice
    assert choice is not None and choice.rule == "f1"
    assert cancer_evaluation.threshold == choice.threshold
    assert 1 <= len(cancer_evaluation.partial_dependence) <= 4
    assert any("default threshold 0.5" in note for note in cancer_evaluation.notes)


def test_clustering_describes_the_clusters(wine, clustering_evaluation: Evaluation) -> None:
    silhouette = clustering_evaluation.metric("silhouette")
    assert silhouette is not None and silhouette.holdout is not None
    assert 0.0 < silhouette.holdout < 1.0
    table = clustering_evaluation.clusters
    assert len(table) == 3
    assert sum(row["size"] for row in table) == len(wine.x_holdout)
    assert sum(row["share"] for row in table) == pytest.approx(1.0)
    assert set(wine.x_holdout.columns) <= set(table[0])
    assert clustering_evaluation.importances
    assert "another cluster" in clustering_evaluation.importance_metric


def test_anomaly_reports_the_share_flagged(wine, anomaly_evaluation: Evaluation) -> None:
    share = anomaly_evaluation.metric("flagged_share")
    assert share is not None and share.holdout is not None and 0.0 <= share.holdout < 0.5
    scores = anomaly_evaluation.curve("anomaly_scores")
    assert scores is not None and sum(scores.y) == len(wine.x_holdout)
    assert scores.extra["flagged"] == round(share.holdout * len(wine.x_holdout))


def test_positive_class_defaults_to_the_second_class_with_a_note(cancer) -> None:
    evaluation = evaluate_model("binary", cancer.model, cancer.x_holdout, cancer.y_holdout,
                                baseline=cancer.baseline, top_features=0)
    assert evaluation.positive_class == "malignant"  # classes_ are sorted: benign, malignant
    assert any("No positive class was named" in note for note in evaluation.notes)
    assert evaluation.partial_dependence == ()


def test_a_precision_target_can_be_asked_for(cancer) -> None:
    evaluation = evaluate_model(
        "binary", cancer.model, cancer.x_holdout, cancer.y_holdout, baseline=cancer.baseline,
        positive_class="malignant", threshold_rule="precision", threshold_target=0.99,
        top_features=0,
    )
    choice = evaluation.thresholds.choice  # type: ignore[union-attr]
    assert choice.rule == "precision" and choice.target == 0.99
    assert choice.point.precision >= 0.99 or not choice.target_reached


@pytest.mark.parametrize(
    ("task", "y", "match"),
    [
        ("forecast", "ok", "Unknown task"),
        ("binary", None, "actual target values"),
        ("binary", "short", "target values"),
    ],
)
def test_bad_input_is_explained(cancer, task: str, y: Any, match: str) -> None:
    if y == "ok":
        y = cancer.y_holdout
    elif y == "short":
        y = cancer.y_holdout[:10]
    with pytest.raises(InputError, match=match):
        evaluate_model(task, cancer.model, cancer.x_holdout, y, baseline=cancer.baseline)


def test_empty_holdout_and_wrong_positive_class_are_explained(cancer) -> None:
    with pytest.raises(InputError, match="no holdout rows"):
        evaluate_model("binary", cancer.model, cancer.x_holdout.iloc[:0],
                       cancer.y_holdout[:0], baseline=cancer.baseline)
    with pytest.raises(InputError, match="not one of the model's classes"):
        evaluate_model("binary", cancer.model, cancer.x_holdout, cancer.y_holdout,
                       baseline=cancer.baseline, positive_class="yes")
    with pytest.raises(InputError, match="baseline"):
        evaluate_model("binary", cancer.model, cancer.x_holdout, cancer.y_holdout)


def test_holdout_with_one_class_still_evaluates(cancer) -> None:
    benign = cancer.y_holdout == "benign"
    evaluation = evaluate_model(
        "binary", cancer.model, cancer.x_holdout[benign], cancer.y_holdout[benign],
        baseline=cancer.baseline, positive_class="malignant", top_features=0,
    )
    roc = evaluation.metric("roc_auc")
    assert roc is not None and roc.holdout is None and "only one class" in (roc.note or "")
    assert evaluation.curves == ()
    assert evaluation.importance_metric.startswith("Drop in accuracy")
    assert np.isfinite(evaluation.metric("log_loss").holdout)  # type: ignore[union-attr,arg-type]
