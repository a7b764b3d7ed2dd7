"""Driver errors turned into plain DatabaseErrors: what went wrong and what to do.

The driver's own text is only used after :func:`engine.sources.db_url.scrub_secrets` has
blanked any password in it; connection errors (which may quote a connection string) are
summarised in our words and must be raised ``from None`` by the caller
(:func:`is_connection_error` tells which).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import DatabaseError

if TYPE_CHECKING:
    from engine.sources.db_connect import Database

_UNREACHABLE = (
    "connection refused", "could not connect", "timeout expired", "timed out",
    "could not translate host name", "name or service not known", "no route to host",
    "can't connect", "network is unreachable", "server closed the connection",
    "login timeout", "is the server running",
)
_AUTH = (
    "password authentication failed", "access denied for user", "login failed for user",
    "no password supplied", "authentication failed", "fe_sendauth",
)


def _message(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip()


def _sqlstate(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    return str(getattr(original, "sqlstate", None) or "")


def is_connection_error(exc: BaseException) -> bool:
    """True for an error about reaching or logging in to the server (it may quote secrets)."""
    text = _message(exc).lower()
    state = _sqlstate(exc)
    return (
        state.startswith(("08", "28"))
        or any(marker in text for marker in _UNREACHABLE + _AUTH)
    )


def _sqlite_hot_journal(exc: BaseException, database: Database) -> bool:
    """A SQLite file whose rollback journal must be replayed, which a read-only open cannot."""
    if database.url.get_backend_name() != "sqlite" or not database.url.database:
        return False
    names = []
    current: BaseException | None = exc
    while current is not None:
        names.append(str(getattr(current, "sqlite_errorname", "")))
        current = getattr(current, "orig", None) or current.__cause__
    journal = Path(database.url.database + "-journal")
    return "SQLITE_READONLY_ROLLBACK" in names or (
        journal.exists() and journal.stat().st_size > 0 and any("READONLY" in n for n in names)
    )


def translate_error(exc: BaseException, database: Database, what: str | None) -> DatabaseError:
    """A plain DatabaseError for a driver error; never repeats the password."""
    text = database.scrub(_message(exc))
    lower = text.lower()
    state = _sqlstate(exc)
    where = database.where
    user = database.url.username or "(no user name)"
    subject = what or "the data"
    if state == "28P01" or state == "28000" or any(marker in lower for marker in _AUTH):
        return DatabaseError(
            f"{where} refused the user name or password (user {user}).",
            "Check the user name and the password, then try again.",
        )
    if state == "3D000" or ("database" in lower and "does not exist" in lower):
        return DatabaseError(
            f"The database {database.url.database} does not exist on {where}.",
            "Check the database name in the address.",
        )
    if state.startswith("08") or any(marker in lower for marker in _UNREACHABLE):
        return DatabaseError(
            f"Gristmill could not reach {where}.",
            "Check that the server is running and that the host name and port are right; "
            "a VPN or a firewall may be in the way.",
        )
    if state == "42501" or "permission denied" in lower or "command denied" in lower:
        return DatabaseError(
            f"{where} does not allow user {user} to read {subject} (permission denied).",
            "Ask the database administrator to grant SELECT rights on it.",
        )
    if state == "42P01" or "no such table" in lower or "doesn't exist" in lower:
        if what is None or what.startswith("table"):
            return DatabaseError(
                f"{subject[:1].upper()}{subject[1:]} does not exist in {where}.",
                "It may have been renamed or dropped since the list was read; "
                "refresh the list.",
            )
        return DatabaseError(
            f"The query uses a table that does not exist in {where}: "
            f"{_sentence(text.splitlines()[0])}",
            "Check the table names in the query; refresh the list of tables.",
        )
    if _sqlite_hot_journal(exc, database):
        return DatabaseError(
            f"{where} has a leftover journal file ({Path(database.url.database or '').name}"
            "-journal) from a program that stopped while writing to it; Gristmill opens "
            "databases read-only, so it cannot finish or undo that write.",
            "Open the database once with the program that wrote it (or the sqlite3 tool) so it "
            "can recover, or ask its owner; then try again.",
        )
    if state == "25006" or "read-only" in lower or "readonly" in lower:
        return DatabaseError(
            "The query tried to change the database; Gristmill opens databases read-only.",
            "Write a query that only reads (SELECT).",
        )
    if "file is not a database" in lower:
        return DatabaseError(f"{where} is not a SQLite database.")
    first_line = text.splitlines()[0] if text else type(exc).__name__
    return DatabaseError(
        f"{where} reported an error while reading {subject}: {_sentence(first_line)}",
        "Check the query." if what == "the query" else None,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
