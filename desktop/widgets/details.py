"""A "Details" expander: plain words first, the technical figures one click away.

A small arrow button ("Details") shows or hides a word-wrapped label holding the figures a
business user does not need to decide (PSI, p-values, parity differences, recipe
parameters). Closed by default; hidden altogether while it has nothing to show.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton, QVBoxLayout, QWidget


class Details(QWidget):
    """The "Details" button and, when open, the technical text below it."""

    def __init__(self, title: str = "Details", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button = QToolButton()
        self.button.setText(title)
        self.button.setCheckable(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setArrowType(Qt.ArrowType.RightArrow)
        self.button.setAutoRaise(True)
        self.button.toggled.connect(self._toggled)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.body)
        self.set_text("")

    def set_text(self, text: str) -> None:
        """The technical text (rich text); empty hides the whole expander."""
        self.body.setText(text)
        self.setVisible(bool(text))

    def text(self) -> str:
        return self.body.text()

    @property
    def open(self) -> bool:
        """True while the details are shown."""
        return self.button.isChecked()

    def _toggled(self, on: bool) -> None:
        self.button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.body.setVisible(on)
