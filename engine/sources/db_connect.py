"""Open databases read-only (driver errors become DatabaseErrors in :mod:`db_errors`).

Read-only is enforced by the database itself, for every connection we open:

- SQLite: the file is opened with ``mode=ro`` (a missing file is an error; we never create
  one), and a progress handler aborts a running statement when the job is cancelled.
- PostgreSQL: ``default_transaction_read_only=on`` for the session (startup option), and a
  ``statement_timeout`` of :data:`STATEMENT_TIMEOUT_S`.
- MySQL/MariaDB: ``SET SESSION TRANSACTION READ ONLY`` when the connection opens.
- DuckDB: the file is opened with ``read_only=True``.
- SQL Server has no read-only session: only the SELECT check of :mod:`sql_guard` and the
  login's rights protect it (documented for users: connect with a read-only login).

We never commit; every connection ends in a rollback. Error messages never contain the
password: connection errors are re-raised ``from None`` (the driver's text is scrubbed
and summarised instead, see :mod:`engine.sources.db_errors`). A password typed into the URL
(user part, ``?password=``, ``?PWD=``, ODBC ``odbc_connect``) is taken out of it by
:func:`engine.sources.db_url.split_password` and handed to the driver separately.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from engine.errors import DatabaseError
from engine.jobs import Cancelled
from engine.sources.db_errors import is_connection_error, translate_error
from engine.sources.db_url import (
    Backend,
    backend_of,
    describe,
    normalize_url,
    redact_url,
    scrub_secrets,
    split_password,
    with_password,
)

if TYPE_CHECKING:
    from engine.jobs import Job

CONNECT_TIMEOUT_S = 8
STATEMENT_TIMEOUT_S = 3600
"""A query that runs longer than an hour on the server is stopped there (PostgreSQL)."""
SQLITE_HEADER = b"SQLite format 3\x00"

log = logging.getLogger(__name__)


class Database:
    """An open (read-only) engine plus what we need to explain errors about it."""

    def __init__(self, engine: Engine, url: URL, backend: Backend, password: str | None) -> None:
        self.engine = engine
        self.url = url
        self.backend = backend
        self._password = password
        self.where = describe(url)

    @property
    def dialect_name(self) -> str:
        return self.engine.dialect.name

    def error(self, exc: BaseException, what: str | None = None) -> DatabaseError:
        """A plain DatabaseError for a driver error (``what``: the table or query involved)."""
        return translate_error(exc, self, what)

    def scrub(self, text: str) -> str:
        """``text`` with the password (if any) and anything that looks like one blanked out."""
        return scrub_secrets(text, passwords=(self._password,))


def open_database(url: str, password: str | None = None, job: Job | None = None) -> Database:
    """Build a read-only engine for ``url``; nothing connects until first use.

    ``password`` overrides one in the URL; with neither, the OS keychain is asked (see
    :mod:`engine.sources.credentials`).
    """
    clean, typed = split_password(url)
    bare = normalize_url(clean)
    backend = backend_of(bare)
    if password is None:
        password = typed
    if password is None and bare.username:
        from engine.sources.credentials import get_password

        password = get_password(clean)
    log.info("Opening %s read-only", redact_url(bare))
    parsed = with_password(bare, password)
    engine = _create_engine(parsed, backend, job)
    return Database(engine, parsed, backend, password)


@contextmanager
def connect(
    url: str, password: str | None = None, job: Job | None = None
) -> Iterator[tuple[Database, Connection]]:
    """Open a read-only connection; DBAPI errors escaping the block become DatabaseErrors."""
    database = open_database(url, password, job)
    try:
        with database.engine.connect() as connection:
            forget = _interrupt_on_cancel(connection, job)
            try:
                yield database, connection
                connection.rollback()  # nothing to keep: we only read
            finally:
                forget()
    except sa_exc.SQLAlchemyError as exc:
        if was_cancelled(exc, job):
            raise Cancelled() from None
        raise database.error(exc) from _chain(exc)
    finally:
        database.engine.dispose()


def _interrupt_on_cancel(connection: Connection, job: Job | None) -> Callable[[], None]:
    """Make Cancel interrupt a PostgreSQL statement that is still running on the server.

    Between chunks the job polls its token, but a query can spend minutes before its first
    row (a big sort). psycopg's ``cancel_safe`` asks the server to stop it; it runs in the
    thread that cancels (the window's), and the statement then fails with QueryCanceled,
    which the caller turns into Cancelled. SQLite is interrupted by its progress handler.
    """
    if job is None:
        return lambda: None
    raw = connection.connection.dbapi_connection
    interrupt = getattr(raw, "cancel_safe", None)  # psycopg >= 3.2
    if interrupt is None:
        return lambda: None
    return job.cancel.on_cancel(interrupt)


def _chain(exc: BaseException) -> BaseException | None:
    """Keep the driver error as the cause only when it cannot hold connection secrets."""
    return None if is_connection_error(exc) else exc


def _create_engine(url: URL, backend: Backend, job: Job | None) -> Engine:
    _require_driver(url, backend)
    options: dict[str, Any] = {"poolclass": NullPool}
    if backend.drivername == "sqlite":
        return _engine_or_driver_error(
            lambda: sa.create_engine("sqlite://", creator=_sqlite_creator(url, job), **options),
            backend,
        )
    if backend.drivername == "duckdb":
        _existing_file(url, backend)
        options["connect_args"] = {"read_only": True}
    elif backend.drivername == "postgresql+psycopg":
        # A statement timeout (the user's own "options" may change it), then read-only last so
        # nothing in the URL can turn it off.
        session = f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}"
        extra = url.query.get("options")
        if extra:
            session += f" {extra if isinstance(extra, str) else ' '.join(extra)}"
        session += " -c default_transaction_read_only=on"
        if extra:
            url = url.difference_update_query(["options"])
        options["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": session,
            "application_name": "Gristmill",
        }
    elif backend.drivername in {"mysql+pymysql", "mariadb+pymysql"}:
        options["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "init_command": "SET SESSION TRANSACTION READ ONLY",
        }
    elif backend.drivername == "mssql+pyodbc":
        options["connect_args"] = {"timeout": CONNECT_TIMEOUT_S}
    return _engine_or_driver_error(lambda: sa.create_engine(url, **options), backend)


def _require_driver(url: URL, backend: Backend) -> None:
    """Import the dialect and its driver now, to name the pip extra if one is missing."""
    _engine_or_driver_error(lambda: url.get_dialect().import_dbapi(), backend)


def _engine_or_driver_error(make: Callable[[], Any], backend: Backend) -> Any:
    try:
        return make()
    except (ImportError, sa_exc.NoSuchModuleError):
        from engine.optional_parts import install_hint

        what = f"the {backend.name} driver"
        raise DatabaseError(
            f"The {backend.name} driver ({backend.package}) is not installed.",
            install_hint(backend.extra, what) if backend.extra else "Reinstall Gristmill.",
        ) from None


def _existing_file(url: URL, backend: Backend) -> Path:
    """The database file a URL names; it must exist (opening must never create one)."""
    database = url.database or ""
    if database.startswith("file:"):  # sqlite:///file:PATH?mode=ro&uri=true style
        database = database[len("file:") :].split("?", 1)[0]
    if database in {"", ":memory:"}:
        raise DatabaseError(
            f"An in-memory {backend.name} database is always empty.",
            f"Give the path of a {backend.name} file, like {backend.drivername.split('+')[0]}"
            ":///C:/data/crm.db.",
        )
    path = Path(database).expanduser()
    if not path.exists():
        raise DatabaseError(
            f"There is no {backend.name} file at {path}.",
            "Check the path; Gristmill opens existing databases and never creates one.",
        )
    if not path.is_file():
        raise DatabaseError(f"{path} is a folder, not a {backend.name} database file.")
    return path


def was_cancelled(exc: BaseException, job: Job | None) -> bool:
    """Whether a driver error means the user stopped the work (Cancel or Ctrl-C).

    Ctrl-C during a long SQLite statement lands in the progress handler (the only Python
    code that runs then); sqlite3 turns the KeyboardInterrupt into an "interrupted" error.
    The handler interrupts a statement only on cancel, so "interrupted" from SQLite always
    means the user stopped it.
    """
    if job is not None and job.cancel.cancelled:
        return True
    original = getattr(exc, "orig", None)
    return type(original).__module__ == "sqlite3" and str(original) == "interrupted"


def _sqlite_creator(url: URL, job: Job | None) -> Callable[[], Any]:
    import sqlite3

    path = _existing_file(url, backend_of(url))
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:  # an empty file is a valid, empty database
        raise DatabaseError(
            f"The file {path.name} is not a SQLite database.",
            "Choose a .db/.sqlite file, or open the file as a table file instead.",
        )
    uri = path.resolve().as_uri() + "?mode=ro"

    def create() -> sqlite3.Connection:
        raw = sqlite3.connect(uri, uri=True)
        if job is not None:
            token = job.cancel
            # Called every N virtual-machine steps: a long statement stops on cancel.
            raw.set_progress_handler(lambda: 1 if token.cancelled else 0, 10_000)
        return raw

    return create
