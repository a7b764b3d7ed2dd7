"""The first rows of a database table or query, with a sentence above them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.theme import error_style
from desktop.widgets.table_model import DataFrameModel, data_grid

if TYPE_CHECKING:
    from engine.sources.base import LoadedTable

PREVIEW_ROWS = 100
HINT = f"The first {PREVIEW_ROWS} rows of your choice show here."


def answer_label(text: str) -> QLabel:
    """A word-wrapped label that keeps room for two lines (a wrapped label in a squeezed
    layout is otherwise cut to one)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    label.setMinimumHeight(label.fontMetrics().lineSpacing() * 2 + 4)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class PreviewBox(QWidget):
    """A sentence (or the engine's refusal, in red) above a virtual grid of the rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = answer_label(HINT)
        self.model = DataFrameModel(parent=self)
        self.grid = data_grid(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.grid, 1)

    def clear(self, text: str = HINT) -> None:
        self.model.set_frame(None)
        self.label.setStyleSheet("")
        self.label.setText(text)
        self.label.setToolTip("")

    def show_rows(self, loaded: LoadedTable, what: str) -> str:
        """Show the rows read from ``what`` ("table customers"); returns the sentence."""
        frame = loaded.frame
        rows = len(frame)
        text = (
            f"The first {rows:,} rows" if rows == PREVIEW_ROWS else f"All {rows:,} rows"
        ) + f" of {what}, {frame.shape[1]} columns."
        self.model.set_frame(frame)
        self.label.setStyleSheet("")
        self.label.setText(text)
        # How the values were read ("dates written dd/mm/yyyy"...), on hover.
        self.label.setToolTip("\n".join(loaded.report.notes))
        return text

    def show_error(self, message: str) -> None:
        self.model.set_frame(None)
        self.label.setStyleSheet(error_style())
        self.label.setText(message)
