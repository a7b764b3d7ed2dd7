"""Without labels: the model's performance estimated from its own probabilities (CBPE).

Confidence-based performance estimation (NannyML's CBPE): if the probabilities are
calibrated, a row scored p is positive with chance p, so every row counts as a positive with
weight p and as a negative with weight 1 - p. The expected ROC AUC is then the weighted AUC
of the scores against those fractional labels, the expected accuracy the mean chance that
the decision is right. The 95% interval is where the *realised* figure would fall if the
probabilities are right: outcomes are drawn for every row from its own probability, many
times, and the metric computed on each draw (CBPE's sampling error, by simulation; a
bootstrap over the rows would give only the error of the expectation, and in a validation
run held the realised figure in only about half the draws). It says how the model
should do on this data if its probabilities are still calibrated: a shift in how the inputs
relate to the outcome (concept drift) can only be seen with labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.monitor.bootstrap import WeightedMetric, _auc, interval
from engine.monitor.report import PerformanceEstimate

_LABELS = {"roc_auc": "ROC AUC", "accuracy": "accuracy"}


def estimate_performance(
    metric: str, training: float | None, probabilities: np.ndarray, *, task: str,
    classes: Sequence[str], positive: str | None, threshold: float | None, rounds: int,
    seed: int = 0,
) -> PerformanceEstimate | None:
    """The expected ``metric`` (ROC AUC or accuracy; others fall back to ROC AUC)."""
    matrix = np.asarray(probabilities, dtype=np.float64)
    if (matrix.ndim != 2 or matrix.shape[0] < 2 or len(classes) < 2
            or matrix.shape[1] != len(classes)):
        return None
    chosen = metric if metric in _LABELS else "roc_auc"
    function = _expected(chosen, matrix, task, list(classes), positive, threshold)
    if function is None:
        return None
    rows = matrix.shape[0]
    value = function(np.ones(rows))
    if not np.isfinite(value):
        return None
    bounds = _realised_interval(chosen, matrix, task, list(classes), positive, threshold,
                                rounds, seed)
    if bounds is None:
        bounds = interval(function, rows, rounds, seed)
    low, high = bounds if bounds is not None else (None, None)
    reference = training if chosen == metric else None
    label = _LABELS[chosen]
    parts = [f"expected {label} {value:.3g}"]
    if low is not None and high is not None:
        parts.append(f"95% interval {low:.3g} to {high:.3g}")
    if reference is not None:
        parts.append(f"{reference:.3g} at training")
    sentence = (", ".join(parts) + f" (estimated from the model's probabilities on "
                f"{rows:,} rows, without labels)")
    return PerformanceEstimate(metric=chosen, label=label, training=reference,
                               estimate=float(value), low=low, high=high, rows=rows,
                               sentence=sentence)


def _realised_interval(metric: str, matrix: np.ndarray, task: str, classes: list[str],
                       positive: str | None, threshold: float | None, rounds: int, seed: int,
                       level: float = 0.95) -> tuple[float, float] | None:
    """The ``level`` interval of the realised metric when outcomes follow the probabilities."""
    from scipy.stats import rankdata

    rng = np.random.default_rng(seed)
    values = []
    if task == "binary":
        column = classes.index(positive) if positive in classes else 1
        p = np.clip(matrix[:, column], 0.0, 1.0)
        decided = p >= (threshold if threshold is not None else 0.5)
        ranks = rankdata(p)  # ties share their average rank, as ROC AUC counts them
        for _ in range(rounds):
            hits = rng.random(p.size) < p
            if metric == "accuracy":
                values.append(float(np.mean(hits == decided)))
                continue
            positives = int(hits.sum())
            negatives = p.size - positives
            if positives and negatives:
                values.append((float(ranks[hits].sum()) - positives * (positives + 1) / 2)
                              / (positives * negatives))
    elif metric == "accuracy":
        cumulative = np.cumsum(matrix / matrix.sum(axis=1, keepdims=True), axis=1)
        guessed = matrix.argmax(axis=1)
        for _ in range(rounds):
            drawn = (rng.random((matrix.shape[0], 1)) > cumulative).sum(axis=1)
            values.append(float(np.mean(drawn == guessed)))
    else:
        return None
    if len(values) < rounds // 2:
        return None
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def _expected(metric: str, matrix: np.ndarray, task: str, classes: list[str],
              positive: str | None, threshold: float | None) -> WeightedMetric | None:
    if task == "binary":
        column = classes.index(positive) if positive in classes else 1
        p = np.clip(matrix[:, column], 0.0, 1.0)
        if metric == "roc_auc":
            return _auc(p, p)
        decided = p >= (threshold if threshold is not None else 0.5)
        right = np.where(decided, p, 1 - p)
        return lambda w: float(np.dot(w, right) / w.sum())
    if metric == "accuracy":
        right = matrix.max(axis=1)
        return lambda w: float(np.dot(w, right) / w.sum())
    parts = [_auc(matrix[:, j], matrix[:, j]) for j in range(matrix.shape[1])]

    def macro(weights: np.ndarray) -> float:
        values = [part(weights) for part in parts]
        values = [v for v in values if np.isfinite(v)]
        return float(np.mean(values)) if values else float("nan")

    return macro
