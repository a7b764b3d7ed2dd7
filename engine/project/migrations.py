"""Schema versions of the ``.gristmill`` file and the forward migrations between them.

``MIGRATIONS[n]`` turns a version ``n - 1`` file into a version ``n`` file. A new project is
built by running every migration from 0, so a new file and a migrated file are made by the
same code. On open, the missing migrations run in ONE transaction (SQLite's DDL is
transactional): either the file reaches the current version or it stays as it was. A backup
copy is made first (:func:`make_backup`) in case the user wants to go back to an older app.

Migrations use frozen SQL, not the ORM models in :mod:`engine.project.tables`: a model
describes today's table, while a migration must keep building the table as it was at its
version. ``tests/engine/project/test_migrations.py`` checks that the migrated schema equals
the models. To add a table: declare its model in tables.py, then append a function here
(``MIGRATIONS[4] = _v4_problem`` ...). To change a column in SQLite, follow the "make a new
table, copy, drop, rename" procedure inside the migration; foreign keys stay checked at commit
(``PRAGMA defer_foreign_keys = ON`` lets the copy happen in any order).

History:
1. meta, settings, sources, schemas
2. fingerprints
3. snapshots and snapshot_chunks
4. problems, runs, evaluations, models
5. exports
6. drift_checks
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

Migration = Callable[["Connection"], None]


def utc_now() -> str:
    """The current time as UTC ISO 8601 text, the format of every time in the file."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _run(connection: Connection, *statements: str) -> None:
    for statement in statements:
        connection.exec_driver_sql(statement)


def _v1_core(connection: Connection) -> None:
    from engine import __version__

    _run(
        connection,
        "CREATE TABLE meta ("
        " id INTEGER NOT NULL, schema_version INTEGER NOT NULL,"
        " created_with TEXT NOT NULL, created_at TEXT NOT NULL,"
        " PRIMARY KEY (id), CONSTRAINT meta_single_row CHECK (id = 1))",
        "CREATE TABLE settings ("
        " key TEXT NOT NULL, value_json TEXT NOT NULL, PRIMARY KEY (key))",
        "CREATE TABLE sources ("
        " id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
        " kind TEXT NOT NULL, source_json TEXT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE TABLE schemas ("
        " source_id INTEGER NOT NULL, schema_json TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " PRIMARY KEY (source_id),"
        " FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE)",
    )
    connection.exec_driver_sql(
        "INSERT INTO meta (id, schema_version, created_with, created_at) VALUES (1, 1, ?, ?)",
        (__version__, utc_now()),
    )


def _v2_fingerprints(connection: Connection) -> None:
    _run(
        connection,
        "CREATE TABLE fingerprints ("
        " source_id INTEGER NOT NULL, rows INTEGER NOT NULL, columns_json TEXT NOT NULL,"
        " content_hash TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " PRIMARY KEY (source_id),"
        " FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE)",
    )


def _v3_snapshots(connection: Connection) -> None:
    _run(
        connection,
        "CREATE TABLE snapshots ("
        " source_id INTEGER NOT NULL, format TEXT NOT NULL, compression TEXT NOT NULL,"
        " rows INTEGER NOT NULL, size_bytes INTEGER NOT NULL, chunk_count INTEGER NOT NULL,"
        " sha256 TEXT NOT NULL, created_at TEXT NOT NULL,"
        " PRIMARY KEY (source_id),"
        " FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE)",
        "CREATE TABLE snapshot_chunks ("
        " source_id INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,"
        " PRIMARY KEY (source_id, seq),"
        " FOREIGN KEY (source_id) REFERENCES snapshots (source_id) ON DELETE CASCADE)",
    )


