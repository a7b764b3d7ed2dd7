"""The leaderboard as a table model: one row per candidate, best first, the baseline always in.

Rows come from :meth:`engine.training.leaderboard.Leaderboard.rows` (what the report shows
too); the model only formats them. The best model's row is highlighted, the baseline's is
in italics so the user sees what "no model at all" would score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

if TYPE_CHECKING:
    from engine.training.leaderboard import Leaderboard, LeaderboardEntry

COLUMNS = ("Rank", "Model", "Score", "Spread", "Time", "Status")
BEST_COLOUR = QColor(46, 139, 87, 60)  # translucent green: readable in light and dark palettes

_STATUS_WORDS = {
    "done": "Finished: scored on every validation fold.",
    "failed": "This candidate could not be fitted; the message says why.",
    "timed out": "The time budget ran out while it was fitting, so it has no score.",
    "stopped": "You pressed Stop while it was fitting, so it has no score.",
    "screened": (
        "Scored on part of the rows only (a quicker first comparison). When no model was "
        "scored on all rows before time ran out, the best of these is the result."
    ),
    "skipped": "This family did not run in the time there was; the reason follows.",
}

_Index = QModelIndex | QPersistentModelIndex


class LeaderboardModel(QAbstractTableModel):
    """A :class:`Leaderboard` shown as a read-only table (``set_board`` replaces it)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._board: Leaderboard | None = None
        self._rows: list[dict[str, Any]] = []
        self._metric_label = "Score"
        self._metric_tip = ""

    @property
    def board(self) -> Leaderboard | None:
        """The leaderboard on show (None when empty)."""
        return self._board

    def set_board(self, board: Leaderboard | None) -> None:
        """Show ``board`` (a newer version of the same search, or another one)."""
        self.beginResetModel()
        self._board = board
        self._rows = board.rows() if board is not None else []
        if board is not None:
            self._metric_label, self._metric_tip = metric_words(board.metric)
        self.endResetModel()  # views read the header again too

    def best_row(self) -> int | None:
        """The row of the best model that is not the baseline (None if none finished)."""
        if self._board is None or self._board.best is None:
            return None
        return self._board.entries.index(self._board.best)

    def baseline_row(self) -> int | None:
        """The row of the baseline, or None."""
        if self._board is None or self._board.baseline is None:
            return None
        return self._board.entries.index(self._board.baseline)

    def entry(self, row: int) -> LeaderboardEntry:
        """The candidate shown on ``row``."""
        assert self._board is not None
        return self._board.entries[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._metric_label if section == 2 else COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _header_tip(section, self._metric_label, self._metric_tip)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._board is None:
            return None
        row, column = index.row(), index.column()
        values = self._rows[row]
        entry = self._board.entries[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(values, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _cell_tip(entry, values, column)
        if role == Qt.ItemDataRole.BackgroundRole and row == self.best_row():
            return QBrush(BEST_COLOUR)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(row == self.best_row())
            font.setItalic(entry.family == "baseline")
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 2, 3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _cell(values: dict[str, Any], column: int) -> str:
    if column == 0:
        return str(values["rank"])
    if column == 1:
        return str(values["model"])
    if column == 2:
        return "—" if values["cv_score"] is None else f"{values['cv_score']:.4f}"
    if column == 3:
        return "" if values["cv_score"] is None else f"± {values['cv_std']:.4f}"
    if column == 4:
        return _time(values)
    return str(values["status"])


def _time(values: dict[str, Any]) -> str:
    """The seconds spent, or "—" for a candidate without a score that has no time to show:
    "0.0 s" beside a skipped or timed-out family read as a model that took no time."""
    if values["cv_score"] is None and values["fit_seconds"] < 0.05:
        return "—"
    return f"{values['fit_seconds']:.1f} s"


def _cell_tip(entry: LeaderboardEntry, values: dict[str, Any], column: int) -> str:
    if column == 1:
        from engine.training.catalog import FAMILIES

        family = FAMILIES.get(entry.family)
        text = family.description if family else "What you would get with no model at all."
        if values["params"]:
            settings = ", ".join(f"{key} = {value}" for key, value in values["params"].items())
            text += f"\nSettings: {settings}"
        return text
    if column == 5 or (column == 4 and _time(values) == "—"):
        return _STATUS_WORDS.get(entry.status, entry.status) + (
            f"\n{entry.message}" if entry.message else ""
        )
    return _header_tip(column, "", "")


def _header_tip(section: int, metric_label: str, metric_tip: str) -> str:
    if section == 2:
        return (
            f"{metric_label}: the average over the validation folds (parts of the training "
            f"rows held back in turn). {metric_tip}"
        ).strip()
    return {
        0: "Best first: ranked by the score, the same on every run with the same seed.",
        1: "The kind of model (family) and its settings; hover a row for details.",
        3: "How much the score varied between the validation folds (standard deviation): "
        "a large spread means the score is less certain.",
        4: "Seconds spent cross-validating this candidate.",
        5: "Whether the candidate finished, failed, or was stopped.",
    }.get(section, "")


def metric_words(metric: str) -> tuple[str, str]:
    """The metric's label and plain-words explanation, with its direction."""
    from engine.problem.metrics import METRICS

    info = METRICS.get(metric)
    if info is None:
        return metric, ""
    direction = "Higher is better." if info.greater_is_better else "Lower is better."
    return info.label, f"{info.explanation} {direction}"
