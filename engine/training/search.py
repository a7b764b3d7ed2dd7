"""The search: candidates cross-validated in worker processes under a time budget.

Candidates come in a fixed order from the seed (each family's defaults first, then random
points of every family's space in turn), so the same seed proposes the same candidates.
Workers fit them in parallel; each result joins the leaderboard as it arrives and is
announced through the progress callback and ``on_update``. The search ends when the trial
limit is reached, the time budget runs out (fits still running are stopped and marked
"timed out") or the user cancels (marked "stopped"); finished candidates are always kept.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.jobs import Cancelled, Job
from engine.training.candidate import CandidateSpec, FitContext
from engine.training.leaderboard import (
    DONE,
    FAILED,
    SCREENED,
    STOPPED,
    TIMED_OUT,
    Leaderboard,
    LeaderboardEntry,
)
from engine.training.schedule import FitTask, HalvingSchedule, RandomSchedule
from engine.training.workers import WorkerPool

_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class SearchSettings:
    """How long and how wide to search.

    ``time_budget`` is in seconds for the whole search; ``max_trials`` caps the number of
    candidates (the baseline not counted); ``families`` restricts the catalog; ``n_jobs`` is
    the number of cores to use (None: all); ``search_rows`` caps the rows the search
    cross-validates on (the best model is refitted on every training row afterwards).
    """

    time_budget: float = 60.0
    max_trials: int | None = None
    families: tuple[str, ...] | None = None
    seed: int = 0
    n_jobs: int | None = None
    search_rows: int = 100_000
    recipe: dict[str, Any] | None = None  # Recipe JSON for every candidate (None: defaults)
    strategy: str = "auto"  # "random", "halving", or "auto" (halving on big tables)

    @property
    def cores(self) -> int:
        available = os.cpu_count() or 1
        return max(1, min(self.n_jobs or available, available))

    def to_dict(self) -> dict[str, Any]:
        return {
            "time_budget": self.time_budget,
            "max_trials": self.max_trials,
            "families": list(self.families) if self.families else None,
            "seed": self.seed,
            "n_jobs": self.n_jobs,
            "search_rows": self.search_rows,
            "recipe": self.recipe,
            "strategy": self.strategy,
        }


@dataclass
class SearchOutcome:
    """The board and why the search ended ("completed", "time budget", "cancelled")."""

    leaderboard: Leaderboard
    ended_by: str
    seconds: float
    notes: list[str] = field(default_factory=list)


def propose_candidates(
    task: Any, settings: SearchSettings, recipe: dict[str, Any] | None
) -> Iterator[CandidateSpec]:
    """Every family's defaults first, then random points family by family, from the seed."""
    import numpy as np

    from engine.training.catalog import default_params, families_for, sample_params

    families = families_for(task, settings.families)
    rng = np.random.default_rng(settings.seed)
    trial = 0
    for item in families:
        trial += 1
        yield CandidateSpec(trial, item.key, default_params(item, task), settings.seed, recipe)
    while True:
        for item in families:
            if not item.space:
                continue
            trial += 1
            yield CandidateSpec(
                trial, item.key, sample_params(item, task, rng), settings.seed, recipe
            )


def run_search(
    pool: WorkerPool,
    context: FitContext,
    settings: SearchSettings,
    leaderboard: Leaderboard,
    job: Job,
    on_update: Callable[[Leaderboard], None] | None = None,
    *,
    search_rows: int = 0,
) -> SearchOutcome:
    """Cross-validate candidates in parallel until done, out of time or cancelled.

    ``search_rows`` is how many rows the workers hold (it decides successive halving).
    """
    from engine.training.catalog import family

    started = time.monotonic()
    deadline = started + settings.time_budget
    threads = max(1, settings.cores // len(pool.workers))
    candidates = propose_candidates(context.task, settings, settings.recipe)
    schedule: RandomSchedule | HalvingSchedule
    if HalvingSchedule.wanted(search_rows, settings.strategy):
        schedule = HalvingSchedule(
            candidates, settings.max_trials, search_rows, leaderboard.greater_is_better
        )
    else:
        schedule = RandomSchedule(candidates, settings.max_trials)
    running: dict[int, FitTask] = {}
    ended_by = "completed"

    def record(spec: CandidateSpec, status: str, result: dict[str, Any] | None, msg: str) -> None:
        nonlocal leaderboard
        fold_scores = result["fold_scores"] if result else []
        entry = LeaderboardEntry(
            trial=spec.trial,
            family=spec.family,
            label=family(spec.family).label,
            params=spec.params,
            status=status,
            fold_scores=tuple(scores[context.metrics[0]] for scores in fold_scores),
            metric_folds={
                metric: tuple(scores[metric] for scores in fold_scores)
                for metric in context.metrics[1:]
            },
            seconds=result["seconds"] if result else 0.0,
            message=msg,
        )
        leaderboard = leaderboard.with_entry(entry)
        if on_update is not None:
            on_update(leaderboard)

    try:
        while True:
            now = time.monotonic()
            if job.cancel.cancelled:
                ended_by = "cancelled"
                break
            if now >= deadline:
                ended_by = "time budget"
                break
            for worker in pool.idle():
                task = schedule.next_task()
                if task is None:
                    break
                running[task.spec.trial] = task
                pool.submit(worker, "cv", task.spec.to_dict(), threads, task.rows)
            if not pool.busy():
                break
            for worker, message in pool.poll(_POLL_SECONDS):
                kind = message[0]
                if kind in ("ready", "fold"):
                    continue
                trial = worker.busy_with
                if trial is None:
                    continue
                task = running.pop(trial)
                worker.busy_with = None
                if kind == "done":
                    status = DONE if task.final else SCREENED
                    note = "" if task.final else f"compared on {task.rows:,} rows first"
                    record(task.spec, status, message[2], note)
                    schedule.report(task, leaderboard.entry(trial).cv_mean)
                    continue
                if kind == "failed":
                    record(task.spec, FAILED, None, message[2])
                else:  # the process died: out of memory or a crash inside a library
                    record(task.spec, FAILED, None, "the fit crashed (out of memory?)")
                    pool.replace(worker)
                schedule.report(task, None)
            best = leaderboard.best
            fraction = min((time.monotonic() - started) / settings.time_budget, 0.99)
            if settings.max_trials:
                fraction = max(fraction, leaderboard.finished / settings.max_trials * 0.99)
            try:  # Cancel may arrive at any moment, also while this report is on its way
                job.step(fraction, _progress_message(leaderboard, best))
            except Cancelled:
                ended_by = "cancelled"
                break
    finally:
        # Fits still running are stopped: the pool is reused for the final refit.
        status = TIMED_OUT if ended_by == "time budget" else STOPPED
        for worker in pool.busy():
            task = running.pop(worker.busy_with or 0)
            seconds = time.monotonic() - worker.started_at
            pool.discard(worker)
            if leaderboard.has(task.spec.trial):  # screened already: keep what it showed
                continue
            record(task.spec, status, None, f"stopped after {seconds:.0f} s of fitting")
    return SearchOutcome(leaderboard, ended_by, time.monotonic() - started)


def pool_size(settings: SearchSettings) -> int:
    """One worker per core, but no more workers than trials."""
    return max(1, min(settings.cores, settings.max_trials or settings.cores))


def _progress_message(leaderboard: Leaderboard, best: LeaderboardEntry | None) -> str:
    if best is None:
        return "Searching: waiting for the first model to finish"
    return (
        f"Searching: {leaderboard.finished} models tried; best so far {best.label}, "
        f"{leaderboard.metric} {best.cv_mean:.4f}"
    )
