"""Threshold rules on a hand-made holdout, and business value checked by hand.

Eight rows, scores 0.1 .. 0.9, positives at 0.3, 0.6, 0.8 and 0.9. Flagging rows scoring at
or above t gives (tp, fp): t=0.3 -> (4, 2), F1 0.8, the best; t=0.6 -> (3, 1), precision
0.75; t=0.8 -> (2, 0), precision 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InputError
from engine.evaluation.threshold import BusinessValue, analyse_thresholds, choose_threshold

SCORES = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
TRUTH = np.array([0, 0, 1, 0, 1, 0, 1, 1], dtype=bool)


def _at(analysis, threshold: float):
    return next(p for p in analysis.points if p.threshold == pytest.approx(threshold))


def test_counts_at_each_threshold() -> None:
    analysis = analyse_thresholds(TRUTH, SCORES)
    assert (analysis.rows, analysis.positives) == (8, 4)
    point = _at(analysis, 0.6)
    assert (point.tp, point.fp, point.tn, point.fn) == (3, 1, 3, 1)
    assert (point.precision, point.recall, point.f1) == (0.75, 0.75, 0.75)
    everyone = _at(analysis, 0.1)
    assert (everyone.tp, everyone.fp, everyone.tn, everyone.fn) == (4, 4, 0, 0)
    nobody = _at(analysis, 0.95)  # from the round grid, above every score
    assert (nobody.tp, nobody.fp, nobody.precision) == (0, 0, 0.0)
    thresholds = [p.threshold for p in analysis.points]
    assert thresholds == sorted(thresholds)


def test_best_f1() -> None:
    choice = choose_threshold(analyse_thresholds(TRUTH, SCORES), "f1")
    # 0.25 (grid) and 0.3 give the same outcome; ties go to the higher threshold.
    assert choice.threshold == pytest.approx(0.3)
    assert choice.point.f1 == pytest.approx(0.8)
    assert choice.reason.startswith("best F1")


def test_target_precision_takes_the_lowest_threshold_that_reaches_it() -> None:
    analysis = analyse_thresholds(TRUTH, SCORES)
    choice = choose_threshold(analysis, "precision", 0.75)
    # Between the scores 0.4 and 0.6 the first cut is the grid value 0.45: same rows as 0.6.
    assert choice.threshold == pytest.approx(0.45)
    assert (choice.point.tp, choice.point.fp) == (3, 1)
    assert choice.reason.startswith("precision >= 0.75")
    strict = choose_threshold(analysis, "precision", 0.9)
    assert (strict.point.tp, strict.point.fp, strict.point.precision) == (2, 0, 1.0)
    assert 0.7 < strict.threshold <= 0.8 and strict.target_reached


def test_target_recall_takes_the_highest_threshold_that_reaches_it() -> None:
    analysis = analyse_thresholds(TRUTH, SCORES)
    assert choose_threshold(analysis, "recall", 1.0).threshold == pytest.approx(0.3)
    assert choose_threshold(analysis, "recall", 0.75).threshold == pytest.approx(0.6)


def test_unreachable_precision_says_so_and_falls_back_to_best_f1() -> None:
    # The highest score is a negative row: precision never goes above 0.5.
    truth = np.array([False, True, False])
    scores = np.array([0.9, 0.8, 0.2])
    choice = choose_threshold(analyse_thresholds(truth, scores), "precision", 0.8)
    assert choice.target_reached is False
    assert "No threshold reaches precision 0.8" in choice.reason
    assert "best is 0.50" in choice.reason
    best_f1 = choose_threshold(analyse_thresholds(truth, scores), "f1")
    assert choice.threshold == best_f1.threshold


def test_business_value_by_hand() -> None:
    costs = BusinessValue(false_positive_cost=10, false_negative_cost=50,
                          true_positive_value=30, true_negative_value=1)
    analysis = analyse_thresholds(TRUTH, SCORES, costs=costs)
    # t=0.6: 3 x 30 + 3 x 1 - 1 x 10 - 1 x 50 = 33
    assert _at(analysis, 0.6).expected_value == pytest.approx(33.0)
    assert _at(analysis, 0.6).value_per_row == pytest.approx(33.0 / 8)
    # t=0.1 flags everyone: 4 x 30 - 4 x 10 = 80
    assert _at(analysis, 0.1).expected_value == pytest.approx(80.0)
    # t=0.3: 4 x 30 + 2 x 1 - 2 x 10 = 102, the best.
    choice = choose_threshold(analysis, "value")
    assert choice.threshold == pytest.approx(0.3)
    assert choice.point.expected_value == pytest.approx(102.0)
    assert "highest expected value: 102" in choice.reason
    assert "12.75 per row" in choice.reason


def test_value_rule_without_costs_asks_for_them() -> None:
    with pytest.raises(InputError, match="cost of a false positive"):
        choose_threshold(analyse_thresholds(TRUTH, SCORES), "value")


def test_bad_rule_and_target_are_refused() -> None:
    analysis = analyse_thresholds(TRUTH, SCORES)
    with pytest.raises(InputError, match="Unknown threshold rule"):
        choose_threshold(analysis, "accuracy")
    with pytest.raises(InputError, match="between 0 and 1"):
        choose_threshold(analysis, "precision", 80)


def test_many_scores_give_a_bounded_table() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(20_000)
    truth = rng.random(20_000) < scores
    analysis = analyse_thresholds(truth, scores)
    assert len(analysis.points) <= 150 + 19
    # Every point's counts add up to the holdout.
    assert all(p.tp + p.fp + p.tn + p.fn == 20_000 for p in analysis.points)
    # Counts agree with a direct count at an arbitrary candidate.
    point = analysis.points[40]
    flagged = scores >= point.threshold
    assert point.tp == int((flagged & truth).sum()) and point.fp == int((flagged & ~truth).sum())


def test_chosen_threshold_reaches_the_evaluation(cancer) -> None:
    from engine.evaluation.evaluate import evaluate_model

    costs = BusinessValue(false_positive_cost=100, false_negative_cost=1000,
                          true_positive_value=200)
    evaluation = evaluate_model(
        "binary", cancer.model, cancer.x_holdout, cancer.y_holdout, baseline=cancer.baseline,
        positive_class="malignant", threshold_rule="value", costs=costs, top_features=0,
    )
    assert evaluation.thresholds is not None and evaluation.thresholds.choice is not None
    assert evaluation.threshold == evaluation.thresholds.choice.threshold
    assert evaluation.confusion is not None
    assert evaluation.confusion.threshold == evaluation.threshold
    point = evaluation.thresholds.choice.point
    # The confusion matrix (rows actual, columns predicted; negative first) is that point.
    assert evaluation.confusion.counts == [[point.tn, point.fp], [point.fn, point.tp]]
    best = max(p.expected_value for p in evaluation.thresholds.points)
    assert point.expected_value == best


def test_negative_costs_are_refused_with_a_hint() -> None:
    costs = BusinessValue(false_positive_cost=-10, false_negative_cost=50, true_positive_value=1)
    with pytest.raises(InputError, match="positive amounts"):
        analyse_thresholds(TRUTH, SCORES, costs=costs)
