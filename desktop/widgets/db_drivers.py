"""The databases the "Add database…" dialog offers, and how to build their addresses.

No Qt here and no heavy import at module level: :func:`check_drivers` tries each driver's
import (psycopg and pyodbc take a moment) and runs in a task; :func:`build_url` turns the
form's fields into a SQLAlchemy URL *without* a password.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from engine.jobs import CancelToken, Job, ProgressCallback


@dataclass(frozen=True)
class Driver:
    """One choice of the driver list."""

    key: str  # the URL scheme
    name: str  # shown to the user
    module: str  # what to import to know the driver is installed
    extra: str | None  # gristmill's pip extra that installs it (None: always installed)
    file_based: bool  # a file on disk (Browse…) rather than a server
    default_port: int | None = None

    @property
    def install_hint(self) -> str:
        """How to get this driver, in words that fit this install (pip, or the packaged app)."""
        from engine.optional_parts import install_hint

        return install_hint(self.extra, f"the {self.name} driver") if self.extra else ""


DRIVERS: tuple[Driver, ...] = (
    Driver("sqlite", "SQLite file", "sqlite3", None, True),
    Driver("postgresql", "PostgreSQL", "psycopg", None, False, 5432),
    Driver("mysql", "MySQL / MariaDB", "pymysql", "mysql", False, 3306),
    Driver("mssql", "SQL Server", "pyodbc", "mssql", False, 1433),
    Driver("duckdb", "DuckDB file", "duckdb_engine", "duckdb", True),
)

FILE_FILTERS = {
    "sqlite": "SQLite databases (*.db *.sqlite *.sqlite3 *.db3);;All files (*)",
    "duckdb": "DuckDB databases (*.duckdb *.ddb *.db);;All files (*)",
}


@dataclass(frozen=True)
class Environment:
    """What this computer offers: the drivers whose import failed, and a keychain or not."""

    missing: frozenset[str]  # driver keys
    keychain: bool


def check_drivers(progress: ProgressCallback, cancel: CancelToken) -> Environment:
    """Try each driver's import and look for a keychain (a task: imports take a moment)."""
    from engine.sources.credentials import keychain_available

    job = Job(progress, cancel)
    missing = set()
    for position, driver in enumerate(DRIVERS):
        job.step(position / (len(DRIVERS) + 1), f"Looking for the {driver.name} driver")
        try:
            importlib.import_module(driver.module)
        except ImportError:
            missing.add(driver.key)
    try:
        keychain = keychain_available()
    except Exception:  # a broken keyring install means "no keychain"
        keychain = False
    job.done("Drivers checked")
    return Environment(frozenset(missing), keychain)


def driver_by_key(key: str) -> Driver:
    return next(driver for driver in DRIVERS if driver.key == key)


def build_url(
    driver: Driver,
    *,
    path: str = "",
    host: str = "",
    port: str = "",
    database: str = "",
    user: str = "",
) -> str:
    """The SQLAlchemy URL of the form's fields (no password; empty fields are left out)."""
    from sqlalchemy.engine import URL

    if driver.file_based:
        return URL.create(driver.key, database=path.strip() or None).render_as_string()
    port_number = int(port) if port.strip().isdigit() else None
    url = URL.create(
        driver.key,
        username=user.strip() or None,
        host=host.strip() or None,
        port=port_number,
        database=database.strip() or None,
    )
    return url.render_as_string(hide_password=False)
