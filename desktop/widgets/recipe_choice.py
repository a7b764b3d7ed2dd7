"""The Prepare step's choice: each family's default recipe, or one recipe for every model.

Two radio buttons, the "Use this choice" button and a line saying what is saved. The widget
shows the state the panel gives it (:meth:`RecipeChoice.show_state`); the panel decides.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

NOTHING_SAVED = object()
"""``saved`` for :meth:`RecipeChoice.show_state` when no choice was saved yet."""

DEFAULT_TIP = (
    "Each model family gets the recipe that suits it: for example numbers are scaled for "
    "linear models but not for trees, and boosting handles missing values itself."
)
CUSTOM_TIP = "Every model family is trained on exactly the recipe shown, with your changes."


class RecipeChoice(QGroupBox):
    """Default recipe per family (recommended) or this recipe for every model; save it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Which recipe should training use?", parent)
        self.default_radio = QRadioButton("Use the default recipe for each model (recommended)")
        self.default_radio.setToolTip(DEFAULT_TIP)
        self.custom_radio = QRadioButton("Use this recipe for every model")
        self.custom_radio.setToolTip(CUSTOM_TIP)
        self._modes = QButtonGroup(self)
        self._modes.addButton(self.default_radio)
        self._modes.addButton(self.custom_radio)
        self.default_radio.setChecked(True)
        self.use_button = QPushButton("Use this choice")
        self.use_button.setToolTip("Save the choice in the project; training uses it.")
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        rows = QVBoxLayout(self)
        rows.addWidget(self.default_radio)
        rows.addWidget(self.custom_radio)
        save_row = QHBoxLayout()
        save_row.addWidget(self.saved_label, 1)
        save_row.addWidget(self.use_button)
        rows.addLayout(save_row)

    @property
    def custom(self) -> bool:
        """True when "this recipe for every model" is chosen."""
        return self.custom_radio.isChecked()

    def set_custom(self, custom: bool) -> None:
        (self.custom_radio if custom else self.default_radio).setChecked(True)

    def show_state(self, saved: Any, choice: dict[str, Any] | None, *, ready: bool,
                   can_save: bool, trained: bool = False) -> None:
        """Say what is saved (``NOTHING_SAVED``, None or a recipe) against ``choice``;
        ``trained``: a model was already trained on this table (with the defaults, when
        nothing was saved)."""
        changed = saved is NOTHING_SAVED or saved != choice
        self.use_button.setEnabled(ready and can_save and changed)
        words = ("the default recipe for each model" if saved is None
                 else "this recipe for every model")
        if saved is NOTHING_SAVED and trained:
            text = ("Training used the default recipe for each model. To train on your own "
                    "recipe, choose “this recipe for every model” and press “Use this choice”.")
        elif saved is NOTHING_SAVED:
            text = ("No choice made yet: training uses the default recipe for each model "
                    "unless you choose otherwise and press “Use this choice”.")
        elif not changed:
            text = f"Saved in the project: training uses {words}."
        else:
            text = f"Saved: {words}. Press “Use this choice” to keep your changes."
        self.saved_label.setText(text if ready else "")
