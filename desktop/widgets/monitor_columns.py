"""The drift check's traffic-light table: one row per model input, worst and weightiest first.

Each row shows the column's status as a coloured dot and a word, its share of what the model
relies on, its data problems (missing values, unknown categories...) and the first thing that
changed, in words. Selecting a row emits ``column_chosen`` with the column's
:class:`~engine.monitor.report.ColumnDrift`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from engine.monitor.settings import MIN_ROWS

if TYPE_CHECKING:
    from engine.monitor.report import ColumnDrift

GREEN, AMBER, RED, GREY = "#2e7d32", "#f29900", "#c62828", "#8a8a8a"
SEVERITY_COLOURS = {0: GREEN, 1: AMBER, 2: RED}
LEVEL_COLOURS = {"stable": GREEN, "changed": AMBER, "major": RED, "too few rows": GREY}
SEVERITY_WORDS = {0: "Stable", 1: "Changed", 2: "Major"}
INTEGRITY_WORDS = {
    "missing": "missing values",
    "new categories": "unknown categories",
    "out of range": "values out of range",
    "retyped": "wrong type",
}
STATUS_TIP = (
    "Stable: the values look like the training data. Changed: the distribution moved enough "
    "to matter and too much to be chance (PSI at least 0.1, or a category's share moved 10 "
    "points, confirmed by a chi-square test). Major: a large move (PSI at least 0.25), or the "
    f"column cannot be read as before. Not enough rows: fewer than {MIN_ROWS} values to judge."
)
HEADERS = ("Status", "Column", "Importance", "Data problems", "What changed")
COLUMN_CAP = 170  # pixels: the widest a short column gets, so "What changed" keeps room
HEADER_TIPS = (
    STATUS_TIP,
    "The model's input column.",
    "The column's share of what the model relies on (all columns add up to 100%): a change in "
    "an important column matters more.",
    "Problems with the data itself, checked apart from the distribution: more missing values, "
    "categories never seen in training, values outside the training range, or a column whose "
    "values no longer read as its type.",
    "The first finding, in the column's own units; select the row to read them all.",
)


def column_colour(column: ColumnDrift) -> str:
    """The traffic-light colour of ``column`` (grey: too few rows and nothing else wrong)."""
    from engine.monitor.report import TOO_FEW

    if column.status == TOO_FEW and not column.integrity:
        return GREY
    return SEVERITY_COLOURS[column.severity]


def column_status_words(column: ColumnDrift) -> str:
    """"Stable", "Changed", "Major" or "Not enough rows" for the table."""
    from engine.monitor.report import TOO_FEW

    if column.status == TOO_FEW and not column.integrity:
        return "Not enough rows"
    return SEVERITY_WORDS[column.severity]


def dot_icon(colour: str, size: int = 12) -> QIcon:
    """A filled circle of ``colour`` (the traffic light)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


class ColumnDriftModel(QAbstractTableModel):
    """The columns of one drift report, in the order given (``report.ordered_columns()``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns: list[ColumnDrift] = []
        self._icons: dict[str, QIcon] = {}

    def set_columns(self, columns: list[ColumnDrift]) -> None:
        self.beginResetModel()
        self._columns = list(columns)
        self.endResetModel()

    def column_at(self, row: int) -> ColumnDrift:
        return self._columns[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._columns)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802 - Qt's name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.row()]
        field = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell_text(column, field)
        if role == Qt.ItemDataRole.DecorationRole and field == 0:
            colour = column_colour(column)
            if colour not in self._icons:
                self._icons[colour] = dot_icon(colour)
            return self._icons[colour]
        if role == Qt.ItemDataRole.ToolTipRole:
            if field == 4 and column.findings:
                return "\n".join(column.findings)
            if field == 1:
                return column.name  # whole, when the cell cuts a long name
            return HEADER_TIPS[field]
        if role == Qt.ItemDataRole.TextAlignmentRole and field == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _cell_text(column: ColumnDrift, field: int) -> str:
    if field == 0:
        return column_status_words(column)
    if field == 1:
        return column.name
    if field == 2:
        return f"{column.weight:.0%}" if column.weight >= 0.005 else "<1%"
    if field == 3:
        return ", ".join(INTEGRITY_WORDS.get(p, p) for p in column.integrity) or "none"
    return column.findings[0] if column.findings else "no change"


class ColumnDriftTable(QTableView):
    """The table view; ``column_chosen`` gives the selected row's ColumnDrift."""

    column_chosen = Signal(object)  # ColumnDrift

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drift_model = ColumnDriftModel(self)
        self.setModel(self.drift_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        # "What changed" wraps onto a second line rather than being cut, and a row is as
        # tall as its words; the few short columns take what they need, up to a cap (a
        # long column name is cut in the middle, whole in its tooltip).
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        vertical.setMinimumSectionSize(self.fontMetrics().height() + 8)  # room to breathe
        header = self.horizontalHeader()
        for section in range(4):
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.selectionModel().selectionChanged.connect(self._selected)

    def _fit_columns(self) -> None:
        """The short columns as wide as their contents (capped), "What changed" the rest."""
        metrics = self.fontMetrics()
        model = self.drift_model
        for section in range(4):
            texts = [str(model.headerData(section, Qt.Orientation.Horizontal))]
            texts += [str(model.index(row, section).data()) for row in range(model.rowCount())]
            width = max(metrics.horizontalAdvance(text) for text in texts) + 16
            if section == 0:
                width += 20  # the traffic-light dot
            self.setColumnWidth(section, min(width, COLUMN_CAP))

    def set_columns(self, columns: list[ColumnDrift]) -> None:
        """Show ``columns`` and select the first one (the most worrying)."""
        self.drift_model.set_columns(columns)
        self._fit_columns()
        if columns:
            self.selectRow(0)
        else:
            self.column_chosen.emit(None)

    def select_column(self, name: str) -> bool:
        """Select the row of column ``name`` (False when the report has no such column)."""
        for row in range(self.drift_model.rowCount()):
            if self.drift_model.column_at(row).name == name:
                self.selectRow(row)
                return True
        return False

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = {index.row() for index in selected.indexes()}
        if rows:
            self.column_chosen.emit(self.drift_model.column_at(min(rows)))
