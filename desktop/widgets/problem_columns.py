"""The Problem step's columns: the leakage guard's findings and the features the model uses.

Two tick lists that say the same thing from two angles: the findings ("possible leakage",
each left out unless the user ticks "keep") and every column but the target (ticked = the model
learns from it). Ticking or unticking emits :attr:`ColumnChoices.use_changed` with the column
and whether to use it; the panel asks the engine again. Free text and identifier columns
cannot be model inputs, so their boxes are disabled with the reason in the tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.kind_words import KIND_WORDS  # one vocabulary with Data

if TYPE_CHECKING:
    from engine.problem.define import ProblemProposal
    from engine.problem.definition import Problem
    from engine.profile.schema import Schema

_COLUMN = Qt.ItemDataRole.UserRole
NOT_INPUT_TIP = (
    "{name} is {kind}: it cannot be a model input. If it really holds a few repeated "
    "values, change its kind in the Data step."
)
LEAKAGE_TIP = (
    "The leakage guard flags columns that would let a model cheat: a copy of the target, a "
    "value recorded after the outcome, or a row identifier. A model using them looks perfect "
    "in testing and fails on new rows. They are left out unless you keep them."
)


class ColumnChoices(QGroupBox):
    """Possible leakage (keep?) and the columns used as features (use?)."""

    use_changed = Signal(str, bool)  # column, use it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Columns the model learns from", parent)
        self.findings_title = QLabel()
        self.findings_title.setWordWrap(True)
        self.findings_title.setToolTip(LEAKAGE_TIP)
        self.findings = _FittedList()
        self.findings.setWordWrap(True)
        self.findings.setToolTip(LEAKAGE_TIP)
        self.findings.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.findings.itemChanged.connect(self._finding_ticked)
        self.features = QListWidget()
        self.features.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.features.setToolTip("Ticked columns are used by the model; untick one to leave "
                                 "it out.")
        self.features.itemChanged.connect(self._feature_ticked)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.findings_title)
        layout.addWidget(self.findings)
        layout.addWidget(QLabel("Columns (ticked = used by the model):"))
        layout.addWidget(self.features, 1)
        layout.addWidget(self.summary)

    def fill(self, problem: Problem, proposal: ProblemProposal, schema: Schema,
             columns: Sequence[str]) -> None:
        """Show the findings and every column but the target; emits nothing."""
        blockers = [QSignalBlocker(self.findings), QSignalBlocker(self.features)]
        used = set(problem.features)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.findings.clear()
        flagged: dict[str, str] = {}
        for finding in proposal.leakage:
            flagged[finding.column] = finding.reason
            item = QListWidgetItem(f"Keep {finding.column}: {finding.reason}")
            item.setData(_COLUMN, finding.column)
            item.setIcon(warning)
            self._checkable(item, finding.column in used, schema, finding.column)
            if item.flags() & Qt.ItemFlag.ItemIsEnabled:
                item.setToolTip(f"{finding.reason}\n\nTick to use {finding.column} anyway.")
            else:
                item.setText(f"{finding.column}: {finding.reason} (It cannot be used: "
                             "identifiers and free text are never model inputs.)")
            self.findings.addItem(item)
        if proposal.leakage:
            count = len(proposal.leakage)
            many = count != 1
            self.findings_title.setText(
                f"<b>Possible leakage</b>: {count} column{'s' if many else ''} left out "
                f"unless you keep {'them' if many else 'it'}:"
            )
        elif problem.target is None:
            self.findings_title.setText("No target, so there is no leakage to check.")
        else:
            self.findings_title.setText("The leakage guard found no suspicious column.")
        self.findings.setVisible(bool(proposal.leakage))
        self.findings.fit_rows()

        self.features.clear()
        for name in columns:
            if name == problem.target:
                continue
            kind = schema[name].kind.value if name in schema.names else "numeric"
            item = QListWidgetItem(f"{name}  ({KIND_WORDS.get(kind, kind)})")
            item.setData(_COLUMN, name)
            self._checkable(item, name in used, schema, name)
            if name in flagged:
                item.setIcon(warning)
                item.setToolTip(f"Possible leakage: {flagged[name]}")
            self.features.addItem(item)
        left_out = [n for n in columns if n not in used and n != problem.target]
        text = f"{len(used)} column{'s' if len(used) != 1 else ''} used"
        if left_out:
            text += f"; left out: {', '.join(left_out)}"
        self.summary.setText(text + ".")
        del blockers

    @staticmethod
    def _checkable(item: QListWidgetItem, used: bool, schema: Schema, name: str) -> None:
        flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
        kind = schema[name].kind.value if name in schema.names else "numeric"
        if kind in ("text", "identifier"):
            flags = Qt.ItemFlag.ItemIsUserCheckable  # shown, not changeable
            item.setToolTip(NOT_INPUT_TIP.format(name=name, kind=KIND_WORDS[kind]))
        item.setFlags(flags)
        item.setCheckState(Qt.CheckState.Checked if used else Qt.CheckState.Unchecked)

    def finding_item(self, column: str) -> QListWidgetItem | None:
        """The findings row of ``column`` (for tests and keyboard users), or None."""
        return _find(self.findings, column)

    def feature_item(self, column: str) -> QListWidgetItem | None:
        """The columns row of ``column``, or None (the target has none)."""
        return _find(self.features, column)

    def _finding_ticked(self, item: QListWidgetItem) -> None:
        self.use_changed.emit(str(item.data(_COLUMN)),
                              item.checkState() == Qt.CheckState.Checked)

    def _feature_ticked(self, item: QListWidgetItem) -> None:
        self.use_changed.emit(str(item.data(_COLUMN)),
                              item.checkState() == Qt.CheckState.Checked)


class _FittedList(QListWidget):
    """A list as tall as its (word-wrapped) rows, up to ``most`` pixels: no empty gap."""

    def __init__(self, most: int = 200) -> None:
        super().__init__()
        self._most = most

    def fit_rows(self) -> None:
        self.doItemsLayout()  # word-wrapped rows: their height depends on the width now
        rows = sum(self.visualItemRect(self.item(row)).height() for row in range(self.count()))
        self.setFixedHeight(min(self._most, max(rows, 24) + 2 * self.frameWidth() + 2))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_rows()


def _find(view: QListWidget, column: str) -> QListWidgetItem | None:
    for row in range(view.count()):
        item = view.item(row)
        if item.data(_COLUMN) == column:
            return item
    return None
