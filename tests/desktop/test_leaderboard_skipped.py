"""The window's leaderboard shows every family: scored, screened, or skipped with its reason."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.widgets.leaderboard_model import LeaderboardModel
from engine.training.leaderboard import DONE, SCREENED, SKIPPED, Leaderboard, LeaderboardEntry


def test_skipped_families_and_screened_results_are_shown_with_their_reason(qapp) -> None:
    board = Leaderboard("roc_auc", True)
    for entry in (
        LeaderboardEntry(0, "baseline", "Baseline", {}, DONE, (0.5, 0.5)),
        LeaderboardEntry(1, "lightgbm", "LightGBM", {}, SCREENED, (0.8, 0.82), rows=2_000,
                         message="compared on 2,000 rows first"),
        LeaderboardEntry(-1, "knn", "k-nearest neighbours", {}, SKIPPED,
                         message="one fit would take about 40 s and only 3 s were left"),
    ):
        board = board.with_entry(entry)
    model = LeaderboardModel()
    model.set_board(board)
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
