"""Database sources on real SQLite files: listing, preview, streaming load, read-only, errors."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from engine.errors import DatabaseError, InputError, UnsafeQueryError
from engine.jobs import Cancelled, CancelToken, Job
from engine.sources.base import DatabaseSource
from engine.sources.database import (
    TableInfo,
    check_connection,
    list_tables,
    load_query,
    preview_query,
)
from engine.sources.db_connect import connect

WEIRD = 'we"ird tāble; DROP TABLE customers --'


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    """A small CRM database written with the standard sqlite3 module."""
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, signed_up DATE, "
            "active TEXT, spend NUMERIC, region TEXT)"
        )
        db.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"customer {i}",
                    f"{i % 28 + 1:02d}/{i % 12 + 1:02d}/2023",  # dd/mm/yyyy, as text
                    "yes" if i % 3 else "no",
                    None if i < 1500 else i * 1.5,  # empty in the first chunks only
                    ["north", "south", "east"][i % 3],
                )
                for i in range(2500)
            ],
        )
        db.execute("CREATE TABLE empty_one (a INTEGER, b TEXT)")
        db.execute(f'CREATE TABLE "{WEIRD.replace(chr(34), chr(34) * 2)}" ("prix €" REAL, "" TEXT)')
        db.execute(f'INSERT INTO "{WEIRD.replace(chr(34), chr(34) * 2)}" VALUES (1.5, \'x\')')
        db.execute("CREATE VIEW active_customers AS SELECT * FROM customers WHERE active = 'yes'")
    return path


def test_list_tables_gives_tables_views_and_row_counts(crm: Path) -> None:
    tables = list_tables(_url(crm))
    assert tables == [
        TableInfo(None, "active_customers", "view", None),
        TableInfo(None, "customers", "table", 2500),
        TableInfo(None, "empty_one", "table", 0),
        TableInfo(None, WEIRD, "table", 1),
    ]


def test_test_connection_describes_the_database(crm: Path) -> None:
    text = check_connection(_url(crm))
    assert text.startswith(f"Connected to SQLite {sqlite3.sqlite_version}")
    assert "crm.db" in text and text.endswith("read-only")


def test_load_streams_in_chunks_with_progress(crm: Path) -> None:
    reports: list[tuple[float, str]] = []
    job = Job(lambda fraction, message: reports.append((fraction, message)), min_interval=0)
    loaded = load_query(DatabaseSource(_url(crm), table="customers"), job, chunk_rows=400)
    frame = loaded.frame
    assert frame.shape == (2500, 6)
    assert list(frame.columns) == ["id", "name", "signed_up", "active", "spend", "region"]
    # Text dates and yes/no values are recognised, as in a CSV file.
    assert str(frame["signed_up"].dtype).startswith("datetime64")
    assert frame["signed_up"].iloc[31] == pd.Timestamp("2023-08-04")
    assert frame["active"].dtype == "boolean"
    # A column empty in the first chunks and numeric later stays numeric.
    assert frame["spend"].dtype == "float64"
    assert frame["spend"].isna().sum() == 1500
    assert loaded.report.rows == 2500
    assert "signed_up" in loaded.report.column_notes
    assert "read-only" in loaded.report.notes[0]
    reads = [message for _, message in reports if message.startswith("Read ")]
    assert reads[0] == "Read 400 of about 2,500 rows"
    assert len(reads) == 7  # 2,500 rows in chunks of 400
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_load_a_select_with_duplicate_names_comments_and_colons(crm: Path) -> None:
    sql = (
        "-- the big spenders\n"
        "SELECT id, id, region || ':north' AS tag, 'a%b' AS pct FROM customers "
        "WHERE spend > 3000 ORDER BY id DESC; -- done"
    )
    loaded = load_query(DatabaseSource(_url(crm), sql=sql), Job())
    assert list(loaded.frame.columns) == ["id", "id (2)", "tag", "pct"]
    assert len(loaded.frame) == 499  # ids 2001..2499
    assert loaded.frame["id"].iloc[0] == 2499
    assert loaded.frame["tag"].iloc[0] == "north:north"
    assert loaded.frame["pct"].iloc[0] == "a%b"
    assert any("repeats the name 'id'" in note for note in loaded.report.notes)


def test_preview_limits_rows_in_the_database(crm: Path) -> None:
    table = preview_query(DatabaseSource(_url(crm), table="customers"), rows=5)
    assert len(table.frame) == 5
    assert table.frame["active"].dtype == "boolean"
    query = preview_query(
        DatabaseSource(_url(crm), sql="SELECT name FROM customers ORDER BY id DESC;"), rows=3
    )
    assert query.frame["name"].tolist() == ["customer 2499", "customer 2498", "customer 2497"]


def test_identifiers_are_quoted_by_sqlalchemy(crm: Path) -> None:
    loaded = load_query(DatabaseSource(_url(crm), table=WEIRD), Job())
    assert list(loaded.frame.columns) == ["prix €", "column_2"]
    assert loaded.frame["prix €"].tolist() == [1.5]
    # The "DROP TABLE" in the name was a name, nothing else.
    assert {t.name for t in list_tables(_url(crm))} >= {"customers", WEIRD}


def test_a_view_loads_like_a_table(crm: Path) -> None:
    loaded = load_query(DatabaseSource(_url(crm), table="active_customers"), Job())
    assert len(loaded.frame) == 1666


def test_the_file_is_opened_read_only(crm: Path) -> None:
    before = crm.read_bytes()
    with connect(_url(crm)) as (_, connection):
        with pytest.raises(sa.exc.OperationalError, match="readonly"):
            connection.execute(sa.text("INSERT INTO customers (id) VALUES (99999)"))
        connection.rollback()
    # The same error escaping our connection becomes a plain DatabaseError.
    with pytest.raises(DatabaseError, match="read-only"), connect(_url(crm)) as (_, connection):
        connection.execute(sa.text("DELETE FROM customers"))
    assert crm.read_bytes() == before


def test_a_statement_that_is_not_a_select_is_refused(crm: Path) -> None:
    for sql in ("DELETE FROM customers", "SELECT 1; DROP TABLE customers"):
        with pytest.raises(UnsafeQueryError):
            load_query(DatabaseSource(_url(crm), sql=sql), Job())
        with pytest.raises(UnsafeQueryError):
            preview_query(DatabaseSource(_url(crm), sql=sql))
    assert len(load_query(DatabaseSource(_url(crm), table="customers"), Job()).frame) == 2500


def test_a_missing_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(DatabaseError, match="no SQLite file") as caught:
        list_tables(_url(missing))
    assert "never creates" in str(caught.value)
    with pytest.raises(DatabaseError):
        load_query(DatabaseSource(_url(missing), table="t"), Job())
    assert not missing.exists()


def test_a_file_that_is_not_a_database_is_an_error(tmp_path: Path) -> None:
    fake = tmp_path / "notes.db"
    fake.write_text("name,amount\nana,12\n", encoding="utf-8")
    with pytest.raises(DatabaseError, match="not a SQLite database"):
        list_tables(_url(fake))
    with pytest.raises(DatabaseError, match="folder"):
        list_tables(_url(tmp_path))


def test_an_in_memory_database_is_refused() -> None:
    with pytest.raises(DatabaseError, match="in-memory"):
        list_tables("sqlite://")


def test_an_empty_table_is_an_error_to_load_but_previews_its_columns(crm: Path) -> None:
    with pytest.raises(DatabaseError, match="empty_one has no rows"):
        load_query(DatabaseSource(_url(crm), table="empty_one"), Job())
    with pytest.raises(DatabaseError, match="returned no rows"):
        load_query(DatabaseSource(_url(crm), sql="SELECT * FROM customers WHERE 0"), Job())
    preview = preview_query(DatabaseSource(_url(crm), table="empty_one"))
    assert list(preview.frame.columns) == ["a", "b"] and preview.frame.empty
    assert "There are no rows to show." in preview.report.notes


def test_a_table_dropped_after_listing_is_a_clear_error(crm: Path) -> None:
    assert "empty_one" in {t.name for t in list_tables(_url(crm))}
    with sqlite3.connect(crm) as db:
        db.execute("DROP TABLE empty_one")
    with pytest.raises(DatabaseError, match="empty_one does not exist") as caught:
        load_query(DatabaseSource(_url(crm), table="empty_one"), Job())
    assert "refresh" in str(caught.value)
    with pytest.raises(DatabaseError, match=r"uses a table that does not exist.*empty_one"):
        load_query(DatabaseSource(_url(crm), sql="SELECT * FROM empty_one"), Job())


def test_a_source_needs_a_table_or_a_query(crm: Path) -> None:
    with pytest.raises(InputError):
        load_query(DatabaseSource(_url(crm)), Job())
    with pytest.raises(InputError):
        preview_query(DatabaseSource(_url(crm), table="customers", sql="SELECT 1"))


def test_cancel_between_chunks(crm: Path) -> None:
    token = CancelToken()
    seen: list[str] = []

    def progress(fraction: float, message: str) -> None:
        seen.append(message)
        if message.startswith("Read "):
            token.cancel()

    with pytest.raises(Cancelled):
        load_query(
            DatabaseSource(_url(crm), table="customers"),
            Job(progress, token, min_interval=0),
            chunk_rows=400,
        )
    assert [m for m in seen if m.startswith("Read ")] == ["Read 400 of about 2,500 rows"]


def test_cancel_interrupts_a_running_sqlite_statement(crm: Path) -> None:
    # This query never ends on its own: only the interrupt of the cancel can stop it.
    endless = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
        "SELECT max(x) FROM n"
    )
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if message.startswith("Running the query"):
            token.cancel()

    with pytest.raises(Cancelled):
        load_query(DatabaseSource(_url(crm), sql=endless), Job(progress, token, min_interval=0))


@pytest.mark.parametrize(
    ("url", "module", "extra"),
    [
        ("mysql://ana@db.example/crm", "pymysql", "gristmill[mysql]"),
        ("mariadb://ana@db.example/crm", "pymysql", "gristmill[mysql]"),
        ("mssql://ana@crm_dsn", "pyodbc", "gristmill[mssql]"),
    ],
)
def test_a_missing_driver_names_the_pip_extra(
    url: str, module: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes "import <module>" fail
    with pytest.raises(DatabaseError, match="not installed") as caught:
        list_tables(url)
    assert f'pip install "{extra}"' in str(caught.value)


def test_the_packaged_app_never_tells_its_users_to_run_pip(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """The packaged app has no pip: it says what it lacks and what to do instead."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setitem(sys.modules, "pyodbc", None)
    with pytest.raises(DatabaseError) as caught:
        list_tables("mssql://ana@crm_dsn")
    said = str(caught.value)
    assert "The Gristmill app does not include the SQL Server driver" in said
    assert "Export the data to a file" in said


