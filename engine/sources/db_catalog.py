"""What a database holds: schemas, tables and views with row estimates; a connection test.

Row estimates come from the database's own statistics where it keeps them (PostgreSQL
``pg_class.reltuples``, then ``pg_stat_user_tables``; DuckDB ``estimated_size``), so listing
a big warehouse stays instant. SQLite keeps none: ``max(rowid)`` is read from the index in no
time, and tables under a million rows are counted exactly. Other databases: unknown (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.sources.db_connect import Database, connect

EXACT_COUNT_BELOW = 1_000_000

_SYSTEM_SCHEMAS = frozenset(
    {
        "information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys",
        "guest", "db_owner", "db_accessadmin", "db_securityadmin", "db_ddladmin",
        "db_backupoperator", "db_datareader", "db_datawriter", "db_denydatareader",
        "db_denydatawriter", "temp",
    }
)


@dataclass(frozen=True)
class TableInfo:
    """One table or view. ``schema`` is None for SQLite's main database."""

    schema: str | None
    name: str
    kind: str  # "table" or "view"
    row_estimate: int | None

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "name": self.name,
            "kind": self.kind,
            "row_estimate": self.row_estimate,
        }


def list_tables(url: str, password: str | None = None) -> list[TableInfo]:
    """Every user table and view of the database, sorted by schema and name."""
    with connect(url, password) as (database, connection):
        inspector = sa.inspect(connection)
        found: list[TableInfo] = []
        for schema in inspector.get_schema_names():
            shown = _shown_schema(database, schema)
            if shown is _SKIP:
                continue
            estimates = _estimates(database, connection, shown or "main")
            for name in inspector.get_table_names(schema=schema):
                estimate = estimates.get(name)
                if estimate is None and database.dialect_name == "sqlite":
                    estimate = sqlite_row_estimate(connection, schema, name)
                found.append(TableInfo(shown, name, "table", estimate))
            views = set(inspector.get_view_names(schema=schema))
            if database.dialect_name == "postgresql":
                views |= set(inspector.get_materialized_view_names(schema=schema))
            found += [TableInfo(shown, name, "view", None) for name in views]
    return sorted(found, key=lambda t: (t.schema or "", t.name.lower(), t.name))


def check_connection(url: str, password: str | None = None) -> str:
    """Connect read-only and say so in one sentence, e.g.
    "Connected to PostgreSQL 15.18, database crm on db.local:5432, read-only"."""
    with connect(url, password) as (database, connection):
        dialect = connection.dialect
        version = ".".join(str(part) for part in (dialect.server_version_info or ()))
        if dialect.name == "duckdb":  # duckdb-engine reports the PostgreSQL it imitates
            import duckdb

            version = duckdb.__version__
        name = database.backend.name
        if dialect.name == "mysql":
            name = "MariaDB" if getattr(dialect, "is_mariadb", False) else "MySQL"
        product = f"{name} {version}".strip()
        where = _where(database)
        mode = _read_only_mode(database, connection)
    return f"Connected to {product}, {where}, {mode}"




def table_row_estimate(
    database: Database, connection: Connection, schema: str | None, name: str
) -> int | None:
    """Best cheap guess of a table's row count (None when the database keeps no statistic)."""
    if database.dialect_name == "sqlite":
        return sqlite_row_estimate(connection, schema or "main", name)
    if database.dialect_name in {"postgresql", "duckdb"}:
        actual = schema or sa.inspect(connection).default_schema_name or ""
        return _estimates(database, connection, actual).get(name)
    return None


def sqlite_row_estimate(connection: Connection, schema: str, name: str) -> int | None:
    """max(rowid) (instant); an exact count(*) when that is below a million rows."""
    table = sa.table(name, schema=schema)
    try:
        top = connection.execute(sa.select(sa.func.max(sa.literal_column("rowid"))).select_from(
            table
        )).scalar()
    except sa.exc.DBAPIError:  # WITHOUT ROWID table
        top = None
    if top is not None and top >= EXACT_COUNT_BELOW:
        return int(top)
    return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def _estimates(database: Database, connection: Connection, schema: str) -> dict[str, int]:
    if database.dialect_name == "postgresql":
        # reltuples is -1 for a table never vacuumed or analysed (PostgreSQL 14+); then the
        # statistics collector's live-tuple count is the next best guess.
        query = sa.text(
            "SELECT c.relname, c.reltuples, s.n_live_tup "
            "FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid "
            "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'm')"
        )
        estimates: dict[str, int] = {}
        for relname, reltuples, live in connection.execute(query, {"schema": schema}):
            if reltuples is not None and reltuples >= 0:
                estimates[relname] = int(reltuples)
            elif live:
                estimates[relname] = int(live)
        return estimates
    if database.dialect_name == "duckdb":
        query = sa.text(
            "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = :schema"
        )
        rows = connection.execute(query, {"schema": schema})
        return {name: int(size) for name, size in rows if size is not None}
    return {}


_SKIP = "\0skip"


def _shown_schema(database: Database, schema: str) -> str | None:
    """The schema name to show and to load with; _SKIP for system schemas.

    SQLite's "main" is implied everywhere, so it shows as None. duckdb-engine names schemas
    "catalog.schema" ("crm.main", "system.main"); the file's own catalog is implied too.
    """
    if database.dialect_name == "duckdb" and "." in schema:
        catalog, schema = schema.split(".", 1)
        if catalog in {"system", "temp"}:
            return _SKIP
    if schema.lower() in _SYSTEM_SCHEMAS or schema.lower().startswith("pg_"):
        return _SKIP
    if database.dialect_name in {"sqlite", "duckdb"} and schema == "main":
        return None
    return schema


def _where(database: Database) -> str:
    url = database.url
    if database.dialect_name in {"sqlite", "duckdb"}:
        from pathlib import Path

        return f"file {Path(url.database or '').name}"
    host = f" on {url.host}" + (f":{url.port}" if url.port else "") if url.host else ""
    return f"database {url.database}{host}"


def _read_only_mode(database: Database, connection: Connection) -> str:
    """Check read-only where the server can tell us; describe how it is enforced elsewhere."""
    if database.dialect_name == "postgresql":
        value = connection.execute(sa.text("SHOW transaction_read_only")).scalar()
        return "read-only" if value == "on" else "NOT read-only (connect with a read-only user)"
    if database.dialect_name == "mssql":
        return "read-only queries only (use a login without write rights)"
    return "read-only"
