"""The only bridge between engine jobs and Qt threads.

An engine call that takes ``(progress, cancel)`` runs as a :class:`Task` on
``QThreadPool.globalInstance()``. The worker never touches a widget: it only emits signals of
a :class:`TaskSignals` object created in the GUI thread, so Qt queues them to the GUI thread
(``progress`` throttled to about ten a second, then exactly one of ``finished``, ``failed``
or ``cancelled``). :class:`TaskRunner` is what the window uses: it starts tasks, remembers
the running ones, cancels them, and waits for them when the window closes.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from engine.errors import GristmillError
from engine.jobs import Cancelled, CancelToken, ProgressCallback

log = logging.getLogger(__name__)

JobFunction = Callable[[ProgressCallback, CancelToken], Any]
"""An engine call: ``job(progress, cancel) -> result``."""

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress signals (about ten a second is smooth and cheap)."""


class TaskSignals(QObject):
    """Signals of one task; the object lives in the GUI thread, so slots run there."""

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)  # message for the user, details (traceback) for the error dialog
    cancelled = Signal()


class Task:
    """One engine call to run on a worker thread: ``pool.start(task.run)``.

    Create it in the GUI thread (its signals object must live there). A plain Python object
    rather than a ``QRunnable`` subclass: Python alone owns it, so no C++ object can outlive
    or predecease it.
    """

    def __init__(self, label: str, job: JobFunction) -> None:
        self.label = label
        self.signals = TaskSignals()
        self.cancel_token = CancelToken()
        self.exception: BaseException | None = None
        """The error that ended the task, set before ``failed`` is emitted (no traceback)."""
        self.details = ""
        """The traceback of that error as text, for the error dialog (empty for engine errors)."""
        self._job = job
        self._done = threading.Event()
        self._last_progress = float("-inf")

    def run(self) -> None:
        """Worker thread: run the job and report how it ended (exactly one final signal)."""
        try:
            self.cancel_token.raise_if_cancelled()  # cancelled while still queued
            result = self._job(self._report, self.cancel_token)
        except Cancelled:
            self.signals.cancelled.emit()
        except GristmillError as error:
            self._keep(error, "")
            self.signals.failed.emit(str(error), "")
        except BaseException as error:  # a bug: the window shows it and carries on
            log.error("Task %r failed", self.label, exc_info=error)
            self._keep(error, "".join(traceback.format_exception(error)))
            self.signals.failed.emit(str(error) or type(error).__name__, self.details)
        else:
            self.signals.finished.emit(result)
        finally:
            self._done.set()

    def _keep(self, error: BaseException, details: str) -> None:
        # The traceback holds this frame, which holds the task: drop it (the text is kept) so
        # no reference cycle leaves the task to the garbage collector.
        error.__traceback__ = None
        self.exception, self.details = error, details

    def cancel(self) -> None:
        """Ask the job to stop at its next check (any thread)."""
        self.cancel_token.cancel()

    @property
    def done(self) -> bool:
        """True once the job returned, failed or was cancelled."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ended (True) or ``timeout`` seconds passed (False)."""
        return self._done.wait(timeout)

    def _report(self, fraction: float, message: str) -> None:
        # Worker thread. Throttled so a chatty job cannot flood the GUI event queue; the last
        # report (fraction 1) always goes through.
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL or fraction >= 1.0:
            self._last_progress = now
            self.signals.progress.emit(float(fraction), str(message))


class TaskRunner(QObject):
    """Starts tasks for the window, tracks the running ones, cancels and waits for them.

    ``changed`` fires whenever a task starts or ends; ``progress`` relays the progress of
    the most recently started running task (what the status bar shows); ``failed`` relays a
    task's error with the exception, so the window can choose a message box or the error
    dialog.
    """

    changed = Signal()
    progress = Signal(float, str)
    failed = Signal(object, str, str)  # exception, message, details

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._running: list[Task] = []
        self._callbacks: dict[QObject, _Entry] = {}
        # Ended tasks are kept a little longer: a task's signals object must not be destroyed
        # inside a slot that its own signal is calling.
        self._retired: list[Task] = []

    def run(
        self,
        label: str,
        job: JobFunction,
        on_finished: Callable[[Any], None] | None = None,
        *,
        on_failed: Callable[[BaseException | None], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> Task:
        """Start ``job(progress, cancel)`` on a worker; callbacks run in the GUI thread.

        A failure is always relayed through :attr:`failed` (the window shows it);
        ``on_failed`` lets the caller tidy up as well.
        """
        task = Task(label, job)
        self._callbacks[task.signals] = (task, on_finished, on_failed, on_cancelled)
        # Bound methods of this QObject, which lives in the GUI thread: Qt queues the worker's
        # signals to this thread. ``sender()`` tells which task a signal came from.
        task.signals.progress.connect(self._on_progress)
        task.signals.finished.connect(self._on_finished)
        task.signals.failed.connect(self._on_failed)
        task.signals.cancelled.connect(self._on_cancelled)
        self._running.append(task)
        log.info("Task started: %s", label)
        self._pool.start(task.run)
        self.changed.emit()
        return task

    @property
    def running(self) -> list[Task]:
        """Tasks started and not yet ended, oldest first."""
        return list(self._running)

    @property
    def current(self) -> Task | None:
        """The most recently started running task, or None."""
        return self._running[-1] if self._running else None

    def cancel_all(self) -> None:
        """Ask every running task to stop."""
        for task in self._running:
            task.cancel()

    def wait_all(self, timeout: float = 10.0) -> bool:
        """Block until every running task's worker returned (True) or ``timeout`` passed.

        Their final signals are still queued afterwards; they are delivered, and the tasks
        forgotten, when the event loop runs again.
        """
        deadline = time.monotonic() + timeout
        tasks = list(self._running)
        return all(task.wait(max(0.0, deadline - time.monotonic())) for task in tasks)

    def _on_progress(self, fraction: float, message: str) -> None:
        entry = self._callbacks.get(self.sender())
        if entry is not None:
            task = entry[0]
            if task is self.current and not task.cancel_token.cancelled:
                self.progress.emit(fraction, message)

    def _on_finished(self, result: object) -> None:
        _task, on_finished, _failed, _cancelled = self._end(self.sender())
        if on_finished is not None:
            on_finished(result)

    def _on_cancelled(self) -> None:
        _task, _finished, _failed, on_cancelled = self._end(self.sender())
        if on_cancelled is not None:
            on_cancelled()

    def _on_failed(self, message: str, details: str) -> None:
        task, _finished, on_failed, _cancelled = self._end(self.sender())
        if on_failed is not None:
            on_failed(task.exception)
        self.failed.emit(task.exception, message, details)

    def _end(self, signals: QObject) -> _Entry:
        entry = self._callbacks.pop(signals)
        task = entry[0]
        if task in self._running:
            self._running.remove(task)
        self._retired = [*self._retired[-7:], task]
        log.info("Task ended: %s", task.label)
        self.changed.emit()
        return entry


_Entry = tuple[
    Task,
    Callable[[Any], None] | None,
    Callable[[BaseException | None], None] | None,
    Callable[[], None] | None,
]
