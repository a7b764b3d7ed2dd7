"""Budget arithmetic and the leaderboard's anytime rule, without fitting anything."""

from __future__ import annotations

import numpy as np

from engine.evaluation.out_of_fold import OUT_OF_FOLD_MAX_ROWS
from engine.problem.definition import Task
from engine.recipe.inputs import InputColumn
from engine.training.budget import (
    FINISH_SECONDS,
    REFIT_MARGIN,
    FamilySpeed,
    evaluation_fit_seconds,
    finish_seconds,
    refit_seconds,
)
from engine.training.candidate import CandidateSpec, FitContext, build_pipeline
from engine.training.leaderboard import DONE, SCREENED, Leaderboard, LeaderboardEntry
from engine.training.search import SearchSettings, propose_candidates


def _entry(trial: int, status: str, scores: tuple[float, ...], rows: int | None = None):
    return LeaderboardEntry(trial, "linear", "Linear", {}, status, scores, seconds=3.0, rows=rows)


def test_the_best_is_a_screened_candidate_when_none_was_scored_on_all_rows() -> None:
    board = Leaderboard("roc_auc", True).with_entry(
        LeaderboardEntry(0, "baseline", "Baseline", {}, DONE, (0.5, 0.5))
    )
    assert board.best is None
    board = board.with_entry(_entry(1, SCREENED, (0.7, 0.72), rows=2_000))
    board = board.with_entry(_entry(2, SCREENED, (0.8, 0.82), rows=2_000))
    assert board.best is not None and board.best.trial == 2
    # Ranked by the latest score, whatever its fidelity.
    board = board.with_entry(_entry(3, DONE, (0.75, 0.75)))
    assert board.best.trial == 2
    board = board.with_entry(_entry(4, DONE, (0.9, 0.9)))
    assert board.best.trial == 4
    again = Leaderboard.from_dict(board.to_dict())
    assert again.entry(2).rows == 2_000 and again.best.trial == 4


def test_the_refit_reserve_scales_the_measured_fit_time_to_all_rows() -> None:
    folds = tuple(
        (np.arange(800), np.arange(800, 1000)) for _ in range(5)
    )  # 800 fitting rows per fold
    entry = _entry(1, DONE, (0.7,) * 5)  # 3 s for 5 folds: 0.6 s per fold
    reserve = finish_seconds(entry, 8_000, folds)
    refit = 0.6 * 10 * REFIT_MARGIN
    assert reserve > refit and reserve < refit + 1.0 + FINISH_SECONDS
    assert finish_seconds(None, 8_000, folds) == FINISH_SECONDS
    # The evaluation predicts 2 + 3 passes per column + 20 per dependence plot (one plot is
    # reserved), each half a fold's measured prediction (predict and predict_proba).
    predicting = LeaderboardEntry(
        1, "linear", "Linear", {}, DONE, (0.7,) * 5, seconds=3.5, predict_seconds=0.1
    )
    assert abs(finish_seconds(predicting, 8_000, folds, columns=10) - reserve - 2.6) < 1e-6
    # A pass measured in the main process (where the evaluation runs) is the floor.
    slow = finish_seconds(predicting, 8_000, folds, columns=10, main_pass=0.3)
    assert abs(slow - reserve - 3 * 2.6) < 1e-6
    # The same time measured on a ninth of the rows foresees a longer refit.
    screened = _entry(2, SCREENED, (0.7,) * 5, rows=111)
    assert finish_seconds(screened, 8_000, folds) > 5 * refit


def test_family_speed_foresees_a_fit_from_the_fastest_one_seen() -> None:
    speed = FamilySpeed(search_rows=9_000)
    assert speed.expected("random_forest", None) is None
    speed.observe("random_forest", 1_000, 2.0)
    speed.observe("random_forest", None, 90.0)
    assert speed.expected("random_forest", None) == 18.0
    assert speed.expected("random_forest", 3_000) == 6.0
    # Boosting's fixed cost per tree dominates small fits: its time grows as sqrt(rows).
    speed.observe("lightgbm", 1_000, 2.0)
    assert abs(speed.expected("lightgbm", None) - 6.0) < 1e-9
    # A candidate scored on one fold of three is foreseen at three folds' time.
    entry = LeaderboardEntry(5, "knn", "k-NN", {}, SCREENED, (0.7,), seconds=1.0, rows=9_000)
    speed.observe_entry(entry, folds=3)
    assert speed.expected("knn", None) == 3.0


