"""The status bar's job area: what is running, how far it got, and a Cancel button.

The job's words are cut to a fixed width (with "…", the whole text in the tooltip): a long
file name or progress message must never widen the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from desktop.tasks import TaskRunner
from desktop.widgets.fitting_text import ElidedLabel

LABEL_WIDTH = 380  # pixels for the job's words, whatever their length


class JobStatus(QWidget):
    """Shows the runner's current task; hidden when nothing runs."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.label = ElidedLabel(elide=Qt.TextElideMode.ElideMiddle)
        self.label.setFixedWidth(LABEL_WIDTH)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(200)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job; nothing half-done is kept.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.cancel)
        runner.changed.connect(self._refresh)
        runner.progress.connect(self._show_progress)
        self._refresh()

    def cancel(self) -> None:
        """Cancel every running job (the button)."""
        self._runner.cancel_all()
        self.label.setText("Cancelling…")
        self.cancel_button.setEnabled(False)

    def _refresh(self) -> None:
        task = self._runner.current
        self.setVisible(task is not None)
        if task is not None:
            self.label.setText(task.label + "…")
            self.bar.setValue(0)
            self.cancel_button.setEnabled(not task.cancel_token.cancelled)

    def _show_progress(self, fraction: float, message: str) -> None:
        task = self._runner.current
        if task is None:
            return
        self.bar.setValue(round(min(max(fraction, 0.0), 1.0) * 1000))
        self.label.setText(f"{task.label}: {message}" if message else task.label)
