"""Fast bootstrap intervals for the metrics of labelled drift checks.

A bootstrap recomputes the metric on resampled rows a few hundred times. Calling
scikit-learn each time costs a sort and input validation per round (20 s for 200 rounds of
100,000 rows), so each metric here is prepared once (scores sorted, labels coded) and then
evaluated for any row *weights* in linear time. Resampling uses Poisson(1) weights, the usual
streaming form of the bootstrap. Every weighted metric equals scikit-learn's value when all
weights are 1 (tests/engine/monitor/test_bootstrap.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

WeightedMetric = Callable[[np.ndarray], float]
_EPS = float(np.finfo(np.float64).eps)  # scikit-learn clips probabilities so in log loss


def prepare(
    metric: str,
    truth: np.ndarray,
    predicted: np.ndarray,
    proba: np.ndarray | None,
    classes: Sequence[str],
    positive: str | None,
) -> WeightedMetric | None:
    """A function of row weights computing ``metric`` (None when not supported here)."""
    if metric in ("rmse", "mae", "r2", "mape"):
        return _regression(metric, truth.astype(np.float64), predicted.astype(np.float64))
    labels = [str(c) for c in classes]
    text = np.asarray(truth, dtype=object).astype(str)
    if metric in ("roc_auc", "pr_auc", "log_loss", "brier"):
        if proba is None:
            return None
        matrix = np.asarray(proba, dtype=np.float64)
        if metric == "roc_auc" and len(labels) > 2:
            return _macro_auc(text, matrix, labels)
        if metric == "log_loss":
            return _log_loss(text, matrix, labels)
        column = labels.index(str(positive)) if positive in labels else len(labels) - 1
        hits = (text == labels[column]).astype(np.float64)
        if metric == "roc_auc":
            return _auc(hits, matrix[:, column])
        if metric == "pr_auc":
            return _average_precision(hits, matrix[:, column])
        squared = (matrix[:, column] - hits) ** 2
        return lambda w: float(np.dot(w, squared) / w.sum())
    guessed = np.asarray(predicted, dtype=object).astype(str)
    if metric == "accuracy":
        right = (guessed == text).astype(np.float64)
        return lambda w: float(np.dot(w, right) / w.sum())
    if metric in ("precision", "recall", "f1"):
        return _binary_counts(metric, text == str(positive), guessed == str(positive))
    if metric in ("macro_f1", "weighted_f1"):
        return _f1_average(metric, text, guessed, labels)
    return None


def interval(function: WeightedMetric, rows: int, rounds: int, seed: int = 0,
             level: float = 0.95) -> tuple[float, float] | None:
    """The ``level`` percentile interval of ``function`` over Poisson-bootstrap rounds."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        weights = rng.poisson(1.0, rows).astype(np.float64)
        if weights.sum() == 0:
            continue
        value = function(weights)
        if np.isfinite(value):
            values.append(value)
    if len(values) < rounds // 2:
        return None
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def _auc(hits: np.ndarray, scores: np.ndarray) -> WeightedMetric:
    order = np.argsort(scores, kind="stable")
    y = hits[order]
    starts = _group_starts(scores[order])

    def auc(weights: np.ndarray) -> float:
        w = weights[order]
        positives = np.add.reduceat(w * y, starts)
        negatives = np.add.reduceat(w * (1 - y), starts)
        total_p, total_n = positives.sum(), negatives.sum()
        if total_p <= 0 or total_n <= 0:
            return float("nan")
        below = np.cumsum(negatives) - negatives  # negatives scored strictly lower
        return float(np.dot(positives, below + 0.5 * negatives) / (total_p * total_n))

    return auc


