"""With labels: how well the model does on the new rows, against its training figures.

When the new data has the target column, the check keeps a uniform sample of (truth, model
output) pairs (:class:`engine.monitor.tally.RowSample`, 50,000 rows by default, so memory
stays flat) and computes the training's primary metric on it with a bootstrap 95% interval
(:mod:`engine.monitor.bootstrap`):
"ROC AUC 0.84 at training, 0.77 now, 95% interval 0.74 to 0.80". The model is *worse* when the
whole interval lies on the bad side of the training figure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.monitor.bootstrap import interval, prepare
from engine.monitor.report import PerformanceCheck

_LEVEL = 0.95


def check_performance(
    metric: str,
    training: float | None,
    truth: np.ndarray,
    outputs: dict[str, np.ndarray],
    *,
    task: str,
    classes: tuple[str, ...],
    positive: str | None,
    rounds: int,
    seed: int = 0,
    training_rows: int | None = None,
    margin: float = 0.02,
    margin_relative: float = 0.05,
) -> PerformanceCheck | None:
    """The metric on the labelled rows with its bootstrap interval (None when not computable).

    ``outputs`` holds per row ``predicted`` (labels or values) and, for classifiers,
    ``probabilities`` (one column per class in ``classes``). Rows whose truth is missing are
    left out. ``training_rows`` is how many held-out rows gave the ``training`` figure: it
    has sampling error of its own, which the "worse" verdict must allow for (see
    :func:`measurably_worse`). The model is *worse* only when the drop is also larger than
    the business margin: ``margin`` points of a 0-to-1 metric, ``margin_relative`` of the
    training figure for an error metric (:func:`relevant_drop`).
    """
    from engine.problem.metrics import metric_info, score

    info = metric_info(metric)
    known = _known_truth(truth, task)
    if known.sum() < 2:
        return None
    truth = truth[known]
    predicted = outputs["predicted"][known]
    proba = outputs.get("probabilities")
    proba = proba[known] if proba is not None else None

    text_truth = truth if task == "regression" else truth.astype(str)
    now = score(metric, text_truth, predicted, proba, classes or None, positive)
    if not math.isfinite(now):
        return None
    low = high = None
    weighted = prepare(metric, text_truth, predicted, proba, classes, positive)
    if weighted is not None:
        bounds = interval(weighted, truth.size, rounds, seed)
        if bounds is not None:
            low, high = bounds
    count = truth.size
    better_high = info.greater_is_better
    worse = False
    needed = relevant_drop(metric, training, margin, margin_relative)
    if training is not None and low is not None and high is not None:
        drop = training - float(now) if better_high else float(now) - training
        worse = measurably_worse(training, float(now), low, high, count, training_rows,
                                 better_high) and drop > needed
    return PerformanceCheck(
        metric=metric,
        label=info.label,
        training=training,
        now=float(now),
        low=low,
        high=high,
        rows=int(count),
        worse=worse,
        sentence=_sentence(info.label, training, now, low, high, count, worse, needed),
        greater_is_better=better_high,
    )


# Metrics on a 0-to-1 scale, where a margin in points makes sense; the others (errors in the
# target's units, log loss) get a margin relative to the training figure.
_UNBOUNDED = frozenset({"rmse", "mae", "mape", "log_loss"})


def relevant_drop(metric: str, training: float | None, margin: float,
                  margin_relative: float) -> float:
    """The smallest drop of ``metric`` that matters to a business (see DriftSettings)."""
    if metric in _UNBOUNDED:
        return margin_relative * abs(training) if training is not None else 0.0
    return margin


# A drop counts when it exceeds 2.58 standard errors (the rule's 1% level, as for drift).
_Z_WORSE = 2.576


def measurably_worse(training: float, now: float, low: float, high: float, rows: int,
                     training_rows: int | None, greater_is_better: bool) -> bool:
    """True when ``now`` is worse than ``training`` beyond the sampling error of both.

    The training figure came from a few thousand held-out rows, so it is uncertain too: its
    standard error is taken as the new one's scaled by the square root of the row counts
    (the same metric on the same kind of rows). Comparing a narrow interval on a big file
    with the training figure as if it were exact would call every big file worse.
    """
    error_now = (high - low) / (2 * 1.96)
    error_training = error_now * math.sqrt(rows / training_rows) if training_rows else 0.0
    drop = training - now if greater_is_better else now - training
    return drop > _Z_WORSE * math.hypot(error_now, error_training)


def _known_truth(truth: np.ndarray, task: str) -> np.ndarray:
    if task == "regression":
        return np.isfinite(truth.astype(np.float64))
    text = truth.astype(object)
    return np.asarray([v is not None and v == v and str(v) != "" for v in text], dtype=bool)


def _sentence(label: str, training: float | None, now: float, low: float | None,
              high: float | None, rows: int, worse: bool, needed: float) -> str:
    def number(value: float) -> str:
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"

    parts = [f"{label} {number(training)} at training" if training is not None else label]
    parts.append(f"{number(now)} now")
    if low is not None and high is not None:
        parts.append(f"95% interval {number(low)} to {number(high)}")
    sentence = ", ".join(parts) + f" (on {rows:,} labelled rows)"
    if worse:
        sentence += (f": the model does worse than at training, by more than chance and more "
                     f"than the {number(needed)} that matters")
    return sentence


def outputs_for_metric(model: Any, outputs: dict[str, Any]) -> dict[str, np.ndarray]:
    """The per-row outputs a metric needs, from one chunk of model outputs."""
    result: dict[str, np.ndarray] = {}
    if model.label_output:
        result["predicted"] = np.asarray(outputs[model.label_output]).ravel().astype(str)
    if model.value_output:
        result["predicted"] = np.asarray(outputs[model.value_output], np.float64).ravel()
    if model.probability_output:
        result["probabilities"] = np.asarray(outputs[model.probability_output], np.float64)
    return result
