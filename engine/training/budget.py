"""The time budget's arithmetic: what the run needs after the search, from measured times.

One owner for the timings a budget decision rests on. A candidate's cross-validation
measures, per fold, how long its fit and its prediction of the check rows took
(``LeaderboardEntry.fit_seconds`` and ``predict_seconds``, medians over the folds); every
foresight here is derived from those two numbers and from the cost of one prediction pass
measured in the main process (where the evaluation runs, under the same load):

- the refit of the best candidate on every training row: its fold fit time, scaled to the
  rows (:func:`refit_seconds`);
- the evaluation on the holdout: a fixed number of prediction passes (scoring, permutation
  importance: 3 per column, partial dependence: 20 per plotted column) plus the fits of the
  chosen pipeline the evaluation makes on the training rows (:func:`evaluation_seconds`);
- how many partial-dependence plots fit in the time left (:func:`dependence_plots`), so a
  short budget is kept by drawing fewer plots rather than by overrunning;
- a family's foreseen cross-validation length, from its fastest candidate so far
  (:class:`FamilySpeed`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.evaluation.settings import (
    DEPENDENCE_POINTS,
    IMPORTANCE_REPEATS,
    MAX_IMPORTANCE_ROWS,
    TOP_FEATURES,
)
from engine.problem.definition import Task

if TYPE_CHECKING:
    import numpy as np

    from engine.training.leaderboard import LeaderboardEntry

    Folds = tuple[tuple[np.ndarray, np.ndarray], ...]

REFIT_MARGIN = 1.3  # a refit runs alone, but fits do not always scale linearly with rows
FINISH_SECONDS = 2.0  # stopping the workers, the baseline, storing: 1-2 s measured
# The evaluation's own settings (engine.evaluation.settings), under the names used here.
EVALUATION_ROWS = MAX_IMPORTANCE_ROWS  # an importance pass predicts at most this many rows
DEPENDENCE_PLOTS = TOP_FEATURES  # plots the evaluation draws when there is time
MIN_DEPENDENCE_PLOTS = 1  # reserved during the search; more are drawn if time allows
# A cross-validation's measured prediction is two passes (predict, then predict_proba); an
# evaluation pass is one (plus a copy of the rows and a score, small beside it).
EVALUATION_FACTOR = 0.5

def evaluation_fits(task: Task) -> int:
    """Fits of the chosen pipeline the evaluation makes on the training rows for ``task``:
    a binary model's threshold is chosen on out-of-fold scores (engine.evaluation.out_of_fold),
    each fit on (k-1)/k of the training rows. THIS is the one place the budget counts them."""
    if task is not Task.BINARY:
        return 0
    from engine.evaluation.out_of_fold import OUT_OF_FOLD_FITS

    return OUT_OF_FOLD_FITS


def _fold_shares(best: LeaderboardEntry, folds: Folds) -> tuple[int, int]:
    """The fit rows and check rows of one of ``best``'s folds (cut to its rows if screened)."""
    fit_rows, check_rows = max(1, len(folds[0][0])), max(1, len(folds[0][1]))
    if best.rows is not None:  # screened: its folds were cut to ``rows`` rows
        share = min(1.0, best.rows / (fit_rows + check_rows))
        fit_rows, check_rows = max(1, int(fit_rows * share)), max(1, int(check_rows * share))
    return fit_rows, check_rows


def fold_fit_seconds(best: LeaderboardEntry, folds: Folds) -> float:
    """One fold's fit of ``best`` (measured; older boards: derived from the total time)."""
    if best.fit_seconds > 0.0:
        return best.fit_seconds
    folds_run = max(1, len(best.fold_scores) or len(folds))
    return max(0.0, best.seconds / folds_run - best.predict_seconds)


# How a family's fit time grows with its rows: time ~ rows ** exponent. Boosting fits of a
# few thousand rows are dominated by their fixed cost per tree (LightGBM's 100 trees: 1.36 s on
# 1,600 rows, 3.15 s on 24,000, 15x the rows for 2.3x the time, at load 12 on 2 cores);
# 0.5 stays on the safe side of that. Every other family: linear in the rows (forests grow
# slightly faster than linearly; the margin covers it).
ROW_EXPONENT = {"lightgbm": 0.5, "hist_gradient_boosting": 0.5}


def scale_to_rows(family: str, seconds: float, measured_rows: int, rows: int) -> float:
    """``seconds`` measured on ``measured_rows`` rows, foreseen for ``rows`` rows."""
    ratio = rows / max(1, measured_rows)
    return seconds * ratio ** (ROW_EXPONENT.get(family, 1.0) if ratio > 1 else 1.0)


def refit_seconds(best: LeaderboardEntry, train_rows: int, folds: Folds) -> float:
    """The refit's foreseen length: one fold's measured fit time, scaled to ``train_rows``."""
    if not folds:
        return 0.0
    fit_rows, _check = _fold_shares(best, folds)
    seconds = fold_fit_seconds(best, folds)
    return scale_to_rows(best.family, seconds, fit_rows, train_rows) * REFIT_MARGIN


