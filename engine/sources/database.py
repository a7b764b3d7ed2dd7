"""Read a table, a view or a user's SELECT from a database, read-only, in chunks.

The public entry points of database sources; connection handling lives in
:mod:`engine.sources.db_connect`, the catalogue in :mod:`engine.sources.db_catalog`, the
SELECT check in :mod:`engine.sources.sql_guard`, passwords in
:mod:`engine.sources.credentials`.

Identifiers are quoted by SQLAlchemy (``sqlalchemy.table(name, schema=...)``), never by
string formatting. Rows are selected as ``*`` without SQLAlchemy type processing, so a
SQLite column declared DATE that holds ``31/01/2024`` arrives as text and is recognised by
:func:`engine.sources.values.normalize_columns`, like a file's column would be.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from engine.errors import DatabaseError, InputError
from engine.jobs import Cancelled, Job
from engine.sources.base import DatabaseSource, LoadedTable, LoadReport
from engine.sources.columns import clean_column_names
from engine.sources.db_catalog import TableInfo, check_connection, list_tables, table_row_estimate
from engine.sources.db_connect import Database, connect, was_cancelled
from engine.sources.db_frames import combine_chunks, rows_to_frame, tidy_objects
from engine.sources.sql_guard import check_select

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["TableInfo", "check_connection", "list_tables", "load_query", "preview_query"]

DEFAULT_CHUNK_ROWS = 50_000
MIN_CHUNK_ROWS = 500
SLOW_CHUNK_S = 0.8
_READ_SHARE = 0.85  # of the job's progress; the rest recognises dates and yes/no values


def load_query(
    source: DatabaseSource,
    job: Job | None = None,
    password: str | None = None,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> LoadedTable:
    """Read the whole table or query result, streaming ``chunk_rows`` rows at a time.

    Reports "rows read of about N" (N from the database's statistics or query plan) and
    checks for cancel between chunks; a running SQLite statement is interrupted on cancel.
    An empty result is an error (there is nothing to model). Raises DatabaseError,
    UnsafeQueryError (a SQL text that is not one SELECT) or Cancelled.
    """
    job = job or Job()
    _check_source(source)
    job.step(0.0, "Connecting to the database", force=True)
    with connect(source.url, password, job) as (database, connection):
        statement, what = _statement(source, database, connection)
        estimate = _estimate(source, database, connection, statement)
        # No job.check() between here and execute: a cancel during a long SQLite statement
        # must reach its progress handler, which interrupts it.
        job.step(0.01, f"Running the query on {database.where}")
        stream = connection.execution_options(stream_results=True, max_row_buffer=chunk_rows)
        frames: list[pd.DataFrame] = []
        rows = 0
        try:
            result = stream.execute(statement)
            keys = list(result.keys())
            width = len(keys)
            for part in _chunks(result, chunk_rows):
                frames.append(rows_to_frame(part, width))
                rows += len(part)
                job.step(_READ_SHARE * _fraction(rows, estimate, chunk_rows),
                         _read_message(rows, estimate))
        except sa_exc.SQLAlchemyError as exc:
            if was_cancelled(exc, job):
                raise Cancelled() from None
            raise database.error(exc, what) from exc
        where = database.where
    if rows == 0:
        subject = f"The table {_qualified(source)}" if source.table else "The query"
        raise DatabaseError(
            f"{subject} has no rows." if source.table else f"{subject} returned no rows.",
            "Choose a table with data, or change the query's conditions.",
        )
    frame = combine_chunks(frames, width)
    return _finish(frame, keys, source, where, job)


def preview_query(
    source: DatabaseSource, rows: int = 100, password: str | None = None
) -> LoadedTable:
    """The first ``rows`` rows, limited by the database (LIMIT/TOP), converted like a load.

    An empty table gives an empty preview (its columns, no rows) with a note saying so.
    """
    _check_source(source)
    with connect(source.url, password) as (database, connection):
        statement, what = _statement(source, database, connection)
        if source.table:
            limited = statement.limit(rows)
        else:
            inner = statement.columns().subquery("gristmill_preview")
            limited = sa.select(sa.literal_column("*")).select_from(inner).limit(rows)
        try:
            result = connection.execute(limited)
            keys = list(result.keys())
            frame = rows_to_frame(result.fetchall(), len(keys))
        except sa_exc.SQLAlchemyError as exc:
            raise database.error(exc, what) from exc
        where = database.where
    loaded = _finish(frame, keys, source, where, None)
    if frame.empty:
        loaded.report.notes.append("There are no rows to show.")
    return loaded


def _check_source(source: DatabaseSource) -> None:
    if bool(source.table) == bool(source.sql):
        raise InputError(
            "A database source needs either a table or a SQL query (one of the two).",
            "Pick a table from the list, or write a SELECT query.",
        )


def _qualified(source: DatabaseSource) -> str:
    return f"{source.schema}.{source.table}" if source.schema else str(source.table)


def _statement(
    source: DatabaseSource, database: Database, connection: Connection
) -> tuple[Any, str]:
    """The SELECT to run and how to name it in messages ("table sales.orders")."""
    if source.table:
        name = _qualified(source)
        inspector = sa.inspect(connection)
        if not inspector.has_table(source.table, schema=source.schema):
            raise DatabaseError(
                f"The table {name} does not exist in {database.where}.",
                _missing_table_hint(inspector, source.table, source.schema),
            )
        table = sa.table(source.table, schema=source.schema)
        return sa.select(sa.literal_column("*")).select_from(table), f"table {name}"
    return sa.text(_escape_colons(check_select(str(source.sql)))), "the query"


def _missing_table_hint(inspector: Any, table: str, schema: str | None) -> str:
    """Name the closest existing tables, so a typo is easy to fix."""
    import difflib

    try:
        names = inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema)
    except sa.exc.SQLAlchemyError:  # the listing itself may be refused: keep the plain hint
        names = []
    close = difflib.get_close_matches(table, names, n=3, cutoff=0.6)
    if close:
        return f"Did you mean {' or '.join(repr(n) for n in close)}? Refresh the list of tables."
    return (
        "It may have been renamed or dropped since the list was read; "
        "refresh the list of tables."
    )


# text() reads ":name" as a bind parameter; a user's SQL has none, so escape each one
# (SQLAlchemy turns "\:" back into ":" when it compiles). "::" casts are left alone.
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def _escape_colons(sql: str) -> str:
    return _BIND.sub(lambda match: "\\:" + match.group(1), sql)


def _estimate(
    source: DatabaseSource, database: Database, connection: Connection, statement: Any
) -> int | None:
    """Expected row count, for progress only; None when it would cost a scan to know."""
    try:
        if source.table:
            return table_row_estimate(database, connection, source.schema, str(source.table))
        if database.dialect_name == "postgresql":
            explain = sa.text("EXPLAIN (FORMAT JSON) " + statement.text)
            plan = connection.execute(explain).scalar()
            return int(plan[0]["Plan"]["Plan Rows"])
    except (sa_exc.SQLAlchemyError, LookupError, TypeError, ValueError):
        # Only a guess for the progress bar: the real query will report any real problem.
        connection.rollback()
    return None


def _chunks(result: Any, chunk_rows: int) -> Iterator[Sequence[Any]]:
    """Fetch chunks of at most ``chunk_rows`` rows, smaller when the database is slow.

    A chunk that takes longer than SLOW_CHUNK_S halves the next one, so cancel is checked
    well within 2 seconds even over a slow network; fast chunks grow back.
    """
    size = chunk_rows
    while True:
        started = time.monotonic()
        part = result.fetchmany(size)
        if not part:
            return
        yield part
        elapsed = time.monotonic() - started
        if elapsed > SLOW_CHUNK_S:
            size = max(MIN_CHUNK_ROWS, size // 2)
        elif elapsed < SLOW_CHUNK_S / 4:
            size = min(chunk_rows, size * 2)


def _fraction(rows: int, estimate: int | None, chunk_rows: int) -> float:
    if estimate and estimate > 0:
        return min(rows / estimate, 0.99)
    return rows / (rows + 10 * chunk_rows)  # unknown size: keep moving, never reach the end


def _read_message(rows: int, estimate: int | None) -> str:
    if estimate and estimate >= rows:
        return f"Read {rows:,} of about {estimate:,} rows"
    return f"Read {rows:,} rows"


def _finish(
    frame: pd.DataFrame, keys: list[str], source: DatabaseSource, where: str, job: Job | None
) -> LoadedTable:
    """Column names, Python objects and text-typed dates/booleans, then the report."""
    from engine.sources.values import normalize_columns

    names, rename_notes = clean_column_names(keys)
    frame.columns = names
    frame = tidy_objects(frame)
    sub = job.sub(_READ_SHARE, 0.99) if job is not None else None
    frame, column_notes = normalize_columns(frame, sub)
    what = f"table {_qualified(source)}" if source.table else "a SQL query"
    report = LoadReport(
        source_label=source.label,
        rows=len(frame),
        notes=[f"Read {what} from {where}, read-only.", *rename_notes],
        column_notes=column_notes,
        options={"table": source.table, "schema": source.schema, "sql": source.sql},
    )
    if job is not None:
        job.done(f"Loaded {len(frame):,} rows")
    return LoadedTable(frame, report)
