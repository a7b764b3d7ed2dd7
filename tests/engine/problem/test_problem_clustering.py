"""The suggested number of clusters: right on clear groups, repeatable, cancellable."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InputError
from engine.jobs import Cancelled, CancelToken, Job
from engine.problem.clustering import suggest_clusters


def _blobs(groups: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, (groups, 3))
    return np.vstack([rng.normal(centre, 0.5, (80, 3)) for centre in centres])


def test_finds_the_number_of_clear_groups() -> None:
    reports: list[tuple[float, str]] = []
    k, reason, scores = suggest_clusters(_blobs(4), seed=1, job=Job(lambda f, m: reports.append(
        (f, m)), min_interval=0.0), k_range=range(2, 8))
    assert k == 4
    assert reason.startswith("4 clusters separate the rows best")
    assert set(scores) == set(range(2, 8)) and scores[4] == max(scores.values())
    assert reports and reports[-1][0] == 1.0


def test_same_seed_same_answer_and_stray_values_tolerated() -> None:
    features = _blobs(3, seed=2)
    features[0, 0] = np.nan
    features[1, 1] = np.inf
    first = suggest_clusters(features, seed=5, k_range=range(2, 6))
    assert first == suggest_clusters(features, seed=5, k_range=range(2, 6))
    assert first[0] == 3


def test_weak_structure_is_said() -> None:
    noise = np.random.default_rng(0).uniform(size=(300, 2))
    _, reason, _ = suggest_clusters(noise, seed=0, k_range=range(2, 5))
    assert "overlap" in reason or "silhouette" in reason


def test_too_few_distinct_rows_is_refused() -> None:
    with pytest.raises(InputError, match="too few to form clusters"):
        suggest_clusters(np.ones((50, 2)), seed=0)


def test_cancel_stops_it() -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        suggest_clusters(_blobs(3), seed=0, job=Job(cancel=token))
