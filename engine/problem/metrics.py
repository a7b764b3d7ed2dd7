"""The metrics a user can judge a model by, with words for the window, and how to compute them.

Conventions every caller relies on:

- Classification labels are text (see :mod:`engine.problem.task_detection`); ``proba`` has one
  column per class **in the order of** ``classes``. A 1-D ``proba`` for a binary metric is the
  probability of the positive class.
- Binary metrics need a positive class: ``positive_class``, or else the last of ``classes``.
- ``silhouette`` (clustering) takes the feature matrix as ``y_true`` and the cluster labels as
  ``y_pred``; it is computed on at most 5,000 rows (fixed random state) so it stays fast.
- Anomaly detection without labels has no ground truth, so no honest *quality* score exists.
  Its default metric, ``flagged_share``, is descriptive: the share of rows the model flags as
  unusual (``y_pred`` in scikit-learn's convention, -1 = unusual, 1 = normal; or a boolean
  array, True = unusual). Compare it with the share you expect; do not rank models
  by it.
- A score that cannot be computed on the given rows (ROC AUC when only one class is present,
  MAPE when every true value is 0, silhouette with one cluster) is ``nan``, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import InputError
from engine.problem.definition import Task

_BIN = (Task.BINARY,)
_CLS = (Task.BINARY, Task.MULTICLASS)
_REG = (Task.REGRESSION,)
SILHOUETTE_SAMPLE = 5000


@dataclass(frozen=True)
class MetricInfo:
    """One metric: its name in files, its label on screen, the tasks it fits, its direction."""

    name: str
    label: str
    tasks: tuple[Task, ...]
    greater_is_better: bool
    needs_proba: bool
    explanation: str


def _m(name: str, label: str, tasks: tuple[Task, ...], greater: bool, proba: bool,
       explanation: str) -> MetricInfo:
    return MetricInfo(name, label, tasks, greater, proba, explanation)


METRICS: dict[str, MetricInfo] = {
    info.name: info
    for info in (
        _m("roc_auc", "ROC AUC", _CLS, True, True,
           "How well the model ranks positive rows above negative ones: 1 is perfect, "
           "0.5 is guessing."),
        _m("pr_auc", "Precision-recall AUC", _BIN, True, True,
           "Average precision over all thresholds; more telling than ROC AUC when the "
           "positive class is rare."),
        _m("log_loss", "Log loss", _CLS, False, True,
           "Penalises confident wrong probabilities; lower is better, 0 is perfect."),
        _m("brier", "Brier score", _BIN, False, True,
           "Mean squared gap between the predicted probability and what happened; lower "
           "is better."),
        _m("accuracy", "Accuracy", _CLS, True, False,
           "Share of rows whose predicted class is right; misleading when one class dominates."),
        _m("precision", "Precision", _BIN, True, False,
           "Of the rows predicted positive, the share that really are."),
        _m("recall", "Recall", _BIN, True, False,
           "Of the rows that really are positive, the share the model finds."),
        _m("f1", "F1 score", _BIN, True, False,
           "Balance of precision and recall for the positive class: 1 is perfect."),
        _m("macro_f1", "Macro F1", _CLS, True, False,
           "F1 score averaged over the classes, each class counting the same however rare."),
        _m("weighted_f1", "Weighted F1", _CLS, True, False,
           "F1 score averaged over the classes, weighted by how many rows each class has."),
        _m("rmse", "RMSE", _REG, False, False,
           "Typical size of a prediction error, in the target's own units; large errors "
           "weigh more. Lower is better."),
        _m("mae", "Mean absolute error", _REG, False, False,
           "Average size of a prediction error, in the target's own units. Lower is better."),
        _m("r2", "R²", _REG, True, False,
           "Share of the target's variation the model explains: 1 is perfect, 0 is no "
           "better than predicting the average."),
        _m("mape", "Mean absolute percentage error", _REG, False, False,
           "Average error as a share of the true value (rows where the truth is 0 are "
           "left out). Lower is better."),
        _m("silhouette", "Silhouette", (Task.CLUSTERING,), True, False,
           "How well separated the clusters are: near 1 is clear groups, near 0 is "
           "overlapping ones."),
        _m("flagged_share", "Share flagged as unusual", (Task.ANOMALY,), False, False,
           "Share of rows the model flags as unusual; without labels this describes the "
           "model rather than grading it."),
    )
}

_DEFAULTS = {
    Task.BINARY: "roc_auc",
    Task.MULTICLASS: "macro_f1",
    Task.REGRESSION: "rmse",
    Task.CLUSTERING: "silhouette",
    Task.ANOMALY: "flagged_share",
}


def default_metric(task: Task) -> str:
    """The metric a new problem of this task is judged by (the user may change it).

    Anomaly detection gets ``flagged_share``: without labels nothing measures quality, so the
    default only describes how many rows are flagged (see the module docstring).
    """
    return _DEFAULTS[Task(task)]


def metric_info(metric: str) -> MetricInfo:
    """The :class:`MetricInfo` of ``metric``; an unknown name is an :class:`InputError`."""
    try:
        return METRICS[metric]
    except KeyError:
        raise InputError(
            f"There is no metric named {metric!r}.",
            f"Choose one of: {', '.join(METRICS)}.",
        ) from None


def metrics_for(task: Task) -> list[str]:
    """Names of the metrics that fit ``task``, the default first."""
    task = Task(task)
    names = [name for name, info in METRICS.items() if task in info.tasks]
    names.remove(_DEFAULTS[task])
    return [_DEFAULTS[task], *names]


def check_metric(metric: str, task: Task) -> MetricInfo:
    """The metric's info if it fits ``task``, else an :class:`InputError` saying what does."""
    info = metric_info(metric)
    if Task(task) not in info.tasks:
        raise InputError(
            f"The metric {info.label!r} ({metric}) does not apply to a {Task(task).value} task.",
            f"Choose one of: {', '.join(metrics_for(task))}.",
        )
    return info


