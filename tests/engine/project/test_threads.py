"""One Project used from two threads at once, as the window does (a job on a worker thread,
the GUI thread reading and saving settings): no write fails because of the other thread, and
a genuinely busy file is blamed on the right party.

No sleeps: threads start together on a barrier, run a fixed amount of work (or until the
other side is done) and report errors back to the test's thread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from engine.errors import ProjectError
from engine.project import connection as connection_module
from engine.project import snapshot as snapshot_module
from engine.project import store as store_module
from engine.project.store import ACTIVE_SOURCE, Project
from engine.sources.base import FileSource

ROUNDS = 60  # each round is a write and a read in both threads; 60 interleave plenty


def _run_together(*bodies: Callable[[], None]) -> list[BaseException]:
    """Run each body on its own thread, started at the same moment; the errors they raised."""
    barrier = threading.Barrier(len(bodies))
    errors: list[BaseException] = []

    def run(body: Callable[[], None]) -> None:
        barrier.wait()
        try:
            body()
        except BaseException as error:  # reported in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_threads_writing_and_reading_one_project_never_fail(project: Project) -> None:
    keep = project.add_source("kept", FileSource("kept.csv"))

    def hammer(prefix: str) -> Callable[[], None]:
        def body() -> None:
            for number in range(ROUNDS):
                source_id = project.add_source(f"{prefix}{number}", FileSource("x.csv"))
                project.set_setting(prefix, number)
                project.set_setting(ACTIVE_SOURCE, source_id)
                assert f"{prefix}{number}" in {r.name for r in project.list_sources()}
                project.rename_source(source_id, f"{prefix}{number} renamed")
                assert project.get_setting(prefix) == number
                project.remove_source(source_id)
                project.set_setting(ACTIVE_SOURCE, keep)

        return body

    assert _run_together(hammer("a"), hammer("b")) == []
    assert [r.name for r in project.list_sources()] == ["kept"]
    assert project.get_setting("a") == project.get_setting("b") == ROUNDS - 1


def test_settings_saved_during_a_big_snapshot_wait_for_it_instead_of_failing(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot_module, "CHUNK_BYTES", 64 * 1024)  # many chunk writes
    source_id = project.add_source("data", FileSource("data.csv"))
    big = pd.DataFrame({"x": np.random.default_rng(5).random(1_000_000)})  # 8 MB: spills
    setter_running = threading.Event()
    snapshot_done = threading.Event()
    saved: list[int] = []

    def write_snapshot() -> None:
        def progress(fraction: float, message: str) -> None:
            if message.startswith("Compressing"):  # before the write: no lock held yet
                setter_running.wait()

        try:
            for _ in range(2):
                project.save_snapshot(source_id, big, progress)
        finally:
            snapshot_done.set()

    def set_settings() -> None:
        number = 0
        while not snapshot_done.is_set() or number < 20:
            project.set_setting("zoom", number)
            project.list_sources()
            saved.append(number)
            setter_running.set()
            number += 1

    assert _run_together(write_snapshot, set_settings) == []
    assert project.get_setting("zoom") == saved[-1]
    pd.testing.assert_frame_equal(project.load_snapshot(source_id), big)


def test_a_file_held_by_another_program_says_so(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT_SECONDS", 0.05)
    other = sqlite3.connect(project.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        with pytest.raises(ProjectError, match="another Gristmill window or program"):
            project.set_setting("k", 1)
        other.execute("ROLLBACK")
    finally:
        other.close()
    project.set_setting("k", 2)  # free again: works
    assert project.get_setting("k") == 2


def test_a_file_busy_with_another_thread_here_does_not_blame_another_window(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that cannot commit while this window's own worker reads is not "another window".

    The wait is normally long enough for any read; it is shortened here to see the message.
    """
    monkeypatch.setattr(store_module, "IN_PROCESS_WAIT_SECONDS", 0.05)
    monkeypatch.setattr(snapshot_module, "CHUNK_BYTES", 1024)
    source_id = project.add_source("data", FileSource("data.csv"))
    project.save_snapshot(source_id, pd.DataFrame({"x": np.arange(10_000.0)}))
    reading = threading.Event()
    release = threading.Event()

    def read_slowly() -> None:
        def progress(fraction: float, message: str) -> None:
            if message.startswith("Reading"):  # inside the read transaction
                reading.set()
                release.wait()

        project.load_snapshot(source_id, progress)

    worker = threading.Thread(target=read_slowly)
    worker.start()
    try:
        reading.wait()
        with pytest.raises(ProjectError, match="busy with another task in this window") as info:
            project.set_setting("k", 1)
        assert "another Gristmill window" not in str(info.value)
    finally:
        release.set()
        worker.join()
    assert project.get_setting("k") is None  # the failed write left nothing
    project.set_setting("k", 1)
    assert project.get_setting("k") == 1