def test_a_boosting_refit_grows_slower_than_its_rows() -> None:
    folds = ((np.arange(1_600), np.arange(1_600, 2_000)),)
    boosting = LeaderboardEntry(
        1, "lightgbm", "LightGBM", {}, DONE, (0.8,), seconds=1.5, fit_seconds=1.0
    )
    forest = LeaderboardEntry(
        2, "random_forest", "Forest", {}, DONE, (0.8,), seconds=1.5, fit_seconds=1.0
    )
    assert abs(refit_seconds(boosting, 25_600, folds) - 4.0 * REFIT_MARGIN) < 1e-9
    assert abs(refit_seconds(forest, 25_600, folds) - 16.0 * REFIT_MARGIN) < 1e-9


def _context(class_weights: bool) -> FitContext:
    inputs = (InputColumn("x", "numeric"),)
    return FitContext(Task.BINARY, inputs, ("accuracy",), ("a", "b"), "b", class_weights)


def test_class_weights_are_a_search_dimension_not_imposed() -> None:
    plain = build_pipeline(CandidateSpec(1, "linear", {"C": 1.0}), _context(True))
    assert plain.steps[-1][1].class_weight is None
    balanced = build_pipeline(
        CandidateSpec(2, "linear", {"C": 1.0, "class_weight": "balanced"}), _context(True)
    )
    assert balanced.steps[-1][1].class_weight == "balanced"
    settings = SearchSettings(families=("linear", "lightgbm", "knn"), seed=0)
    proposals = propose_candidates(Task.BINARY, settings, None, class_weights=True)
    first = [next(proposals) for _ in range(5)]
    # Every family unweighted first, then the weighted defaults (k-NN has no weights).
    assert [(s.family, s.params.get("class_weight")) for s in first] == [
        ("linear", None), ("lightgbm", None), ("knn", None),
        ("linear", "balanced"), ("lightgbm", "balanced"),
    ]
    unweighted = propose_candidates(Task.BINARY, settings, None, class_weights=False)
    assert all("class_weight" not in next(unweighted).params for _ in range(30))


def test_a_large_binary_table_reserves_out_of_fold_fits_on_a_capped_sample() -> None:
    """The run that exposed it (bench_model_quality, gen100k, 30 s, quiet machine): the linear
    model screened in-process (0.102 s a fit on 1,600 of 2,000 sampled rows) was the board's
    best; its refit on 80,000 rows was foreseen at 6.6 s, and the threshold's three out-of-fold
    fits at three more refits, 29.4 s in all: the search stopped after that one candidate."""
    folds = ((np.arange(64_000), np.arange(64_000, 80_000)),)  # holdout: one fold
    best = LeaderboardEntry(
        1, "linear", "Linear", {}, SCREENED, (0.72,), seconds=0.15, rows=2_000,
        fit_seconds=0.102, predict_seconds=0.029,
    )
    refit = refit_seconds(best, 80_000, folds)
    assert 6.0 < refit < 7.0  # linear in the rows: the refit's own estimate is unchanged
    # Each out-of-fold fit is on 2/3 of at most OUT_OF_FOLD_MAX_ROWS rows, foreseen with the
    # square root of that share (a fit's fixed cost does not shrink with its rows).
    share = OUT_OF_FOLD_MAX_ROWS * 2 / 3 / 80_000
    assert evaluation_fit_seconds(refit, 80_000) == refit * share**0.5
    assert evaluation_fit_seconds(refit, 9_000) == refit * (2 / 3) ** 0.5  # under the cap
    reserve = finish_seconds(best, 80_000, folds, 11, task=Task.BINARY)
    assert reserve < 20.0  # it was 29.4 s, the whole of a 30 s budget (now 17.5 s)
    assert reserve > refit + 3 * evaluation_fit_seconds(refit, 80_000)
