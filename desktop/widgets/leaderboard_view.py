"""The live leaderboard table: rows fill in as candidates finish, the best one selected."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desktop.widgets.leaderboard_model import LeaderboardModel

if TYPE_CHECKING:
    from engine.training.leaderboard import Leaderboard


class LeaderboardView(QTableView):
    """A read-only, row-selecting view of a :class:`LeaderboardModel`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board_model = LeaderboardModel(self)
        self.setModel(self.board_model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)

    def set_board(self, board: Leaderboard | None) -> None:
        """Show ``board``, keeping the best model selected."""
        self.board_model.set_board(board)
        self.select_best()

    def select_best(self) -> None:
        """Select the best model's row (nothing when no model finished)."""
        row = self.board_model.best_row()
        if row is None:
            self.clearSelection()
            return
        self.selectRow(row)

    def selected_row(self) -> int | None:
        """The selected row, or None."""
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None
