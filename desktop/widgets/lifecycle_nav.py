"""The left navigation: the lifecycle steps, each with its status.

Only the steps that exist in this version can be chosen; the others say plainly that they
arrive in a later version instead of pretending to work. Status icons are the SVG files of
``resources/icons`` (sharp on high-DPI screens).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from desktop.icons import icon

STEPS = ["Data", "Problem", "Prepare", "Train", "Evaluate", "Deploy", "Monitor"]
AVAILABLE = {"Data", "Problem", "Prepare", "Train", "Evaluate", "Deploy", "Monitor"}
_QUESTIONS = {
    "Data": "Where is the data, and what is in it?",
    "Problem": "What do we predict, and what kind of task is it?",
    "Prepare": "Cleaning and feature engineering.",
    "Train": "Which algorithm, which settings?",
    "Evaluate": "Is the model good enough on data it has not seen?",
    "Deploy": "Hand the model to another team as an ONNX file.",
    "Monitor": "Has new data drifted from what the model learned on?",
}
_STATUS_ROLE = Qt.ItemDataRole.UserRole
_STATUS_ICONS = {"done": "done", "to do": "todo", "out of date": "stale", "waiting": "waiting"}


class LifecycleNav(QListWidget):
    """One row per step: its name and status ("done", "to do", "waiting")."""

    step_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIconSize(QSize(18, 18))
        self.setSpacing(2)
        self.setFixedWidth(170)
        for step in STEPS:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole + 1, step)
            if step not in AVAILABLE:
                # Visible but not selectable: the user sees the whole path ahead.
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(item)
            self.set_status(step, "to do" if step in AVAILABLE else "waiting")
        self.currentItemChanged.connect(self._changed)
        self.setCurrentRow(0)

    def set_status(self, step: str, status: str) -> None:
        """Show ``status`` ("done", "to do", "out of date", "waiting") under ``step``."""
        item = self.item(STEPS.index(step))
        item.setData(_STATUS_ROLE, status)
        item.setText(f"{step}\n{status}")
        item.setIcon(icon(_STATUS_ICONS.get(status, "waiting")))
        tip = _QUESTIONS[step]
        if status == "out of date":
            tip += "\nOut of date: an earlier step changed since this one was done; run it again."
        if step not in AVAILABLE:
            tip += "\nThis step arrives in a later version of Gristmill."
        item.setToolTip(tip)

    def status(self, step: str) -> str:
        """The status shown for ``step``."""
        return str(self.item(STEPS.index(step)).data(_STATUS_ROLE))

    def _changed(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self.step_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole + 1)))
