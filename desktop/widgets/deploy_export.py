"""The export form: the model's name, the folder to write to, and the Export button.

The folder last exported to is remembered in the application's settings. The Deploy panel
runs the export itself; this widget only collects what it needs and shows the progress.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.file_fields import chooser_row

LAST_FOLDER_KEY = "deploy/last_export_folder"
NAME_TIP = (
    "The model's name: the four files are called NAME.onnx, NAME.model.json, "
    "NAME.golden.csv and NAME.card.md (letters, digits, - and _ are kept)."
)


def confirm_replace(parent: QWidget | None, message: str) -> bool:
    """Ask whether to replace files the export did not write; True only for "Replace".

    The export refuses them without ``force`` (they may be someone's own work), so the
    answer defaults to keeping them.
    """
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Replace files?",
        f"{message}\n\nReplace them with the exported model's files?",
        QMessageBox.StandardButton.No,
        parent,
    )
    replace = box.addButton("Replace", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.exec()
    return box.clickedButton() is replace


class ExportForm(QWidget):
    """Name and folder fields, "Choose…", "Export", a progress bar and a one-line message.

    ``export_requested`` fires with the folder when the user presses Export (after asking
    for a folder if the field is empty).
    """

    export_requested = Signal(object)  # Path

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.name_edit = QLineEdit()
        self.name_edit.setToolTip(NAME_TIP)
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("The folder to write the model files to")
        self.folder_edit.setToolTip("The folder the four files are written to (created if needed).")
        last = settings.value(LAST_FOLDER_KEY, "")
        self.folder_edit.setText(str(last) if last else "")
        folder_row, self.choose_button = chooser_row(
            self.folder_edit, "Choose the folder to export to.", self.ask_folder)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Folder", folder_row)

        self.export_button = QPushButton("Export")
        self.export_button.setToolTip(
            "Write the model package and check that the ONNX file predicts exactly what the "
            "trained model predicts (the parity check)."
        )
        self.export_button.clicked.connect(self._export_clicked)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        button_row = QHBoxLayout()
        button_row.addWidget(self.export_button)
        button_row.addWidget(self.progress, 1)
        self._spacer = QWidget()  # keeps the button compact while the bar is hidden
        button_row.addWidget(self._spacer, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(button_row)
        layout.addWidget(self.message)
        self.set_busy(False)

    def folder(self) -> Path | None:
        """The folder typed or chosen, or None when the field is empty."""
        text = self.folder_edit.text().strip()
        return Path(text).expanduser() if text else None

    def ask_folder(self) -> Path | None:
        """Ask for a folder with the system dialog; the field shows the choice."""
        start = str(self.folder() or Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Export the model to", start)
        if not chosen:
            return None
        self.folder_edit.setText(chosen)
        return Path(chosen)

    def remember_folder(self, folder: Path) -> None:
        """Keep ``folder`` as the next export's default."""
        self.folder_edit.setText(str(folder))
        self._settings.setValue(LAST_FOLDER_KEY, str(folder))

    def set_busy(self, busy: bool, message: str = "") -> None:
        """Disable the fields while exporting; show the progress bar only then."""
        for widget in (self.name_edit, self.folder_edit, self.choose_button, self.export_button):
            widget.setEnabled(not busy)
        self.progress.setVisible(busy)
        self._spacer.setVisible(not busy)
        self.progress.setValue(0)
        self.message.setText(message)
        self.message.setVisible(bool(message))

    def show_progress(self, fraction: float, message: str) -> None:
        """A progress report of the running export."""
        self.progress.setValue(round(min(max(fraction, 0.0), 1.0) * 1000))
        if message:
            self.message.setText(message)
            self.message.setVisible(True)

    def _export_clicked(self) -> None:
        folder = self.folder() or self.ask_folder()
        if folder is not None:
            self.export_requested.emit(folder)
