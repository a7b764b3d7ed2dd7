"""Holdout metrics per task, computed with scikit-learn, with a plain-words tooltip each.

The same functions score the model and the baseline, so the two sit side by side. A metric
that cannot be computed on this holdout is ``None`` with a note that says why, never
``inf`` or ``NaN``: the values go into JSON and in front of business users.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

from engine.evaluation.result import MetricSummary


@dataclass(frozen=True)
class MetricInfo:
    """How a metric is shown: its label, direction and tooltip."""

    label: str
    greater_is_better: bool
    explanation: str


METRIC_INFO: dict[str, MetricInfo] = {
    "roc_auc": MetricInfo(
        "ROC AUC", True,
        "The chance that the model scores a random positive row above a random negative "
        "one. 0.5 is guessing, 1.0 is perfect ranking.",
    ),
    "pr_auc": MetricInfo(
        "PR AUC", True,
        "Average precision across all thresholds: how clean the rows the model flags are, "
        "from the most to the least confident. Guessing scores the share of positives.",
    ),
    "accuracy": MetricInfo(
        "Accuracy", True,
        "The share of rows whose class the model gets right. Misleading when one class is "
        "much more common than the others.",
    ),
    "precision": MetricInfo(
        "Precision", True,
        "Of the rows the model flags as positive, the share that really are positive.",
    ),
    "recall": MetricInfo(
        "Recall", True,
        "Of the rows that really are positive, the share the model flags.",
    ),
    "f1": MetricInfo(
        "F1", True,
        "A single balance of precision and recall (their harmonic mean); high only when "
        "both are high.",
    ),
    "log_loss": MetricInfo(
        "Log loss", False,
        "How far the predicted probabilities are from what happened, punishing confident "
        "mistakes hard. Lower is better.",
    ),
    "brier": MetricInfo(
        "Brier score", False,
        "The average squared gap between the predicted probability and the outcome (0 or 1). "
        "Lower is better; 0 is perfect.",
    ),
    "macro_f1": MetricInfo(
        "Macro F1", True,
        "F1 computed for each class and averaged, every class counting the same: shows "
        "whether rare classes are predicted well too.",
    ),
    "weighted_f1": MetricInfo(
        "Weighted F1", True,
        "F1 computed for each class and averaged by how many rows each class has.",
    ),
    "rmse": MetricInfo(
        "RMSE", False,
        "The typical size of a prediction error, in the target's own units; large errors "
        "count extra. Lower is better.",
    ),
    "mae": MetricInfo(
        "MAE", False,
        "The average size of a prediction error, in the target's own units. Lower is better.",
    ),
    "r2": MetricInfo(
        "R²", True,
        "The share of the target's variation the model explains. 0 is no better than "
        "predicting the average, 1 is perfect; below 0 is worse than the average.",
    ),
    "mape": MetricInfo(
        "MAPE", False,
        "The average error as a percentage of the actual value (0.10 means 10% off). "
        "Lower is better; undefined when some actual values are zero.",
    ),
    "silhouette": MetricInfo(
        "Silhouette", True,
        "How much closer rows are to their own cluster than to the nearest other one, "
        "from -1 to 1. Above 0.5 the clusters are clearly apart; near 0 they overlap.",
    ),
    "flagged_share": MetricInfo(
        "Share flagged", False,
        "The share of rows the model calls unusual.",
    ),
}

TASK_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("roc_auc", "pr_auc", "accuracy", "precision", "recall", "f1", "log_loss",
               "brier"),
    "multiclass": ("accuracy", "macro_f1", "weighted_f1", "log_loss"),
    "regression": ("rmse", "mae", "r2", "mape"),
}

# Names the training code may use for cross-validation scores (scikit-learn scorer names).
# Scorers named "neg_..." are negated so greater is better; their sign is flipped back here.
ALIASES: dict[str, str] = {
    "average_precision": "pr_auc",
    "neg_log_loss": "log_loss",
    "neg_brier_score": "brier",
    "brier_score": "brier",
    "neg_root_mean_squared_error": "rmse",
    "neg_mean_absolute_error": "mae",
    "neg_mean_absolute_percentage_error": "mape",
    "f1_macro": "macro_f1",
    "f1_weighted": "weighted_f1",
}


def canonical_name(name: str) -> tuple[str, float]:
    """The metric name used here for ``name`` and the sign that turns its scores into ours."""
    if name in METRIC_INFO:
        return name, 1.0
    if name in ALIASES:
        return ALIASES[name], -1.0 if name.startswith("neg_") else 1.0
    if name.startswith("neg_") and name[4:] in METRIC_INFO:
        return name[4:], -1.0
    return name, 1.0


def rows_summing_to_one(proba: np.ndarray) -> np.ndarray:
    """Probabilities as float64 rows that sum to 1, in place.

    Float32 models sum to 1 only within float32 precision, and scikit-learn's log loss checks
    the sum at float64 precision. Rows of zeros (no class known) are left as they are.
    """
    totals = proba.sum(axis=1, keepdims=True)
    return np.divide(proba, totals, out=proba, where=totals > 0)


def _clean(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def binary_metrics(
    y_is_positive: np.ndarray, positive_score: np.ndarray, *, threshold: float = 0.5
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Binary metrics from the truth (bool) and the positive-class probability.

    Accuracy, precision, recall and F1 call a row positive when its score is at least
    ``threshold``. Returns the values and, per metric left ``None``, the reason.
    """
    truth = np.asarray(y_is_positive, dtype=bool)
    score = np.clip(np.asarray(positive_score, dtype=float), 0.0, 1.0)
    predicted = score >= threshold
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    if truth.all() or not truth.any():
        reason = "The holdout holds only one class, so ranking cannot be judged."
        values["roc_auc"] = values["pr_auc"] = None
        notes["roc_auc"] = notes["pr_auc"] = reason
    else:
        values["roc_auc"] = _clean(skm.roc_auc_score(truth, score))
        values["pr_auc"] = _clean(skm.average_precision_score(truth, score))
    values["accuracy"] = _clean(skm.accuracy_score(truth, predicted))
    values["precision"] = _clean(skm.precision_score(truth, predicted, zero_division=0))
    values["recall"] = _clean(skm.recall_score(truth, predicted, zero_division=0))
    values["f1"] = _clean(skm.f1_score(truth, predicted, zero_division=0))
    values["log_loss"] = _clean(skm.log_loss(truth, score, labels=[False, True]))
    values["brier"] = _clean(skm.brier_score_loss(truth, score, pos_label=True))
    return values, notes


