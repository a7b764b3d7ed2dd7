"""Choosing the decision threshold of a binary model, and what each choice is worth.

A row is called positive when its score is at or above the threshold. The analysis counts
the outcomes at each candidate threshold; :func:`choose_threshold` picks one by F1, by a
target precision or recall, or by business value, and says why in words. A threshold fitted
to the rows that then report it flatters itself, so :func:`choose_on` picks it on the
out-of-fold scores of the training rows (:mod:`engine.evaluation.out_of_fold`) and reports
the holdout's outcome at it. The chosen threshold is stored with the model and used by the
export (the ``decision`` output).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from engine.errors import InputError
from engine.evaluation.result import (
    CHOSEN_ON_HOLDOUT,
    CHOSEN_OUT_OF_FOLD,
    BusinessValue,
    ThresholdAnalysis,
    ThresholdChoice,
    ThresholdPoint,
)

__all__ = ["BusinessValue", "analyse_thresholds", "choose_on", "choose_threshold", "outcome_at"]

RULES = ("f1", "precision", "recall", "value")
DEFAULT_TARGETS = {"precision": 0.8, "recall": 0.8}
MAX_CANDIDATES = 150


def _candidates(scores: np.ndarray, limit: int, extra: Sequence[float] = ()) -> np.ndarray:
    """Thresholds to try: the distinct scores (or quantiles of them when there are many),
    plus a round grid so 0.5 and its neighbours are always in the table, plus ``extra``."""
    distinct = np.unique(scores)
    if len(distinct) > limit:
        levels = np.linspace(0.0, 1.0, limit)
        # "inverted_cdf" returns observed scores, so every candidate is a real cut point.
        distinct = np.unique(np.quantile(scores, levels, method="inverted_cdf"))
    grid = np.round(np.arange(0.05, 1.0, 0.05), 2)
    return np.unique(np.concatenate([distinct, grid, np.asarray(extra, dtype=float)]))


def _check_costs(costs: BusinessValue) -> None:
    amounts = costs.to_dict()
    if not all(np.isfinite(v) for v in amounts.values()):
        raise InputError("Every cost and value must be a number.")
    if costs.false_positive_cost < 0 or costs.false_negative_cost < 0:
        raise InputError(
            "Costs are entered as positive amounts (they are subtracted).",
            "Enter the cost of a false positive and of a false negative without a minus sign.",
        )


def analyse_thresholds(
    y_true_is_positive: np.ndarray,
    scores: np.ndarray,
    *,
    costs: BusinessValue | None = None,
    max_candidates: int = MAX_CANDIDATES,
    extra_cuts: Sequence[float] = (),
) -> ThresholdAnalysis:
    """Precision, recall, F1, the four counts and (with ``costs``) the expected value at each
    candidate threshold, ascending; ``extra_cuts`` are candidates too (the out-of-fold cuts,
    so the holdout outcome at a threshold chosen there is exact).

    Expected value = TP x true_positive_value + TN x true_negative_value
    - FP x false_positive_cost - FN x false_negative_cost, over the holdout rows; the value
    per row divides it by their number.
    """
    truth = np.asarray(y_true_is_positive, dtype=bool)
    score = np.asarray(scores, dtype=float)
    if truth.shape != score.shape or truth.ndim != 1:
        raise InputError("The outcomes and the scores must be two lists of the same length.")
    if len(truth) == 0:
        raise InputError("There are no holdout rows to choose a threshold on.")
    if costs is not None:
        _check_costs(costs)
    order = np.argsort(score, kind="stable")
    sorted_score = score[order]
    # positives_before[i] = positives among the i lowest scores.
    positives_before = np.concatenate([[0], np.cumsum(truth[order])])
    rows, positives = len(truth), int(truth.sum())
    points = []
    for threshold in _candidates(score, max_candidates, extra_cuts):
        first_flagged = int(np.searchsorted(sorted_score, threshold, side="left"))
        tp = positives - int(positives_before[first_flagged])
        fp = (rows - first_flagged) - tp
        fn = positives - tp
        tn = (rows - positives) - fp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / positives if positives else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        value = per_row = None
        if costs is not None:
            value = float(
                tp * costs.true_positive_value + tn * costs.true_negative_value
                - fp * costs.false_positive_cost - fn * costs.false_negative_cost
            )
            per_row = value / rows
        points.append(
            ThresholdPoint(
                threshold=float(threshold), precision=float(precision), recall=float(recall),
                f1=float(f1), tp=tp, fp=fp, tn=tn, fn=fn,
                expected_value=value, value_per_row=per_row,
            )
        )
    return ThresholdAnalysis(points=tuple(points), rows=rows, positives=positives, costs=costs)


def _best(points: list[ThresholdPoint], key: str) -> ThresholdPoint:
    # Ties go to the higher threshold: the same score for fewer rows flagged.
    best = max(getattr(p, key) for p in points)
    return [p for p in points if getattr(p, key) == best][-1]


def _describe(point: ThresholdPoint) -> str:
    return (
        f"at {point.threshold:.3g} the model flags {point.flagged:,} rows: precision "
        f"{point.precision:.2f}, recall {point.recall:.2f}, F1 {point.f1:.2f}"
    )


def _money(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def choose_threshold(
    analysis: ThresholdAnalysis, rule: str = "f1", target: float | None = None,
    *, where: str = "holdout",
) -> ThresholdChoice:
    """Pick a threshold from ``analysis`` by ``rule`` and explain the choice; ``where`` names
    the rows of the analysis in the reason ("holdout", "out-of-fold training").

    - "f1": the best F1.
    - "precision": the lowest threshold (most positives found) whose precision is at least
      ``target`` (default 0.8); if none reaches it, say so and fall back to the best F1.
    - "recall": the highest threshold (cleanest flags) whose recall is at least ``target``.
    - "value": the highest expected value; needs the analysis to hold business values.
    """
    if rule not in RULES:
        raise InputError(
            f"Unknown threshold rule {rule!r}.", f"Use one of: {', '.join(RULES)}."
        )
    points = list(analysis.points)
    if not points:
        raise InputError("There are no thresholds to choose from.")
    if rule == "f1":
        point = _best(points, "f1")
        return ThresholdChoice(point.threshold, rule, f"best F1: {_describe(point)}.", point)
    if rule == "value":
        if analysis.costs is None:
            raise InputError(
                "Choosing a threshold by business value needs the cost of a false positive, "
                "the cost of a false negative and the value of a true positive.",
                "Enter them, or choose the threshold by F1, precision or recall.",
            )
        point = _best(points, "expected_value")
        assert point.expected_value is not None and point.value_per_row is not None
        reason = (
            f"highest expected value: {_money(point.expected_value)} over the "
            f"{analysis.rows:,} {where} rows ({_money(point.value_per_row)} per row); "
            f"{_describe(point)}."
        )
        return ThresholdChoice(point.threshold, rule, reason, point)
    goal = DEFAULT_TARGETS[rule] if target is None else float(target)
    if not 0.0 < goal <= 1.0:
        raise InputError(
            f"A target {rule} must be between 0 and 1 (got {goal}).", "For 80% enter 0.8."
        )
    # A threshold that flags nobody has no precision to speak of: it never meets a target.
    meeting = [p for p in points if getattr(p, rule) >= goal and p.tp > 0]
    if meeting:
        # Precision target: find as many positives as possible -> lowest threshold.
        # Recall target: flag as cleanly as possible -> highest threshold.
        point = meeting[0] if rule == "precision" else meeting[-1]
        reason = f"{rule} >= {goal:.2g}: {_describe(point)}."
        return ThresholdChoice(point.threshold, rule, reason, point, target=goal)
    fallback = _best(points, "f1")
    reachable = max(getattr(p, rule) for p in points if p.tp > 0) if any(
        p.tp > 0 for p in points) else 0.0
    reason = (
        f"No threshold reaches {rule} {goal:.2g} on the {where} rows (the best is "
        f"{reachable:.2f}), so the best F1 is used instead: {_describe(fallback)}."
    )
    return ThresholdChoice(
        fallback.threshold, rule, reason, fallback, target=goal, target_reached=False
    )


def outcome_at(analysis: ThresholdAnalysis, value: float) -> ThresholdPoint:
    """The outcome when rows scoring at or above ``value`` are flagged, from the stored cuts.

    Its ``threshold`` is the stored cut that gives that outcome (the first at or above
    ``value``; exactly ``value`` when it is a cut); above every cut nobody is flagged and
    the threshold is ``value`` itself.
    """
    points = analysis.points
    if not points:
        raise InputError("There are no thresholds to choose from.")
    index = bisect.bisect_left([point.threshold for point in points], float(value))
    if index < len(points):
        return points[index]
    positives, negatives = analysis.positives, analysis.rows - analysis.positives
    value_total = per_row = None
    if analysis.costs is not None:
        value_total = float(
            negatives * analysis.costs.true_negative_value
            - positives * analysis.costs.false_negative_cost
        )
        per_row = value_total / analysis.rows if analysis.rows else None
    return ThresholdPoint(
        threshold=float(value), precision=0.0, recall=0.0, f1=0.0,
        tp=0, fp=0, tn=negatives, fn=positives,
        expected_value=value_total, value_per_row=per_row,
    )


def choose_on(
    analysis: ThresholdAnalysis, rule: str = "f1", target: float | None = None
) -> ThresholdChoice:
    """Choose by ``rule`` on the out-of-fold outcomes and report the holdout's at that cut.

    Without out-of-fold outcomes (older runs, too few rows) the holdout chooses, as before,
    and the choice says so (``chosen_on``).
    """
    folds = analysis.out_of_fold
    if folds is None:
        return replace(choose_threshold(analysis, rule, target), chosen_on=CHOSEN_ON_HOLDOUT)
    picked = choose_threshold(folds, rule, target, where="out-of-fold training")
    held = outcome_at(analysis, picked.threshold)
    reason = (
        f"chosen on out-of-fold scores of the {folds.rows:,} training rows, "
        f"{picked.reason[0].lower()}{picked.reason[1:].rstrip('.')}; on the "
        f"{analysis.rows:,} holdout rows at that threshold the model flags {held.flagged:,}: "
        f"precision {held.precision:.2f}, recall {held.recall:.2f}, F1 {held.f1:.2f}."
    )
    return replace(
        picked, reason=reason, point=held, chosen_on=CHOSEN_OUT_OF_FOLD,
        chosen_point=picked.point,
    )
