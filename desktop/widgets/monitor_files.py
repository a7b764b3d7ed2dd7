"""The drift check's files: "Save report…" (HTML), "Save JSON…", "Open report", and a message.

The files are written from the check shown (no second check) in TaskRunner tasks; once the
report is saved, a link and the "Open report" button offer to open it in the browser. The
message line also tells how a check is going ("Checking…", "Check cancelled").
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.theme import error_color
from desktop.widgets.fitting_text import breakable
from desktop.widgets.monitor_job import DriftView, write_json_job, write_report_job

if TYPE_CHECKING:
    from desktop.tasks import Task, TaskRunner


class MonitorFiles(QWidget):
    """The message line and the three buttons; :meth:`set_view` gives the check to write."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.view: DriftView | None = None
        self.folder: Path | None = None
        """Where the save dialogs start (the new data's folder)."""
        self.last_saved: Path | None = None
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setOpenExternalLinks(True)
        self.open_button = QPushButton("Open report")
        self.open_button.setToolTip("Open the saved report in the web browser.")
        self.open_button.clicked.connect(self.open_report)
        self.report_button = QPushButton("Save report…")
        self.report_button.setToolTip(
            "Write this check as a web page (HTML) to share or archive: the verdict, every "
            "column explained, the pictures and the trend.")
        self.report_button.clicked.connect(self.choose_report_path)
        self.json_button = QPushButton("Save JSON…")
        self.json_button.setToolTip(
            "Write this check's figures as JSON, for other programs (the same file as "
            "'gristmill drift --json').")
        self.json_button.clicked.connect(self.choose_json_path)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message, 1)
        for button in (self.open_button, self.report_button, self.json_button):
            layout.addWidget(button)
        self.set_view(None)

    def set_view(self, view: DriftView | None, folder: Path | None = None) -> None:
        """The check the buttons write (None: nothing to save yet)."""
        self.view, self.folder = view, folder
        self.report_button.setEnabled(view is not None)
        self.json_button.setEnabled(view is not None)
        self.last_saved = None
        self.open_button.setVisible(False)

    def say(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` (rich text) on the message line, in red for a problem."""
        self.message.setStyleSheet(f"color: {error_color()};" if error else "")
        self.message.setText(text)

    def choose_report_path(self) -> None:
        """Ask where to save the HTML report, then write it ("Save report…")."""
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the drift report", self._default(".html"), "Web page (*.html)")
        if name:
            self.save_report(Path(name))

    def choose_json_path(self) -> None:
        """Ask where to save the JSON, then write it ("Save JSON…")."""
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the drift check as JSON", self._default(".json"), "JSON (*.json)")
        if name:
            self.save_json(Path(name))

    def save_report(self, path: Path) -> Task | None:
        """Write the check's HTML report to ``path`` in a task (None: no check shown)."""
        if self.view is None:
            return None
        report, history = self.view.report, self.view.result.history
        return self._write("the drift report", path,
                           lambda progress, cancel: write_report_job(report, history, path),
                           is_report=True)

    def save_json(self, path: Path) -> Task | None:
        """Write the check as JSON to ``path`` in a task (None: no check shown)."""
        if self.view is None:
            return None
        report = self.view.report
        return self._write("the JSON file", path,
                           lambda progress, cancel: write_json_job(report, path))

    def open_report(self) -> None:
        """Open the last saved report with the system's browser."""
        if self.last_saved is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_saved)))

    def _write(self, what: str, path: Path, job: Callable[..., Any], *,
               is_report: bool = False) -> Task:
        self.say(f"Writing {what} to {_escape(path.name)}…")
        view = self.view

        def written(written_path: Path) -> None:
            url = QUrl.fromLocalFile(str(written_path)).toString()
            self.say(f'Saved: <a href="{url}">{_escape(str(written_path))}</a>')
            if is_report and self.view is view:
                self.last_saved = Path(written_path)
                self.open_button.setVisible(True)

        return self._runner.run(
            f"Writing {what}", job, written,
            on_failed=lambda error: self.say(
                f"{what.capitalize()} was not saved: {html.escape(str(error))}", error=True),
            shows_errors=True,
        )

    def _default(self, suffix: str) -> str:
        if self.view is None:
            return ""
        report = self.view.report
        folder = self.folder or Path.home()
        return str(folder / f"{report.model} drift {report.checked_at[:10]}{suffix}")


def _escape(text: str) -> str:
    """A file name or path for the message: it wraps after its separators, not the window."""
    return html.escape(breakable(text))
