"""Training from a table and a problem to a ranked leaderboard and a fitted best model.

Steps, each reported through the job: prepare the model inputs and the split; score the
baseline; search (:mod:`.search`) in worker processes; refit the best candidate on every
training row; fit the baseline the same way. The holdout rows are never seen by the search
or the refit: evaluation (:mod:`engine.evaluation`) uses them.

Cancel: the first press stops the search within 2 seconds and keeps what finished; the best
finished model is then refitted (a second press stops that too and raises ``Cancelled``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from engine.errors import InputError
from engine.jobs import Cancelled, Job
from engine.problem.definition import Problem, Task
from engine.training.candidate import CandidateSpec, FitContext, subset_folds
from engine.training.leaderboard import DONE, Leaderboard, LeaderboardEntry
from engine.training.search import SearchSettings, pool_size, run_search

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from engine.problem.splits import SplitPlan
    from engine.profile.schema import Schema
    from engine.recipe.inputs import InputColumn
    from engine.training.workers import WorkerPool

_POLL_SECONDS = 0.1
BIG_SEARCH_ROWS = 50_000  # above this many training rows the search uses fewer folds
BIG_SEARCH_FOLDS = 3


@dataclass
class TrainingResult:
    """What a training run produced: the board, the fitted best model and the data split.

    ``best`` is None when no model finished (the time budget was too short): ``pipeline``
    is then the baseline, and ``notes`` say so.
    """

    problem: Problem
    settings: SearchSettings
    inputs: tuple[InputColumn, ...]
    leaderboard: Leaderboard
    best: CandidateSpec | None
    pipeline: Pipeline
    baseline: Pipeline
    split: SplitPlan
    x_holdout: pd.DataFrame
    y_holdout: np.ndarray
    ended_by: str
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    recipe: dict[str, Any] | None = None  # the best model's recipe as JSON


def task_metrics(task: Task, primary: str) -> tuple[str, ...]:
    """The ranking metric first, then every other metric of the task (for the board)."""
    from engine.problem.metrics import metrics_for

    return (primary, *[name for name in metrics_for(task) if name != primary])


def _check_columns(frame: pd.DataFrame, problem: Problem) -> None:
    """Refuse, in words, a problem whose target or input columns are not in the table."""
    import difflib


    wanted = [problem.target, *problem.features] if problem.target else list(problem.features)
    missing = [name for name in wanted if name not in frame.columns]
    if not missing:
        return
    close = difflib.get_close_matches(str(missing[0]), [str(c) for c in frame.columns], n=3)
    hint = f"Did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    what = "target" if missing[0] == problem.target else "column"
    raise InputError(
        f"The table has no {what} {', '.join(repr(m) for m in missing)}: the problem was "
        "defined on a table whose columns have changed since.",
        hint + "Choose the target and the columns again in Problem.",
    )


def train_model(
    frame: pd.DataFrame,
    schema: Schema,
    problem: Problem,
    settings: SearchSettings,
    *,
    job: Job,
    on_update: Callable[[Leaderboard], None] | None = None,
    started: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> TrainingResult:
    """Search, rank and refit; see the module docstring for the steps and Cancel.

    ``started`` is when the run's clock started (on ``clock``; default: now): the time budget
    covers everything from then on, the evaluation included, so the search ends early enough
    to leave the refit and the evaluation the time they are expected to take.
    """

    from engine.problem.metrics import higher_is_better
    from engine.problem.splits import make_splits
    from engine.problem.task_detection import target_labels
    from engine.recipe.inputs import model_inputs, to_model_frame
    from engine.training.candidate import baseline_pipeline, cross_validate, fit_pipeline
    from engine.training.catalog import family

    if not problem.task.supervised:
        from engine.training.unsupervised import train_unsupervised

        return train_unsupervised(frame, schema, problem, settings, job=job)
    import numpy as np

    _check_columns(frame, problem)
    started = clock() if started is None else started
    deadline = None if settings.time_budget is None else started + settings.time_budget
    timings: dict[str, float] = {}
    mark = time.perf_counter()
    job.step(0.0, "Preparing the model inputs", force=True)
    inputs = model_inputs(schema, problem.features)
    x_all = to_model_frame(frame, inputs)
    y_all = target_labels(frame[problem.target], problem.task)
    split = make_splits(frame, y_all, problem, seed=settings.seed)
    x_train = x_all.iloc[split.train_rows].reset_index(drop=True)
    y_train = y_all[split.train_rows]
    x_holdout = x_all.iloc[split.holdout_rows].reset_index(drop=True)
    y_holdout = y_all[split.holdout_rows]
    unlabeled = None
    if problem.semi_supervised and len(getattr(split, "unlabeled_rows", ())):
        unlabeled = x_all.iloc[split.unlabeled_rows].reset_index(drop=True)
    context = FitContext(
        task=problem.task,
        inputs=tuple(inputs),
        metrics=task_metrics(problem.task, problem.metric),
        classes=tuple(problem.classes),
        positive_class=problem.positive_class,
        class_weights=problem.class_weights,
        semi_supervised=problem.semi_supervised and unlabeled is not None,
        n_jobs=1,
        cardinality=category_counts(x_train, inputs),
    )
    notes = list(split.notes)
    timings["prepare_seconds"] = time.perf_counter() - mark

    baseline_spec = CandidateSpec(0, "baseline", {}, settings.seed)
    plain = replace(context, semi_supervised=False)
    base_result = cross_validate(baseline_spec, plain, x_train, y_train, split.folds)
    board = Leaderboard(problem.metric, higher_is_better(problem.metric)).with_entry(
        LeaderboardEntry(
            trial=0,
            family="baseline",
            label=_baseline_label(problem.task),
            params={},
            status=DONE,
            fold_scores=tuple(s[problem.metric] for s in base_result["fold_scores"]),
            seconds=base_result["seconds"],
        )
    )
    if on_update is not None:
        on_update(board)

    search_x, search_y, search_folds = _search_rows(x_train, y_train, split, settings, notes)
    payload = {
        "context": context,
        "x": search_x,
        "y": search_y,
        "folds": search_folds,
        # Successive halving scores candidates on the first rows of this seeded order.
        "order": np.random.default_rng(settings.seed).permutation(len(search_x)),
        "x_full": x_train,
        "y_full": y_train,
        "unlabeled": unlabeled,
    }
    from engine.training.workers import WorkerPool

    mark = time.perf_counter()
    # A warm spare for the refit when a deadline can stop the search with every worker busy.
    pool = WorkerPool(pool_size(settings), payload, spare=settings.time_budget is not None)
    try:
        outcome = run_search(
            pool,
            context,
            settings,
            board,
            job.sub(0.02, 0.9),
            on_update,
            search_rows=len(search_x),
            deadline=deadline,
            reserve=lambda current: finish_seconds(current.best, len(x_train), search_folds),
            clock=clock,
        )
        timings["search_seconds"] = time.perf_counter() - mark
        board = outcome.leaderboard
        best_entry = board.best
        best_spec = None
        if best_entry is None:
            if outcome.ended_by == "cancelled":
                _continue_after_cancel(job)
            notes.append(_nothing_finished(outcome.ended_by, settings))
            pipeline = fit_pipeline(baseline_pipeline(problem.task), x_train, y_train, None, plain)
        else:
            best_spec = CandidateSpec(
                best_entry.trial, best_entry.family, best_entry.params, settings.seed,
                settings.recipe,
            )
            if outcome.ended_by == "cancelled":
                _continue_after_cancel(job)
                notes.append(
                    f"The search was stopped after {board.finished} models; the best of "
                    "those was kept."
                )
            if best_entry.screened:
                notes.append(
                    f"No model was compared on all the search rows before the search ended; "
                    f"the best one compared on {best_entry.rows:,} rows ({best_entry.label}) "
                    "was refitted on all the training rows."
                )
            mark = time.perf_counter()
            label = family(best_spec.family).label
            job.step(0.9, f"Refitting {label} on all {len(x_train):,} training rows", force=True)
            refit_job = job.sub(0.9, 0.99)
            pipeline, _seconds = refit_in_worker(pool, best_spec, settings.cores, refit_job)
            timings["refit_seconds"] = time.perf_counter() - mark
    finally:
        pool.close()
    baseline = fit_pipeline(baseline_pipeline(problem.task), x_train, y_train, None, plain)
    recipe = None
    if best_spec is not None:
        from engine.training.candidate import recipe_for

        recipe = recipe_for(best_spec, context).to_dict()
    job.done("Training finished")
    return TrainingResult(
        problem=problem,
        settings=settings,
        inputs=tuple(inputs),
        leaderboard=board,
        best=best_spec,
        pipeline=pipeline,
        baseline=baseline,
        split=split,
        x_holdout=x_holdout,
        y_holdout=y_holdout,
        ended_by=outcome.ended_by,
        timings=timings,
        notes=notes,
        recipe=recipe,
    )


def refit_in_worker(
    pool: WorkerPool, spec: CandidateSpec, threads: int, job: Job
) -> tuple[Pipeline, float]:
    """Fit ``spec`` on every training row in a worker, so Cancel still works.

    Returns the fitted pipeline and the seconds the fit took.
    """
    from engine.training.catalog import family

    worker = pool.refit_worker()
    pool.submit(worker, "refit", spec.to_dict(), threads)
    label = family(spec.family).label
    started = time.monotonic()
    while True:
        job.step(0.0, f"Refitting {label}: {time.monotonic() - started:.0f} s so far")
        for source, message in pool.poll(_POLL_SECONDS):
            if source is not worker or message[0] in ("ready", "fold"):
                continue
            if message[0] == "fitted":
                source.busy_with = None
                return message[2], float(message[3])
            reason = message[2] if message[0] == "failed" else "the fit crashed (out of memory?)"
            raise InputError(f"The best model could not be refitted: {reason}.")


REFIT_MARGIN = 1.3  # a refit runs alone, but fits do not always scale linearly with rows
FINISH_SECONDS = 1.5  # stopping the workers, the baseline, storing: measured about 1 s
EVALUATE_SHARE = 0.5  # the evaluation (holdout, importances) against one fold's fit time


def finish_seconds(
    best: LeaderboardEntry | None,
    train_rows: int,
    folds: tuple[tuple[np.ndarray, np.ndarray], ...],
) -> float:
    """Seconds the run needs after the search for ``best``: its refit on ``train_rows`` rows
    (from its measured cross-validation time, scaled to the rows), the evaluation and the rest.
    """
    if best is None:
        return FINISH_SECONDS
    fold_rows = max(1, len(folds[0][0])) if folds else max(1, train_rows)
    if best.rows is not None and folds:  # screened: its folds were cut to ``rows`` rows
        total = sum(len(fit) + len(check) for fit, check in folds[:1])
        fold_rows = max(1, int(fold_rows * best.rows / max(1, total)))
    per_fold = best.seconds / max(1, len(best.fold_scores) or len(folds))
    refit = per_fold * train_rows / fold_rows * REFIT_MARGIN
    return refit + per_fold * EVALUATE_SHARE + FINISH_SECONDS


def category_counts(x_train: pd.DataFrame, inputs: tuple[InputColumn, ...]) -> dict[str, int]:
    """Distinct values per category column in the training rows (for the default recipe)."""
    return {
        column.name: int(x_train[column.name].nunique())
        for column in inputs
        if column.kind == "categorical"
    }


def _continue_after_cancel(job: Job) -> None:
    """The first Cancel stopped the search: consume it, so the refit and evaluation go on.

    Pressed twice already? Then everything stops now.
    """
    if not job.cancel.consume():
        raise Cancelled()


def _search_rows(
    x_train: pd.DataFrame,
    y_train: np.ndarray,
    split: SplitPlan,
    settings: SearchSettings,
    notes: list[str],
) -> tuple[pd.DataFrame, np.ndarray, tuple[tuple[np.ndarray, np.ndarray], ...]]:
    """The rows the search cross-validates on: all of them, or a seeded sample of big tables."""
    import numpy as np

    rows = len(x_train)
    folds = split.folds
    if rows > BIG_SEARCH_ROWS and len(folds) > BIG_SEARCH_FOLDS:
        # On big tables a fold's score is already stable; fewer folds leave time for more
        # candidates within the budget.
        folds = folds[-BIG_SEARCH_FOLDS:]  # the last folds: for a time split, the newest
        notes.append(
            f"With {rows:,} training rows, models were compared on {BIG_SEARCH_FOLDS} of the "
            f"{len(split.folds)} folds."
        )
    if rows <= settings.search_rows:
        return x_train, y_train, folds
    rng = np.random.default_rng(settings.seed)
    chosen = np.sort(rng.choice(rows, size=settings.search_rows, replace=False))
    folds = subset_folds(folds, chosen, rows)
    notes.append(
        f"The search compared models on a sample of {settings.search_rows:,} of the "
        f"{rows:,} training rows; the best model was then refitted on all of them."
    )
    return x_train.iloc[chosen].reset_index(drop=True), y_train[chosen], folds


def _baseline_label(task: Task) -> str:
    if task is Task.REGRESSION:
        return "Baseline (always the mean)"
    return "Baseline (class shares, no inputs)"


def _nothing_finished(ended_by: str, settings: SearchSettings) -> str:
    if ended_by == "cancelled":
        return (
            "The search was stopped before any model produced a score; only the baseline is "
            "kept, and there is no model to export."
        )
    if settings.time_budget is None:
        return "No model produced a score (every candidate failed); only the baseline is kept."
    return (
        f"No model produced a score within the time budget of {settings.time_budget:g} s, so "
        "only the baseline is kept and there is no model to export. Give the search more "
        "time (a minute suits most tables)."
    )