def multiclass_metrics(
    y_true: np.ndarray, probabilities: np.ndarray, classes: list[str]
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Multiclass metrics; the predicted class is the most probable one (``classes`` order)."""
    truth = np.asarray(y_true).astype(str)
    labels = np.asarray(classes, dtype=str)
    predicted = labels[np.argmax(probabilities, axis=1)]
    values: dict[str, float | None] = {
        "accuracy": _clean(skm.accuracy_score(truth, predicted)),
        "macro_f1": _clean(skm.f1_score(truth, predicted, labels=labels, average="macro",
                                        zero_division=0)),
        "weighted_f1": _clean(skm.f1_score(truth, predicted, labels=labels, average="weighted",
                                           zero_division=0)),
        "log_loss": _clean(skm.log_loss(truth, probabilities, labels=labels)),
    }
    return values, {}


def per_class_table(
    y_true: np.ndarray, y_predicted: np.ndarray, classes: list[str]
) -> list[dict[str, float | int | str]]:
    """Precision, recall, F1 and support (holdout rows) for each class."""
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        np.asarray(y_true).astype(str), np.asarray(y_predicted).astype(str),
        labels=list(classes), zero_division=0,
    )
    return [
        {"label": str(label), "precision": float(p), "recall": float(r), "f1": float(f),
         "support": int(s)}
        for label, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    ]


def regression_metrics(
    y_true: np.ndarray, predicted: np.ndarray
) -> tuple[dict[str, float | None], dict[str, str]]:
    """RMSE, MAE, R² and MAPE; MAPE is ``None`` (with the reason) when an actual value is 0."""
    truth = np.asarray(y_true, dtype=float)
    guess = np.asarray(predicted, dtype=float)
    values: dict[str, float | None] = {
        "rmse": _clean(skm.root_mean_squared_error(truth, guess)),
        "mae": _clean(skm.mean_absolute_error(truth, guess)),
    }
    notes: dict[str, str] = {}
    if len(truth) < 2:
        values["r2"] = None
        notes["r2"] = "R² needs at least two holdout rows."
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values["r2"] = _clean(skm.r2_score(truth, guess))
        if values["r2"] is None:
            notes["r2"] = "R² is undefined because every actual value is the same."
    zeros = int(np.sum(truth == 0))
    if zeros:
        values["mape"] = None
        notes["mape"] = (
            f"MAPE is undefined because {zeros:,} holdout row{'s' if zeros > 1 else ''} "
            f"ha{'ve' if zeros > 1 else 's'} an actual value of 0 (a percentage of zero "
            "does not exist); use MAE instead."
        )
    else:
        values["mape"] = _clean(skm.mean_absolute_percentage_error(truth, guess))
    return values, notes


def cv_summary(
    cv_scores: dict[str, list[float]] | None,
) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Mean and standard deviation per metric of per-fold scores (names canonicalised).

    Returns the summaries and the names that were not understood (for a note).
    """
    summary: dict[str, tuple[float, float]] = {}
    unknown: list[str] = []
    for raw_name, scores in (cv_scores or {}).items():
        name, sign = canonical_name(raw_name)
        if name not in METRIC_INFO:
            unknown.append(raw_name)
            continue
        values = np.array([sign * float(s) for s in scores], dtype=float)
        values = values[np.isfinite(values)]
        if len(values):
            summary[name] = (float(values.mean()), float(values.std()))
    return summary, unknown


def summarise(
    names: tuple[str, ...],
    model: dict[str, float | None],
    baseline: dict[str, float | None] | None,
    notes: dict[str, str],
    cv: dict[str, tuple[float, float]],
) -> tuple[MetricSummary, ...]:
    """One :class:`MetricSummary` per metric in ``names``, in that order."""
    summaries = []
    for name in names:
        info = METRIC_INFO[name]
        cv_mean, cv_std = cv.get(name, (None, None))
        summaries.append(
            MetricSummary(
                name=name,
                holdout=model.get(name),
                baseline=baseline.get(name) if baseline else None,
                cv_mean=cv_mean,
                cv_std=cv_std,
                greater_is_better=info.greater_is_better,
                label=info.label,
                explanation=info.explanation,
                note=notes.get(name),
            )
        )
    return tuple(summaries)
