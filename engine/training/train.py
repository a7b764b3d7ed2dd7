"""Training from a table and a problem to a ranked leaderboard and a fitted best model.

Steps, each reported through the job: start the worker processes (their imports overlap
what follows); prepare the model inputs, the split and the folds the search compares on (one,
a holdout, when k folds do not fit the budget); score the baseline; score cheap candidates in
this process while no worker holds the data (:mod:`.in_process`); search (:mod:`.search`) in
the workers; refit the best candidate on every training row; fit the baseline the same way.
The time budget's arithmetic is in :mod:`.budget`. The holdout rows are never seen by the
search or the refit: evaluation (:mod:`engine.evaluation`) uses them.

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
from engine.training.budget import finish_seconds, refit_seconds
from engine.training.candidate import CandidateSpec, FitContext, subset_folds
from engine.training.in_process import screen_while_starting
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
    deadline: float | None = None  # when the whole run must end (time.monotonic), if ever


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
    if not problem.task.supervised:
        from engine.training.unsupervised import train_unsupervised

        return train_unsupervised(frame, schema, problem, settings, job=job)
    _check_columns(frame, problem)
    started = clock() if started is None else started
    from engine.training.workers import WorkerPool

    # The workers start first: their interpreters and imports (10-30 s on a busy laptop)
    # overlap the preparation, the baseline and the first candidates scored here. They get
    # the data once they said hello; until then the search does not count on them.
    size = pool_size(settings)
    # A warm spare for the refit when a deadline can stop the search with every worker busy
    # (with no more trials than workers, one of them is free for the refit anyway).
    spare = settings.time_budget is not None and (
        settings.max_trials is None or settings.max_trials > size
    )
    pool = WorkerPool(size, spare=spare)
    try:
        result = _train(frame, schema, problem, settings, pool, job, on_update, started, clock)
    finally:
        closing = time.perf_counter()
        pool.close()
    result.timings["close_seconds"] = time.perf_counter() - closing
    return result


def _train(
    frame: pd.DataFrame,
    schema: Schema,
    problem: Problem,
    settings: SearchSettings,
    pool: WorkerPool,
    job: Job,
    on_update: Callable[[Leaderboard], None] | None,
    started: float,
    clock: Callable[[], float],
) -> TrainingResult:
    import numpy as np

    from engine.problem.metrics import higher_is_better
    from engine.problem.splits import make_splits
    from engine.problem.task_detection import target_labels
    from engine.recipe.inputs import model_inputs, to_model_frame
    from engine.training.candidate import baseline_pipeline, build_pipeline, fit_pipeline
    from engine.training.catalog import family

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
    from engine.training.candidate import cross_validate

    search_x, search_y, search_folds = _search_rows(
        x_train, y_train, split, settings, notes, len(inputs)
    )
    mark = time.perf_counter()
    # On the folds the candidates are compared on (one, for a holdout), so the board compares
    # like with like and a big table's baseline does not cost five passes of every metric.
    base_result = cross_validate(baseline_spec, plain, search_x, search_y, search_folds)
    timings["baseline_seconds"] = time.perf_counter() - mark
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
    pool.provide(payload)
    mark = time.perf_counter()
    main_pass = [0.0]  # one prediction pass measured in this process (the evaluation's cost)

    def reserve(current: Leaderboard) -> float:
        return finish_seconds(
            current.best, len(x_train), search_folds, len(inputs),
            main_pass=main_pass[0], task=problem.task,
        )

    board = screen_while_starting(
        pool, payload, settings, board, job, on_update,
        should_stop=lambda current: deadline is not None
        and clock() >= deadline - reserve(current),
        main_pass=main_pass,
    )
    timings["in_process_seconds"] = time.perf_counter() - mark
    outcome = run_search(
        pool,
        context,
        settings,
        board,
        job.sub(0.02, 0.9),
        on_update,
        search_rows=len(search_x),
        search_folds=len(search_folds),
        deadline=deadline,
        reserve=reserve,
        clock=clock,
    )
    timings["search_seconds"] = time.perf_counter() - mark
    for part, seconds in pool.timings.items():  # process start, imports, data transfer
        if seconds == seconds:  # NaN: no worker said hello before the search ended
            timings[f"workers_{part}_seconds"] = seconds
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
        foreseen = refit_seconds(best_entry, len(x_train), search_folds)
        if foreseen < IN_PROCESS_REFIT or not pool.ready_for_refit():
            # Quicker than handing it to a worker, or no worker holds the data yet (they
            # may still be starting: 30 s on a laptop under heavy load was measured): the
            # refit is not made to wait for one.
            from threadpoolctl import threadpool_limits

            # One native thread: OpenMP spinning beside busy processes turned a 353-row
            # gradient-boosting refit into 29 s at load 10 on 2 cores.
            with threadpool_limits(limits=1):
                pipeline = fit_pipeline(
                    build_pipeline(best_spec, context), x_train, y_train, unlabeled, context
                )
        else:
            refit_job = job.sub(0.9, 0.99)
            pipeline, _seconds = refit_in_worker(pool, best_spec, settings.cores, refit_job)
        timings["refit_seconds"] = time.perf_counter() - mark
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
        deadline=deadline,
    )


def refit_in_worker(
    pool: WorkerPool, spec: CandidateSpec, threads: int, job: Job
) -> tuple[Pipeline, float]:
    """Fit ``spec`` on every training row in a worker, so Cancel still works.

    Waits (checking Cancel) for the worker to hold the data when it is still starting.
    Returns the fitted pipeline and the seconds the fit took.
    """
    from engine.training.catalog import family

    worker = pool.refit_worker()
    label = family(spec.family).label
    started = time.monotonic()
    sent = False
    while True:
        if not sent and worker.ready:
            pool.submit(worker, "refit", spec.to_dict(), threads)
            sent = True
        job.step(0.0, f"Refitting {label}: {time.monotonic() - started:.0f} s so far")
        for source, message in pool.poll(_POLL_SECONDS):
            if source is not worker or message[0] in ("ready", "fold"):
                continue
            if message[0] == "fitted":
                source.busy_with = None
                return message[2], float(message[3])
            reason = message[2] if message[0] == "failed" else "the fit crashed (out of memory?)"
            raise InputError(f"The best model could not be refitted: {reason}.")


IN_PROCESS_REFIT = 0.5  # a refit foreseen shorter than this runs in this process


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


HOLDOUT_ROWS = 100_000  # FLAML's CV_HOLDOUT_THRESHOLD: from this many rows, one fold
HOLDOUT_CELLS_PER_HOUR = 10_000_000  # FLAML's SMALL_LARGE_THRES: rows x columns per hour


def holdout_wanted(rows: int, columns: int, budget: float | None) -> bool:
    """Whether the search scores candidates on one fold (a holdout) instead of k folds:
    FLAML's ``eval_method="auto"`` rule. From 100,000 rows, or when rows x columns / 0.9
    exceeds ten million per hour of budget (10 s: about 28,000 cells, 60 s: 167,000).
    Without a time budget (a trial count alone), always k folds."""
    if budget is None:
        return False
    return rows >= HOLDOUT_ROWS or rows * columns / 0.9 >= HOLDOUT_CELLS_PER_HOUR * (
        budget / 3600
    )


def _search_rows(
    x_train: pd.DataFrame,
    y_train: np.ndarray,
    split: SplitPlan,
    settings: SearchSettings,
    notes: list[str],
    columns: int = 0,
) -> tuple[pd.DataFrame, np.ndarray, tuple[tuple[np.ndarray, np.ndarray], ...]]:
    """The rows and folds the search compares models on: all rows and folds; one fold (a
    holdout) when k folds do not fit the budget; fewer folds on big tables; a seeded sample
    of the rows on very big ones."""
    import numpy as np

    rows = len(x_train)
    folds = split.folds
    if len(folds) > 1 and holdout_wanted(rows, columns, settings.time_budget):
        # As FLAML does: k fits per candidate do not fit the budget, so one fold of the split
        # is the holdout every candidate is compared on (the last: for a time split, newest).
        folds = folds[-1:]
        notes.append(
            f"With {rows:,} training rows and {columns} columns in {settings.time_budget:g} s, "
            f"models were compared on one of the {len(split.folds)} folds (a holdout), not "
            "on all of them."
        )
    elif rows > BIG_SEARCH_ROWS and len(folds) > BIG_SEARCH_FOLDS:
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
