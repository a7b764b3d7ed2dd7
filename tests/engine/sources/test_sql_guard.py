"""The SELECT check of the SQL box: one read-only query, with plain messages otherwise."""

from __future__ import annotations

import pytest

from engine.errors import InputError, UnsafeQueryError
from engine.sources.sql_guard import check_select


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM customers", "SELECT * FROM customers"),
        ("  select 1;  ", "select 1"),
        ("SELECT 1;;\n", "SELECT 1"),
        ("SELECT 1 -- the answer", "SELECT 1"),
        ("SELECT 1 /* trailing ; comment */ ;", "SELECT 1"),
        ("-- leading comment\nSELECT 1", "SELECT 1"),
        ("WITH recent AS (SELECT * FROM orders) SELECT * FROM recent",
         "WITH recent AS (SELECT * FROM orders) SELECT * FROM recent"),
        ("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5) "
         "SELECT x FROM n", None),
        ("(SELECT a FROM t) UNION (SELECT a FROM u)", None),
        ("SELECT ';' AS semicolon, 'it''s; DROP TABLE t' AS text", None),
        ("SELECT E'quote \\' ; inside' AS x", None),
        ("SELECT $$ ; DELETE FROM t $$ AS body, $tag$ ; $tag$ AS other", None),
        ('SELECT "delete", "insert into" FROM "update"', None),
        ("SELECT `drop` FROM `my;table`", None),
        ("SELECT [drop table] FROM [a;b]", None),
        ("SELECT comment, copy, load, created_at, updated_by FROM reviews", None),
        ("SELECT x::int, replace(name, 'a', 'b') FROM t WHERE y = ':param'", None),
        ("SELECT 1 /* nested /* ; DROP */ still comment ; */", "SELECT 1"),
        ("SELECT a\n# mysql comment ; DROP TABLE t\nFROM t", None),
    ],
)
def test_a_single_select_is_accepted(sql: str, expected: str | None) -> None:
    assert check_select(sql) == (expected if expected is not None else sql.strip())


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("", "empty"),
        ("  -- only a comment\n ; ", "empty"),
        ("SELECT 1; SELECT 2", "2 statements"),
        ("SELECT 1; DROP TABLE customers", "2 statements"),
        ("SELECT ';'; DELETE FROM t", "2 statements"),
        ("INSERT INTO t VALUES (1)", "starts with INSERT"),
        ("update t set a = 1", "starts with UPDATE"),
        ("DELETE FROM t", "starts with DELETE"),
        ("DROP TABLE t", "starts with DROP"),
        ("CREATE TABLE t (a int)", "starts with CREATE"),
        ("ALTER TABLE t ADD b int", "starts with ALTER"),
        ("COPY t TO '/tmp/x'", "starts with COPY"),
        ("PRAGMA writable_schema = 1", "starts with PRAGMA"),
        ("ATTACH DATABASE 'x.db' AS x", "starts with ATTACH"),
        ("VALUES (1), (2)", "starts with VALUES"),
        ("TABLE customers", "starts with TABLE"),
        ("EXPLAIN ANALYZE SELECT 1", "starts with EXPLAIN"),
        ("SET default_transaction_read_only = off", "starts with SET"),
        ("/* hidden */ DELETE FROM t", "starts with DELETE"),
        ("'text' SELECT 1", "starts with 'TEXT'"),
        ("SELECT * INTO backup FROM customers", "INTO"),
        ("SELECT * FROM t INTO OUTFILE '/tmp/x'", "INTO"),
        ("WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone", "DELETE"),
        ("WITH n AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM n", "INSERT"),
        ("WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM u", "UPDATE"),
        ("WITH x AS (SELECT 1) DELETE FROM t", "DELETE"),
        ("SELECT 'unclosed", "never closed"),
        ('SELECT "unclosed', "never closed"),
        ("SELECT 1 /* unclosed", "never closed"),
        ("SELECT $x$ unclosed", "never closed"),
    ],
)
def test_anything_else_is_refused_with_a_plain_message(sql: str, words: str) -> None:
    with pytest.raises(UnsafeQueryError) as caught:
        check_select(sql)
    assert words.lower() in str(caught.value).lower()
    assert isinstance(caught.value, InputError)  # the CLI maps it to exit code 2
    assert caught.value.hint  # and says what to do
