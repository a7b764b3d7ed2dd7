"""Cancel: within 2 seconds even mid-fit; finished models are kept; a second press stops all.

The slow candidates are real fits (a large forest on 60,000 rows takes tens of seconds with
one core), cancelled from the progress callback the moment the search reports.
"""

from __future__ import annotations

import time

import pytest

from engine.jobs import Cancelled, CancelToken, Job
from engine.training.leaderboard import DONE, SCREENED, SKIPPED, STOPPED
from engine.training.search import SearchSettings
from engine.training.train import train_model
from tests.engine.training.conftest import churn_like

# Trains real models: the Qt-blocked re-run in tests/test_codebase.py leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_table():
    return churn_like(60_000, seed=11)


@pytest.fixture(scope="module")
def big_problem(big_table):
    from engine.api import infer_schema
    from engine.problem.define import propose_problem

    schema = infer_schema(big_table)
    return schema, propose_problem(big_table, schema, "churned").problem


def _slow_settings(**changes) -> SearchSettings:
    # Random forests of up to 300 deep trees, 5 folds, one core each: minutes per candidate.
    return SearchSettings(
        **{"time_budget": 600.0, "families": ("random_forest",), "seed": 0, **changes}
    )


def test_cancel_mid_fit_returns_within_two_seconds(big_table, big_problem) -> None:
    schema, problem = big_problem
    token = CancelToken()
    pressed: list[float] = []
    search_ended: list[float] = []

    def progress(fraction: float, message: str) -> None:
        if message.startswith("Searching") and not pressed:
            pressed.append(time.monotonic())
            token.cancel()
        if message.startswith("Refitting") and not search_ended:
            search_ended.append(time.monotonic())  # the refit of the kept model follows

    result = train_model(big_table, schema, problem, _slow_settings(), job=Job(progress, token))
    latency = search_ended[0] - pressed[0]

    assert latency < 2.0, f"Cancel took {latency:.2f} s"
    assert result.ended_by == "cancelled"
    # Nothing had finished in the workers (fits they had begun are "stopped"; a worker still
    # starting was sent none); the first candidate, scored on 2,000 rows while they started,
    # is the result (anytime), refitted on every training row.
    statuses = {e.trial: e.status for e in result.leaderboard.entries if e.family != "baseline"}
    assert statuses.pop(1) == SCREENED and set(statuses.values()) <= {STOPPED}
    assert result.best is not None and result.best.trial == 1
    assert result.pipeline.predict(result.x_holdout[:5]).shape == (5,)


def test_cancel_keeps_finished_models_and_refits_the_best(small_table, small_problem) -> None:
    schema, problem = small_problem
    token = CancelToken()

    def on_update(board) -> None:
        if board.finished >= 2 and not token.cancelled:
            token.cancel()

    result = train_model(
        small_table,
        schema,
        problem,
        SearchSettings(time_budget=300.0, families=("linear", "random_forest"), seed=0),
        job=Job(None, token),
        on_update=on_update,
    )
    finished = [
        e for e in result.leaderboard.entries if e.family != "baseline" and e.status == DONE
    ]
    assert result.ended_by == "cancelled"
    assert len(finished) >= 2
    assert result.best is not None and result.best.trial == result.leaderboard.best.trial
    assert result.pipeline.predict_proba(result.x_holdout).shape[1] == 2
    assert any("stopped after" in note for note in result.notes)


def test_second_press_stops_the_refit_too(big_table, big_problem) -> None:
    schema, problem = big_problem
    token = CancelToken()
    pressed: list[float] = []

    def on_update(board) -> None:
        if board.finished >= 1 and not token.cancelled and not pressed:
            token.cancel()  # first press: stop searching, refit the best

    refit_reports: list[str] = []

    def progress(fraction: float, message: str) -> None:
        if message.startswith("Refitting"):
            refit_reports.append(message)
        # The third report comes while the worker is fitting (reports are 0.1 s apart).
        if len(refit_reports) == 3 and not pressed:
            pressed.append(time.monotonic())
            token.cancel()  # second press: stop the refit as well

    # The search sees 2,000 rows and finishes fast; the refit on 48,000 rows is the slow part.
    settings = SearchSettings(
        time_budget=600.0, families=("random_forest",), seed=0, max_trials=1, search_rows=2_000
    )
    with pytest.raises(Cancelled):
        train_model(big_table, schema, problem, settings, job=Job(progress, token),
                    on_update=on_update)
    assert pressed and time.monotonic() - pressed[0] < 2.0


def test_a_tiny_time_budget_keeps_the_baseline_and_says_so(big_table, big_problem) -> None:
    schema, problem = big_problem
    result = train_model(
        big_table, schema, problem, _slow_settings(time_budget=0.5), job=Job()
    )
    assert result.best is None and result.ended_by == "time budget"
    assert {e.status for e in result.leaderboard.entries if e.family != "baseline"} == {SKIPPED}
    assert any("within the time budget of 0.5 s" in n for n in result.notes)
    assert result.leaderboard.baseline is not None
