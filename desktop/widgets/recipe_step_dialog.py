"""The dialog that adds or edits one recipe step: its kind, its columns, its settings.

Only the engine's step kinds are offered (all exportable). Columns are a tick list of what the
step may name at its place (see :func:`desktop.widgets.recipe_columns.column_choices`); the
settings come from :data:`engine.recipe.params.STEP_PARAMS` with an editor fitting each one
(a list of choices, a whole number, a share, a yes/no box, or text). The sentence at the top
says what the step will do, in the engine's own words, as the user edits it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.recipe_columns import (
    STEP_WORDS,
    InputList,
    column_choices,
    date_parts,
    describe_step,
    step_kinds,
)

CHOICES = {("impute", "strategy"): ("median", "mean", "most_frequent", "constant"),
           ("bin", "strategy"): ("quantile", "uniform")}
WHOLE = {("one_hot", "min_frequency"): (1, 1_000_000), ("one_hot", "max_categories"): (1, 10_000),
         ("target_encode", "cv"): (2, 20), ("bin", "n_bins"): (2, 1000),
         ("select_k_best", "k"): (1, 100_000)}
SHARES = {("clip", "lower"): (0.0, 1.0), ("clip", "upper"): (0.0, 1.0),
          ("variance_threshold", "threshold"): (0.0, 1e12)}
TIPS = {
    "strategy": "How to fill in or cut: see the step's description above.",
    "fill_value": "The value filled in with the 'constant' strategy (a number for numbers, "
                  "text for categories). Empty: 0 for numbers, '(missing)' for categories.",
    "add_indicator": "Also add a yes/no column saying where a value was missing.",
    "min_frequency": "Categories seen in fewer rows than this count as 'other'.",
    "max_categories": "At most this many yes/no columns per column; rarer categories are "
                      "pooled into 'other'.",
    "smooth": "How far rare categories are pulled towards the overall average: 'auto', or a "
              "number (0: not at all).",
    "cv": "Folds used so that no row sees its own target (2 to 20).",
    "lower": "Lower cap, as a percentile share (0.01 = the 1st percentile).",
    "upper": "Upper cap, as a percentile share (0.99 = the 99th percentile).",
    "n_bins": "How many ranges.",
    "parts": "The parts each date becomes (none ticked: all of them).",
    "reference": "The date 'days since' counts from, as YYYY-MM-DD. Empty: the earliest date in "
                 "the training rows.",
    "name": "The new column's name. Empty: the usual name (for example 'a / b').",
    "threshold": "Features whose variance is at most this are removed (0: constant ones).",
    "k": "How many features to keep.",
}
Getter = Callable[[], Any]


def _editor(kind: str, name: str, value: Any, changed: Callable[[], None]) -> tuple[QWidget,
                                                                                   Getter]:
    """A widget editing one setting, and a function reading its value back."""
    key = (kind, name)
    if key in CHOICES:
        combo = QComboBox()
        combo.addItems(list(CHOICES[key]))
        combo.setCurrentText(str(value))
        combo.currentIndexChanged.connect(changed)
        return combo, combo.currentText
    if isinstance(value, bool):
        box = QCheckBox()
        box.setChecked(value)
        box.toggled.connect(changed)
        return box, box.isChecked
    if key in WHOLE and isinstance(value, int):
        spin = QSpinBox()
        spin.setRange(*WHOLE[key])
        spin.setValue(value)
        spin.valueChanged.connect(changed)
        return spin, spin.value
    if key in SHARES and isinstance(value, int | float):
        number = QDoubleSpinBox()
        number.setRange(*SHARES[key])
        number.setDecimals(4)
        number.setSingleStep(0.01)
        number.setValue(float(value))
        number.valueChanged.connect(changed)
        return number, number.value
    if key == ("date_parts", "parts"):
        parts = QListWidget()
        for part in date_parts():
            item = QListWidgetItem(part.replace("_", " "))
            item.setData(Qt.ItemDataRole.UserRole, part)
            item.setCheckState(Qt.CheckState.Checked if value and part in value
                               else Qt.CheckState.Unchecked)
            parts.addItem(item)
        parts.setFixedHeight(parts.sizeHintForRow(0) * len(date_parts()) + 6)
        parts.itemChanged.connect(changed)
        return parts, lambda: _ticked(parts) or None
    line = QLineEdit("" if value is None else str(value))
    line.setPlaceholderText("(empty)")
    line.textChanged.connect(changed)
    return line, lambda: _parse(name, line.text())


def _parse(name: str, text: str) -> Any:
    """Text typed in a setting box as the JSON value the engine expects."""
    text = text.strip()
    if not text:
        return None
    if name in ("fill_value", "smooth"):
        for number in (int, float):
            try:
                return number(text)
            except ValueError:
                continue
    return text


def _ticked(view: QListWidget) -> list[str]:
    return [str(view.item(row).data(Qt.ItemDataRole.UserRole)) for row in range(view.count())
            if view.item(row).checkState() == Qt.CheckState.Checked]


class RecipeStepDialog(QDialog):
    """Add or edit the step at ``index`` of ``steps`` (``step`` None: a new one)."""

    def __init__(self, inputs: InputList, steps: Sequence[dict[str, Any]], index: int,
                 step: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit a recipe step" if step else "Add a recipe step")
        self._inputs, self._steps, self._index = list(inputs), list(steps), index
        self._original = dict(step or {"kind": "impute", "columns": [], "params": {}})
        self._getters: dict[str, Getter] = {}
        self.kind_combo = QComboBox()
        for position, kind in enumerate(step_kinds()):
            label, tip = STEP_WORDS.get(kind, (kind, ""))
            self.kind_combo.addItem(f"{label} ({kind})", kind)
            self.kind_combo.setItemData(position, tip, Qt.ItemDataRole.ToolTipRole)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.columns = QListWidget()
        self.columns.setToolTip("Tick the columns this step applies to.")
        self.columns.itemChanged.connect(self._update)
        self.columns_note = QLabel()
        self.columns_note.setWordWrap(True)
        self.settings = QWidget()
        self.settings_form = QFormLayout(self.settings)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Step:", self.kind_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.description)
        layout.addWidget(QLabel("<b>Columns</b>"))
        layout.addWidget(self.columns_note)
        layout.addWidget(self.columns, 1)
        layout.addWidget(QLabel("<b>Settings</b>"))
        layout.addWidget(self.settings)
        layout.addWidget(buttons)
        self.resize(520, 560)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(self._original["kind"])))
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._rebuild())
        self._rebuild()

    def set_kind(self, kind: str) -> None:
        """Choose the step kind (as the combo box does)."""
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def tick_columns(self, names: Sequence[str]) -> None:
        """Tick exactly ``names`` among the offered columns."""
        for row in range(self.columns.count()):
            item = self.columns.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.text() in names
                               else Qt.CheckState.Unchecked)

    def step(self) -> dict[str, Any]:
        """The step as the recipe JSON holds it (settings left at their default are omitted,
        unless the original step spelled them out)."""
        from engine.recipe.params import STEP_PARAMS

        kind = str(self.kind_combo.currentData())
        defaults = STEP_PARAMS.get(kind, {})
        kept = self._original.get("params", {}) if self._original.get("kind") == kind else {}
        params = {}
        for name, getter in self._getters.items():
            value = getter()
            if name in kept or value != defaults.get(name):
                params[name] = value
        columns = [self.columns.item(row).text() for row in range(self.columns.count())
                   if self.columns.item(row).checkState() == Qt.CheckState.Checked]
        return {"kind": kind, "columns": columns, "params": params}

    def _rebuild(self) -> None:
        from engine.recipe.params import STEP_PARAMS

        kind = str(self.kind_combo.currentData())
        ticked = set(self.step()["columns"]) if self.columns.count() else set(
            self._original.get("columns", ()))
        offered = column_choices(self._inputs, self._steps, self._index, kind)
        offered += [name for name in self._original.get("columns", ()) if name not in offered
                    and kind not in ("variance_threshold", "select_k_best")]
        self.columns.blockSignals(True)
        self.columns.clear()
        for name in offered:
            item = QListWidgetItem(name)
            item.setCheckState(Qt.CheckState.Checked if name in ticked else Qt.CheckState.Unchecked)
            self.columns.addItem(item)
        self.columns.blockSignals(False)
        self.columns.setVisible(bool(offered))
        self.columns_note.setText(
            "This step acts on all the features at the end, after every other step."
            if kind in ("variance_threshold", "select_k_best")
            else "Exactly two number columns." if kind in ("ratio", "difference")
            else "" if offered else "No column of the kind this step reads.")
        self.columns_note.setVisible(bool(self.columns_note.text()))
        while self.settings_form.rowCount():
            self.settings_form.removeRow(0)
        self._getters = {}
        same = self._original.get("kind") == kind
        values = {**STEP_PARAMS.get(kind, {}), **(self._original.get("params", {}) if same
                                                  else {})}
        for name, value in values.items():
            widget, getter = _editor(kind, name, value, self._update)
            widget.setToolTip(TIPS.get(name, ""))
            label = QLabel(name.replace("_", " ") + ":")
            label.setToolTip(TIPS.get(name, ""))
            self.settings_form.addRow(label, widget)
            self._getters[name] = getter
        if not values:
            self.settings_form.addRow(QLabel("This step has no settings."))
        self.kind_combo.setToolTip(STEP_WORDS.get(kind, ("", ""))[1])
        self._update()

    def _update(self, *_args: object) -> None:
        self.description.setText(describe_step(self.step()))
