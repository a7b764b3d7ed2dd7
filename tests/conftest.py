"""Shared fixtures.

PostgreSQL: the session fixture ``pg_url`` is a SQLAlchemy URL (with the test superuser's
password) of a real server. ``.ci/run`` starts one up front and exports
GRISTMILL_TEST_PG_URL; without it, the fixture starts a throwaway cluster itself with
``tests/pg_server.py`` and stops it at the end of the session. Where PostgreSQL cannot run,
the PostgreSQL tests are skipped with the reason, unless GRISTMILL_REQUIRE_PG=1 (CI), which
turns that into a failure so the tests can never be skipped silently.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import no_qt
import pytest

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

TESTS = Path(__file__).resolve().parent

# tests/test_codebase.py runs tests/engine again in a child process with this variable set.
if os.environ.get("GRISTMILL_BLOCK_QT") == "1":
    no_qt.install()


def _pg_server() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gristmill_pg_server", TESTS / "pg_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a real PostgreSQL server the tests may create schemas and roles in."""
    given = os.environ.get("GRISTMILL_TEST_PG_URL")
    if given:
        yield given
        return
    pg_server = _pg_server()
    state = Path(tempfile.mkdtemp(prefix="gristmill-pg-state-"))
    try:
        url = pg_server.start(state)
    except (pg_server.PgServerError, OSError, subprocess.SubprocessError) as error:
        shutil.rmtree(state, ignore_errors=True)
        reason = f"no PostgreSQL server for the tests: {error}"
        if os.environ.get("GRISTMILL_REQUIRE_PG") == "1":
            pytest.fail(f"GRISTMILL_REQUIRE_PG=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        yield url
    finally:
        pg_server.stop(state)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def use_keyring() -> Iterator[Callable[[KeyringBackend], KeyringBackend]]:
    """Install a keyring backend for one test (keychain_double.py has in-memory ones); the
    previous backend comes back afterwards."""
    import keyring

    previous = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)
