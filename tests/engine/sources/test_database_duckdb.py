"""DuckDB files through duckdb-engine (the optional extra ``gristmill[duckdb]``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.errors import DatabaseError, UnsafeQueryError
from engine.jobs import Job
from engine.sources.base import DatabaseSource
from engine.sources.database import (
    TableInfo,
    check_connection,
    list_tables,
    load_query,
    preview_query,
)
from engine.sources.db_connect import connect

duckdb = pytest.importorskip("duckdb", reason="the duckdb extra is not installed")
pytest.importorskip("duckdb_engine", reason="the duckdb extra is not installed")


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute(
            "CREATE TABLE sales AS SELECT i::INTEGER AS id, 'r' || (i % 3) AS region, "
            "i * 1.5 AS amount, DATE '2024-01-01' + i::INTEGER AS day, "
            "CASE WHEN i % 2 = 0 THEN 'Y' ELSE 'N' END AS paid FROM range(5000) t(i)"
        )
        db.execute("CREATE VIEW big_sales AS SELECT * FROM sales WHERE amount > 7000")
        db.execute("CREATE SCHEMA archive")
        db.execute("CREATE TABLE archive.old_sales (id INTEGER)")
        db.execute("INSERT INTO archive.old_sales VALUES (1), (2)")
    return f"duckdb:///{path}"


def test_list_and_describe(warehouse: str) -> None:
    assert list_tables(warehouse) == [
        TableInfo(None, "big_sales", "view", None),
        TableInfo(None, "sales", "table", 5000),
        TableInfo("archive", "old_sales", "table", 2),
    ]
    text = check_connection(warehouse)
    assert text == f"Connected to DuckDB {duckdb.__version__}, file warehouse.duckdb, read-only"


def test_load_preview_and_schemas(warehouse: str) -> None:
    messages: list[str] = []
    job = Job(lambda fraction, message: messages.append(message), min_interval=0)
    loaded = load_query(DatabaseSource(warehouse, table="sales"), job, chunk_rows=2000)
    assert loaded.frame.shape == (5000, 5)
    assert str(loaded.frame["day"].dtype).startswith("datetime64")
    assert loaded.frame["paid"].dtype == "boolean"  # Y/N text recognised
    assert "Read 2,000 of about 5,000 rows" in messages
    old = load_query(DatabaseSource(warehouse, table="old_sales", schema="archive"), Job())
    assert old.frame["id"].tolist() == [1, 2]
    top = preview_query(
        DatabaseSource(warehouse, sql="SELECT region, count(*) AS n FROM sales GROUP BY 1 "
                       "ORDER BY 1"),
        rows=2,
    )
    assert top.frame.to_dict("list") == {"region": ["r0", "r1"], "n": [1667, 1667]}


def test_read_only_and_errors(warehouse: str, tmp_path: Path) -> None:
    with connect(warehouse) as (_, connection):
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            connection.execute(sa.text("INSERT INTO sales (id) VALUES (1)"))
        connection.rollback()
    with pytest.raises(UnsafeQueryError):
        load_query(DatabaseSource(warehouse, sql="DROP TABLE sales"), Job())
    missing = tmp_path / "missing.duckdb"
    with pytest.raises(DatabaseError, match="no DuckDB file"):
        list_tables(f"duckdb:///{missing}")
    assert not missing.exists()
    with pytest.raises(DatabaseError, match="does not exist"):
        load_query(DatabaseSource(warehouse, table="nope"), Job())