def _v4_runs(connection: Connection) -> None:
    _run(
        connection,
        "CREATE TABLE problems ("
        " source_id INTEGER NOT NULL, problem_json TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " PRIMARY KEY (source_id),"
        " FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE)",
        "CREATE TABLE runs ("
        " id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, source_id INTEGER NOT NULL,"
        " status TEXT NOT NULL, seed INTEGER NOT NULL, problem_json TEXT NOT NULL,"
        " settings_json TEXT NOT NULL, recipe_json TEXT, best_json TEXT,"
        " leaderboard_json TEXT NOT NULL, split_json TEXT NOT NULL,"
        " timings_json TEXT NOT NULL, notes_json TEXT NOT NULL, data_hash TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE)",
        "CREATE TABLE evaluations ("
        " run_id INTEGER NOT NULL, evaluation_json TEXT NOT NULL, threshold_json TEXT,"
        " updated_at TEXT NOT NULL, PRIMARY KEY (run_id),"
        " FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE)",
        "CREATE TABLE models ("
        " run_id INTEGER NOT NULL, format TEXT NOT NULL, data BLOB NOT NULL,"
        " sha256 TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (run_id),"
        " FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE)",
    )


def _v5_exports(connection: Connection) -> None:
    _run(
        connection,
        "CREATE TABLE exports ("
        " id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL,"
        " name TEXT NOT NULL, onnx BLOB NOT NULL, sha256 TEXT NOT NULL,"
        " parity_json TEXT NOT NULL, folder TEXT, created_at TEXT NOT NULL,"
        " FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE)",
    )


def _v6_drift_checks(connection: Connection) -> None:
    # export_id is SET NULL, not CASCADE: a check's history outlives the export it was run on.
    _run(
        connection,
        "CREATE TABLE drift_checks ("
        " id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, export_id INTEGER,"
        " checked_at TEXT NOT NULL, model TEXT NOT NULL, model_fingerprint TEXT NOT NULL,"
        " source TEXT NOT NULL, level TEXT NOT NULL, entry_json TEXT NOT NULL,"
        " report_json TEXT NOT NULL, created_at TEXT NOT NULL,"
        " FOREIGN KEY (export_id) REFERENCES exports (id) ON DELETE SET NULL)",
    )


MIGRATIONS: dict[int, Migration] = {
    1: _v1_core,
    2: _v2_fingerprints,
    3: _v3_snapshots,
    4: _v4_runs,
    5: _v5_exports,
    6: _v6_drift_checks,
}
"""Version reached -> the function that reaches it from the version before."""

CURRENT_VERSION = max(MIGRATIONS)
"""The schema version this app writes."""


def read_schema_version(connection: Connection) -> int | None:
    """The file's schema version, or None when it has no ``meta`` table (not a project)."""
    found = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).first()
    if found is None:
        return None
    row = connection.exec_driver_sql("SELECT schema_version FROM meta WHERE id = 1").first()
    return None if row is None else int(row[0])


def migrate(connection: Connection, from_version: int) -> int:
    """Apply every migration after ``from_version`` inside the caller's transaction.

    Returns the version reached (:data:`CURRENT_VERSION`).
    """
    for version in range(from_version + 1, CURRENT_VERSION + 1):
        MIGRATIONS[version](connection)
        connection.exec_driver_sql("UPDATE meta SET schema_version = ? WHERE id = 1", (version,))
    return CURRENT_VERSION


def backup_path(path: Path, version: int) -> Path:
    """Where the copy of a version-``version`` file goes before it is migrated."""
    candidate = path.with_name(f"{path.stem}.schema{version}-backup{path.suffix}")
    counter = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.schema{version}-backup-{counter}{path.suffix}")
        counter += 1
    return candidate


def make_backup(path: Path, version: int) -> Path:
    """Copy ``path`` beside itself with SQLite's backup API; returns the copy's path.

    The copy is written under a temporary name and renamed when complete, so a crash never
    leaves a half-written backup that looks whole.
    """
    target = backup_path(path, version)
    partial = target.with_name(target.name + ".partial")
    copy_database(path, partial)
    os.replace(partial, target)
    return target


def copy_database(source: Path | sqlite3.Connection, target: Path) -> None:
    """A consistent copy of a SQLite database (a path or an open connection) to ``target``."""
    source_connection = (
        source if isinstance(source, sqlite3.Connection) else sqlite3.connect(str(source))
    )
    target_connection = sqlite3.connect(str(target))
    try:
        source_connection.backup(target_connection)
        # The copy is a file on its own: no journal to carry along.
        target_connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        target_connection.close()
        if source_connection is not source:
            source_connection.close()
