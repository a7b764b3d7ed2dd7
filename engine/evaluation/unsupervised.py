"""Evaluating models without a target: k-means clustering and isolation-forest anomalies.

There is no right answer to compare with, so the evaluation describes what the model does:
how well separated the clusters are and what sets them apart, or how many rows are flagged
and how the anomaly scores spread. Importance is the share of rows whose cluster (or flag)
changes when a column is shuffled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from engine.evaluation.importance import is_numeric_column, permutation_importance
from engine.evaluation.metrics import METRIC_INFO
from engine.evaluation.result import Curve, Evaluation, MetricSummary
from engine.jobs import Job

SILHOUETTE_ROWS = 2_000
SCORE_BINS = 30


def _summary(name: str, value: float | None, note: str | None = None) -> MetricSummary:
    info = METRIC_INFO[name]
    return MetricSummary(name, value, None, None, None, info.greater_is_better, info.label,
                         info.explanation, note)


def _agreement(pipeline: Any, frame: pd.DataFrame, reference: np.ndarray) -> float:
    return float(np.mean(np.asarray(pipeline.predict(frame)) == reference))


def _model_space(pipeline: Any, frame: pd.DataFrame) -> np.ndarray:
    """The rows as the final estimator sees them (after the preprocessing steps)."""
    if hasattr(pipeline, "steps") and len(pipeline.steps) > 1:
        return np.asarray(pipeline[:-1].transform(frame), dtype=float)
    return frame.to_numpy(dtype=float)


def _cluster_table(frame: pd.DataFrame, labels: np.ndarray) -> list[dict[str, Any]]:
    """Size, share and the mean (numbers) or most common value (text) of each feature."""
    rows = []
    for cluster in np.unique(labels):
        members = frame[labels == cluster]
        row: dict[str, Any] = {
            "cluster": str(cluster),
            "size": len(members),
            "share": float(len(members) / len(frame)),
        }
        for column in frame.columns:
            values = members[column]
            if is_numeric_column(values):
                mean = float(values.astype(float).mean())
                row[str(column)] = mean if np.isfinite(mean) else None
            else:
                common = values.dropna().astype(str).mode()
                row[str(column)] = str(common.iloc[0]) if len(common) else None
        rows.append(row)
    return rows


def evaluate_clustering(
    pipeline: Any, frame: pd.DataFrame, *, seed: int, job: Job
) -> Evaluation:
    """Silhouette, cluster sizes and a per-cluster feature table for a k-means pipeline."""
    labels = np.asarray(pipeline.predict(frame))
    job.step(0.1, "Measuring how well the clusters separate")
    notes = []
    clusters = len(np.unique(labels))
    if 2 <= clusters < len(frame):
        space = _model_space(pipeline, frame)
        silhouette: float | None = float(skm.silhouette_score(
            space, labels, sample_size=min(SILHOUETTE_ROWS, len(frame)), random_state=seed
        ))
        note = None
        if len(frame) > SILHOUETTE_ROWS:
            notes.append(f"The silhouette is measured on {SILHOUETTE_ROWS:,} sampled rows.")
    else:
        silhouette = None
        note = "The silhouette needs at least two clusters with rows in them."
    importances = permutation_importance(
        pipeline, frame, labels, lambda p, x, y: _agreement(p, x, y), seed=seed,
        job=job.sub(0.2, 1.0),
    )
    return Evaluation(
        task="clustering",
        metrics=(_summary("silhouette", silhouette, note),),
        rows=len(frame),
        importances=importances,
        importance_metric="Share of rows that move to another cluster when the column is "
        "shuffled",
        clusters=_cluster_table(frame, labels),
        notes=notes,
    )


def evaluate_anomaly(pipeline: Any, frame: pd.DataFrame, *, seed: int, job: Job) -> Evaluation:
    """Share of rows flagged and the distribution of anomaly scores (isolation forest)."""
    flags = np.asarray(pipeline.predict(frame)) == -1
    # decision_function is negative for flagged rows; negate it so higher means more unusual
    # and the cut between normal and flagged sits at 0.
    scores = -np.asarray(pipeline.decision_function(frame), dtype=float)
    job.step(0.1, "Describing the anomaly scores")
    counts, edges = np.histogram(scores, bins=SCORE_BINS)
    curve = Curve(
        name="anomaly_scores",
        x=[float(v) for v in (edges[:-1] + edges[1:]) / 2],
        y=[float(v) for v in counts],
        x_label="Anomaly score (above 0: flagged as unusual)",
        y_label="Rows",
        extra={"cut": 0.0, "edges": [float(v) for v in edges], "flagged": int(flags.sum())},
    )
    importances = permutation_importance(
        pipeline, frame, np.where(flags, -1, 1), lambda p, x, y: _agreement(p, x, y),
        seed=seed, job=job.sub(0.2, 1.0),
    )
    return Evaluation(
        task="anomaly",
        metrics=(_summary("flagged_share", float(flags.mean())),),
        rows=len(frame),
        curves=(curve,),
        importances=importances,
        importance_metric="Share of rows whose unusual/normal flag changes when the column is "
        "shuffled",
        notes=[f"{int(flags.sum()):,} of {len(frame):,} rows are flagged as unusual."],
    )
