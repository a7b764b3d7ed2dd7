"""Choosing the threshold again from a stored evaluation, without the model or the data.

The threshold analysis keeps the four counts (TP, FP, TN, FN) at every candidate threshold,
on the holdout and on the out-of-fold scores of the training rows, so new business values or
a new rule need no re-scoring: the window's threshold slider and ``gristmill evaluate
--threshold-rule`` both come here, and the choice is stored for export.
"""

from __future__ import annotations

from dataclasses import replace

from engine.errors import InputError
from engine.evaluation.result import (
    BusinessValue,
    ConfusionMatrix,
    Evaluation,
    ThresholdAnalysis,
    ThresholdChoice,
    ThresholdPoint,
)
from engine.evaluation.threshold import _check_costs, choose_on

_NOTE_START = "Accuracy, precision, recall and F1 in the metrics table use the default threshold"


def threshold_note(choice: ThresholdChoice) -> str:
    """The evaluation's note on the chosen threshold (rewritten whenever it changes)."""
    return (
        f"{_NOTE_START} 0.5; at the chosen threshold {choice.threshold:.3g} precision is "
        f"{choice.point.precision:.2f}, recall {choice.point.recall:.2f} and F1 "
        f"{choice.point.f1:.2f}."
    )


def with_threshold_note(notes: list[str], choice: ThresholdChoice) -> list[str]:
    """``notes`` with the threshold note for ``choice`` in place of any earlier one."""
    return [note for note in notes if not note.startswith(_NOTE_START)] + [
        threshold_note(choice)
    ]


def with_costs(analysis: ThresholdAnalysis, costs: BusinessValue | None) -> ThresholdAnalysis:
    """The same analysis with expected values for ``costs`` (None removes them), its
    out-of-fold outcomes too."""
    if costs is not None:
        _check_costs(costs)
    points = []
    for point in analysis.points:
        value = per_row = None
        if costs is not None:
            value = float(
                point.tp * costs.true_positive_value
                + point.tn * costs.true_negative_value
                - point.fp * costs.false_positive_cost
                - point.fn * costs.false_negative_cost
            )
            per_row = value / analysis.rows if analysis.rows else None
        points.append(replace(point, expected_value=value, value_per_row=per_row))
    folds = None if analysis.out_of_fold is None else with_costs(analysis.out_of_fold, costs)
    return replace(analysis, points=tuple(points), costs=costs, choice=None, out_of_fold=folds)


def rechoose_threshold(
    evaluation: Evaluation,
    rule: str = "f1",
    *,
    target: float | None = None,
    costs: BusinessValue | None = None,
) -> Evaluation:
    """The evaluation with a threshold chosen by ``rule`` and its confusion matrix updated.

    As in training, the rule chooses on the stored out-of-fold outcomes when the run has
    them, and the holdout reports the outcome at that threshold (:func:`choose_on`).
    """
    if evaluation.thresholds is None or evaluation.confusion is None:
        raise InputError(
            f"A {evaluation.task} model has no decision threshold to choose.",
            "Thresholds apply to yes/no (binary) models.",
        )
    analysis = with_costs(evaluation.thresholds, costs or evaluation.thresholds.costs)
    choice = choose_on(analysis, rule, target)
    negative, positive = evaluation.confusion.labels
    return replace(
        evaluation,
        thresholds=replace(analysis, choice=choice),
        confusion=_confusion(choice.point, negative, positive),
        notes=with_threshold_note(evaluation.notes, choice),
    )


def _confusion(point: ThresholdPoint, negative: str, positive: str) -> ConfusionMatrix:
    return ConfusionMatrix(
        labels=[negative, positive],
        counts=[[point.tn, point.fp], [point.fn, point.tp]],
        threshold=point.threshold,
    )
