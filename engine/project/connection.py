"""Opening a ``.gristmill`` file with SQLAlchemy, and SQLite errors in plain words.

Every connection gets the same settings (see the store's docstring for why):
``journal_mode=DELETE`` and ``synchronous=FULL`` so a crash rolls back to the last commit,
``foreign_keys=ON`` so removing a source removes what hangs off it, and a busy timeout so a
second window waits briefly instead of failing at once. Python's sqlite3 module opens
transactions lazily and commits before DDL on its own; it is switched to autocommit and
SQLAlchemy emits ``BEGIN`` itself, so a transaction (migrations included) is exactly the
``with`` block that opened it.

Write transactions start with ``BEGIN IMMEDIATE`` (execution option :data:`WRITE`): the
write lock is taken at once, and a busy file makes SQLite wait out the busy timeout. A
deferred ``BEGIN`` that reads first and writes later has to upgrade its lock mid-way, and two
connections doing that at once deadlock: SQLite then answers "database is locked" at once,
without waiting. Reads stay deferred so they never block one another.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ProjectError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

SIGNATURE = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""

BUSY_TIMEOUT_SECONDS = 5.0
"""How long a transaction waits for another program (or window) holding the file."""

WRITE = "gristmill_write"
"""Connection execution option: start the transaction with ``BEGIN IMMEDIATE``."""

BUSY_TIMEOUT = "gristmill_busy_timeout"
"""Connection execution option: the busy timeout (seconds) for this transaction."""


def make_engine(path: Path) -> Engine:
    """A SQLAlchemy engine on the SQLite file at ``path`` with the project's settings."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import QueuePool

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(
            str(path),
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,  # autocommit: SQLAlchemy sends BEGIN itself (below)
            check_same_thread=False,  # the pool hands each connection to one thread at a time
        )
        try:
            connection.execute("PRAGMA journal_mode = DELETE")
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            connection.close()
            raise
        return connection

    engine = create_engine(f"sqlite:///{path}", creator=connect, poolclass=QueuePool)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        # Set on every transaction: pooled connections keep the value of the last one.
        timeout = float(options.get(BUSY_TIMEOUT, BUSY_TIMEOUT_SECONDS))
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE) else "BEGIN")

    return engine


class ThreadGate:
    """Which threads of this process use one project file: many readers or one writer.

    Threads of one process queue here, *before* they begin a transaction, instead of inside
    SQLite: there a writer and readers wait on each other with a busy handler that polls and
    backs off, so under load a reader could miss every free moment and fail after the busy
    timeout (seen in CI), and two upgrading transactions deadlock and fail at once. Here a
    writer waits for the other threads' transactions to end and new readers wait for a
    waiting writer; a thread may always nest transactions of its own. SQLite's busy timeout
    is then only for other processes (a second window).
    """

    def __init__(self) -> None:
        self._state = threading.Condition(threading.Lock())
        self._inside: Counter[int] = Counter()  # thread id -> open transactions
        self._writer: int | None = None  # the thread holding the write turn
        self._writer_depth = 0
        self._writers_waiting = 0

    @contextmanager
    def enter(self, *, write: bool, timeout: float | None = None) -> Iterator[bool]:
        """Hold the gate for a transaction; yields whether another thread is inside too.

        Raises :class:`TimeoutError` when the other threads' transactions do not end within
        ``timeout`` seconds (None: wait as long as it takes).
        """
        me = threading.get_ident()
        with self._state:
            if write:
                self._writers_waiting += 1
                try:
                    free = self._state.wait_for(
                        lambda: self._writer in (None, me)
                        and not any(thread != me for thread in self._inside),
                        timeout,
                    )
                finally:
                    self._writers_waiting -= 1
                    self._state.notify_all()  # readers held back for this writer may go on
                if not free:
                    raise TimeoutError("another thread of this process is using the project")
                self._writer = me
                self._writer_depth += 1
            elif not self._inside[me]:  # a nested read never waits (it would wait for itself)
                free = self._state.wait_for(
                    lambda: self._writer in (None, me) and not self._writers_waiting, timeout
                )
                if not free:
                    raise TimeoutError("another thread of this process is using the project")
            others = any(thread != me for thread in self._inside if self._inside[thread])
            self._inside[me] += 1
        try:
            yield others
        finally:
            with self._state:
                self._inside[me] -= 1
                if not self._inside[me]:
                    del self._inside[me]
                if write:
                    self._writer_depth -= 1
                    if not self._writer_depth:
                        self._writer = None
                self._state.notify_all()

    def busy(self) -> bool:
        """Whether a thread other than this one is inside a transaction."""
        me = threading.get_ident()
        with self._state:
            return any(thread != me for thread in self._inside)


