"""Database passwords: the OS keychain, or nothing (DESIGN.md: passwords never enter a file).

Passwords go to the keychain through ``keyring`` under the service ``"gristmill"``, keyed by
the database URL *without* any password (``postgresql+psycopg://ana@db:5432/crm``, see
:func:`engine.sources.db_url.split_password`), so the saved connection in the project file
and the keychain entry find each other. Where no
keychain exists (a headless Linux box has only keyring's "fail" backend), nothing is stored
and :func:`get_password` returns ``None``: the app then asks for the password each time.
Nothing here logs or raises a password.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import URL

# split_password lives with the other URL rules; it is re-exported here, where callers that
# deal with passwords look for it.
from engine.sources.db_url import split_password

__all__ = [
    "SERVICE",
    "credential_key",
    "forget_password",
    "get_password",
    "keychain_available",
    "split_password",
    "store_password",
]

SERVICE = "gristmill"

log = logging.getLogger(__name__)


def credential_key(url: str | URL) -> str:
    """The keychain key of a connection: its URL without any password, driver normalised.

    The same connection typed with its password in the user part, in ``?password=`` or not
    at all gives the same key.
    """
    return split_password(url)[0]


def keychain_available() -> bool:
    """True when keyring has a real backend (not the "fail" or "null" placeholders)."""
    import keyring
    from keyring.backends import chainer, fail, null

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def store_password(url: str, password: str) -> bool:
    """Save ``password`` for ``url`` in the OS keychain; False when there is no keychain.

    A keychain that refuses (locked, denied) is treated like no keychain: the caller asks
    for the password next time instead of failing the connection.
    """
    import keyring
    from keyring.errors import KeyringError

    if not keychain_available():
        return False
    try:
        keyring.set_password(SERVICE, credential_key(url), password)
    except KeyringError as error:
        log.warning("The keychain refused to save a password: %s", type(error).__name__)
        return False
    return True


def get_password(url: str) -> str | None:
    """The saved password for ``url``, or None (none saved, or no keychain here)."""
    import keyring
    from keyring.errors import KeyringError

    if not keychain_available():
        return None
    try:
        return keyring.get_password(SERVICE, credential_key(url))
    except KeyringError as error:
        log.warning("The keychain could not be read: %s", type(error).__name__)
        return None


def forget_password(url: str) -> None:
    """Remove the saved password for ``url``, if any (no error when none was saved)."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    if not keychain_available():
        return
    try:
        keyring.delete_password(SERVICE, credential_key(url))
    except PasswordDeleteError:
        return  # nothing was saved
    except KeyringError as error:
        log.warning("The keychain could not remove a password: %s", type(error).__name__)
