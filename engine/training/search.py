"""The search: candidates cross-validated in worker processes under a time budget.

Candidates come in a fixed order from the seed (each family's defaults first, then random
points of every family's space in turn), so the same seed proposes the same candidates;
under a time budget each random point is followed by a local move around the best candidate
so far (:mod:`.local_search`, FLAML's CFO). Only workers that hold the data are sent fits
(:mod:`.workers`). Workers fit them in parallel; each result joins the leaderboard as it
arrives and is
announced through the progress callback and ``on_update``. The search ends when the trial
limit is reached, the time budget runs out (fits still running are stopped and marked
"timed out") or the user cancels (marked "stopped"); finished candidates are always kept,
and so are candidates scored only on a subsample (successive halving): the search is anytime.
Families that never ran are put on the board as "skipped", with the reason.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.jobs import Cancelled, Job
from engine.training.budget import FamilySpeed
from engine.training.candidate import CandidateSpec, FitContext
from engine.training.leaderboard import (
    DONE,
    FAILED,
    SCREENED,
    SKIPPED,
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

    ``time_budget`` is in seconds for the whole run (search, refit and evaluation; None: no
    time limit, ``max_trials`` ends the search); ``max_trials`` caps the number of
    candidates (the baseline not counted); ``families`` restricts the catalog; ``n_jobs`` is
    the number of cores to use (None: all); ``search_rows`` caps the rows the search
    cross-validates on (the best model is refitted on every training row afterwards).
    """

    time_budget: float | None = 60.0
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
    task: Any,
    settings: SearchSettings,
    recipe: dict[str, Any] | None,
    class_weights: bool = False,
    skip_defaults: frozenset[str] = frozenset(),
    first_trial: int = 1,
    incumbent: Callable[[], LeaderboardEntry | None] | None = None,
) -> Iterator[CandidateSpec]:
    """Every family's defaults first, then random points family by family, from the seed;
    with ``incumbent`` (the best candidate so far), every random point is followed by a
    local move around it (:mod:`.local_search`, FLAML's CFO).

    With ``class_weights`` (the problem suggests them, e.g. for rare classes) weighting is a
    search dimension, never imposed: each family's defaults come without weights first and
    with them after all families had their turn; random points draw it like any parameter.
    The leaderboard then keeps weights only where they score better on the chosen metric.
    Families in ``skip_defaults`` had their defaults scored already; trials count from
    ``first_trial``.
    """
    import numpy as np

    from engine.training.catalog import (
        WEIGHTED_FAMILIES,
        default_params,
        families_for,
        sample_params,
        weighted,
    )
    from engine.training.local_search import LocalSearch

    families = families_for(task, settings.families)
    rng = np.random.default_rng(settings.seed)
    local = LocalSearch(np.random.default_rng(settings.seed + 1))
    trial = first_trial - 1
    for item in families:
        if item.key in skip_defaults:
            continue
        trial += 1
        yield CandidateSpec(trial, item.key, default_params(item, task), settings.seed, recipe)
    if class_weights:
        for item in families:
            if item.key in WEIGHTED_FAMILIES:
                trial += 1
                params = weighted(item, default_params(item, task))
                yield CandidateSpec(trial, item.key, params, settings.seed, recipe)
    while True:
        for item in families:
            if not item.space:
                continue
            trial += 1
            params = sample_params(item, task, rng)
            if class_weights and rng.random() < 0.5:
                params = weighted(item, params)
            local.seen(item.key, params)
            yield CandidateSpec(trial, item.key, params, settings.seed, recipe)
            if incumbent is None:
                continue
            move = local.propose(incumbent(), trial + 1)
            if move is not None:
                trial += 1
                yield CandidateSpec(trial, move[0], move[1], settings.seed, recipe)


