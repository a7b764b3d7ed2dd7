"""Choosing the threshold again from stored counts gives what a fresh analysis gives."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InputError
from engine.evaluation.result import BusinessValue, ConfusionMatrix, Evaluation
from engine.evaluation.rethreshold import rechoose_threshold, with_costs
from engine.evaluation.threshold import analyse_thresholds, choose_threshold


def _evaluation() -> tuple[Evaluation, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(8)
    truth = rng.random(400) < 0.3
    scores = np.clip(truth * 0.35 + rng.random(400) * 0.65, 0, 1)
    analysis = analyse_thresholds(truth, scores)
    choice = choose_threshold(analysis, "f1")
    from dataclasses import replace

    evaluation = Evaluation(
        task="binary",
        metrics=(),
        rows=400,
        positive_class="yes",
        thresholds=replace(analysis, choice=choice),
        confusion=ConfusionMatrix(["no", "yes"], [[0, 0], [0, 0]], choice.threshold),
    )
    return evaluation, truth, scores


def test_value_rule_from_stored_counts_matches_a_fresh_analysis() -> None:
    evaluation, truth, scores = _evaluation()
    costs = BusinessValue(false_positive_cost=5, false_negative_cost=40, true_positive_value=20)
    stored = Evaluation.from_dict(evaluation.to_dict())  # as read back from the project

    updated = rechoose_threshold(stored, "value", costs=costs)

    fresh = choose_threshold(analyse_thresholds(truth, scores, costs=costs), "value")
    assert updated.thresholds.choice.threshold == pytest.approx(fresh.threshold)
    assert updated.thresholds.choice.point.expected_value == pytest.approx(
        fresh.point.expected_value
    )
    point = updated.thresholds.choice.point
    flagged = scores >= point.threshold
    assert updated.confusion.counts == [
        [int((~truth & ~flagged).sum()), int((~truth & flagged).sum())],
        [int((truth & ~flagged).sum()), int((truth & flagged).sum())],
    ]


def test_precision_rule_and_bad_input() -> None:
    evaluation, _, _ = _evaluation()
    updated = rechoose_threshold(evaluation, "precision", target=0.6)
    assert updated.thresholds.choice.point.precision >= 0.6
    with pytest.raises(InputError, match="positive amounts"):
        with_costs(evaluation.thresholds, BusinessValue(-1, 1, 1))
    regression = Evaluation(task="regression", metrics=())
    with pytest.raises(InputError, match="no decision threshold"):
        rechoose_threshold(regression, "f1")
