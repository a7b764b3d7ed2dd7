"""Database URLs: parse what the user typed, pick our driver, keep passwords out of sight.

A URL may come with a password typed into it (``user:secret@``, ``?password=``, ``?PWD=``,
or ``PWD=`` inside an ODBC ``odbc_connect`` string). Everything Gristmill stores or shows
(labels, logs, keychain keys, the project file, error messages) goes through the one remover
here: :func:`redact_url` / :func:`split_password` for URLs, :func:`scrub_secrets` for text.
The driver is chosen here, once, so that ``postgres://`` and ``postgresql://`` both mean
psycopg 3, which is what we install.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import URL, make_url

from engine.errors import DatabaseError


@dataclass(frozen=True)
class Backend:
    """One kind of database we know how to open."""

    name: str  # plain name shown to the user
    drivername: str  # SQLAlchemy dialect+driver we use
    package: str  # the Python package that provides the driver
    extra: str | None  # pip extra of gristmill that installs it (None: always installed)


BACKENDS: dict[str, Backend] = {
    "sqlite": Backend("SQLite", "sqlite", "sqlite3", None),
    "postgresql": Backend("PostgreSQL", "postgresql+psycopg", "psycopg", None),
    "mysql": Backend("MySQL/MariaDB", "mysql+pymysql", "PyMySQL", "mysql"),
    "mariadb": Backend("MariaDB", "mariadb+pymysql", "PyMySQL", "mysql"),
    "mssql": Backend("SQL Server", "mssql+pyodbc", "pyodbc", "mssql"),
    "duckdb": Backend("DuckDB", "duckdb", "duckdb-engine", "duckdb"),
}

_ALIASES = {"postgres": "postgresql", "pgsql": "postgresql", "sqlserver": "mssql"}

# The drivers we install and test. Another driver the user names explicitly
# (postgresql+psycopg2, mysql+mysqldb) is refused with a clear message rather than half-used.
_ACCEPTED_DRIVERS = {
    "sqlite": {"", "pysqlite"},
    "postgresql": {"", "psycopg"},
    "mysql": {"", "pymysql"},
    "mariadb": {"", "pymysql"},
    "mssql": {"", "pyodbc"},
    "duckdb": {""},
}

URL_HELP = (
    "Write it like sqlite:///C:/data/crm.db, postgresql://user@host:5432/database, "
    "mysql://user@host/database, mssql://user@dsn or duckdb:///path/file.duckdb."
)


def parse_url(url: str | URL) -> URL:
    """Parse ``url``; a DatabaseError never repeats the text (it may hold a password)."""
    if isinstance(url, URL):
        return url
    try:
        return make_url(url.strip())
    except Exception:  # ArgumentError, ValueError: the text is not a URL at all
        # "from None": the parser's own message may quote the text, password included.
        raise DatabaseError(
            "This is not a database address Gristmill understands.", URL_HELP
        ) from None


def backend_of(url: URL) -> Backend:
    """The backend a URL names, or a DatabaseError saying which ones we support."""
    dialect = _ALIASES.get(url.get_backend_name(), url.get_backend_name())
    backend = BACKENDS.get(dialect)
    if backend is None:
        names = ", ".join(sorted({b.name for b in BACKENDS.values()}))
        raise DatabaseError(
            f"Gristmill cannot open '{url.get_backend_name()}' databases.",
            f"Supported databases: {names}. {URL_HELP}",
        )
    driver = url.get_driver_name() if "+" in url.drivername else ""
    if driver not in _ACCEPTED_DRIVERS[dialect]:
        raise DatabaseError(
            f"Gristmill opens {backend.name} databases with the {backend.package} driver, "
            f"not '{driver}'.",
            f"Write the address as {dialect}://... (without '+{driver}').",
        )
    return backend


def normalize_url(url: str | URL) -> URL:
    """The URL with the driver Gristmill uses (``postgres://`` -> ``postgresql+psycopg://``)."""
    parsed = parse_url(url)
    return parsed.set(drivername=backend_of(parsed).drivername)


# Query options that carry a password, compared without case: libpq and PyMySQL read
# ``password``, ``passwd`` is MySQL's old spelling, ``pwd`` is ODBC's.
SECRET_KEYS = frozenset({"password", "passwd", "pwd"})

# ``PWD=...`` inside a raw ODBC connection string (the ``odbc_connect`` option). An ODBC value
# may be wrapped in braces, where "}}" stands for "}" (so ";" inside braces is no separator).
_ODBC_SECRET = re.compile(
    r"(?i)(?:^|(?<=;))\s*(?:pwd|passwd|password)\s*=\s*(\{(?:[^}]|\}\})*\}|[^;]*)\s*(?:;|$)"
)


def split_password(url: str | URL) -> tuple[str, str | None]:
    """Take every password out of ``url``: return (URL text without it, password or None).

    The password may be typed in the user part (``user:secret@``), as a query option
    (``?password=``, ``passwd=``, ``pwd=``, any case) or inside an ODBC connection string
    (``?odbc_connect=...PWD=secret...``); all of them are removed and the first one found
    is returned (user part first). The driver is normalised too (``postgres://`` ->
    ``postgresql+psycopg://``), so the URL is also the keychain key. Raises DatabaseError,
    without quoting the text, for a URL that cannot be parsed or names no supported database.
    """
    bare, password = _strip(normalize_url(url))
    return bare.render_as_string(hide_password=False), password


def redact_url(url: str | URL) -> str:
    """The URL as text with every password removed, for labels, logs, keys and files.

    Unlike :func:`split_password` the driver is left as written, so a label shows what the
    user typed (minus the password) and a database Gristmill cannot open still gets a
    label. Raises DatabaseError, without quoting the text, for a URL that cannot be parsed.
    """
    return _strip(parse_url(url))[0].render_as_string(hide_password=False)


def with_password(url: URL, password: str | None) -> URL:
    """``url`` with ``password`` put where its driver reads it (None: ``url`` unchanged).

    An ODBC connection string given as ``odbc_connect`` is used verbatim by SQLAlchemy, which
    then ignores the URL's own password, so there it goes back in as ``PWD={...}``.
    """
    if password is None:
        return url
    raw = url.query.get("odbc_connect")
    if isinstance(raw, str):
        braced = "{" + password.replace("}", "}}") + "}"
        joined = f"{raw.rstrip().rstrip(';')};PWD={braced}" if raw.strip() else f"PWD={braced}"
        return url.update_query_dict({"odbc_connect": joined})
    return url.set(password=password)


def scrub_secrets(
    text: str, url: str | URL | None = None, *, passwords: Iterable[str | None] = ()
) -> str:
    """``text`` (an error message, a log line) with passwords replaced by ``***``.

    Removes what looks like a password anywhere (``scheme://user:secret@``, ``password=``,
    ``pwd=``, ``passwd=`` options, also URL-encoded), plus every spelling (plain,
    URL-encoded, ODBC-braced) of the password found in ``url`` and of ``passwords``. Never
    raises: an unreadable ``url`` only contributes what the patterns find.
    """
    secrets = {password for password in passwords if password}
    if url is not None:
        secrets |= _typed_passwords(url)
    forms: set[str] = set()
    for secret in secrets:
        for plain in {secret, secret.replace("}", "}}")}:  # as typed, and ODBC-braced
            forms |= {plain, quote(plain, safe=""), quote(plain), quote_plus(plain)}
    for form in sorted(forms, key=len, reverse=True):  # longest first: no half-replaced form
        text = text.replace(form, "***")
    text = _USERINFO_SECRET.sub(r"\1:***@", text)
    text = _OPTION_SECRET.sub(r"\1\2***", text)
    return _ENCODED_OPTION_SECRET.sub(r"\1\2***", text)


_USERINFO_SECRET = re.compile(r"([A-Za-z][\w+.-]*://[^:/@\s]*):[^@\s]+@")
_OPTION_SECRET = re.compile(
    r"(?i)\b(password|passwd|pwd)(\s*=\s*)"
    r"('[^']*'|\"[^\"]*\"|\{(?:[^}]|\}\})*\}|[^\s;&,)'\"]+)"
)
# No \b here: in "%3BPWD%3D" the letter before PWD is the B of "%3B".
_ENCODED_OPTION_SECRET = re.compile(r"(?i)(password|passwd|pwd)(%3D)((?:(?!%3B|%26)[^\s&;])+)")


def _typed_passwords(url: str | URL) -> set[str]:
    """Every password written in ``url``, decoded and as typed; never raises."""
    found: set[str] = set()
    if isinstance(url, str):
        # As typed (still URL-encoded), read with patterns: the parser may reject the text.
        for match in re.finditer(r"://[^:/@\s]*:([^@\s]*)@", url):
            found.add(match.group(1))
        for match in re.finditer(r"(?i)[?&;](?:password|passwd|pwd)=([^&;#\s]*)", url):
            found.add(match.group(1))
    try:
        parsed = parse_url(url)
    except DatabaseError:
        return {secret for secret in found if secret}
    found.update(_passwords_in(parsed))
    return {secret for secret in found if secret}


def _passwords_in(url: URL) -> list[str]:
    """The passwords in ``url``, in order of precedence: user part, options, ODBC string."""
    found: list[str] = []
    if url.password is not None:
        found.append(str(url.password))  # sqlalchemy may hand back a masked-string wrapper
    for key, value in url.query.items():
        values = value if isinstance(value, tuple) else (value,)
        if key.lower() in SECRET_KEYS:
            found += [item for item in values if item]
        elif key.lower() == "odbc_connect":
            for item in values:
                found += [_odbc_value(match.group(1)) for match in _ODBC_SECRET.finditer(item)]
    return found


def _strip(url: URL) -> tuple[URL, str | None]:
    """``url`` without any password, and the first password it held (None: none)."""
    found = _passwords_in(url)
    query: dict[str, str | tuple[str, ...]] = {}
    for key, value in url.query.items():
        if key.lower() in SECRET_KEYS:
            continue
        if key.lower() == "odbc_connect":
            value = (
                tuple(_ODBC_SECRET.sub("", item) for item in value)
                if isinstance(value, tuple)
                else _ODBC_SECRET.sub("", value)
            )
        query[key] = value
    # URL.set(password=None) keeps the password (None means "unchanged"): rebuild instead.
    bare = URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=query,
    )
    return bare, (found[0] if found else None)


def _odbc_value(value: str) -> str:
    """An ODBC attribute value without its braces ("{a}}b}" -> "a}b")."""
    value = value.strip()
    if value.startswith("{") and value.endswith("}"):
        return value[1:-1].replace("}}", "}")
    return value


def describe(url: URL) -> str:
    """A short, password-free description of where a URL points ("crm on db.local:5432")."""
    backend = backend_of(url)
    if backend.drivername in {"sqlite", "duckdb"}:
        return f"{backend.name} file {url.database}"
    where = url.host or "the default server"
    if url.port:
        where = f"{where}:{url.port}"
    database = f"database {url.database} on " if url.database else ""
    return f"{backend.name} {database}{where}"