def run_search(
    pool: WorkerPool,
    context: FitContext,
    settings: SearchSettings,
    leaderboard: Leaderboard,
    job: Job,
    on_update: Callable[[Leaderboard], None] | None = None,
    *,
    search_rows: int = 0,
    search_folds: int = 0,
    deadline: float | None = None,
    reserve: Callable[[Leaderboard], float] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SearchOutcome:
    """Cross-validate candidates in parallel until done, out of time or cancelled.

    ``search_rows`` is how many rows the workers hold (it decides successive halving), and
    ``search_folds`` how many folds a full cross-validation has.
    ``deadline`` (on ``clock``) is when the whole run must end; the search stops
    ``reserve(board)`` seconds before it, the time the refit of the board's best and the
    evaluation are expected to need. Without a deadline, ``settings.time_budget`` from now
    (None: no time limit, ``max_trials`` ends the search). A candidate whose family's
    measured speed says it cannot finish in the time left is not started; a family that never
    ran is put on the board as "skipped" with the reason.
    """
    from engine.training.catalog import families_for, family

    started = clock()
    if deadline is None and settings.time_budget is not None:
        deadline = started + settings.time_budget
    threads = max(1, settings.cores // len(pool.workers))
    # Candidates already on the board (scored in the main process while the workers
    # started): their defaults are not proposed again when they were scored on every row.
    ahead = [e for e in leaderboard.entries if e.trial > 0 and e.status in (DONE, FAILED)]
    max_trials = settings.max_trials
    if max_trials is not None:
        max_trials = max(0, max_trials - len(ahead))
    candidates = propose_candidates(
        context.task, settings, settings.recipe, context.class_weights,
        skip_defaults=frozenset(e.family for e in ahead),
        first_trial=max((e.trial for e in leaderboard.entries), default=0) + 1,
        # Local moves follow the board's best as it changes: only under a time budget, where
        # the board depends on timing anyway; a trial count alone stays repeatable.
        incumbent=None if settings.time_budget is None else lambda: leaderboard.best,
    )
    schedule: RandomSchedule | HalvingSchedule
    if HalvingSchedule.wanted(search_rows, settings.strategy):
        schedule = HalvingSchedule(
            candidates, max_trials, search_rows, leaderboard.greater_is_better
        )
    else:
        schedule = RandomSchedule(candidates, max_trials)
    running: dict[int, FitTask] = {}
    speed = FamilySpeed(search_rows)
    for entry in leaderboard.entries:  # scored in the main process while the workers started
        if entry.trial > 0:
            speed.observe_entry(entry, search_folds)
    ended_by = "completed"

    def record(
        spec: CandidateSpec, status: str, result: dict[str, Any] | None, msg: str,
        rows: int | None = None,
    ) -> None:
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
            rows=rows,
            predict_seconds=result.get("predict_seconds", 0.0) if result else 0.0,
            fit_seconds=result.get("fit_seconds", 0.0) if result else 0.0,
        )
        leaderboard = leaderboard.with_entry(entry)
        if on_update is not None:
            on_update(leaderboard)

    def time_left() -> float:
        if deadline is None:
            return float("inf")
        return deadline - (reserve(leaderboard) if reserve else 0.0) - clock()

    def next_task() -> FitTask | None:
        """The next task whose family can finish in the time left (None: nothing more)."""
        for _attempt in range(_MAX_SKIPS):
            task = schedule.next_task()
            if task is None:
                return None
            expected = speed.expected(task.spec.family, task.rows)
            if expected is None or expected <= time_left():
                return task
            speed.too_slow[task.spec.family] = (expected, max(0.0, time_left()))
            schedule.report(task, None)  # a screened candidate keeps the score it has
        return None

    try:
        while True:
            if job.cancel.cancelled:
                ended_by = "cancelled"
                break
            if time_left() <= 0:
                ended_by = "time budget"
                break
            for worker in pool.idle():
                task = next_task()
                if task is None:
                    break
                running[task.spec.trial] = task
                pool.submit(worker, "cv", task.spec.to_dict(), threads, task.rows)
            if not pool.busy() and not pool.starting():
                if speed.too_slow:
                    ended_by = "time budget"
                break
            if not pool.busy() and not pool.idle() and schedule.exhausted():
                break  # nothing more to fit: no need to wait for workers still starting
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
                    record(task.spec, status, message[2], note, None if task.final else task.rows)
                    speed.observe_entry(leaderboard.entry(trial))
                    schedule.report(task, leaderboard.entry(trial).cv_mean)
                    continue
                if kind == "failed":
                    record(task.spec, FAILED, None, message[2])
                else:  # the process died: out of memory or a crash inside a library
                    record(task.spec, FAILED, None, "the fit crashed (out of memory?)")
                    pool.replace(worker)
                schedule.report(task, None)
            best = leaderboard.best
            fraction = 0.0
            if deadline is not None:
                fraction = min((clock() - started) / max(deadline - started, 1e-9), 0.99)
            if settings.max_trials:
                fraction = max(fraction, leaderboard.finished / settings.max_trials * 0.99)
            message = _progress_message(leaderboard, best)
            if deadline is not None:
                message += f"; {max(0.0, deadline - clock()):.0f} s left"
            try:  # Cancel may arrive at any moment, also while this report is on its way
                job.step(fraction, message)
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
    skipped = [
        item
        for item in families_for(context.task, settings.families)
        if not any(entry.family == item.key for entry in leaderboard.entries)
    ]
    for number, item in enumerate(skipped, start=1):  # negative trials: never proposed
        reason = _skip_reason(item.key, ended_by, speed)
        leaderboard = leaderboard.with_entry(
            LeaderboardEntry(-number, item.key, item.label, {}, SKIPPED, message=reason)
        )
    if skipped and on_update is not None:
        on_update(leaderboard)
    return SearchOutcome(leaderboard, ended_by, clock() - started)


_MAX_SKIPS = 50  # proposals looked at per free worker before the search gives up for now


def _skip_reason(key: str, ended_by: str, speed: FamilySpeed) -> str:
    if key in speed.too_slow:
        expected, left = speed.too_slow[key]
        return f"one fit would take about {expected:.0f} s and only {left:.0f} s were left"
    return {
        "cancelled": "the search was stopped before its turn",
        "time budget": "the time budget ran out before its turn",
    }.get(ended_by, "the limit on the number of models was reached before its turn")


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
