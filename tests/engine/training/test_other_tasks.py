"""Semi-supervised, clustering and anomaly detection through the same training entry point."""

from __future__ import annotations

import numpy as np
import pytest

from engine.api import infer_schema
from engine.jobs import Job
from engine.problem.define import propose_problem
from engine.problem.definition import SplitKind, Task, ValidationPlan
from engine.training.search import SearchSettings
from engine.training.train import train_model
from tests.engine.training.conftest import churn_like

# Trains real models: the Qt-blocked re-run in tests/test_codebase.py leaves it out.
pytestmark = pytest.mark.slow


def test_semi_supervised_uses_the_unlabeled_rows_and_exports_the_inner_model() -> None:
    table = churn_like(800, seed=3)
    rng = np.random.default_rng(0)
    unlabeled = rng.random(len(table)) < 0.4
    table["churned"] = table["churned"].astype(object).where(~unlabeled, None)
    schema = infer_schema(table)
    proposal = propose_problem(
        table, schema, "churned", semi_supervised=True,
        validation=ValidationPlan(kind=SplitKind.STRATIFIED, folds=3),
    )
    assert proposal.problem.semi_supervised
    result = train_model(
        table, schema, proposal.problem,
        SearchSettings(families=("linear",), max_trials=1, time_budget=None),
        job=Job(),
    )
    assert len(result.split.unlabeled_rows) == unlabeled.sum()
    assert len(result.x_holdout) + len(result.split.train_rows) == (~unlabeled).sum()
    final = result.pipeline.steps[-1][1]
    # The exported model is the fitted estimator itself, not the self-training wrapper.
    assert type(final).__name__ == "LogisticRegression"
    assert set(final.classes_) == {"yes", "no"}
    assert result.leaderboard.best.cv_mean > 0.7


def test_clustering_fits_k_means_with_the_suggested_k() -> None:
    rng = np.random.default_rng(1)
    centres = np.array([[0, 0], [6, 6], [0, 8]])
    points = np.vstack([rng.normal(c, 0.7, size=(150, 2)) for c in centres])
    import pandas as pd

    table = pd.DataFrame(points, columns=["spend", "visits"])
    schema = infer_schema(table)
    problem = propose_problem(table, schema, None, task=Task.CLUSTERING).problem
    assert problem.n_clusters == 3
    result = train_model(table, schema, problem, SearchSettings(), job=Job())
    labels = result.pipeline.predict(result.x_holdout)
    assert len(set(labels)) == 3
    assert result.leaderboard.entries[0].family == "kmeans"


def test_anomaly_detection_flags_the_planted_outliers() -> None:
    import pandas as pd

    rng = np.random.default_rng(2)
    normal = rng.normal(0, 1, size=(1000, 3))
    outliers = rng.normal(9, 1, size=(10, 3))
    table = pd.DataFrame(np.vstack([normal, outliers]), columns=["a", "b", "c"])
    schema = infer_schema(table)
    problem = propose_problem(table, schema, None, task=Task.ANOMALY).problem
    result = train_model(table, schema, problem, SearchSettings(), job=Job())
    planted = pd.DataFrame(outliers, columns=["a", "b", "c"]).astype("float32")
    flags = result.pipeline.predict(planted)
    assert (flags == -1).all()


def test_multiclass_wine_beats_the_baseline_with_macro_f1() -> None:
    import pandas as pd
    from sklearn.datasets import load_wine

    data = load_wine(as_frame=True)
    table = data.frame.copy()
    table["target"] = pd.Series([f"cultivar {v}" for v in data.target], dtype="str")
    schema = infer_schema(table)
    problem = propose_problem(table, schema, "target").problem
    assert problem.task is Task.MULTICLASS and problem.metric == "macro_f1"
    result = train_model(
        table, schema, problem,
        SearchSettings(families=("linear", "random_forest"), max_trials=2, time_budget=None),
        job=Job(),
    )
    board = result.leaderboard
    assert board.best.cv_mean > 0.9 > board.baseline.cv_mean
    assert result.pipeline.predict_proba(result.x_holdout).shape == (len(result.x_holdout), 3)


def test_more_columns_than_rows_trains_a_regularised_model_with_a_note() -> None:
    import pandas as pd

    rng = np.random.default_rng(4)
    wide = pd.DataFrame(rng.normal(size=(60, 120)), columns=[f"g{i}" for i in range(120)])
    wide["outcome"] = np.where(wide["g0"] + wide["g1"] > 0, "up", "down")
    schema = infer_schema(wide)
    proposal = propose_problem(wide, schema, "outcome")
    assert any("more feature columns (120) than labelled rows" in n for n in proposal.notes)
    result = train_model(
        wide, schema, proposal.problem,
        SearchSettings(families=("linear",), max_trials=1, time_budget=None), job=Job(),
    )
    assert result.leaderboard.best.cv_mean > result.leaderboard.baseline.cv_mean
