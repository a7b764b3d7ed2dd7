"""Training in a child process, so the window's own process stays responsive.

A model search on a big table runs long numpy / pandas calls that hold the GIL for up to
seconds at a time; in a thread of the window's process they froze the window (see
benchmarks/README.md, "Window responsiveness while training"). So the training runs in a
*spawned* child process (:func:`child_main`) and the window's worker thread only follows it
(:func:`train_in_child`). No Qt here: the child imports only the engine.

The table goes to the child as the window has it (``ActiveTable.frame`` is what the user
sees, and may differ from the project's kept copy): packed as the project's own Parquet
snapshot bytes (:func:`pack_frame`; about 0.5 s for 1,000,000 rows, in Arrow code that
releases the GIL, so the window does not stall), or pickled when it holds columns of Python
objects. The child opens the project by its path and calls ``engine.api.train``, which
stores the run through the child's own SQLite connection (SQLite's busy timeout covers the
window's connection, another process). It talks to the parent over one queue:

- ``("progress", fraction, message)`` and ``("partial", leaderboard)`` while it works
  (partial boards at most every :data:`PARTIAL_INTERVAL` seconds, the last one always sent);
- then exactly one of ``("done", run_id, leaderboard, ended_by, notes)``, ``("cancelled",)``
  or ``("error", kind, message, hint, traceback)``. Errors travel as words, never as pickled
  exceptions: the parent rebuilds the engine's own error class from its name (``kind``).

Cancel: the parent writes how many times Cancel was pressed into a shared counter; a small
thread in the child calls its own token's ``cancel()`` once per new press, so the engine's
"first press ends the search and keeps what finished, second press stops everything" holds.
The same thread ends the child if the window's process disappears. The parent joins the
child on every path, and terminates it when it does not end in time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.errors import GristmillError
from engine.jobs import Cancelled, CancelToken

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess
    from multiprocessing.queues import Queue
    from multiprocessing.sharedctypes import Synchronized

    import pandas as pd

    from engine.jobs import ProgressCallback
    from engine.problem.definition import Problem
    from engine.profile.schema import Schema
    from engine.training.search import SearchSettings

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
"""How often the parent checks Cancel and the child's health while no message arrives."""

PARTIAL_INTERVAL = 0.25
"""Seconds between two partial leaderboards the child sends (the last one always goes)."""

STOP_SECONDS = 10.0
"""After a second Cancel (or after the child's final message), how long the child may take
to end before it is terminated."""

ORPHAN_SECONDS = 15.0
"""How long a child whose parent disappeared may take to stop cleanly before it exits hard."""


class TrainingStoppedError(GristmillError):
    """The training process ended without saying how (killed, crashed, out of memory)."""


class TrainingFailedError(Exception):
    """A bug in the training process: its type and message; the child's traceback is the cause."""


class _StopTimedOut(Cancelled):
    """Cancel pressed twice and the child did not end in time: it is terminated."""


class _ChildTraceback(Exception):  # noqa: N818 - only ever shown as the cause of the above
    """The child's traceback as text, so the window's error dialog shows where it failed."""


@dataclass(frozen=True)
class TrainRequest:
    """What the child needs to train: the project's path, the table (packed), the choices."""

    project_path: str
    source_id: int
    table: bytes | pd.DataFrame
    """The table from :func:`pack_frame`: Parquet bytes, or the frame itself (pickled)."""
    schema: Schema
    problem: Problem
    settings: SearchSettings


def pack_frame(frame: pd.DataFrame, progress: ProgressCallback, cancel: CancelToken) -> Any:
    """The frame ready to send to the child: the project's snapshot bytes when possible.

    A frame with columns of Python objects is sent as is (pickled): the snapshot would bring
    their text back as pandas' ``str``, and the run must train on exactly what the window has.
    """
    from engine.jobs import Job
    from engine.project.snapshot import encode_frame

    if any(str(dtype) == "object" for dtype in frame.dtypes):
        return frame
    try:
        return encode_frame(frame, Job(progress, cancel))
    except GristmillError:  # a type Parquet cannot hold: pickle it instead
        return frame


