"""The project store: one ``.gristmill`` file, a SQLite database opened through SQLAlchemy.

Saving: every change is written to the file the moment it is made, in its own transaction
(``with session.begin():``), so the engine never holds unsaved state. "Save" in the window
has nothing left to do; "Save As" (:meth:`Project.save_as`) copies the file with SQLite's
backup API and carries on in the copy.

Crash safety: the file uses SQLite's rollback journal (``journal_mode=DELETE``) with
``synchronous=FULL``. A transaction cut short by a crash or a killed process leaves a journal
beside the file, and the next open rolls the file back to the last committed state. A
rollback journal was chosen over WAL because the committed state always lives in the one
``.gristmill`` file (a user copying or mailing it gets everything) and it works on network
drives. Keep the ``-journal`` file next to the project after a crash: it is what repairs it.

Threads: the window runs long jobs on a worker thread while the GUI thread reads and writes
small things (settings, the list of sources) on the same :class:`Project`. Writes take a
per-project lock and begin with ``BEGIN IMMEDIATE``, so two writes never interleave: a second
write *waits* for the first to commit (as long as it takes: a GUI-thread write waits for a
snapshot being written by a job), it does not fail. So keep writes made from the GUI thread
small, and run the long ones (:meth:`Project.save_snapshot`,
:meth:`Project.add_source_with_data`) on a worker. Reads take no lock; they only wait (the
busy timeout, longer while another thread of this project is inside a transaction) while a
commit is being written. "In use by another window" is said only when the file stays busy
for the busy timeout with no other thread of this project using it.

Passwords never enter the file: database sources are stored without them, checked again here.
Nothing is pickled: values are JSON, tables are Parquet.

Where things live: :class:`Project` is assembled from one mixin per concern, each in its own
module; this module keeps the project's lifecycle and the machinery they all share.

- here (``store.py``): create, open, close, the context manager, :meth:`Project.copy_to`,
  :meth:`Project.save_as`, :meth:`Project.compact`, and ``_transaction`` with the writer
  lock, which every other method runs its reads and writes through;
- :mod:`engine.project.store_sources` (``SourcesMixin``): add, list, rename and remove
  sources, and the all-or-nothing :meth:`Project.add_source_with_data` and
  :meth:`Project.replace_data`;
- :mod:`engine.project.store_data` (``TableDataMixin``): each source's schema, fingerprint
  and kept copy of its table (snapshot);
- :mod:`engine.project.store_settings` (``SettingsMixin``): project settings, and the
  :data:`ACTIVE_SOURCE` key;
- :mod:`engine.project.store_exports` (``ExportsMixin``): exported ONNX models;
- :mod:`engine.project.store_drift` (``DriftMixin``): drift checks, each with its history
  entry and full report;
- :mod:`engine.project.store_runs` (``RunsMixin``): each source's problem, and training runs
  with their leaderboard, evaluation and fitted model.

Lower layers: :mod:`~engine.project.connection` (SQLite settings, locking, friendly errors),
:mod:`~engine.project.migrations` (schema versions), :mod:`~engine.project.tables` (the ORM
rows), :mod:`~engine.project.records` (how a source is stored) and
:mod:`~engine.project.snapshot` (the Parquet copies).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from engine.errors import ProjectError
from engine.project.connection import (
    BUSY_TIMEOUT,
    WRITE,
    ThreadGate,
    check_sqlite_file,
    guard,
    make_engine,
    raw_connection,
    write_transaction,
)
from engine.project.migrations import (
    CURRENT_VERSION,
    copy_database,
    make_backup,
    migrate,
    read_schema_version,
)
from engine.project.records import SourceRecord
from engine.project.store_data import TableDataMixin
from engine.project.store_drift import DriftMixin
from engine.project.store_exports import ExportsMixin
from engine.project.store_runs import RunsMixin
from engine.project.store_settings import ACTIVE_SOURCE, SettingsMixin
from engine.project.store_sources import SourcesMixin
from engine.project.tables import MetaRow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["ACTIVE_SOURCE", "IN_PROCESS_WAIT_SECONDS", "Project", "SourceRecord"]

IN_PROCESS_WAIT_SECONDS = 120.0
"""How long a transaction waits for this project's other threads (in the gate, and as the
SQLite busy timeout when one is inside). Threads of one project queue in the gate rather
than inside SQLite, so such a wait always ends when the other thread's transaction does."""


