"""The project store: files, sources, passwords, kinds, settings, copies of the file.

Kept copies of tables (snapshots) are tested in test_store_snapshots.py."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from project_files import count_rows, mixed_frame

from engine import __version__
from engine.errors import InputError, ProjectError
from engine.jobs import Cancelled, CancelToken
from engine.profile.schema import ColumnKind, ColumnRole, ColumnSchema, Schema
from engine.project import snapshot as snapshot_module
from engine.project.fingerprint import fingerprint_frame
from engine.project.migrations import CURRENT_VERSION
from engine.project.store import ACTIVE_SOURCE, Project
from engine.sources.base import DatabaseSource, FileSource

PASSWORD = "S3cr3t-Pa55"
_RANDOM = np.random.default_rng(2024)  # seeded: the same "random" files every run



# -- creating and opening ----------------------------------------------------------------


def test_create_then_open_keeps_the_facts_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "churn.gristmill"
    before = datetime.now(UTC)
    Project.create(path).close()
    with Project.open(path) as project:
        assert project.path == path
        assert project.schema_version == CURRENT_VERSION
        assert project.created_with == __version__
        assert project.created_at.tzinfo is not None
        assert project.created_at.utcoffset().total_seconds() == 0
        assert before <= project.created_at <= datetime.now(UTC)
        assert project.list_sources() == []
        assert project.migration_backup is None


def test_create_refuses_to_overwrite_and_reports_a_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "taken.gristmill"
    path.write_text("precious")
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(path)
    assert path.read_text() == "precious"
    with pytest.raises(ProjectError, match="Cannot create"):
        Project.create(tmp_path / "no" / "such" / "folder.gristmill")


def test_the_file_is_one_sqlite_file_with_a_rollback_journal(project: Project) -> None:
    connection = sqlite3.connect(project.path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    connection.close()
    project.add_source("a", FileSource("a.csv"))
    assert sorted(p.name for p in project.path.parent.iterdir()) == ["p.gristmill"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "it is empty"),
        (_RANDOM.bytes(8192), "not a Gristmill project file"),
        (b"name,age\nAnn,30\n", "not a Gristmill project file"),
        (b"SQLite format 3\x00" + _RANDOM.bytes(8192), "damaged"),
    ],
    ids=["empty", "random-bytes", "text-file", "random-bytes-behind-a-sqlite-header"],
)
def test_a_file_that_is_not_a_project_gives_a_clear_error(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.gristmill"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=expected):
        Project.open(path)


def test_missing_file_and_folder_give_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no project file"):
        Project.open(tmp_path / "gone.gristmill")
    with pytest.raises(ProjectError, match="is a folder"):
        Project.open(tmp_path)
    assert not (tmp_path / "gone.gristmill").exists()  # opening never creates a file


def test_a_damaged_project_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "p.gristmill"
    with Project.create(path) as project:
        source_id = project.add_source("data", FileSource("data.csv"))
        project.save_snapshot(source_id, mixed_frame(600))
    content = bytearray(path.read_bytes())
    # Keep page 1 (header and table list); scribble over every other page.
    rng = np.random.default_rng(7)
    content[4096:] = rng.integers(0, 256, len(content) - 4096, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(content))
    with pytest.raises(ProjectError, match="damaged"), Project.open(path) as damaged:
        damaged.list_sources()
        damaged.load_snapshot(source_id)


def test_a_closed_project_says_so(project: Project) -> None:
    project.close()
    with pytest.raises(ProjectError, match="closed"):
        project.list_sources()
    project.close()  # closing twice is harmless


# -- sources -----------------------------------------------------------------------------


def test_sources_round_trip(project: Project) -> None:
    file_source = FileSource("/data/churn.csv", sheet=None, encoding="cp1252", delimiter=";")
    excel = FileSource("/data/book.xlsx", format="excel", sheet="Q1", header_row=2)
    database = DatabaseSource("postgresql+psycopg://ana@db:5432/crm", table="customers",
                              schema="sales")
    query = DatabaseSource("sqlite:///data/shop.db", sql="SELECT * FROM orders")
    ids = [
        project.add_source("Churn", file_source),
        project.add_source("Book", excel),
        project.add_source("CRM", database),
        project.add_source("Orders", query),
    ]
    assert ids == sorted(ids)
    records = project.list_sources()
    assert [(r.id, r.name, r.source) for r in records] == list(
        zip(ids, ["Churn", "Book", "CRM", "Orders"], [file_source, excel, database, query],
            strict=True)
    )
    assert all(r.created_at.utcoffset().total_seconds() == 0 for r in records)
    assert all(r.fingerprint is None and not r.has_snapshot for r in records)
    project.close()
    with Project.open(project.path) as reopened:
        assert reopened.list_sources() == records


def test_source_names_are_unique_and_not_blank(project: Project) -> None:
    first = project.add_source("Customers", FileSource("a.csv"))
    with pytest.raises(InputError, match="already a data source named 'Customers'"):
        project.add_source("Customers", FileSource("b.csv"))
    with pytest.raises(InputError, match="needs a name"):
        project.add_source("   ", FileSource("b.csv"))
    second = project.add_source("  Orders\t2024 ", FileSource("b.csv"))
    assert [r.name for r in project.list_sources()] == ["Customers", "Orders 2024"]
    with pytest.raises(InputError, match="already"):
        project.rename_source(second, "Customers")
    project.rename_source(first, "Customers")  # its own name again is fine
    project.rename_source(first, "Clients")
    assert [r.name for r in project.list_sources()] == ["Clients", "Orders 2024"]


def test_remove_source_takes_everything_of_it_and_ids_are_not_reused(project: Project) -> None:
    frame = mixed_frame()
    keep = project.add_source("keep", FileSource("keep.csv"))
    gone = project.add_source("gone", FileSource("gone.csv"))
    for source_id in (keep, gone):
        project.save_schema(source_id, Schema((ColumnSchema("a", ColumnKind.NUMERIC),)))
        project.save_fingerprint(source_id, fingerprint_frame(frame))
        project.save_snapshot(source_id, frame)
    project.set_setting(ACTIVE_SOURCE, gone)
    project.remove_source(gone)
    assert [r.id for r in project.list_sources()] == [keep]
    assert project.get_setting(ACTIVE_SOURCE) is None
    for table in ("schemas", "fingerprints", "snapshots", "snapshot_chunks"):
        assert count_rows(project.path, f"{table} WHERE source_id = {gone}") == 0
        assert count_rows(project.path, f"{table} WHERE source_id = {keep}") >= 1
    assert project.add_source("new", FileSource("new.csv")) == gone + 1
    with pytest.raises(ProjectError, match=f"no data source number {gone}"):
        project.load_schema(gone)


def test_unknown_source_ids_give_a_clear_error(project: Project) -> None:
    for call in (
        lambda: project.rename_source(42, "x"),
        lambda: project.remove_source(42),
        lambda: project.save_schema(42, Schema()),
        lambda: project.load_fingerprint(42),
        lambda: project.save_snapshot(42, mixed_frame()),
        lambda: project.load_snapshot(42),
    ):
        with pytest.raises(ProjectError, match="no data source number 42"):
            call()


# -- passwords ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _LeakySource(DatabaseSource):
    """A source whose to_dict forgot to hide the password (a regression in another layer)."""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "database", "url": self.url, "table": self.table, "schema": self.schema,
                "sql": self.sql}


@pytest.mark.parametrize(
    "source",
    [
        DatabaseSource(f"postgresql+psycopg://ana:{PASSWORD}@db:5432/crm", table="t"),
        _LeakySource(f"postgresql+psycopg://ana:{PASSWORD}@db:5432/crm", table="t"),
        _LeakySource(f"postgresql+psycopg://ana@db/crm?password={PASSWORD}&sslmode=require",
                     table="t"),
        _LeakySource(f"mssql+pyodbc://ana@dsn?PWD={PASSWORD}", sql="SELECT 1"),
        _LeakySource(
            "mssql+pyodbc://ana@/?odbc_connect=DRIVER%3D%7BODBC+Driver+18%7D%3BSERVER%3Ddb"
            f"%3BUID%3Dana%3BPWD%3D%7B{PASSWORD}%7D%3BEncrypt%3Dyes",
            sql="SELECT 1",
        ),
    ],
    ids=["in-url", "leaky-to-dict", "in-query", "odbc-pwd", "odbc-connect-string"],
)
def test_no_password_reaches_the_file(project: Project, source: DatabaseSource) -> None:
    source_id = project.add_source("db", source)
    [record] = project.list_sources()
    assert record.id == source_id
    assert PASSWORD not in record.source.url
    assert record.source.url.startswith(source.url.split("://")[0] + "://ana@")
    if "sslmode" in source.url:
        assert record.source.url.endswith("?sslmode=require")  # other options are kept
    if "odbc_connect" in source.url:
        assert "Encrypt%3Dyes" in record.source.url and "UID%3Dana" in record.source.url
    project.close()
    assert PASSWORD.encode() not in project.path.read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://ana:p%40ss:w/rd@db/crm?sslmode=require",
        "postgresql+psycopg://ana@db/crm?PassWd=p%40ss%3Aw%2Frd&sslmode=require",
        "postgresql+psycopg://ana@db/crm?sslmode=require&Password=p%40ss%3Aw%2Frd",
    ],
    ids=["encoded-in-url", "encoded-passwd-query", "encoded-Password-query"],
)
def test_no_encoded_password_with_special_characters_reaches_the_file(
    project: Project, url: str
) -> None:
    project.add_source("db", _LeakySource(url, table="t"))
    [record] = project.list_sources()
    assert record.source.url == "postgresql+psycopg://ana@db/crm?sslmode=require"
    project.close()
    content = project.path.read_bytes()
    for form in ("p@ss:w/rd", "p%40ss:w/rd", "p%40ss%3Aw%2Frd", "p%40ss"):
        assert form.encode() not in content


def test_an_unreadable_database_address_is_refused_without_echoing_it(project: Project) -> None:
    source = _LeakySource(f"not a url {PASSWORD}", table="t")
    with pytest.raises(InputError) as caught:
        project.add_source("db", source)
    assert PASSWORD not in str(caught.value)
    assert project.list_sources() == []


# -- schema and fingerprint --------------------------------------------------------------


def test_schema_round_trip_and_replacement(project: Project) -> None:
    source_id = project.add_source("data", FileSource("data.csv"))
    assert project.load_schema(source_id) is None
    schema = Schema(
        (
            ColumnSchema("age", ColumnKind.NUMERIC, reason="numbers only", dtype="int64"),
            ColumnSchema("churned", ColumnKind.BOOLEAN, ColumnRole.TARGET, "yes/no", "bool"),
            ColumnSchema("note", ColumnKind.TEXT, ColumnRole.IGNORED, "long text", "str"),
        )
    )
    project.save_schema(source_id, schema)
    assert project.load_schema(source_id) == schema
    changed = schema.override("age", kind="categorical", role="ignored")
    project.save_schema(source_id, changed)
    project.close()
    with Project.open(project.path) as reopened:
        assert reopened.load_schema(source_id) == changed
        assert reopened.load_schema(source_id)["age"].overridden


def test_fingerprint_round_trip(project: Project) -> None:
    source_id = project.add_source("data", FileSource("data.csv"))
    assert project.load_fingerprint(source_id) is None
    fp = fingerprint_frame(mixed_frame())
    project.save_fingerprint(source_id, fp)
    assert project.load_fingerprint(source_id) == fp
    assert project.list_sources()[0].fingerprint == fp
    newer = fingerprint_frame(mixed_frame(12))
    project.save_fingerprint(source_id, newer)
    assert project.load_fingerprint(source_id) == newer


# -- settings ----------------------------------------------------------------------------


def test_settings_round_trip(project: Project) -> None:
    assert project.get_setting("missing", "default") == "default"
    project.set_setting(ACTIVE_SOURCE, 3)
    project.set_setting("recent", ["a", "b"])
    project.set_setting("view", {"zoom": 1.5, "dark": True, "note": None})
    project.set_setting("recent", ["c"])
    project.close()
    with Project.open(project.path) as reopened:
        assert reopened.settings() == {
            ACTIVE_SOURCE: 3,
            "recent": ["c"],
            "view": {"zoom": 1.5, "dark": True, "note": None},
        }
        reopened.delete_setting("recent")
        reopened.delete_setting("never-set")
        assert reopened.get_setting("recent") is None
        with pytest.raises(ProjectError, match="cannot be stored"):
            reopened.set_setting("bad", {1, 2})
        with pytest.raises(ProjectError, match="cannot be stored"):
            reopened.set_setting("bad", float("nan"))


# -- save as -----------------------------------------------------------------------------


def test_save_as_copies_everything_and_continues_in_the_copy(project: Project) -> None:
    source_id = project.add_source("data", FileSource("data.csv"))
    project.save_snapshot(source_id, mixed_frame())
    project.set_setting("k", "v")
    original = project.path
    target = original.with_name("copy.gristmill")
    project.save_as(target)
    assert project.path == target
    project.add_source("only in the copy", FileSource("b.csv"))
    with Project.open(original) as old:
        assert [r.name for r in old.list_sources()] == ["data"]
    with Project.open(target) as copy:
        assert [r.name for r in copy.list_sources()] == ["data", "only in the copy"]
        pd.testing.assert_frame_equal(copy.load_snapshot(source_id), mixed_frame())
        assert copy.get_setting("k") == "v"
    assert not list(original.parent.glob("*.partial"))


def test_copy_to_replaces_the_target_and_keeps_working_in_the_original(
    project: Project,
) -> None:
    project.add_source("data", FileSource("data.csv"))
    target = project.path.with_name("backup.gristmill")
    target.write_text("old content")
    assert project.copy_to(target) == target
    project.add_source("later", FileSource("later.csv"))
    with Project.open(target) as copy:
        assert [r.name for r in copy.list_sources()] == ["data"]
    assert [r.name for r in project.list_sources()] == ["data", "later"]


def test_a_project_can_be_used_from_a_worker_thread(project: Project) -> None:
    """The window runs long jobs on worker threads and reads the project from the GUI thread."""
    import threading

    source_id = project.add_source("data", FileSource("data.csv"))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            project.save_snapshot(source_id, mixed_frame())
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert errors == []
    pd.testing.assert_frame_equal(project.load_snapshot(source_id), mixed_frame())


# -- adding a source with its data in one transaction ---------------------------------------


def _add_with_data(project: Project, name: str, frame: pd.DataFrame | None, **options: Any) -> int:
    return project.add_source_with_data(
        name,
        FileSource(f"{name}.csv"),
        Schema([ColumnSchema("x", ColumnKind.NUMERIC, ColumnRole.FEATURE)]),
        fingerprint_frame(frame if frame is not None else pd.DataFrame()),
        frame,
        **options,
    )


def test_add_source_with_data_stores_everything_at_once(project: Project) -> None:
    frame = mixed_frame()
    first = _add_with_data(project, "data", frame)
    second = _add_with_data(project, "data", None, rename_if_taken=True, make_active=False)
    records = project.list_sources()
    assert [(r.id, r.name, r.has_snapshot) for r in records] == [
        (first, "data", True),
        (second, "data (2)", False),
    ]
    assert records[0].fingerprint == fingerprint_frame(frame)
    assert project.load_schema(first).columns[0].kind == ColumnKind.NUMERIC
    pd.testing.assert_frame_equal(project.load_snapshot(first), frame)
    assert project.get_setting(ACTIVE_SOURCE) == first
    with pytest.raises(InputError):
        _add_with_data(project, "data", None)  # taken, and no renaming asked for


def test_add_source_with_data_that_fails_or_is_cancelled_adds_nothing(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot_module, "CHUNK_BYTES", 1024)
    unkeepable = pd.DataFrame({"code": pd.Series(["A1", 7, None], dtype="object")})
    with pytest.raises(ProjectError, match="cannot be kept inside the project"):
        _add_with_data(project, "bad", unkeepable)
    token = CancelToken()

    def cancel_while_writing(fraction: float, message: str) -> None:
        if message.startswith("Writing"):  # inside the transaction, after the source row
            token.cancel()

    frame = pd.DataFrame({"x": np.random.default_rng(3).random(20_000)})
    with pytest.raises(Cancelled):
        _add_with_data(project, "big", frame, progress=cancel_while_writing, cancel=token)
    assert project.list_sources() == []
    assert project.settings() == {}
    for table in ("sources", "schemas", "fingerprints", "snapshots", "snapshot_chunks"):
        assert count_rows(project.path, table) == 0
