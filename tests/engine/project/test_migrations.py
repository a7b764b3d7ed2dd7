"""Schema versions: new files match the ORM models, old files migrate, newer files are refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from project_files import dump
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection

from engine.errors import ProjectError
from engine.profile.schema import ColumnKind, ColumnSchema, Schema
from engine.project import migrations
from engine.project.fingerprint import fingerprint_frame
from engine.project.store import Project
from engine.project.tables import Base
from engine.sources.base import FileSource

# Version 1 as it was laid down, written out by hand (not taken from migrations.py) so the
# test keeps describing old files even if someone edits the migration by mistake.
V1_DDL = [
    "CREATE TABLE meta (id INTEGER NOT NULL, schema_version INTEGER NOT NULL,"
    " created_with TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (id),"
    " CONSTRAINT meta_single_row CHECK (id = 1))",
    "CREATE TABLE settings (key TEXT NOT NULL, value_json TEXT NOT NULL, PRIMARY KEY (key))",
    "CREATE TABLE sources (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, source_json TEXT NOT NULL,"
    " created_at TEXT NOT NULL)",
    "CREATE TABLE schemas (source_id INTEGER NOT NULL, schema_json TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, PRIMARY KEY (source_id),"
    " FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE)",
]
V2_DDL = [
    "CREATE TABLE fingerprints (source_id INTEGER NOT NULL, rows INTEGER NOT NULL,"
    " columns_json TEXT NOT NULL, content_hash TEXT NOT NULL, updated_at TEXT NOT NULL,"
    " PRIMARY KEY (source_id),"
    " FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE)",
]
SCHEMA = Schema((ColumnSchema("age", ColumnKind.NUMERIC, reason="numbers", dtype="int64"),))


def _old_file(path: Path, version: int) -> Path:
    """A project file as version 1 or 2 of the app wrote it, with one source and its schema."""
    connection = sqlite3.connect(path)
    for statement in V1_DDL + (V2_DDL if version >= 2 else []):
        connection.execute(statement)
    connection.execute(
        "INSERT INTO meta VALUES (1, ?, '0.0.9', '2024-01-02T03:04:05.000000+00:00')", (version,)
    )
    source = {"kind": "file", **FileSource("/data/churn.csv").to_dict()}
    connection.execute(
        "INSERT INTO sources (name, kind, source_json, created_at)"
        " VALUES ('Churn', 'file', ?, '2024-01-02T03:04:05.000000+00:00')",
        (json.dumps(source),),
    )
    connection.execute(
        "INSERT INTO schemas VALUES (1, ?, '2024-01-02T03:04:05.000000+00:00')",
        (json.dumps(SCHEMA.to_dict()),),
    )
    connection.execute("INSERT INTO settings VALUES ('active_source_id', '1')")
    if version >= 2:
        connection.execute(
            "INSERT INTO fingerprints VALUES (1, 2, '[[\"age\", \"int64\"]]', 'abc',"
            " '2024-01-02T03:04:05.000000+00:00')"
        )
    connection.commit()
    connection.close()
    return path


def _shape(engine_url: str) -> dict[str, object]:
    """Tables, columns (name, type, nullable, key), foreign keys and unique sets, as reflected."""
    engine = create_engine(engine_url)
    try:
        inspector = inspect(engine)
        shape: dict[str, object] = {}
        for table in sorted(inspector.get_table_names()):
            if table.startswith("sqlite_"):
                continue
            shape[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("primary_key"))
                    for c in inspector.get_columns(table)
                ],
                "foreign_keys": sorted(
                    (
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        fk["options"].get("ondelete"),
                    )
                    for fk in inspector.get_foreign_keys(table)
                ),
                "unique": sorted(
                    tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
                ),
            }
        return shape
    finally:
        engine.dispose()


def test_migrations_are_numbered_one_to_current_without_gaps() -> None:
    assert sorted(migrations.MIGRATIONS) == list(range(1, migrations.CURRENT_VERSION + 1))


def test_a_new_file_matches_the_orm_models_exactly(tmp_path: Path) -> None:
    Project.create(tmp_path / "new.gristmill").close()
    models = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    Base.metadata.create_all(models)
    models.dispose()
    migrated = _shape(f"sqlite:///{tmp_path / 'new.gristmill'}")
    assert migrated == _shape(f"sqlite:///{tmp_path / 'models.db'}")
    assert set(migrated) == set(Base.metadata.tables)


@pytest.mark.parametrize("version", [1, 2])
def test_an_old_file_is_migrated_keeping_its_data_and_a_backup(
    tmp_path: Path, version: int
) -> None:
    path = _old_file(tmp_path / "old.gristmill", version)
    original = dump(path)
    with Project.open(path) as project:
        assert project.schema_version == migrations.CURRENT_VERSION
        assert project.created_with == "0.0.9"  # creation facts survive the migration
        [record] = project.list_sources()
        assert (record.id, record.name) == (1, "Churn")
        assert record.source == FileSource("/data/churn.csv")
        assert project.load_schema(1) == SCHEMA
        assert project.get_setting("active_source_id") == 1
        # the new tables work
        frame = pd.DataFrame({"age": [30, 41]})
        project.save_snapshot(1, frame)
        project.save_fingerprint(1, fingerprint_frame(frame))
        pd.testing.assert_frame_equal(project.load_snapshot(1), frame)
        backup = project.migration_backup
    assert backup is not None
    assert backup.name == f"old.schema{version}-backup.gristmill"
    assert dump(backup) == original  # the same content as the file before migrating
    assert _shape(f"sqlite:///{path}") == _shape(f"sqlite:///{_fresh(tmp_path)}")
    # opening again needs no migration and makes no second backup
    with Project.open(path) as project:
        assert project.migration_backup is None
    assert sorted(p.name for p in tmp_path.glob("old.*")) == [
        "old.gristmill",
        f"old.schema{version}-backup.gristmill",
    ]


def _fresh(tmp_path: Path) -> Path:
    path = tmp_path / "fresh.gristmill"
    Project.create(path).close()
    return path


def test_a_second_backup_does_not_overwrite_the_first(tmp_path: Path) -> None:
    path = _old_file(tmp_path / "old.gristmill", 1)
    (tmp_path / "old.schema1-backup.gristmill").write_bytes(b"an older backup")
    with Project.open(path) as project:
        assert project.migration_backup == tmp_path / "old.schema1-backup-2.gristmill"
    assert (tmp_path / "old.schema1-backup.gristmill").read_bytes() == b"an older backup"


def test_a_failing_migration_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _old_file(tmp_path / "old.gristmill", 1)

    def broken(connection: Connection) -> None:
        connection.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setitem(migrations.MIGRATIONS, migrations.CURRENT_VERSION, broken)
    with pytest.raises(ProjectError, match="update the project"):
        Project.open(path)
    connection = sqlite3.connect(path)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    version = connection.execute("SELECT schema_version FROM meta").fetchone()[0]
    connection.close()
    # migrations 2.. ran in the same transaction as the broken one: all of them rolled back
    assert version == 1
    assert "half_done" not in tables
    assert "fingerprints" not in tables


def test_a_file_from_a_newer_app_is_refused_untouched(tmp_path: Path) -> None:
    path = _old_file(tmp_path / "future.gristmill", 2)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET schema_version = 99")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError) as caught:
        Project.open(path)
    message = str(caught.value)
    assert "made by a newer Gristmill (schema 99)" in message
    assert "Update the app" in message
    assert path.read_bytes() == before
    assert list(tmp_path.glob("*backup*")) == []


def test_a_sqlite_database_of_another_program_is_not_a_project(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE customers (id INTEGER)")
    connection.commit()
    connection.close()
    with pytest.raises(ProjectError, match="not a Gristmill project"):
        Project.open(path)
