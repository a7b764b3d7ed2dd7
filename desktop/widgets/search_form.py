"""The Train step's settings: which model families to try, for how long, and on how many cores.

Only the families that are installed and can train the problem's task are offered, each
with its plain-words description as a tooltip; the catalog's defaults are ticked.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from engine.problem.definition import Task
    from engine.training.search import SearchSettings

_KEY = Qt.ItemDataRole.UserRole
DEFAULT_BUDGET = 60


class SearchForm(QWidget):
    """Model families (checkable list), time budget, max models, seed and CPU cores."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.families = QListWidget()
        self.families.setToolTip(
            "The kinds of model to try. Hover one to read what it does; the ticked ones are "
            "a good start."
        )
        self.budget = QSpinBox()
        self.budget.setRange(5, 24 * 3600)
        self.budget.setValue(DEFAULT_BUDGET)
        self.budget.setSuffix(" s")
        self.budget.setToolTip(
            "How long the whole run may take, in seconds: the search, refitting the best "
            "model on all rows, and its evaluation. When time is up the best model so far is "
            "used; families that had no time to run are listed as skipped."
        )
        self.max_models = QSpinBox()
        self.max_models.setRange(0, 10_000)
        self.max_models.setSpecialValueText("No limit")
        self.max_models.setToolTip(
            "Stop after trying this many models (the baseline not counted); the time budget "
            "still applies."
        )
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip(
            "A number that fixes every random choice: the same seed on the same data gives "
            "the same models and the same leaderboard."
        )
        cores = os.cpu_count() or 1
        self.cores = QSpinBox()
        self.cores.setRange(0, cores)
        self.cores.setSpecialValueText(f"All ({cores})")
        self.cores.setToolTip(
            "How many processor cores the search may use; fewer leaves the computer more "
            "responsive for other work."
        )
        form = QFormLayout()
        form.addRow("Time budget", self.budget)
        form.addRow("Most models", self.max_models)
        form.addRow("Seed", self.seed)
        form.addRow("CPU cores", self.cores)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Model families</b>"))
        layout.addWidget(self.families, 1)
        layout.addLayout(form)
        self.set_task(None)

    def set_task(self, task: Task | None) -> None:
        """Offer the families that can train ``task`` (none without a task)."""
        self.families.clear()
        if task is None:
            return
        from engine.training.catalog import DEFAULT_FAMILIES, FAMILIES

        usable = [f for f in FAMILIES.values() if f.available and task in f.tasks]
        defaults = [f.key for f in usable if f.key in DEFAULT_FAMILIES] or [f.key for f in usable]
        order = {key: i for i, key in enumerate(DEFAULT_FAMILIES)}
        for family in sorted(usable, key=lambda f: order.get(f.key, len(order))):
            item = QListWidgetItem(family.label)
            item.setData(_KEY, family.key)
            item.setToolTip(family.description)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = family.key in defaults
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.families.addItem(item)

    def offered(self) -> list[str]:
        """The keys of the families on offer, in list order."""
        return [self.families.item(i).data(_KEY) for i in range(self.families.count())]

    def chosen(self) -> tuple[str, ...]:
        """The keys of the ticked families, in search order."""
        return tuple(
            self.families.item(i).data(_KEY)
            for i in range(self.families.count())
            if self.families.item(i).checkState() == Qt.CheckState.Checked
        )

    def choose(self, keys: tuple[str, ...]) -> None:
        """Tick exactly the families in ``keys`` (the others are unticked)."""
        for i in range(self.families.count()):
            item = self.families.item(i)
            state = Qt.CheckState.Checked if item.data(_KEY) in keys else Qt.CheckState.Unchecked
            item.setCheckState(state)

    def settings(self, recipe: dict[str, Any] | None = None) -> SearchSettings:
        """The search settings shown (``recipe`` from the Prepare step, or the defaults)."""
        from engine.training.search import SearchSettings

        return SearchSettings(
            time_budget=float(self.budget.value()),
            max_trials=self.max_models.value() or None,
            families=self.chosen(),
            seed=self.seed.value(),
            n_jobs=self.cores.value() or None,
            recipe=recipe,
        )
