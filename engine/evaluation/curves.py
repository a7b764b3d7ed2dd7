"""Curves and tables as data: ROC, precision-recall, calibration, lift, gain, confusion
matrix and residuals.

Curves are thinned to about :data:`MAX_POINTS` points and residuals to
:data:`MAX_RESIDUALS` rows so an evaluation stays small in the project file; the shape a
person sees in a plot does not change.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from engine.evaluation.result import ConfusionMatrix, Curve

MAX_POINTS = 200
MAX_RESIDUALS = 2_000


def thin(count: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indexes of at most ``limit`` points spread evenly, always keeping the first and last."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))


def _floats(values: np.ndarray) -> list[float]:
    return [float(v) for v in values]


def roc_curve(y_is_positive: np.ndarray, scores: np.ndarray) -> Curve:
    """False positive rate against true positive rate across thresholds."""
    fpr, tpr, thresholds = skm.roc_curve(y_is_positive, scores)
    keep = thin(len(fpr))
    # The first threshold is +inf by construction ("flag nobody"); store it as None.
    cut = [float(t) if np.isfinite(t) else None for t in thresholds[keep]]
    return Curve(
        name="roc",
        x=_floats(fpr[keep]),
        y=_floats(tpr[keep]),
        x_label="False positive rate (share of negatives flagged)",
        y_label="True positive rate (share of positives flagged)",
        extra={"auc": float(skm.auc(fpr, tpr)), "thresholds": cut},
    )


def precision_recall_curve(y_is_positive: np.ndarray, scores: np.ndarray) -> Curve:
    """Recall against precision across thresholds; ``extra["baseline"]`` is the positive share,
    the precision of guessing."""
    precision, recall, thresholds = skm.precision_recall_curve(y_is_positive, scores)
    # precision_recall_curve runs from low to high thresholds; the last point (recall 0) has
    # no threshold. Reverse so recall rises along the stored line.
    precision, recall = precision[::-1], recall[::-1]
    cut = np.concatenate([[np.inf], thresholds[::-1]])
    keep = thin(len(recall))
    return Curve(
        name="pr",
        x=_floats(recall[keep]),
        y=_floats(precision[keep]),
        x_label="Recall (share of positives found)",
        y_label="Precision (share of flagged rows that are positive)",
        extra={
            "average_precision": float(skm.average_precision_score(y_is_positive, scores)),
            "baseline": float(np.mean(y_is_positive)),
            "thresholds": [float(t) if np.isfinite(t) else None for t in cut[keep]],
        },
    )


def calibration_curve(y_is_positive: np.ndarray, scores: np.ndarray, bins: int = 10) -> Curve:
    """Mean predicted probability against the observed positive share, in equal-width bins.

    Empty bins are left out; ``extra["counts"]`` holds the rows in each bin drawn.
    """
    truth = np.asarray(y_is_positive, dtype=float)
    score = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(score, edges[1:-1], right=False), 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    sum_score = np.bincount(which, weights=score, minlength=bins)
    sum_truth = np.bincount(which, weights=truth, minlength=bins)
    filled = counts > 0
    return Curve(
        name="calibration",
        x=_floats(sum_score[filled] / counts[filled]),
        y=_floats(sum_truth[filled] / counts[filled]),
        x_label="Predicted probability (mean in the bin)",
        y_label="Observed share of positives",
        extra={"counts": [int(c) for c in counts[filled]], "bins": bins},
    )


def lift_and_gain(
    y_is_positive: np.ndarray, scores: np.ndarray, groups: int = 10
) -> tuple[Curve, Curve]:
    """Lift and cumulative gain by decile of score (highest scores first).

    Lift at a depth is the positive share among the top rows divided by the overall share
    (2.0: twice as many positives as picking at random). Gain is the share of all positives
    found in the top rows; the gain curve starts at (0, 0).
    """
    truth = np.asarray(y_is_positive, dtype=float)
    # A stable sort on the negated score keeps ties in holdout order, so the result repeats.
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    chunks = np.array_split(truth[order], groups)
    found = np.cumsum([chunk.sum() for chunk in chunks])
    rows = np.cumsum([len(chunk) for chunk in chunks])
    depth = rows / len(truth)
    total = truth.sum()
    base_rate = total / len(truth)
    lift = (found / rows) / base_rate if base_rate > 0 else np.zeros(len(rows))
    gain = found / total if total > 0 else np.zeros(len(rows))
    decile_rate = [float(chunk.mean()) if len(chunk) else 0.0 for chunk in chunks]
    lift_curve = Curve(
        name="lift",
        x=_floats(depth),
        y=_floats(lift),
        x_label="Share of rows, highest scores first",
        y_label="Cumulative lift (times better than random)",
        extra={"decile_positive_rate": decile_rate, "base_rate": float(base_rate)},
    )
    gain_curve = Curve(
        name="gain",
        x=[0.0, *_floats(depth)],
        y=[0.0, *_floats(gain)],
        x_label="Share of rows, highest scores first",
        y_label="Share of all positives found",
        extra={"base_rate": float(base_rate)},
    )
    return lift_curve, gain_curve


def confusion_matrix(
    y_true: np.ndarray, y_predicted: np.ndarray, labels: list[str],
    threshold: float | None = None,
) -> ConfusionMatrix:
    """Rows by actual class (rows) and predicted class (columns), in ``labels`` order."""
    counts = skm.confusion_matrix(
        np.asarray(y_true).astype(str), np.asarray(y_predicted).astype(str), labels=labels
    )
    return ConfusionMatrix(
        labels=[str(label) for label in labels],
        counts=[[int(v) for v in row] for row in counts],
        threshold=None if threshold is None else float(threshold),
    )


def residuals(
    y_true: np.ndarray, predicted: np.ndarray, *, seed: int = 0, limit: int = MAX_RESIDUALS
) -> Curve:
    """Residual (actual minus predicted) against predicted value, on at most ``limit`` rows.

    The sample is random (seeded) so no region of the plot is over-represented.
    """
    truth = np.asarray(y_true, dtype=float)
    guess = np.asarray(predicted, dtype=float)
    rows = len(truth)
    if rows > limit:
        keep = np.sort(np.random.default_rng(seed).choice(rows, size=limit, replace=False))
    else:
        keep = np.arange(rows)
    error = truth - guess
    return Curve(
        name="residuals",
        x=_floats(guess[keep]),
        y=_floats(error[keep]),
        x_label="Predicted value",
        y_label="Residual (actual minus predicted)",
        extra={
            "rows_total": int(rows),
            "rows_shown": len(keep),
            "mean_residual": float(error.mean()) if rows else 0.0,
        },
    )
