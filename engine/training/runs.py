"""A whole training run: search, refit, evaluate on the holdout, and store it in the project.

This is what ``gristmill train`` and the window's Train step call (through
:mod:`engine.api`). The search takes the first 80% of the job's progress, the evaluation the
rest. A run is stored in one transaction with its leaderboard, the best model's recipe, the
seed, timings, evaluation data and the fitted pipeline (skops), so the Evaluate step and
``gristmill evaluate`` work from the project file alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.jobs import Job
from engine.training.leaderboard import Leaderboard
from engine.training.search import SearchSettings

if TYPE_CHECKING:
    import pandas as pd

    from engine.evaluation.result import Evaluation
    from engine.problem.definition import Problem
    from engine.profile.schema import Schema
    from engine.project.store import Project
    from engine.training.train import TrainingResult


@dataclass
class RunOutcome:
    """A finished run: the training result, its evaluation, and its id in the project."""

    training: TrainingResult
    evaluation: Evaluation
    run_id: int | None = None


def train_and_evaluate(
    frame: pd.DataFrame,
    schema: Schema,
    problem: Problem,
    settings: SearchSettings,
    *,
    job: Job,
    on_update: Callable[[Leaderboard], None] | None = None,
) -> RunOutcome:
    """Search and refit (:func:`engine.training.train.train_model`), then evaluate."""
    from engine.evaluation.evaluate import evaluate_model
    from engine.training.train import train_model

    started = time.monotonic()  # the time budget covers the evaluation too
    result = train_model(
        frame, schema, problem, settings, job=job.sub(0.0, 0.8), on_update=on_update,
        started=started,
    )
    clock = time.perf_counter()
    best = result.leaderboard.best
    cv_scores = {}
    if best is not None:
        from engine.evaluation.metrics import METRIC_INFO, canonical_name

        # Every metric the evaluation shows gets its cross-validated mean and spread.
        folds = {problem.metric: best.fold_scores, **best.metric_folds}
        cv_scores = {
            name: list(values)
            for name, values in folds.items()
            if canonical_name(name)[0] in METRIC_INFO
        }
    train_x = train_y = None
    if problem.task.value == "binary":  # its threshold is chosen on out-of-fold scores
        from engine.evaluation.out_of_fold import training_rows

        train_x, train_y = training_rows(frame, result)
    from threadpoolctl import threadpool_limits

    # The evaluation's passes predict at most a few thousand rows each: native thread pools
    # (OpenMP in the boosting models, BLAS) gain nothing there and, spinning on a busy
    # machine, made a pass 10x slower (1 s for 2,000 rows at load 10 on 2 cores).
    with threadpool_limits(limits=1):
        plots = _dependence_plots(result)
        evaluation = evaluate_model(
            problem.task.value,
            result.pipeline,
            result.x_holdout,
            result.y_holdout,
            baseline=result.baseline,
            positive_class=problem.positive_class,
            cv_scores=cv_scores or None,
            seed=settings.seed,
            top_features=plots,
            job=job.sub(0.8, 1.0),
            X_train=train_x,
            y_train=train_y,
        )
    result.timings["evaluate_seconds"] = time.perf_counter() - clock
    evaluation.notes[:0] = result.notes
    return RunOutcome(result, evaluation)


def _dependence_plots(result: TrainingResult) -> int:
    """How many partial-dependence plots the evaluation draws: all of them without a time
    budget, else as many as the time left allows (one pass measured here, on the model just
    fitted, in the process and under the load the evaluation will see)."""
    from engine.training.budget import (
        DEPENDENCE_PLOTS,
        EVALUATION_ROWS,
        FINISH_SECONDS,
        dependence_plots,
        evaluation_fit_seconds,
        evaluation_fits,
        evaluation_seconds,
    )

    if result.deadline is None or not result.problem.task.supervised:
        return DEPENDENCE_PLOTS
    rows = result.x_holdout.iloc[:EVALUATION_ROWS]
    clock = time.perf_counter()
    if result.problem.task.classification:
        result.pipeline.predict_proba(rows)
    else:
        result.pipeline.predict(rows)
    one_pass = time.perf_counter() - clock
    left = result.deadline - time.monotonic() - FINISH_SECONDS / 2
    fits = evaluation_fits(result.problem.task)
    refit = evaluation_fit_seconds(
        result.timings.get("refit_seconds", 0.0), len(result.split.train_rows)
    )
    plots = dependence_plots(left, one_pass, len(result.inputs), fits, refit)
    result.timings["evaluation_pass_seconds"] = one_pass
    result.timings["evaluation_foreseen_seconds"] = evaluation_seconds(
        one_pass, len(result.inputs), plots, fits, refit
    )
    if plots < DEPENDENCE_PLOTS:
        result.notes.append(
            f"To keep the time budget, the evaluation draws {plots} partial-dependence "
            f"plot{'s' if plots != 1 else ''} rather than {DEPENDENCE_PLOTS}."
        )
    return plots


def split_summary(result: TrainingResult) -> dict[str, Any]:
    """The split as stored with the run: sizes and the plan in words."""
    return {
        "train_rows": len(result.split.train_rows),
        "holdout_rows": len(result.split.holdout_rows),
        "folds": len(result.split.folds),
        "description": result.split.description,
        "notes": list(result.split.notes),
    }


def store_run(
    project: Project, source_id: int, outcome: RunOutcome, data_hash: str
) -> int:
    """Save the run, its model and its evaluation in one transaction; returns the run id."""
    from engine.project.store_runs import NewRun
    from engine.training.persist import model_to_bytes

    result = outcome.training
    status = {"completed": "completed", "time budget": "completed"}.get(
        result.ended_by, "stopped"
    )
    choice = outcome.evaluation.thresholds.choice if outcome.evaluation.thresholds else None
    run_id = project.save_run(
        NewRun(
            source_id=source_id,
            status=status,
            seed=result.settings.seed,
            problem=result.problem,
            settings={**result.settings.to_dict(), "ended_by": result.ended_by},
            recipe=result.recipe,
            best=None if result.best is None else result.best.to_dict(),
            leaderboard=result.leaderboard,
            split=split_summary(result),
            timings={key: round(value, 3) for key, value in result.timings.items()},
            notes=list(result.notes),
            data_hash=data_hash,
            model_bytes=model_to_bytes(result.pipeline),
            evaluation=outcome.evaluation.to_dict(),
            threshold=None if choice is None else choice.to_dict(),
        )
    )
    outcome.run_id = run_id
    return run_id
