"""Passwords typed into a database URL never show: labels, JSON, logs, keys, error messages.

A password can be typed in the user part (``user:secret@``), as a query option
(``?password=``, ``?passwd=``, ``?PWD=``, any case) or inside an ODBC connection string
(``?odbc_connect=...PWD=...``). Every case goes through :mod:`engine.sources.db_url`.
"""

from __future__ import annotations

import json
import logging
import socket
import traceback
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy.engine import make_url

from engine.errors import DatabaseError
from engine.sources.base import DatabaseSource
from engine.sources.credentials import credential_key
from engine.sources.database import check_connection
from engine.sources.db_connect import open_database
from engine.sources.db_errors import translate_error
from engine.sources.db_url import redact_url, scrub_secrets, split_password, with_password

SECRET = "S3cr3t-Pa55"
SPECIAL = "p@ss:w/rd"  # typed URL-encoded as p%40ss:w/rd, or p%40ss%3Aw%2Frd in a query
ODBC = "DRIVER%3D%7BODBC+Driver+18%7D%3BSERVER%3Ddb%3BUID%3Dana%3B{pwd}%3BEncrypt%3Dyes"


def _forms(secret: str) -> set[str]:
    """Every way the secret may be written in a text."""
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}


def _assert_hidden(text: str, secret: str) -> None:
    for form in _forms(secret):
        assert form not in text, f"{form!r} shows in {text!r}"


# (typed URL, password it holds, that URL with no password at all, as written)
CASES = [
    pytest.param(
        f"postgresql://ana:{SECRET}@db:5432/crm", SECRET, "postgresql://ana@db:5432/crm",
        id="user-part",
    ),
    pytest.param(
        f"postgresql://ana@db:5432/crm?password={SECRET}&sslmode=require", SECRET,
        "postgresql://ana@db:5432/crm?sslmode=require", id="query-password",
    ),
    pytest.param(
        f"postgres://ana@db/crm?sslmode=require&PassWord={SECRET}", SECRET,
        "postgres://ana@db/crm?sslmode=require", id="query-password-any-case",
    ),
    pytest.param(
        f"mysql://ana@db/crm?passwd={SECRET}", SECRET, "mysql://ana@db/crm", id="query-passwd",
    ),
    pytest.param(
        f"mssql://ana@dsn?PWD={SECRET}", SECRET, "mssql://ana@dsn", id="query-PWD",
    ),
    pytest.param(
        "mssql+pyodbc://ana@/?odbc_connect=" + ODBC.format(pwd=f"PWD%3D%7B{SECRET}%7D"), SECRET,
        "mssql+pyodbc://ana@/?odbc_connect=" + ODBC.replace("{pwd}%3B", ""),
        id="odbc-connect-PWD",
    ),
    pytest.param(
        "mssql+pyodbc://ana@/?odbc_connect=" + ODBC.format(pwd=f"pwd%3D{SECRET}"), SECRET,
        "mssql+pyodbc://ana@/?odbc_connect=" + ODBC.replace("{pwd}%3B", ""),
        id="odbc-connect-bare-pwd",
    ),
    pytest.param(
        "postgresql://ana:p%40ss:w/rd@db:5432/crm", SPECIAL, "postgresql://ana@db:5432/crm",
        id="encoded-special-user-part",
    ),
    pytest.param(
        "postgresql://ana@db:5432/crm?password=p%40ss%3Aw%2Frd", SPECIAL,
        "postgresql://ana@db:5432/crm", id="encoded-special-query",
    ),
]


@pytest.mark.parametrize(("url", "secret", "bare"), CASES)
def test_split_password_takes_the_password_out_from_anywhere(
    url: str, secret: str, bare: str
) -> None:
    clean, password = split_password(url)
    assert password == secret
    _assert_hidden(clean, secret)
    # Same connection, same normalised URL: the keychain finds the password either way.
    assert clean == split_password(bare)[0] == credential_key(url) == credential_key(bare)
    assert split_password(bare)[1] is None


@pytest.mark.parametrize(("url", "secret", "bare"), CASES)
def test_labels_json_and_redacted_urls_never_hold_the_password(
    url: str, secret: str, bare: str
) -> None:
    assert redact_url(url) == bare  # only the password goes; the driver stays as typed
    for source in (DatabaseSource(url, table="orders", schema="sales"),
                   DatabaseSource(url, sql="SELECT 1")):
        assert source.label.endswith(f"@ {bare}")
        assert source.to_dict()["url"] == bare
        _assert_hidden(json.dumps(source.to_dict()), secret)


@pytest.mark.parametrize(("url", "secret", "bare"), CASES)
def test_scrub_secrets_blanks_every_spelling_of_the_password(
    url: str, secret: str, bare: str
) -> None:
    text = f"boom: {url!r} / {secret} / {quote_plus(secret)} / {quote(secret, safe='')}"
    scrubbed = scrub_secrets(text, url)
    _assert_hidden(scrubbed, secret)
    assert scrubbed.startswith("boom: ") and "***" in scrubbed