def check_sqlite_file(path: Path) -> None:
    """Raise :class:`ProjectError` unless ``path`` is a file that starts like a SQLite database."""
    if not path.exists():
        raise ProjectError(
            f"There is no project file at {path}.", "It may have been moved or renamed."
        )
    if not path.is_file():
        raise ProjectError(f"{path} is a folder, not a project file.", "Choose a .gristmill file.")
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SIGNATURE))
    except OSError as error:
        raise ProjectError(f"Cannot read {path.name}: {error.strerror}.") from None
    if header != SIGNATURE:
        reason = "it is empty" if not header else "it is not a Gristmill project file"
        raise ProjectError(
            f"{path.name} cannot be opened: {reason}.",
            "Choose a .gristmill file made by Gristmill.",
        )


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A Core connection inside a ``BEGIN IMMEDIATE`` transaction (for migrations)."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE: True})
        with connection.begin():
            yield connection


@contextmanager
def raw_connection(engine: Engine) -> Iterator[sqlite3.Connection]:
    """The sqlite3 connection under a pooled SQLAlchemy connection (for the backup API)."""
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        yield raw


@contextmanager
def guard(
    path: Path, action: str, busy_here: Callable[[], bool] | None = None
) -> Iterator[None]:
    """Turn SQLite and SQLAlchemy database errors into a :class:`ProjectError` in plain words.

    ``action`` completes "Could not ..." (e.g. "save the column types"). ``busy_here`` tells
    whether another thread of this process was using the file: a busy file is then blamed on
    the task still running here, not on another window.
    """
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    try:
        yield
    except DBAPIError as error:
        raise _explain(path, action, str(error.orig), busy_here) from error
    except sqlite3.Error as error:
        raise _explain(path, action, str(error), busy_here) from error
    except SQLAlchemyError as error:
        raise ProjectError(f"Could not {action} in {path.name}: {error}.") from error
    except OSError as error:  # copies and backups: a full disk, a missing folder, no rights
        if "full" in str(error.strerror or "").lower():
            raise _explain(path, action, "disk full") from error
        raise ProjectError(
            f"Could not {action}: {error.strerror or error}.",
            "Check that the folder exists and that you may write in it.",
        ) from error


def _explain(
    path: Path, action: str, detail: str, busy_here: Callable[[], bool] | None = None
) -> ProjectError:
    text = detail.lower()
    name = path.name
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return ProjectError(
            f"Could not {action}: {name} is damaged and cannot be read.",
            "Open a backup copy of the project, or create a new project.",
        )
    if ("locked" in text or "busy" in text) and busy_here is not None and busy_here():
        return ProjectError(
            f"Could not {action}: {name} is still busy with another task in this window.",
            "Wait for the running task to finish (or cancel it), then try again.",
        )
    if "locked" in text or "busy" in text:
        return ProjectError(
            f"Could not {action}: {name} is in use by another Gristmill window or program.",
            "Close the other window and try again.",
        )
    if "readonly" in text or "read-only" in text:
        return ProjectError(
            f"Could not {action}: {name} is read-only.",
            "Use Save As to keep a copy you can change, or change the file's permissions.",
        )
    if "full" in text:
        return ProjectError(
            f"Could not {action}: the disk holding {name} is full.",
            "Free some space and try again; the project still holds what was last saved.",
        )
    if "unable to open" in text:
        return ProjectError(
            f"Could not {action}: {name} cannot be opened.",
            "Check that the folder exists and that you may read and write in it.",
        )
    return ProjectError(f"Could not {action} in {name}: {detail}.")
