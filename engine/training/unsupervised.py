"""Training without a target: k-means clustering or an isolation forest for anomalies.

There is no score to search on, so there is one candidate: the problem's k (suggested from the
data by :mod:`engine.problem.clustering`) or the isolation forest's defaults. It is fitted in
a worker process like every other model, so Cancel works within 2 seconds, on the training
rows; the holdout rows are kept for the evaluation (silhouette, cluster sizes, share flagged).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from engine.jobs import Job
from engine.training.candidate import CandidateSpec, FitContext
from engine.training.leaderboard import DONE, Leaderboard, LeaderboardEntry

if TYPE_CHECKING:
    import pandas as pd

    from engine.problem.definition import Problem
    from engine.profile.schema import Schema
    from engine.training.search import SearchSettings
    from engine.training.train import TrainingResult


def train_unsupervised(
    frame: pd.DataFrame,
    schema: Schema,
    problem: Problem,
    settings: SearchSettings,
    *,
    job: Job,
) -> TrainingResult:
    """Fit the clustering or anomaly model of ``problem`` on the training rows."""
    from engine.problem.splits import make_splits
    from engine.recipe.inputs import model_inputs, to_model_frame
    from engine.training.candidate import recipe_for
    from engine.training.catalog import UNSUPERVISED_FAMILY, family
    from engine.training.train import TrainingResult, refit_in_worker
    from engine.training.workers import WorkerPool

    started = time.perf_counter()
    job.step(0.0, "Preparing the model inputs", force=True)
    inputs = model_inputs(schema, problem.features)
    x_all = to_model_frame(frame, inputs)
    split = make_splits(frame, None, problem, seed=settings.seed)
    x_train = x_all.iloc[split.train_rows].reset_index(drop=True)
    x_holdout = x_all.iloc[split.holdout_rows].reset_index(drop=True)
    key = UNSUPERVISED_FAMILY[problem.task]
    params = {"n_clusters": problem.n_clusters or 3} if key == "kmeans" else {}
    spec = CandidateSpec(1, key, params, settings.seed, settings.recipe)
    context = FitContext(task=problem.task, inputs=tuple(inputs), metrics=(problem.metric,))
    payload = {"context": context, "x_full": x_train, "y_full": None, "unlabeled": None}
    timings = {"prepare_seconds": time.perf_counter() - started}
    clock = time.perf_counter()
    pool = WorkerPool(1, payload)
    try:
        job.step(0.1, f"Fitting {family(key).label} on {len(x_train):,} rows", force=True)
        pipeline, seconds = refit_in_worker(pool, spec, settings.cores, job.sub(0.1, 0.99))
    finally:
        pool.close()
    timings["refit_seconds"] = time.perf_counter() - clock
    board = Leaderboard(problem.metric, True).with_entry(
        LeaderboardEntry(1, key, family(key).label, params, DONE, seconds=seconds)
    )
    job.done("Model fitted")
    return TrainingResult(
        problem=problem,
        settings=settings,
        inputs=tuple(inputs),
        leaderboard=board,
        best=spec,
        pipeline=pipeline,
        baseline=None,
        split=split,
        x_holdout=x_holdout,
        y_holdout=None,
        ended_by="completed",
        timings=timings,
        notes=list(split.notes),
        recipe=recipe_for(spec, context).to_dict(),
    )
