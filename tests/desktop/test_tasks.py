"""Tasks: engine jobs on worker threads, results and errors delivered in the GUI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread, QThreadPool
from PySide6.QtWidgets import QApplication

from desktop.tasks import Task, TaskRunner
from engine.errors import SourceError
from engine.jobs import CancelToken, Job, ProgressCallback


def loop_until_cancelled(progress: ProgressCallback, cancel: CancelToken) -> None:
    """A job that never ends on its own: only a cancel stops it."""
    job = Job(progress, cancel)
    while True:
        job.step(0.5, "Working")


@pytest.fixture
def pool() -> QThreadPool:
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    yield pool
    pool.waitForDone(10_000)


def test_task_delivers_its_result_in_the_gui_thread(qtbot, pool: QThreadPool) -> None:
    threads: list[object] = []

    def job(progress: ProgressCallback, cancel: CancelToken) -> int:
        threads.append(QThread.currentThread())
        progress(1.0, "Done")
        return 42

    task = Task("Answer", job)
    seen: list[object] = []
    task.signals.finished.connect(lambda result: seen.append(QThread.currentThread()))
    with qtbot.waitSignal(task.signals.finished, timeout=10_000) as blocker:
        pool.start(task.run)
    assert blocker.args == [42]
    assert threads[0] is not QApplication.instance().thread()  # the job ran on a worker
    assert seen == [QApplication.instance().thread()]
    assert task.wait(10.0) and task.done and task.exception is None


def test_engine_error_fails_with_its_message_and_no_details(qtbot, pool: QThreadPool) -> None:
    def job(progress: ProgressCallback, cancel: CancelToken) -> None:
        raise SourceError("The file is empty.", "Choose a file with rows.")

    task = Task("Bad", job)
    with qtbot.waitSignal(task.signals.failed, timeout=10_000) as blocker:
        pool.start(task.run)
    assert blocker.args == ["The file is empty. Choose a file with rows.", ""]
    assert isinstance(task.exception, SourceError)


def test_a_bug_fails_with_the_traceback(qtbot, pool: QThreadPool) -> None:
    def job(progress: ProgressCallback, cancel: CancelToken) -> None:
        raise ZeroDivisionError("division by zero")

    task = Task("Buggy", job)
    with qtbot.waitSignal(task.signals.failed, timeout=10_000) as blocker:
        pool.start(task.run)
    message, details = blocker.args
    assert message == "division by zero"
    assert "Traceback" in details and "ZeroDivisionError" in details


def test_cancel_stops_a_job_that_loops_until_cancelled(qtbot, pool: QThreadPool) -> None:
    task = Task("Forever", loop_until_cancelled)
    with qtbot.waitSignal(task.signals.progress, timeout=10_000):
        pool.start(task.run)
    with qtbot.waitSignal(task.signals.cancelled, timeout=10_000):
        task.cancel()
    assert task.wait(10.0)
    assert task.exception is None


def test_a_task_cancelled_while_queued_never_runs(qtbot, pool: QThreadPool) -> None:
    started = threading.Event()

    def job(progress: ProgressCallback, cancel: CancelToken) -> None:
        started.set()

    task = Task("Never", job)
    task.cancel()
    with qtbot.waitSignal(task.signals.cancelled, timeout=10_000):
        pool.start(task.run)
    assert not started.is_set()


def test_progress_is_throttled_and_the_last_report_kept(qtbot, pool: QThreadPool) -> None:
    def chatty(progress: ProgressCallback, cancel: CancelToken) -> str:
        for step in range(20_000):
            progress(step / 20_000, "Counting")
        progress(1.0, "Counted")
        return "ok"

    task = Task("Chatty", chatty)
    reports: list[tuple[float, str]] = []
    task.signals.progress.connect(lambda fraction, message: reports.append((fraction, message)))
    with qtbot.waitSignal(task.signals.finished, timeout=10_000):
        pool.start(task.run)
    assert 1 <= len(reports) < 200  # 20,001 calls, a handful of signals
    assert reports[-1] == (1.0, "Counted")


def test_runner_tracks_relays_cancels_and_waits(qtbot, pool: QThreadPool) -> None:
    runner = TaskRunner(pool=pool)
    changes: list[int] = []
    runner.changed.connect(lambda: changes.append(len(runner.running)))
    cancelled: list[bool] = []
    with qtbot.waitSignal(runner.progress, timeout=10_000) as blocker:
        task = runner.run(
            "Forever", loop_until_cancelled, on_cancelled=lambda: cancelled.append(True)
        )
    assert blocker.args == [0.5, "Working"]
    assert runner.current is task and runner.running == [task]
    runner.cancel_all()
    assert runner.wait_all(timeout=10.0)
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    assert cancelled == [True]
    assert changes == [1, 0]


def test_runner_relays_failures_with_the_exception(qtbot, pool: QThreadPool) -> None:
    runner = TaskRunner(pool=pool)
    tidied: list[object] = []

    def job(progress: ProgressCallback, cancel: CancelToken) -> None:
        raise SourceError("No such file.")

    with qtbot.waitSignal(runner.failed, timeout=10_000) as blocker:
        runner.run("Missing", job, on_failed=tidied.append)
    error, message, details = blocker.args
    assert isinstance(error, SourceError) and message == "No such file." and details == ""
    assert tidied == [error]
    assert runner.running == []


def test_runner_calls_on_finished_with_the_result(qtbot, pool: QThreadPool) -> None:
    runner = TaskRunner(pool=pool)
    results: list[object] = []
    runner.run("Sum", lambda progress, cancel: sum(range(10)), results.append)
    qtbot.waitUntil(lambda: results == [45], timeout=10_000)
    assert runner.running == []