def pass_seconds(
    best: LeaderboardEntry | None, folds: Folds, main_pass: float = 0.0
) -> float:
    """One prediction pass of the evaluation (at most :data:`EVALUATION_ROWS` rows): the
    candidate's measured prediction scaled to those rows, and never less than ``main_pass``,
    a pass measured in the main process (the pipeline's fixed cost under the current load)."""
    if best is None or not folds:
        return main_pass * EVALUATION_FACTOR
    _fit, check_rows = _fold_shares(best, folds)
    # A pass costs its fixed overhead (pandas, the pipeline's steps) plus time per row.
    scaled = best.predict_seconds * max(0.2, min(1.0, EVALUATION_ROWS / check_rows))
    return max(scaled, main_pass) * EVALUATION_FACTOR


def evaluation_fit_seconds(refit: float, train_rows: int) -> float:
    """One of the evaluation's own fits (out-of-fold, on (k-1)/k of at most
    ``OUT_OF_FOLD_MAX_ROWS`` training rows), from the refit's ``refit`` seconds on all
    ``train_rows``. Scaled down by the square root of the row share, not linearly: a fit's
    fixed cost does not shrink with its rows (a logistic regression took 0.10 s on 1,600 rows
    and 0.47 s on 80,000), so the safe side is to assume little saving."""
    from engine.evaluation.out_of_fold import OUT_OF_FOLD_FOLDS, threshold_row_count

    if train_rows <= 0:
        return refit
    rows = threshold_row_count(train_rows) * (OUT_OF_FOLD_FOLDS - 1) / OUT_OF_FOLD_FOLDS
    return refit * min(1.0, rows / train_rows) ** 0.5


def evaluation_seconds(
    one_pass: float, columns: int, plots: int, fits: int = 0, refit: float = 0.0
) -> float:
    """The evaluation's foreseen length: scoring the holdout and the baseline, permutation
    importance (3 shuffles per column), ``plots`` partial-dependence plots, and ``fits`` fits
    of the chosen pipeline, each about ``refit`` seconds (:func:`evaluation_fit_seconds`)."""
    passes = 2 + IMPORTANCE_REPEATS * columns + plots * DEPENDENCE_POINTS
    return one_pass * passes + fits * refit


def finish_seconds(
    best: LeaderboardEntry | None,
    train_rows: int,
    folds: Folds,
    columns: int = 0,
    *,
    main_pass: float = 0.0,
    task: Task = Task.REGRESSION,
) -> float:
    """Seconds the run needs after the search for ``best``: its refit on ``train_rows`` rows,
    the evaluation with :data:`MIN_DEPENDENCE_PLOTS` plots and the evaluation's own fits, and
    the rest (:data:`FINISH_SECONDS`)."""
    if best is None or not folds:
        return FINISH_SECONDS
    refit = refit_seconds(best, train_rows, folds)
    evaluation = evaluation_seconds(
        pass_seconds(best, folds, main_pass), columns, MIN_DEPENDENCE_PLOTS,
        evaluation_fits(task), evaluation_fit_seconds(refit, train_rows),
    )
    return refit + evaluation + FINISH_SECONDS


def dependence_plots(seconds_left: float, one_pass: float, columns: int, fits: int = 0,
                     refit: float = 0.0) -> int:
    """How many partial-dependence plots (up to :data:`DEPENDENCE_PLOTS`) the evaluation can
    draw in ``seconds_left`` (at least :data:`MIN_DEPENDENCE_PLOTS`: it was reserved)."""
    for plots in range(DEPENDENCE_PLOTS, MIN_DEPENDENCE_PLOTS, -1):
        if evaluation_seconds(one_pass, columns, plots, fits, refit) <= seconds_left:
            return plots
    return MIN_DEPENDENCE_PLOTS


class FamilySpeed:
    """Seconds per cross-validation row each family took so far, to foresee a fit's length.

    A family's fastest candidate sets its rate (its cheapest configuration: the one any later
    candidate of the family can at best match), scaled linearly to the rows asked for. It
    reads the board's entries, so the times measured once are the only ones kept.
    """

    def __init__(self, search_rows: int) -> None:
        self._search_rows = max(1, search_rows)
        self._rate: dict[str, float] = {}
        self.too_slow: dict[str, tuple[float, float]] = {}  # family -> (expected, left) seconds

    def observe(self, family: str, rows: int | None, seconds: float) -> None:
        """A cross-validation of ``family`` on ``rows`` search rows (None: all) took
        ``seconds``; kept as the seconds it foresees for all the search rows."""
        full = scale_to_rows(family, seconds, rows or self._search_rows, self._search_rows)
        self._rate[family] = min(full, self._rate.get(family, full))

    def observe_entry(self, entry: LeaderboardEntry, folds: int = 0) -> None:
        """Learn from a scored or screened candidate of the board; ``folds`` is how many
        folds a full cross-validation has (an entry scored on fewer is scaled up)."""
        if entry.seconds > 0.0 and (entry.scored or entry.screened):
            done = len(entry.fold_scores)
            seconds = entry.seconds * (folds / done if folds > done > 0 else 1.0)
            self.observe(entry.family, entry.rows, seconds)

    def expected(self, family: str, rows: int | None) -> float | None:
        full = self._rate.get(family)
        if full is None:
            return None
        return full * ((rows or self._search_rows) / self._search_rows)

    def cost(self, family: str) -> float | None:
        """Seconds one cross-validation of the family's cheapest candidate takes on all the
        search rows (None: not measured yet)."""
        return self.expected(family, None)
