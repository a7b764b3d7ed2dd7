"""The tables and views of a database, grouped by schema, with their row counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

if TYPE_CHECKING:
    from engine.sources.database import TableInfo

_INFO = Qt.ItemDataRole.UserRole
_ROW_TIP = (
    "How many rows the table holds. Counted exactly for small SQLite tables; otherwise the "
    "database's own estimate (about). Views are not counted: that would run them."
)


class TableBrowser(QTreeWidget):
    """Schemas > tables and views. ``table_chosen`` carries the TableInfo picked."""

    table_chosen = Signal(object)  # TableInfo

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Table", "Kind", "Rows"])
        self.headerItem().setToolTip(2, _ROW_TIP)
        self.headerItem().setToolTip(
            1, "A table stores rows; a view is a saved query the database runs when read."
        )
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.setRootIsDecorated(True)
        self.currentItemChanged.connect(self._current_changed)
        self._tables: list[TableInfo] = []

    @property
    def tables(self) -> list[TableInfo]:
        return list(self._tables)

    def set_tables(self, tables: list[TableInfo]) -> None:
        """Show ``tables``; one schema level only when the database has several schemas."""
        self.blockSignals(True)
        self.clear()
        self._tables = list(tables)
        schemas = sorted({table.schema or "" for table in tables})
        grouped = len(schemas) > 1
        parents: dict[str, QTreeWidgetItem] = {}
        for table in tables:
            parent: QTreeWidget | QTreeWidgetItem = self
            if grouped:
                key = table.schema or ""
                if key not in parents:
                    parents[key] = QTreeWidgetItem(self, [key or "(default)", "schema", ""])
                    parents[key].setFlags(Qt.ItemFlag.ItemIsEnabled)
                parent = parents[key]
            item = QTreeWidgetItem(parent, [table.name, table.kind, row_text(table)])
            item.setData(0, _INFO, table)
            item.setToolTip(0, table.qualified_name)
            item.setToolTip(2, _ROW_TIP)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setRootIsDecorated(grouped)
        self.expandAll()
        self.blockSignals(False)

    def row_text_of(self, name: str) -> str | None:
        """The "Rows" cell shown for table ``name`` (for tests and tooltips)."""
        for item in self._items():
            info = item.data(0, _INFO)
            if info is not None and info.name == name:
                return item.text(2)
        return None

    def select(self, name: str) -> bool:
        """Make table ``name`` the current one (emits ``table_chosen``); False if absent."""
        for item in self._items():
            info = item.data(0, _INFO)
            if info is not None and info.name == name:
                self.setCurrentItem(item)
                return True
        return False

    def current_table(self) -> TableInfo | None:
        item = self.currentItem()
        return None if item is None else item.data(0, _INFO)

    def _items(self) -> list[QTreeWidgetItem]:
        found: list[QTreeWidgetItem] = []
        stack = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        while stack:
            item = stack.pop(0)
            found.append(item)
            stack += [item.child(i) for i in range(item.childCount())]
        return found

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        info = None if item is None else item.data(0, _INFO)
        if info is not None:
            self.table_chosen.emit(info)


def row_text(table: TableInfo) -> str:
    if table.row_estimate is None:
        return "—" if table.kind == "view" else "unknown"
    return f"{table.row_estimate:,}"