def unpack_frame(table: bytes | pd.DataFrame, progress: ProgressCallback) -> pd.DataFrame:
    """The child's side of :func:`pack_frame`."""
    from engine.jobs import Job
    from engine.project.snapshot import decode_frame

    if isinstance(table, bytes):
        return decode_frame(table, Job(progress))
    return table


# -- parent side (a worker thread of the window) -------------------------------------------


def train_in_child(
    request: TrainRequest,
    progress: ProgressCallback,
    cancel: CancelToken,
    partial: Callable[[Any], None],
    started: Callable[[int], None] | None = None,
) -> tuple[int | None, Any, str, tuple[str, ...]]:
    """Run the training in a spawned child; return ``(run_id, leaderboard, ended_by, notes)``.

    Forwards the child's progress and partial leaderboards, and each Cancel press to it.
    Raises :class:`Cancelled`, the engine's error the child reported, :class:`TrainingFailedError`
    for a bug in the child, or :class:`TrainingStoppedError` when it died without a word.
    ``started(pid)`` is called once the child runs (tests use it to kill the child).
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    presses = context.Value("i", 0)
    # Not a daemon: the engine's search starts worker processes of its own.
    process = context.Process(
        target=child_main, args=(request, messages, presses), name="gristmill-train"
    )
    progress(0.02, "Starting the training process")
    process.start()
    patience = 0.0  # unless the child said its last word, it is stopped at once
    try:
        if started is not None:
            started(process.pid or 0)
        result = _follow(process, messages, presses, progress, cancel, partial)
        patience = STOP_SECONDS
        return result
    except (_StopTimedOut, TrainingStoppedError):
        raise
    except (Cancelled, GristmillError, TrainingFailedError):
        patience = STOP_SECONDS  # the child's final message: it is ending by itself
        raise
    finally:
        _end(process, patience)
        messages.close()


def _follow(
    process: BaseProcess,
    messages: Queue,
    presses: Synchronized,
    progress: ProgressCallback,
    cancel: CancelToken,
    partial: Callable[[Any], None],
) -> tuple[int | None, Any, str, tuple[str, ...]]:
    """Relay the child's messages until its final one; watch Cancel and the child's health."""
    forwarded = 0
    stop_deadline: float | None = None
    while True:
        pressed = cancel.presses
        if pressed > forwarded:
            presses.value = forwarded = pressed
            if pressed >= 2 and stop_deadline is None:
                stop_deadline = time.monotonic() + STOP_SECONDS
        try:
            message = messages.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if not process.is_alive():
                try:  # a last message may still be on its way through the pipe
                    message = messages.get(timeout=1.0)
                except queue.Empty:
                    raise _stopped(process.exitcode) from None
            elif stop_deadline is not None and time.monotonic() > stop_deadline:
                log.warning("The training process did not stop in time; terminating it")
                raise _StopTimedOut() from None
            else:
                continue
        kind = message[0]
        if kind == "progress":
            progress(message[1], message[2])
        elif kind == "partial":
            partial(message[1])
        elif kind == "done":
            return message[1], message[2], message[3], tuple(message[4])
        elif kind == "cancelled":
            raise Cancelled()
        elif kind == "error":
            raise rebuild_error(*message[1:])


def _stopped(code: int | None) -> TrainingStoppedError:
    return TrainingStoppedError(
        f"Training stopped unexpectedly (exit code {code}); nothing from this run was saved.",
        "This can happen when the computer runs out of memory: try fewer model families, "
        "fewer cores or a smaller table, and see the log for details.",
    )


def rebuild_error(
    kind: str, message: str, hint: str | None, details: str
) -> GristmillError | TrainingFailedError:
    """The exception to raise in the parent for an ``("error", ...)`` message."""
    from engine import errors

    found = getattr(errors, kind, None)
    if isinstance(found, type) and issubclass(found, GristmillError):
        return found(message, hint)
    log.error("The training process failed: %s: %s\n%s", kind, message, details)
    error = TrainingFailedError(f"{kind}: {message}" if message else kind)
    error.__cause__ = _ChildTraceback(details)
    return error


def _end(process: BaseProcess, patience: float) -> None:
    """Make sure the child is gone: wait ``patience`` seconds, then terminate, then kill."""
    process.join(patience)
    if process.is_alive():
        process.terminate()
        process.join(3.0)
    if process.is_alive():
        process.kill()
        process.join(3.0)
    with contextlib.suppress(ValueError):
        process.close()


# -- child side ------------------------------------------------------------------------------


def child_main(request: TrainRequest, messages: Queue, presses: Synchronized) -> None:
    """The child process: train, store the run, and say how it ended (one final message)."""
    # Ctrl-C in a terminal reaches the whole process group; only the window decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    token = CancelToken()
    done = threading.Event()
    watcher = threading.Thread(
        target=_watch, args=(presses, token, done), name="gristmill-cancel", daemon=True
    )
    watcher.start()
    sender = _Sender(messages)
    try:
        summary = _train(request, sender, token)
    except Cancelled:
        sender.final(("cancelled",))
    except GristmillError as error:
        sender.final(("error", _error_kind(error), error.message, error.hint, ""))
    except BaseException as error:
        details = "".join(traceback.format_exception(error))
        sender.final(("error", type(error).__name__, str(error), None, details))
    else:
        sender.final(("done", *summary))
    finally:
        done.set()


def _train(
    request: TrainRequest, sender: _Sender, token: CancelToken
) -> tuple[int | None, Any, str, tuple[str, ...]]:
    from engine import api

    reading = sender.progress_between(0.02, 0.03, "Preparing the data for training")
    frame = unpack_frame(request.table, reading)
    token.raise_if_cancelled()
    project = api.open_project(request.project_path)
    try:
        outcome = api.train(
            frame,
            request.schema,
            request.problem,
            request.settings,
            project=project,
            source_id=request.source_id,
            on_update=sender.partial,
            progress=sender.progress_between(0.03, 1.0),
            cancel=token,
        )
    finally:
        project.close()
    training = outcome.training
    return outcome.run_id, training.leaderboard, training.ended_by, tuple(training.notes)


def _error_kind(error: GristmillError) -> str:
    """The name of the nearest class of ``engine.errors`` the error is an instance of."""
    for cls in type(error).__mro__:
        if cls.__module__ == "engine.errors":
            return cls.__name__
    return "GristmillError"


class _Sender:
    """The child's end of the queue: progress as it comes, partial boards spaced out."""

    def __init__(self, messages: Queue) -> None:
        self._messages = messages
        self._waiting: Any = None
        self._last_partial = float("-inf")

    def progress_between(
        self, start: float, end: float, words: str | None = None
    ) -> Callable[[float, str], None]:
        """A progress callback mapping 0..1 onto ``start..end`` (no Cancel check in it).

        ``words`` replaces the reported messages (the engine's would speak of other things).
        """

        def report(fraction: float, message: str) -> None:
            self._flush_partial(due_only=True)
            said = words or message
            self._messages.put(("progress", start + (end - start) * fraction, said))

        return report

    def partial(self, board: Any) -> None:
        self._waiting = board
        self._flush_partial(due_only=True)

    def final(self, message: tuple[Any, ...]) -> None:
        self._flush_partial(due_only=False)
        self._messages.put(message)

    def _flush_partial(self, *, due_only: bool) -> None:
        now = time.monotonic()
        if self._waiting is None or (due_only and now - self._last_partial < PARTIAL_INTERVAL):
            return
        board, self._waiting = self._waiting, None
        self._last_partial = now
        self._messages.put(("partial", board))


def _watch(presses: Synchronized, token: CancelToken, done: threading.Event) -> None:
    """Child thread: pass each new Cancel press on to the token; end if the parent is gone."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    seen = 0
    while not done.is_set():
        if parent is not None and wait([parent.sentinel], POLL_SECONDS):
            log.warning("The window's process is gone; stopping the training")
            token.cancel()
            token.cancel()
            done.wait(ORPHAN_SECONDS)
            time.sleep(2.0)  # time to exit normally; the queue's pipe may be full forever
            _terminated(signal.SIGTERM, None)
        if parent is None:
            done.wait(POLL_SECONDS)
        wanted = presses.value
        while seen < wanted:
            seen += 1
            token.cancel()


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (or an orphaned child): kill the engine's fit workers, then exit at once."""
    import multiprocessing

    for worker in multiprocessing.active_children():
        with contextlib.suppress(Exception):
            worker.kill()
    os._exit(128 + signum)
