"""The one error dialog, and the routing of every error to the right message.

- An engine error (:class:`~engine.errors.GristmillError`) is something the user can fix: a
  plain message box with its message and hint.
- Anything else is a bug: :class:`ErrorDialog` says so plainly, shows the details to copy,
  and opens the log folder. The window carries on either way.

:class:`ErrorReporter` is installed as ``sys.excepthook`` and ``threading.excepthook``; a
hook called on a worker thread only logs and hands the error to the GUI thread through a
queued signal, because widgets may only be touched there.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.errors import GristmillError

log = logging.getLogger(__name__)


class ErrorDialog(QDialog):
    """"Something went wrong": a plain message, the details to copy, the log folder."""

    def __init__(
        self, message: str, details: str, log_dir: Path | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Gristmill - something went wrong")
        self.log_dir = log_dir
        self.details = details
        heading = QLabel(
            "<b>Something went wrong inside Gristmill.</b><br>"
            "Your project is safe: every step is saved as you go. You can carry on working."
        )
        heading.setWordWrap(True)
        self.message_label = QLabel(message)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint = QLabel("If it happens again, send these details to your support team:")
        self.details_box = QPlainTextEdit(details)
        self.details_box.setReadOnly(True)
        self.details_box.setFont(QFont("monospace"))
        self.details_box.setMinimumSize(560, 180)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        self.log_button = QPushButton("Open log folder")
        self.log_button.setEnabled(log_dir is not None)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.log_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_details)
        self.log_button.clicked.connect(self.open_log_folder)

        layout = QVBoxLayout(self)
        for widget in (heading, self.message_label, hint, self.details_box, buttons):
            layout.addWidget(widget)

    def copy_details(self) -> None:
        """Put the message and the details on the clipboard."""
        QGuiApplication.clipboard().setText(f"{self.message_label.text()}\n\n{self.details}")

    def open_log_folder(self) -> None:
        """Show the log folder in the system's file manager."""
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_dir)))


def show_error(
    parent: QWidget | None,
    error: BaseException | None,
    message: str,
    details: str = "",
    log_dir: Path | None = None,
) -> None:
    """Tell the user about ``error``: a message box for engine errors, else the error dialog."""
    if isinstance(error, GristmillError):
        log.info("Shown to the user: %s", error)
        QMessageBox.warning(parent, "Gristmill", str(error))
        return
    if not details and error is not None:
        details = "".join(traceback.format_exception(error))
    ErrorDialog(message, details, log_dir, parent).exec()


class ErrorReporter(QObject):
    """Routes uncaught exceptions from any thread to one dialog in the GUI thread."""

    reported = Signal(object, str, str)  # exception, message, details

    def __init__(self, log_dir: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_dir = log_dir
        self._showing = False
        self.reported.connect(self._show)  # queued when emitted from a worker thread

    def install(self) -> None:
        """Become ``sys.excepthook`` and ``threading.excepthook``."""
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def excepthook(
        self,
        kind: type[BaseException],
        value: BaseException,
        trace: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        details = "".join(traceback.format_exception(kind, value, trace))
        if not isinstance(value, GristmillError):
            log.error("Uncaught exception\n%s", details)
        self.reported.emit(value, str(value) or kind.__name__, details)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, error: BaseException, message: str, details: str) -> None:
        if self._showing:  # one dialog at a time; the rest is in the log
            return
        self._showing = True
        try:
            show_error(QApplication.activeWindow(), error, message, details, self.log_dir)
        finally:
            self._showing = False