class Project(SourcesMixin, TableDataMixin, SettingsMixin, RunsMixin, ExportsMixin, DriftMixin):
    """An open ``.gristmill`` project file. Use :meth:`create` or :meth:`open`."""

    def __init__(self, path: Path, engine: Engine, migration_backup: Path | None = None) -> None:
        self._path = path
        self._engine: Engine | None = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._gate = ThreadGate()  # one writer at a time (see the module docstring)
        self.migration_backup = migration_backup
        """The copy made before this file was migrated to the current schema, if it was."""
        with self._transaction("read the project") as session:
            meta = session.get(MetaRow, 1)
            if meta is None:
                raise ProjectError(f"{path.name} has lost its version information.")
            self.schema_version = meta.schema_version
            self.created_with = meta.created_with
            self.created_at = datetime.fromisoformat(meta.created_at)

    # -- opening and closing ------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path) -> Project:
        """Create a new, empty project file; refuses to overwrite an existing file."""
        path = Path(path)
        try:
            with open(path, "xb"):  # exclusive create: never overwrite a file
                pass
        except FileExistsError:
            raise ProjectError(
                f"{path.name} already exists.", "Choose another name, or open that project."
            ) from None
        except OSError as error:
            raise ProjectError(
                f"Cannot create the project file {path}: {error.strerror}.",
                "Check that the folder exists and that you may write in it.",
            ) from None
        engine = make_engine(path)
        try:
            with guard(path, "create the project"), write_transaction(engine) as connection:
                migrate(connection, 0)
            return cls(path, engine)
        except BaseException:
            engine.dispose()
            path.unlink(missing_ok=True)
            raise

    @classmethod
    def open(cls, path: str | Path) -> Project:
        """Open a project file, migrating it to the current schema (after a backup copy)."""
        path = Path(path)
        check_sqlite_file(path)
        engine = make_engine(path)
        try:
            with guard(path, "open the project"), engine.connect() as connection:
                # A structural check (tens of ms for a 100 MB file) so a damaged file is
                # refused at once instead of failing later, or being written to further.
                if connection.exec_driver_sql("PRAGMA quick_check").scalar() != "ok":
                    raise ProjectError(
                        f"Could not open the project: {path.name} is damaged.",
                        "Open a backup copy of the project, or create a new project.",
                    )
                version = read_schema_version(connection)
            if version is None or version < 1:
                raise ProjectError(
                    f"{path.name} is a database, but not a Gristmill project.",
                    "Open a .gristmill file, or add this database as a data source instead.",
                )
            if version > CURRENT_VERSION:
                raise ProjectError(
                    f"{path.name} was made by a newer Gristmill (schema {version}); "
                    f"this one reads schema {CURRENT_VERSION} and older.",
                    "Update the app to open this project.",
                )
            backup = None
            if version < CURRENT_VERSION:
                with guard(path, "back up the project before updating it"):
                    backup = make_backup(path, version)
                with (
                    guard(path, "update the project to this version"),
                    write_transaction(engine) as connection,
                ):
                    migrate(connection, read_schema_version(connection) or version)
            return cls(path, engine, backup)
        except BaseException:
            engine.dispose()
            raise

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        """Release the file. Everything is already saved."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Project:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def copy_to(self, target: str | Path) -> Path:
        """A consistent copy of the project at ``target`` (replaced if it exists)."""
        target = Path(target)
        if target.resolve() == self._path.resolve():
            return target
        partial = target.with_name(target.name + ".partial")
        with self._gate.enter(write=True), guard(target, "copy the project", self._gate.busy):
            with raw_connection(self._live_engine()) as raw:
                copy_database(raw, partial)
            os.replace(partial, target)  # the target appears complete, or not at all
        return target

    def save_as(self, target: str | Path) -> None:
        """Copy the project to ``target`` and keep working in the copy (the window's Save As)."""
        target = Path(target)
        if target.resolve() == self._path.resolve():
            return
        with self._gate.enter(write=True):  # no write may land in the old file after the copy
            self.copy_to(target)
            self.close()
            engine = make_engine(target)
            self._path, self._engine = target, engine
            self._sessions = sessionmaker(engine, expire_on_commit=False)

    def compact(self) -> None:
        """Give the space of removed data back to the disk (SQLite's VACUUM; all or nothing)."""
        with (
            self._gate.enter(write=True),
            guard(self._path, "compact the project", self._gate.busy),
            raw_connection(self._live_engine()) as raw,
        ):
            raw.execute("VACUUM")

    # -- internals ------------------------------------------------------------------------

    def _live_engine(self) -> Engine:
        if self._engine is None:
            raise ProjectError("This project is closed.", "Open it again to continue.")
        return self._engine

    @contextmanager
    def _enter_gate(self, action: str, *, write: bool) -> Iterator[bool]:
        """The project's :class:`ThreadGate`, with its timeout told in words."""
        with ExitStack() as stack:
            try:
                others = stack.enter_context(
                    self._gate.enter(write=write, timeout=IN_PROCESS_WAIT_SECONDS)
                )
            except TimeoutError:
                raise ProjectError(
                    f"Could not {action}: {self._path.name} is still busy with another task "
                    "in this window.",
                    "Wait for the running task to finish (or cancel it), then try again.",
                ) from None
            yield others

    @contextmanager
    def _transaction(self, action: str, *, write: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        ``write=True`` for anything that changes the file: the transaction waits for this
        project's other writers (the lock), then starts with ``BEGIN IMMEDIATE``. Reads use a
        plain ``BEGIN`` and take no lock.
        """
        self._live_engine()
        with self._enter_gate(action, write=write) as others:
            options: dict[str, Any] = {WRITE: write}
            if others:
                options[BUSY_TIMEOUT] = IN_PROCESS_WAIT_SECONDS

            def busy_here() -> bool:
                return others or self._gate.busy()

            with (
                guard(self._path, action, busy_here),
                self._sessions() as session,
                session.begin(),
            ):
                # Procures the connection now, so the options reach the "begin" event.
                session.connection(execution_options=options)
                yield session
