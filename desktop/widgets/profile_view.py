"""The profile of a table: one row per column with its kind, missing share and summary.

The grid stays compact: selecting a row (``column_selected``) shows the column's chart, kind
chooser and warnings in full beside it (:mod:`desktop.widgets.column_detail`). Kinds read as
the words every step uses (:mod:`desktop.widgets.kind_words`). The Kind cell is also editable
(double-click, or F2): a combo of the kinds; the choice is not applied here but sent as
``kind_override_requested(column, kind)``, and the Data panel re-profiles and saves it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from desktop.theme import warning_color
from desktop.widgets.kind_words import KIND_HELP, kind_word, value_word
from engine.profile.result import ColumnProfile, TableProfile
from engine.profile.schema import ColumnKind

Index = QModelIndex | QPersistentModelIndex

HEADERS = ["Column", "Kind", "Missing", "Distinct", "Summary", "Warnings"]
_HEADER_TIPS = [
    "The column's name in the data.",
    "What kind of values the column holds. Select a row to see why it was chosen and to "
    "choose another kind.",
    "Share of rows with no value in this column.",
    "How many different values the column holds (missing values not counted).",
    "Range and middle for numbers and dates; most frequent values for categories.",
    "Things to check before modelling; select the row to read each in full, with what to do.",
]
KIND_COLUMN = 1
SUMMARY_COLUMN = 4


class ProfileModel(QAbstractTableModel):
    """Rows: the profiled columns. Only the Kind cell is editable; editing it asks, through
    ``kind_override_requested``, for the kind to change (the model itself does not change)."""

    kind_override_requested = Signal(str, str)  # column name, kind value

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
        if role == Qt.ItemDataRole.EditRole and field == KIND_COLUMN:
            return column.kind.value
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return _cell_text(column, field)
        if role == Qt.ItemDataRole.FontRole and field == KIND_COLUMN and self._overridden(column):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(column, field)
        if role == Qt.ItemDataRole.ForegroundRole and field == 5 and column.warnings:
            return QBrush(QColor(warning_color()))
        if role == Qt.ItemDataRole.TextAlignmentRole and field in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == KIND_COLUMN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(  # noqa: N802 - Qt API
        self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        """A new kind for a column: ask for it (returns False: nothing changes here yet)."""
        if (
            role != Qt.ItemDataRole.EditRole
            or self._profile is None
            or not index.isValid()
            or index.column() != KIND_COLUMN
        ):
            return False
        column = self._profile.columns[index.row()]
        kind = ColumnKind(str(value))
        if kind != column.kind:
            self.kind_override_requested.emit(column.name, kind.value)
        return False

    def _overridden(self, column: ColumnProfile) -> bool:
        assert self._profile is not None
        try:
            return self._profile.schema[column.name].overridden
        except KeyError:
            return False

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
            word = kind_word(column.kind)
            text = f"{word}: {reason}" if reason else word
            return text + "\nChoose another kind beside the table, or double-click here."
        if field == 5:
            return "\n".join(warning.message for warning in column.warnings) or None
        if field == 4:
            return _cell_text(column, field) or None
        return None


class KindDelegate(QStyledItemDelegate):
    """A combo of the column kinds, each with what it means as its tooltip."""

    def createEditor(  # noqa: N802 - Qt API
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        combo = QComboBox(parent)
        for position, kind in enumerate(ColumnKind):
            combo.addItem(kind_word(kind), kind.value)
            combo.setItemData(position, KIND_HELP[kind], Qt.ItemDataRole.ToolTipRole)
        # Choosing an item ends the edit at once: one click, not click + Enter.
        combo.activated.connect(lambda _position: self.commitData.emit(combo))
        combo.activated.connect(lambda _position: self.closeEditor.emit(combo))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802 - Qt API
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.EditRole)), 0))

    def setModelData(  # noqa: N802 - Qt API
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class ProfileView(QTableView):
    """The profile grid; ``kind_override_requested(column, kind)`` when the user picks a kind."""

    kind_override_requested = Signal(str, str)
    column_selected = Signal(object)  # the selected ColumnProfile, or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile_model = ProfileModel(self)
        self.setModel(self.profile_model)
        self.selectionModel().currentRowChanged.connect(self._row_changed)
        self.profile_model.modelReset.connect(lambda: self._row_changed(self.currentIndex()))
        self.profile_model.kind_override_requested.connect(self.kind_override_requested)
        self.kind_delegate = KindDelegate(self)
        self.setItemDelegateForColumn(KIND_COLUMN, self.kind_delegate)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The Summary takes the room left by the short columns (the warnings are short words;
        # their full sentences are beside the table), so it is what a narrow window trims last.
        header.setSectionResizeMode(SUMMARY_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

    def set_profile(self, profile: TableProfile | None) -> None:
        """Show ``profile`` (``None`` empties the grid) and size the columns to the text.

        The same table profiled again (after a change of kind) keeps its scroll position
        and current row, so the user stays where they were.
        """
        previous = self.profile_model.profile
        same = (
            previous is not None
            and profile is not None
            and [c.name for c in previous.columns] == [c.name for c in profile.columns]
        )
        scroll, row = self.verticalScrollBar().value(), self.currentIndex().row()
        self.profile_model.set_profile(profile)
        if same:
            self.verticalScrollBar().setValue(scroll)
            if row >= 0:
                self.setCurrentIndex(self.profile_model.index(row, 0))
        if profile is not None:
            for section in range(len(HEADERS)):
                if section != SUMMARY_COLUMN:
                    self.resizeColumnToContents(section)
            # Room for the combo's arrow when the kind is edited.
            self.setColumnWidth(KIND_COLUMN, max(self.columnWidth(KIND_COLUMN), 105))

    def selected_column(self) -> ColumnProfile | None:
        """The profile of the selected column (None: no row is selected)."""
        profile, row = self.profile_model.profile, self.currentIndex().row()
        if profile is None or not 0 <= row < len(profile.columns):
            return None
        return profile.columns[row]

    def _row_changed(self, *_args: object) -> None:
        self.column_selected.emit(self.selected_column())

    def request_kind(self, column: str, kind: str) -> bool:
        """Ask for ``kind`` on ``column`` as the combo would (False: no such column)."""
        profile = self.profile_model.profile
        if profile is None:
            return False
        for row, profiled in enumerate(profile.columns):
            if profiled.name == column:
                index = self.profile_model.index(row, KIND_COLUMN)
                self.profile_model.setData(index, kind, Qt.ItemDataRole.EditRole)
                return True
        return False


def _cell_text(column: ColumnProfile, field: int) -> str:
    if field == 0:
        return column.name
    if field == 1:
        return kind_word(column.kind)
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
            f"{value_word(value, column.kind)} {_percent(count / column.count)}"
            for value, count in column.top_values[:4]
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
