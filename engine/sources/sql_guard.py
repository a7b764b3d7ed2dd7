"""Accept only a single SELECT from the user's SQL box, with a plain message otherwise.

This is the early, friendly check. The real defence is the read-only session every
connection opens (see :mod:`engine.sources.db_connect`): a statement that slips past this
scanner still cannot write. The scanner skips comments (``--``, nested ``/* */``) and quoted
text (``'...'`` with ``''``, ``E'...'`` with backslashes, ``$tag$...$tag$``, ``"..."``,
```...```, ``[...]``), so a ``;`` or a keyword inside a string is harmless. A quote it cannot
close is refused: when in doubt, refuse. Functions that escape a read-only session (dblink,
postgres_fdw, large objects, server files) are refused by name: a read-only session does not
stop ``dblink_exec`` from opening a second, writable one. Use a read-only database role too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import UnsafeQueryError

# Words that make a SELECT write: data-modifying CTEs (WITH d AS (DELETE ... RETURNING *)),
# and DDL words that have no business inside a query. Statement-starting words (COPY, PRAGMA,
# ATTACH, SET...) are refused by the "must start with SELECT or WITH" rule instead, so that
# columns named "comment", "copy" or "load" stay usable.
_FORBIDDEN = frozenset(
    {
        "insert", "update", "delete", "merge", "upsert", "truncate",
        "drop", "create", "alter", "grant", "revoke",
    }
)

# Functions that reach beyond the read-only session: open other connections (dblink,
# postgres_fdw), read or write server files (lo_*, pg_read_file, pg_ls_dir...), run a query
# given as text, change settings, or load code (SQLite's load_extension, fileio). Refused
# when called, i.e. followed by "(", so columns with such names stay usable.
_FORBIDDEN_CALLS = frozenset(
    {
        "lo_import", "lo_export", "lo_from_bytea", "lo_put", "lo_get", "lo_create",
        "lo_creat", "lo_unlink", "lo_open", "lo_write", "loread", "lowrite", "lo_truncate",
        "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_file_write",
        "pg_file_rename", "pg_file_unlink", "pg_logdir_ls", "pg_ls_logdir", "pg_ls_waldir",
        "pg_ls_tmpdir", "pg_ls_archive_statusdir", "pg_ls_logicalsnapdir",
        "pg_ls_logicalmapdir", "pg_ls_replslotdir", "pg_terminate_backend",
        "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_promote",
        "set_config", "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
        "cursor_to_xml", "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer",
        "sys_exec", "sys_eval", "load_file", "xp_cmdshell", "openrowset", "opendatasource",
        "openquery",
    }
)
_FORBIDDEN_CALL_PREFIXES = ("dblink", "postgres_fdw", "lo_", "pg_read_", "pg_ls_")

_STARTS = frozenset(("select", "with"))

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")

_HINT = "Write a single SELECT query (WITH ... SELECT is fine)."


@dataclass(frozen=True)
class _Token:
    text: str  # lower-cased for words
    start: int
    end: int
    is_word: bool


def check_select(sql: str) -> str:
    """Return ``sql`` ready to run if it is one read-only SELECT; else raise UnsafeQueryError.

    The returned text has trailing semicolons, comments and spaces removed, so it can be
    wrapped as a subquery (``SELECT * FROM (<sql>) AS q LIMIT 100``).
    """
    tokens = _tokens(sql)
    statements = _split_statements(tokens)
    if not statements:
        raise UnsafeQueryError("The SQL query is empty.", _HINT)
    if len(statements) > 1:
        raise UnsafeQueryError(
            f"The SQL holds {len(statements)} statements separated by ';'; "
            "only one query can be run.",
            _HINT,
        )
    statement = statements[0]
    first = next((t for t in statement if t.text != "("), statement[0])
    if not first.is_word or first.text not in _STARTS:
        raise UnsafeQueryError(
            f"Only SELECT queries can be run; this statement starts with {first.text.upper()}.",
            _HINT,
        )
    for number, token in enumerate(statement):
        called = number + 1 < len(statement) and statement[number + 1].text == "("
        if called and _forbidden_call(token):
            name = token.text.strip('"`[]').lower()
            raise UnsafeQueryError(
                f"The query calls {name}(), which can open other connections, touch files on "
                "the server or run other statements; Gristmill only reads data.",
                "Select from tables and views only. Connect as a read-only database user.",
            )
        if not token.is_word:
            continue
        if token.text in _FORBIDDEN:
            raise UnsafeQueryError(
                f"The query contains {token.text.upper()}, which changes data or tables; "
                "Gristmill only reads data.",
                _HINT,
            )
        if token.text == "into":
            raise UnsafeQueryError(
                "SELECT ... INTO writes the result into a table or a file; "
                "Gristmill only reads data.",
                "Remove the INTO clause.",
            )
    return sql[statement[0].start : statement[-1].end]


def _forbidden_call(token: _Token) -> bool:
    """Whether ``token`` (a word, or a quoted identifier) names a forbidden function."""
    name = token.text if token.is_word else token.text.strip('"`[]').lower()
    if not token.is_word and token.text[:1] not in ('"', "`", "["):
        return False  # a string or a number, not a name
    return name in _FORBIDDEN_CALLS or name.startswith(_FORBIDDEN_CALL_PREFIXES)


def _split_statements(tokens: list[_Token]) -> list[list[_Token]]:
    statements: list[list[_Token]] = [[]]
    for token in tokens:
        if token.text == ";":
            statements.append([])
        else:
            statements[-1].append(token)
    return [statement for statement in statements if statement]


def _tokens(sql: str) -> list[_Token]:
    """Words and symbols outside comments; each quoted item is one non-word token."""
    tokens: list[_Token] = []
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char.isspace():
            i += 1
        elif sql.startswith("--", i) or (char == "#" and _mysql_comment(sql, i)):
            newline = sql.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif sql.startswith("/*", i):
            i = _block_comment_end(sql, i)
        elif char in "'\"`[" or (char in "eEnNbBxXuU" and sql.startswith("'", i + 1)):
            end = _quoted_end(sql, i)
            tokens.append(_Token(sql[i:end], i, end, False))
            i = end
        elif char == "$" and (tag := _DOLLAR_TAG.match(sql, i)):
            close = sql.find(tag.group(0), tag.end())
            if close < 0:
                raise UnsafeQueryError("The SQL has a $-quoted text that is never closed.", _HINT)
            end = close + len(tag.group(0))
            tokens.append(_Token(sql[i:end], i, end, False))
            i = end
        elif word := _WORD.match(sql, i):
            tokens.append(_Token(word.group(0).lower(), i, word.end(), True))
            i = word.end()
        else:
            tokens.append(_Token(char, i, i + 1, False))
            i += 1
    return tokens


def _mysql_comment(sql: str, i: int) -> bool:
    """'#' starts a comment in MySQL; elsewhere it is an operator. Treat it as a comment only
    at the start of a line, where no operator can stand."""
    line_start = sql.rfind("\n", 0, i) + 1
    return sql[line_start:i].strip() == ""


def _block_comment_end(sql: str, i: int) -> int:
    depth, i = 0, i
    while i < len(sql):
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    raise UnsafeQueryError("The SQL has a /* comment that is never closed with */.", _HINT)


def _quoted_end(sql: str, i: int) -> int:
    """Index after the quoted item starting at ``i`` (a prefix letter like E'' included)."""
    backslash_escapes = sql[i] in "eE"
    if sql[i] not in "'\"`[":
        i += 1  # the prefix letter
    quote = sql[i]
    close = "]" if quote == "[" else quote
    j = i + 1
    while j < len(sql):
        char = sql[j]
        if backslash_escapes and char == "\\":
            j += 2
            continue
        if char == close:
            if sql.startswith(close * 2, j):  # doubled quote: an escaped quote character
                j += 2
                continue
            return j + 1
        j += 1
    what = "identifier" if quote in '"`[' else "text"
    raise UnsafeQueryError(
        f"The SQL has a quoted {what} that is never closed (a missing {close}).", _HINT
    )
