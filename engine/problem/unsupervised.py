"""The proposal without a target: clustering (k-means with a suggested k) or anomaly detection.

Clustering's k is suggested from the numeric and yes/no features only (categories would need
an encoding the suggestion does not know): up to :data:`CLUSTER_SAMPLE` rows, infinities made
missing, missing values filled with the column median, each column scaled to unit variance,
then :func:`engine.problem.clustering.suggest_clusters`. The leakage guard does not apply
(there is no target); identifiers are already left out of the features.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.jobs import Job
from engine.problem.definition import Problem, Task, ValidationPlan
from engine.problem.metrics import check_metric, default_metric
from engine.profile.schema import ColumnKind, Schema

if TYPE_CHECKING:
    from engine.problem.define import ProblemProposal

CLUSTER_SAMPLE = 20_000
DEFAULT_CLUSTERS = 3
SEED = 0


def cluster_matrix(frame: pd.DataFrame, columns: Sequence[str], *, seed: int = SEED) -> np.ndarray:
    """A sample of ``columns`` as a float matrix: infinities missing, median-filled, scaled."""
    rng = np.random.default_rng(seed)
    rows = np.arange(len(frame))
    if len(rows) > CLUSTER_SAMPLE:
        rows = np.sort(rng.choice(rows, CLUSTER_SAMPLE, replace=False))
    part = frame.iloc[rows]
    matrix = np.column_stack([
        np.array(part[name].astype("float64").to_numpy(dtype=np.float64, na_value=np.nan))
        for name in columns
    ])
    matrix[~np.isfinite(matrix)] = np.nan
    filled = ~np.isnan(matrix)
    medians = np.array([np.median(col[ok]) if ok.any() else 0.0
                        for col, ok in zip(matrix.T, filled.T, strict=True)])
    matrix = np.where(filled, matrix, medians)
    spread = matrix.std(axis=0)
    return (matrix - matrix.mean(axis=0)) / np.where(spread > 0, spread, 1.0)


def propose_unsupervised(
    frame: pd.DataFrame,
    schema: Schema,
    task: Task | None,
    positive_class: str | None,
    metric: str | None,
    validation: ValidationPlan | None,
    keep: Sequence[str],
    exclude: Sequence[str],
    semi_supervised: bool | None,
    dates: tuple[str, ...],
    job: Job,
) -> ProblemProposal:
    """The :class:`ProblemProposal` for clustering (default) or anomaly detection."""
    from engine.problem.define import ProblemProposal, _candidate_features, _number_notes

    task = Task(task) if task is not None else Task.CLUSTERING
    if task.supervised:
        raise InputError(f"A {task.value} task needs a target column to predict.",
                         "Choose the target column, or choose clustering or anomaly detection.")
    if positive_class is not None or semi_supervised:
        raise InputError(f"{task.value.capitalize()} has no target, so no positive class and no "
                         "semi-supervised training.", "Leave those options empty.")
    metric = check_metric(metric, task).name if metric else default_metric(task)
    notes: list[str] = []
    features = [name for name in _candidate_features(frame, schema, None, keep, notes)
                if name not in exclude]
    if not features:
        raise InputError("No feature columns are left to learn from.",
                         "Keep some of the left-out columns, or add columns to the table.")
    if len(frame) < 3:
        raise InputError(f"Only {len(frame)} rows: too few to find groups or unusual rows.",
                         "Provide more rows.")
    notes.extend(_number_notes(frame, features))
    if len(features) >= len(frame):
        notes.append(f"There are more feature columns ({len(features):,}) than rows "
                     f"({len(frame):,}); results will be unstable. Add rows, or leave columns out.")
    clusters = None
    if task is Task.CLUSTERING:
        numeric = [name for name in features
                   if name in schema.names and schema[name].kind in (ColumnKind.NUMERIC,
                                                                     ColumnKind.BOOLEAN)
                   and (pd.api.types.is_numeric_dtype(frame[name].dtype)
                        or pd.api.types.is_bool_dtype(frame[name].dtype))]
        if numeric:
            from engine.problem.clustering import suggest_clusters

            job.step(0.1, "Suggesting a number of clusters")
            clusters, why, _ = suggest_clusters(cluster_matrix(frame, numeric), seed=SEED,
                                                job=job.sub(0.1, 0.95))
            notes.append(f"Suggested number of clusters: {why}.")
        else:
            clusters = DEFAULT_CLUSTERS
            notes.append(f"No numeric column to judge the number of clusters by; "
                         f"{DEFAULT_CLUSTERS} is a starting point.")
    else:
        notes.append("Anomaly detection has no answers to check against: the metric only "
                     "reports the share of rows flagged as unusual.")
    job.done("Problem proposed")
    reason = "no target: clustering" if task is Task.CLUSTERING else (
        "no target: anomaly detection")
    problem = Problem(task=task, features=tuple(features), metric=metric, target=None,
                      validation=validation or ValidationPlan(), n_clusters=clusters,
                      excluded=tuple(n for n in frame.columns if n in set(exclude)),
                      reason=reason)
    return ProblemProposal(problem, None, (), None, tuple(notes), dates)
