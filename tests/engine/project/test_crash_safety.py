"""A process killed in the middle of a write leaves the last committed state, exactly.

A child process commits a known state, then starts a big write transaction; once it is
inside that transaction (told by a SQLAlchemy event, not by timing) it says so on stdout and
waits. The parent kills it with SIGKILL, then opens the file: it must hold exactly the
committed state. No sleeps: every step waits for a line from the other side.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from project_files import dump, integrity

from engine.project.fingerprint import fingerprint_frame
from engine.project.migrations import CURRENT_VERSION
from engine.project.store import Project

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

COMMON = """
import sys
from pathlib import Path
sys.path.insert(0, "tests/engine/project")  # project_files, which the test modules import
from sqlalchemy import event
from sqlalchemy.engine import Engine

def stop_inside(marker, after=1):
    seen = 0
    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        nonlocal seen
        if marker in statement:
            seen += 1
            if seen == after:
                print("INSIDE", flush=True)
                sys.stdin.readline()  # wait here, mid-transaction, until killed

path = Path(sys.argv[1])
"""

SNAPSHOT_CHILD = COMMON + """
import numpy as np
import pandas as pd
from engine.project import snapshot
from engine.project.fingerprint import fingerprint_frame
from engine.project.store import Project
from engine.sources.base import FileSource
from tests.engine.project.test_crash_safety import committed_frame

snapshot.CHUNK_BYTES = 256 * 1024
project = Project.create(path)
source_id = project.add_source("data", FileSource("data.csv"))
project.save_snapshot(source_id, committed_frame())
project.save_fingerprint(source_id, fingerprint_frame(committed_frame()))
project.set_setting("active_source_id", source_id)
project.add_source("second", FileSource("other.csv"))
project.rename_source(source_id, "renamed")
print("COMMITTED", flush=True)
sys.stdin.readline()
# About 16 MB of random doubles (64 chunks): far more than SQLite's 2 MB page cache, so
# pages are spilled into the file itself before the 32nd chunk is inserted.
big = pd.DataFrame({"x": np.random.default_rng(0).random(2_000_000)})
stop_inside("INSERT INTO snapshot_chunks", after=32)
project.save_snapshot(source_id, big)
print("FINISHED", flush=True)
"""

ADD_TABLE_CHILD = COMMON + """
import numpy as np
import pandas as pd
from engine.project import snapshot
from engine.project.datasets import add_table
from engine.project.store import Project
from engine.sources.base import FileSource, LoadedTable, LoadReport
from tests.engine.project.test_crash_safety import committed_frame

snapshot.CHUNK_BYTES = 256 * 1024
project = Project.create(path)
first = LoadedTable(committed_frame(), LoadReport("first.csv", len(committed_frame())))
add_table(project, "first", FileSource("first.csv"), first)
print("COMMITTED", flush=True)
sys.stdin.readline()
big = pd.DataFrame({"x": np.random.default_rng(0).random(2_000_000)})
stop_inside(sys.argv[2], after=int(sys.argv[3]))
add_table(project, "big", FileSource("big.csv"), LoadedTable(big, LoadReport("big.csv", len(big))))
print("FINISHED", flush=True)
"""

MIGRATION_CHILD = COMMON + """
from engine.project.store import Project
from tests.engine.project.test_migrations import _old_file

_old_file(path, 1)
print("COMMITTED", flush=True)
sys.stdin.readline()
stop_inside("CREATE TABLE snapshots")
Project.open(path)
print("FINISHED", flush=True)
"""


def committed_frame() -> pd.DataFrame:
    """About 4 MB of Parquet: the big write frees its pages and reuses them at once, so an
    unprotected crash would leave this snapshot overwritten in place."""
    rows = 500_000
    return pd.DataFrame(
        {
            "x": np.random.default_rng(1).random(rows),
            "id": pd.array([1, 2, None, 4] * (rows // 4), dtype="Int64"),
            "name": pd.Series(["a", None, "c", "d"] * (rows // 4), dtype="str"),
        }
    )


@contextmanager
def _child(script: str, path: Path, *arguments: str) -> Iterator[subprocess.Popen[str]]:
    """A child process running ``script`` on ``path``; killed and reaped when the block ends."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(path), *arguments],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def _expect(child: subprocess.Popen[str], word: str) -> None:
    """Wait for the child to print ``word`` (its stderr explains a failure)."""
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    assert line == word, child.stderr.read() if child.stderr else line