def higher_is_better(metric: str) -> bool:
    """True when a larger value of ``metric`` means a better model."""
    return metric_info(metric).greater_is_better


def score(
    metric: str,
    y_true: Any,
    y_pred: Any,
    proba: Any = None,
    classes: Any = None,
    positive_class: str | None = None,
) -> float:
    """Compute ``metric`` with scikit-learn; see the module docstring for the conventions."""
    info = metric_info(metric)
    if info.needs_proba and proba is None:
        raise ValueError(f"The metric {metric} needs predicted probabilities (proba).")
    if metric == "silhouette":
        return _silhouette(np.asarray(y_true, dtype=np.float64), np.asarray(y_pred))
    if metric == "flagged_share":
        return _flagged_share(np.asarray(y_pred))
    if Task.REGRESSION in info.tasks:
        return _regression(metric, np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64))
    return _classification(metric, y_true, y_pred, proba, classes, positive_class)


def _regression(metric: str, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn import metrics as m

    if metric == "rmse":
        return float(m.root_mean_squared_error(y_true, y_pred))
    if metric == "mae":
        return float(m.mean_absolute_error(y_true, y_pred))
    if metric == "r2":
        return float(m.r2_score(y_true, y_pred)) if len(y_true) >= 2 else float("nan")
    # mape: scikit-learn divides by a tiny epsilon where the truth is 0, which turns one such
    # row into an astronomically large error; leaving those rows out is what users expect.
    keep = y_true != 0
    if not keep.any():
        return float("nan")
    return float(np.mean(np.abs((y_true[keep] - y_pred[keep]) / y_true[keep])))


def _as_text(values: Any) -> np.ndarray:
    return np.asarray([None if v is None else str(v) for v in np.asarray(values, dtype=object)],
                      dtype=object)


def _classification(
    metric: str, y_true: Any, y_pred: Any, proba: Any, classes: Any, positive: str | None
) -> float:
    from sklearn import metrics as m

    truth = _as_text(y_true)
    labels = [str(c) for c in classes] if classes is not None else sorted(set(truth.tolist()))
    if positive is None and labels:
        positive = labels[-1]
    if metric in ("roc_auc", "pr_auc", "log_loss", "brier"):
        probabilities = np.asarray(proba, dtype=np.float64)
        if metric == "log_loss":
            if probabilities.ndim == 1:
                negative = next(c for c in labels if c != str(positive))
                labels = [negative, str(positive)]
                probabilities = np.column_stack([1 - probabilities, probabilities])
            # scikit-learn reads the columns in sorted label order whatever ``labels`` says.
            order = np.argsort(np.asarray(labels, dtype=str), kind="stable")
            return float(m.log_loss(truth, probabilities[:, order],
                                    labels=[labels[i] for i in order]))
        if probabilities.ndim == 1 or len(labels) == 2 or metric != "roc_auc":
            if probabilities.ndim == 2:
                probabilities = probabilities[:, labels.index(str(positive))]
            hits = truth == str(positive)
            if hits.all() or not hits.any():
                return float("nan") if metric != "brier" else float(
                    m.brier_score_loss(hits, probabilities))
            if metric == "roc_auc":
                return float(m.roc_auc_score(hits, probabilities))
            if metric == "pr_auc":
                return float(m.average_precision_score(hits, probabilities))
            return float(m.brier_score_loss(hits, probabilities))
        # Multiclass: one-vs-rest macro average, the same as scikit-learn's ``ovr`` AUC, but
        # over the classes present in ``y_true`` (an absent class has no positives to rank).
        scores = [m.roc_auc_score(truth == label, probabilities[:, column])
                  for column, label in enumerate(labels)
                  if 0 < np.sum(truth == label) < len(truth)]
        return float(np.mean(scores)) if scores else float("nan")
    predicted = _as_text(y_pred)
    if metric == "accuracy":
        return float(m.accuracy_score(truth, predicted))
    if metric in ("f1", "precision", "recall"):
        function = {"f1": m.f1_score, "precision": m.precision_score, "recall": m.recall_score}
        return float(function[metric](truth == str(positive), predicted == str(positive),
                                      zero_division=0))
    average = "macro" if metric == "macro_f1" else "weighted"
    return float(m.f1_score(truth, predicted, labels=labels, average=average, zero_division=0))


def _silhouette(features: np.ndarray, clusters: np.ndarray) -> float:
    from sklearn.metrics import silhouette_score

    count = len(clusters)
    if count < 3 or not 2 <= len(np.unique(clusters)) <= count - 1:
        return float("nan")
    size = min(count, SILHOUETTE_SAMPLE)
    if size < count:
        picked = np.random.default_rng(0).choice(count, size, replace=False)
        features, clusters = features[picked], clusters[picked]
        if not 2 <= len(np.unique(clusters)) <= size - 1:
            return float("nan")
    return float(silhouette_score(features, clusters))


def _flagged_share(predicted: np.ndarray) -> float:
    if predicted.size == 0:
        return float("nan")
    if predicted.dtype == np.bool_:
        return float(np.mean(predicted))
    # scikit-learn's convention only: a 0/1 reading would make "all 1" (nothing flagged)
    # ambiguous.
    return float(np.mean(predicted.astype(np.float64) == -1.0))
