"""Database sources against a real PostgreSQL server (the ``pg_url`` fixture).

Each run works in a fresh schema (and a role without read rights) that is dropped at the end.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
import sqlalchemy as sa
from keychain_double import MemoryKeyring

from engine.errors import DatabaseError, UnsafeQueryError
from engine.jobs import Cancelled, CancelToken, Job
from engine.sources.base import DatabaseSource
from engine.sources.credentials import split_password, store_password
from engine.sources.database import (
    TableInfo,
    check_connection,
    list_tables,
    load_query,
    preview_query,
)
from engine.sources.db_connect import connect

pytestmark = pytest.mark.postgres

WEIRD_SCHEMA = "Sales Dépt"
WEIRD_TABLE = 'we"ird tāble; DROP TABLE customers --'


@dataclass
class Pg:
    url: str  # without password
    password: str
    schema: str
    admin: sa.Engine
    noread_user: str
    noread_password: str

    def url_as(self, user: str) -> str:
        return sa.make_url(self.url).set(username=user).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def pg(pg_url: str) -> Iterator[Pg]:
    url, password = split_password(pg_url)
    assert password, "the test URL carries the test user's password"
    tag = secrets.token_hex(4)
    schema, noread = f"gm_test_{tag}", f"gm_noread_{tag}"
    noread_password = "Nr-" + secrets.token_hex(8)
    admin = sa.create_engine(pg_url)
    setup = f"""
        CREATE SCHEMA {schema};
        CREATE TABLE {schema}.customers (
            id integer PRIMARY KEY, name text, signed_up date, active boolean,
            answered text, spend numeric(10, 2), seen timestamptz, note text);
        INSERT INTO {schema}.customers
            SELECT i, 'customer ' || i, date '2023-01-01' + i, mod(i, 2) = 0,
                   CASE WHEN mod(i, 3) = 0 THEN 'no' ELSE 'yes' END,
                   i * 1.25, timestamptz '2024-01-01 00:00+00' + i * interval '1 hour',
                   CASE WHEN i > 2500 THEN 'late' END
            FROM generate_series(1, 3000) AS i;
        CREATE TABLE {schema}.empty_one (a integer, b text);
        CREATE TABLE {schema}.doomed (a integer);
        INSERT INTO {schema}.doomed VALUES (1);
        CREATE SEQUENCE {schema}.counter;
        CREATE VIEW {schema}.active_customers AS
            SELECT * FROM {schema}.customers WHERE active;
        CREATE MATERIALIZED VIEW {schema}.spend_by_answer AS
            SELECT answered, sum(spend) AS spend FROM {schema}.customers GROUP BY answered;
        CREATE ROLE {noread} LOGIN PASSWORD '{noread_password}';
        GRANT USAGE ON SCHEMA {schema} TO {noread};
        ANALYZE {schema}.customers;
    """
    with admin.begin() as connection:
        connection.exec_driver_sql(setup)
        weird = sa.Table(
            WEIRD_TABLE, sa.MetaData(), sa.Column("prix €", sa.Float), schema=WEIRD_SCHEMA
        )
        connection.execute(sa.schema.CreateSchema(WEIRD_SCHEMA))
        weird.create(connection)
        connection.execute(weird.insert(), [{"prix €": 1.5}, {"prix €": 2.5}])
    try:
        yield Pg(url, password, schema, admin, noread, noread_password)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            connection.execute(sa.schema.DropSchema(WEIRD_SCHEMA, cascade=True))
            connection.exec_driver_sql(f"DROP OWNED BY {noread}; DROP ROLE {noread}")
        admin.dispose()


def test_test_connection_reports_the_server_and_read_only(pg: Pg) -> None:
    text = check_connection(pg.url, password=pg.password)
    with pg.admin.connect() as connection:
        version = connection.dialect.server_version_info
    assert text.startswith(f"Connected to PostgreSQL {version[0]}.{version[1]}, database ")
    assert text.endswith(", read-only")


@pytest.mark.parametrize("scheme", ["postgres://", "postgresql://", "postgresql+psycopg://"])
def test_every_postgres_spelling_uses_psycopg(pg: Pg, scheme: str) -> None:
    url = scheme + pg.url.split("://", 1)[1]
    assert "read-only" in check_connection(url, password=pg.password)


def test_list_tables_has_schemas_views_and_row_estimates(pg: Pg) -> None:
    tables = list_tables(pg.url, password=pg.password)
    ours = [t for t in tables if t.schema == pg.schema]
    assert ours == [
        TableInfo(pg.schema, "active_customers", "view", None),
        TableInfo(pg.schema, "customers", "table", 3000),  # analysed: reltuples is exact
        TableInfo(pg.schema, "doomed", "table", ours[2].row_estimate),
        TableInfo(pg.schema, "empty_one", "table", ours[3].row_estimate),
        TableInfo(pg.schema, "spend_by_answer", "view", None),
    ]
    assert [(t.schema, t.name, t.kind) for t in tables if t.schema == WEIRD_SCHEMA] == [
        (WEIRD_SCHEMA, WEIRD_TABLE, "table")
    ]
    assert not any(t.schema in {"pg_catalog", "information_schema"} for t in tables)


def test_load_streams_a_table_with_progress(pg: Pg) -> None:
    reports: list[tuple[float, str]] = []
    job = Job(lambda fraction, message: reports.append((fraction, message)), min_interval=0)
    source = DatabaseSource(pg.url, table="customers", schema=pg.schema)
    loaded = load_query(source, job, password=pg.password, chunk_rows=700)
    frame = loaded.frame
    assert frame.shape == (3000, 8)
    assert frame["id"].dtype == "int64"
    assert frame["spend"].dtype == "float64" and frame["spend"].iloc[0] == 1.25
    assert str(frame["signed_up"].dtype).startswith("datetime64")
    assert frame["signed_up"].iloc[0] == pd.Timestamp("2023-01-02")
    assert frame["active"].dtype == bool
    assert frame["answered"].dtype == "boolean"  # yes/no text recognised
    assert str(frame["seen"].dtype).startswith("datetime64") and frame["seen"].dt.tz is not None
    # Empty in the first chunks, text in the last: stays text with missing values.
    assert frame["note"].isna().sum() == 2500 and frame["note"].iloc[-1] == "late"
    reads = [message for _, message in reports if message.startswith("Read ")]
    assert reads == [f"Read {n:,} of about 3,000 rows" for n in (700, 1400, 2100, 2800, 3000)]
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert loaded.report.rows == 3000 and "PostgreSQL" in loaded.report.notes[0]


def test_load_a_select_with_casts_colons_and_percents(pg: Pg) -> None:
    sql = (
        f"WITH picked AS (SELECT * FROM {pg.schema}.customers WHERE name LIKE 'customer 1%') "
        "SELECT id::text AS code, name || ':' || answered AS tag, 'a%b' AS pct "
        "FROM picked ORDER BY id DESC;"
    )
    loaded = load_query(DatabaseSource(pg.url, sql=sql), Job(), password=pg.password)
    assert len(loaded.frame) == 1111  # 1, 10-19, 100-199, 1000-1999
    assert loaded.frame.iloc[0].tolist() == ["1999", "customer 1999:yes", "a%b"]


def test_preview_limits_rows_in_the_database(pg: Pg) -> None:
    table = DatabaseSource(pg.url, table="customers", schema=pg.schema)
    assert len(preview_query(table, rows=7, password=pg.password).frame) == 7
    query = DatabaseSource(
        pg.url, sql=f"SELECT id FROM {pg.schema}.customers ORDER BY id DESC -- newest"
    )
    assert preview_query(query, rows=3, password=pg.password).frame["id"].tolist() == [
        3000, 2999, 2998,
    ]


def test_views_and_materialized_views_load(pg: Pg) -> None:
    view = DatabaseSource(pg.url, table="active_customers", schema=pg.schema)
    assert len(load_query(view, Job(), password=pg.password).frame) == 1500
    summary = DatabaseSource(pg.url, table="spend_by_answer", schema=pg.schema)
    assert len(load_query(summary, Job(), password=pg.password).frame) == 2


def test_identifiers_are_quoted_by_sqlalchemy(pg: Pg) -> None:
    source = DatabaseSource(pg.url, table=WEIRD_TABLE, schema=WEIRD_SCHEMA)
    loaded = load_query(source, Job(), password=pg.password)
    assert loaded.frame["prix €"].tolist() == [1.5, 2.5]
    preview = preview_query(source, rows=1, password=pg.password)
    assert preview.frame["prix €"].tolist() == [1.5]
    with pg.admin.connect() as connection:  # the DROP in the name was only a name
        assert connection.exec_driver_sql(f"SELECT count(*) FROM {pg.schema}.customers").scalar()


def test_sessions_are_read_only(pg: Pg) -> None:
    with connect(pg.url, pg.password) as (_, connection):
        assert connection.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "on"
        with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
            connection.execute(sa.text(f"INSERT INTO {pg.schema}.doomed VALUES (2)"))
        connection.rollback()
    # A SELECT that writes gets past the SQL check; the session still refuses it.
    writes = DatabaseSource(pg.url, sql=f"SELECT nextval('{pg.schema}.counter')")
    with pytest.raises(DatabaseError, match="read-only"):
        load_query(writes, Job(), password=pg.password)
    with pg.admin.connect() as connection:
        rows = connection.exec_driver_sql(f"SELECT count(*) FROM {pg.schema}.doomed").scalar()
    assert rows == 1


def test_a_statement_that_is_not_a_select_is_refused(pg: Pg) -> None:
    for sql in (f"DELETE FROM {pg.schema}.doomed", f"SELECT 1; DROP TABLE {pg.schema}.doomed"):
        with pytest.raises(UnsafeQueryError):
            load_query(DatabaseSource(pg.url, sql=sql), Job(), password=pg.password)


def test_a_wrong_password_is_refused_without_showing_it(pg: Pg) -> None:
    wrong = "Wr0ng-" + secrets.token_hex(6)
    for call in (
        lambda: check_connection(pg.url, password=wrong),
        lambda: list_tables(pg.url.replace("@", f":{wrong}@", 1)),
        lambda: load_query(
            DatabaseSource(pg.url, table="customers", schema=pg.schema), Job(), password=wrong
        ),
    ):
        with pytest.raises(DatabaseError, match="refused the user name or password") as caught:
            call()
        everything = "".join(traceback.format_exception(caught.value))
        assert wrong not in everything
        assert caught.value.hint and wrong not in caught.value.hint


def _with_query_password(url: str, key: str, password: str) -> str:
    return f"{url}?sslmode=disable&{key}={quote(password, safe='')}"


def test_a_password_in_the_query_string_connects_and_never_shows(
    pg: Pg, caplog: pytest.LogCaptureFixture
) -> None:
    url = _with_query_password(pg.url, "password", pg.password)
    source = DatabaseSource(url, table="customers", schema=pg.schema)
    with caplog.at_level(logging.DEBUG):
        loaded = load_query(source, Job())  # the password reaches the driver...
    assert len(loaded.frame) == 3000
    shown = [source.label, json.dumps(source.to_dict()), json.dumps(loaded.report.to_dict()),
             caplog.text]
    assert any("Opening" in record.getMessage() for record in caplog.records)
    for text in shown:  # ...and nothing else
        assert pg.password not in text and quote(pg.password, safe="") not in text
    assert "sslmode=disable" in source.label


@pytest.mark.parametrize("key", ["password", "PWD"])
def test_a_wrong_password_in_the_query_string_is_refused_without_showing_it(
    pg: Pg, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "Wr0ng@:/" + secrets.token_hex(6)  # characters that must be URL-encoded
    url = _with_query_password(pg.url, key, wrong)
    with caplog.at_level(logging.DEBUG), pytest.raises(
        DatabaseError, match="refused the user name or password"
    ) as caught:
        list_tables(url)
    everything = "".join(traceback.format_exception(caught.value)) + caplog.text
    assert wrong not in everything and quote(wrong, safe="") not in everything


def test_an_unreachable_server_is_a_clear_error(pg: Pg) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://someone@127.0.0.1:{port}/crm"
    with pytest.raises(DatabaseError, match=f"could not reach PostgreSQL .*127.0.0.1:{port}"):
        check_connection(url, password="not-shown-123")


def test_a_missing_database_is_named(pg: Pg) -> None:
    url = sa.make_url(pg.url).set(database="no_such_db").render_as_string(hide_password=False)
    with pytest.raises(DatabaseError, match="database no_such_db does not exist"):
        list_tables(url, password=pg.password)


def test_an_empty_table_is_an_error_to_load(pg: Pg) -> None:
    source = DatabaseSource(pg.url, table="empty_one", schema=pg.schema)
    with pytest.raises(DatabaseError, match="has no rows"):
        load_query(source, Job(), password=pg.password)
    preview = preview_query(source, password=pg.password)
    assert list(preview.frame.columns) == ["a", "b"] and preview.frame.empty


def test_a_table_dropped_after_listing_is_a_clear_error(pg: Pg) -> None:
    listed = {t.name for t in list_tables(pg.url, password=pg.password) if t.schema == pg.schema}
    assert "doomed" in listed
    with pg.admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE TABLE {pg.schema}.gone (a int)")
    assert "gone" in {t.name for t in list_tables(pg.url, password=pg.password)}
    with pg.admin.begin() as connection:
        connection.exec_driver_sql(f"DROP TABLE {pg.schema}.gone")
    source = DatabaseSource(pg.url, table="gone", schema=pg.schema)
    with pytest.raises(DatabaseError, match=f"{pg.schema}.gone does not exist"):
        load_query(source, Job(), password=pg.password)
    query = DatabaseSource(pg.url, sql=f"SELECT * FROM {pg.schema}.gone")
    with pytest.raises(DatabaseError, match="uses a table that does not exist"):
        load_query(query, Job(), password=pg.password)


def test_a_table_we_may_not_read_is_a_permission_error(pg: Pg) -> None:
    url = pg.url_as(pg.noread_user)
    source = DatabaseSource(url, table="customers", schema=pg.schema)
    with pytest.raises(DatabaseError, match="permission denied") as caught:
        load_query(source, Job(), password=pg.noread_password)
    assert pg.noread_user in str(caught.value) and "SELECT rights" in str(caught.value)
    assert pg.noread_password not in "".join(traceback.format_exception(caught.value))
    with pytest.raises(DatabaseError, match="permission denied"):
        preview_query(source, password=pg.noread_password)


def test_cancel_between_chunks_closes_the_session(pg: Pg) -> None:
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if message.startswith("Read "):
            token.cancel()

    source = DatabaseSource(pg.url, table="customers", schema=pg.schema)
    with pytest.raises(Cancelled):
        load_query(source, Job(progress, token, min_interval=0), pg.password, chunk_rows=500)
    # The server-side cursor and its transaction went with the connection.
    assert len(load_query(source, Job(), password=pg.password).frame) == 3000


def test_a_saved_password_is_taken_from_the_keychain(pg: Pg, use_keyring: Any) -> None:
    use_keyring(MemoryKeyring())
    with pytest.raises(DatabaseError, match="refused"):
        check_connection(pg.url)  # no password anywhere yet
    assert store_password(pg.url, pg.password)
    assert "read-only" in check_connection(pg.url)


def test_driver_objects_become_plain_columns(pg: Pg) -> None:
    sql = (
        "SELECT i, CASE WHEN i > 1 THEN md5(i::text)::uuid END AS u, "
        "jsonb_build_object('i', i) AS j, CASE WHEN i = 2 THEN NULL ELSE mod(i, 2) = 0 END AS b, "
        "time '12:30' AS t, numeric '1.50' * i AS n FROM generate_series(1, 3) AS i"
    )
    frame = load_query(DatabaseSource(pg.url, sql=sql), Job(), password=pg.password).frame
    assert frame["u"].isna().tolist() == [True, False, False]
    assert frame["u"].iloc[1] == "c81e728d-9d4c-2f63-6f06-7f89cc14862c"  # md5('2')
    assert frame["j"].tolist() == ['{"i": 1}', '{"i": 2}', '{"i": 3}']
    assert frame["b"].dtype == "boolean" and frame["b"].isna().tolist() == [False, True, False]
    assert frame["t"].tolist() == ["12:30:00"] * 3
    assert frame["n"].dtype == "float64" and frame["n"].tolist() == [1.5, 3.0, 4.5]


@pytest.mark.timeout(120)  # without the interrupt the query would run for an hour
def test_cancel_interrupts_a_query_that_has_not_returned_a_row(pg: Pg) -> None:
    import threading
    import time

    token = CancelToken()
    outcome: list[BaseException | None] = []
    source = DatabaseSource(pg.url, sql="SELECT pg_sleep(3600) AS slept")

    def run() -> None:
        try:
            load_query(source, Job(None, token), pg.password)
            outcome.append(None)
        except BaseException as error:  # handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    watcher = pg.admin
    try:
        # Wait (on a condition, with a deadline) until the server is running the statement.
        deadline = time.monotonic() + 60
        running = 0
        while running == 0 and time.monotonic() < deadline:
            with watcher.connect() as connection:
                running = connection.execute(
                    sa.text(
                        # Streaming runs it as FETCH from a cursor: find it by what it waits on.
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE state = 'active' AND wait_event = 'PgSleep' "
                        "AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
        assert running == 1
        token.cancel()  # from this thread, like the window's Cancel button
        worker.join(60)
    finally:
        if worker.is_alive():  # never leave an hour-long query behind a failed test
            with watcher.connect() as connection:
                connection.execute(
                    sa.text(
                        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                        "WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid()"
                    )
                )
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


ESCAPES = [
    "SELECT dblink_exec('{conn}', 'INSERT INTO {schema}.doomed SELECT generate_series(1, 500)')",
    "SELECT * FROM dblink('{conn}', 'INSERT INTO {schema}.doomed VALUES (7) RETURNING a') "
    "AS t(a integer)",
    "SELECT public.dblink_connect('x', '{conn}')",
    'SELECT "dblink_exec"(\'{conn}\', \'DELETE FROM {schema}.doomed\')',
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT pg_read_binary_file('/etc/passwd')",
    "SELECT * FROM pg_ls_dir('.')",
    "SELECT lo_import('/etc/passwd')",
    "SELECT lo_export(1, '/tmp/x')",
    "SELECT query_to_xml('DELETE FROM {schema}.doomed', true, false, '')",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "WITH x AS (SELECT 1) SELECT postgres_fdw_disconnect_all() FROM x",
]


def test_functions_that_escape_the_read_only_session_are_refused(pg: Pg) -> None:
    """dblink opens a second, writable session: the guard refuses it before it runs."""
    with pg.admin.begin() as connection:
        available = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'dblink'"
        ).scalar()
        if available:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS dblink")
    admin_url = sa.make_url(pg.url)
    conn = (f"host={admin_url.host} port={admin_url.port} dbname={admin_url.database} "
            f"user={admin_url.username} password={pg.password}")
    for template in ESCAPES:
        sql = template.format(conn=conn, schema=pg.schema)
        with pytest.raises(UnsafeQueryError, match=r"\(\), which can open other connections"):
            load_query(DatabaseSource(pg.url, sql=sql), Job(), password=pg.password)
    with pg.admin.connect() as connection:
        rows = connection.exec_driver_sql(f"SELECT count(*) FROM {pg.schema}.doomed").scalar()
    assert rows == 1
    if available:  # the guard is what stopped it: dblink itself would have written
        with pg.admin.begin() as connection:
            connection.exec_driver_sql("DROP EXTENSION dblink")


def test_sessions_have_a_statement_timeout(pg: Pg) -> None:
    from engine.sources.db_connect import STATEMENT_TIMEOUT_S

    with connect(pg.url, pg.password) as (_, connection):
        shown = connection.exec_driver_sql("SHOW statement_timeout").scalar()
        assert connection.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "on"
    assert shown == f"{STATEMENT_TIMEOUT_S // 60}min" or shown == f"{STATEMENT_TIMEOUT_S // 3600}h"
