"""Ctrl-C in ``gristmill train`` before the search: it stops what is running and says what.

A real process gets a real SIGINT where the signal itself is the point (the PostgreSQL query
must be cancelled on the server); the message test runs in-process, with the Ctrl-C handler
called the way the signal calls it.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli import EXIT_INTERRUPTED, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_role(pg_url: str) -> Iterator[tuple[str, str]]:
    """A login role of its own (URL without password, password), so the test finds its own
    session in pg_stat_activity whatever else runs on the server."""
    import sqlalchemy as sa

    from engine.sources.credentials import split_password

    role, password = f"gm_ctrl_c_{secrets.token_hex(4)}", "Cc-" + secrets.token_hex(8)
    admin = sa.create_engine(pg_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    url, _ = split_password(pg_url)
    try:
        yield sa.make_url(url).set(username=role).render_as_string(hide_password=False), password
    finally:
        with admin.begin() as connection:  # never leave an hour-long query behind
            connection.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
            )
            connection.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


def _active_queries(pg_url: str, role: str, *, sleeping: bool = False) -> int:
    """Statements the role runs on the server; ``sleeping``: only those inside pg_sleep (not
    the row estimate Gristmill asks for first)."""
    import sqlalchemy as sa

    where = " AND wait_event = 'PgSleep'" if sleeping else ""
    admin = sa.create_engine(pg_url)
    try:
        with admin.connect() as connection:
            return int(connection.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = :role "
                f"AND state = 'active'{where}"
            ), {"role": role}).scalar_one())
    finally:
        admin.dispose()


def _wait_for(condition, what: str, limit: float = 120.0) -> None:
    """Poll ``condition`` until it holds (the limit only ends a test that already failed)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.05)


@pytest.mark.postgres
def test_ctrl_c_while_train_reads_postgres_cancels_the_query_and_exits_130(
    pg_url: str, pg_role: tuple[str, str]
) -> None:
    url, password = pg_role
    role = url.split("://", 1)[1].split("@", 1)[0]
    command = [sys.executable, "-m", "engine.cli", "train", url, "--sql",
               "SELECT pg_sleep(3600) AS slept, 1 AS target", "--target", "target",
               "--max-trials", "1"]
    env = {**os.environ, "GRISTMILL_DB_PASSWORD": password}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        # The query runs on the server: only now does Ctrl-C have something to cancel.
        _wait_for(
            lambda: process.poll() is not None
            or _active_queries(pg_url, role, sleeping=True) == 1,
            "the query starting",
        )
        assert process.poll() is None, process.communicate()
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=120)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    print(f"SIGINT to exit: {took:.2f} s")  # reported, not asserted (machine speed)
    assert process.returncode == EXIT_INTERRUPTED, err
    assert "reading the data was interrupted" in err
    assert "stopping the search" not in err
    # A query the server was not told to stop would sleep on for an hour after the client
    # went away; cancelled, it ends at once.
    _wait_for(lambda: _active_queries(pg_url, role) == 0, "the query ending on the server")


def test_ctrl_c_while_reading_a_file_names_the_reading_not_the_search(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler train installs, called as a SIGINT calls it, from inside the reader."""
    import engine.cli_modeling as cli_modeling
    from engine.sources import files

    data = tmp_path / "t.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(100)), encoding="utf-8")
    installed = []
    monkeypatch.setattr(cli_modeling, "_on_ctrl_c", lambda handler: installed.append(handler))
    real_load = files.load_file

    def load_then_ctrl_c(source, job):
        installed[0](signal.SIGINT, None)  # Ctrl-C while the data is being read
        return real_load(source, job)

    monkeypatch.setattr(files, "load_file", load_then_ctrl_c)
    code = main(["train", str(data), "--target", "b", "--max-trials", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == EXIT_INTERRUPTED, err
    assert "stopping: reading the data was interrupted" in err
    assert "stopping the search" not in err
