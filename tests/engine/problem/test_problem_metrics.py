"""Metrics: the catalogue's words, the defaults per task, and scores that match scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

from engine.errors import InputError
from engine.problem.definition import Task
from engine.problem.metrics import (
    METRICS,
    check_metric,
    default_metric,
    higher_is_better,
    metrics_for,
    score,
)

REQUIRED = ("roc_auc", "pr_auc", "log_loss", "accuracy", "f1", "macro_f1", "weighted_f1",
            "brier", "rmse", "mae", "r2", "mape", "silhouette")


def test_catalogue_has_every_required_metric_with_words() -> None:
    for name in REQUIRED:
        info = METRICS[name]
        assert info.name == name
        assert info.label and info.tasks
        assert info.explanation.endswith(".") and len(info.explanation.split()) >= 6
    assert METRICS["silhouette"].tasks == (Task.CLUSTERING,)


@pytest.mark.parametrize(("task", "expected"), [
    (Task.BINARY, "roc_auc"), (Task.MULTICLASS, "macro_f1"), (Task.REGRESSION, "rmse"),
    (Task.CLUSTERING, "silhouette"), (Task.ANOMALY, "flagged_share"),
])
def test_default_metric_per_task_fits_the_task(task: Task, expected: str) -> None:
    assert default_metric(task) == expected
    assert task in METRICS[expected].tasks
    assert metrics_for(task)[0] == expected


def test_direction() -> None:
    assert higher_is_better("roc_auc") and higher_is_better("r2")
    assert not higher_is_better("log_loss") and not higher_is_better("rmse")
    assert not higher_is_better("brier")


def test_unknown_or_unfit_metric_is_input_error() -> None:
    with pytest.raises(InputError, match="no metric named 'auc'"):
        higher_is_better("auc")
    with pytest.raises(InputError, match="does not apply to a binary task"):
        check_metric("rmse", Task.BINARY)


def _binary() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    truth = np.where(rng.random(300) < 0.3, "yes", "no").astype(object)
    p_yes = np.clip((truth == "yes") * 0.4 + rng.random(300) * 0.6, 0, 1)
    return truth, p_yes


def test_binary_scores_follow_the_class_order_of_proba() -> None:
    truth, p_yes = _binary()
    proba = np.column_stack([1 - p_yes, p_yes])  # columns in the order ("no", "yes")
    pred = np.where(p_yes > 0.5, "yes", "no")
    hits = truth == "yes"
    common = {"classes": ["no", "yes"], "positive_class": "yes"}
    assert score("roc_auc", truth, pred, proba, **common) == pytest.approx(
        skm.roc_auc_score(hits, p_yes))
    assert score("pr_auc", truth, pred, proba, **common) == pytest.approx(
        skm.average_precision_score(hits, p_yes))
    assert score("brier", truth, pred, proba, **common) == pytest.approx(
        skm.brier_score_loss(hits, p_yes))
    assert score("log_loss", truth, pred, proba, **common) == pytest.approx(
        skm.log_loss(hits, p_yes))
    assert score("f1", truth, pred, proba, **common) == pytest.approx(skm.f1_score(hits,
                                                                                     p_yes > 0.5))
    assert score("accuracy", truth, pred) == pytest.approx(np.mean(truth == pred))
    # The same probabilities given in the other column order must give the same AUC.
    swapped = score("roc_auc", truth, pred, proba[:, ::-1], classes=["yes", "no"],
                    positive_class="yes")
    assert swapped == pytest.approx(skm.roc_auc_score(hits, p_yes))
    assert score("log_loss", truth, pred, proba[:, ::-1], classes=["yes", "no"]) == pytest.approx(
        skm.log_loss(hits, p_yes))
    assert score("log_loss", truth, pred, p_yes, **common) == pytest.approx(
        skm.log_loss(hits, p_yes))
    # Choosing the other positive class mirrors precision-based scores.
    assert score("f1", truth, pred, classes=["no", "yes"], positive_class="no") == pytest.approx(
        skm.f1_score(~hits, p_yes <= 0.5))


def test_multiclass_scores() -> None:
    rng = np.random.default_rng(5)
    classes = ["a", "b", "c"]
    truth = rng.choice(classes, 200).astype(object)
    proba = rng.dirichlet([1, 1, 1], 200)
    proba[np.arange(200), [classes.index(t) for t in truth]] += 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    pred = np.array(classes, dtype=object)[proba.argmax(axis=1)]
    assert score("macro_f1", truth, pred, classes=classes) == pytest.approx(
        skm.f1_score(truth, pred, average="macro"))
    assert score("weighted_f1", truth, pred, classes=classes) == pytest.approx(
        skm.f1_score(truth, pred, average="weighted"))
    assert score("log_loss", truth, pred, proba, classes=classes) == pytest.approx(
        skm.log_loss(truth, proba, labels=classes))
    assert score("roc_auc", truth, pred, proba, classes=classes) == pytest.approx(
        skm.roc_auc_score(truth, proba, multi_class="ovr", labels=classes))
    reordered = [2, 0, 1]
    assert score("roc_auc", truth, pred, proba[:, reordered],
                 classes=[classes[i] for i in reordered]) == pytest.approx(
        skm.roc_auc_score(truth, proba, multi_class="ovr", labels=classes))
    assert score("log_loss", truth, pred, proba[:, reordered],
                 classes=[classes[i] for i in reordered]) == pytest.approx(
        skm.log_loss(truth, proba, labels=classes))


def test_roc_auc_with_one_class_present_is_nan() -> None:
    truth = np.array(["no"] * 5, dtype=object)
    value = score("roc_auc", truth, truth, np.full(5, 0.2), classes=["no", "yes"],
                  positive_class="yes")
    assert math.isnan(value)


def test_regression_scores_and_mape_without_zero_truths() -> None:
    truth = np.array([0.0, 10.0, 20.0, 40.0])
    pred = np.array([1.0, 11.0, 18.0, 44.0])
    assert score("rmse", truth, pred) == pytest.approx(np.sqrt(np.mean((truth - pred) ** 2)))
    assert score("mae", truth, pred) == pytest.approx(2.0)
    assert score("r2", truth, pred) == pytest.approx(skm.r2_score(truth, pred))
    assert score("mape", truth, pred) == pytest.approx((0.1 + 0.1 + 0.1) / 3)
    assert math.isnan(score("mape", np.zeros(3), np.ones(3)))


def test_silhouette_is_high_for_separate_groups() -> None:
    rng = np.random.default_rng(0)
    features = np.vstack([rng.normal(0, 0.3, (50, 2)), rng.normal(5, 0.3, (50, 2))])
    labels = np.repeat([0, 1], 50)
    assert score("silhouette", features, labels) > 0.8
    assert score("silhouette", features, rng.integers(0, 2, 100)) < 0.2
    assert math.isnan(score("silhouette", features, np.zeros(100)))


def test_flagged_share_uses_scikit_learn_convention() -> None:
    assert score("flagged_share", None, np.array([1, -1, 1, 1])) == pytest.approx(0.25)
    assert score("flagged_share", None, np.array([1, 1, 1])) == 0.0
    assert score("flagged_share", None, np.array([True, False])) == pytest.approx(0.5)


def test_probability_metric_without_proba_is_refused() -> None:
    truth, _ = _binary()
    with pytest.raises(ValueError, match="needs predicted probabilities"):
        score("roc_auc", truth, truth)
