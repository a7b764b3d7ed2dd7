"""Passwords: OS keychain through keyring, or nothing at all where no keychain exists.

The OS keychain cannot run on this headless machine, so a small in-memory keyring backend
stands in for it (a test double of the keychain, installed with ``keyring.set_keyring``).
"""

from __future__ import annotations

import pytest
from keychain_double import LockedKeyring, MemoryKeyring
from keyring.backends import chainer, fail

from engine.errors import DatabaseError
from engine.sources.credentials import (
    SERVICE,
    credential_key,
    forget_password,
    get_password,
    keychain_available,
    split_password,
    store_password,
)

URL = "postgresql+psycopg://ana@db.example:5432/crm"


def test_a_password_is_stored_under_the_url_without_password(use_keyring) -> None:
    memory = use_keyring(MemoryKeyring())
    assert keychain_available()
    assert store_password("postgres://ana:typed@db.example:5432/crm", "s3cret") is True
    assert memory.entries == {(SERVICE, URL): "s3cret"}
    # Any spelling of the same connection finds it.
    assert get_password(URL) == "s3cret"
    assert get_password("postgresql://ana@db.example:5432/crm") == "s3cret"
    assert get_password("postgresql+psycopg://bob@db.example:5432/crm") is None
    forget_password(URL)
    assert get_password(URL) is None
    forget_password(URL)  # forgetting twice is harmless


def test_the_keychain_key_never_holds_a_password_typed_in_the_query(use_keyring) -> None:
    memory = use_keyring(MemoryKeyring())
    typed = "postgresql://ana@db.example:5432/crm?PassWord=p%40ss%3Aw%2Frd"
    assert store_password(typed, "s3cret") is True
    assert memory.entries == {(SERVICE, URL): "s3cret"}
    assert get_password(typed) == get_password(URL) == "s3cret"


def test_without_a_keychain_nothing_is_stored_and_the_app_asks(use_keyring) -> None:
    use_keyring(fail.Keyring())
    assert not keychain_available()
    assert store_password(URL, "s3cret") is False
    assert get_password(URL) is None
    forget_password(URL)


def test_a_chainer_with_no_backends_counts_as_no_keychain(use_keyring) -> None:
    class EmptyChainer(chainer.ChainerBackend):
        backends = ()  # type: ignore[assignment]  # what keyring has when it finds none

    use_keyring(EmptyChainer())
    assert not keychain_available()
    assert get_password(URL) is None
    assert store_password(URL, "s3cret") is False


def test_a_locked_keychain_is_treated_as_no_keychain(use_keyring) -> None:
    use_keyring(LockedKeyring())
    assert store_password(URL, "s3cret") is False
    assert get_password(URL) is None


@pytest.mark.parametrize(
    ("typed", "clean", "password"),
    [
        ("postgresql://ana:s3cret@db:5432/crm", "postgresql+psycopg://ana@db:5432/crm", "s3cret"),
        ("postgres://ana@db/crm", "postgresql+psycopg://ana@db/crm", None),
        ("mysql://ana:p%40ss%3Aw@db/crm", "mysql+pymysql://ana@db/crm", "p@ss:w"),
        ("sqlite:///data/crm.db", "sqlite:///data/crm.db", None),
        ("postgres://ana@db/crm?password=s3cret", "postgresql+psycopg://ana@db/crm", "s3cret"),
        ("mysql://ana@db/crm?PASSWD=p%40ss%3Aw%2Frd&charset=utf8mb4",
         "mysql+pymysql://ana@db/crm?charset=utf8mb4", "p@ss:w/rd"),
        ("mssql://ana@dsn?Pwd=s3cret", "mssql+pyodbc://ana@dsn", "s3cret"),
    ],
)
def test_split_password_takes_the_password_out(typed: str, clean: str, password: str | None):
    assert split_password(typed) == (clean, password)
    assert credential_key(typed) == clean


def test_an_unparsable_url_is_refused_without_repeating_it() -> None:
    with pytest.raises(DatabaseError) as caught:
        split_password("postgresql://ana:s3cret@db:notaport/crm")
    assert "s3cret" not in str(caught.value)
    assert caught.value.__cause__ is None
