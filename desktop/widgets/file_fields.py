"""A path field with its "Choose…" button, as the Deploy and Monitor forms lay them out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton


def chooser_row(
    edit: QLineEdit, button_tip: str, ask: Callable[[], object]
) -> tuple[QHBoxLayout, QPushButton]:
    """``edit`` and a "Choose…" button that calls ``ask``, in one row for a form."""
    button = QPushButton("Choose…")
    button.setToolTip(button_tip)
    button.clicked.connect(ask)
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row, button


def dialog_start(edit: QLineEdit) -> str:
    """Where a file dialog for ``edit`` opens: the folder of its file, else the home folder."""
    text = edit.text().strip()
    return str(Path(text).expanduser().parent) if text else str(Path.home())
