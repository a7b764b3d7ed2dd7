"""A threshold picked by hand gives the holdout's real counts, from the stored analysis alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.errors import InputError
from engine.evaluation.result import BusinessValue, ConfusionMatrix, Evaluation
from engine.evaluation.threshold import analyse_thresholds, choose_threshold
from engine.evaluation.threshold_pick import MANUAL, pick_threshold, point_at


def _scores(rows: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.random(rows) < 0.3
    scores = np.round(np.clip(truth * 0.3 + rng.random(rows) * 0.7, 0, 1), 3)
    return truth, scores


def _counts(truth: np.ndarray, scores: np.ndarray, cut: float) -> tuple[int, int, int, int]:
    flagged = scores >= cut
    return (
        int((truth & flagged).sum()), int((~truth & flagged).sum()),
        int((~truth & ~flagged).sum()), int((truth & ~flagged).sum()),
    )


def _evaluation(truth: np.ndarray, scores: np.ndarray) -> Evaluation:
    analysis = analyse_thresholds(truth, scores)
    choice = choose_threshold(analysis, "f1")
    stored = Evaluation(
        task="binary", metrics=(), rows=len(truth), positive_class="yes",
        thresholds=replace(analysis, choice=choice),
        confusion=ConfusionMatrix(["no", "yes"], [[0, 0], [0, 0]], choice.threshold),
    )
    return Evaluation.from_dict(stored.to_dict())  # as read back from the project


@pytest.mark.parametrize("value", [0.0, 0.05, 0.2137, 0.5, 0.61, 0.999, 1.0])
def test_any_threshold_gives_the_counts_a_fresh_count_gives(value: float) -> None:
    truth, scores = _scores(120)  # fewer distinct scores than candidates: every score is a cut
    analysis = _evaluation(truth, scores).thresholds

    point = point_at(analysis, value)

    assert (point.tp, point.fp, point.tn, point.fn) == _counts(truth, scores, value)
    # The stored cut flags the same holdout rows as the value asked for.
    assert point.threshold >= value
    assert _counts(truth, scores, point.threshold) == _counts(truth, scores, value)


def test_on_a_large_holdout_the_pick_is_a_stored_cut_with_its_exact_counts() -> None:
    truth, scores = _scores(5_000)  # many distinct scores: the cuts are quantiles
    analysis = _evaluation(truth, scores).thresholds
    point = point_at(analysis, 0.4321)
    assert point.threshold in {p.threshold for p in analysis.points}
    assert (point.tp, point.fp, point.tn, point.fn) == _counts(truth, scores, point.threshold)


def test_pick_stores_a_manual_choice_with_the_confusion_matrix_and_value() -> None:
    truth, scores = _scores(300)
    costs = BusinessValue(false_positive_cost=5, false_negative_cost=40, true_positive_value=20)

    picked = pick_threshold(_evaluation(truth, scores), 0.35, costs)

    choice = picked.thresholds.choice
    tp, fp, tn, fn = _counts(truth, scores, 0.35)
    assert choice.rule == MANUAL and choice.threshold >= 0.35
    assert picked.threshold == choice.threshold
    assert picked.confusion.counts == [[tn, fp], [fn, tp]]
    assert picked.confusion.threshold == choice.threshold
    assert choice.point.expected_value == pytest.approx(tp * 20 - fp * 5 - fn * 40)
    assert picked.thresholds.costs == costs
    assert "chosen by hand" in choice.reason and f"{tp + fp:,}" in choice.reason
    # Kept through the project's JSON.
    assert Evaluation.from_dict(picked.to_dict()).thresholds.choice == choice


def test_without_new_costs_the_stored_ones_are_kept() -> None:
    truth, scores = _scores(300)
    costs = BusinessValue(false_positive_cost=1, false_negative_cost=2, true_positive_value=3)
    with_costs = pick_threshold(_evaluation(truth, scores), 0.5, costs)
    again = pick_threshold(with_costs, 0.7)
    assert again.thresholds.costs == costs
    assert again.thresholds.choice.point.expected_value is not None


def test_above_every_cut_nobody_is_flagged() -> None:
    truth = np.array([True, False, True, False])
    scores = np.array([0.2, 0.1, 0.3, 0.25])
    analysis = analyse_thresholds(
        truth, scores, costs=BusinessValue(1.0, 10.0, 5.0, true_negative_value=0.5)
    )
    point = point_at(analysis, 0.97)
    assert (point.tp, point.fp, point.tn, point.fn) == (0, 0, 2, 2)
    assert point.expected_value == pytest.approx(2 * 0.5 - 2 * 10.0)


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan"), "0.5"])
def test_bad_thresholds_are_refused_in_words(value: object) -> None:
    truth, scores = _scores(50)
    with pytest.raises(InputError, match="between 0 and 1"):
        point_at(_evaluation(truth, scores).thresholds, value)  # type: ignore[arg-type]


def test_a_model_without_threshold_is_refused() -> None:
    with pytest.raises(InputError, match="no decision threshold"):
        pick_threshold(Evaluation(task="regression", metrics=()), 0.5)
