"""What to check: the model file and the file of new rows, and the Check / Cancel buttons.

The model is pre-filled with the project's latest export (or the model just exported); a
sentence under it says where it came from, or that the exported file is no longer on disk.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.theme import error_color
from desktop.widgets.file_drops import DATA_FILTER, MODEL_FILTER
from desktop.widgets.file_fields import chooser_row, dialog_start
from desktop.widgets.fitting_text import ElidedLabel

if TYPE_CHECKING:
    from engine.project.store_exports import ExportRecord

MODEL_TIP = (
    "The exported model (.onnx) to check. Its file holds a summary of the data it was trained "
    "on (the drift reference), so the training data is not needed."
)
DATA_TIP = (
    "The file of new rows, e.g. this month's extract. It needs the model's columns; if it also "
    "has the column the model predicts, Gristmill measures how well the model does on it."
)
CHECK_TIP = (
    "Compare the new rows with what the model learned from, column by column and on the "
    "model's own scores, and record the check so later checks show the trend."
)


class MonitorInputs(QWidget):
    """The two files, the buttons and the progress; ``check_requested`` on "Check for drift"."""

    check_requested = Signal()
    cancel_requested = Signal()
    model_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_edit = QLineEdit()
        self.model_edit.setPlaceholderText("An exported .onnx model")
        self.model_edit.setToolTip(MODEL_TIP)
        self.model_edit.textChanged.connect(self.model_changed)
        model_row, self.model_button = chooser_row(
            self.model_edit, "Choose an exported model file (.onnx).", self.ask_model)
        self.model_note = QLabel()
        self.model_note.setWordWrap(True)
        self.model_note.setTextFormat(Qt.TextFormat.RichText)
        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText("CSV, Excel, Parquet or JSON lines with new rows")
        self.data_edit.setToolTip(DATA_TIP)
        data_row, self.data_button = chooser_row(
            self.data_edit, "Choose the file of new rows.", self.ask_data)
        form = self._form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        model_label, data_label = QLabel("Model"), QLabel("New data")
        model_label.setToolTip(MODEL_TIP)
        data_label.setToolTip(DATA_TIP)
        form.addRow(model_label, model_row)
        form.addRow("", self.model_note)
        form.addRow(data_label, data_row)

        self.check_button = QPushButton("Check for drift")
        self.check_button.setToolTip(CHECK_TIP)
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.check_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the check; nothing is recorded.")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        # One line, cut to fit: the last message is the verdict's headline, and a plain
        # label that long widened the window to 1,843 px during a check.
        self.progress_text = ElidedLabel()
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.progress_text, 1)
        self._spacer = QWidget()  # keeps the buttons compact while the bar is hidden
        buttons.addWidget(self._spacer, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.set_model_note("")
        self.set_busy(False)

    # -- the files -------------------------------------------------------------------------

    @property
    def model_path(self) -> Path | None:
        text = self.model_edit.text().strip()
        return Path(text).expanduser() if text else None

    @property
    def data_path(self) -> Path | None:
        text = self.data_edit.text().strip()
        return Path(text).expanduser() if text else None

    def set_model_file(self, path: Path | str, note: str = "") -> None:
        """Use ``path`` as the model; ``note`` (rich text) says where it came from."""
        self.model_edit.setText(str(path))
        self.set_model_note(note)

    def set_model_note(self, note: str) -> None:
        self.model_note.setText(note)
        self._form.setRowVisible(self.model_note, bool(note))  # no gap when there is none

    def set_data_file(self, path: Path | str) -> None:
        self.data_edit.setText(str(path))

    def ask_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the model to check", dialog_start(self.model_edit), MODEL_FILTER)
        if path:
            self.set_model_file(path)

    def ask_data(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the new data", dialog_start(self.data_edit), DATA_FILTER)
        if path:
            self.set_data_file(path)

    # -- running ---------------------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        """Lock the form while a check runs; show the progress and Cancel."""
        for widget in (self.model_edit, self.model_button, self.data_edit, self.data_button,
                       self.check_button):
            widget.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        self.progress_text.setVisible(busy)
        self._spacer.setVisible(not busy)
        self.progress.setValue(0)
        self.progress_text.clear()

    def show_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(min(max(fraction, 0.0), 1.0) * 1000))
        if message:
            self.progress_text.setText(message + "…")

    def cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.progress_text.setText("Cancelling…")


def latest_export(records: list[ExportRecord]) -> tuple[Path | None, str]:
    """The newest export's model file and a sentence about it; (None, why) if it is gone."""
    from engine.errors import GristmillError
    from engine.export.package import safe_name

    if not records:
        return None, ""
    record = records[-1]
    when = record.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    try:
        path = Path(record.folder or "") / f"{safe_name(record.name)}.onnx"
    except GristmillError:
        path = None
    if record.folder and path is not None and path.is_file():
        return path, (f"The latest model exported from this project "
                      f"({html.escape(record.name)}, {when}).")
    where = html.escape(record.folder or "its folder")
    return None, (
        f'<span style="color:{error_color()}">The latest export of this project, '
        f"{html.escape(record.name)} ({when}), was written to {where}, but its .onnx file is "
        "no longer there.</span> Choose the model file, or export it again in Deploy."
    )
