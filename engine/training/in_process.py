"""Cheap candidates scored in the training process while no worker holds the data yet.

Worker processes take seconds to start (10-30 s on a busy laptop); meanwhile the main process
scores a linear model's and the boosting families' defaults on at most :data:`QUICK_ROWS`
search rows, so the board has a result from the first seconds and the search never waits
for a worker. Used by :func:`engine.training.train.train_model`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.jobs import Cancelled, Job
from engine.training.candidate import CandidateSpec, FitContext
from engine.training.leaderboard import DONE, FAILED, Leaderboard, LeaderboardEntry
from engine.training.search import SearchSettings, pool_size

if TYPE_CHECKING:
    from engine.training.workers import WorkerPool


QUICK_ROWS = 2_000  # the in-process candidates see at most this many search rows
# The cheap candidates scored in this process while no worker holds the data, in this order:
# a linear model suits every supervised task; the boosting families' defaults are the
# likeliest winners and fit 2,000 rows in a fraction of a second.
QUICK_FAMILIES = ("linear", "lightgbm", "hist_gradient_boosting")
QUICK_FAMILY = QUICK_FAMILIES[0]


def screen_while_starting(
    pool: WorkerPool,
    payload: dict[str, Any],
    settings: SearchSettings,
    board: Leaderboard,
    job: Job,
    on_update: Callable[[Leaderboard], None] | None,
    should_stop: Callable[[Leaderboard], bool],
    main_pass: list[float],
) -> Leaderboard:
    """Score cheap candidates in this process while no worker holds the data yet.

    The first (a linear model's defaults, or the first chosen family's) is always scored,
    unless there are no more trials than workers (they all start at once anyway); the next
    of :data:`QUICK_FAMILIES` only while every worker is still starting, so the search never
    waits for a worker. ``main_pass[0]`` receives the slowest prediction pass measured here:
    the evaluation runs in this process, under the same load. ``should_stop(board)`` says
    when time is up.
    """
    from engine.training.catalog import families_for

    context: FitContext = payload["context"]
    chosen = families_for(context.task, settings.families)
    keys = [key for key in QUICK_FAMILIES if any(item.key == key for item in chosen)]
    if not keys:
        keys = [chosen[0].key]
    # More than one only under a time budget: with a trial count alone the board must not
    # depend on how soon the workers start (the same seed gives the same board).
    limit = len(keys) if settings.time_budget is not None else 1
    if settings.max_trials is not None:  # the workers get their share of the trials
        limit = min(limit, settings.max_trials - pool_size(settings))
    for number, key in enumerate(keys[: max(0, limit)], start=1):
        pool.poll(0.0)  # answer the hellos that arrived: workers get the data
        if number > 1 and (pool.idle() or pool.busy()):
            break
        if should_stop(board):
            break
        board = quick_screen(
            payload, settings, board, job, should_stop=lambda current=board: should_stop(current),
            family_key=key, trial=number,
            # Several cheap families on one fold each say more, sooner, than one family on
            # all the folds; the workers score them on every fold later.
            max_folds=1 if limit > 1 else None,
        )
        entry = board.entry(number) if board.has(number) else None
        if entry is not None:
            main_pass[0] = max(main_pass[0], entry.predict_seconds)
        if on_update is not None:
            on_update(board)
        if job.cancel.cancelled:
            break
    return board


def quick_screen(
    payload: dict[str, Any],
    settings: SearchSettings,
    board: Leaderboard,
    job: Job,
    should_stop: Callable[[], bool] | None = None,
    family_key: str = QUICK_FAMILY,
    trial: int = 1,
    max_folds: int | None = None,
) -> Leaderboard:
    """Score one candidate (``family_key``'s defaults, or the first chosen family's) in this
    process on at most :data:`QUICK_ROWS` search rows, and put it on the board as ``trial``.

    Cheap and bounded (a few tenths of a second), so Cancel is still honoured between folds.
    On all the search rows it is a finished candidate; on a sample it is "screened" with its
    row count, and the search proposes the same candidate again on all the rows. When
    ``should_stop()`` says time is up after a fold, the folds done are its (screened) score.
    """
    from engine.training.candidate import cross_validate
    from engine.training.catalog import default_params, families_for
    from engine.training.leaderboard import SCREENED
    from engine.training.workers import first_rows

    context: FitContext = payload["context"]
    families = families_for(context.task, settings.families)
    item = next((f for f in families if f.key == family_key), families[0])
    spec = CandidateSpec(trial, item.key, default_params(item, context.task), settings.seed,
                         settings.recipe)
    rows = min(len(payload["x"]), QUICK_ROWS)
    x, y, folds = first_rows(payload, rows)
    total_folds = len(folds)
    if max_folds is not None:
        folds = folds[-max_folds:]
    job.step(0.02, f"Scoring {item.label} on {rows:,} rows while the workers start", force=True)
    from threadpoolctl import threadpool_limits

    try:
        # One thread, as in a worker: the workers are starting beside it, and native thread
        # pools (BLAS, OpenMP) spinning on a busy machine made a 2,000-row linear fit 10x
        # slower (2.5 s a fold at load 10 on 2 cores).
        with threadpool_limits(limits=1):
            result = cross_validate(
                spec, context, x, y, folds, payload.get("unlabeled"),
                on_fold=lambda number, total: job.step(
                    0.02, f"{item.label}: fold {number}/{total}"
                ),
                should_stop=should_stop,
            )
    except Cancelled:  # the search that follows sees the press and ends at once
        return board
    except Exception as error:  # a failed candidate is a board entry, as in the workers
        return board.with_entry(LeaderboardEntry(
            trial, item.key, item.label, spec.params, FAILED, message=str(error)[:300]
        ))
    full = rows >= len(payload["x"]) and len(result["fold_scores"]) == total_folds
    metric = context.metrics[0]
    return board.with_entry(LeaderboardEntry(
        trial=trial,
        family=item.key,
        label=item.label,
        params=spec.params,
        status=DONE if full else SCREENED,
        fold_scores=tuple(scores[metric] for scores in result["fold_scores"]),
        metric_folds={
            name: tuple(scores[name] for scores in result["fold_scores"])
            for name in context.metrics[1:]
        },
        seconds=result["seconds"],
        rows=None if full else rows,
        predict_seconds=result["predict_seconds"],
        fit_seconds=result["fit_seconds"],
        message=_folds_note(
            len(result["fold_scores"]), total_folds, rows, len(payload["x"]), len(folds)
        ),
    ))


def _folds_note(done: int, total: int, rows: int, search_rows: int, planned: int) -> str:
    words = [] if rows >= search_rows else [f"compared on {rows:,} rows first"]
    if done < planned:
        words.append(f"scored on {done} of {total} folds before time ran out")
    elif done < total:
        words.append(f"scored on {done} of {total} folds first")
    return "; ".join(words)
