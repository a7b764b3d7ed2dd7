"""The worker protocol and the search's waits, driven by events and an injected clock.

No process is spawned and nothing is fitted: the pool's children are pipe ends played by
the test, and the search runs against a pool whose workers never finish starting.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import numpy as np

from engine.jobs import Job
from engine.problem.definition import Task
from engine.recipe.inputs import InputColumn
from engine.training.budget import dependence_plots, evaluation_seconds
from engine.training.candidate import FitContext
from engine.training.leaderboard import DONE, SKIPPED, Leaderboard, LeaderboardEntry
from engine.training.search import SearchSettings, run_search
from engine.training.workers import Worker, WorkerPool


class _Process:
    """A child that is alive until killed; its sentinel is a pipe end nobody writes to."""

    def __init__(self) -> None:
        self._quiet, self.sentinel = multiprocessing.Pipe()
        self.alive = True

    def is_alive(self) -> bool:
        return self.alive

    def kill(self) -> None:
        self.alive = False

    def join(self, timeout: float | None = None) -> None:
        """Nothing to wait for."""


def _pool_with_children(monkeypatch: Any, size: int) -> tuple[WorkerPool, list[Any]]:
    children: list[Any] = []

    def start(self: WorkerPool) -> Worker:
        parent, child = multiprocessing.Pipe()
        children.append(child)
        return Worker(_Process(), parent)

    monkeypatch.setattr(WorkerPool, "_start", start)
    return WorkerPool(size, {"x": "the data"}), children


def test_the_data_goes_only_to_a_worker_that_said_hello(monkeypatch) -> None:
    pool, children = _pool_with_children(monkeypatch, 2)
    # Both started, neither said hello: nothing was sent, nobody is idle, both are starting.
    assert not any(child.poll(0) for child in children)
    assert pool.idle() == [] and len(pool.starting()) == 2
    children[0].send(("ready",))
    pool.poll(0.5)
    assert children[0].poll(0) and not children[1].poll(0)
    from multiprocessing.reduction import ForkingPickler

    assert ForkingPickler.loads(children[0].recv_bytes()) == ("setup", {"x": "the data"})
    assert pool.idle() == [pool.workers[0]] and pool.starting() == [pool.workers[1]]
    assert pool.first_ready_seconds() >= 0.0
    pool.close()


def test_data_given_later_reaches_the_workers_that_already_said_hello(monkeypatch) -> None:
    started: list[Any] = []

    def start(self: WorkerPool) -> Worker:
        parent, child = multiprocessing.Pipe()
        started.append(child)
        return Worker(_Process(), parent)

    monkeypatch.setattr(WorkerPool, "_start", start)
    pool = WorkerPool(1)  # started before the data exists (while the table is prepared)
    started[0].send(("ready",))
    pool.poll(0.5)
    assert not started[0].poll(0) and pool.idle() == []
    pool.provide({"x": 1})
    assert started[0].poll(0) and pool.idle() == pool.workers
    pool.close()


class _StartingPool:
    """Workers that never finish starting; each poll is one second on the injected clock."""

    def __init__(self, now: list[float]) -> None:
        self.now = now
        self.workers = [object(), object()]
        self.submitted: list[Any] = []

    def idle(self) -> list[Any]:
        return []

    def busy(self) -> list[Any]:
        return []

    def starting(self) -> list[Any]:
        return list(self.workers)

    def submit(self, *args: Any) -> None:
        self.submitted.append(args)

    def poll(self, timeout: float) -> list[Any]:
        self.now[0] += 1.0
        return []

    def discard(self, worker: Any) -> None:
        """Nothing is running."""


def test_the_search_never_sends_a_fit_to_a_worker_still_starting_and_ends_on_time() -> None:
    now = [0.0]
    context = FitContext(Task.BINARY, (InputColumn("x", "numeric"),), ("roc_auc",), ("a", "b"))
    board = Leaderboard("roc_auc", True).with_entry(
        LeaderboardEntry(1, "linear", "Linear", {}, DONE, (0.8, 0.8), seconds=0.2)
    )
    pool = _StartingPool(now)
    outcome = run_search(
        pool,  # type: ignore[arg-type]
        context,
        SearchSettings(families=("linear", "lightgbm"), n_jobs=2),
        board,
        Job(),
        search_rows=600,
        deadline=10.0,
        reserve=lambda current: 3.0,
        clock=lambda: now[0],
    )
    assert pool.submitted == []
    assert outcome.ended_by == "time budget"
    assert 7.0 <= now[0] <= 8.0  # stopped at the deadline minus the reserve, not later
    assert outcome.leaderboard.best is not None and outcome.leaderboard.best.trial == 1
    skipped = [e.family for e in outcome.leaderboard.entries if e.status == SKIPPED]
    assert skipped == ["lightgbm"]


def test_dependence_plots_fit_the_time_left() -> None:
    one_pass, columns = 0.1, 10  # 32 passes for scoring and importance, 20 per plot
    assert dependence_plots(1e9, one_pass, columns) == 4
    assert dependence_plots(evaluation_seconds(one_pass, columns, 2), one_pass, columns) == 2
    assert dependence_plots(0.0, one_pass, columns) == 1  # the reserved one
    # The evaluation's own fits of the pipeline count too.
    with_fits = evaluation_seconds(one_pass, columns, 4, fits=3, refit=2.0)
    assert with_fits == evaluation_seconds(one_pass, columns, 4) + 6.0
    assert dependence_plots(with_fits - 0.01, one_pass, columns, 3, 2.0) == 3
    assert np.isclose(evaluation_seconds(one_pass, columns, 1), 5.2)


def test_holdout_replaces_k_folds_by_flamls_rule() -> None:
    from engine.training.train import holdout_wanted

    assert not holdout_wanted(800, 11, 10.0)  # 9,800 cells: k folds fit 10 s
    assert holdout_wanted(24_000, 11, 10.0)  # 293,000 cells: more than 10 s allow
    assert not holdout_wanted(24_000, 11, 120.0)
    assert holdout_wanted(100_000, 2, 3600.0)  # from 100,000 rows always
    assert not holdout_wanted(1_000_000, 20, None)  # a trial count alone: k folds


class _NeverReady:
    """A pool whose workers never say hello."""

    def poll(self, timeout: float) -> list[Any]:
        return []

    def idle(self) -> list[Any]:
        return []

    def busy(self) -> list[Any]:
        return []


def _payload(rows: int = 300) -> dict[str, Any]:
    import pandas as pd

    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.normal(size=rows)})
    y = np.where(x["a"] + rng.normal(scale=0.5, size=rows) > 0, "yes", "no").astype(object)
    positions = np.arange(rows)
    folds = tuple((positions[positions % 3 != k], positions[positions % 3 == k]) for k in range(3))
    inputs = (InputColumn("a", "numeric"), InputColumn("b", "numeric"))
    context = FitContext(Task.BINARY, inputs, ("roc_auc",), ("no", "yes"), "yes")
    return {"context": context, "x": x, "y": y, "folds": folds, "order": positions}


def test_while_no_worker_holds_the_data_cheap_candidates_are_scored_here() -> None:
    from engine.training.in_process import screen_while_starting

    board = Leaderboard("roc_auc", True)
    families = ("linear", "lightgbm", "knn")

    def screen(budget: float | None) -> Leaderboard:
        return screen_while_starting(
            _NeverReady(), _payload(), SearchSettings(time_budget=budget, families=families),  # type: ignore[arg-type]
            board, Job(), None, should_stop=lambda current: False, main_pass=[0.0],
        )

    timed = screen(60.0)  # under a budget: every cheap family, one fold each
    assert [(e.trial, e.family, len(e.fold_scores)) for e in timed.entries] == [
        (1, "linear", 1), (2, "lightgbm", 1)
    ]
    assert all(e.status == "screened" and "1 of 3 folds first" in e.message for e in timed.entries)
    counted = screen(None)  # a trial count alone: the first candidate, on every fold
    assert [(e.trial, e.family, len(e.fold_scores), e.status) for e in counted.entries] == [
        (1, "linear", 3, DONE)
    ]
