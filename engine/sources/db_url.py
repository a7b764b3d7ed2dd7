"""Database URLs: parse what the user typed, pick our driver, keep passwords out of sight.

A URL may come with a password typed into it; everything Gristmill stores or shows uses the
URL *without* it (:func:`without_password`). The driver is chosen here, once, so that
``postgres://`` and ``postgresql://`` both mean psycopg 3, which is what we install.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def without_password(url: str | URL) -> str:
    """The URL as text with no password in it (for keys, labels, logs and the project file)."""
    parsed = normalize_url(url)
    # URL.set(password=None) keeps the password (None means "unchanged"): rebuild instead.
    bare = URL.create(
        parsed.drivername,
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return bare.render_as_string(hide_password=False)


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
