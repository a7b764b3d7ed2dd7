"""A threshold the user picks by hand (the window's slider), read from the stored counts.

The threshold analysis keeps the outcome (TP, FP, TN, FN) at every candidate cut; every
distinct holdout score is a candidate (or, on large holdouts, a quantile of them), so the
outcome at any threshold is the one at the first stored cut at or above it. That cut is
what a pick stores: the counts shown are then exactly what the holdout gives at the
threshold the export uses. No model and no data are needed, so this is cheap enough to run
on every slider move.
"""

from __future__ import annotations

import math
from dataclasses import replace

from engine.errors import InputError
from engine.evaluation.result import (
    CHOSEN_BY_HAND,
    BusinessValue,
    ConfusionMatrix,
    Evaluation,
    ThresholdAnalysis,
    ThresholdChoice,
    ThresholdPoint,
)
from engine.evaluation.rethreshold import with_costs, with_threshold_note
from engine.evaluation.threshold import outcome_at

MANUAL = "manual"
"""The rule name of a threshold chosen by hand."""


def point_at(analysis: ThresholdAnalysis, value: float) -> ThresholdPoint:
    """The holdout outcome when rows scoring at or above ``value`` are flagged.

    Its ``threshold`` is the stored cut that gives that outcome (the first at or above
    ``value``); above every cut nobody is flagged and the threshold is ``value`` itself.
    """
    if not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 <= value <= 1:
        raise InputError(
            f"A threshold is a probability between 0 and 1 (got {value!r}).",
            "For 30% enter 0.3.",
        )
    return outcome_at(analysis, value)


def describe_pick(point: ThresholdPoint, rows: int) -> str:
    """Why this threshold, in words (the model card quotes it)."""
    text = (
        f"chosen by hand: at {point.threshold:.3g} the model flags {point.flagged:,} of "
        f"{rows:,} holdout rows: precision {point.precision:.2f}, recall {point.recall:.2f}, "
        f"F1 {point.f1:.2f}"
    )
    if point.expected_value is not None:
        text += f"; expected value {point.expected_value:,.2f} over the holdout"
    return text + "."


def pick_threshold(
    evaluation: Evaluation, value: float, costs: BusinessValue | None = None
) -> Evaluation:
    """The evaluation with ``value`` as its chosen threshold (rule "manual").

    ``costs`` replace the stored business values (None keeps them); the confusion matrix
    is updated to the new threshold.
    """
    if evaluation.thresholds is None or evaluation.confusion is None:
        raise InputError(
            f"A {evaluation.task} model has no decision threshold to choose.",
            "Thresholds apply to yes/no (binary) models.",
        )
    analysis = with_costs(evaluation.thresholds, costs or evaluation.thresholds.costs)
    point = point_at(analysis, value)
    choice = ThresholdChoice(
        threshold=point.threshold,
        rule=MANUAL,
        reason=describe_pick(point, analysis.rows),
        point=point,
        chosen_on=CHOSEN_BY_HAND,
    )
    negative, positive = evaluation.confusion.labels
    return replace(
        evaluation,
        thresholds=replace(analysis, choice=choice),
        confusion=ConfusionMatrix(
            labels=[negative, positive],
            counts=[[point.tn, point.fp], [point.fn, point.tp]],
            threshold=point.threshold,
        ),
        notes=with_threshold_note(evaluation.notes, choice),
    )