def test_a_missing_dialect_package_names_the_pip_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "duckdb_engine", None)
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(DatabaseError, match=r'pip install "gristmill\[duckdb\]"'):
        list_tables("duckdb:///nowhere.duckdb")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("oracle://scott@db/orcl", "cannot open 'oracle'"),
        ("postgresql+psycopg2://ana@db/crm", "psycopg driver"),
        ("not a url at all", "not a database address"),
    ],
)
def test_unsupported_addresses_are_refused_plainly(url: str, words: str) -> None:
    with pytest.raises(DatabaseError, match=words):
        check_connection(url)


def test_slow_chunks_get_smaller_so_cancel_stays_prompt(
    crm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import itertools
    import types

    from engine.sources import database

    ticks = itertools.count(step=1.0)  # each clock reading is one second later: every chunk
    monkeypatch.setattr(database, "time", types.SimpleNamespace(monotonic=lambda: next(ticks)))
    messages: list[str] = []
    job = Job(lambda fraction, message: messages.append(message), min_interval=0)
    load_query(DatabaseSource(_url(crm), table="customers"), job, chunk_rows=1600)
    reads = [message.split(" of ")[0] for message in messages if message.startswith("Read ")]
    assert reads == ["Read 1,600", "Read 2,400", "Read 2,500"]  # 1,600 then 800 then 500
