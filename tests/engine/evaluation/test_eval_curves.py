"""Curves and tables as data: right values on hand examples, small enough to store."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from engine.evaluation import curves


def test_roc_and_pr_are_thinned_but_keep_their_ends() -> None:
    rng = np.random.default_rng(1)
    scores = rng.random(5_000)
    truth = rng.random(5_000) < scores
    roc = curves.roc_curve(truth, scores)
    assert len(roc.x) <= curves.MAX_POINTS
    assert (roc.x[0], roc.y[0], roc.x[-1], roc.y[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert roc.extra["auc"] == pytest.approx(skm.roc_auc_score(truth, scores))
    pr = curves.precision_recall_curve(truth, scores)
    assert len(pr.x) <= curves.MAX_POINTS
    assert pr.x[0] == 0.0 and pr.x[-1] == 1.0  # recall rises along the line
    assert pr.extra["baseline"] == pytest.approx(truth.mean())
    assert pr.extra["thresholds"][0] is None  # "flag nobody" has no finite threshold


def test_calibration_bins_hold_mean_score_and_observed_share() -> None:
    scores = np.array([0.05, 0.05, 0.15, 0.95, 0.95, 0.95, 0.95])
    truth = np.array([0, 1, 0, 1, 1, 1, 0], dtype=bool)
    curve = curves.calibration_curve(truth, scores)
    assert curve.x == pytest.approx([0.05, 0.15, 0.95])
    assert curve.y == pytest.approx([0.5, 0.0, 0.75])
    assert curve.extra["counts"] == [2, 1, 4]


def test_lift_and_gain_by_decile() -> None:
    # 20 rows, 4 positives, all among the 2 highest-scoring deciles.
    scores = np.linspace(1.0, 0.05, 20)
    truth = np.zeros(20, dtype=bool)
    truth[:4] = True
    lift, gain = curves.lift_and_gain(truth, scores)
    assert lift.x == pytest.approx([0.1 * k for k in range(1, 11)])
    assert lift.y[0] == pytest.approx(5.0)  # top 10%: 2 of 2 positive vs 20% overall
    assert lift.y[1] == pytest.approx(5.0)
    assert lift.y[-1] == pytest.approx(1.0)
    assert gain.x[0] == 0.0 and gain.y[0] == 0.0
    assert gain.y[1:4] == pytest.approx([0.5, 1.0, 1.0])
    assert lift.extra["decile_positive_rate"][:3] == [1.0, 1.0, 0.0]


def test_confusion_matrix_counts_actual_by_predicted() -> None:
    matrix = curves.confusion_matrix(
        np.array(["a", "a", "b", "c"], dtype=object), np.array(["a", "b", "b", "a"]),
        ["a", "b", "c"],
    )
    assert matrix.counts == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    assert matrix.threshold is None


def test_residuals_are_subsampled_for_storage() -> None:
    rng = np.random.default_rng(2)
    truth = rng.normal(size=10_000)
    predicted = truth + rng.normal(scale=0.1, size=10_000)
    curve = curves.residuals(truth, predicted)
    assert len(curve.x) == len(curve.y) == curves.MAX_RESIDUALS
    assert curve.extra["rows_total"] == 10_000
    assert curve.extra["mean_residual"] == pytest.approx(np.mean(truth - predicted))
    small = curves.residuals(np.array([3.0, 5.0]), np.array([2.0, 6.0]))
    assert small.x == [2.0, 6.0] and small.y == [1.0, -1.0]


def test_binary_evaluation_carries_every_curve(cancer_evaluation) -> None:
    names = [c.name for c in cancer_evaluation.curves]
    assert names == ["roc", "pr", "calibration", "lift", "gain"]
    assert cancer_evaluation.confusion is not None
    assert cancer_evaluation.confusion.labels == ["benign", "malignant"]
    assert sum(map(sum, cancer_evaluation.confusion.counts)) == cancer_evaluation.rows


def test_regression_evaluation_carries_residuals(diabetes, diabetes_evaluation) -> None:
    residuals = diabetes_evaluation.residuals
    assert residuals is not None and len(residuals.x) == len(diabetes.y_holdout)
    assert diabetes_evaluation.curve("residuals") is residuals
