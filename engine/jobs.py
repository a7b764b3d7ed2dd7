"""The job contract every long engine call follows (DESIGN.md section 3, Jobs).

A long call takes ``progress: ProgressCallback`` and ``cancel: CancelToken``. It reports at
least every 2 seconds, checks the token at least as often, and raises :class:`Cancelled`
when asked to stop, leaving nothing half-written. :class:`Job` bundles both so engine code
can write ``job.step(0.4, "Reading rows")`` and get the check and the report in one call.

The engine starts no threads; the desktop runs jobs on its own worker threads and cancels
them from the GUI thread, which is why :class:`CancelToken` wraps a ``threading.Event``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

ProgressCallback = Callable[[float, str], None]
"""``progress(fraction, message)``: fraction in [0, 1], message in plain words."""


class Cancelled(Exception):  # noqa: N818 - the contract names it so (DESIGN.md)
    """Raised inside a job when its :class:`CancelToken` was cancelled."""

    def __init__(self, message: str = "Cancelled by the user.") -> None:
        super().__init__(message)


class CancelToken:
    """A thread-safe flag a caller sets to ask a running job to stop.

    Most jobs poll it (:meth:`raise_if_cancelled`). Work that blocks inside a library call
    (a database query that has not returned its first row) registers a callback with
    :meth:`on_cancel`; the callback runs in the thread that calls :meth:`cancel`, so the
    engine still starts no thread of its own.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        # Re-entrant: the CLI's Ctrl-C handler calls cancel() on the main thread, which may
        # be inside on_cancel() or a forget holding the lock at that moment.
        self._lock = threading.RLock()
        self._callbacks: list[Callable[[], None]] = []
        self._presses = 0

    def cancel(self) -> None:
        """Ask the job to stop at its next check, and run the registered callbacks."""
        with self._lock:
            self._presses += 1
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a failed interrupt must not break the caller's Cancel
                logging.getLogger(__name__).warning("A cancel callback failed", exc_info=True)

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    @property
    def presses(self) -> int:
        """How many times :meth:`cancel` was called."""
        return self._presses

    def consume(self) -> bool:
        """Treat a single pending Cancel as handled, so the job can go on to its end.

        A model search answers the first Cancel by stopping the search and keeping the best
        model found so far; it consumes that press, and the refit and evaluation that follow
        stop only at the *next* press. Returns False (and consumes nothing) when Cancel was
        pressed more than once: the user wants everything to stop.
        """
        with self._lock:
            if self._presses != 1:
                return False
            self._presses = 0
            self._event.clear()
            return True

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if :meth:`cancel` was called."""
        if self._event.is_set():
            raise Cancelled()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` on :meth:`cancel` (at once if already cancelled).

        Returns a function that unregisters it; call that when the blocking work is over.
        """
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._forget(callback)
        callback()
        return lambda: None

    def _forget(self, callback: Callable[[], None]) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._callbacks.remove(callback)


def no_progress(fraction: float, message: str) -> None:
    """A progress callback that ignores every report."""


class Job:
    """Progress reporting and cancellation for one engine call.

    ``step`` checks the token on every call (cheap) and forwards the report at most every
    ``min_interval`` seconds, so inner loops may call it freely. ``sub`` maps a slice of the
    job's range onto a nested call, so a load that is the first half of a larger task
    reports 0..0.5 of it.
    """

    def __init__(
        self,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        start: float = 0.0,
        end: float = 1.0,
        min_interval: float = 0.1,
    ) -> None:
        self._progress = progress or no_progress
        self.cancel = cancel or CancelToken()
        self._start = start
        self._end = end
        self._min_interval = min_interval
        self._last_report = float("-inf")

    def check(self) -> None:
        """Raise :class:`Cancelled` if the job was cancelled."""
        self.cancel.raise_if_cancelled()

    def step(self, fraction: float, message: str, *, force: bool = False) -> None:
        """Check for cancellation, then report ``fraction`` (0..1 of this job's range)."""
        self.check()
        now = time.monotonic()
        # Completion always goes through: a nested job's final report must not be throttled
        # away when its ``step`` serves as another job's progress callback.
        if force or fraction >= 1.0 or now - self._last_report >= self._min_interval:
            self._last_report = now
            clamped = min(max(fraction, 0.0), 1.0)
            self._progress(self._start + (self._end - self._start) * clamped, message)

    def sub(self, start: float, end: float) -> Job:
        """A nested job covering ``start..end`` of this job's range (same token)."""
        span = self._end - self._start
        return Job(
            self._progress,
            self.cancel,
            start=self._start + span * start,
            end=self._start + span * end,
            min_interval=self._min_interval,
        )

    def done(self, message: str = "Done") -> None:
        """Report completion (always forwarded)."""
        self.step(1.0, message, force=True)