def _average_precision(hits: np.ndarray, scores: np.ndarray) -> WeightedMetric:
    order = np.argsort(-scores, kind="stable")
    y = hits[order]
    starts = _group_starts(-scores[order])

    def average_precision(weights: np.ndarray) -> float:
        w = weights[order]
        true_pos = np.cumsum(np.add.reduceat(w * y, starts))
        flagged = np.cumsum(np.add.reduceat(w, starts))
        if true_pos[-1] <= 0:
            return float("nan")
        recall = true_pos / true_pos[-1]
        precision = np.divide(true_pos, flagged, out=np.zeros_like(true_pos), where=flagged > 0)
        steps = np.diff(np.concatenate([[0.0], recall]))
        return float(np.dot(steps, precision))

    return average_precision


def _macro_auc(text: np.ndarray, matrix: np.ndarray, labels: list[str]) -> WeightedMetric:
    parts = [_auc((text == label).astype(np.float64), matrix[:, j])
             for j, label in enumerate(labels) if 0 < np.sum(text == label) < text.size]

    def macro(weights: np.ndarray) -> float:
        values = [part(weights) for part in parts]
        values = [v for v in values if np.isfinite(v)]
        return float(np.mean(values)) if values else float("nan")

    return macro


def _log_loss(text: np.ndarray, matrix: np.ndarray, labels: list[str]) -> WeightedMetric:
    if matrix.ndim == 1:
        matrix = np.column_stack([1 - matrix, matrix])
    column = np.asarray([labels.index(t) if t in labels else -1 for t in text])
    known = column >= 0
    rows = np.flatnonzero(known)
    normalised = matrix / matrix.sum(axis=1, keepdims=True)
    chosen = np.clip(normalised[rows, column[known]], _EPS, 1 - _EPS)
    losses = np.zeros(text.size)
    losses[rows] = -np.log(chosen)
    return lambda w: float(np.dot(w[known], losses[known]) / w[known].sum())


def _binary_counts(metric: str, truth: np.ndarray, guess: np.ndarray) -> WeightedMetric:
    tp_rows, fp_rows, fn_rows = truth & guess, ~truth & guess, truth & ~guess

    def counts(weights: np.ndarray) -> float:
        tp, fp, fn = (float(weights[r].sum()) for r in (tp_rows, fp_rows, fn_rows))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        if metric == "precision":
            return precision
        if metric == "recall":
            return recall
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    return counts


def _f1_average(metric: str, text: np.ndarray, guess: np.ndarray,
                labels: list[str]) -> WeightedMetric:
    per_label = [(text == label, guess == label) for label in labels]

    def average(weights: np.ndarray) -> float:
        scores, supports = [], []
        for truth, guessed in per_label:
            tp = float(weights[truth & guessed].sum())
            fp = float(weights[~truth & guessed].sum())
            fn = float(weights[truth & ~guessed].sum())
            scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
            supports.append(tp + fn)
        if metric == "macro_f1":
            return float(np.mean(scores))
        total = sum(supports)
        return float(np.dot(scores, supports) / total) if total else 0.0

    return average


def _regression(metric: str, truth: np.ndarray, predicted: np.ndarray) -> WeightedMetric:
    error = predicted - truth
    if metric == "rmse":
        return lambda w: float(np.sqrt(np.dot(w, error**2) / w.sum()))
    if metric == "mae":
        return lambda w: float(np.dot(w, np.abs(error)) / w.sum())
    if metric == "r2":
        def r2(w: np.ndarray) -> float:
            mean = np.dot(w, truth) / w.sum()
            spread = np.dot(w, (truth - mean) ** 2)
            return float(1 - np.dot(w, error**2) / spread) if spread > 0 else float("nan")

        return r2
    keep = truth != 0
    ratio = np.abs(error[keep] / truth[keep])
    return lambda w: float(np.dot(w[keep], ratio) / w[keep].sum()) if w[keep].sum() else float(
        "nan")


def _group_starts(sorted_values: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values (ties share one threshold)."""
    if sorted_values.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(sorted_values[1:] != sorted_values[:-1]) + 1
    return np.concatenate([[0], change])
