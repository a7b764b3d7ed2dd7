"""What an export produced: the parity gate's verdict, the four files and "Open folder".

A passed gate shows a green tick and the gate's sentence; a refused export shows the reason
in red and no files (nothing was written then).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.theme import error_color, good_color
from desktop.widgets.details import Details

if TYPE_CHECKING:
    from engine.export.package import PackageFiles

PARITY_TIP = (
    "The parity check: before writing anything, Gristmill scores the held-out rows and "
    "generated edge cases (every value missing, categories never seen, extreme values) with "
    "the trained model and with the exported ONNX file. The export is refused unless both "
    "give the same labels and probabilities within 0.0001."
)
PURPOSES = {
    "model": "The model itself, the whole pipeline with its description inside. "
    "This is the file to hand over.",
    "metadata": "The same description as JSON, for programs that cannot read it from the "
    "model (e.g. JavaScript).",
    "golden": "50 example rows with the expected answers, so the other team can check "
    "their code gives the same results.",
    "card": "The model card: purpose, data, quality, threshold, limitations and how to "
    "use the model from Python, C#, Java and JavaScript.",
}


class PackageView(QWidget):
    """The gate's verdict, the files written with what each is for, and "Open folder"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder: Path | None = None
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setToolTip(PARITY_TIP)
        self.details = Details("Details: how the check was done")
        self._names: list[str] = []
        self.files = QLabel()
        self.files.setWordWrap(True)
        self.files.setTextFormat(Qt.TextFormat.RichText)
        self.files.setFrameShape(QFrame.Shape.StyledPanel)
        self.files.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open folder")
        self.open_button.setToolTip("Show the exported files in the file manager.")
        self.open_button.clicked.connect(self.open_folder)
        self.where = QLabel()
        self.where.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.where, 1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.details)
        layout.addWidget(self.files)
        layout.addLayout(row)
        self.clear()

    def clear(self, text: str = "") -> None:
        """No export on screen; ``text`` says what to do."""
        self.folder = None
        self.verdict.setText(html.escape(text))
        self.verdict.setVisible(bool(text))
        self.details.set_text("")
        self._set_files(None)

    def show_package(self, files: PackageFiles) -> None:
        """A passed export: the tick, the gate's sentence, the files and their folder."""
        self.verdict.setText(
            f'<span style="color:{good_color()}; font-size:large">&#10004;</span> '
            f'<b style="color:{good_color()}">Ready to hand over.</b> The exported model '
            "gives the same answers as the model you trained, checked row by row on the holdout "
            "rows before anything was written."
        )
        self.details.set_text(html.escape(files.parity))
        self.verdict.setVisible(True)
        self._set_files(files)

    def show_refusal(self, message: str) -> None:
        """A refused export: the reason in red; the files of an earlier export are hidden."""
        self.verdict.setText(
            f'<span style="color:{error_color()}; font-size:large">&#10008;</span> '
            f'<b style="color:{error_color()}">Not exported.</b> '
            f'<span style="color:{error_color()}">{html.escape(message)}</span>'
        )
        self.details.set_text("")
        self.verdict.setVisible(True)
        self._set_files(None)

    def _set_files(self, files: PackageFiles | None) -> None:
        self._names = []
        self.files.clear()
        visible = files is not None
        self.files.setVisible(visible)
        self.where.setVisible(visible)
        self.open_button.setVisible(visible)
        if files is None:
            self.folder = None
            return
        self.folder = files.model.parent
        paths = dict(zip(("model", "metadata", "golden", "card"), files.paths, strict=True))
        rows = "".join(
            f'<tr><td style="padding:2px 12px 2px 2px"><b>{html.escape(path.name)}</b></td>'
            f'<td style="padding:2px">{html.escape(PURPOSES[role])}</td></tr>'
            for role, path in paths.items()
        )
        self.files.setText(f"<table>{rows}</table>")
        self._names = [path.name for path in paths.values()]
        self.where.setText(f"In {html.escape(str(self.folder))}")

    def file_names(self) -> list[str]:
        """The names of the files listed (for tests and accessibility)."""
        return list(self._names)

    def open_folder(self) -> None:
        """Open the export folder in the system's file manager."""
        if self.folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))
