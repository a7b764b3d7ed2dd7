"""Permutation importance and partial dependence on the raw columns, through the pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from engine.evaluation.evaluate import evaluate_model
from engine.evaluation.importance import (
    dependence_grid,
    partial_dependence,
    permutation_importance,
)
from engine.jobs import Cancelled, CancelToken, Job


def _planted(rows: int = 600) -> tuple[pd.DataFrame, np.ndarray]:
    """Only ``signal`` decides the target; it is not the first column."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "noise_a": rng.normal(size=rows),
        "region": pd.Series(rng.choice(["north", "south", "east"], rows), dtype="str"),
        "signal": rng.normal(size=rows),
        "noise_b": rng.normal(size=rows),
    })
    noisy = frame["signal"].to_numpy() + 0.3 * rng.normal(size=rows)
    return frame, np.where(noisy > 0, "yes", "no").astype(object)


@pytest.fixture(scope="module")
def planted() -> tuple[Pipeline, Pipeline, pd.DataFrame, np.ndarray]:
    frame, y = _planted()
    encode = ColumnTransformer(
        [("region", OneHotEncoder(handle_unknown="ignore"), ["region"])],
        remainder=StandardScaler(),
    )
    model = make_pipeline(encode, LogisticRegression()).fit(frame[:400], y[:400])
    baseline = make_pipeline(DummyClassifier(strategy="prior")).fit(frame[:400], y[:400])
    return model, baseline, frame[400:], y[400:]


def _accuracy(model, rows: pd.DataFrame, actual: np.ndarray) -> float:
    return float(np.mean(model.predict(rows) == actual))


def test_planted_column_ranks_first(planted) -> None:
    model, baseline, holdout, y = planted
    evaluation = evaluate_model("binary", model, holdout, y, baseline=baseline,
                                positive_class="yes")
    ranked = [item.feature for item in evaluation.importances]
    assert ranked[0] == "signal"
    assert sorted(ranked) == sorted(holdout.columns)
    top = evaluation.importances[0]
    assert top.mean > 0.2 and top.mean > 10 * max(i.mean for i in evaluation.importances[1:])
    assert evaluation.importance_metric.startswith("Drop in ROC AUC")


def test_partial_dependence_follows_the_planted_column(planted) -> None:
    model, baseline, holdout, y = planted
    evaluation = evaluate_model("binary", model, holdout, y, baseline=baseline,
                                positive_class="yes")
    signal = evaluation.partial_dependence[0]
    assert signal.feature == "signal" and signal.kind == "numeric"
    assert signal.grid == sorted(signal.grid) and len(signal.grid) == 20
    assert signal.average[-1] - signal.average[0] > 0.6  # P(yes) rises with the signal
    assert signal.output_label == "Probability of 'yes'"


def test_partial_dependence_of_a_text_column(planted) -> None:
    model, _, holdout, _ = planted
    found = partial_dependence(
        model, holdout, "region",
        lambda m, rows: m.predict_proba(rows)[:, 1], output_label="P(yes)",
    )
    assert found is not None and found.kind == "categorical"
    assert sorted(found.grid) == ["east", "north", "south"]
    assert len(found.average) == 3 and all(0.0 <= v <= 1.0 for v in found.average)


def test_grids_respect_the_column_type() -> None:
    counts = pd.Series([1, 2, 2, 3, 3, 3, 10] * 10)
    grid = dependence_grid(counts)
    assert all(float(v).is_integer() for v in grid) and grid == sorted(set(grid))
    flags = pd.Series([True, False, True, True])
    assert dependence_grid(flags) == [False, True]  # in a readable order
    text = pd.Series(["a", "", "b", "a", None], dtype="str")
    assert dependence_grid(text) == ["a", "b"]  # "" is a missing value, not a category
    assert dependence_grid(pd.Series([np.nan, np.nan])) == []


def test_cancel_during_importance_stops_between_features(planted) -> None:
    model, _, holdout, y = planted
    token = CancelToken()
    calls = []

    def scorer(m, rows: pd.DataFrame, actual: np.ndarray) -> float:
        calls.append(1)
        return _accuracy(m, rows, actual)

    def progress(fraction: float, message: str) -> None:
        if "'region'" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        permutation_importance(model, holdout, y, scorer, repeats=3,
                               job=Job(progress, token, min_interval=0.0))
    # The reference score, the first column's three shuffles and the shuffle of 'region'
    # whose report cancelled the job; the check before the next scoring stops it (of 13).
    assert len(calls) == 5


def test_cancel_reaches_evaluate_model(planted) -> None:
    model, baseline, holdout, y = planted
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if message.startswith("Shuffling"):
            token.cancel()

    with pytest.raises(Cancelled):
        evaluate_model("binary", model, holdout, y, baseline=baseline, positive_class="yes",
                       job=Job(progress, token, min_interval=0.0))


def test_rows_are_subsampled(planted) -> None:
    model, _, holdout, y = planted
    sizes = []

    def scorer(m, rows: pd.DataFrame, actual: np.ndarray) -> float:
        sizes.append(len(rows))
        return _accuracy(m, rows, actual)

    permutation_importance(model, holdout, y, scorer, repeats=1, max_rows=50)
    assert set(sizes) == {50}
