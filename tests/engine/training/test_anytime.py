"""The search is anytime and budget-true: a screened candidate is a result, the refit and the
evaluation are reserved from the budget, and families that could not run say why.

Nothing here depends on the machine's speed: the search is stopped by a Cancel or by an
injected clock the moment the first screened score arrives, and tiny budgets are tiny
against the fixed reserve, not against how fast a fit is.
"""

from __future__ import annotations

import time

import pytest
from sklearn.dummy import DummyClassifier

from engine.jobs import CancelToken, Job
from engine.training.budget import FINISH_SECONDS
from engine.training.leaderboard import SCREENED, SKIPPED
from engine.training.search import SearchSettings
from engine.training.train import train_model

# Trains real models: the Qt-blocked re-run in tests/test_codebase.py leaves it out.
pytestmark = pytest.mark.slow

HALVING = {"families": ("linear", "hist_gradient_boosting"), "strategy": "halving", "seed": 2}


@pytest.fixture(scope="module")
def table_3k():
    """More rows than the first, in-process candidate sees: it and the halving's first rung
    are scored on 2,000 rows (screened)."""
    from engine.api import infer_schema
    from engine.problem.define import propose_problem
    from tests.engine.training.conftest import churn_like

    table = churn_like(3_000, seed=5)
    schema = infer_schema(table)
    return table, schema, propose_problem(table, schema, "churned").problem


def _worker_screened(board) -> bool:
    """A candidate screened by a worker (trial 1 is the one scored in the main process)."""
    return any(e.status == SCREENED and e.trial > 1 for e in board.entries)


def test_a_search_cancelled_after_the_first_screening_keeps_a_real_model(table_3k) -> None:
    table, schema, problem = table_3k
    token = CancelToken()

    def on_update(board) -> None:
        if _worker_screened(board) and not token.cancelled:
            token.cancel()

    result = train_model(
        table, schema, problem,
        SearchSettings(time_budget=3600.0, max_trials=9, **HALVING),
        job=Job(None, token), on_update=on_update,
    )
    assert result.ended_by == "cancelled"
    assert result.best is not None
    entry = result.leaderboard.entry(result.best.trial)
    assert entry.status == SCREENED and entry.rows
    assert not isinstance(result.pipeline.steps[-1][1], DummyClassifier)
    assert result.pipeline.predict_proba(result.x_holdout).shape[1] == 2
    assert any("was refitted on all the training rows" in note for note in result.notes)


def test_time_running_out_after_the_first_screening_keeps_a_real_model(table_3k) -> None:
    table, schema, problem = table_3k
    jump = [0.0]  # the injected clock leaps past the deadline once a screened score exists

    def clock() -> float:
        return time.monotonic() + jump[0]

    def on_update(board) -> None:
        if _worker_screened(board):
            jump[0] = 1e6

    result = train_model(
        table, schema, problem,
        SearchSettings(time_budget=3600.0, max_trials=9, **HALVING),
        job=Job(), on_update=on_update, clock=clock,
    )
    assert result.ended_by == "time budget"
    assert result.best is not None
    assert result.leaderboard.entry(result.best.trial).status == SCREENED
    assert not isinstance(result.pipeline.steps[-1][1], DummyClassifier)


def test_the_first_candidate_is_scored_while_the_workers_start(small_table, small_problem):
    """Trial 1 (the linear model's defaults) is scored in this process, on every row of a
    small table, so it counts as a finished model and a trial of ``max_trials``."""
    schema, problem = small_problem
    result = train_model(
        small_table, schema, problem,
        SearchSettings(time_budget=None, max_trials=3, families=("linear", "knn"), seed=0),
        job=Job(),
    )
    entries = {e.trial: e for e in result.leaderboard.entries if e.family != "baseline"}
    assert sorted(entries) == [1, 2, 3]
    assert entries[1].family == "linear" and entries[1].status == "done"
    assert entries[2].family == "knn" and entries[1].fit_seconds > 0


def test_a_budget_smaller_than_the_reserve_keeps_only_the_baseline_and_lists_skipped(
    small_table, small_problem
) -> None:
    schema, problem = small_problem
    settings = SearchSettings(
        time_budget=FINISH_SECONDS / 2, families=("linear", "random_forest"), seed=0
    )
    result = train_model(small_table, schema, problem, settings, job=Job())
    assert result.best is None and result.ended_by == "time budget"
    skipped = {e.family: e.message for e in result.leaderboard.entries if e.status == SKIPPED}
    assert set(skipped) == {"linear", "random_forest"}
    assert all("time budget ran out" in reason for reason in skipped.values())
    assert any("no model to export" in note for note in result.notes)
    assert isinstance(result.pipeline.steps[-1][1], DummyClassifier)
