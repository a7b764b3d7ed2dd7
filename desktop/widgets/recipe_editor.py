"""The recipe as an editable list of steps: add, edit, remove, move up, move down.

Each row says what the step does in plain words (the engine's sentence) with its kind, columns
and settings underneath. The editor holds the recipe as the JSON dict the engine reads
(``{"version": 1, "steps": [...]}``); :attr:`RecipeEditor.changed` fires after each edit the
user makes (never when a recipe is loaded with :meth:`RecipeEditor.set_recipe`).
"""

from __future__ import annotations

import copy
import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.details import Details
from desktop.widgets.recipe_columns import InputList, describe_step, step_detail


class RecipeEditor(QWidget):
    """The steps of one recipe, with the buttons to change them."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._steps: list[dict[str, Any]] = []
        self._inputs: list[tuple[str, str]] = []
        self.steps_view = QListWidget()
        self.steps_view.setWordWrap(True)
        self.steps_view.setAlternatingRowColors(True)
        self.steps_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.steps_view.setToolTip(
            "The recipe: what is done to the columns, in order, before the model sees them. "
            "Every step here can be exported with the model."
        )
        self.steps_view.currentRowChanged.connect(lambda _row: self._enable())
        self.steps_view.itemDoubleClicked.connect(lambda _item: self.edit_current())
        self.add_button = QPushButton("Add step…")
        self.add_button.setToolTip("Add a step after the selected one (or at the end).")
        self.add_button.clicked.connect(self.add_with_dialog)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Change the selected step's kind, columns or settings.")
        self.edit_button.clicked.connect(self.edit_current)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected step.")
        self.remove_button.clicked.connect(lambda: self.remove_step(self.steps_view.currentRow()))
        self.up_button = QPushButton("Move up")
        self.up_button.setToolTip("Run the selected step earlier.")
        self.up_button.clicked.connect(lambda: self.move_step(self.steps_view.currentRow(), -1))
        self.down_button = QPushButton("Move down")
        self.down_button.setToolTip("Run the selected step later.")
        self.down_button.clicked.connect(lambda: self.move_step(self.steps_view.currentRow(), 1))
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button, self.up_button,
                       self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.details = Details("Details: the selected step's settings")
        layout.addWidget(self.steps_view, 1)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        self._enable()

    # -- content ---------------------------------------------------------------------------

    def set_recipe(self, recipe: dict[str, Any] | None, inputs: InputList = ()) -> None:
        """Show ``recipe`` (a recipe dict); ``inputs`` are the model inputs (name, kind)."""
        self._inputs = list(inputs) or self._inputs
        self._steps = copy.deepcopy(list((recipe or {}).get("steps", [])))
        self._refresh(0 if self._steps else -1)

    def recipe(self) -> dict[str, Any]:
        """The recipe as shown, as the engine's JSON dict."""
        from engine.recipe.spec import RECIPE_VERSION

        return {"version": RECIPE_VERSION, "steps": copy.deepcopy(self._steps)}

    @property
    def steps(self) -> list[dict[str, Any]]:
        """A copy of the steps."""
        return copy.deepcopy(self._steps)

    # -- edits (the buttons call these; so can tests) --------------------------------------

    def add_step(self, step: dict[str, Any], at: int | None = None) -> None:
        """Insert ``step`` at ``at`` (default: the end)."""
        at = len(self._steps) if at is None else max(0, min(at, len(self._steps)))
        self._steps.insert(at, copy.deepcopy(step))
        self._edited(at)

    def replace_step(self, row: int, step: dict[str, Any]) -> None:
        """Put ``step`` in place of the step at ``row``."""
        if 0 <= row < len(self._steps):
            self._steps[row] = copy.deepcopy(step)
            self._edited(row)

    def remove_step(self, row: int) -> None:
        """Remove the step at ``row``."""
        if 0 <= row < len(self._steps):
            del self._steps[row]
            self._edited(min(row, len(self._steps) - 1))

    def move_step(self, row: int, delta: int) -> None:
        """Move the step at ``row`` by ``delta`` places (-1: up, 1: down)."""
        target = row + delta
        if 0 <= row < len(self._steps) and 0 <= target < len(self._steps):
            self._steps[row], self._steps[target] = self._steps[target], self._steps[row]
            self._edited(target)

    def add_with_dialog(self) -> None:
        """Ask for a new step and insert it after the selected one."""
        row = self.steps_view.currentRow()
        at = row + 1 if row >= 0 else len(self._steps)
        dialog = self._dialog(at, None)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_step(dialog.step(), at)

    def edit_current(self) -> None:
        """Edit the selected step in the dialog."""
        row = self.steps_view.currentRow()
        if 0 <= row < len(self._steps):
            dialog = self._dialog(row, self._steps[row])
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.replace_step(row, dialog.step())

    def _dialog(self, index: int, step: dict[str, Any] | None) -> QDialog:
        from desktop.widgets.recipe_step_dialog import RecipeStepDialog

        return RecipeStepDialog(self._inputs, self._steps, index, step, self)

    # -- display ---------------------------------------------------------------------------

    def _edited(self, select: int) -> None:
        self._refresh(select)
        self.changed.emit()

    def _refresh(self, select: int) -> None:
        self.steps_view.clear()
        for number, step in enumerate(self._steps, start=1):
            # Plain words in the list; the step's kind and parameters under "Details".
            item = QListWidgetItem(f"{number}. {describe_step(step)}")
            item.setToolTip(_tooltip(step))
            self.steps_view.addItem(item)
        if 0 <= select < len(self._steps):
            self.steps_view.setCurrentRow(select)
        self._enable()

    def _enable(self) -> None:
        row = self.steps_view.currentRow()
        chosen = 0 <= row < len(self._steps)
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)
        self.up_button.setEnabled(chosen and row > 0)
        self.down_button.setEnabled(chosen and row < len(self._steps) - 1)
        step = self._steps[row] if chosen else None
        self.details.set_text(
            html.escape(step_detail(step)) + "<br>" + "<br>".join(
                html.escape(line) for line in _tooltip(step).splitlines()[2:])
            if step is not None else "")


def _tooltip(step: dict[str, Any]) -> str:
    columns: Sequence[str] = step.get("columns", ())
    lines = [describe_step(step), "", f"Step kind: {step.get('kind')}"]
    if columns:
        lines.append("Columns: " + ", ".join(columns))
    for name, value in (step.get("params") or {}).items():
        lines.append(f"{name}: {value}")
    return "\n".join(lines)
