"""The weighted metrics of the bootstrap equal scikit-learn's with all weights 1."""

from __future__ import annotations

import numpy as np
import pytest

from engine.monitor.bootstrap import interval, prepare
from engine.problem.metrics import score

RNG = np.random.default_rng(11)
N = 3000


def _binary() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    truth = np.where(RNG.random(N) < 0.3, "yes", "no").astype(object)
    p_yes = np.clip(0.3 + 0.3 * (truth == "yes") + RNG.normal(0, 0.2, N), 0, 1)
    p_yes = np.round(p_yes, 2)  # many ties, as tree models give
    proba = np.column_stack([1 - p_yes, p_yes])
    predicted = np.where(p_yes >= 0.5, "yes", "no").astype(object)
    return truth, predicted, proba


@pytest.mark.parametrize("metric", ["roc_auc", "pr_auc", "log_loss", "brier", "accuracy",
                                    "precision", "recall", "f1", "macro_f1", "weighted_f1"])
def test_binary_metrics_match_scikit_learn(metric: str) -> None:
    truth, predicted, proba = _binary()
    classes = ("no", "yes")
    function = prepare(metric, truth, predicted, proba, classes, "yes")
    expected = score(metric, truth, predicted, proba, classes, "yes")
    assert function(np.ones(N)) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("metric", ["roc_auc", "log_loss", "accuracy", "macro_f1"])
def test_multiclass_metrics_match_scikit_learn(metric: str) -> None:
    labels = np.array(["a", "b", "c"], dtype=object)
    truth = labels[RNG.integers(0, 3, N)]
    raw = RNG.random((N, 3)) + 0.8 * (truth[:, None] == labels[None, :])
    proba = raw / raw.sum(axis=1, keepdims=True)
    predicted = labels[proba.argmax(axis=1)]
    function = prepare(metric, truth, predicted, proba, ("a", "b", "c"), None)
    expected = score(metric, truth, predicted, proba, ("a", "b", "c"), None)
    assert function(np.ones(N)) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("metric", ["rmse", "mae", "r2", "mape"])
def test_regression_metrics_match_scikit_learn(metric: str) -> None:
    truth = RNG.normal(100, 20, N)
    predicted = truth + RNG.normal(0, 5, N)
    function = prepare(metric, truth, predicted, None, (), None)
    assert function(np.ones(N)) == pytest.approx(score(metric, truth, predicted), rel=1e-9)


def test_the_interval_holds_the_estimate_and_narrows_with_rows() -> None:
    truth, predicted, proba = _binary()
    function = prepare("roc_auc", truth, predicted, proba, ("no", "yes"), "yes")
    low, high = interval(function, N, rounds=200)
    estimate = function(np.ones(N))
    assert low < estimate < high
    small = prepare("roc_auc", truth[:300], predicted[:300], proba[:300], ("no", "yes"), "yes")
    small_low, small_high = interval(small, 300, rounds=200)
    assert small_high - small_low > 2 * (high - low)  # about sqrt(10) wider


def test_worse_allows_for_the_training_figure_s_own_error() -> None:
    from engine.monitor.performance import measurably_worse

    # A big new file: a narrow interval just below a training AUC measured on 1,000 rows.
    assert not measurably_worse(0.919, 0.916, 0.914, 0.918, 200_000, 1000, True)
    # Without knowing the training rows, the same figures look like a drop.
    assert measurably_worse(0.919, 0.916, 0.914, 0.918, 200_000, None, True)
    # A real drop is still caught, and lower-is-better metrics work the other way.
    assert measurably_worse(0.84, 0.77, 0.74, 0.80, 2000, 1000, True)
    assert measurably_worse(0.30, 0.45, 0.42, 0.48, 2000, 1000, False)
    assert not measurably_worse(0.30, 0.31, 0.28, 0.34, 2000, 1000, False)