def _go_until_inside(child: subprocess.Popen[str]) -> None:
    """Let the child go on, and wait until it says it is INSIDE the step to be killed in."""
    assert child.stdin is not None
    child.stdin.write("go\n")
    child.stdin.flush()
    _expect(child, "INSIDE")


def _kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL


def _kill_inside_transaction(
    script: str, path: Path, *arguments: str
) -> tuple[list[str], int]:
    """Run the child to its committed state, let it start the big write, kill it there.

    Returns the dump of the file as committed before the big write, and the file's size at
    the moment of the kill.
    """
    journal = path.with_name(path.name + "-journal")
    with _child(script, path, *arguments) as child:
        _expect(child, "COMMITTED")
        committed = dump(path)  # the child is idle between transactions: a stable state
        _go_until_inside(child)
        size = path.stat().st_size
        assert journal.exists() and journal.stat().st_size > 0  # the write is under way
        _kill(child)
    assert journal.exists()  # a hot journal: the file itself may hold half-written pages
    return committed, size


def test_killed_while_writing_a_snapshot_reopens_with_the_last_committed_state(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crash.gristmill"
    committed, size_at_kill = _kill_inside_transaction(SNAPSHOT_CHILD, path)
    assert size_at_kill > 2 * 1024 * 1024  # pages of the unfinished write reached the file
    with Project.open(path) as project:
        records = project.list_sources()
        assert [r.name for r in records] == ["renamed", "second"]
        pd.testing.assert_frame_equal(project.load_snapshot(records[0].id), committed_frame())
        assert records[0].fingerprint == fingerprint_frame(committed_frame())
        assert project.get_setting("active_source_id") == records[0].id
    assert dump(path) == committed  # exactly the committed state, nothing more
    assert integrity(path) == "ok"
    assert not path.with_name(path.name + "-journal").exists()
    assert path.stat().st_size < size_at_kill  # the half-written pages were rolled back


@pytest.mark.parametrize(
    ("marker", "after"),
    [
        ("INSERT INTO sources", 1),  # the first write of the add
        ("INSERT INTO snapshot_chunks", 32),  # half of the copy written, pages spilled
        ("UPDATE settings", 1),  # the last write of the add, just before the commit
    ],
)
def test_killed_while_adding_a_table_leaves_none_of_it(
    tmp_path: Path, marker: str, after: int
) -> None:
    path = tmp_path / "add.gristmill"
    committed, _ = _kill_inside_transaction(ADD_TABLE_CHILD, path, marker, str(after))
    assert integrity(path) == "ok"
    with Project.open(path) as project:
        records = project.list_sources()
        assert [r.name for r in records] == ["first"]  # no "big" without its copy
        assert records[0].has_snapshot
        assert records[0].fingerprint == fingerprint_frame(committed_frame())
        assert project.get_setting("active_source_id") == records[0].id
    assert dump(path) == committed  # exactly the state before the add, nothing more


def test_a_table_added_in_a_child_that_is_killed_afterwards_is_all_there(
    tmp_path: Path,
) -> None:
    """The other half of all-or-nothing: once add_table returned, everything of it is kept."""
    path = tmp_path / "added.gristmill"
    script = ADD_TABLE_CHILD.replace('print("FINISHED", flush=True)', 'print("INSIDE", flush=True)')
    # Stop on a statement that never runs, so the add completes; then the child says INSIDE.
    with _child(script, path, "NO SUCH STATEMENT", "1") as child:
        _expect(child, "COMMITTED")
        _go_until_inside(child)
        _kill(child)
    with Project.open(path) as project:
        records = project.list_sources()
        assert [r.name for r in records] == ["first", "big"]
        assert records[1].has_snapshot and records[1].fingerprint.rows == 2_000_000
        assert project.load_schema(records[1].id) is not None
        assert project.get_setting("active_source_id") == records[1].id
        assert len(project.load_snapshot(records[1].id)) == 2_000_000


def test_killed_while_migrating_reopens_as_the_old_version_and_migrates_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.gristmill"
    _kill_inside_transaction(MIGRATION_CHILD, path)
    connection = sqlite3.connect(path)
    version = connection.execute("SELECT schema_version FROM meta").fetchone()[0]
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert version == 1
    assert "fingerprints" not in tables  # created earlier in the same, unfinished transaction
    assert integrity(path) == "ok"
    with Project.open(path) as project:
        assert project.schema_version == CURRENT_VERSION
        assert [r.name for r in project.list_sources()] == ["Churn"]
