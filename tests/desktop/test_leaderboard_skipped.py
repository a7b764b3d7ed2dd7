"""The window's leaderboard shows every family: scored, screened, or skipped with its reason."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.widgets.leaderboard_model import LeaderboardModel
from engine.training.leaderboard import (
    DONE,
    SCREENED,
    SKIPPED,
    TIMED_OUT,
    Leaderboard,
    LeaderboardEntry,
)


def _shown(*entries: LeaderboardEntry) -> LeaderboardModel:
    """The window's leaderboard model showing a board of ``entries`` (a ROC AUC board)."""
    board = Leaderboard("roc_auc", True)
    for entry in entries:
        board = board.with_entry(entry)
    model = LeaderboardModel()
    model.set_board(board)
    return model


def test_skipped_families_and_screened_results_are_shown_with_their_reason(qapp) -> None:
    model = _shown(
        LeaderboardEntry(0, "baseline", "Baseline", {}, DONE, (0.5, 0.5)),
        LeaderboardEntry(1, "lightgbm", "LightGBM", {}, SCREENED, (0.8, 0.82), rows=2_000,
                         message="compared on 2,000 rows first"),
        LeaderboardEntry(-1, "knn", "k-nearest neighbours", {}, SKIPPED,
                         message="one fit would take about 40 s and only 3 s were left"),
    )
    cells = {
        model.index(row, 1).data(): model.index(row, 5).data() for row in range(model.rowCount())
    }
    assert cells["k-nearest neighbours"] == (
        "skipped: one fit would take about 40 s and only 3 s were left"
    )
    assert cells["LightGBM"].startswith("screened")
    # The screened candidate is the result (nothing was scored on all rows): highlighted.
    assert model.best_row() == 0 and model.index(0, 1).data() == "LightGBM"
    skipped_row = list(cells).index("k-nearest neighbours")
    tip = model.index(skipped_row, 5).data(Qt.ItemDataRole.ToolTipRole)
    assert "did not run" in tip and "only 3 s were left" in tip


def test_candidates_without_a_time_show_a_dash_not_zero_seconds(qapp) -> None:
    """Timed-out and skipped rows read "0.0 s", as if the model took no time at all."""
    model = _shown(
        LeaderboardEntry(0, "baseline", "Baseline", {}, DONE, (0.5, 0.5), seconds=0.6),
        LeaderboardEntry(1, "linear", "Logistic", {}, DONE, (0.7, 0.72), seconds=3.3),
        LeaderboardEntry(2, "hist_gradient_boosting", "Boosting", {}, TIMED_OUT,
                         message="stopped after 4 s of fitting"),
        LeaderboardEntry(-1, "knn", "k-nearest neighbours", {}, SKIPPED,
                         message="only 3 s were left"),
    )
    times = {model.index(row, 1).data(): model.index(row, 4).data()
             for row in range(model.rowCount())}
    assert times == {"Logistic": "3.3 s", "Baseline": "0.6 s", "Boosting": "—",
                     "k-nearest neighbours": "—"}
    row = list(times).index("Boosting")
    tip = model.index(row, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert "time budget ran out" in tip and "4 s of fitting" in tip


def test_the_leaderboard_heading_stays_one_line_and_never_widens_the_panel(qtbot) -> None:
    """The heading wrapped and pushed the table down; cut to one line, it says the rest in
    its tooltip."""
    from desktop.panels.train_panel import BOARD_HEADING, TrainPanel
    from desktop.tasks import TaskRunner

    panel = TrainPanel(TaskRunner())
    qtbot.addWidget(panel)
    heading = panel.board_heading
    line = heading.fontMetrics().height()
    panel.resize(1280, 700)
    panel.show()
    qtbot.waitExposed(panel)
    assert heading.height() <= line * 1.5 and heading.text() == BOARD_HEADING
    top = panel.board.y()
    assert heading.minimumSizeHint().width() < heading.fontMetrics().horizontalAdvance(
        BOARD_HEADING) / 2
    panel.resize(560, 700)  # the leaderboard's side is narrower than its heading
    qtbot.waitUntil(lambda: panel.width() == 560)
    assert heading.width() < heading.fontMetrics().horizontalAdvance(BOARD_HEADING)
    assert heading.height() <= line * 1.5 and panel.board.y() == top
    assert heading.shown_text().endswith("…") and BOARD_HEADING in heading.toolTip()


def test_a_screened_result_is_not_told_as_zero_models_finished(qapp) -> None:
    """"The time budget ran out after 0 models finished; the best is Logistic" contradicted
    itself when the best was compared on part of the rows only."""
    from desktop.panels.train_job import TrainSummary, describe_outcome

    board = Leaderboard("roc_auc", True)
    for entry in (
        LeaderboardEntry(0, "baseline", "Baseline", {}, DONE, (0.5, 0.5)),
        LeaderboardEntry(1, "linear", "Logistic", {}, SCREENED, (0.7, 0.75), rows=2_000),
    ):
        board = board.with_entry(entry)
    text = describe_outcome(TrainSummary(1, board, "time budget", ()))
    assert "0 models" not in text
    assert text.startswith("The time ran out before any model was scored on all the rows")
    assert "<b>Logistic</b>" in text
