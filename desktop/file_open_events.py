"""Files the operating system asks Gristmill to open while it runs.

On macOS, double-clicking a ``.gristmill`` project in Finder (or dropping a file on the Dock
icon) does not pass the file on the command line: the system sends the running app a
``QFileOpenEvent``. Windows and Linux pass the path as an argument instead (the installer's
file association and the desktop entry's ``%f``), which ``desktop.app`` already handles.
The file is treated exactly like a file dropped on the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


class FileOpenEvents(QObject):
    """An application-wide event filter that hands opened files to the main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.FileOpen or not isinstance(event, QFileOpenEvent):
            return False
        if event.file():
            self.window.open_dropped([Path(event.file())])
        return True
