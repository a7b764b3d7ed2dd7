"""The selected column in the Data step: its chart, its kind (with a visible way to change
it) and its warnings in full sentences, each saying what to do.

The kind combo does not change anything itself: choosing another kind emits
``kind_override_requested(column, kind)``, as the grid's Kind cell does, and the Data panel
re-profiles and saves it.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.theme import warning_color
from desktop.widgets.column_chart import ColumnChart
from desktop.widgets.kind_words import KIND_HELP, kind_word
from engine.profile.schema import ColumnKind

if TYPE_CHECKING:
    from engine.profile.result import ColumnProfile, ProfileWarning

KIND_TIP = (
    "How Gristmill treats the column when it builds models. If the guess is wrong (say a "
    "0/1 column that is really a count), choose the right kind here."
)


def warnings_html(warnings: list[ProfileWarning]) -> str:
    """Warnings as a list of full sentences (each already says what to do)."""
    if not warnings:
        return ""
    items = "".join(f"<li>{html.escape(w.message)}</li>" for w in warnings)
    return f'<span style="color:{warning_color()}"><b>To check:</b></span><ul>{items}</ul>'


class ColumnDetail(QWidget):
    """Chart, kind and warnings of one column (``show_column``)."""

    kind_override_requested = Signal(str, str)  # column name, kind value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._column: ColumnProfile | None = None
        self.title = QLabel("Select a column to see its values.")
        self.title.setWordWrap(True)
        self.kind_combo = QComboBox()
        for position, kind in enumerate(ColumnKind):
            self.kind_combo.addItem(kind_word(kind), kind.value)
            self.kind_combo.setItemData(position, KIND_HELP[kind], Qt.ItemDataRole.ToolTipRole)
        self.kind_combo.setToolTip(KIND_TIP)
        self.kind_combo.activated.connect(self._kind_chosen)
        self.kind_reason = QLabel()
        self.kind_reason.setWordWrap(True)
        kind_row = QHBoxLayout()
        self.kind_label = QLabel("Treat as:")
        kind_row.addWidget(self.kind_label)
        kind_row.addWidget(self.kind_combo, 1)
        self.chart = ColumnChart()
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(kind_row)
        layout.addWidget(self.kind_reason)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.warnings)
        self.show_column(None)

    def show_column(self, column: ColumnProfile | None, reason: str = "") -> None:
        """Show ``column`` (None: ask to select one); ``reason`` says why its kind was chosen."""
        self._column = column
        shown = column is not None
        for widget in (self.kind_combo, self.kind_label, self.kind_reason):
            widget.setVisible(shown)
        self.chart.show_column(column)
        if column is None:
            self.title.setText("Select a column to see its values.")
            self.warnings.clear()
            return
        from desktop.widgets.profile_view import summary

        self.title.setText(f"<b>{html.escape(column.name)}</b>: "
                           f"{html.escape(summary(column))}")
        blocker = QSignalBlocker(self.kind_combo)
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(column.kind.value), 0))
        blocker.unblock()
        self.kind_reason.setText(f"<i>Why: {html.escape(reason)}</i>" if reason else "")
        self.warnings.setText(warnings_html(column.warnings))

    def _kind_chosen(self, _position: int) -> None:
        column = self._column
        kind = str(self.kind_combo.currentData())
        if column is not None and kind != column.kind.value:
            self.kind_override_requested.emit(column.name, kind)
