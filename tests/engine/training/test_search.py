"""The search: leaderboard, baseline, repeatability, the refit and the stored recipe."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.jobs import Job
from engine.training.leaderboard import DONE, Leaderboard
from engine.training.search import SearchSettings
from engine.training.train import train_model

# Trains real models: the Qt-blocked re-run in tests/test_codebase.py leaves it out.
pytestmark = pytest.mark.slow

FAMILIES = ("linear", "hist_gradient_boosting", "random_forest")


def _train(table, schema, problem, **settings):
    updates: list[Leaderboard] = []
    messages: list[str] = []
    result = train_model(
        table,
        schema,
        problem,
        # A trial count, no time limit: the same board however busy the machine is.
        SearchSettings(**{"time_budget": None, "families": FAMILIES, **settings}),
        job=Job(lambda fraction, message: messages.append(message)),
        on_update=updates.append,
    )
    return result, updates, messages


def test_leaderboard_ranks_models_above_the_baseline(small_table, small_problem) -> None:
    schema, problem = small_problem
    result, updates, messages = _train(small_table, schema, problem, max_trials=4, seed=1)

    board = result.leaderboard
    assert board.baseline is not None
    assert len([e for e in board.entries if e.family != "baseline"]) == 4
    assert all(entry.status == DONE for entry in board.entries)
    best = board.best
    assert best is not None and best.cv_mean > board.baseline.cv_mean + 0.1
    assert len(best.fold_scores) == 3
    # The board arrived live: the baseline first, then once per finished candidate.
    assert [e.family for e in updates[0].entries] == ["baseline"]
    assert len(updates) == 5
    assert any("best so far" in message for message in messages)
    # The refitted best model predicts the holdout, better than chance.
    proba = result.pipeline.predict_proba(result.x_holdout)
    assert proba.shape == (len(result.x_holdout), 2)
    assert result.best is not None and result.best.family == best.family
    assert result.recipe is not None and result.recipe["steps"]
    assert set(result.timings) >= {"prepare_seconds", "search_seconds", "refit_seconds"}


def test_same_seed_gives_the_same_leaderboard(small_table, small_problem) -> None:
    schema, problem = small_problem
    first, _, _ = _train(small_table, schema, problem, max_trials=5, seed=3)
    second, _, _ = _train(small_table, schema, problem, max_trials=5, seed=3)
    other, _, _ = _train(small_table, schema, problem, max_trials=5, seed=4)

    def board(result):
        return [(e.trial, e.family, e.params, e.fold_scores) for e in result.leaderboard.entries]

    assert board(first) == board(second)
    assert board(first) != board(other)
    np.testing.assert_array_equal(
        first.pipeline.predict_proba(first.x_holdout),
        second.pipeline.predict_proba(second.x_holdout),
    )


def test_regression_ranks_by_rmse_lower_is_better(small_table) -> None:
    from engine.api import infer_schema
    from engine.problem.define import propose_problem

    table = small_table.drop(columns=["churned"])
    schema = infer_schema(table)
    problem = propose_problem(table, schema, "monthly charges").problem
    result, _, _ = _train(table, schema, problem, max_trials=3, seed=0)
    board = result.leaderboard
    assert problem.metric == "rmse" and not board.greater_is_better
    scored = [e.cv_mean for e in board.entries if e.scored]
    assert scored == sorted(scored)
    assert math.isfinite(board.baseline.cv_mean)


def test_a_family_that_cannot_run_is_refused_with_the_names(small_table, small_problem) -> None:
    from engine.errors import InputError

    schema, problem = small_problem
    with pytest.raises(InputError, match="no model family called 'xgboost'"):
        _train(small_table, schema, problem, families=("xgboost",), max_trials=1)


def test_a_target_missing_from_the_table_is_refused_in_words(small_table, small_problem):
    from engine.errors import InputError

    schema, problem = small_problem
    renamed = small_table.rename(columns={problem.target: problem.target + "_old"})
    with pytest.raises(InputError) as caught:
        _train(renamed, schema, problem, families=("linear",), max_trials=1)
    assert f"no target '{problem.target}'" in caught.value.message
    assert f"'{problem.target}_old'" in caught.value.hint


def test_successive_halving_screens_candidates_and_repeats_with_the_seed(
    small_table, small_problem
) -> None:
    schema, problem = small_problem

    def board(result):
        return [(e.trial, e.status, e.fold_scores) for e in result.leaderboard.entries]

    first, _, _ = _train(
        small_table, schema, problem, max_trials=9, seed=2, strategy="halving"
    )
    second, _, _ = _train(
        small_table, schema, problem, max_trials=9, seed=2, strategy="halving"
    )
    statuses = [e.status for e in first.leaderboard.entries if e.family != "baseline"]
    # The first candidate is scored on every row while the workers start; then eight
    # candidates, the best third go on, and the best of those is the one finalist.
    assert statuses.count(DONE) == 2 and statuses.count("screened") == 7
    assert first.best is not None and first.best.trial == first.leaderboard.best.trial
    assert board(first) == board(second)
