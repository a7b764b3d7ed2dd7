"""The profile of a table: one row per column with its kind, missing share and summary.

The reason for each kind and the full text of each warning are in tooltips, so the grid stays
compact and nothing is hidden.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from engine.profile.result import ColumnProfile, TableProfile
from engine.profile.schema import ColumnKind

Index = QModelIndex | QPersistentModelIndex

HEADERS = ["Column", "Kind", "Missing", "Distinct", "Summary", "Warnings"]
_HEADER_TIPS = [
    "The column's name in the data.",
    "What kind of values the column holds; hover a cell to see why it was chosen.",
    "Share of rows with no value in this column.",
    "How many different values the column holds (missing values not counted).",
    "Range and middle for numbers and dates; most frequent values for categories.",
    "Things to check before modelling; hover a cell for the full explanation.",
]
_WARNING_BRUSH = QBrush(QColor("#a05a00"))


class ProfileModel(QAbstractTableModel):
    """Rows: the profiled columns. Read-only."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._profile: TableProfile | None = None

    @property
    def profile(self) -> TableProfile | None:
        return self._profile

    def set_profile(self, profile: TableProfile | None) -> None:
        self.beginResetModel()
        self._profile = profile
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        if parent.isValid() or self._profile is None:
            return 0
        return len(self._profile.columns)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._profile is None:
            return None
        column = self._profile.columns[index.row()]
        field = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell_text(column, field)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(column, field)
        if role == Qt.ItemDataRole.ForegroundRole and field == 5 and column.warnings:
            return _WARNING_BRUSH
        if role == Qt.ItemDataRole.TextAlignmentRole and field in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS[section]
        return None

    def _tooltip(self, column: ColumnProfile, field: int) -> str | None:
        assert self._profile is not None
        if field == 1:
            try:
                reason = self._profile.schema[column.name].reason
            except KeyError:
                reason = ""
            return f"{column.kind.value}: {reason}" if reason else column.kind.value
        if field == 5:
            return "\n".join(warning.message for warning in column.warnings) or None
        if field == 4:
            return _cell_text(column, field) or None
        return None


class ProfileView(QTableView):
    """The profile grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile_model = ProfileModel(self)
        self.setModel(self.profile_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)

    def set_profile(self, profile: TableProfile | None) -> None:
        """Show ``profile`` (``None`` empties the grid) and size the columns to the text."""
        self.profile_model.set_profile(profile)
        if profile is not None:
            for section in range(len(HEADERS) - 1):
                self.resizeColumnToContents(section)
            # The summary can be long; cap it so the warnings stay in view.
            self.setColumnWidth(4, min(self.columnWidth(4), 420))


def _cell_text(column: ColumnProfile, field: int) -> str:
    if field == 0:
        return column.name
    if field == 1:
        return column.kind.value
    if field == 2:
        return _percent(column.missing_share)
    if field == 3:
        return f"{column.distinct:,}"
    if field == 4:
        return summary(column)
    if field == 5:
        return "; ".join(_short_warning(w.code) for w in column.warnings)
    return ""


def summary(column: ColumnProfile) -> str:
    """One line describing the values: range and median, or the most frequent values."""
    if column.count == 0:
        return "no values"
    if column.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME) and column.minimum is not None:
        parts = [f"{_number(column.minimum)} to {_number(column.maximum)}"]
        median = column.quantiles.get("p50")
        if median is not None:
            parts.append(f"median {_number(median)}")
        if column.mean is not None and column.kind == ColumnKind.NUMERIC:
            parts.append(f"mean {_number(column.mean)}")
        return " · ".join(parts)
    if column.kind == ColumnKind.IDENTIFIER or (column.distinct == column.count > 20):
        example = f", e.g. {column.top_values[0][0]}" if column.top_values else ""
        return f"every value different{example}" if column.distinct == column.count else (
            f"{column.distinct:,} different values{example}"
        )
    if column.top_values:
        shown = [
            f"{value} {_percent(count / column.count)}" for value, count in column.top_values[:4]
        ]
        more = column.distinct - len(shown)
        return " · ".join(shown) + (f" · {more:,} more" if more > 0 else "")
    return ""


_SHORT_WARNINGS = {
    "constant": "constant",
    "mostly_missing": "mostly missing",
    "some_missing": "some missing",
    "id_like": "ID-like",
    "many_categories": "many categories",
    "personal_data": "personal data",
    "skewed": "skewed",
    "duplicate_column": "duplicate column",
}


def _short_warning(code: str) -> str:
    return _SHORT_WARNINGS.get(code, code.replace("_", " "))


def _percent(share: float) -> str:
    if share == 0:
        return "0%"
    if share < 0.001:
        return "<0.1%"
    return f"{share:.1%}"


def _number(value: float | str | None) -> str:
    if value is None:
        return "?"
    if isinstance(value, str):
        return value[:10] if len(value) >= 10 and value[4:5] == "-" else value
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