@pytest.mark.parametrize(
    "text",
    [
        f"could not open postgresql://ana:{SECRET}@db/crm",
        f"conninfo: host=db user=ana password={SECRET} dbname=crm",
        f"conninfo: host=db user=ana password='{SECRET} with space' dbname=crm",
        f"[08001] DRIVER={{X}};SERVER=db;UID=ana;PWD={{{SECRET};x}}}}}};Encrypt=yes",
        f"mssql+pyodbc://ana@/?odbc_connect=DRIVER%3D%7BX%7D%3BPWD%3D{SECRET}%3BEncrypt%3Dyes",
        f"mysql://ana@db/crm?charset=utf8&Passwd={SECRET}&x=1",
    ],
)
def test_scrub_secrets_without_the_url_still_blanks_what_looks_like_a_password(
    text: str,
) -> None:
    scrubbed = scrub_secrets(text)
    assert SECRET not in scrubbed
    assert "***" in scrubbed
    assert "ana" in scrubbed  # the user name and the rest of the message stay readable


def test_scrub_secrets_never_raises_on_an_unreadable_url() -> None:
    url = f"postgresql://ana:{SECRET}@db:notaport/crm"
    assert SECRET not in scrub_secrets(f"error with {url} and {SECRET}", url)
    assert scrub_secrets("plain text", "not a url at all") == "plain text"


def test_an_unparsable_url_gets_a_placeholder_label_and_no_echo() -> None:
    source = DatabaseSource(f"postgresql://ana:{SECRET}@db:notaport/crm", table="t")
    assert source.label == "t @ <unparsable database URL>"
    with pytest.raises(DatabaseError) as caught:
        redact_url(source.url)
    assert SECRET not in str(caught.value) and caught.value.__cause__ is None


def test_with_password_puts_it_where_the_driver_reads_it() -> None:
    plain = with_password(make_url("postgresql+psycopg://ana@db/crm"), SPECIAL)
    assert plain.password == SPECIAL and not plain.query
    odbc_url = make_url(split_password("mssql://ana@/?odbc_connect=DRIVER%3D%7BX%7D%3B")[0])
    odbc = with_password(odbc_url, "a;b}c")
    # SQLAlchemy uses odbc_connect verbatim and ignores the URL's password: it goes inside.
    assert odbc.query["odbc_connect"] == "DRIVER={X};PWD={a;b}}c}"
    assert split_password(odbc)[1] == "a;b}c"  # and reads back the same
    assert with_password(plain, None) is plain


@pytest.mark.parametrize(("url", "secret"), [
    (f"postgresql://ana:{SECRET}@db:5432/crm", SECRET),
    (f"postgresql://ana@db:5432/crm?password={SECRET}", SECRET),
    ("postgresql://ana@db:5432/crm?PWD=p%40ss%3Aw%2Frd", SPECIAL),
    ("postgresql://ana:p%40ss:w/rd@db:5432/crm", SPECIAL),
])
def test_opening_logs_no_password_and_hands_it_to_the_driver(
    url: str, secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        database = open_database(url)  # builds the engine; nothing connects yet
    try:
        assert any("Opening" in record.getMessage() for record in caplog.records)
        for record in caplog.records:
            _assert_hidden(record.getMessage(), secret)
        assert database.url.password == secret
        assert not set(database.url.query) & {"password", "PWD"}
        assert database.where == "PostgreSQL database crm on db:5432"
    finally:
        database.engine.dispose()


def test_a_driver_message_quoting_the_password_is_scrubbed() -> None:
    database = open_database(f"postgresql://ana@db:5432/crm?password={SECRET}")
    try:
        driver_error = RuntimeError(
            f"invalid connection option near '{SECRET}' in password={SECRET}\nmore detail"
        )
        error = translate_error(driver_error, database, "the query")
    finally:
        database.engine.dispose()
    assert "reported an error while reading the query: invalid connection option" in str(error)
    _assert_hidden(str(error), SECRET)


@pytest.mark.parametrize("url", [
    f"postgresql://someone@127.0.0.1:{{port}}/crm?password={SECRET}",
    "postgresql://someone@127.0.0.1:{port}/crm?Pwd=p%40ss%3Aw%2Frd",
    "postgresql://someone:p%40ss:w/rd@127.0.0.1:{port}/crm",
])
def test_a_failed_connection_never_shows_the_password(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with caplog.at_level(logging.DEBUG), pytest.raises(DatabaseError) as caught:
        check_connection(url.format(port=port))
    assert f"could not reach PostgreSQL database crm on 127.0.0.1:{port}" in str(caught.value)
    everything = "".join(traceback.format_exception(caught.value)) + caplog.text
    for secret in (SECRET, SPECIAL):
        _assert_hidden(everything, secret)
