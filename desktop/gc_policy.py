"""Garbage collection only on the GUI thread, so Qt objects are never freed from a worker.

Python's cyclic collector runs in whichever thread happens to allocate when its threshold is
reached. If that is a worker thread (loading a table, training) and the garbage holds a Qt
object from the GUI thread (a closed dialog caught in a reference cycle), Qt deletes a widget
off its thread and the process crashes; this was seen as a segmentation fault in the window's
tests, with "Garbage-collecting" on a task thread. The usual remedy for Qt applications:
switch the automatic collector off and collect from a timer on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000  # how often the GUI thread checks whether a collection is due


class GuiThreadCollector(QObject):
    """Runs the collector on the GUI thread whenever Python's own thresholds say so."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    def stop(self) -> None:
        """Give collection back to Python (after one last collection here, on this thread)."""
        self._timer.stop()
        gc.collect()
        gc.enable()
        self.setParent(None)

    def collect_if_due(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return


def collect_on_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install the policy for the application ``app`` (call once, on the GUI thread)."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
