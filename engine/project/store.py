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
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import ProjectError
from engine.jobs import CancelToken, Job, ProgressCallback
from engine.profile.schema import Schema
from engine.project import snapshot as snapshots
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
from engine.project.fingerprint import DatasetFingerprint
from engine.project.migrations import (
    CURRENT_VERSION,
    copy_database,
    make_backup,
    migrate,
    read_schema_version,
    utc_now,
)
from engine.project.records import (
    SourceRecord,
    clean_name,
    fingerprint_from_row,
    record_from_rows,
    refuse_duplicate,
    source_row,
    storable,
)
from engine.project.tables import (
    FingerprintRow,
    MetaRow,
    SchemaRow,
    SettingRow,
    SnapshotRow,
    SourceRow,
)
from engine.sources.base import Source

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

ACTIVE_SOURCE = "active_source_id"
"""Setting key: the id of the source the window shows (cleared when that source goes)."""

IN_PROCESS_WAIT_SECONDS = 120.0
"""Busy timeout while another thread of this project is inside a transaction. Writers of one
project never wait for each other inside SQLite (they queue on the project's lock first), so
such a wait always ends when the other thread's transaction does: no deadlock to escape."""


class Project:
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

    # -- sources --------------------------------------------------------------------------

    def add_source(self, name: str, source: Source) -> int:
        """Remember a data source under a unique ``name``; returns its id."""
        name = clean_name(name)
        stored = storable(source)
        with self._transaction("add the data source", write=True) as session:
            refuse_duplicate(session, name)
            row = SourceRow(
                name=name,
                kind=stored["kind"],
                source_json=json.dumps(stored, ensure_ascii=False),
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()
            return row.id

    def add_source_with_data(
        self,
        name: str,
        source: Source,
        schema: Schema,
        fingerprint: DatasetFingerprint,
        frame: pd.DataFrame | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        rename_if_taken: bool = False,
        make_active: bool = True,
    ) -> int:
        """Add a source with its schema, fingerprint and (if ``frame``) a copy of its table.

        All in one transaction, so a failure, a cancel or even a killed process leaves the
        project with all of it or none of it. The copy is compressed first, outside the
        transaction (cancellable, the file untouched). ``rename_if_taken`` picks
        ``name (2)``, ``name (3)``... when ``name`` is in use; ``make_active`` makes the new
        source the one the window shows. Returns the new source's id.
        """
        job = Job(progress, cancel)
        name = clean_name(name)
        stored = storable(source)
        data = None
        if frame is not None:
            data = snapshots.encode_frame(frame, job.sub(0.0, 0.6))
        with self._transaction("add the data source", write=True) as session:
            if rename_if_taken:
                name = _free_name(session, name)
            refuse_duplicate(session, name)
            row = SourceRow(
                name=name,
                kind=stored["kind"],
                source_json=json.dumps(stored, ensure_ascii=False),
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()
            source_id = row.id
            session.add(_schema_row(source_id, schema))
            session.add(_fingerprint_row(source_id, fingerprint))
            if data is not None and frame is not None:
                snapshots.write_snapshot(
                    session, source_id, data, len(frame), utc_now(), job.sub(0.6, 1.0)
                )
            if make_active:
                session.merge(SettingRow(key=ACTIVE_SOURCE, value_json=json.dumps(source_id)))
        job.done("Saved in the project")
        return source_id

    def list_sources(self) -> list[SourceRecord]:
        """Every source, oldest first, with its fingerprint and whether a snapshot is kept."""
        with self._transaction("read the data sources") as session:
            rows = session.scalars(select(SourceRow).order_by(SourceRow.id)).all()
            prints = {row.source_id: row for row in session.scalars(select(FingerprintRow))}
            kept = set(session.scalars(select(SnapshotRow.source_id)))
            return [record_from_rows(row, prints.get(row.id), row.id in kept) for row in rows]

    def rename_source(self, source_id: int, name: str) -> None:
        """Give a source another unique name."""
        name = clean_name(name)
        with self._transaction("rename the data source", write=True) as session:
            row = source_row(session, source_id)
            if row.name != name:
                refuse_duplicate(session, name)
                row.name = name

    def remove_source(self, source_id: int) -> None:
        """Forget a source with its schema, fingerprint and snapshot."""
        with self._transaction("remove the data source", write=True) as session:
            session.delete(source_row(session, source_id))
            active = session.get(SettingRow, ACTIVE_SOURCE)
            if active is not None and json.loads(active.value_json) == source_id:
                session.delete(active)

    # -- schema, fingerprint, snapshot ----------------------------------------------------

    def save_schema(self, source_id: int, schema: Schema) -> None:
        """Store the column kinds and roles of a source (replacing the previous ones)."""
        with self._transaction("save the column types", write=True) as session:
            source_row(session, source_id)
            session.merge(_schema_row(source_id, schema))

    def load_schema(self, source_id: int) -> Schema | None:
        """The stored schema of a source, or None if none was saved."""
        with self._transaction("read the column types") as session:
            source_row(session, source_id)
            row = session.get(SchemaRow, source_id)
            return None if row is None else Schema.from_dict(json.loads(row.schema_json))

    def save_fingerprint(self, source_id: int, fingerprint: DatasetFingerprint) -> None:
        """Store the fingerprint of a source's table (replacing the previous one)."""
        with self._transaction("save the data fingerprint", write=True) as session:
            source_row(session, source_id)
            session.merge(_fingerprint_row(source_id, fingerprint))

    def load_fingerprint(self, source_id: int) -> DatasetFingerprint | None:
        """The stored fingerprint of a source, or None."""
        with self._transaction("read the data fingerprint") as session:
            source_row(session, source_id)
            return fingerprint_from_row(session.get(FingerprintRow, source_id))

    def save_snapshot(
        self,
        source_id: int,
        frame: pd.DataFrame,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        """Keep a copy of a source's table in the project (replacing the previous copy).

        Cancelling leaves the previous copy in place.
        """
        job = Job(progress, cancel)
        with self._transaction("save the copy of the table") as session:
            source_row(session, source_id)
        data = snapshots.encode_frame(frame, job.sub(0.0, 0.6))
        with self._transaction("save the copy of the table", write=True) as session:
            source_row(session, source_id)
            snapshots.write_snapshot(
                session, source_id, data, len(frame), utc_now(), job.sub(0.6, 1.0)
            )
        job.done("Copy of the table saved")

    def replace_data(
        self,
        source_id: int,
        schema: Schema,
        fingerprint: DatasetFingerprint,
        frame: pd.DataFrame | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        """Store a source's new schema, fingerprint and (if ``frame``) copy of its table.

        One transaction, like :meth:`add_source_with_data`: the project keeps either the old
        three or the new three, never a mix.
        """
        job = Job(progress, cancel)
        with self._transaction("save the copy of the table") as session:
            source_row(session, source_id)  # fail before the long encoding
        data = None if frame is None else snapshots.encode_frame(frame, job.sub(0.0, 0.6))
        with self._transaction("save the refreshed table", write=True) as session:
            source_row(session, source_id)
            session.merge(_schema_row(source_id, schema))
            session.merge(_fingerprint_row(source_id, fingerprint))
            if data is not None and frame is not None:
                snapshots.write_snapshot(
                    session, source_id, data, len(frame), utc_now(), job.sub(0.6, 1.0)
                )
        job.done("Saved in the project")

    def load_snapshot(
        self,
        source_id: int,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> pd.DataFrame | None:
        """The kept copy of a source's table, or None if there is none."""
        job = Job(progress, cancel)
        with self._transaction("read the copy of the table") as session:
            source_row(session, source_id)
            data = snapshots.read_snapshot(session, source_id, job.sub(0.0, 0.3))
        if data is None:
            return None
        frame = snapshots.decode_frame(data, job.sub(0.3, 1.0))
        job.done("Copy of the table read")
        return frame

    def remove_snapshot(self, source_id: int) -> None:
        """Drop the kept copy of a source's table (:meth:`compact` then shrinks the file)."""
        with self._transaction("remove the copy of the table", write=True) as session:
            source_row(session, source_id)
            session.execute(delete(SnapshotRow).where(SnapshotRow.source_id == source_id))

    def compact(self) -> None:
        """Give the space of removed data back to the disk (SQLite's VACUUM; all or nothing)."""
        with (
            self._gate.enter(write=True),
            guard(self._path, "compact the project", self._gate.busy),
            raw_connection(self._live_engine()) as raw,
        ):
            raw.execute("VACUUM")

    # -- settings -------------------------------------------------------------------------

    def set_setting(self, key: str, value: Any) -> None:
        """Store a project setting; ``value`` must be plain JSON (text, numbers, lists...)."""
        try:
            encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ProjectError(f"The setting {key!r} cannot be stored: {error}.") from error
        with self._transaction("save a project setting", write=True) as session:
            session.merge(SettingRow(key=key, value_json=encoded))

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A project setting, or ``default`` when it was never set."""
        with self._transaction("read a project setting") as session:
            row = session.get(SettingRow, key)
            return default if row is None else json.loads(row.value_json)

    def delete_setting(self, key: str) -> None:
        """Forget a project setting (no error if it was not set)."""
        with self._transaction("remove a project setting", write=True) as session:
            session.execute(delete(SettingRow).where(SettingRow.key == key))

    def settings(self) -> dict[str, Any]:
        """Every project setting."""
        with self._transaction("read the project settings") as session:
            return {
                row.key: json.loads(row.value_json)
                for row in session.scalars(select(SettingRow).order_by(SettingRow.key))
            }

    # -- internals ------------------------------------------------------------------------

    def _live_engine(self) -> Engine:
        if self._engine is None:
            raise ProjectError("This project is closed.", "Open it again to continue.")
        return self._engine

    @contextmanager
    def _transaction(self, action: str, *, write: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        ``write=True`` for anything that changes the file: the transaction waits for this
        project's other writers (the lock), then starts with ``BEGIN IMMEDIATE``. Reads use a
        plain ``BEGIN`` and take no lock.
        """
        self._live_engine()
        with self._gate.enter(write=write) as others:
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


def _schema_row(source_id: int, schema: Schema) -> SchemaRow:
    return SchemaRow(
        source_id=source_id,
        schema_json=json.dumps(schema.to_dict(), ensure_ascii=False),
        updated_at=utc_now(),
    )


def _fingerprint_row(source_id: int, fingerprint: DatasetFingerprint) -> FingerprintRow:
    return FingerprintRow(
        source_id=source_id,
        rows=fingerprint.rows,
        columns_json=json.dumps(fingerprint.to_dict()["columns"], ensure_ascii=False),
        content_hash=fingerprint.content_hash,
        updated_at=utc_now(),
    )


def _free_name(session: Session, name: str) -> str:
    """``name``, or ``name (2)``, ``name (3)``... whichever no source uses yet."""
    taken = set(session.scalars(select(SourceRow.name)))
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate
