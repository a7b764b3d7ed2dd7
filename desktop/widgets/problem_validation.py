"""The Problem step's validation plan: how rows are split to test the models honestly.

A split kind (random, time-ordered by a date column, grouped by an entity column), the share
of rows kept aside for the final check (the holdout) and the number of folds of the search.
Each user change emits :attr:`ValidationEditor.plan_changed` with the new
:class:`~engine.problem.definition.ValidationPlan` and whether the engine must look again
(a new split kind or column changes what the leakage guard compares; the holdout share and the
folds do not). Filling it never emits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QWidget

if TYPE_CHECKING:
    from engine.problem.definition import ValidationPlan

SPLITS = ("stratified", "time", "group")
SPLIT_WORDS = {
    "stratified": ("Random", "Rows are drawn at random for the test (for classes, each keeps "
                   "its share on both sides). Right when the order of rows in time does not "
                   "matter."),
    "time": ("Time-ordered", "The model trains on older rows and is tested on the newest ones, "
             "ordered by a date column: the way it will be used on future rows."),
    "group": ("Grouped", "Rows of the same entity (for example the same customer) stay on one "
              "side, so the model is never tested on an entity it has already seen."),
}
HOLDOUT_TIP = (
    "The share of rows kept aside and never seen during the search: the final model is "
    "checked on them, which tells how it will do on new rows."
)
FOLDS_TIP = (
    "The search tests each candidate several times: the remaining rows are cut into this many "
    "parts ('folds'), each part in turn is the test while the others train, and the scores are "
    "averaged. More folds: steadier scores, slower search."
)


class ValidationEditor(QGroupBox):
    """Split kind, date or group column, holdout share and folds."""

    plan_changed = Signal(object, bool)  # ValidationPlan, whether to ask the engine again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("How to test a model", parent)
        self.split_combo = QComboBox()
        for index, kind in enumerate(SPLITS):
            label, tip = SPLIT_WORDS[kind]
            self.split_combo.addItem(label, kind)
            self.split_combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.split_combo.currentIndexChanged.connect(lambda _i: self._changed(True))
        self.date_combo = QComboBox()
        self.date_combo.setToolTip("The date that orders the rows (the moment of prediction).")
        self.date_combo.currentIndexChanged.connect(lambda _i: self._changed(True))
        self.group_combo = QComboBox()
        self.group_combo.setToolTip("The column naming the entity whose rows belong together.")
        self.group_combo.currentIndexChanged.connect(lambda _i: self._changed(True))
        self.holdout_spin = QSpinBox()
        self.holdout_spin.setRange(5, 50)
        self.holdout_spin.setSuffix(" % of rows")
        self.holdout_spin.setToolTip(HOLDOUT_TIP)
        self.holdout_spin.valueChanged.connect(lambda _v: self._changed(False))
        self.folds_spin = QSpinBox()
        self.folds_spin.setRange(2, 10)
        self.folds_spin.setToolTip(FOLDS_TIP)
        self.folds_spin.valueChanged.connect(lambda _v: self._changed(False))
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)

        form = QFormLayout(self)
        split_label = QLabel("Split:")
        split_label.setToolTip("How rows are divided between training and testing.")
        form.addRow(split_label, self.split_combo)
        form.addRow("", self.explanation)
        self._date_label = QLabel("Date column:")
        form.addRow(self._date_label, self.date_combo)
        self._group_label = QLabel("Group column:")
        form.addRow(self._group_label, self.group_combo)
        holdout_label = QLabel("Kept for the final check:")
        holdout_label.setToolTip(HOLDOUT_TIP)
        form.addRow(holdout_label, self.holdout_spin)
        folds_label = QLabel("Folds:")
        folds_label.setToolTip(FOLDS_TIP)
        form.addRow(folds_label, self.folds_spin)

    def fill(
        self,
        plan: ValidationPlan,
        date_columns: Sequence[str],
        group_columns: Sequence[str],
    ) -> None:
        """Show ``plan``; the time split is offered only when there is a date column."""
        widgets = (self.split_combo, self.date_combo, self.group_combo, self.holdout_spin,
                   self.folds_spin)
        blockers = [QSignalBlocker(widget) for widget in widgets]
        self.date_combo.clear()
        self.date_combo.addItems(list(date_columns))
        self.group_combo.clear()
        self.group_combo.addItems(list(group_columns))
        time_item = self.split_combo.model().item(SPLITS.index("time"))
        time_item.setEnabled(bool(date_columns))
        time_item.setToolTip(SPLIT_WORDS["time"][1] if date_columns
                             else "The table has no date column to order the rows by.")
        self.split_combo.setCurrentIndex(SPLITS.index(plan.kind.value))
        if plan.date_column:
            self.date_combo.setCurrentText(plan.date_column)
        if plan.group_column:
            self.group_combo.setCurrentText(plan.group_column)
        self.holdout_spin.setValue(round(plan.holdout_fraction * 100))
        self.folds_spin.setValue(plan.folds)
        self._show_kind(plan.kind.value)
        del blockers

    def plan(self) -> ValidationPlan:
        """The plan the controls show."""
        from engine.problem.definition import SplitKind, ValidationPlan

        kind = SplitKind(self.split_combo.currentData())
        date = self.date_combo.currentText() if kind is SplitKind.TIME else ""
        group = self.group_combo.currentText() if kind is SplitKind.GROUP else ""
        return ValidationPlan(
            kind=kind,
            holdout_fraction=self.holdout_spin.value() / 100,
            folds=self.folds_spin.value(),
            date_column=date or None,
            group_column=group or None,
        )

    def _show_kind(self, kind: str) -> None:
        self.explanation.setText(SPLIT_WORDS[kind][1])
        self.split_combo.setToolTip(SPLIT_WORDS[kind][1])
        for widget in (self._date_label, self.date_combo):
            widget.setVisible(kind == "time")
        for widget in (self._group_label, self.group_combo):
            widget.setVisible(kind == "group")

    def _changed(self, redefine: bool) -> None:
        self._show_kind(str(self.split_combo.currentData()))
        self.plan_changed.emit(self.plan(), redefine)
