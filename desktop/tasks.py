"""The only bridge between engine jobs and Qt threads.

An engine call that takes ``(progress, cancel)`` runs as a :class:`Task` on
``QThreadPool.globalInstance()``. The worker never touches a widget: it only emits signals of
a :class:`TaskSignals` object created in the GUI thread, so Qt queues them to the GUI thread
(``progress`` throttled to about ten a second, then exactly one of ``finished``, ``failed``
or ``cancelled``). :class:`TaskRunner` is what the window uses: it starts tasks, remembers
the running ones, cancels them, and waits for them when the window closes.

A job may also send *partial results* (a leaderboard that fills in as models finish): started
with ``partial=True`` it is called as ``job(progress, cancel, partial)``, and each
``partial(value)`` reaches the GUI thread as the ``partial`` signal. Values are coalesced
like progress (at most about ten deliveries a second; a newer value replaces one still
waiting), and the last value is always delivered before the final signal.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from engine.errors import GristmillError
from engine.jobs import Cancelled, CancelToken

log = logging.getLogger(__name__)

JobFunction = Callable[..., Any]
"""An engine call: ``job(progress, cancel) -> result``, or ``job(progress, cancel, partial)``
for a task that sends partial results."""

PartialCallback = Callable[[Any], None]
"""``partial(value)``: hand a partial result to the GUI thread (any thread may call it)."""

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress signals (about ten a second is smooth and cheap)."""

PARTIAL_INTERVAL = 0.1
"""Seconds between two deliveries of partial results."""

_NOTHING = object()


class TaskSignals(QObject):
    """Signals of one task; the object lives in the GUI thread, so slots run there.

    Partial results go through :meth:`offer_partial` (any thread): the value waits in a
    one-place mailbox and a single queued notice brings it to the GUI thread, where it is
    emitted as ``partial``. A newer value replaces one still waiting, so a chatty job cannot
    flood the event queue, and deliveries are spaced by :data:`PARTIAL_INTERVAL`. The
    mailbox is emptied before ``finished``, ``failed`` or ``cancelled`` reach any other slot:
    the last value is never lost or late.
    """

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)  # message for the user, details (traceback) for the error dialog
    cancelled = Signal()
    cancel_requested = Signal()  # Cancel was pressed (the job may take a moment to stop)
    partial = Signal(object)
    _partial_waiting = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._waiting: Any = _NOTHING
        self._last_delivery = float("-inf")
        self._timer: QTimer | None = None
        # Connected first, so these run before any other receiver of the final signals.
        self.finished.connect(self.flush_partial)
        self.failed.connect(self.flush_partial)
        self.cancelled.connect(self.flush_partial)
        self._partial_waiting.connect(self._partial_arrived)

    def offer_partial(self, value: Any) -> None:
        """Any thread: leave ``value`` for the GUI thread (replacing one not yet delivered)."""
        with self._lock:
            notify = self._waiting is _NOTHING
            self._waiting = value
        if notify:
            self._partial_waiting.emit()

    def flush_partial(self, *_args: object) -> None:
        """GUI thread: deliver the waiting partial result now, if there is one."""
        if self._timer is not None:
            self._timer.stop()
        with self._lock:
            value, self._waiting = self._waiting, _NOTHING
        if value is not _NOTHING:
            self._last_delivery = time.monotonic()
            self.partial.emit(value)

    def _partial_arrived(self) -> None:
        wait = self._last_delivery + PARTIAL_INTERVAL - time.monotonic()
        if wait <= 0:
            self.flush_partial()
            return
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self.flush_partial)
        if not self._timer.isActive():
            self._timer.start(max(1, round(wait * 1000)))


class Task:
    """One engine call to run on a worker thread: ``pool.start(task.run)``.

    Create it in the GUI thread (its signals object must live there). A plain Python object
    rather than a ``QRunnable`` subclass: Python alone owns it, so no C++ object can outlive
    or predecease it.
    """

    def __init__(self, label: str, job: JobFunction, *, partial: bool = False) -> None:
        self.label = label
        self.signals = TaskSignals()
        self.cancel_token = CancelToken()
        self.exception: BaseException | None = None
        """The error that ended the task, set before ``failed`` is emitted (no traceback)."""
        self.details = ""
        """The traceback of that error as text, for the error dialog (empty for engine errors)."""
        self._job = job
        self._partial = partial
        """True: the job is called as ``job(progress, cancel, partial)``."""
        self._done = threading.Event()
        self._last_progress = float("-inf")

    def run(self) -> None:
        """Worker thread: run the job and report how it ended (exactly one final signal)."""
        try:
            self.cancel_token.raise_if_cancelled()  # cancelled while still queued
            if self._partial:
                result = self._job(self._report, self.cancel_token, self.signals.offer_partial)
            else:
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
        """Ask the job to stop at its next check (any thread); ``cancel_requested`` says so.

        A panel listens to ``cancel_requested`` to explain what a press means for its job
        (a model search keeps what finished on the first press), whichever button was used.
        """
        self.cancel_token.cancel()
        if not self.done:
            self.signals.cancel_requested.emit()

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
        self._shown_by_caller: set[Task] = set()  # tasks whose caller shows engine errors

    def run(
        self,
        label: str,
        job: JobFunction,
        on_finished: Callable[[Any], None] | None = None,
        *,
        on_failed: Callable[[BaseException | None], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
        shows_errors: bool = False,
    ) -> Task:
        """Start ``job(progress, cancel)`` on a worker; callbacks run in the GUI thread.

        A failure is relayed through :attr:`failed` (the window shows it); ``on_failed``
        lets the caller tidy up as well. A caller that shows the engine's message itself
        (``shows_errors=True``, e.g. in red in its panel) keeps the window from showing it a
        second time; a bug is always relayed. With ``on_partial`` the job is called
        as ``job(progress, cancel, partial)`` and ``on_partial(value)`` receives what it
        sends (coalesced; the last value always before ``on_finished``).
        """
        task = Task(label, job, partial=on_partial is not None)
        self._callbacks[task.signals] = (task, on_finished, on_failed, on_cancelled)
        if shows_errors:
            self._shown_by_caller.add(task)
        if on_partial is not None:
            task.signals.partial.connect(on_partial)
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
        signals = self.sender()
        entry = self._callbacks.get(signals)
        shown = (
            entry is not None
            and entry[0] in self._shown_by_caller
            and isinstance(entry[0].exception, GristmillError)
        )
        task, _finished, on_failed, _cancelled = self._end(signals)
        if on_failed is not None:
            on_failed(task.exception)
        if not shown:
            self.failed.emit(task.exception, message, details)

    def _end(self, signals: QObject) -> _Entry:
        entry = self._callbacks.pop(signals)
        task = entry[0]
        self._shown_by_caller.discard(task)
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
