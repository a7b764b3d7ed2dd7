"""Suggest a number of clusters for k-means: the k with the best silhouette on a sample.

The caller passes numeric features already imputed and scaled; any NaN or infinity left is
replaced by the column mean (0 for an empty column) so a stray value cannot stop the
suggestion. K-means is fitted on at most :data:`FIT_SAMPLE` rows and the silhouette computed
on at most :data:`SCORE_SAMPLE` of them (fixed by the seed), so the call stays fast on a
million rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from engine.errors import InputError
from engine.jobs import Job

FIT_SAMPLE = 10_000
SCORE_SAMPLE = 3_000
WEAK_SILHOUETTE = 0.25


def _clean(features: np.ndarray) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim == 1:
        features = features.reshape(-1, 1)
    finite = np.isfinite(features)
    if not finite.all():
        sums = np.where(finite, features, 0.0).sum(axis=0)
        means = sums / np.maximum(finite.sum(axis=0), 1)
        features = np.where(finite, features, means)
    return features


def suggest_clusters(
    X: np.ndarray,  # noqa: N803 - the scikit-learn name for a feature matrix
    *,
    seed: int,
    job: Job | None = None,
    k_range: Iterable[int] = range(2, 11),
) -> tuple[int, str, dict[int, float]]:
    """Return (k, the reason in words, silhouette by k) for the k values that can be tried."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    job = job or Job()
    features = _clean(X)
    rng = np.random.default_rng(seed)
    if len(features) > FIT_SAMPLE:
        features = features[rng.choice(len(features), FIT_SAMPLE, replace=False)]
    distinct = len(np.unique(features, axis=0))
    candidates = [int(k) for k in k_range if 2 <= int(k) < distinct]
    if not candidates:
        raise InputError(f"The rows have only {distinct} distinct combinations of values: too "
                         "few to form clusters.", "Add rows or numeric columns that differ.")
    scored = (rng.choice(len(features), SCORE_SAMPLE, replace=False)
              if len(features) > SCORE_SAMPLE else np.arange(len(features)))
    scores: dict[int, float] = {}
    for number, k in enumerate(candidates):
        job.step(number / len(candidates), f"Trying {k} clusters")
        # One OpenMP thread: on a small sample, k-means threads spend their time waiting for
        # each other (measured: 0.9 s with 2 busy cores against 0.04 s with one thread).
        with threadpool_limits(1, user_api="openmp"):
            model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(features)
        labels = model.labels_[scored]
        if 2 <= len(np.unique(labels)) < len(scored):
            scores[k] = float(silhouette_score(features[scored], labels))
    job.done("Number of clusters suggested")
    if not scores:
        k = candidates[0]
        return k, f"no k could be judged by silhouette; {k} is a starting point", scores
    best = max(scores, key=lambda key: (scores[key], -key))
    tried = f"{min(candidates)}-{max(candidates)}" if len(candidates) > 1 else str(candidates[0])
    reason = (f"{best} clusters separate the rows best (silhouette {scores[best]:.2f}, tried k = "
              f"{tried} on {len(scored):,} rows)")
    if scores[best] < WEAK_SILHOUETTE:
        reason += "; the groups overlap a lot, so treat them as a rough segmentation"
    return best, reason, scores
